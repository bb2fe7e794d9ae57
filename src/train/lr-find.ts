/**
 * The learning-rate range test (Smith 2015, "Cyclical learning rates", section 3.3;
 * fastai's `lr_find`): train for a few dozen steps while the rate grows exponentially
 * from tiny to huge, record the (smoothed) loss at each rate, stop when the loss
 * diverges, then put the weights back. The rate where the loss falls fastest is a good
 * rate to train with.
 *
 * Built on the public `train()` verb (an exponential schedule and a per-batch callback),
 * so it runs on whichever engine `train()` picks (compiled graph or eager) with the same
 * per-group optimizers and learning-rate multipliers.
 */
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { Net, checkNet } from '../transfer/net';
import { BatchSource } from './source';
import { train, TrainOptions } from './loop';
import { hasCallCounter } from './state';

/** Options for {@link lrFind}. */
export interface LrFindOptions extends Pick<TrainOptions, 'batchSize' | 'optimizer' | 'lrDivisor' | 'groupLrMultipliers' | 'engine'> {
  /** First (smallest) rate tried, for the head group. Default 1e-7 (fastai). */
  startLr?: number;
  /** Last (largest) rate tried. Default 10 (fastai). */
  endLr?: number;
  /** Steps (batches) from startLr to endLr. Default 100 (fastai). */
  steps?: number;
  /** Stop once the smoothed loss exceeds this multiple of the best so far. Default 4 (fastai); `Infinity` never stops early. */
  divergeFactor?: number;
  /** Weight of the past in the loss's exponential moving average. Default 0.98 (fastai). */
  smoothing?: number;
  /** Seed of the batch order (and dropout masks). Default 0. */
  seed?: number;
}

/** One suggested rate and the point of the curve it came from. */
export interface LrSuggestion {
  lr: number;
  /** Smoothed loss at that rate. */
  loss: number;
}

/** What {@link lrFind} measured and suggests. */
export interface LrFindResult {
  /** Rate of the head group at each step. */
  lrs: number[];
  /** Raw training loss of each step's batch. */
  losses: number[];
  /** Exponential moving average of the loss, bias-corrected (what the chart shows and the suggestions read). */
  smoothed: number[];
  /**
   * The rate to use: the `valley` suggestion (fastai's default since 2.5: the middle of the
   * longest stretch over which the smoothed loss keeps falling), or `steep` when the curve
   * has no valley of at least 3 points.
   */
  suggested: number;
  /** Which rule gave `suggested`. */
  rule: 'valley' | 'steep';
  /** The valley rule's rate (see `suggested`). */
  valley: LrSuggestion;
  /** The steepest descent of the smoothed loss against log(rate) (Smith's rule). */
  steep: LrSuggestion;
  /** One tenth of the rate of the lowest smoothed loss (fastai's `minimum`). */
  minimum: LrSuggestion;
  /** True when the loss diverged (or became NaN/Inf) before the last step. */
  diverged: boolean;
  /** The engine `train()` used for the steps. */
  engine: 'graph' | 'eager';
}

function positive(name: string, v: unknown, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new Error(
      `lrFind: ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${String(v)}. Fix: leave it out for the default, or pass e.g. ${name}: ${integer ? 100 : 1e-7}.`,
    );
  }
  return v;
}

/**
 * Suggestions from a recorded curve, as fastai computes them: the first tenth of the
 * steps and the last 5 are skipped (start-up noise and the divergence itself).
 *
 * @example
 * const { valley, steep } = lrSuggestions([1e-5, 1e-4, 1e-3, 1e-2, 1e-1], [2.3, 2.2, 1.5, 1.1, 3]);
 */
export function lrSuggestions(lrs: number[], smoothed: number[]): Pick<LrFindResult, 'suggested' | 'rule' | 'valley' | 'steep' | 'minimum'> {
  if (!Array.isArray(lrs) || !Array.isArray(smoothed) || lrs.length !== smoothed.length || lrs.length < 2) {
    throw new Error(
      `lrSuggestions: needs two arrays of the same length >= 2 (rates and smoothed losses), got ${Array.isArray(lrs) ? lrs.length : typeof lrs} and ${Array.isArray(smoothed) ? smoothed.length : typeof smoothed}. Fix: pass result.lrs and result.smoothed of an lrFind run with more steps.`,
    );
  }
  let lo = Math.floor(lrs.length / 10);
  let hi = lrs.length - 5;
  if (hi - lo < 2) {
    lo = 0;
    hi = lrs.length;
  }
  let end = hi;
  for (let i = lo; i < hi; i++)
    if (!Number.isFinite(smoothed[i])) {
      end = i;
      break;
    }
  const l = lrs.slice(lo, end);
  const s = smoothed.slice(lo, end);
  if (l.length < 2)
    throw new Error(
      `lrSuggestions: fewer than 2 finite points to read (the loss was NaN from the start). Fix: lower startLr, or check the inputs for NaN/Inf values.`,
    );
  // steep: most negative d(loss)/d(log lr)
  let si = 0;
  let best = Infinity;
  for (let i = 0; i + 1 < l.length; i++) {
    const g = (s[i + 1] - s[i]) / (Math.log(l[i + 1]) - Math.log(l[i]));
    if (g < best) {
      best = g;
      si = i;
    }
  }
  // valley: the longest decreasing subsequence; 2/3 of the way down... as in fastai (start + sections + sections/2)
  const n = s.length;
  const lds = new Array<number>(n).fill(1);
  let maxStart = 0;
  let maxEnd = 0;
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (s[i] < s[j] && lds[i] < lds[j] + 1) lds[i] = lds[j] + 1;
      if (lds[maxEnd] < lds[i]) {
        maxEnd = i;
        maxStart = maxEnd - lds[maxEnd];
      }
    }
  }
  const sections = (maxEnd - maxStart) / 3;
  const vi = Math.min(n - 1, Math.max(0, maxStart + Math.floor(sections) + Math.floor(sections / 2)));
  let mi = 0;
  for (let i = 1; i < n; i++) if (s[i] < s[mi]) mi = i;
  const valley = { lr: l[vi], loss: s[vi] };
  const steep = { lr: l[si], loss: s[si] };
  const hasValley = maxEnd - maxStart >= 3;
  return { suggested: hasValley ? valley.lr : steep.lr, rule: hasValley ? 'valley' : 'steep', valley, steep, minimum: { lr: l[mi] / 10, loss: s[mi] } };
}

/**
 * The learning-rate range test: trains `net` for up to `steps` batches with the head's rate
 * growing exponentially from `startLr` to `endLr` (lower groups keep their multipliers),
 * records the loss, stops when it diverges, and restores every weight (BatchNorm
 * statistics included) and the dropout counters afterwards. The optimizers it used are
 * thrown away, so the next `train()` starts exactly as it would have without the test.
 * Seeded: same net, data and seed, same curve.
 *
 * @returns the curve, and `suggested` (the valley rule; see {@link LrFindResult})
 * @example
 * const found = await lrFind(net, imageSource(train, net.preprocessing), { seed: 0 });
 * tl.show(lrFindChart(found));
 * await train(net, src, { learningRate: found.suggested, epochs: 3 });
 * // introduced in notebooks/04-versus-scratch.ipynb
 */
export async function lrFind(net: Net, data: BatchSource, opts: LrFindOptions = {}): Promise<LrFindResult> {
  checkNet(net, 'lrFind');
  if (opts === null || typeof opts !== 'object')
    throw new Error(`lrFind: options must be an object, got ${opts === null ? 'null' : typeof opts}. Fix: pass e.g. { steps: 100 } or nothing.`);
  const startLr = positive('startLr', opts.startLr ?? 1e-7);
  const endLr = positive('endLr', opts.endLr ?? 10);
  if (!(endLr > startLr)) throw new Error(`lrFind: endLr (${endLr}) must be larger than startLr (${startLr}). Fix: pass e.g. { startLr: 1e-7, endLr: 10 }.`);
  const steps = positive('steps', opts.steps ?? 100, true);
  if (steps < 2) throw new Error(`lrFind: steps must be at least 2, got ${steps}. Fix: pass e.g. steps: 100.`);
  const factor = opts.divergeFactor ?? 4;
  if (typeof factor !== 'number' || !(factor > 1))
    throw new Error(`lrFind: divergeFactor must be a number > 1, got ${String(factor)}. Fix: pass e.g. divergeFactor: 4, or Infinity to never stop early.`);
  const beta = opts.smoothing ?? 0.98;
  if (typeof beta !== 'number' || !(beta >= 0 && beta < 1))
    throw new Error(`lrFind: smoothing must be in [0, 1), got ${String(beta)}. Fix: pass e.g. smoothing: 0.98, or 0 for the raw losses.`);
  if (!data || typeof data.batch !== 'function' || !Number.isInteger(data.count))
    throw new Error(
      `lrFind: the data is not a BatchSource. Fix: wrap images with imageSource(data, net.preprocessing), or features with featureSource(features).`,
    );
  const batchSize = opts.batchSize ?? 64;
  positive('batchSize', batchSize, true);
  const stepsPerEpoch = Math.ceil(data.count / batchSize);
  const ratio = endLr / startLr;
  const lrs: number[] = [];
  const losses: number[] = [];
  const smoothed: number[] = [];
  let avg = 0;
  let bestSmooth = Infinity;
  let diverged = false;
  // Everything train() may change: all weights (BatchNorm statistics included) and the dropout call counters.
  const saved: tfn.Tensor[] = tf.tidy(() => net.model.getWeights().map((w) => w.clone()));
  const dropouts = net.model.layers.filter(hasCallCounter);
  const calls = dropouts.map((l) => l.calls);
  let engine: 'graph' | 'eager' = 'eager';
  try {
    await train(net, data, {
      batchSize,
      optimizer: opts.optimizer,
      lrDivisor: opts.lrDivisor,
      groupLrMultipliers: opts.groupLrMultipliers,
      engine: opts.engine,
      seed: opts.seed ?? 0,
      shuffle: true,
      verbose: 0, // the range test is one measurement, not a training run to watch
      learningRate: startLr,
      epochs: Math.max(1, Math.ceil(steps / Math.max(1, stepsPerEpoch))),
      // The multiplier at step i: ratio^(i / (steps - 1)), so step 0 uses startLr and step steps-1 uses endLr.
      schedule: (step) => Math.pow(ratio, Math.min(step, steps - 1) / (steps - 1)),
      callbacks: [
        {
          onTrainBegin(_net, history) {
            engine = history.engine ?? 'eager';
          },
          onBatchEnd(step, logs) {
            lrs.push(logs.lr);
            losses.push(logs.loss);
            avg = beta * avg + (1 - beta) * logs.loss;
            const s = avg / (1 - Math.pow(beta, step + 1));
            smoothed.push(s);
            if (s < bestSmooth) bestSmooth = s;
            if (step > 0 && s > factor * bestSmooth) {
              diverged = true;
              return 'stop';
            }
            return step + 1 >= steps ? 'stop' : undefined;
          },
        },
      ],
    });
  } catch (e) {
    // A loss that became NaN/Inf is the divergence itself (past the last recorded step).
    if (!(lrs.length >= 2 && /training loss became/.test((e as Error).message))) throw e;
    diverged = true;
  } finally {
    net.model.setWeights(saved);
    tf.dispose(saved);
    dropouts.forEach((l, i) => {
      l.calls = calls[i];
    });
  }
  return { lrs, losses, smoothed, ...lrSuggestions(lrs, smoothed), diverged, engine };
}
