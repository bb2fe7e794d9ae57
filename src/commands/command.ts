/**
 * The shape of a CLI command, its option table, and argument parsing on `node:util`
 * `parseArgs`. Every command declares a {@link CommandSpec} (in `specs.ts`, which loads
 * nothing heavy, so `--help` works even without the native backend); the same table
 * parses the arguments and prints the help.
 *
 * Exit codes: 0 ok, 1 failure (the work itself failed), 2 usage (bad command line).
 */
import { parseArgs as utilParseArgs } from 'node:util';

/** Exit codes of `transfer-lab`. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A `transfer-lab` sub-command. */
export interface Command {
  /** Run with the arguments after the command name; resolves to the exit code. */
  run(args: string[]): Promise<number>;
}

/** An error meant for the terminal user: printed without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** One option of a command. */
export interface OptionSpec {
  /** 'boolean' for a flag, 'string' for an option that takes a value. */
  type: 'boolean' | 'string';
  /** The value's placeholder in the help, e.g. 'N' or 'DIR'. Default 'VALUE'. */
  value?: string;
  /** One line of help. */
  help: string;
}

/** A command's name, arguments, options and help. */
export interface CommandSpec {
  name: string;
  /** One short line for the command list. */
  summary: string;
  /** More about it, for `--help`. Default none. */
  description?: string;
  /** The positional part of the usage line, e.g. '<name|config.json>'. Default none. */
  args?: string;
  /** Most positional arguments accepted. Default 0; Infinity for a list. */
  maxPositionals?: number;
  options: Record<string, OptionSpec>;
  /** Lines printed after the options in `--help` (computed when asked, e.g. a registry's names). */
  notes?: () => string[];
}

/** Parsed `--flag` / `--key value` / `--key=value` options and positional arguments. */
export interface ParsedArgs {
  flags: Set<string>;
  values: Map<string, string>;
  positional: string[];
}

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/**
 * Parse a command's arguments against its spec with `node:util` `parseArgs` (strict).
 * Unknown options, a missing value and too many positional arguments are usage errors
 * (CliError with exit code 2) naming the known options and the fix.
 *
 * @example
 * parseArgs(['--runs', '3', '--quick'], BENCH).values.get('runs'); // '3'
 */
export function parseArgs(args: string[], spec: CommandSpec): ParsedArgs {
  const options = Object.fromEntries(Object.entries(spec.options).map(([k, o]) => [k, { type: o.type }]));
  const known =
    Object.keys(spec.options)
      .map((k) => `--${k}`)
      .join(', ') || 'none';
  const see = `see 'transfer-lab ${spec.name} --help'`;
  let parsed: ReturnType<typeof utilParseArgs>;
  try {
    parsed = utilParseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const bad = /'([^']+)'/.exec(err.message)?.[1] ?? '?';
      throw new CliError(`unknown option '${bad}' (known: ${known}). Fix: remove it, or ${see}.`, EXIT.usage);
    }
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const key = /--([\w-]+)/.exec(err.message)?.[1] ?? '?';
      if (spec.options[key]?.type === 'string')
        throw new CliError(`option --${key} needs a value (--${key} ${spec.options[key].value ?? 'VALUE'}). Fix: give one, or ${see}.`, EXIT.usage);
      throw new CliError(`option --${key} takes no value. Fix: write --${key} alone, or ${see}.`, EXIT.usage);
    }
    throw new CliError(`${err.message}. Fix: ${see}.`, EXIT.usage);
  }
  const flags = new Set<string>();
  const values = new Map<string, string>();
  for (const [k, v] of Object.entries(parsed.values)) {
    if (typeof v === 'boolean') {
      if (v) flags.add(k);
    } else if (typeof v === 'string') values.set(k, v);
  }
  const positional = parsed.positionals;
  const max = spec.maxPositionals ?? 0;
  if (positional.length > max) {
    const extra = positional.slice(max);
    throw new CliError(
      `unexpected ${plural(extra.length, 'argument', 'arguments')} ${extra.map((p) => `'${p}'`).join(' ')} (this command takes ${max === 0 ? 'no arguments, only options' : `at most ${max}`}). Fix: remove ${plural(extra.length, 'it', 'them')}, or ${see}.`,
      EXIT.usage,
    );
  }
  return { flags, values, positional };
}

/**
 * The `--help` text of a command: usage line, options, notes, exit codes.
 *
 * @example
 * process.stdout.write(commandHelp(RUN));
 */
export function commandHelp(spec: CommandSpec): string {
  const opts = Object.entries(spec.options).map(([k, o]) => [`--${k}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`, o.help]);
  opts.push(['-h, --help', 'this help']);
  const w = Math.max(...opts.map(([a]) => a.length));
  const lines = [
    `usage: transfer-lab ${spec.name}${spec.args ? ` ${spec.args}` : ''}${Object.keys(spec.options).length ? ' [options]' : ''}`,
    '',
    spec.summary + (spec.description ? `\n${spec.description}` : ''),
    '',
    'options:',
    ...opts.map(([a, h]) => `  ${a.padEnd(w)}  ${h}`),
  ];
  const notes = spec.notes?.() ?? [];
  if (notes.length) lines.push('', ...notes);
  lines.push('', EXIT_CODES_HELP);
  return lines.join('\n') + '\n';
}

/** The exit codes, as the help prints them. */
export const EXIT_CODES_HELP = 'exit codes: 0 ok, 1 failure, 2 usage error (bad command line).';
