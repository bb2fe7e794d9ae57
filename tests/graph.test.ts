/**
 * The compiled training step (src/graph): a whole step as one TensorFlow graph must give
 * what the eager loop gives (same loss curve and weights to float rounding), for Adam and
 * SGD, with layer groups and discriminative rates, frozen layers, BatchNorm in inference
 * mode and seeded dropout; fall back (or refuse, with the reason) when a net is not
 * supported; keep the state a checkpoint saves interchangeable with the eager loop's; and
 * leak no tensors.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { tf } from '../src/backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { train, TrainOptions } from '../src/train/loop';
import { imageSource } from '../src/train/source';
import type { History, TrainState } from '../src/train/history';
import { freeze, setBatchNormMode, unfreeze } from '../src/transfer/freeze';
import { graphUnsupported, releaseCachedTrainStep, GRAPH_ENV } from '../src/graph/trainer';
import { GraphBuilder, GraphSession } from '../src/graph/builder';
import { compileForward, predictor, releaseCachedForward } from '../src/graph/predict';
import { Net } from '../src/transfer/net';
import { variableOf } from '../src/internals/tfjs';
import { expectError, expectNoLeakedTensors } from './helpers';
import { restore, snapshot, tinyNet, toyImages } from './fixtures';

function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let m = 0;
  for (const [k, v] of a) {
    const w = b.get(k)!;
    for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i] - w[i]));
  }
  return m;
}

/** Train two copies of the same net, one compiled and one eager; return both histories and the weight gap. */
async function twin(make: () => Net, opts: TrainOptions, data = toyImages(80, 3, 2)): Promise<{ g: History; e: History; diff: number; maxWeight: number }> {
  const a = make();
  const b = make();
  restore(b.model, snapshot(a.model));
  const g = await train(a, imageSource(data, a.preprocessing), { ...opts, engine: 'graph' });
  const e = await train(b, imageSource(data, b.preprocessing), { ...opts, engine: 'eager' });
  const sa = snapshot(a.model);
  const diff = maxDiff(sa, snapshot(b.model));
  const maxWeight = Math.max(...[...sa.values()].map((v) => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0)));
  a.model.dispose();
  b.model.dispose();
  return { g, e, diff, maxWeight };
}

function assertSameCurve(g: History, e: History, tol = 1e-4): void {
  assert.strictEqual(g.engine, 'graph');
  assert.strictEqual(e.engine, 'eager');
  assert.strictEqual(g.epochs.length, e.epochs.length);
  g.epochs.forEach((ep, i) => {
    assert.ok(Math.abs(ep.loss - e.epochs[i].loss) < tol, `epoch ${i}: loss ${ep.loss} (graph) vs ${e.epochs[i].loss} (eager)`);
    assert.strictEqual(ep.acc, e.epochs[i].acc, `epoch ${i}: accuracy`);
    assert.strictEqual(ep.lr, e.epochs[i].lr);
  });
}

/** A small chain net (conv/pool/dense, several activations) as a Net with two groups. */
function referenceNet(seed = 1, variant: 'flatten' | 'gap' = 'flatten'): Net {
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seed * 10 + i });
  const layers =
    variant === 'flatten'
      ? [
          tf.layers.conv2d({ name: 'l0', inputShape: [12, 12, 1], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(0) }),
          tf.layers.maxPooling2d({ name: 'l1', poolSize: 2 }),
          tf.layers.conv2d({ name: 'l2', filters: 8, kernelSize: 3, padding: 'valid', activation: 'relu6', kernelInitializer: init(1) }),
          tf.layers.averagePooling2d({ name: 'l3', poolSize: 2 }),
          tf.layers.flatten(),
          tf.layers.dense({ name: 'l4', units: 16, activation: 'tanh', kernelInitializer: init(2) }),
          tf.layers.dense({ name: 'l5', units: 3, activation: 'softmax', kernelInitializer: init(3) }),
        ]
      : [
          tf.layers.conv2d({
            name: 'l6',
            inputShape: [12, 12, 1],
            filters: 8,
            kernelSize: 3,
            strides: 2,
            padding: 'same',
            activation: 'relu',
            kernelInitializer: init(0),
          }),
          tf.layers.globalAveragePooling2d({ name: 'l0' }),
          tf.layers.dense({ name: 'l1', units: 8, activation: 'sigmoid', kernelInitializer: init(2) }),
          tf.layers.dense({ name: 'l2', units: 3, kernelInitializer: init(3) }),
          tf.layers.activation({ name: 'l3', activation: 'softmax' }),
        ];
  const model = tf.sequential({ layers });
  const names = model.layers.map((l) => l.name);
  return {
    model,
    classNames: ['a', 'b', 'c'],
    origin: 'test:chain',
    preprocessing: { height: 12, width: 12, channels: 1 },
    groups: [
      { name: 'body', layers: names.slice(0, -2) },
      { name: 'head', layers: names.slice(-2) },
    ],
  };
}

describe('compiled training step (one TensorFlow graph per step)', function () {
  this.timeout(300000);
  after(() => {
    releaseCachedTrainStep();
    releaseCachedForward();
  });

  it('runs a hand-built graph: placeholders, constants, resource variables, control dependencies', () => {
    const g = new GraphBuilder();
    const x = g.placeholder('x', 'float', [-1, 3]);
    const y = g.op('Mul', [x, g.constant({ dtype: 'float', shape: [3], values: [1, 2, -3] })], { T: { type: 'float' } }, 'y');
    const v = g.op('VarHandleOp', [], { dtype: { type: 'float' }, shape: { shape: [] }, shared_name: { s: 'graph_test_v' }, container: { s: '' } }, 'v');
    const a = g.op('AssignVariableOp', [v, g.scalar(5)], { dtype: { type: 'float' } }, 'assign');
    const r = g.op('ReadVariableOp', [v], { dtype: { type: 'float' } }, 'read', [a]);
    const s = new GraphSession(g);
    const xs = tf.tensor2d([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    const [out, rv] = s.run([['x', xs]], [y, r]);
    assert.deepStrictEqual(Array.from(out.dataSync()), [1, 2, -3, 2, 4, -6]);
    assert.deepStrictEqual(Array.from(rv.dataSync()), [5]);
    tf.dispose([out, rv, xs]);
    s.dispose();
    assert.throws(() => s.run([], [r]), /disposed/);
  });

  it('matches the eager loop on a conv/pool/dense chain with relu, relu6, tanh (Adam, two groups, discriminative rates, schedule)', async () => {
    const { g, e, diff, maxWeight } = await twin(() => referenceNet(3), {
      epochs: 3,
      batchSize: 16,
      learningRate: 3e-3,
      lrDivisor: 2.6,
      schedule: 'cosine',
      seed: 5,
    });
    assertSameCurve(g, e);
    assert.ok(diff < 1e-5 * Math.max(1, maxWeight), `weights differ by ${diff}`);
  });

  it('matches the eager loop with SGD (momentum 0.9)', async () => {
    const { g, e, diff } = await twin(() => referenceNet(4, 'gap'), { epochs: 2, batchSize: 16, learningRate: 1e-2, optimizer: 'sgd', seed: 6 });
    assertSameCurve(g, e);
    assert.ok(diff < 1e-5, `weights differ by ${diff}`);
  });

  it('matches the eager loop on a BatchNorm net fine-tuned in inference mode, with seeded dropout and a frozen block', async () => {
    const make = () => {
      const net = tinyNet(3, 9);
      setBatchNormMode(net, 'inference');
      freeze(net, 'block1');
      return net;
    };
    const { g, e, diff } = await twin(make, { epochs: 3, batchSize: 16, learningRate: 5e-3, seed: 2 });
    assertSameCurve(g, e);
    assert.ok(diff < 1e-5, `weights differ by ${diff}`);
  });

  it('leaves frozen weights and BatchNorm statistics bit-identical, and learns', async () => {
    const net = tinyNet(3, 12);
    freeze(net);
    unfreeze(net, 'head');
    const before = snapshot(net.model);
    const h = await expectNoLeakedTensors(
      () => train(net, imageSource(toyImages(96, 3, 3), net.preprocessing), { epochs: 4, batchSize: 16, learningRate: 1e-2, engine: 'graph' }),
      'compiled train()',
    );
    const after = snapshot(net.model);
    for (const [k, v] of before) {
      const moved = v.some((x, i) => x !== after.get(k)![i]);
      assert.strictEqual(moved, k.startsWith('logits/'), `${k} ${moved ? 'moved' : 'did not move'}`);
    }
    assert.strictEqual(h.engine, 'graph');
    assert.ok(h.epochs[3].loss < h.epochs[0].loss, `loss ${h.epochs[0].loss} -> ${h.epochs[3].loss}`);
    net.model.dispose();
  });

  it('matches the eager loop training a BatchNorm net from scratch (batch statistics, moving averages)', async () => {
    // SGD: weights (moving statistics included) agree to float rounding.
    const sgd = await twin(() => tinyNet(3, 10), { epochs: 3, batchSize: 16, learningRate: 0.05, optimizer: 'sgd', seed: 4 });
    assertSameCurve(sgd.g, sgd.e, 1e-5);
    assert.ok(sgd.diff < 1e-5, `weights (moving statistics included) differ by ${sgd.diff}`);
    // Adam divides by |gradient|: a BatchNorm beta whose gradient is ~1e-8 (rounding noise) moves by up to
    // the learning rate in either direction, so only the loss curves are compared.
    const adam = await twin(() => tinyNet(3, 10), { epochs: 3, batchSize: 16, learningRate: 5e-3, seed: 4 });
    assertSameCurve(adam.g, adam.e, 5e-4);
  });

  it('falls back to the eager loop with the reason (an unseeded Dropout layer), or refuses with engine "graph"', async () => {
    const net = referenceNet(1, 'gap');
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [12, 12, 1] }),
        tf.layers.dropout({ rate: 0.5, name: 'drop' }),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    const bad: Net = { ...net, model, groups: [{ name: 'head', layers: model.layers.map((l) => l.name) }] };
    assert.match(graphUnsupported(model) ?? '', /unseeded Dropout layer 'drop'/);
    const h = await train(bad, imageSource(toyImages(32, 3, 1), bad.preprocessing), { epochs: 1, batchSize: 16 });
    assert.strictEqual(h.engine, 'eager');
    assert.match(h.eagerReason ?? '', /unseeded Dropout/);
    await expectError(
      () => train(bad, imageSource(toyImages(32, 3, 1), bad.preprocessing), { epochs: 1, engine: 'graph' }),
      /cannot be compiled/,
      /Dropout/,
      /Fix:/,
    );
    await expectError(() => train(bad, imageSource(toyImages(32, 3, 1), bad.preprocessing), { epochs: 1, engine: 'fast' as 'graph' }), /engine 'fast'/);
    model.dispose();
    net.model.dispose();
  });

  it(`honours ${GRAPH_ENV}=0 (eager everywhere)`, async () => {
    const net = referenceNet(2);
    const old = process.env[GRAPH_ENV];
    process.env[GRAPH_ENV] = '0';
    try {
      const h = await train(net, imageSource(toyImages(32, 3, 1), net.preprocessing), { epochs: 1, batchSize: 16 });
      assert.strictEqual(h.engine, 'eager');
      assert.match(h.eagerReason ?? '', /TRANSFER_LAB_GRAPH=0/);
    } finally {
      if (old === undefined) delete process.env[GRAPH_ENV];
      else process.env[GRAPH_ENV] = old;
      net.model.dispose();
    }
  });

  it('saves optimizer state that resumes exactly in either engine', async () => {
    const data = toyImages(64, 3, 4);
    const make = () => {
      const n = referenceNet(7);
      return n;
    };
    // Uninterrupted: 4 epochs compiled.
    const full = make();
    const start = snapshot(full.model);
    await train(full, imageSource(data, full.preprocessing), { epochs: 4, batchSize: 16, learningRate: 3e-3, seed: 1, engine: 'graph' });
    const want = snapshot(full.model);
    // Interrupted after epoch 2 (compiled), resumed eager and compiled.
    for (const engine of ['eager', 'graph'] as const) {
      const net = make();
      restore(net.model, start);
      let state: TrainState | null = null;
      await train(net, imageSource(data, net.preprocessing), {
        epochs: 2,
        batchSize: 16,
        learningRate: 3e-3,
        seed: 1,
        engine: 'graph',
        callbacks: [
          {
            onEpochEnd: async (_e, _l, _n, ctx) => {
              state = await ctx.trainState();
            },
          },
        ],
      });
      assert.ok(state);
      const st = state as TrainState;
      assert.strictEqual(st.groups.length, 2);
      assert.ok(st.groups.every((g) => g.iterations === 8 && g.accBeta && g.shapes.length > 0));
      await expectNoLeakedTensors(
        () =>
          train(net, imageSource(data, net.preprocessing), { epochs: 2, initialEpoch: 2, batchSize: 16, learningRate: 3e-3, seed: 1, trainState: st, engine }),
        `resume (${engine})`,
      );
      const diff = maxDiff(want, snapshot(net.model));
      assert.ok(diff < (engine === 'graph' ? 1e-7 : 1e-5), `resumed ${engine}: weights differ by ${diff}`);
      net.model.dispose();
    }
    full.model.dispose();
  });

  it('is deterministic and reuses the compiled graph across train() calls on one net', async () => {
    const runOnce = async () => {
      const net = referenceNet(8);
      await train(net, imageSource(toyImages(48, 3, 6), net.preprocessing), { epochs: 1, batchSize: 16, seed: 3, engine: 'graph' });
      const t0 = Date.now();
      await train(net, imageSource(toyImages(48, 3, 6), net.preprocessing), { epochs: 1, batchSize: 16, seed: 3, engine: 'graph' });
      const s = snapshot(net.model);
      net.model.dispose();
      return { s, ms: Date.now() - t0 };
    };
    const a = await runOnce();
    const b = await runOnce();
    assert.strictEqual(maxDiff(a.s, b.s), 0);
  });

  it('sees weights a callback changes between epochs (pushes them back into the graph)', async () => {
    const net = referenceNet(5);
    let zeroed = false;
    const h = await train(net, imageSource(toyImages(32, 3, 2), net.preprocessing), {
      epochs: 2,
      batchSize: 16,
      learningRate: 1e-9,
      engine: 'graph',
      callbacks: [
        {
          onEpochEnd: () => {
            if (zeroed) return;
            zeroed = true;
            for (const w of net.model.getLayer(net.model.layers[net.model.layers.length - 1].name).weights) variableOf(w).assign(tf.zerosLike(w.read()));
          },
        },
      ],
    });
    // With a zero head and a tiny rate, the second epoch's outputs are uniform: loss = ln(3).
    assert.ok(Math.abs(h.epochs[1].loss - Math.log(3)) < 1e-4, `epoch 2 loss ${h.epochs[1].loss}`);
    net.model.dispose();
  });

  it('compiled inference equals model.predict (BatchNorm, dropout off, softmax) and follows weight changes', async () => {
    const net = tinyNet(3, 13);
    const xs = tf.randomUniform([20, 12, 12, 1], 0, 1, 'float32', 3);
    const f = compileForward(net.model);
    assert.notStrictEqual(typeof f, 'string', String(f));
    (f as Exclude<typeof f, string>).dispose();
    const diff = (predict: (x: tfn.Tensor) => tfn.Tensor) => tf.tidy(() => (net.model.predict(xs) as tfn.Tensor).sub(predict(xs)).abs().max().dataSync()[0]);
    assert.ok(diff(predictor(net.model)) < 1e-5);
    await train(net, imageSource(toyImages(32, 3, 1), net.preprocessing), { epochs: 1, batchSize: 16, learningRate: 0.05 });
    const p = await expectNoLeakedTensors(() => predictor(net.model), 'predictor()');
    assert.ok(diff(p) < 1e-5, 'a new predictor sees the trained weights');
    // A cut (no softmax at the end) compiles too.
    const cutModel = tf.model({ inputs: net.model.inputs, outputs: net.model.getLayer('features').output as tfn.SymbolicTensor });
    const feats = predictor(cutModel);
    assert.ok(tf.tidy(() => (cutModel.predict(xs) as tfn.Tensor).sub(feats(xs)).abs().max().dataSync()[0]) < 1e-5);
    xs.dispose();
    net.model.dispose();
  });

  it('stays up over 40 rounds of compiled training and prediction on fresh nets (child process)', function () {
    this.timeout(300000);
    const root = path.resolve(__dirname, '..');
    const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', path.join(__dirname, 'workers', 'graph-stress.ts'), '40'], { cwd: root, encoding: 'utf8' });
    assert.strictEqual(r.signal, null, `the worker died with ${r.signal}: ${r.stderr.slice(-2000)}`);
    assert.strictEqual(r.status, 0, r.stderr.slice(-2000));
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { rounds: number; loss: number };
    assert.strictEqual(out.rounds, 40);
    assert.ok(Number.isFinite(out.loss));
  });
});
