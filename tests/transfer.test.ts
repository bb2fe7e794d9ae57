import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { tf, toyImages, tinyNet, snapshot, changed, restore, pretrainedTiny, relabelled } from './fixtures';
import { expectError, expectNoLeakedTensors, tmpDir } from './helpers';
import { freeze, unfreeze, freezeTo, trainableGroups, setBatchNormMode } from '../src/transfer/freeze';
import { cut, withHead } from '../src/transfer/head';
import { findGroup, getLayer, trainableParams } from '../src/transfer/net';
import { extractFeatures, clearFeatureCache } from '../src/transfer/features';
import { scratch, linearProbe, gradualUnfreeze, fineTune } from '../src/transfer/finetune';
import { inspect, formatInspect } from '../src/transfer/inspect';
import { saveNet, loadNet, readNetMeta } from '../src/transfer/io';
import { imageSource, featureSource } from '../src/train/source';
import { train, evaluateSource } from '../src/train/loop';
import { earlyStopping, checkpoint } from '../src/train/history';

const data = toyImages(96, 3, 1);
const val = toyImages(48, 3, 2);

describe('transfer: layer groups and freezing', () => {
  it('splits the backbone into named groups and finds them by name or index', () => {
    const net = tinyNet();
    assert.deepStrictEqual(
      net.groups.map((g) => g.name),
      ['block1', 'block2', 'block3', 'embed', 'head'],
    );
    assert.strictEqual(findGroup(net, -1).name, 'head');
    assert.strictEqual(findGroup(net, 'block2').layers[0], 'block2_conv');
  });

  it('counts trainable weights after each freeze / unfreeze / freezeTo', async () => {
    const net = tinyNet();
    await expectNoLeakedTensors(() => {
      const all = net.model.trainableWeights.length;
      assert.strictEqual(all, 3 * 3 + 3 + 2); // 3 conv kernels + 3 BN (gamma, beta) ... counted below
      freeze(net);
      assert.deepStrictEqual(
        net.model.trainableWeights.map((w) => w.originalName),
        ['logits/kernel', 'logits/bias'],
      );
      freezeTo(net, -2);
      assert.deepStrictEqual(trainableGroups(net), { block1: false, block2: false, block3: false, embed: true, head: true });
      assert.strictEqual(net.model.trainableWeights.length, 5); // embed kernel, embed_bn gamma/beta, logits kernel/bias
      unfreeze(net, 'block1');
      assert.strictEqual(trainableGroups(net).block1, true);
      freeze(net, /_bn$/);
      assert.strictEqual(trainableGroups(net).block1, 'partial');
      unfreeze(net);
      assert.strictEqual(net.model.trainableWeights.length, all);
      freezeTo(net, 0);
      assert.strictEqual(net.model.trainableWeights.length, all);
    }, 'freezing');
  });

  it('gives clear errors for unknown layers, groups and indices', async () => {
    const net = tinyNet();
    await expectError(() => freeze(net, 'block9'), /unknown layer 'block9'/, /Known layers: .*block1_conv/);
    await expectError(() => findGroup(net, 'body'), /unknown layer group 'body'/, /block1, block2/);
    await expectError(() => freezeTo(net, 7), /freezeTo\(7\)/, /5 groups/);
    await expectError(() => getLayer(net.model, 'nope'), /unknown layer 'nope'/);
    await expectError(() => freeze(net, /^zzz/), /matches no layer/);
  });
});

describe('transfer: BatchNorm done right', () => {
  it('frozen weights and frozen BatchNorm statistics are bit-identical after the library loop', async () => {
    const net = tinyNet();
    freezeTo(net, -2);
    const before = snapshot(net.model);
    await expectNoLeakedTensors(() => train(net, imageSource(data, net.preprocessing), { epochs: 2, batchSize: 16, learningRate: 1e-2 }), 'train');
    const moved = changed(before, snapshot(net.model));
    assert.ok(moved.length > 0, 'something trained');
    const frozenMoved = moved.filter((n) => /^block/.test(n));
    assert.deepStrictEqual(frozenMoved, [], `frozen weights moved: ${frozenMoved}`);
    assert.ok(
      moved.some((n) => /embed_bn.*moving_mean/.test(n)),
      'the trainable BatchNorm layer still updates its statistics',
    );
  });

  it("'inference' mode keeps a trainable BatchNorm layer's statistics while gamma and beta learn (the fine-tuning rule)", async () => {
    const net = tinyNet();
    setBatchNormMode(net, 'inference');
    const before = snapshot(net.model);
    await train(net, imageSource(data, net.preprocessing), { epochs: 1, batchSize: 16, learningRate: 1e-2 });
    const moved = changed(before, snapshot(net.model));
    assert.deepStrictEqual(
      moved.filter((n) => /moving_/.test(n)),
      [],
    );
    assert.ok(moved.includes('block1_bn/gamma') && moved.includes('block1_conv/kernel'), moved.join(','));
    setBatchNormMode(net, 'train');
    await train(net, imageSource(data, net.preprocessing), { epochs: 1, batchSize: 16 });
    assert.ok(changed(before, snapshot(net.model)).includes('block1_bn/moving_mean'));
    await expectError(() => setBatchNormMode(net, 'frozen' as 'train'), /'train' or 'inference'/);
  });

  it('also holds under stock tfjs model.fit (the patch applies to every forward pass)', async () => {
    const net = tinyNet();
    freezeTo(net, -2);
    net.model.compile({ optimizer: tf.train.adam(1e-2), loss: 'sparseCategoricalCrossentropy' });
    const before = snapshot(net.model);
    const src = imageSource(data, net.preprocessing);
    const { xs, ys } = src.batch(Array.from({ length: data.count }, (_, i) => i));
    await net.model.fit(xs, ys.toFloat(), { epochs: 2, batchSize: 16, verbose: 0 });
    tf.dispose([xs, ys]);
    const moved = changed(before, snapshot(net.model));
    assert.deepStrictEqual(
      moved.filter((n) => /^block/.test(n)),
      [],
    );
  });

  it('shows the pitfall it fixes: an unpatched frozen BatchNorm layer moves its statistics in fit', async () => {
    const net = tinyNet();
    for (const l of net.model.layers) if (l.name.startsWith('block')) l.trainable = false; // stock tfjs: trainable=false only
    const bn = net.model.getLayer('block1_bn') as unknown as { call: unknown };
    delete (bn as Record<string, unknown>).call; // remove the library's patch: back to the prototype's call
    net.model.compile({ optimizer: tf.train.adam(1e-2), loss: 'sparseCategoricalCrossentropy' });
    const before = snapshot(net.model);
    const { xs, ys } = imageSource(data, net.preprocessing).batch(Array.from({ length: 32 }, (_, i) => i));
    await net.model.fit(xs, ys.toFloat(), { epochs: 1, batchSize: 16, verbose: 0 });
    tf.dispose([xs, ys]);
    const moved = changed(before, snapshot(net.model));
    assert.ok(
      moved.some((n) => /block1_bn.*moving_mean/.test(n)),
      'stock tfjs updates frozen BN statistics (if this fails, tfjs fixed it)',
    );
  });
});

describe('transfer: heads, cuts and features', () => {
  it('cuts at a named layer and shares weights with the backbone', async () => {
    const net = tinyNet();
    await expectNoLeakedTensors(() => {
      const body = cut(net, 'block2_pool');
      assert.deepStrictEqual(body.model.outputs[0].shape, [null, 3, 3, 6]);
      assert.deepStrictEqual(
        body.groups.map((g) => g.name),
        ['block1', 'block2'],
      );
      assert.strictEqual(body.model.getLayer('block1_conv'), net.model.getLayer('block1_conv'));
    }, 'cut');
  });

  it('replaces the head for a new class count, sharing (not copying) the backbone weights', async () => {
    const backbone = tinyNet(3);
    // The new head's weights are new tensors: count them out, nothing else may remain.
    await expectNoLeakedTensors(() => {
      const m = withHead(backbone, { cutAt: 'features', classes: 5, hidden: 8 }).model;
      m.getLayer('head_hidden').dispose();
      m.getLayer('head_logits').dispose();
    }, 'withHead');
    const net = withHead(backbone, { cutAt: 'features', classes: 5, hidden: 8, dropout: 0.1, seed: 3 });
    assert.deepStrictEqual(net.model.outputs[0].shape, [null, 5]);
    assert.deepStrictEqual(net.groups.at(-1)?.layers, ['head_hidden', 'head_dropout', 'head_logits']);
    assert.strictEqual(net.model.getLayer('embed_dense'), backbone.model.getLayer('embed_dense'));
    // The body's BatchNorm layers keep their pretrained statistics by default, even unfrozen.
    unfreeze(net);
    const stats = snapshot(net.model);
    await train(net, imageSource(toyImages(30, 5), net.preprocessing), { epochs: 1, batchSize: 10 });
    assert.deepStrictEqual(
      changed(stats, snapshot(net.model)).filter((n) => /moving_/.test(n)),
      [],
    );
    const spatial = withHead(backbone, { cutAt: 'block3_pool', classes: 4 });
    assert.strictEqual(spatial.groups.at(-1)?.layers[0], 'head_pool');
    await expectError(() => withHead(backbone, { classes: 1 }), /classes >= 2/);
    await expectError(() => withHead(backbone, { classes: 3, classNames: ['a'] }), /3 classes but 1 class names/);
    await expectError(() => withHead(backbone, { classes: 3, cutAt: 'no_such' }), /unknown layer 'no_such'/);
  });

  it('extracts features in batches, caches them in memory and on disk, and trains a probe on them', async () => {
    clearFeatureCache();
    const dir = tmpDir();
    const body = cut(tinyNet(), 'features');
    const f1 = await expectNoLeakedTensors(() => extractFeatures(body, data, { batchSize: 10, cache: 'disk', cacheDir: dir }), 'extractFeatures');
    assert.strictEqual(f1.dim, 12);
    assert.strictEqual(f1.count, 96);
    const f2 = await extractFeatures(body, data, { cache: 'disk', cacheDir: dir });
    assert.strictEqual(f2, f1, 'memory cache hit');
    clearFeatureCache();
    const f3 = await extractFeatures(body, data, { cache: 'disk', cacheDir: dir });
    assert.notStrictEqual(f3, f1);
    assert.deepStrictEqual(Array.from(f3.features.slice(0, 24)), Array.from(f1.features.slice(0, 24)), 'disk cache gives the same numbers');
    assert.ok(
      fs.readdirSync(dir).every((f) => !f.includes('.tmp')),
      'no temporary files left',
    );
    const fv = await extractFeatures(body, val);
    const { history } = await expectNoLeakedTensors(async () => {
      const r = await linearProbe(f1, { epochs: 15, validation: fv, learningRate: 0.05 });
      r.net.model.dispose(); // the probe's own weights are the only tensors it may keep
      return r;
    }, 'linearProbe');
    assert.ok((history.epochs.at(-1)?.valAcc ?? 0) > 0.6, `probe accuracy ${history.epochs.at(-1)?.valAcc}`);
    // A changed backbone is a different key: no stale features.
    const other = cut(tinyNet(3, 9), 'features');
    const f4 = await extractFeatures(other, data);
    assert.notStrictEqual(f4.key, f1.key);
  });

  it('inspect lists every layer with its group and trainable flag', () => {
    const net = tinyNet();
    freeze(net);
    const rows = inspect(net);
    const conv = rows.find((r) => r.name === 'block1_conv');
    assert.deepStrictEqual(conv && { type: conv.type, params: conv.params, trainable: conv.trainable, group: conv.group }, {
      type: 'Conv2D',
      params: 36,
      trainable: false,
      group: 'block1',
    });
    assert.match(formatInspect(net), /total params \d+, trainable 39/);
  });
});

describe('training loop', () => {
  it('learns the toy task and reports a complete history', async () => {
    const net = tinyNet();
    const h = await expectNoLeakedTensors(
      () => train(net, imageSource(data, net.preprocessing), { epochs: 6, batchSize: 16, learningRate: 1e-2, validation: imageSource(val, net.preprocessing) }),
      'train',
    );
    assert.strictEqual(h.epochs.length, 6);
    assert.ok(h.epochs[5].valAcc! > 0.8, `val acc ${h.epochs[5].valAcc}`);
    assert.strictEqual(h.samplesSeen, 6 * 96);
    assert.strictEqual(h.trainableParams, trainableParams(net.model));
  });

  it('is deterministic: same seed, same weights', async () => {
    const run = async (seed: number) => {
      const net = tinyNet(3, 4);
      await train(net, imageSource(data, net.preprocessing, { shift: 1 }), { epochs: 2, batchSize: 16, seed });
      return snapshot(net.model);
    };
    const a = await run(5);
    const b = await run(5);
    const c = await run(6);
    assert.deepStrictEqual(changed(a, b), []);
    assert.ok(changed(a, c).length > 0);
  });

  it('applies discriminative learning rates per group (measured from the weight updates)', async () => {
    const net = tinyNet();
    freezeTo(net, -2); // embed and head train
    const src = imageSource(data, net.preprocessing);
    const all = Array.from({ length: data.count }, (_, i) => i);
    // Gradients at the starting point, on the whole set (one full batch, training mode, no dropout effect on embed grads? dropout is after embed: use rate via same seed path).
    const before = snapshot(net.model);
    await train(net, src, { epochs: 1, batchSize: data.count, optimizer: 'sgd', learningRate: 0.1, lrDivisor: 4, shuffle: false });
    const after = snapshot(net.model);
    // With SGD+momentum the first update is -lr * grad: the ratio of update sizes between groups
    // is (lr_embed * |g_embed|) / (lr_head * |g_head|). Recompute the gradients to divide them out.
    const fresh = tinyNet();
    restore(fresh.model, before);
    freezeTo(fresh, -2);
    const { xs, ys } = src.batch(all);
    const vars = fresh.model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    const names = fresh.model.trainableWeights.map((w) => w.originalName);
    const dropoutLayer = fresh.model.getLayer('head_dropout') as unknown as { calls: number };
    dropoutLayer.calls = 0; // same dropout mask as the training step
    const { grads } = tf.variableGrads(() => {
      const p = fresh.model.apply(xs, { training: true }) as tf.Tensor;
      return tf.oneHot(ys, 3).mul(p.clipByValue(1e-7, 1).log()).sum(1).neg().mean() as tf.Scalar;
    }, vars);
    const rate = (orig: string, wname: string) => {
      const i = names.indexOf(orig);
      const g = grads[vars[i].name].dataSync();
      const b = before.get(wname)!;
      const a = after.get(wname)!;
      let num = 0;
      let den = 0;
      for (let k = 0; k < g.length; k++) {
        num += (b[k] - a[k]) * g[k];
        den += g[k] * g[k];
      }
      return num / den;
    };
    const head = rate('logits/kernel', 'logits/kernel');
    const embed = rate('embed_dense/kernel', 'embed_dense/kernel');
    tf.dispose([xs, ys, ...Object.values(grads)]);
    fresh.model.dispose();
    assert.ok(Math.abs(head - 0.1) < 1e-3, `head rate ${head}`);
    assert.ok(Math.abs(embed - 0.025) < 1e-3, `embed rate ${embed} (0.1 / 4)`);
  });

  it('stops early and restores the best weights', async () => {
    const net = tinyNet();
    const es = earlyStopping({ patience: 1, monitor: 'valLoss' });
    const h = await expectNoLeakedTensors(
      () =>
        train(net, imageSource(data, net.preprocessing), {
          epochs: 30,
          batchSize: 16,
          learningRate: 5e-2,
          validation: imageSource(val, net.preprocessing),
          callbacks: [es],
        }),
      'early stopping',
    );
    assert.ok(h.stoppedEarly && h.epochs.length < 30);
    assert.strictEqual(h.bestEpoch, es.bestEpoch);
    const { valLoss } = await evaluateSource(net, imageSource(val, net.preprocessing));
    assert.ok(Math.abs(valLoss - h.epochs[es.bestEpoch].valLoss!) < 1e-5, 'restored weights reproduce the best epoch');
  });

  it('checkpoints after improving epochs, atomically, with the epoch recorded', async () => {
    const dir = path.join(tmpDir(), 'ckpt');
    const net = tinyNet();
    const h = await train(net, imageSource(data, net.preprocessing), {
      epochs: 3,
      batchSize: 16,
      learningRate: 1e-2,
      validation: imageSource(val, net.preprocessing),
      callbacks: [checkpoint(dir, { bestOnly: true })],
    });
    const best = h.epochs.reduce((b, e) => (e.valAcc! > b.valAcc! ? e : b));
    const meta = readNetMeta(dir);
    assert.strictEqual((meta.info as { checkpoint: { epoch: number } }).checkpoint.epoch, best.epoch);
    assert.deepStrictEqual(fs.readdirSync(path.dirname(dir)), ['ckpt']);
    await expectError(
      () => train(net, imageSource(data, net.preprocessing), { epochs: 1, callbacks: [checkpoint(dir, { bestOnly: true })] }),
      /checkpoint monitors 'valAcc'/,
    );
  });

  it('refuses bad training set-ups with errors that say what to do', async () => {
    const net = tinyNet();
    freeze(net, [0, 1, 2, 3, 4]);
    await expectError(() => train(net, imageSource(data, net.preprocessing)), /nothing to train/, /unfreeze/);
    unfreeze(net);
    await expectError(() => train(net, imageSource(toyImages(20, 5), net.preprocessing)), /5 classes but the model's classifier has 3 outputs/, /withHead/);
    await expectError(() => train(net, imageSource(data, net.preprocessing), { learningRate: 0 }), /learningRate must be a positive number/);
    await expectError(() => train(net, imageSource(data, net.preprocessing), { epochs: 1.5 }), /epochs must be a positive integer/);
    await expectError(() => imageSource(toyImages(10, 3, 0, 16), net.preprocessing), /16x16 images but the model expects 12x12/);
    const nanFeats = {
      features: new Float32Array(40).fill(NaN),
      labels: new Uint8Array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]),
      count: 10,
      dim: 4,
      classNames: ['a', 'b', 'c'],
      key: 'nan',
    };
    await expectError(() => linearProbe(nanFeats, { epochs: 1 }), /loss became NaN/, /lower the learning rate|NaN\/Inf/);
    await expectNoLeakedTensors(async () => {
      await train(net, featureSource(nanFeats)).catch(() => undefined);
    }, 'a failed train');
  });
});

describe('recipes: scratch, gradual unfreezing, fineTune', () => {
  it('scratch gives the same architecture with fresh, seeded weights', async () => {
    const net = tinyNet();
    const s1 = await scratch(net, 1);
    const s1b = await scratch(net, 1);
    const s2 = await scratch(net, 2);
    assert.deepStrictEqual(
      s1.model.layers.map((l) => l.name),
      net.model.layers.map((l) => l.name),
    );
    const k = (n: typeof net) => n.model.getLayer('block1_conv').getWeights()[0].dataSync()[0];
    assert.strictEqual(k(s1), k(s1b));
    assert.notStrictEqual(k(s1), k(s2));
    assert.notStrictEqual(k(s1), k(net));
    assert.strictEqual(s1.origin, 'scratch(seed=1)');
  });

  it('gradual unfreezing opens one more group per stage and records the events', async () => {
    const net = withHead(tinyNet(), { cutAt: 'features', classes: 3 });
    const h = await expectNoLeakedTensors(
      () => gradualUnfreeze(net, imageSource(data, net.preprocessing), { epochsPerStage: 1, stages: 3, batchSize: 32, learningRate: 1e-2 }),
      'gradualUnfreeze',
    );
    assert.deepStrictEqual(h.events, [
      { epoch: 0, label: 'train head' },
      { epoch: 1, label: 'unfreeze embed' },
      { epoch: 2, label: 'unfreeze block3' },
    ]);
    assert.deepStrictEqual(trainableGroups(net), { block1: false, block2: false, block3: true, embed: true, head: true });
    assert.strictEqual(h.epochs.length, 3);
  });

  it('fineTune fits a new head on a pretrained body, then everything, and learns the new labelling', async () => {
    const net = withHead(await pretrainedTiny(), { cutAt: 'features', classes: 3 });
    const src = imageSource(relabelled(data), net.preprocessing);
    const h = await expectNoLeakedTensors(
      () => fineTune(net, src, { headEpochs: 5, epochs: 3, batchSize: 16, learningRate: 2e-2, validation: imageSource(relabelled(val), net.preprocessing) }),
      'fineTune',
    );
    assert.deepStrictEqual(
      h.events.map((e) => e.label),
      ['train head', 'unfreeze all'],
    );
    assert.strictEqual(h.epochs.length, 8);
    assert.ok(h.epochs[7].valAcc! > 0.8, JSON.stringify(h.epochs.map((e) => [e.acc, e.valAcc])));
  });
});

describe('save and load', () => {
  it('round-trips a fine-tuned net with its class names and preprocessing', async () => {
    const dir = path.join(tmpDir(), 'net');
    const net = withHead(tinyNet(), { cutAt: 'features', classes: 3, classNames: ['x', 'y', 'z'], dropout: 0.2 });
    await saveNet(net, dir, { note: 'test' });
    const back = await loadNet(dir);
    assert.deepStrictEqual(back.classNames, ['x', 'y', 'z']);
    assert.deepStrictEqual(back.preprocessing, net.preprocessing);
    assert.deepStrictEqual(back.groups, net.groups);
    const { xs } = imageSource(val, net.preprocessing).batch([0, 1, 2]);
    const a = (net.model.predict(xs) as tf.Tensor).arraySync();
    const b = (back.model.predict(xs) as tf.Tensor).arraySync();
    assert.deepStrictEqual(a, b);
    xs.dispose();
    assert.ok(
      fs.readdirSync(path.dirname(dir)).every((f) => f === 'net'),
      'no temporary folders left',
    );
  });

  it('reports corrupted and truncated model files clearly', async () => {
    const dir = path.join(tmpDir(), 'net');
    await saveNet(tinyNet(), dir);
    const bin = path.join(dir, 'weights.bin');
    fs.truncateSync(bin, fs.statSync(bin).size - 8);
    await expectError(() => loadNet(dir), /cannot load the model/, /truncated or corrupt/, /Fix:/);
    await saveNet(tinyNet(), dir);
    fs.writeFileSync(path.join(dir, 'model.json'), '{"modelTopology": ');
    await expectError(() => loadNet(dir), /model.json is not valid JSON/);
    await saveNet(tinyNet(), dir);
    const mj = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    mj.weightsManifest[0].paths = ['../../etc/passwd'];
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(mj));
    await expectError(() => loadNet(dir), /points outside the model folder/);
    await saveNet(tinyNet(), dir);
    const mj2 = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    mj2.weightsManifest[0].weights[0].shape = 'x';
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(mj2));
    await expectError(() => loadNet(dir), /malformed shape "x"/);
    await expectError(() => loadNet(path.join(dir, 'nowhere')), /folder does not exist/);
  });
});
