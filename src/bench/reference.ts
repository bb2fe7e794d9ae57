/**
 * The bench's reference CNN and its synthetic data.
 *
 * The same model is built in Keras 3 by `bench/keras_bench.py` (and in PyTorch
 * there when torch is present): keep the two in step.
 */
import { tf } from '../backend';

/** A tfjs sequential model (type taken from `tf`, which comes from ../backend). */
export type SequentialModel = ReturnType<typeof tf.sequential>;
type Tensor4D = ReturnType<typeof tf.tensor4d>;
type Tensor1D = ReturnType<typeof tf.tensor1d>;

/** A one-line description of the reference model, recorded in every bench result. */
export const REFERENCE_CNN = 'conv32-conv32-pool-conv64-pool-dense128-dense10 on 28x28x1; relu, 3x3 valid convs, 2x2 max pools, softmax';

/** Input shape of one sample (height, width, channels). */
export const REFERENCE_INPUT_SHAPE: [number, number, number] = [28, 28, 1];

/** Number of classes of the reference CNN's output. */
export const REFERENCE_CLASSES = 10;

/** Options of {@link buildReferenceCnn}. */
export interface ReferenceCnnArgs {
  /** Seed of the weight initialisers, so that two builds start equal. Default 42. */
  seed?: number;
}

/**
 * Build the reference CNN (uncompiled): conv32-conv32-pool-conv64-pool-dense128-dense10.
 *
 * @param args options; see {@link ReferenceCnnArgs}
 * @returns a fresh `tf.Sequential` with 234,282 parameters; the caller disposes it
 * @example
 * const model = buildReferenceCnn();
 * model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
 * model.dispose();
 */
export function buildReferenceCnn(args: ReferenceCnnArgs = {}): SequentialModel {
  const seed = args.seed ?? 42;
  // Distinct seeds per layer: the same seed would give every kernel the same pattern.
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seed + i });
  const conv = (filters: number, i: number, inputShape?: number[]) =>
    tf.layers.conv2d({ filters, kernelSize: 3, padding: 'valid', activation: 'relu', kernelInitializer: init(i), inputShape });
  return tf.sequential({
    name: 'reference_cnn',
    layers: [
      conv(32, 0, REFERENCE_INPUT_SHAPE),
      conv(32, 1),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(64, 2),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(3) }),
      tf.layers.dense({ units: REFERENCE_CLASSES, activation: 'softmax', kernelInitializer: init(4) }),
    ],
  });
}

/** In-memory synthetic samples for the bench: `xs` in [0, 1), `ys` integer labels 0..9 (float32). */
export interface SyntheticData {
  /** Inputs, shape [n, 28, 28, 1]. */
  xs: Tensor4D;
  /** Sparse labels, shape [n]. */
  ys: Tensor1D;
}

/** A small deterministic PRNG (mulberry32): the labels do not depend on tfjs's RNG. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random but seeded data for the reference CNN (the same seed gives the same tensors).
 *
 * @param n number of samples
 * @param seed random seed (default 42)
 * @returns `{xs, ys}`; the caller disposes both
 * @example
 * const { xs, ys } = syntheticData(128);
 * xs.dispose(); ys.dispose();
 */
export function syntheticData(n: number, seed = 42): SyntheticData {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`syntheticData: n must be a positive integer, got ${n}`);
  const rand = mulberry32(seed);
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) labels[i] = Math.floor(rand() * REFERENCE_CLASSES);
  return {
    xs: tf.randomUniform([n, ...REFERENCE_INPUT_SHAPE], 0, 1, 'float32', seed) as Tensor4D,
    ys: tf.tensor1d(labels, 'float32'),
  };
}
