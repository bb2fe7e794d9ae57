/**
 * The native fast paths (src/fast-kernels.ts) must give the same numbers as tfjs's own
 * kernels: elementwise against the definition, and a whole training run bit-for-bit
 * against a child process with TRANSFER_LAB_FAST_KERNELS=0.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { tf, backendInfo, fastKernels } from '../src/index';
import { expectNoLeakedTensors } from './helpers';

const root = path.resolve(__dirname, '..');

// Finite values around the kinks (0 and 6), and a spread of others.
const XS = [-7, -1, -1e-30, 0, 1e-30, 0.5, 1, 5.999, 6, 6.001, 100, -0.0];
const DY = XS.map((_, i) => (i % 3) - 1.25 + i * 0.1);

describe('native fast kernels', () => {
  it('are active on the native backend and reported by backendInfo()', () => {
    assert.deepStrictEqual(fastKernels(), ['ReluGrad', 'Relu6Grad', 'Step']);
    assert.deepStrictEqual(backendInfo().fastKernels, fastKernels());
  });

  it('relu gradient equals dy * (x > 0), exactly, and leaks nothing', async () => {
    const got = await expectNoLeakedTensors(
      () =>
        tf.tidy(() => {
          const g = tf.grad((x: ReturnType<typeof tf.tensor1d>) => tf.relu(x).mul(tf.tensor1d(DY)).sum());
          return Array.from(g(tf.tensor1d(XS)).dataSync());
        }),
      'relu gradient',
    );
    assert.deepStrictEqual(
      got,
      XS.map((x, i) => Math.fround(x > 0 ? DY[i] : DY[i] * 0)),
    );
  });

  it('relu6 gradient equals dy * (0 < x < 6), exactly', () => {
    const got = tf.tidy(() => {
      const g = tf.grad((x: ReturnType<typeof tf.tensor1d>) => tf.relu6(x).mul(tf.tensor1d(DY)).sum());
      return Array.from(g(tf.tensor1d(XS)).dataSync());
    });
    assert.deepStrictEqual(
      got,
      XS.map((x, i) => Math.fround(x > 0 && x < 6 ? DY[i] : DY[i] * 0)),
    );
  });

  it('step keeps tfjs semantics: 1 above 0, alpha at or below, NaN stays NaN', async () => {
    const xs = [...XS, NaN];
    for (const alpha of [0, 0.25]) {
      const got = await expectNoLeakedTensors(() => tf.tidy(() => Array.from(tf.step(tf.tensor1d(xs), alpha).dataSync())), `step(alpha=${alpha})`);
      const want = xs.map((x) => (Number.isNaN(x) ? NaN : x > 0 ? 1 : Math.fround(alpha)));
      assert.deepStrictEqual(got, want);
    }
    // int32 input takes tfjs's own path.
    assert.deepStrictEqual(Array.from(tf.tidy(() => tf.step(tf.tensor1d([-2, 0, 3], 'int32')).dataSync())), [0, 0, 1]);
  });

  it('the fused conv + relu gradient equals the unfused one', () => {
    const [fused, plain] = tf.tidy(() => {
      const x = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 1) as ReturnType<typeof tf.tensor4d>;
      const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2) as ReturnType<typeof tf.tensor4d>;
      const b = tf.randomNormal([4], 0, 1, 'float32', 3) as ReturnType<typeof tf.tensor1d>;
      const dy = tf.randomNormal([2, 4, 4, 4], 0, 1, 'float32', 4);
      const f = tf.grads((xx: ReturnType<typeof tf.tensor4d>, ww: ReturnType<typeof tf.tensor4d>) =>
        tf.fused.conv2d({ x: xx, filter: ww, strides: 1, pad: 'valid', bias: b, activation: 'relu' }).mul(dy).sum(),
      );
      const p = tf.grads((xx: ReturnType<typeof tf.tensor4d>, ww: ReturnType<typeof tf.tensor4d>) =>
        tf
          .relu(tf.conv2d(xx, ww, 1, 'valid').add(b))
          .mul(dy)
          .sum(),
      );
      return [f([x, w]).map((t) => Array.from(t.dataSync())), p([x, w]).map((t) => Array.from(t.dataSync()))];
    });
    assert.deepStrictEqual(fused, plain);
  });

  it('a training run gives bit-identical weights with the fast kernels on and off (separate processes)', function () {
    this.timeout(300000);
    // A conv + dense ReLU net trained by the library loop for a few steps; print a digest of the weights.
    const code = `
      const tl = require('./dist');
      const crypto = require('crypto');
      (async () => {
        const tf = tl.tf;
        const input = tf.input({ shape: [12, 12, 1] });
        let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), name: 'c' }).apply(input);
        x = tf.layers.flatten().apply(x);
        x = tf.layers.dense({ units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }), name: 'd' }).apply(x);
        x = tf.layers.activation({ activation: 'relu6' }).apply(x);
        const out = tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }), name: 'o' }).apply(x);
        const model = tf.model({ inputs: input, outputs: out });
        const net = { model, groups: [{ name: 'body', layers: ['c', 'd'] }, { name: 'head', layers: ['o'] }], classNames: ['a', 'b', 'c'], preprocessing: { height: 12, width: 12, channels: 1 }, origin: 'test' };
        const n = 48;
        const images = new Uint8Array(n * 144).map((_, i) => (i * 7919) % 251);
        const labels = new Uint8Array(n).map((_, i) => i % 3);
        const ds = { name: 't', images, labels, count: n, height: 12, width: 12, channels: 1, classNames: ['a', 'b', 'c'], source: 'test' };
        const h = await tl.train(net, tl.imageSource(ds, net.preprocessing), { epochs: 2, batchSize: 16, learningRate: 0.01, seed: 5, engine: 'eager' }); // the eager loop is what dispatches these kernels
        const hash = crypto.createHash('sha256');
        for (const w of model.getWeights()) hash.update(Buffer.from(w.dataSync().buffer));
        console.log(JSON.stringify({ digest: hash.digest('hex'), loss: h.epochs.map((e) => e.loss), fast: tl.fastKernels() }));
      })();`;
    const run = (flag: string) => {
      const r = spawnSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8', env: { ...process.env, TRANSFER_LAB_FAST_KERNELS: flag } });
      assert.strictEqual(r.status, 0, r.stderr);
      return JSON.parse(r.stdout.trim().split('\n').pop() as string) as { digest: string; loss: number[]; fast: string[] };
    };
    const on = run('1');
    const off = run('0');
    assert.deepStrictEqual(on.fast, ['ReluGrad', 'Relu6Grad', 'Step']);
    assert.deepStrictEqual(off.fast, []);
    assert.deepStrictEqual(on.loss, off.loss);
    assert.strictEqual(on.digest, off.digest);
  });
});
