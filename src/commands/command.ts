/** The shape of a CLI command, and the small argument helpers they share. */

/** A `transfer-lab` sub-command. */
export interface Command {
  /** Run with the arguments after the command name; resolves to the exit code. */
  run(args: string[]): Promise<number>;
}

/** An error meant for the terminal user: printed without a stack trace. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}

/** Parsed `--flag` / `--key value` / `--key=value` options and positional arguments. */
export interface ParsedArgs {
  flags: Set<string>;
  values: Map<string, string>;
  positional: string[];
}

/**
 * Parse arguments. `valued` names options that take a value; any other `--x` is a flag.
 * Unknown options are an error naming the known ones.
 */
export function parseArgs(args: string[], known: { flags?: string[]; valued?: string[]; /** Most positional arguments accepted. Default: any number. */ positional?: number }): ParsedArgs {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const positional: string[] = [];
  const kf = new Set(known.flags ?? []);
  const kv = new Set(known.valued ?? []);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (kv.has(key)) {
      const v = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined) throw new CliError(`option --${key} needs a value`, 2);
      values.set(key, v);
    } else if (kf.has(key) && eq < 0) {
      flags.add(key);
    } else {
      const all = [...kf, ...kv].map((k) => `--${k}`).join(', ') || 'none';
      throw new CliError(`unknown option '${a}' (known: ${all})`, 2);
    }
  }
  if (known.positional !== undefined && positional.length > known.positional) {
    throw new CliError(`unexpected argument${positional.length - known.positional > 1 ? 's' : ''} ${positional.slice(known.positional).map((p) => `'${p}'`).join(' ')} (this command takes ${known.positional === 0 ? 'no arguments, only options' : `at most ${known.positional}`}). Fix: remove ${positional.length - known.positional > 1 ? 'them' : 'it'}, or see 'transfer-lab --help'.`, 2);
  }
  return { flags, values, positional };
}
