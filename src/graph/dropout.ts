/**
 * The compiled step's dropout masks, drawn as eager mode draws them, only faster.
 *
 * Eager mode (SeededDropout, the text encoder's attention dropout) keeps an element where
 * `tf.randomUniform(shape, 0, 1, 'float32', seed).greaterEqual(rate)`. tfjs fills that
 * tensor in JavaScript from seedrandom's `alea(String(seed))`, one method call per value,
 * then runs two kernels and feeds 4 bytes per element: for the MiniLM bench step (19 masks,
 * ~10 M elements) that took seconds of JavaScript per step on a cold start and ~0.1-0.4 us
 * per element warm (measured here), against a few ns per element in the loop below.
 * Here the same generator (Baagoe's Alea, as seedrandom implements it) runs in one tight
 * loop and writes the kept/dropped flags straight into a bool tensor: the same masks, bit
 * for bit (tests/graph-text.test.ts checks them against tf.randomUniform).
 */
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';

/**
 * Write the keep flags eager dropout draws with `seed` at `rate` into `out` (1 kept, 0
 * dropped), element i as `tf.randomUniform([out.length], 0, 1, 'float32', seed)[i] >= rate`:
 * seedrandom's Alea seeded through its Mash hash, each value rounded to float32 (tfjs stores
 * it in a Float32Array) and compared with the float32 rate. The first k flags of a longer
 * `out` are the flags of a shorter one. Self-contained (no outer names, no inner functions):
 * ./mask-prefetch.ts runs its source in a worker thread.
 *
 * @example
 * const keep = new Uint8Array(16 * 64 * 384);
 * fillKeepFlags(7, 0.1, keep);
 */
export function fillKeepFlags(seed: number, rate: number, out: Uint8Array): void {
  const TWO_POW_32 = 0x100000000;
  const INV_TWO_POW_32 = 2.3283064365386963e-10; // 2^-32
  // Mash (seedrandom): hash ' ' three times, then the seed string three times.
  const key = String(seed);
  let n = 0xefc8249d;
  const hashed: number[] = [];
  for (const data of [' ', ' ', ' ', key, key, key]) {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * TWO_POW_32;
    }
    hashed.push((n >>> 0) * INV_TWO_POW_32);
  }
  let s0 = hashed[0] - hashed[3];
  if (s0 < 0) s0 += 1;
  let s1 = hashed[1] - hashed[4];
  if (s1 < 0) s1 += 1;
  let s2 = hashed[2] - hashed[5];
  if (s2 < 0) s2 += 1;
  let c = 1;
  const r = Math.fround(rate);
  const size = out.length;
  for (let i = 0; i < size; i++) {
    const t = 2091639 * s0 + c * INV_TWO_POW_32;
    s0 = s1;
    s1 = s2;
    c = t | 0;
    s2 = t - c;
    out[i] = Math.fround(s2) >= r ? 1 : 0;
  }
}

/**
 * The keep mask eager dropout draws with `seed` at `rate`: true where
 * `tf.randomUniform(shape, 0, 1, 'float32', seed) >= rate`, as a bool tensor (caller disposes).
 *
 * @example
 * const keep = dropoutMask(7, 0.1, [16, 64, 384]); // same flags as tf.randomUniform([16, 64, 384], 0, 1, 'float32', 7).greaterEqual(0.1)
 */
export function dropoutMask(seed: number, rate: number, shape: number[]): tfn.Tensor {
  if (!Number.isFinite(seed)) throw new Error(`dropoutMask: seed must be a finite number, got ${seed}.`);
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropoutMask: rate must be in [0, 1), got ${rate}.`);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`dropoutMask: shape must be non-negative integers, got [${shape}].`);
  const out = new Uint8Array(shape.reduce((a, b) => a * b, 1));
  fillKeepFlags(seed, rate, out);
  return tf.tensor(out, shape, 'bool');
}
