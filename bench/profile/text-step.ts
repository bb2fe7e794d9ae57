/**
 * The text bench case's step, timed with its CPU time: all-MiniLM-L6-v2 + 6-way head,
 * batch 16, length 64, the library's train() (compiled step) and predictor, as
 * src/bench/text.ts runs them, each repeat with its wall time and its process CPU time
 * (user + sys, which a loaded machine inflates far less than wall time).
 *
 *   npx tsx bench/profile/text-step.ts [repeats=5] [steps=4]      # ONLY=train|infer for one phase
 *   TRANSFER_LAB_GRAPH_DUMP=/tmp/g npx tsx bench/profile/text-step.ts 1 1   # also writes the graphs (graph_stats.py)
 */
import * as os from 'os';
import { tf } from '../../src/backend';
import { loadTextEncoder } from '../../src/text/pretrained';
import { buildTextEncoder, MINILM_L6_CONFIG } from '../../src/text/encoder';
import { unfreeze } from '../../src/transfer/freeze';
import { withHead } from '../../src/transfer/head';
import { pretrainedOrRandom, timeLoop } from '../../src/bench/cases';
import { idSource, textBenchIds, TEXT_BENCH_CLASSES } from '../../src/bench/text';
import { predictor } from '../../src/graph/predict';

const repeats = Number(process.argv[2] ?? 5);
const steps = Number(process.argv[3] ?? 4);
const batch = 16;
const length = 64;
const only = process.env.ONLY ?? 'both';

async function timed<T>(fn: () => Promise<T>): Promise<{ wall: number; cpu: number; out: T }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000, out };
}

const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function main() {
  const { net: enc, weights } = await pretrainedOrRandom(
    () => loadTextEncoder('all-minilm-l6-v2', { maxLength: length }),
    () => buildTextEncoder(MINILM_L6_CONFIG, { maxLength: length, seed: 42 }),
    'pretrained',
  );
  const net = withHead(enc, { classes: TEXT_BENCH_CLASSES, seed: 42 });
  unfreeze(net);
  const { ids, labels } = textBenchIds(batch * Math.max(steps, 8), length);
  console.log(
    `weights ${weights}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  if (only !== 'infer') {
    const src = idSource(ids.subarray(0, batch * steps * length), labels.subarray(0, batch * steps), length);
    const args = { batch, steps, repeats: 1, warmupSteps: 1, seed: 42 };
    await timeLoop(net, src, args, 2e-5); // warm-up (compiles)
    const walls: number[] = [];
    const cpus: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t = await timed(() => timeLoop(net, src, { ...args, warmupSteps: 0 }, 2e-5));
      walls.push(t.wall / steps);
      cpus.push(t.cpu / steps);
    }
    console.log(`train ms/step wall ${fmt(walls)} (median ${med(walls).toFixed(0)}, ${((1000 * batch) / med(walls)).toFixed(1)} samples/s)`);
    console.log(`train ms/step cpu  ${fmt(cpus)} (median ${med(cpus).toFixed(0)})`);
  }
  if (only !== 'train') {
    const n = 8;
    const xs = tf.tensor2d(ids.subarray(0, batch * n * length), [batch * n, length], 'int32');
    const run = async () => {
      const predict = predictor(net.model);
      for (let s = 0; s < batch * n; s += batch) await tf.tidy(() => predict(xs.slice(s, batch))).data();
    };
    await run();
    const walls: number[] = [];
    const cpus: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t = await timed(run);
      walls.push(t.wall / n);
      cpus.push(t.cpu / n);
    }
    console.log(`infer ms/batch wall ${fmt(walls)} (median ${med(walls).toFixed(1)}, ${((1000 * batch) / med(walls)).toFixed(1)} samples/s)`);
    console.log(`infer ms/batch cpu  ${fmt(cpus)} (median ${med(cpus).toFixed(1)})`);
    xs.dispose();
  }
  console.log(
    `load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}
main();
