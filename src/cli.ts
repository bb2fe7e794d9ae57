#!/usr/bin/env node
/**
 * The `transfer-lab` command line. Each command lives in `src/commands/<name>.ts` and is
 * loaded only when run; its options and help live in `src/commands/specs.ts`, so
 * `--help` works without loading TensorFlow.
 *
 * Exit codes: 0 ok, 1 failure, 2 usage error.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command, CommandSpec, CliError, EXIT, EXIT_CODES_HELP, commandHelp, parseArgs } from './commands/command';
import { BACKEND, BENCH, DATASETS, DOCTOR, EXPORT, MAIN, MERGE, PRETRAIN, RUN, SPECS, experimentNames } from './commands/specs';

const COMMANDS: Record<string, { spec: CommandSpec; load: () => Promise<{ command: Command }> }> = {
  doctor: { spec: DOCTOR, load: () => import('./commands/doctor') },
  datasets: { spec: DATASETS, load: () => import('./commands/datasets') },
  bench: { spec: BENCH, load: () => import('./commands/bench') },
  pretrain: { spec: PRETRAIN, load: () => import('./commands/pretrain') },
  run: { spec: RUN, load: () => import('./commands/run') },
  main: { spec: MAIN, load: () => import('./commands/main') },
  backend: { spec: BACKEND, load: () => import('./commands/backend') },
  export: { spec: EXPORT, load: () => import('./commands/export') },
  merge: { spec: MERGE, load: () => import('./commands/merge') },
};

function version(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function usage(): string {
  const w = Math.max(...SPECS.map((s) => s.name.length + (s.args ? s.args.length + 1 : 0)));
  const { names, error } = experimentNames();
  return (
    [
      'usage: transfer-lab <command> [options]',
      '       transfer-lab <command> --help     options of one command',
      '       transfer-lab --version',
      '',
      'commands:',
      ...SPECS.map((s) => `  ${`${s.name}${s.args ? ` ${s.args}` : ''}`.padEnd(w)}  ${s.summary}`),
      '',
      `experiments (for run): ${error ? `(could not list them: ${error})` : names.join(', ')}`,
      '',
      'environment: TRANSFER_LAB_CACHE (downloads and caches; default ~/.cache/transfer-lab),',
      '  TRANSFER_LAB_REPORTS (default ./reports), TRANSFER_LAB_BACKEND=cpu (the slow pure-JS backend).',
      EXIT_CODES_HELP,
    ].join('\n') + '\n'
  );
}

const isHelp = (a: string) => a === '--help' || a === '-h';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name) {
    process.stderr.write(`transfer-lab: no command given. Fix: name one of the commands below.\n\n${usage()}`);
    return EXIT.usage;
  }
  if (isHelp(name) || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic && COMMANDS[topic]) {
      process.stdout.write(commandHelp(COMMANDS[topic].spec));
      return EXIT.ok;
    }
    if (topic) {
      process.stderr.write(`transfer-lab: unknown command '${topic}'. Fix: use one of ${Object.keys(COMMANDS).join(', ')}.\n`);
      return EXIT.usage;
    }
    process.stdout.write(usage());
    return EXIT.ok;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`transfer-lab ${version()}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`transfer-lab: unknown command '${name}'. Fix: use one of ${Object.keys(COMMANDS).join(', ')} (usage below).\n\n${usage()}`);
    return EXIT.usage;
  }
  // `--help` anywhere before a `--` asks for the command's help, whatever else is there.
  const end = rest.indexOf('--');
  if ((end < 0 ? rest : rest.slice(0, end)).some(isHelp)) {
    process.stdout.write(commandHelp(entry.spec));
    return EXIT.ok;
  }
  parseArgs(rest, entry.spec); // usage errors before loading the command (and TensorFlow)
  const { command } = await entry.load();
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`transfer-lab: ${msg}\n`);
    if (process.env.TRANSFER_LAB_DEBUG && err instanceof Error && !(err instanceof CliError)) process.stderr.write(`${err.stack}\n`);
    process.exitCode = err instanceof CliError ? err.exitCode : EXIT.failure;
  },
);
