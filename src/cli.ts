#!/usr/bin/env node
/**
 * The `transfer-lab` command line. Each command lives in `src/commands/<name>.ts`
 * and is loaded only when asked for.
 */
import { Command, CliError } from './commands/command';

const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  doctor: () => import('./commands/doctor'),
  datasets: () => import('./commands/datasets'),
  bench: () => import('./commands/bench'),
  pretrain: () => import('./commands/pretrain'),
  run: () => import('./commands/run'),
  main: () => import('./commands/main'),
  export: () => import('./commands/export'),
  merge: () => import('./commands/merge'),
};

function usage(): string {
  return [
    'usage: transfer-lab <command> [options]',
    '',
    'commands:',
    '  doctor [--json]            backend, versions, Python/Jupyter/tslab, data sets found',
    '  datasets [--json]          data sets available, from where, with counts',
    '           --check NAME      exit 0 if NAME is available',
    '           --fetch NAME      download NAME into datasets/cache (SHA-256 checked)',
    '  bench [--json] [--quick] [--runs N]  training/inference throughput vs Keras and PyTorch, median of N runs (default 3; bench/results/latest.json)',
    '        [--out DIR]',
    '  pretrain <name|all>        reproduce a bundled backbone (models/<name>) from its recipe',
    '           [--epochs N] [--fresh] [--quick] [--models-dir DIR]   resumes from its last epoch checkpoint',
    '  run <name|config.json>     compare strategies x labels/class x seeds (fashion-to-digits, fashion-a-to-b);',
    '      [--json] [--quick]     report in reports/<name>/index.html, reports/latest/summary.json;',
    '      [--fresh] [--backbone NAME|DIR] [--reports-dir DIR]   finished runs resume from runs.jsonl',
    '      [--workers N]          on N worker processes (TensorFlow threads: cores / N each)',
    '      [--shard i/n|auto --out DIR]   shard i (from 0) of n of the runs into a shared folder (auto: from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX)',
    '  main [--quick] [--json]    the main job run by `npm start`: the fashion-to-digits experiment',
    '       [--workers N] [--shard i/n --out DIR]   as for run',
    '  merge <folder> [--json]    the table and report of a sharded sweep from every shard in <folder>;',
    '        [--partial]          lists the runs no shard finished (exit 1); --partial writes what there is',
    '  export <net-dir> --web DIR a saved net as a web page: plain-tfjs model, local tf.min.js, pick/draw an image',
    '         [--title TEXT] [--json]',
    '',
    'environment: TRANSFER_LAB_BACKEND=cpu opts into the slow pure-JS backend.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    if (!name) process.stderr.write('transfer-lab: no command given. Fix: name one of the commands below.\n\n');
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`transfer-lab: unknown command '${name}'. Fix: use one of ${Object.keys(COMMANDS).join(', ')} (usage below).\n\n${usage()}\n`);
    return 2;
  }
  const { command } = await load();
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`transfer-lab: ${msg}\n`);
    if (process.env.TRANSFER_LAB_DEBUG && err instanceof Error && !(err instanceof CliError)) process.stderr.write(`${err.stack}\n`);
    process.exitCode = err instanceof CliError ? err.exitCode : 1;
  },
);
