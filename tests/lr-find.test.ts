import * as assert from 'assert';
import { toyImages, tinyNet, snapshot, changed } from './fixtures';
import { expectError, expectNoLeakedTensors } from './helpers';
import { imageSource } from '../src/train/source';
import { train } from '../src/train/loop';
import { lrFind, lrSuggestions } from '../src/train/lr-find';
import { lrFindChart } from '../src/charts/lr-find';
import { freeze } from '../src/transfer/freeze';
import { SeededDropout } from '../src/transfer/layers';

const data = toyImages(96, 3, 1);

describe('lrFind: the learning-rate range test', () => {
  it('sweeps rates exponentially, stops on divergence, suggests a rate inside the sweep, restores everything', async () => {
    const net = tinyNet(3, 4);
    const src = imageSource(data, net.preprocessing);
    const before = snapshot(net.model);
    const drop = net.model.layers.find((l) => l instanceof SeededDropout) as SeededDropout | undefined;
    const calls = drop?.calls;
    const r = await expectNoLeakedTensors(() => lrFind(net, src, { batchSize: 16, steps: 60, startLr: 1e-6, endLr: 10, smoothing: 0.9, seed: 1 }), 'lrFind');
    assert.ok(r.lrs.length >= 10 && r.lrs.length <= 60, `${r.lrs.length} steps`);
    assert.ok(Math.abs(r.lrs[0] - 1e-6) / 1e-6 < 1e-9, `first rate ${r.lrs[0]}`);
    for (let i = 1; i < r.lrs.length; i++)
      assert.ok(Math.abs(r.lrs[i] / r.lrs[i - 1] - Math.pow(1e7, 1 / 59)) < 1e-9, 'each rate is a constant factor above the last');
    assert.ok(r.diverged, `a rate of 10 with Adam diverges this net (last smoothed ${r.smoothed.at(-1)})`);
    assert.ok(r.lrs.length < 60, 'stopped early on divergence');
    assert.ok(r.suggested > r.lrs[0] && r.suggested < r.lrs.at(-1)!, `suggested ${r.suggested}`);
    assert.strictEqual(r.suggested, r.rule === 'valley' ? r.valley.lr : r.steep.lr);
    assert.deepStrictEqual(changed(before, snapshot(net.model)), [], 'every weight (BatchNorm statistics included) is restored');
    if (drop) assert.strictEqual(drop.calls, calls, 'dropout counter restored');
    // Same seed, same curve; and the suggested rate actually trains.
    const again = await lrFind(net, src, { batchSize: 16, steps: 60, startLr: 1e-6, endLr: 10, smoothing: 0.9, seed: 1 });
    assert.deepStrictEqual(again.losses, r.losses);
    const h = await train(net, src, { epochs: 3, batchSize: 16, learningRate: r.suggested });
    assert.ok(h.epochs.at(-1)!.loss < h.epochs[0].loss, 'loss falls at the suggested rate');
    const fig = lrFindChart(r);
    assert.strictEqual((fig.layout!.xaxis as { type: string }).type, 'log');
    assert.strictEqual(fig.data.length, 5);
    net.model.dispose();
  });

  it('gives the same curve with the compiled and the eager engine, and works with frozen groups', async () => {
    const net = tinyNet(3, 5);
    freeze(net);
    const src = imageSource(data, net.preprocessing);
    const g = await lrFind(net, src, { batchSize: 16, steps: 20, engine: 'auto' });
    const e = await lrFind(net, src, { batchSize: 16, steps: 20, engine: 'eager' });
    assert.strictEqual(e.engine, 'eager');
    assert.strictEqual(g.losses.length, e.losses.length);
    g.losses.forEach((l, i) => assert.ok(Math.abs(l - e.losses[i]) < 1e-3 * Math.max(1, Math.abs(l)), `step ${i}: ${l} vs ${e.losses[i]}`));
    net.model.dispose();
  });

  it('reads suggestions from a known curve', () => {
    const lrs = Array.from({ length: 30 }, (_, i) => 1e-5 * Math.pow(10, i / 6));
    // flat, then falling between steps 8 and 20, then rising
    const loss = lrs.map((_, i) => (i < 8 ? 2 : i <= 20 ? 2 - (i - 8) * 0.1 : 0.8 + (i - 20) * 0.5));
    const s = lrSuggestions(lrs, loss);
    assert.strictEqual(s.rule, 'valley');
    assert.ok(s.valley.lr > lrs[8] && s.valley.lr < lrs[20], `valley ${s.valley.lr}`);
    assert.strictEqual(s.minimum.lr, lrs[20] / 10);
  });

  it('rejects bad options with the problem and the fix', async () => {
    const net = tinyNet();
    const src = imageSource(data, net.preprocessing);
    await expectError(() => lrFind(net, src, { startLr: 1, endLr: 0.1 }), /endLr \(0\.1\) must be larger than startLr \(1\)/, /Fix:/);
    await expectError(() => lrFind(net, src, { steps: 1 }), /steps must be at least 2/, /Fix:/);
    await expectError(() => lrFind(net.model as never, src), /lrFind expects a Net/, /pass the Net itself/);
    await expectError(() => lrFind(net, data as never), /not a BatchSource/, /imageSource/);
    net.model.dispose();
  });
});
