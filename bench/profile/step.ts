import { tf } from '../../src/backend';
const be = tf.backend() as any;
const T = (_dtype: string) => ({ name: 'T', type: be.binding.TF_ATTR_TYPE, value: be.binding.TF_FLOAT });
const x = tf.randomNormal([64, 26, 26, 32]);
const dy = tf.randomNormal([64, 26, 26, 32]);
const variants: Record<string, () => any> = {
  'tfjs step': () => tf.step(x),
  'greater+cast': () =>
    tf.tidy(() =>
      be.executeSingleOutput(
        'Cast',
        [
          { name: 'SrcT', type: be.binding.TF_ATTR_TYPE, value: be.binding.TF_BOOL },
          { name: 'DstT', type: be.binding.TF_ATTR_TYPE, value: be.binding.TF_FLOAT },
          { name: 'Truncate', type: be.binding.TF_ATTR_BOOL, value: false },
        ],
        [tf.greater(x, 0)],
      ),
    ),
  'mul(dy, step)': () => tf.tidy(() => tf.mul(dy, tf.step(x))),
  ReluGrad: () => be.executeSingleOutput('ReluGrad', [T('float32')], [dy, x]),
};
async function main() {
  const ref = tf.tidy(() => tf.mul(dy, tf.step(x)));
  const rg = variants['ReluGrad']();
  console.log('ReluGrad max diff vs tfjs', tf.max(tf.abs(tf.sub(ref, rg))).dataSync()[0]);
  for (const [k, f] of Object.entries(variants)) {
    for (let i = 0; i < 3; i++) {
      const r = f();
      await r.data();
      r.dispose();
    }
    const ts: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t = performance.now();
      const r = f();
      await r.data();
      r.dispose();
      ts.push(performance.now() - t);
    }
    ts.sort((a, b) => a - b);
    console.log(k.padEnd(16), ts[7].toFixed(2), 'ms');
  }
}
main();
