import { tf } from '../../src/backend';
import { buildReferenceCnn, syntheticData } from '../../src/bench/reference';
async function main() {
  const model = buildReferenceCnn();
  const { xs, ys } = syntheticData(64);
  const vars = model.trainableWeights.map((w: any) => w.val);
  const opt = tf.train.adam(1e-3);
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const p = model.apply(xs, { training: true }) as any;
        return tf.losses.softmaxCrossEntropy(tf.oneHot(ys.toInt(), 10), p) as any;
      }, vars);
      opt.applyGradients(grads);
      return value;
    });
  for (let i = 0; i < 3; i++) await step().data();
  const agg: Record<string, number> = {};
  let total = 0;
  const N = 5;
  const t0 = Date.now();
  for (let i = 0; i < N; i++) {
    const info = await tf.profile(() => {
      const v = step();
      return v;
    });
    for (const k of info.kernels) {
      const ms = await (k.kernelTimeMs as any);
      const key = k.name + ' ' + JSON.stringify(k.inputShapes[0]);
      agg[key] = (agg[key] ?? 0) + ms / N;
      total += ms / N;
    }
  }
  const wall = (Date.now() - t0) / N;
  console.log('wall per step (profiled)', wall.toFixed(1), 'ms; kernel sum', total.toFixed(1));
  Object.entries(agg)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .forEach(([k, v]) => console.log(v.toFixed(2).padStart(8), k));
  const t1 = Date.now();
  for (let i = 0; i < 10; i++) await step().data();
  console.log('unprofiled step', ((Date.now() - t1) / 10).toFixed(1), 'ms');
}
if (!process.argv.includes('--cpu')) main();
// CPU time per step (less sensitive to other processes than wall time).
async function cpuPerStep(): Promise<void> {
  const model = buildReferenceCnn();
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  const { xs, ys } = syntheticData(640);
  await model.fit(xs.slice(0, 128), ys.slice(0, 128), { batchSize: 64, epochs: 1, verbose: 0 });
  const c0 = process.cpuUsage();
  const t0 = Date.now();
  await model.fit(xs, ys, { batchSize: 64, epochs: 1, shuffle: false, verbose: 0 });
  const c = process.cpuUsage(c0);
  console.log(`fit: cpu ${((c.user + c.system) / 1000 / 10).toFixed(1)} ms/step, wall ${((Date.now() - t0) / 10).toFixed(1)} ms/step`);
}
if (process.argv.includes('--cpu')) void cpuPerStep();
