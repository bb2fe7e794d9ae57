/** Kernel profile of one full fine-tuning step of the bundled fashion-cnn (library loop). */
import { tf } from '../../src/backend';
import { loadBackbone } from '../../src/backbone/zoo';
import { unfreeze, setBatchNormMode } from '../../src/transfer/freeze';
import { sparseCrossEntropy } from '../../src/train/loop';
import { patchBatchNorm } from '../../src/transfer/freeze';
async function main() {
  const net = await loadBackbone('fashion-cnn');
  unfreeze(net);
  setBatchNormMode(net, (process.env.BN as any) ?? 'inference');
  patchBatchNorm(net.model);
  const vars = net.model.trainableWeights.map((w: any) => w.val);
  const xs = tf.randomUniform([64, 28, 28, 1]);
  const ys = tf.tensor1d(
    Array.from({ length: 64 }, (_, i) => i % 10),
    'int32',
  );
  const opt = tf.train.adam(1e-4);
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => sparseCrossEntropy(net.model.apply(xs, { training: true }) as any, ys as any, 10), vars);
      opt.applyGradients(grads);
      return value;
    });
  for (let i = 0; i < 3; i++) await step().data();
  const agg: Record<string, number> = {};
  let total = 0;
  const N = 4;
  for (let i = 0; i < N; i++) {
    const info = await tf.profile(() => step());
    for (const k of info.kernels) {
      const ms = await (k.kernelTimeMs as any);
      const key = k.name + ' ' + JSON.stringify(k.inputShapes[0]);
      agg[key] = (agg[key] ?? 0) + ms / N;
      total += ms / N;
    }
  }
  const byName: Record<string, number> = {};
  for (const [k, v] of Object.entries(agg)) {
    const n = k.split(' ')[0];
    byName[n] = (byName[n] ?? 0) + v;
  }
  console.log('kernel sum per step', total.toFixed(1), 'ms');
  Object.entries(byName)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 14)
    .forEach(([k, v]) => console.log(v.toFixed(2).padStart(8), ((100 * v) / total).toFixed(0).padStart(3) + '%', k));
}
main();
