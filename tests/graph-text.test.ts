/**
 * The graph compiler on the text encoder: a small randomly initialised BERT (2 layers,
 * hidden 32, 2 heads, vocab 100, length 16; same layers as all-MiniLM-L6-v2) with a
 * softmax head must train compiled exactly as the eager loop trains it (losses within
 * 1e-4, weights within 1e-5), with frozen groups, a fixed token table, discriminative
 * rates and dropout (hidden and attention), and infer as model.predict does, from int32
 * token ids with padding. The compiled step's dropout masks (src/graph/dropout.ts) must be
 * eager dropout's, flag for flag.
 */
import * as assert from 'assert';
import { tf } from '../src/backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { train, TrainOptions } from '../src/train/loop';
import type { BatchSource } from '../src/train/source';
import type { History } from '../src/train/history';
import { freeze } from '../src/transfer/freeze';
import { withHead } from '../src/transfer/head';
import { Net } from '../src/transfer/net';
import { CompiledTrainStep, compileTrainStep, graphUnsupported, releaseCachedTrainStep } from '../src/graph/trainer';
import { CompiledForward, compileForward, predictor, releaseCachedForward } from '../src/graph/predict';
import { dropoutMask, fillKeepFlags } from '../src/graph/dropout';
import { MaskPrefetcher } from '../src/graph/mask-prefetch';
import { BertConfig, buildTextEncoder, setTokenEmbeddingsTrainable } from '../src/text/encoder';
import { BertLayerNorm } from '../src/text/layers';
import { rng } from '../src/random';
import { variableOf } from '../src/internals/tfjs';
import { expectNoLeakedTensors } from './helpers';
import { restore, snapshot } from './fixtures';

const SMALL: BertConfig = {
  vocabSize: 100,
  hiddenSize: 32,
  numLayers: 2,
  numHeads: 2,
  intermediateSize: 64,
  maxPositions: 32,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
  hiddenDropout: 0.1,
  attentionDropout: 0.1,
  padId: 0,
};
const LENGTH = 16;

/** Random token ids [n, 16] with [CLS]=1 first, 3..15 tokens, then padding; the label depends on the tokens. */
function toyTexts(n: number, seed: number): { ids: Int32Array; labels: Uint8Array } {
  const r = rng(seed);
  const rnd = () => r.next();
  const ids = new Int32Array(n * LENGTH);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const len = 3 + Math.floor(rnd() * (LENGTH - 3));
    labels[i] = i % 3;
    for (let t = 0; t < len; t++) ids[i * LENGTH + t] = t === 0 ? 1 : 2 + ((labels[i] * 30 + Math.floor(rnd() * 40)) % 98);
  }
  return { ids, labels };
}

/**
 * `short`: every 4th text is [CLS] alone. (Not all padding: a text of no token has a zero
 * pooled vector, whose L2 normalisation has no gradient: NaN in eager mode too. The
 * tokenizer never makes one, as it always adds [CLS] and [SEP].)
 */
function idSource(n: number, seed: number, short = false): BatchSource {
  const { ids, labels } = toyTexts(n, seed);
  if (short) for (let i = 0; i < n; i += 4) ids.fill(0, i * LENGTH + 1, (i + 1) * LENGTH);
  return {
    count: n,
    labels,
    numClasses: 3,
    inputShape: [LENGTH],
    batch(indices) {
      const idx = Array.from(indices);
      const out = new Int32Array(idx.length * LENGTH);
      idx.forEach((j, r) => out.set(ids.subarray(j * LENGTH, (j + 1) * LENGTH), r * LENGTH));
      return {
        xs: tf.tensor2d(out, [idx.length, LENGTH], 'int32'),
        ys: tf.tensor1d(
          idx.map((j) => labels[j]),
          'int32',
        ),
      };
    },
  };
}

function textNet(seed: number, dropout?: number): Net {
  return withHead(buildTextEncoder(SMALL, { maxLength: LENGTH, seed, dropout }), { classes: 3, seed });
}

function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let m = 0;
  for (const [k, v] of a)
    v.forEach((x, i) => {
      m = Math.max(m, Math.abs(x - b.get(k)![i]));
    });
  return m;
}

/** Train two copies, compiled and eager, from the same weights. */
async function twin(
  prepare: (net: Net) => void,
  opts: TrainOptions,
  dropout?: number,
  data = idSource(48, 5),
): Promise<{ g: History; e: History; diff: number }> {
  const a = textNet(2, dropout);
  const b = textNet(2, dropout);
  restore(b.model, snapshot(a.model));
  prepare(a);
  prepare(b);
  const g = await train(a, data, { ...opts, engine: 'graph' });
  const e = await train(b, data, { ...opts, engine: 'eager' });
  const diff = maxDiff(snapshot(a.model), snapshot(b.model));
  a.model.dispose();
  b.model.dispose();
  return { g, e, diff };
}

/**
 * Same losses (within `tol`) and accuracies. `flips`: how many of the 48 examples may be
 * counted differently per epoch. The compiled Adam is TensorFlow's fused ResourceApplyAdam
 * (tfjs's formula, other rounding order): an example whose top two logits are within float
 * rounding can flip, while losses still agree to 1e-4 and weights to 1e-5.
 */
function assertSameCurve(g: History, e: History, tol: number, flips = 0): void {
  assert.strictEqual(g.engine, 'graph', g.eagerReason);
  assert.strictEqual(e.engine, 'eager');
  g.epochs.forEach((ep, i) => {
    assert.ok(Math.abs(ep.loss - e.epochs[i].loss) < tol, `epoch ${i}: loss ${ep.loss} (graph) vs ${e.epochs[i].loss} (eager)`);
    assert.ok(Math.abs(ep.acc - e.epochs[i].acc) * 48 <= flips + 1e-9, `epoch ${i}: accuracy ${ep.acc} (graph) vs ${e.epochs[i].acc} (eager)`);
  });
}

describe('compiled training step on a small BERT text encoder', function () {
  this.timeout(600000);
  after(() => {
    releaseCachedTrainStep();
    releaseCachedForward();
  });

  it("draws the compiled step's dropout masks bit for bit as eager dropout does (tf.randomUniform >= rate)", async () => {
    for (const [seed, rate, shape] of [
      [0, 0.1, [3, 5, 7]],
      [7919 * 42 + 101, 0.1, [16, 12, 8, 8]],
      [123456789, 0.5, [1000]],
      [-3, 0.3, [2, 64]],
    ] as [number, number, number[]][]) {
      const fast = await expectNoLeakedTensors(() => {
        const m = dropoutMask(seed, rate, shape);
        const d = m.dataSync();
        assert.strictEqual(m.dtype, 'bool');
        assert.deepStrictEqual(m.shape, shape);
        m.dispose();
        return d;
      }, 'dropoutMask');
      const eager = tf.tidy(() => tf.randomUniform(shape, 0, 1, 'float32', seed).greaterEqual(rate).dataSync());
      const mismatches = fast.reduce((n, v, i) => n + (v !== eager[i] ? 1 : 0), 0);
      assert.strictEqual(mismatches, 0, `seed ${seed}, rate ${rate}: ${mismatches} of ${fast.length} flags differ`);
      const kept = fast.reduce((n, v) => n + v, 0) / fast.length;
      assert.ok(Math.abs(kept - (1 - rate)) < 0.1, `kept ${kept} at rate ${rate}`);
    }
    assert.throws(() => dropoutMask(1, 1, [2]), /rate must be in \[0, 1\)/);
  });

  it("draws the next step's masks in a worker: the same flags, a prefix for a smaller batch, drawn here when the request does not match", () => {
    const masks = new MaskPrefetcher();
    const flags = (seed: number, rate: number, size: number) => {
      const out = new Uint8Array(size);
      fillKeepFlags(seed, rate, out);
      return out;
    };
    try {
      const a = [
        { seed: 7919 * 42 + 101, rate: 0.1, size: 16 * 12 * 8 * 8 },
        { seed: 3, rate: 0.3, size: 4096 },
      ];
      masks.request(a);
      const got = masks.take(a);
      assert.deepStrictEqual(masks.served, { prefetched: 2, drawn: 0 });
      a.forEach((s, i) => assert.deepStrictEqual(got[i], flags(s.seed, s.rate, s.size), `prefetched mask ${i}`));
      assert.deepStrictEqual(
        got[0],
        tf.tidy(() => dropoutMask(a[0].seed, 0.1, [16, 12, 8, 8]).dataSync()),
        'as dropoutMask draws it',
      );
      // A smaller (last) batch: the first flags of the same streams.
      masks.request(a);
      const small = a.map((s) => ({ ...s, size: s.size / 4 }));
      const part = masks.take(small);
      small.forEach((s, i) => assert.deepStrictEqual(part[i], flags(s.seed, s.rate, s.size), `prefix ${i}`));
      assert.strictEqual(masks.served.prefetched, 4);
      // Other seeds, or more flags than were drawn: drawn on the main thread, still right.
      masks.request(a);
      const other = [{ ...a[0], seed: a[0].seed + 1 }, a[1]];
      const gotOther = masks.take(other);
      other.forEach((s, i) => assert.deepStrictEqual(gotOther[i], flags(s.seed, s.rate, s.size), `other seeds ${i}`));
      masks.request(a);
      const big = a.map((s) => ({ ...s, size: s.size * 2 }));
      const gotBig = masks.take(big);
      big.forEach((s, i) => assert.deepStrictEqual(gotBig[i], flags(s.seed, s.rate, s.size), `larger batch ${i}`));
      assert.deepStrictEqual(masks.served, { prefetched: 4, drawn: 4 });
    } finally {
      masks.dispose();
    }
  });

  it('compiles: embeddings, attention with padding mask, LayerNorm, GELU, dense on 3-D, pooling, L2', () => {
    const net = textNet(1);
    assert.strictEqual(graphUnsupported(net.model), null);
    assert.strictEqual(graphUnsupported(net.model, 'infer'), null);
    net.model.dispose();
  });

  it('matches the eager loop fine-tuning everything without dropout (Adam, discriminative rates)', async () => {
    const { g, e, diff } = await twin(() => undefined, { epochs: 3, batchSize: 16, learningRate: 2e-3, lrDivisor: 2.6, seed: 3 }, 0);
    assertSameCurve(g, e, 1e-4);
    assert.ok(diff < 1e-5, `weights differ by ${diff}`);
  });

  it('matches the eager loop with the embeddings frozen, a fixed token table elsewhere, and dropout (hidden + attention)', async () => {
    const frozen = await twin((net) => freeze(net, 'embeddings'), { epochs: 2, batchSize: 16, learningRate: 2e-3, seed: 4 });
    assertSameCurve(frozen.g, frozen.e, 1e-4, 1);
    assert.ok(frozen.diff < 1e-5, `weights differ by ${frozen.diff}`);
    const fixed = await twin((net) => setTokenEmbeddingsTrainable(net, false), { epochs: 2, batchSize: 16, learningRate: 0.05, optimizer: 'sgd', seed: 5 });
    assertSameCurve(fixed.g, fixed.e, 1e-4);
    assert.ok(fixed.diff < 1e-5, `weights differ by ${fixed.diff}`);
  });

  it('matches the eager loop (packed step, dropout) on batches with one-token texts', async () => {
    const { g, e, diff } = await twin(() => undefined, { epochs: 2, batchSize: 16, learningRate: 2e-3, seed: 6 }, undefined, idSource(48, 7, true));
    assertSameCurve(g, e, 1e-4, 1);
    // 1.7e-5 here with or without packing (the padded step gives the same gap): Adam's rounding on this data.
    assert.ok(diff < 3e-5, `weights differ by ${diff}`);
  });

  it('compiled inference (fusable forms: activation before the rank-3 reshape, LayerNorm as FusedBatchNormV3) equals model.predict', () => {
    // Dense on rank 3 with each activation, then LayerNorm on rank 3 and on rank 2, with gamma and beta away from 1 and 0.
    const r = rng(11);
    for (const activation of ['gelu', 'relu', 'tanh', 'sigmoid', 'softmax'] as const) {
      const input = tf.input({ shape: [5, 6] });
      let h = tf.layers
        .dense({ units: 8, activation, kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }), biasInitializer: 'ones' })
        .apply(input) as tfn.SymbolicTensor;
      h = new BertLayerNorm({ name: `norm3_${activation}` }).apply(h) as tfn.SymbolicTensor;
      h = tf.layers.flatten().apply(h) as tfn.SymbolicTensor;
      h = tf.layers.dense({ units: 7, kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }).apply(h) as tfn.SymbolicTensor;
      h = new BertLayerNorm({ name: `norm2_${activation}` }).apply(h) as tfn.SymbolicTensor;
      const model = tf.model({ inputs: input, outputs: h });
      for (const l of model.layers.filter((x) => x instanceof BertLayerNorm))
        l.setWeights(l.getWeights().map((w) => tf.tensor1d(Array.from({ length: w.size }, () => 0.5 + r.next()))));
      assert.strictEqual(graphUnsupported(model, 'infer'), null);
      const xs = tf.tensor3d(
        Array.from({ length: 3 * 5 * 6 }, () => 4 * r.next() - 2),
        [3, 5, 6],
      );
      const predict = predictor(model);
      const gap = tf.tidy(() => (model.predict(xs) as tfn.Tensor).sub(predict(xs)).abs().max().dataSync()[0]);
      assert.ok(gap < 1e-5, `${activation}: predictor differs from model.predict by ${gap}`);
      releaseCachedForward();
      xs.dispose();
      model.dispose();
    }
  });

  it('packs tokens in compiled inference: equals model.predict and the padded graph on texts of every length, an all-padding batch included', async () => {
    const net = textNet(6);
    // Text i has i % 17 tokens (0: all padding, 16: no padding); [CLS] = 1 first.
    const n = 20;
    const ids = new Int32Array(n * LENGTH);
    for (let i = 0; i < n; i++) for (let t = 0; t < i % 17; t++) ids[i * LENGTH + t] = t === 0 ? 1 : 2 + ((7 * i + 13 * t) % 98);
    const xs = tf.tensor2d(ids, [n, LENGTH], 'int32');
    const empty = tf.zeros([3, LENGTH], 'int32');
    const packed = compileForward(net.model) as CompiledForward;
    const padded = compileForward(net.model, { packTokens: false }) as CompiledForward;
    assert.ok(packed.packed, 'the text net is packed');
    assert.ok(!padded.packed, 'packTokens: false keeps every position');
    packed.pushWeights();
    padded.pushWeights();
    const gap = (a: tfn.Tensor, b: tfn.Tensor) => tf.tidy(() => a.sub(b).abs().max().dataSync()[0]);
    const [toEager, toPadded] = await expectNoLeakedTensors(
      () => tf.tidy(() => [gap(packed.predict(xs), net.model.predict(xs) as tfn.Tensor), gap(packed.predict(xs), padded.predict(xs))]),
      'packed compiled predict',
    );
    assert.ok(toEager < 1e-5, `packed differs from model.predict by ${toEager}`);
    assert.ok(toPadded < 1e-5, `packed differs from the padded graph by ${toPadded}`);
    const e0 = net.model.predict(empty) as tfn.Tensor;
    const p0 = packed.predict(empty);
    assert.deepStrictEqual(p0.shape, [3, 3]);
    assert.ok(gap(p0, e0) < 1e-5, `an all-padding batch: packed differs from model.predict by ${gap(p0, e0)}`);
    tf.dispose([xs, empty, e0, p0]);
    packed.dispose();
    padded.dispose();
    net.model.dispose();
  });

  it('packs tokens in the compiled training step (the equality tests above train it packed)', () => {
    const net = textNet(8, 0.1);
    const vars = net.model.trainableWeights.map(variableOf);
    const step = compileTrainStep(net.model, [{ name: 'all', vars }], { numClasses: 3 });
    assert.ok(typeof step !== 'string', String(step));
    assert.ok((step as CompiledTrainStep).packed, 'the text net trains packed');
    (step as CompiledTrainStep).dispose();
    net.model.dispose();
  });

  it('does not pack when a layer reads padded positions (Flatten over the tokens) or the output is the token sequence', () => {
    const enc = buildTextEncoder(SMALL, { maxLength: LENGTH, seed: 7 });
    const seq = enc.model.getLayer('layer_1_output_norm').output as tfn.SymbolicTensor;
    const flat = tf.layers.flatten().apply(seq) as tfn.SymbolicTensor;
    const head = tf.layers
      .dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) })
      .apply(flat) as tfn.SymbolicTensor;
    const { ids } = toyTexts(6, 12);
    const xs = tf.tensor2d(ids, [6, LENGTH], 'int32');
    for (const [what, output] of [
      ['Flatten over the tokens', head],
      ['the token sequence as output', seq],
    ] as const) {
      const model = tf.model({ inputs: enc.model.inputs, outputs: output });
      const f = compileForward(model);
      assert.ok(typeof f !== 'string', `${what}: compiles (${String(f)})`);
      assert.ok(!f.packed, `${what}: padded positions are read, so nothing may be packed`);
      f.pushWeights();
      const gap = tf.tidy(() => (model.predict(xs) as tfn.Tensor).sub(f.predict(xs)).abs().max().dataSync()[0]);
      assert.ok(gap < 1e-5, `${what}: compiled differs from model.predict by ${gap}`);
      f.dispose();
    }
    xs.dispose();
    enc.model.dispose();
  });

  it('compiled inference equals model.predict on padded int32 ids, and a compiled run leaks no tensors', async () => {
    const net = textNet(3);
    const { ids } = toyTexts(10, 9);
    const xs = tf.tensor2d(ids, [10, LENGTH], 'int32');
    const predict = predictor(net.model);
    const gap = tf.tidy(() => (net.model.predict(xs) as tfn.Tensor).sub(predict(xs)).abs().max().dataSync()[0]);
    assert.ok(gap < 1e-5, `predictor differs from model.predict by ${gap}`);
    const castGap = await expectNoLeakedTensors(
      () => tf.tidy(() => predict(xs).sub(predict(xs.toFloat())).abs().max().dataSync()[0]),
      'compiled predict on float ids',
    );
    assert.strictEqual(castGap, 0, 'float ids are cast to int32 as the eager layers do');
    const h = await expectNoLeakedTensors(() => train(net, idSource(32, 1), { epochs: 1, batchSize: 16, engine: 'graph' }), 'compiled train() of a text net');
    assert.strictEqual(h.engine, 'graph');
    xs.dispose();
    net.model.dispose();
  });
});
