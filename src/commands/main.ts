/**
 * The main job of `npm start`: the headline experiment (fashion-to-digits: does the
 * Fashion-MNIST backbone beat training from scratch on few digits?) on its built-in
 * defaults, then the summary table and where to open the report.
 * `--quick` runs the smoke-test version; `--json` prints only the summary; `--workers N` runs it
 * on N processes, `--shard i/n --out DIR` one shard of it (src/commands/sweep-flags.ts).
 */
import { HEADLINE_EXPERIMENT, experimentConfig } from '../experiment/experiments';
import { Command, parseArgs } from './command';
import { MAIN } from './specs';
import { runExperiment } from './run';
import { sweepFlags, runShardCommand } from './sweep-flags';

export const command: Command = {
  async run(args) {
    const opts = parseArgs(args, MAIN);
    const sweep = sweepFlags(opts.values);
    const config = experimentConfig(HEADLINE_EXPERIMENT, { quick: opts.flags.has('quick') });
    const common = { json: opts.flags.has('json'), fresh: opts.flags.has('fresh'), backbone: opts.values.get('backbone') };
    if (sweep.shard) await runShardCommand(config, sweep, common);
    else await runExperiment(config, { ...common, workers: sweep.workers });
    return 0;
  },
};
