/**
 * `transfer-lab bench [--json] [--quick] [--jobs] [--out DIR]`: training and inference
 * throughput of the reference CNN, tfjs-node vs Keras 3 (and PyTorch when present) on
 * the same TensorFlow; writes `bench/results/latest.json` (+ a dated copy on full runs).
 * Progress goes to stderr; stdout has the table, or only the JSON with --json.
 */
import * as path from 'path';
import { runBench } from '../bench/run';
import { formatTable } from '../bench/report';
import { Command, parseArgs } from './command';

export const command: Command = {
  async run(args) {
    const opts = parseArgs(args, { flags: ['json', 'quick', 'jobs'], valued: ['out'], positional: 0 });
    const out = opts.values.get('out');
    const { result, files } = await runBench({
      quick: opts.flags.has('quick'),
      jobs: opts.flags.has('jobs'),
      resultsDir: out === undefined ? undefined : path.resolve(out),
    });
    if (opts.flags.has('json')) {
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    } else {
      process.stdout.write(formatTable(result) + '\n');
    }
    if (files) {
      process.stderr.write(`[bench] wrote ${files.latest}${files.dated ? ` and ${files.dated}` : ''}\n`);
    }
    if (result.backend_label) {
      process.stderr.write(`[bench] WARNING: these numbers are from the ${result.backend_label}, not native TensorFlow.\n`);
    }
    // Without a Keras number there is no comparison: the run did not do its job.
    if (result.keras_train_sps === null) {
      process.stderr.write('[bench] ERROR: no Keras peer ran; see the reasons above (is .venv set up? npm run setup).\n');
      return 1;
    }
    return 0;
  },
};
