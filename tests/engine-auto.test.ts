/**
 * Engine 'auto' and the cost of compiling: a run too short to repay compiling the step
 * (fewer than AUTO_COMPILE_MIN_STEPS planned steps) runs eager and says why; a long run,
 * or a short one whose step is compiled already, runs compiled; 'graph' always compiles;
 * the results are the same either way; gradual unfreezing records each stage's engine.
 */
import * as assert from 'assert';
import { train, TrainOptions } from '../src/train/loop';
import { imageSource } from '../src/train/source';
import { AUTO_COMPILE_MIN_STEPS } from '../src/train/engine';
import { freeze } from '../src/transfer/freeze';
import { gradualUnfreeze } from '../src/transfer/finetune';
import { releaseCachedTrainStep } from '../src/graph/trainer';
import { Net } from '../src/transfer/net';
import { expectNoLeakedTensors } from './helpers';
import { restore, snapshot, tinyNet, toyImages } from './fixtures';

function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let m = 0;
  for (const [k, v] of a) {
    const w = b.get(k)!;
    for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i] - w[i]));
  }
  return m;
}

/** Two identical frozen-body nets. */
function pair(): [Net, Net] {
  const a = freeze(tinyNet(3, 3));
  const b = freeze(tinyNet(3, 3));
  restore(b.model, snapshot(a.model));
  return [a, b];
}

describe("engine 'auto': compile only when the run repays it", () => {
  afterEach(() => releaseCachedTrainStep());

  it('runs a 2-step run eager (and says so) with the same results as the compiled step; compiles a long run', async () => {
    assert.ok(AUTO_COMPILE_MIN_STEPS > 2);
    releaseCachedTrainStep();
    const data = toyImages(32, 3, 1);
    const opts: TrainOptions = { epochs: 1, batchSize: 16, learningRate: 1e-2, seed: 1 };
    const [a, b] = pair();
    const auto = await expectNoLeakedTensors(() => train(a, imageSource(data, a.preprocessing), opts), "short train() with engine 'auto'");
    assert.strictEqual(auto.engine, 'eager');
    assert.match(auto.eagerReason ?? '', /2 planned steps, fewer than the \d+ that repay compiling/);
    const forced = await train(b, imageSource(data, b.preprocessing), { ...opts, engine: 'graph' });
    assert.strictEqual(forced.engine, 'graph', "engine 'graph' compiles however short the run");
    assert.ok(Math.abs(auto.epochs[0].loss - forced.epochs[0].loss) < 1e-4, `loss ${auto.epochs[0].loss} (auto) vs ${forced.epochs[0].loss} (graph)`);
    const diff = maxDiff(snapshot(a.model), snapshot(b.model));
    assert.ok(diff < 1e-5, `weights differ by ${diff}`);
    releaseCachedTrainStep();
    // A run of exactly AUTO_COMPILE_MIN_STEPS steps compiles.
    const long = toyImages(4 * AUTO_COMPILE_MIN_STEPS, 3, 2);
    const h = await expectNoLeakedTensors(() => train(a, imageSource(long, a.preprocessing), { ...opts, batchSize: 4 }), "long train() with engine 'auto'");
    assert.strictEqual(h.engine, 'graph', h.eagerReason);
    assert.strictEqual(h.eagerReason, undefined);
    a.model.dispose();
    b.model.dispose();
  });

  it('uses the compiled step for a short run when it is compiled already (same net and trainable set), not for another trainable set', async () => {
    releaseCachedTrainStep();
    const [a] = pair();
    const src = imageSource(toyImages(32, 3, 1), a.preprocessing);
    await train(a, src, { epochs: 1, batchSize: 16, engine: 'graph' });
    const again = await expectNoLeakedTensors(() => train(a, src, { epochs: 1, batchSize: 16 }), 'cached short run');
    assert.strictEqual(again.engine, 'graph', again.eagerReason);
    a.model.layers.forEach((l) => (l.trainable = true)); // another trainable set: not compiled yet
    const other = await train(a, src, { epochs: 1, batchSize: 16 });
    assert.strictEqual(other.engine, 'eager');
    a.model.dispose();
  });

  it('gradual unfreezing with short stages runs them eager and records each stage', async () => {
    releaseCachedTrainStep();
    const net = tinyNet(3, 4);
    const src = imageSource(toyImages(16, 3, 1), net.preprocessing);
    const h = await expectNoLeakedTensors(() => gradualUnfreeze(net, src, { batchSize: 16, learningRate: 1e-3, seed: 0 }), 'gradualUnfreeze');
    assert.strictEqual(h.stageEngines?.length, net.groups.length);
    assert.ok(
      h.stageEngines?.every((e) => e === 'eager'),
      JSON.stringify(h.stageEngines),
    );
    assert.strictEqual(h.engine, 'eager');
    const g = await gradualUnfreeze(net, src, { batchSize: 16, learningRate: 1e-3, seed: 0, engine: 'graph' });
    assert.deepStrictEqual(
      g.stageEngines,
      net.groups.map(() => 'graph'),
    );
    net.model.dispose();
  });
});
