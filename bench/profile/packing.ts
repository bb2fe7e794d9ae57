/**
 * Token packing in compiled inference (src/graph/packing.ts), measured: all-MiniLM-L6-v2 +
 * a 6-way head, batch 16, length 64, the bench's texts (16..64 tokens), two compiled
 * forward graphs of the same model in one process, padded (`packTokens: false`) and packed,
 * run in turn (two rounds), each with wall and process CPU time per batch and its largest
 * output difference from the padded graph's.
 *
 *   npx tsx bench/profile/packing.ts          # REPEATS=5 timed passes over 8 batches each
 */
import * as os from 'os';
import { tf } from '../../src/backend';
import { loadTextEncoder } from '../../src/text/pretrained';
import { withHead } from '../../src/transfer/head';
import { textBenchIds, TEXT_BENCH_CLASSES } from '../../src/bench/text';
import { compileForward, CompiledForward } from '../../src/graph/predict';

const batch = 16;
const length = 64;
const n = 8;
async function main() {
  const enc = await loadTextEncoder('all-minilm-l6-v2', { maxLength: length });
  const net = withHead(enc, { classes: TEXT_BENCH_CLASSES, seed: 42 });
  const { ids } = textBenchIds(batch * n, length);
  const xs = tf.tensor2d(ids, [batch * n, length], 'int32');
  const repeats = Number(process.env.REPEATS ?? 5);
  const variants: [string, CompiledForward][] = [
    ['padded', compileForward(net.model, { packTokens: false }) as CompiledForward],
    ['packed', compileForward(net.model) as CompiledForward],
  ];
  for (const [, f] of variants) f.pushWeights();
  const ref: Float32Array[] = [];
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
  for (let round = 0; round < 2; round++)
    for (const [name, f] of variants) {
      const run = async () => {
        const outs: Float32Array[] = [];
        for (let b = 0; b < n; b++) {
          const xb = xs.slice(b * batch, batch);
          const y = f.predict(xb);
          outs.push((await y.data()) as Float32Array);
          tf.dispose([xb, y]);
        }
        return outs;
      };
      const o = await run();
      if (!ref.length) ref.push(...o);
      let md = 0;
      o.forEach((a, i) => a.forEach((v, j) => (md = Math.max(md, Math.abs(v - ref[i][j])))));
      const walls: number[] = [],
        cpus: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await run();
        walls.push((performance.now() - t0) / n);
        const c = process.cpuUsage(c0);
        cpus.push((c.user + c.system) / 1000 / n);
      }
      console.log(
        `${name} maxdiff ${md.toExponential(1)} wall ms/batch ${walls.map((w) => w.toFixed(0)).join(' ')} med ${med(walls).toFixed(0)} (${((1000 * batch) / med(walls)).toFixed(1)} sps) cpu ${med(cpus).toFixed(0)} load ${os.loadavg()[0].toFixed(2)}`,
      );
    }
}
main();
