/**
 * `transfer-lab bench [--json] [--quick] [--jobs] [--runs N] [--out DIR] [--only lite0|text]`: training and
 * inference throughput of the reference CNN, tfjs-node vs Keras 3 (and PyTorch when
 * present) on the same TensorFlow; a full run measures 3 times (`--runs`, default 3; 1
 * with --quick) and reports median ratios; writes `bench/results/latest.json` (+ a dated
 * copy on full runs).
 * `--only lite0` (EfficientNet-Lite0) or `--only text` (all-MiniLM-L6-v2) measures only that
 * case (library vs peers, once) and writes nothing.
 * Progress goes to stderr; stdout has the table, or only the JSON with --json.
 */
import * as path from 'path';
import { ONLY_CASES, OnlyCase, runBench, runCaseBench } from '../bench/run';
import { formatTable } from '../bench/report';
import { Command, CliError, EXIT, parseArgs } from './command';
import { BENCH } from './specs';

export const command: Command = {
  async run(args) {
    const opts = parseArgs(args, BENCH);
    const only = opts.values.get('only');
    if (only !== undefined) {
      if (!(ONLY_CASES as readonly string[]).includes(only))
        throw new CliError(`--only '${only}' is not a bench case. Fix: --only ${ONLY_CASES.join(' or --only ')} (the cases that run alone).`, EXIT.usage);
      const r = await runCaseBench(only as OnlyCase, { quick: opts.flags.has('quick') });
      const fmt = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));
      const c = r.section;
      const name = r.case === 'lite0' ? 'efficientnet-lite0' : 'all-minilm-l6-v2';
      process.stdout.write(
        opts.flags.has('json')
          ? JSON.stringify(r, null, 2) + '\n'
          : [
              `${name} ${r.dims}, batch ${c.batch} (${c.engine}): fine-tune ${c.tfjs_train_sps.toFixed(1)} samples/s, predict ${c.tfjs_infer_sps.toFixed(1)} samples/s`,
              ...c.peers.map(
                (p) =>
                  `  ${p.name}: ${p.available ? `fine-tune ${p.train_sps?.toFixed(1)}, predict ${p.infer_sps?.toFixed(1)} samples/s` : `absent: ${p.reason}`}`,
              ),
              `${r.case}_train_ratio ${fmt(r.train_ratio)} (vs ${c.best_peer_train?.name ?? 'none'}), ${r.case}_infer_ratio ${fmt(r.infer_ratio)} (vs ${c.best_peer_infer?.name ?? 'none'})`,
              `load average ${r.loadavg_start.map((x) => x.toFixed(1)).join(' ')} at start, ${r.loadavg_end.map((x) => x.toFixed(1)).join(' ')} at end, ${r.cpus} cpus; ${r.wall_s.toFixed(0)} s`,
            ].join('\n') + '\n',
      );
      return r.train_ratio === null ? 1 : 0;
    }
    const out = opts.values.get('out');
    const runsArg = opts.values.get('runs');
    const runs = runsArg === undefined ? (opts.flags.has('quick') ? 1 : 3) : Number(runsArg);
    if (!Number.isInteger(runs) || runs < 1) throw new CliError(`--runs must be a positive integer, got '${runsArg}'. Fix: pass e.g. --runs 3.`, EXIT.usage);
    const { result, files } = await runBench({
      quick: opts.flags.has('quick'),
      jobs: opts.flags.has('jobs'),
      runs,
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
