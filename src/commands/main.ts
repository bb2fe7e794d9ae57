/**
 * The main job of `npm start`: the headline experiment (fashion-to-digits: does the
 * Fashion-MNIST backbone beat training from scratch on few digits?) on its built-in
 * defaults, then the summary table and where to open the report.
 * `--quick` runs the smoke-test version; `--json` prints only the summary.
 */
import { HEADLINE_EXPERIMENT, experimentConfig } from '../experiment/experiments';
import { Command, parseArgs } from './command';
import { MAIN } from './specs';
import { runExperiment } from './run';

export const command: Command = {
  async run(args) {
    const opts = parseArgs(args, MAIN);
    const config = experimentConfig(HEADLINE_EXPERIMENT, { quick: opts.flags.has('quick') });
    await runExperiment(config, { json: opts.flags.has('json'), fresh: opts.flags.has('fresh'), backbone: opts.values.get('backbone') });
    return 0;
  },
};
