import * as assert from 'assert';
import { toyImages, pretrainedTiny } from './fixtures';
import { expectError, expectNoLeakedTensors } from './helpers';
import { interpret, topLosses, mostConfused } from '../src/experiment/interpret';
import { topLossesChart } from '../src/charts/interpret';
import { predictProbs } from '../src/experiment/strategies';
import { imageSource } from '../src/train/source';

describe('interpretation: top losses and most-confused pairs', () => {
  it('computes per-example losses, sorts the top losses and counts confused pairs from a trained net', async () => {
    const net = await pretrainedTiny();
    const ds = toyImages(60, 3, 9);
    // Make a few labels wrong on purpose: they must come out on top of the losses.
    const flipped = [3, 17, 41];
    const labels = ds.labels.slice();
    for (const i of flipped) labels[i] = (labels[i] + 1) % 3;
    const noisy = { ...ds, labels, name: 'toy-noisy' };
    const interp = await expectNoLeakedTensors(() => interpret(net, noisy), 'interpret');
    const probs = await predictProbs(net, imageSource(noisy, net.preprocessing));
    for (let i = 0; i < noisy.count; i++) assert.ok(Math.abs(interp.losses[i] + Math.log(Math.max(1e-7, probs[i * 3 + labels[i]]))) < 1e-5);
    const top = topLosses(interp, 5);
    for (let j = 1; j < top.length; j++) assert.ok(top[j - 1].loss >= top[j].loss, 'highest loss first');
    assert.deepStrictEqual(
      top
        .slice(0, 3)
        .map((t) => t.index)
        .sort((a, b) => a - b),
      flipped,
      'the mislabelled images have the highest losses',
    );
    const pairs = mostConfused(interp);
    const mistakes = Array.from(interp.predictions).filter((p, i) => p !== labels[i]).length;
    assert.strictEqual(
      pairs.reduce((n, p) => n + p.count, 0),
      mistakes,
      'every mistake is in one pair',
    );
    for (let j = 1; j < pairs.length; j++) assert.ok(pairs[j - 1].count >= pairs[j].count);
    assert.deepStrictEqual(mostConfused(interp, { minCount: 1000 }), []);
    const fig = topLossesChart(interp, { count: 6, columns: 3 });
    assert.strictEqual((fig.layout!.annotations as unknown[]).length, 6);
  });

  it('reads given probabilities exactly, and escapes class names in the chart', async () => {
    const net = await pretrainedTiny();
    const ds = { ...toyImages(3, 3, 1), classNames: ['<b>a</b>', 'b&c', 'c'] };
    const probs = Float32Array.from([0.7, 0.2, 0.1, 0.1, 0.1, 0.8, 0.5, 0.25, 0.25]); // labels 0, 1, 2
    const interp = await interpret(net, ds, { probs });
    assert.deepStrictEqual(Array.from(interp.predictions), [0, 2, 0]);
    assert.deepStrictEqual(
      topLosses(interp, 2).map((t) => [t.index, t.predicted, t.actual]),
      [
        [1, 'c', 'b&c'],
        [2, '<b>a</b>', 'c'],
      ],
    );
    assert.deepStrictEqual(mostConfused(interp), [
      { actual: 'b&c', predicted: 'c', count: 1 },
      { actual: 'c', predicted: '<b>a</b>', count: 1 },
    ]);
    const text = JSON.stringify(topLossesChart(interp).layout!.annotations);
    assert.ok(text.includes('&lt;b&gt;a&lt;/b&gt;') && !text.includes('<b>a</b>'), 'class names shown as text');
    await expectError(() => interpret(net, ds, { probs: probs.subarray(1) }), /8 probabilities for 3 images of 3 classes/, /Fix:/);
    await expectError(() => topLosses({} as never), /topLosses: expected what interpret\(\) returns/, /Fix: const interp = await interpret/);
    await expectError(() => interpret(net, toyImages(4, 5, 1)), /the net has 3 classes but data set 'toy-5' has 5/, /Fix:/);
  });
});
