import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  accuracy,
  confusionMatrix,
  perClassMetrics,
  macroF1,
  argmaxRows,
  topKAccuracy,
  classificationReport,
  timeToAccuracy,
  meanStd,
} from '../src/experiment/metrics';
import { pca2d } from '../src/experiment/pca';
import { epochsFor, RunRow } from '../src/experiment/compare';
import { readRuns, rowsToCsv, summarize } from '../src/experiment/table';
import { evalEpochs } from '../src/experiment/strategies';
import { slantedTriangular } from '../src/train/schedule';
import { expectError, tmpDir } from './helpers';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

// Hand-computed example: 3 classes, 7 examples.
const pred = [0, 0, 1, 1, 2, 2, 2];
const labels = [0, 1, 1, 1, 2, 2, 0];

describe('metrics', () => {
  it('accuracy and the confusion matrix (rows true, columns predicted)', () => {
    close(accuracy(pred, labels), 5 / 7);
    assert.deepStrictEqual(confusionMatrix(pred, labels, 3), [
      [1, 0, 1],
      [1, 2, 0],
      [0, 0, 2],
    ]);
    assert.strictEqual(accuracy([], []), 0);
  });

  it('per-class precision / recall / F1 and macro-F1 match hand-computed values', () => {
    const m = perClassMetrics(confusionMatrix(pred, labels, 3));
    close(m[0].precision, 0.5);
    close(m[0].recall, 0.5);
    close(m[0].f1, 0.5);
    assert.strictEqual(m[0].support, 2);
    close(m[1].precision, 1);
    close(m[1].recall, 2 / 3);
    close(m[1].f1, 0.8);
    assert.strictEqual(m[1].support, 3);
    close(m[2].precision, 2 / 3);
    close(m[2].recall, 1);
    close(m[2].f1, 0.8);
    close(macroF1(confusionMatrix(pred, labels, 3)), 0.7);
    // A class never predicted and never present: zeros, not NaN.
    const z = perClassMetrics(confusionMatrix([0, 1], [0, 1], 3));
    assert.deepStrictEqual(z[2], { precision: 0, recall: 0, f1: 0, support: 0 });
  });

  it('argmax and top-k accuracy from probabilities', () => {
    const probs = new Float32Array([0.5, 0.3, 0.2, 0.1, 0.2, 0.7]);
    assert.deepStrictEqual(argmaxRows(probs, 3), [0, 2]);
    assert.strictEqual(topKAccuracy(probs, [1, 0], 3, 1), 0);
    assert.strictEqual(topKAccuracy(probs, [1, 0], 3, 2), 0.5);
    assert.strictEqual(topKAccuracy(probs, [1, 0], 3, 3), 1);
    const rep = classificationReport(probs, [0, 2], ['a', 'b', 'c']);
    assert.strictEqual(rep.accuracy, 1);
    assert.strictEqual(rep.topK.k, 2);
    assert.deepStrictEqual(
      rep.perClass.map((c) => c.name),
      ['a', 'b', 'c'],
    );
  });

  it('time to a target accuracy skips epochs without an evaluation', () => {
    const e = (epoch: number, valAcc?: number) => ({
      epoch,
      loss: 1,
      acc: 0.5,
      valAcc,
      lr: 1e-3,
      seconds: 1,
      samplesSeen: (epoch + 1) * 100,
      wallSeconds: epoch + 1.5,
    });
    const h = { epochs: [e(0), e(1, 0.6), e(2, 0.85), e(3, 0.9)] };
    assert.deepStrictEqual(timeToAccuracy(h, 0.8), { epoch: 2, wallSeconds: 3.5, samplesSeen: 300 });
    assert.strictEqual(timeToAccuracy(h, 0.95), null);
  });

  it('mean and sample standard deviation', () => {
    const s = meanStd([0.8, 0.9]);
    close(s.mean, 0.85);
    close(s.std, Math.sqrt(0.005));
    assert.strictEqual(s.n, 2);
    assert.strictEqual(meanStd([0.7]).std, 0);
  });

  it('gives clear errors for mismatched inputs', async () => {
    await expectError(() => accuracy([0], [0, 1]), /1 predictions but 2 labels/, /Fix/);
    await expectError(() => confusionMatrix([3], [0], 3), /outside 0\.\.2/);
    await expectError(() => topKAccuracy([0.5, 0.5], [0], 2, 0), /positive integer/);
    await expectError(() => meanStd([]), /no values/);
  });
});

describe('PCA', () => {
  it('finds the direction of a line exactly, with a fixed sign', () => {
    const ts = [-2, -1, 0, 1, 2];
    const data = ts.flatMap((t) => [t, 2 * t, 0]);
    const p = pca2d(data, 5, 3, [0, 0, 1, 1, 1]);
    ts.forEach((t, i) => close(p.x[i], t * Math.sqrt(5), 1e-6));
    close(p.explained[0], 1, 1e-9);
    close(p.explained[1], 0, 1e-9);
    assert.deepStrictEqual(p.labels, [0, 0, 1, 1, 1]);
  });
});

describe('experiment helpers', () => {
  it('epochs per training-set size, and evaluation epochs', () => {
    const rule = { samples: 600, min: 3, max: 30 };
    assert.strictEqual(epochsFor(10, rule), 30);
    assert.strictEqual(epochsFor(50, rule), 12);
    assert.strictEqual(epochsFor(500, rule), 3);
    assert.strictEqual(epochsFor(10, 7), 7);
    assert.deepStrictEqual([...evalEpochs(10, 4)], [2, 4, 7, 9]);
    assert.deepStrictEqual([...evalEpochs(2, 8)], [0, 1]);
  });

  it('the slanted triangular schedule of gradual unfreezing peaks once and never goes negative', () => {
    for (const total of [1, 4, 7, 16, 100]) {
      const f = slantedTriangular();
      const m = Array.from({ length: total }, (_, t) => f(t, total));
      assert.ok(
        m.every((x) => x >= 1 / 32 - 1e-12 && x <= 1),
        `total ${total}: ${m}`,
      );
      assert.strictEqual(Math.max(...m), m[Math.max(1, Math.floor(total * 0.1))] ?? m[m.length - 1]);
    }
    close(slantedTriangular()(10, 100), 1);
    close(slantedTriangular()(100, 100), 1 / 32);
  });

  it('runs.jsonl: a torn last line is skipped; CSV quotes what needs it; cells summarise seeds', () => {
    const dir = tmpDir();
    const row = (strategy: string, seed: number, acc: number) =>
      ({
        key: `${strategy}|${seed}`,
        strategy,
        size: 1,
        seed,
        accuracy: acc,
        macroF1: acc,
        wallSeconds: 1,
        samplesSeen: 10,
        trainableParams: 5,
        timeToTarget: seed ? { epoch: 0, wallSeconds: 2, samplesSeen: 10 } : null,
        experiment: 'a,b',
      }) as unknown as RunRow;
    const file = path.join(dir, 'runs.jsonl');
    fs.writeFileSync(file, JSON.stringify(row('scratch', 0, 0.5)) + '\n' + JSON.stringify(row('scratch', 1, 0.7)) + '\n{"key": "torn');
    const runs = readRuns(file);
    assert.deepStrictEqual([...runs.keys()], ['scratch|0', 'scratch|1']);
    const csv = rowsToCsv([...runs.values()]).split('\n');
    assert.match(csv[1], /^"a,b",scratch,1,0,/);
    const [cell] = summarize([...runs.values()]);
    close(cell.accuracy.mean, 0.6);
    close(cell.accuracy.std, Math.sqrt(0.02));
    assert.strictEqual(cell.reachedTarget, 1);
    assert.strictEqual(cell.secondsToTarget, 2);
  });
});
