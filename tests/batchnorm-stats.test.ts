/**
 * BatchNorm of a net trained from scratch (issue 21): `scratch()` leaves every BatchNorm
 * layer in training mode (batch statistics), and `recomputeBatchNormStats` replaces the
 * moving statistics with those the trained weights produce on the training data, so the
 * test-time net computes what was trained. Checked against statistics computed here
 * independently, on toy data and on real digits with the bundled backbone's architecture.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type * as tfn from '@tensorflow/tfjs-node';
import { tf, toyImages, tinyNet, snapshot, changed, restore } from './fixtures';
import { expectError, expectNoLeakedTensors } from './helpers';
import { scratch } from '../src/transfer/finetune';
import { recomputeBatchNormStats, trainingModeBatchNorms } from '../src/transfer/batchnorm-stats';
import { batchNormInInference, setBatchNormMode } from '../src/transfer/freeze';
import { cut, withHead } from '../src/transfer/head';
import { cloneNet, disposeModels } from '../src/transfer/clone';
import { Net } from '../src/transfer/net';
import { BatchSource, imageSource } from '../src/train/source';
import { train, evaluateSource } from '../src/train/loop';
import { predictor } from '../src/graph/predict';
import { loadMnist } from '../src/data/mnist';
import { kShot, stratifiedSplit } from '../src/data/split';
import { loadBackbone } from '../src/backbone/zoo';
import { modelsDir } from '../src/backbone/pretrain';
import { runStrategy } from '../src/experiment/strategies';
import { SeededDropout, seededDropout } from '../src/transfer/layers';

const BN = ['block1_bn', 'block2_bn', 'block3_bn', 'embed_bn'];
const range = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

function bnLayers(net: Net): tfn.layers.Layer[] {
  return net.model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
}

function movingStats(net: Net, layer: string): { mean: Float32Array; variance: Float32Array } {
  const ws = net.model.getLayer(layer).weights;
  const get = (suffix: string) =>
    ws
      .find((w) => w.originalName.endsWith(suffix))!
      .read()
      .dataSync()
      .slice() as Float32Array;
  return { mean: get('moving_mean'), variance: get('moving_variance') };
}

/** Largest |a - b| relative to the largest |b| (at least 1). */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return d / scale;
}

/** Per-channel mean and biased variance of a layer's output over all examples of a source, in inference mode (computed here, not by the library). */
function channelMoments(net: Net, layer: string, src: BatchSource): { mean: Float32Array; variance: Float32Array } {
  return tf.tidy(() => {
    const { xs } = src.batch(range(src.count));
    const out = cut(net, layer).model.predict(xs) as tfn.Tensor;
    const axes = Array.from({ length: out.rank - 1 }, (_, i) => i);
    const m = tf.moments(out, axes);
    return { mean: m.mean.dataSync().slice() as Float32Array, variance: m.variance.dataSync().slice() as Float32Array };
  });
}

/** A layer's output on all examples in one batch, in training mode (batch statistics) and in inference mode (moving statistics). */
function bothModes(net: Net, layer: string, src: BatchSource): { training: Float32Array; inference: Float32Array } {
  const body = cut(net, layer).model;
  const { xs, ys } = src.batch(range(src.count));
  // Training mode also moves the moving averages: put them back afterwards.
  const saved = snapshot(net.model);
  const training = tf.tidy(() => (body.apply(xs, { training: true }) as tfn.Tensor).dataSync().slice() as Float32Array);
  restore(net.model, saved);
  const inference = tf.tidy(() => (body.predict(xs) as tfn.Tensor).dataSync().slice() as Float32Array);
  tf.dispose([xs, ys]);
  return { training, inference };
}

describe('BatchNorm of a net trained from scratch (training mode, re-estimated statistics)', () => {
  const data = toyImages(96, 3, 1);

  it('scratch() puts every BatchNorm layer in training mode, even when the net it copies was in inference mode', async () => {
    const headed = withHead(tinyNet(), { cutAt: 'features', classes: 3 }); // withHead: inference mode (fine-tuning rule)
    assert.deepStrictEqual(
      bnLayers(headed).map((l) => [l.name, batchNormInInference(l)]),
      BN.map((n) => [n, true]),
    );
    const fresh = await scratch(headed, 0);
    assert.deepStrictEqual(
      bnLayers(fresh).map((l) => [l.name, batchNormInInference(l)]),
      BN.map((n) => [n, false]),
    );
    assert.deepStrictEqual(
      trainingModeBatchNorms(fresh.model).map((l) => l.name),
      BN,
    );
    // Fresh statistics: mean 0, variance 1 (in inference mode these layers would not normalise at all).
    const s = movingStats(fresh, 'block2_bn');
    assert.ok(s.mean.every((v) => v === 0) && s.variance.every((v) => v === 1));
    disposeModels(fresh.model, headed.model);
  });

  it('re-estimates the statistics: the first layer gets the mean and variance of its inputs over the training set, and inference then computes what training mode computed', async () => {
    const net = await scratch(withHead(tinyNet(), { cutAt: 'features', classes: 3 }), 0);
    const src = imageSource(data, net.preprocessing);
    const h = await train(net, src, { epochs: 2, batchSize: 32, learningRate: 1e-2, seed: 0, engine: 'graph' });
    assert.strictEqual(h.engine, 'graph', `the compiled engine trains BatchNorm in training mode (${h.eagerReason ?? ''})`);
    const before = bothModes(net, 'features', src);
    // Six steps at momentum 0.99: the moving statistics are still near 0 and 1, so inference differs.
    const gapBefore = relDiff(before.inference, before.training);
    assert.ok(gapBefore > 0.05, `before: inference vs training mode ${gapBefore}`);

    const conv = channelMoments(net, 'block1_conv', src); // the first BatchNorm's input does not depend on BatchNorm
    const report = await expectNoLeakedTensors(() => recomputeBatchNormStats(net, src, { batchSize: 96 }), 'recomputeBatchNormStats');
    assert.deepStrictEqual(report, { layers: BN, batches: 1, samples: 96 });
    const s = movingStats(net, 'block1_bn');
    assert.ok(relDiff(s.mean, conv.mean) < 1e-5, `moving mean vs the mean of block1_conv's outputs: ${relDiff(s.mean, conv.mean)}`);
    assert.ok(relDiff(s.variance, conv.variance) < 1e-4, `moving variance vs their variance: ${relDiff(s.variance, conv.variance)}`);

    // One batch of all examples: inference mode now equals training mode on that batch (every layer, not only the first).
    const after = bothModes(net, 'features', src);
    const gapAfter = relDiff(after.inference, after.training);
    assert.ok(gapAfter < 1e-4, `after: inference vs training mode ${gapAfter}`);
    assert.deepStrictEqual(after.training, before.training, 'the weights did not change');
    disposeModels(net.model);
  });

  it('with smaller batches: the sample-weighted mean of batch means, seeded, read by the compiled inference graph and the next train() call', async () => {
    const net = await scratch(withHead(tinyNet(), { cutAt: 'features', classes: 3 }), 1);
    const src = imageSource(data, net.preprocessing);
    await train(net, src, { epochs: 1, batchSize: 32, learningRate: 1e-2, seed: 0 });
    const { xs, ys } = src.batch(range(20));
    const compiled = predictor(net.model);
    const stale = tf.tidy(() => compiled(xs).dataSync().slice());
    const conv = channelMoments(net, 'block1_conv', src);
    const r1 = await expectNoLeakedTensors(() => recomputeBatchNormStats(net, src, { batchSize: 40, seed: 3 }), 'recomputeBatchNormStats');
    assert.deepStrictEqual([r1.batches, r1.samples], [3, 96]); // 40 + 40 + 16
    assert.ok(relDiff(movingStats(net, 'block1_bn').mean, conv.mean) < 1e-5);
    const first = snapshot(net.model);
    await recomputeBatchNormStats(net, src, { batchSize: 40, seed: 3 });
    assert.deepStrictEqual(changed(first, snapshot(net.model)), [], 'same seed, same statistics (bit-identical)');
    await recomputeBatchNormStats(net, src, { batchSize: 40, seed: 4 });
    assert.ok(
      changed(first, snapshot(net.model)).some((n) => n === 'embed_bn/moving_variance'),
      'another batching, other within-batch variances of the later layers',
    );
    // The compiled inference graph (compiled above, on the stale statistics) takes the new ones in
    // when a predictor is asked for again, as evaluateSource and predictProbs do on every call.
    const eager = tf.tidy(() => (net.model.predict(xs) as tfn.Tensor).dataSync().slice());
    const fresh = tf.tidy(() => predictor(net.model)(xs).dataSync().slice());
    assert.ok(relDiff(fresh, eager) < 1e-5, `compiled vs eager inference after the update: ${relDiff(fresh, eager)}`);
    assert.ok(relDiff(stale, eager) > 1e-3, 'the statistics did change the predictions');
    tf.dispose([xs, ys]);
    // Training goes on from the re-estimated values (the moving averages continue from them).
    const m0 = movingStats(net, 'block1_bn').mean;
    await train(net, src, { epochs: 1, batchSize: 96, learningRate: 1e-9, seed: 0 });
    const m1 = movingStats(net, 'block1_bn').mean;
    assert.ok(relDiff(m1, m0) < 1e-3, `one step at a tiny rate from re-estimated statistics moves them little: ${relDiff(m1, m0)}`);
    disposeModels(net.model);
  });

  it("moves every layer's moving statistics to the data's, from wherever they were (batches of 32, later layers too)", async () => {
    const net = await scratch(withHead(tinyNet(), { cutAt: 'features', classes: 3 }), 2);
    const src = imageSource(data, net.preprocessing);
    await train(net, src, { epochs: 1, batchSize: 32, learningRate: 1e-2, seed: 0 });
    // The data's statistics, computed here: each BatchNorm layer's input over all 96 examples in
    // one batch in training mode (earlier layers normalised by the statistics of the whole set).
    const saved = snapshot(net.model);
    const layers = bnLayers(net);
    const { xs, ys } = src.batch(range(src.count));
    const inputs = tf.model({ inputs: net.model.inputs, outputs: layers.map((l) => l.input as tfn.SymbolicTensor) });
    const target = tf.tidy(() =>
      (inputs.apply(xs, { training: true }) as tfn.Tensor[]).map((x) => {
        const m = tf.moments(
          x,
          Array.from({ length: x.rank - 1 }, (_, i) => i),
        );
        return { mean: m.mean.dataSync().slice() as Float32Array, variance: m.variance.dataSync().slice() as Float32Array };
      }),
    );
    tf.dispose([xs, ys]);
    restore(net.model, saved); // that pass moved the moving averages
    // Start every layer far from the data: mean 5, variance 100.
    for (const l of layers) {
      const [gamma, beta, mean, variance] = l.getWeights();
      const wrong = [tf.fill(mean.shape, 5), tf.fill(variance.shape, 100)];
      l.setWeights([gamma, beta, ...wrong]);
      tf.dispose(wrong);
    }
    const dist = (l: tfn.layers.Layer, i: number) => {
      const s = movingStats(net, l.name);
      return { mean: relDiff(s.mean, target[i].mean), variance: relDiff(s.variance, target[i].variance) };
    };
    const before = layers.map(dist);
    await recomputeBatchNormStats(net, src, { batchSize: 32, seed: 0 });
    const after = layers.map(dist);
    layers.forEach((l, i) => {
      // Batches of 32, not one of 96: the later layers' statistics are averages over batches, close to but not equal to the whole set's.
      assert.ok(after[i].mean < 0.05 && after[i].mean < before[i].mean / 20, `${l.name} mean: ${before[i].mean} -> ${after[i].mean}`);
      assert.ok(after[i].variance < 0.1 && after[i].variance < before[i].variance / 20, `${l.name} variance: ${before[i].variance} -> ${after[i].variance}`);
    });
    // The first layer's input does not depend on batching: its statistics are the data's to float rounding.
    assert.ok(after[0].mean < 1e-5 && after[0].variance < 1e-4, JSON.stringify(after[0]));
    disposeModels(net.model);
  });

  it('runs dropout before a BatchNorm layer in inference mode: the statistics of test-time inputs, deterministic, dropout counters untouched', async () => {
    const input = tf.input({ shape: [12, 12, 1] });
    let x = tf.layers.flatten({ name: 'flat' }).apply(input) as tfn.SymbolicTensor;
    x = seededDropout({ rate: 0.5, seed: 1, name: 'drop' }).apply(x) as tfn.SymbolicTensor;
    x = tf.layers.dense({ units: 6, name: 'dense', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(x) as tfn.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: 'bn' }).apply(x) as tfn.SymbolicTensor;
    const out = tf.layers.dense({ units: 3, activation: 'softmax', name: 'logits', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(x);
    const model = tf.model({ inputs: input, outputs: out as tfn.SymbolicTensor, name: 'drop-bn' });
    const net: Net = {
      model,
      groups: [
        { name: 'body', layers: ['flat', 'drop', 'dense', 'bn'] },
        { name: 'head', layers: ['logits'] },
      ],
      classNames: ['a', 'b', 'c'],
      preprocessing: { height: 12, width: 12, channels: 1 },
      origin: 'test',
    };
    setBatchNormMode(net, 'train');
    const src = imageSource(data, net.preprocessing);
    // The BatchNorm input at test time: the dense layer's output with dropout off, over all examples.
    const clean = tf.tidy(() => {
      const { xs } = src.batch(range(src.count));
      const y = tf.model({ inputs: model.inputs, outputs: model.getLayer('dense').output as tfn.SymbolicTensor }).predict(xs) as tfn.Tensor;
      const m = tf.moments(y, 0);
      return { mean: m.mean.dataSync().slice() as Float32Array, variance: m.variance.dataSync().slice() as Float32Array };
    });
    const drop = model.getLayer('drop') as SeededDropout;
    const calls = drop.calls;
    await expectNoLeakedTensors(() => recomputeBatchNormStats(net, src, { batchSize: src.count }), 'recomputeBatchNormStats (dropout before BatchNorm)');
    assert.strictEqual(drop.calls, calls, 'no dropout mask drawn: the next training step draws the mask it would have drawn');
    const s = movingStats(net, 'bn');
    assert.ok(relDiff(s.mean, clean.mean) < 1e-5, `moving mean vs the clean inputs' mean: ${relDiff(s.mean, clean.mean)}`);
    assert.ok(
      relDiff(s.variance, clean.variance) < 1e-4,
      `moving variance vs the clean inputs' variance (dropout would inflate it): ${relDiff(s.variance, clean.variance)}`,
    );
    const first = snapshot(model);
    await recomputeBatchNormStats(net, src, { batchSize: 40, seed: 5 });
    const second = snapshot(model);
    await recomputeBatchNormStats(net, src, { batchSize: 40, seed: 5 });
    assert.deepStrictEqual(changed(second, snapshot(model)), [], 'the same call twice: the same statistics');
    assert.ok(changed(first, second).length > 0, 'other batches, other averaged variances');
    // Dropout still trains: its call is put back.
    await train(net, src, { epochs: 1, batchSize: 96, learningRate: 1e-3, seed: 0, engine: 'eager' });
    assert.strictEqual(drop.calls, calls + 1, 'one training step, one mask');
    disposeModels(model);
  });

  it('leaves BatchNorm layers in inference mode alone (a pretrained body), and a net without any unchanged', async () => {
    const headed = withHead(tinyNet(), { cutAt: 'features', classes: 3 });
    const src = imageSource(data, headed.preprocessing);
    const before = snapshot(headed.model);
    const r = await expectNoLeakedTensors(() => recomputeBatchNormStats(headed, src), 'recomputeBatchNormStats (nothing to do)');
    assert.deepStrictEqual(r, { layers: [], batches: 0, samples: 0 });
    assert.deepStrictEqual(changed(before, snapshot(headed.model)), []);
    // Only the layers in training mode change.
    setBatchNormMode(headed, 'train');
    headed.model.getLayer('block1_bn').trainable = false;
    const r2 = await recomputeBatchNormStats(headed, src, { batchSize: 32 });
    assert.deepStrictEqual(r2.layers, ['block2_bn', 'block3_bn', 'embed_bn']);
    assert.deepStrictEqual(
      changed(before, snapshot(headed.model)).sort(),
      ['block2_bn', 'block3_bn', 'embed_bn'].flatMap((l) => [`${l}/moving_mean`, `${l}/moving_variance`]).sort(),
    );
    disposeModels(headed.model);
  });

  it('refuses a source of another input shape, an empty one and a bad batch size, changing nothing', async () => {
    const net = await scratch(tinyNet(), 0);
    const before = snapshot(net.model);
    const other = imageSource(toyImages(8, 3, 1, 16), { height: 16, width: 16, channels: 1 });
    await expectError(
      () => recomputeBatchNormStats(net, other),
      /inputs of shape \[16,16,1\] but model .* expects \[12,12,1\]/,
      /Fix: use the net's preprocessing/,
    );
    await expectError(
      () => recomputeBatchNormStats(net, { ...imageSource(data, net.preprocessing), count: 0 }),
      /has no examples/,
      /Fix: pass the training set/,
    );
    await expectError(
      () => recomputeBatchNormStats(net, imageSource(data, net.preprocessing), { batchSize: 0 }),
      /batchSize must be a positive integer, got 0/,
      /Fix: pass the training batch size/,
    );
    assert.deepStrictEqual(changed(before, snapshot(net.model)), []);
    disposeModels(net.model);
  });

  const bundled = fs.existsSync(path.join(modelsDir(), 'fashion-cnn', 'model.json'));
  (bundled ? it : it.skip)(
    'on real digits (fashion-cnn architecture, 20 per class): BatchNorm normalises in training mode and the re-estimated statistics are those of the training digits; the old inference mode never normalised',
    async function () {
      this.timeout(300000);
      const backbone = await loadBackbone('fashion-cnn');
      const { train: pool, test: held } = stratifiedSplit(loadMnist(), { validation: 0, test: 0.2, seed: 0 });
      const few = kShot(pool, 20, 0);
      const test = kShot(held, 30, 1);
      const accuracy: Record<string, number> = {};
      for (const mode of ['inference (old)', 'train + re-estimated (new)']) {
        const base = await cloneNet(backbone);
        const headed = withHead(base, { cutAt: 'features', classes: 10, classNames: few.classNames, dropout: 0.2, seed: 0 });
        const net = await scratch(headed, 0);
        if (mode.startsWith('inference')) setBatchNormMode(net, 'inference');
        const src = imageSource(few, net.preprocessing);
        const h = await train(net, src, { epochs: 6, batchSize: 32, learningRate: 3e-3, schedule: 'one-cycle', seed: 0 });
        assert.strictEqual(h.engine, 'graph');
        if (mode.startsWith('inference')) {
          // Inference mode on fresh statistics: every BatchNorm layer is x / sqrt(1 + eps) * gamma + beta, no normalisation.
          for (const l of BN) {
            const s = movingStats(net, l);
            assert.ok(s.mean.every((v) => v === 0) && s.variance.every((v) => v === 1), `${l} kept mean 0, variance 1`);
          }
          assert.deepStrictEqual((await recomputeBatchNormStats(net, src)).layers, []);
        } else {
          const conv = channelMoments(net, 'block1_conv', src);
          const r = await recomputeBatchNormStats(net, src, { batchSize: 32 });
          assert.deepStrictEqual(r.layers, BN);
          const s = movingStats(net, 'block1_bn');
          assert.ok(relDiff(s.mean, conv.mean) < 1e-4, `block1_bn moving mean vs the training digits' block1_conv mean: ${relDiff(s.mean, conv.mean)}`);
          // The conv outputs of raw digits are far from mean 0 / variance 1: the old mode's statistics were wrong by that much.
          assert.ok(Math.max(...conv.mean.map(Math.abs)) > 0.05 || Math.max(...conv.variance.map((v) => Math.abs(v - 1))) > 0.05);
        }
        accuracy[mode] = (await evaluateSource(net, imageSource(test, net.preprocessing))).valAcc;
        disposeModels(net.model, headed.model, base.model);
      }
      assert.ok(accuracy['train + re-estimated (new)'] > 0.3, JSON.stringify(accuracy)); // chance 0.1
      console.log(`      test accuracy on ${test.count} digits after 6 epochs on 200: ${JSON.stringify(accuracy)}`);
      disposeModels(backbone.model);
    },
  );

  (bundled ? it : it.skip)("runStrategy('scratch') re-estimates the statistics before it is evaluated (validation and test)", async function () {
    this.timeout(300000);
    const backbone = await loadBackbone('fashion-cnn');
    const { train: pool, test: held } = stratifiedSplit(loadMnist(), { validation: 0, test: 0.2, seed: 0 });
    const few = kShot(pool, 5, 0);
    const test = kShot(held, 20, 1);
    const out = await runStrategy('scratch', {
      backbone,
      cutAt: 'features',
      train: few,
      validation: test,
      test,
      seed: 0,
      epochs: 4,
      batchSize: 32,
      learningRate: 3e-3,
      head: {},
      curvePoints: 2,
    });
    // The last validation evaluation and the test predictions see the same net: same accuracy.
    const correct = test.labels.reduce((n, y, i) => {
      const row = out.probs.subarray(i * 10, (i + 1) * 10);
      return n + (row.indexOf(Math.max(...row)) === y ? 1 : 0);
    }, 0);
    assert.strictEqual(out.history.epochs[3].valAcc, correct / test.count);
    assert.ok(out.history.epochs[3].valAcc! > 0.2, JSON.stringify(out.history.epochs.map((e) => e.valAcc)));
    disposeModels(backbone.model);
  });
});
