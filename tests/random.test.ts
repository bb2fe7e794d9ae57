import * as assert from 'assert';
import { Random, permutation, randInt, rng, sample, shuffle } from '../src/random';
import { expectError } from './helpers';

describe('random (seeded mulberry32)', () => {
  it('gives the same stream for the same seed and a different one for another seed', () => {
    const a = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Random(42)),
    );
    const b = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Random(42)),
    );
    const c = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Random(43)),
    );
    assert.deepStrictEqual(a, b);
    assert.notDeepStrictEqual(a, c);
    for (const v of a) assert.ok(v >= 0 && v < 1);
  });

  it('int stays in range and covers it', () => {
    const r = new Random(1);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const v = r.int(-2, 3);
      assert.ok(v >= -2 && v < 3 && Number.isInteger(v));
      seen.add(v);
    }
    assert.strictEqual(seen.size, 5);
    assert.ok(randInt(7, 0, 6) >= 0);
  });

  it('shuffle and permutation are seeded permutations that leave the input untouched', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8];
    const s1 = shuffle(xs, 3);
    assert.deepStrictEqual(xs, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepStrictEqual(s1, shuffle(xs, 3));
    assert.notDeepStrictEqual(s1, shuffle(xs, 4));
    assert.deepStrictEqual([...s1].sort(), xs);
    const p = permutation(100, 9);
    assert.deepStrictEqual(
      Array.from(p).sort((a, b) => a - b),
      [...Array(100).keys()],
    );
  });

  it('sample draws k distinct items and rejects k larger than the pool', async () => {
    const s = sample([...Array(20).keys()], 5, 11);
    assert.strictEqual(new Set(s).size, 5);
    assert.deepStrictEqual(s, sample([...Array(20).keys()], 5, 11));
    await expectError(() => sample([1, 2], 3, 0), /cannot draw 3 of 2/, /Fix/);
  });

  it('rng passes a generator through and rejects a bad seed', async () => {
    const r = new Random(5);
    assert.strictEqual(rng(r), r);
    assert.notStrictEqual(r.fork().seed, r.fork().seed);
    await expectError(() => new Random(NaN), /not a finite number/, /Fix/);
  });
});
