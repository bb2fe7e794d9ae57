/**
 * The graph compiler on a non-chain net: a small residual depthwise net (the building
 * blocks of EfficientNet-Lite / MobileNetV2: conv, DepthwiseConv2D, BatchNorm, ReLU6 as a
 * layer and as an activation, a residual Add, global average pooling, seeded dropout,
 * dense + softmax) must train compiled exactly as the eager loop trains it, with frozen
 * groups and BatchNorm in either mode, and infer as model.predict does.
 */
import * as assert from 'assert';
import { tf } from '../src/backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { train, TrainOptions } from '../src/train/loop';
import { imageSource } from '../src/train/source';
import type { History } from '../src/train/history';
import { freeze, setBatchNormMode } from '../src/transfer/freeze';
import { SeededDropout } from '../src/transfer/layers';
import { graphUnsupported, releaseCachedTrainStep } from '../src/graph/trainer';
import { predictor, releaseCachedForward } from '../src/graph/predict';
import { Net } from '../src/transfer/net';
import { expectNoLeakedTensors } from './helpers';
import { restore, snapshot, toyImages } from './fixtures';

/** stem (conv, BN, ReLU6 layer) -> residual block (depthwise, BN, relu6, pointwise, BN, Add) -> strided depthwise -> GAP -> dropout -> dense softmax. */
function residualNet(seed: number): Net {
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seed * 10 + i });
  const input = tf.input({ shape: [12, 12, 1], name: 'image' });
  const stem = tf.layers
    .conv2d({ name: 'stem_conv', filters: 8, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init(0) })
    .apply(input) as tfn.SymbolicTensor;
  const stemBn = tf.layers.batchNormalization({ name: 'stem_bn' }).apply(stem) as tfn.SymbolicTensor;
  const stemAct = tf.layers.reLU({ name: 'stem_relu6', maxValue: 6 }).apply(stemBn) as tfn.SymbolicTensor;
  let h = tf.layers
    .depthwiseConv2d({ name: 'block_dw', kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: init(1) })
    .apply(stemAct) as tfn.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: 'block_dw_bn' }).apply(h) as tfn.SymbolicTensor;
  h = tf.layers.activation({ name: 'block_dw_relu6', activation: 'relu6' }).apply(h) as tfn.SymbolicTensor;
  h = tf.layers.conv2d({ name: 'block_pw', filters: 8, kernelSize: 1, useBias: false, kernelInitializer: init(2) }).apply(h) as tfn.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: 'block_pw_bn' }).apply(h) as tfn.SymbolicTensor;
  const sum = tf.layers.add({ name: 'block_add' }).apply([stemAct, h]) as tfn.SymbolicTensor;
  const down = tf.layers
    .depthwiseConv2d({ name: 'down_dw', kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, activation: 'relu', depthwiseInitializer: init(3) })
    .apply(sum) as tfn.SymbolicTensor;
  const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(down) as tfn.SymbolicTensor;
  const drop = new SeededDropout({ name: 'drop', rate: 0.2, seed: 11 }).apply(gap) as tfn.SymbolicTensor;
  const out = tf.layers.dense({ name: 'logits', units: 3, activation: 'softmax', kernelInitializer: init(4) }).apply(drop) as tfn.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out, name: 'residual' });
  return {
    model,
    classNames: ['a', 'b', 'c'],
    origin: 'test:residual',
    preprocessing: { height: 12, width: 12, channels: 1 },
    groups: [
      { name: 'stem', layers: ['stem_conv', 'stem_bn', 'stem_relu6'] },
      { name: 'body', layers: ['block_dw', 'block_dw_bn', 'block_dw_relu6', 'block_pw', 'block_pw_bn', 'block_add', 'down_dw'] },
      { name: 'head', layers: ['gap', 'drop', 'logits'] },
    ],
  };
}

function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let m = 0;
  for (const [k, v] of a)
    v.forEach((x, i) => {
      m = Math.max(m, Math.abs(x - b.get(k)![i]));
    });
  return m;
}

/** Train two copies, compiled and eager, from the same weights; the histories and the largest weight gap. */
async function twin(prepare: (net: Net) => void, opts: TrainOptions): Promise<{ g: History; e: History; diff: number }> {
  const data = toyImages(64, 3, 5);
  const a = residualNet(2);
  const b = residualNet(2);
  restore(b.model, snapshot(a.model));
  prepare(a);
  prepare(b);
  const g = await train(a, imageSource(data, a.preprocessing), { ...opts, engine: 'graph' });
  const e = await train(b, imageSource(data, b.preprocessing), { ...opts, engine: 'eager' });
  const diff = maxDiff(snapshot(a.model), snapshot(b.model));
  a.model.dispose();
  b.model.dispose();
  return { g, e, diff };
}

function assertSameCurve(g: History, e: History, tol: number): void {
  assert.strictEqual(g.engine, 'graph', g.eagerReason);
  assert.strictEqual(e.engine, 'eager');
  g.epochs.forEach((ep, i) => {
    assert.ok(Math.abs(ep.loss - e.epochs[i].loss) < tol, `epoch ${i}: loss ${ep.loss} (graph) vs ${e.epochs[i].loss} (eager)`);
    assert.strictEqual(ep.acc, e.epochs[i].acc, `epoch ${i}: accuracy`);
  });
}

describe('compiled training step on a residual depthwise net (a DAG of layers)', function () {
  this.timeout(300000);
  after(() => {
    releaseCachedTrainStep();
    releaseCachedForward();
  });

  it('compiles: depthwise conv, ReLU6 (layer and activation), Add, global pooling', () => {
    const net = residualNet(1);
    assert.strictEqual(graphUnsupported(net.model), null);
    assert.strictEqual(graphUnsupported(net.model, 'infer'), null);
    net.model.dispose();
  });

  it('matches the eager loop with a frozen stem and BatchNorm in inference mode (Adam, discriminative rates)', async () => {
    const { g, e, diff } = await twin(
      (net) => {
        setBatchNormMode(net, 'inference');
        freeze(net, 'stem');
      },
      { epochs: 3, batchSize: 16, learningRate: 5e-3, lrDivisor: 2.6, seed: 3 },
    );
    assertSameCurve(g, e, 1e-4);
    assert.ok(diff < 1e-5, `weights differ by ${diff}`);
  });

  it('matches the eager loop training everything with BatchNorm batch statistics (SGD; moving statistics too)', async () => {
    const { g, e, diff } = await twin(() => undefined, { epochs: 3, batchSize: 16, learningRate: 0.05, optimizer: 'sgd', seed: 4 });
    assertSameCurve(g, e, 1e-4);
    assert.ok(diff < 1e-5, `weights (moving statistics included) differ by ${diff}`);
  });

  it('compiled inference equals model.predict, and a compiled run leaks no tensors', async () => {
    const net = residualNet(3);
    const xs = tf.randomUniform([10, 12, 12, 1], 0, 1, 'float32', 7);
    const predict = predictor(net.model);
    const gap = tf.tidy(() => (net.model.predict(xs) as tfn.Tensor).sub(predict(xs)).abs().max().dataSync()[0]);
    assert.ok(gap < 1e-5, `predictor differs from model.predict by ${gap}`);
    const h = await expectNoLeakedTensors(
      () => train(net, imageSource(toyImages(32, 3, 1), net.preprocessing), { epochs: 1, batchSize: 16, engine: 'graph' }),
      'compiled train() on a DAG',
    );
    assert.strictEqual(h.engine, 'graph');
    xs.dispose();
    net.model.dispose();
  });

  it('names what it cannot compile: a ReLU with another cap, an Add that broadcasts', () => {
    const input = tf.input({ shape: [4, 4, 2] });
    const capped = tf.layers.reLU({ name: 'capped', maxValue: 3 }).apply(input) as tfn.SymbolicTensor;
    const flat = tf.layers.globalAveragePooling2d({}).apply(capped) as tfn.SymbolicTensor;
    const m1 = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2, activation: 'softmax' }).apply(flat) as tfn.SymbolicTensor });
    assert.match(graphUnsupported(m1) ?? '', /ReLU layer 'capped' with maxValue 3/);
    const small = tf.layers.globalAveragePooling2d({}).apply(input) as tfn.SymbolicTensor;
    const wide = tf.layers.dense({ units: 2 }).apply(small) as tfn.SymbolicTensor;
    const bad = tf.layers.add({ name: 'bcast' }).apply([wide, tf.layers.dense({ units: 1 }).apply(small) as tfn.SymbolicTensor]) as tfn.SymbolicTensor;
    const m2 = tf.model({ inputs: input, outputs: tf.layers.activation({ activation: 'softmax' }).apply(bad) as tfn.SymbolicTensor });
    assert.match(graphUnsupported(m2) ?? '', /Add layer 'bcast' on inputs of different shapes/);
    m1.dispose();
    m2.dispose();
  });
});
