/**
 * Timing of tfjs training and inference: warm up, time a few repeats, report the median.
 *
 * The low-level verbs ({@link measureTraining}, {@link measureInference}) take any
 * compiled model and data, so later bench cases (fine-tuning a backbone, a head on
 * cached features) reuse them; {@link measureTfjsReference} is the reference-CNN case.
 */
import { performance } from 'perf_hooks';
import { tf } from '../backend';
import { predictor } from '../graph/predict';
import { buildReferenceCnn, syntheticData } from './reference';

type LayersModel = ReturnType<typeof tf.sequential> | ReturnType<typeof tf.model>;
type Tensor = ReturnType<typeof tf.tensor>;

/** The timing of one measured phase. */
export interface Timing {
  /** Throughput: samples per repeat / median repeat time (samples per second). */
  sps: number;
  /** Wall time of each timed repeat, in seconds. */
  times_s: number[];
  /** Samples processed per repeat. */
  samples: number;
}

/** How long and how often to time; shared by every measurement. */
export interface TimingArgs {
  /** Samples per batch. Default 64. */
  batch?: number;
  /** Timed repeats; the median is reported. Default 5. */
  repeats?: number;
}

/**
 * The median of a non-empty list of numbers.
 *
 * @example
 * median([3, 1, 2]); // 2
 */
export function median(values: number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Run `fn` `repeats` times and time each call (wall clock, awaited).
 *
 * @returns the times in seconds
 * @example
 * const times = await timeRepeats(() => model.predict(xs), 3);
 */
export async function timeRepeats(fn: () => unknown, repeats: number): Promise<number[]> {
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`repeats must be a positive integer, got ${repeats}`);
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    times.push((performance.now() - t0) / 1000);
  }
  return times;
}

function timing(samples: number, times: number[]): Timing {
  return { sps: samples / median(times), times_s: times, samples };
}

/** Options of {@link measureTraining}. */
export interface TrainingArgs extends TimingArgs {
  /** Batches run once, untimed, before timing (allocations, kernel selection). Default 3. */
  warmupSteps?: number;
}

/**
 * Training throughput of a compiled model: `fit` for one epoch over `xs`/`ys`
 * (no shuffling), after a warm-up `fit` on the first `warmupSteps` batches.
 *
 * Each repeat trains the same weights further: fine for throughput, not for accuracy.
 * `xs.shape[0]` should be a multiple of `batch` so that every batch has the same shape.
 *
 * @param model a compiled model (the caller keeps ownership)
 * @param xs inputs
 * @param ys targets
 * @param args batch, repeats, warm-up; see {@link TrainingArgs}
 * @returns samples per second of the median repeat, and the raw times
 * @example
 * const t = await measureTraining(model, xs, ys, { batch: 64, repeats: 3 });
 * console.log(t.sps);
 */
export async function measureTraining(model: LayersModel, xs: Tensor, ys: Tensor, args: TrainingArgs = {}): Promise<Timing> {
  const batch = args.batch ?? 64;
  const warmupSteps = args.warmupSteps ?? 3;
  const n = xs.shape[0];
  const fit = (x: Tensor, y: Tensor) => model.fit(x, y, { batchSize: batch, epochs: 1, shuffle: false, verbose: 0 });
  if (warmupSteps > 0) {
    const m = Math.min(n, warmupSteps * batch);
    const [wx, wy] = [xs.slice(0, m), ys.slice(0, m)];
    try {
      await fit(wx, wy);
    } finally {
      wx.dispose();
      wy.dispose();
    }
  }
  const times = await timeRepeats(() => fit(xs, ys), args.repeats ?? 5);
  return timing(n, times);
}

/**
 * Inference throughput: `predict` over `xs` in batches, reading the result back
 * (as Keras's `predict` returns host memory), after one untimed warm-up call.
 *
 * @param model any model (the caller keeps ownership)
 * @param xs inputs
 * @param args batch, repeats; see {@link TimingArgs}
 * @returns samples per second of the median repeat, and the raw times
 * @example
 * const t = await measureInference(model, xs, { batch: 64 });
 */
export async function measureInference(model: LayersModel, xs: Tensor, args: TimingArgs = {}): Promise<Timing> {
  const batch = args.batch ?? 64;
  return timeReads(xs.shape[0], args.repeats ?? 5, () => readOut(model.predict(xs, { batchSize: batch }) as Tensor));
}

/** Read a result (the wait for the computation) and dispose it. */
async function readOut(out: Tensor): Promise<void> {
  try {
    await out.data();
  } finally {
    out.dispose();
  }
}

/** One warm-up call, then `repeats` timed calls of `once` over `n` samples. */
async function timeReads(n: number, repeats: number, once: () => Promise<void>): Promise<Timing> {
  await once();
  return timing(n, await timeRepeats(once, repeats));
}

/**
 * Inference throughput of the library's prediction path (`predictor`: the compiled
 * forward graph when the model is supported), batch by batch with each result read, as
 * `evaluateSource`/`predictProbs` run it. Each repeat is one call (weights copied in).
 *
 * @example
 * const t = await measureLibraryInference(model, xs, { batch: 64, repeats: 3 });
 */
export async function measureLibraryInference(model: LayersModel, xs: Tensor, args: TimingArgs = {}): Promise<Timing> {
  const batch = args.batch ?? 64;
  const n = xs.shape[0];
  return timeReads(n, args.repeats ?? 5, async () => {
    const predict = predictor(model);
    for (let s = 0; s < n; s += batch) await readOut(tf.tidy(() => predict(xs.slice(s, Math.min(batch, n - s)))));
  });
}

/** Options of {@link measureTfjsReference}; defaults are the full bench's. */
export interface ReferenceBenchArgs extends TrainingArgs {
  /** Batches per timed training repeat. Default 20. */
  trainSteps?: number;
  /** Batches per timed inference repeat. Default 40. */
  inferSteps?: number;
  /** Seed of the data and the initial weights. Default 42. */
  seed?: number;
  /** Adam's learning rate. Default 1e-3 (Keras's default). */
  learningRate?: number;
}

/** What {@link measureTfjsReference} measured. */
export interface ReferenceMeasurement {
  train: Timing;
  infer: Timing;
  /** The library's inference path on the same model and data (see {@link measureLibraryInference}). */
  libraryInfer: Timing;
  /** Parameters of the model (234,282 for the reference CNN). */
  params: number;
}

/**
 * Train and inference throughput of the reference CNN with tfjs: Adam, sparse
 * categorical cross-entropy, seeded random data held in memory. Leaves no tensors.
 *
 * @param args sizes and seed; see {@link ReferenceBenchArgs}
 * @example
 * const m = await measureTfjsReference({ trainSteps: 5, repeats: 2 });
 * console.log(m.train.sps, m.infer.sps);
 */
export async function measureTfjsReference(args: ReferenceBenchArgs = {}): Promise<ReferenceMeasurement> {
  const batch = args.batch ?? 64;
  const trainSteps = args.trainSteps ?? 20;
  const inferSteps = args.inferSteps ?? 40;
  const seed = args.seed ?? 42;
  for (const [k, v] of Object.entries({ batch, trainSteps, inferSteps })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${k} must be a positive integer, got ${v}`);
  }
  const nTrain = batch * trainSteps;
  const nInfer = batch * inferSteps;
  const data = syntheticData(Math.max(nTrain, nInfer), seed);
  const model = buildReferenceCnn({ seed });
  const optimizer = tf.train.adam(args.learningRate ?? 1e-3);
  const tensors: Tensor[] = [data.xs, data.ys];
  try {
    model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
    const xTrain = tf.tidy(() => data.xs.slice(0, nTrain));
    const yTrain = tf.tidy(() => data.ys.slice(0, nTrain));
    const xInfer = tf.tidy(() => data.xs.slice(0, nInfer));
    tensors.push(xTrain, yTrain, xInfer);
    const train = await measureTraining(model, xTrain, yTrain, { ...args, batch });
    const infer = await measureInference(model, xInfer, { batch, repeats: args.repeats });
    const libraryInfer = await measureLibraryInference(model, xInfer, { batch, repeats: args.repeats });
    return { train, infer, libraryInfer, params: model.countParams() };
  } finally {
    model.dispose();
    // An optimizer passed as an object is not owned by the model: dispose its slots here.
    optimizer.dispose();
    tensors.forEach((t) => t.dispose());
  }
}
