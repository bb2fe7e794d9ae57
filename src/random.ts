/**
 * Seeded randomness for the whole library: every random choice (shuffles, splits,
 * k-shot samples, augmentation) takes a seed, so the same seed gives the same result
 * on every machine. The generator is mulberry32: 32-bit state, fast, and good enough
 * for sampling (not for cryptography).
 */

/** A seed (any integer; only its low 32 bits are used) or an existing generator. */
export type SeedLike = number | Random;

/**
 * A seeded pseudo-random generator (mulberry32).
 *
 * @example
 * const r = new Random(42);
 * r.next();     // a float in [0, 1), the same for every run with seed 42
 * r.int(10);    // an integer in 0..9
 */
export class Random {
  private state: number;

  /** @param seed any integer; only its low 32 bits are used. */
  constructor(readonly seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Random seed ${seed} is not a finite number. Fix: pass an integer seed, e.g. 0 or 42.`);
    this.state = Math.trunc(seed) >>> 0;
  }

  /**
   * The next float in [0, 1).
   *
   * @example
   * new Random(1).next(); // 0.6270739405881613
   */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * A uniform integer in [lo, hi) or, with one argument, in [0, n).
   *
   * @example
   * new Random(3).int(-2, 3); // one of -2..2
   */
  int(loOrN: number, hi?: number): number {
    const [lo, h] = hi === undefined ? [0, loOrN] : [loOrN, hi];
    if (!(h > lo)) throw new Error(`Random.int: empty range [${lo}, ${h}). Fix: pass hi > lo.`);
    return lo + Math.floor(this.next() * (h - lo));
  }

  /**
   * Shuffle an array in place (Fisher-Yates) and return it.
   *
   * @example
   * new Random(0).shuffleInPlace([1, 2, 3]);
   */
  shuffleInPlace<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /**
   * A new generator whose seed is drawn from this one: independent streams for
   * sub-tasks (e.g. one per epoch) without sharing state.
   *
   * @example
   * const perEpoch = new Random(7).fork();
   */
  fork(): Random {
    return new Random(Math.floor(this.next() * 4294967296));
  }
}

/**
 * A generator from a seed, or the generator itself when one is passed.
 *
 * @example
 * const r = rng(42); // same as new Random(42)
 */
export function rng(seed: SeedLike): Random {
  return seed instanceof Random ? seed : new Random(seed);
}

/**
 * A uniform integer in [lo, hi), drawn from a seed or generator.
 *
 * @example
 * randInt(r, 0, 6); // a die roll 0..5
 */
export function randInt(seed: SeedLike, lo: number, hi: number): number {
  return rng(seed).int(lo, hi);
}

/**
 * A shuffled copy of an array; the input is left untouched.
 *
 * @param items what to shuffle
 * @param seed a seed (same seed, same order) or a generator
 * @returns a new array
 * @example
 * shuffle(['a', 'b', 'c'], 42); // the same order on every run
 */
export function shuffle<T>(items: readonly T[], seed: SeedLike): T[] {
  if (!Array.isArray(items)) throw new Error(`shuffle: expected an array, got ${typeof items}. Fix: pass an array (use permutation(n, seed) for indices).`);
  return rng(seed).shuffleInPlace(items.slice());
}

/**
 * A random permutation of 0..n-1.
 *
 * @example
 * permutation(5, 1); // e.g. Int32Array [3, 0, 4, 1, 2]
 */
export function permutation(n: number, seed: SeedLike): Int32Array {
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`permutation: n = ${n} is not a whole number >= 0. Fix: pass the number of items, e.g. permutation(10, seed).`);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return rng(seed).shuffleInPlace(p);
}

/**
 * k distinct items chosen uniformly without replacement, in random order.
 *
 * @throws Error when k is larger than the number of items
 * @example
 * sample([10, 20, 30, 40], 2, 5); // two of them
 */
export function sample<T>(items: readonly T[], k: number, seed: SeedLike): T[] {
  if (!Number.isInteger(k) || k < 0 || k > items.length) {
    throw new Error(`sample: cannot draw ${k} of ${items.length} items. Fix: pass an integer k between 0 and ${items.length}.`);
  }
  const r = rng(seed);
  const a = items.slice();
  // Partial Fisher-Yates: only the first k positions are needed.
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(r.next() * (a.length - i));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a.slice(0, k);
}

/**
 * A seed for tfjs's own random ops and initializers. tfjs's normal and truncated-normal
 * generators treat a seed of 0 as "no seed" (`seed ? seed : Math.random()`), which would
 * silently break reproducibility for seed 0; this maps 0 to a fixed non-zero value.
 *
 * @example
 * tf.initializers.heNormal({ seed: tfSeed(0) });
 */
export function tfSeed(seed: number): number {
  // A NaN seed would make tfjs fall back to Math.random: silently irreproducible.
  if (!Number.isFinite(seed)) throw new Error(`seed ${seed} is not a finite number. Fix: pass an integer seed, e.g. 0 or 42.`);
  return seed === 0 ? 0x5eed : seed;
}
