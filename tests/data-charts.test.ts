import * as assert from 'assert';
import { classCountChart, sampleGridChart } from '../src/charts/data';
import { kShot, loadFashionMnist, loadMnist } from '../src/data';
import { expectError, expectNoLeakedTensors } from './helpers';

describe('charts: data sets', () => {
  it('sampleGridChart is one small PNG image trace with a labelled row per class, seeded', async () => {
    const test = loadFashionMnist('test');
    const fig = await expectNoLeakedTensors(() => sampleGridChart(test, { perClass: 8, seed: 1 }), 'sampleGridChart');
    assert.strictEqual(fig.data.length, 1);
    assert.strictEqual(fig.data[0].type, 'image');
    assert.match(String(fig.data[0].source), /^data:image\/png;base64,iVBORw0KGgo/);
    const png = Buffer.from(String(fig.data[0].source).split(',')[1], 'base64');
    assert.strictEqual(png.readUInt32BE(16), 8 * 30 - 2, 'width: 8 images of 28 px with 2 px gaps');
    assert.strictEqual(png.readUInt32BE(20), 10 * 30 - 2);
    assert.ok(JSON.stringify(fig).length < 300_000, 'a few hundred KB at most');
    assert.deepStrictEqual((fig.layout?.yaxis as { ticktext: string[] }).ticktext, test.classNames);
    assert.strictEqual(JSON.stringify(sampleGridChart(test, { seed: 1 })), JSON.stringify(fig));
    assert.notStrictEqual(JSON.stringify(sampleGridChart(test, { seed: 2 })), JSON.stringify(fig));
  });

  it('sampleGridChart shows what a small class has', () => {
    const fig = sampleGridChart(kShot(loadMnist(), 2, 0), { perClass: 4 });
    assert.strictEqual(fig.data.length, 1);
  });

  it('classCountChart groups bars per data set', async () => {
    const test = loadFashionMnist('test');
    const fig = classCountChart([test, kShot(test, 5, 0)]);
    assert.strictEqual(fig.data.length, 2);
    assert.deepStrictEqual(fig.data[0].y, new Array(10).fill(1000));
    assert.deepStrictEqual(fig.data[1].y, new Array(10).fill(5));
    assert.strictEqual(fig.layout?.barmode, 'group');
    await expectError(() => classCountChart([]), /no data sets/, /Fix/);
  });
});
