/**
 * Bench cases that time the library's own training loop (`train`, as the strategies
 * use it) rather than tfjs's `fit`:
 *
 * - the reference CNN trained by the library loop;
 * - full fine-tuning of the bundled `fashion-cnn` backbone (every group unfrozen,
 *   BatchNorm statistics kept, as `fineTune` does), on real Fashion-MNIST images;
 * - the same model's head trained on cached features, for the cached-head speedup;
 * - full fine-tuning and inference of EfficientNet-Lite0 (ImageNet backbone, 10-way head).
 */
import { performance } from 'perf_hooks';
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { loadBackbone } from '../backbone/zoo';
import { ImageDataset } from '../data/dataset';
import { loadFashionMnist } from '../data/fashion';
import { unfreeze, setBatchNormMode } from '../transfer/freeze';
import { cut } from '../transfer/head';
import { extractFeatures } from '../transfer/features';
import { linearProbe } from '../transfer/finetune';
import { Net, trainableParams } from '../transfer/net';
import { train } from '../train/loop';
import { trainStepUnsupported } from '../graph/trainer';
import { BatchSource, imageSource } from '../train/source';
import { median, Timing, measureLibraryInference } from './measure';
import { buildEfficientNetLite0, loadEfficientNetLite0 } from '../backbone/efficientnet';
import { withHead } from '../transfer/head';
import { buildReferenceCnn, syntheticData } from './reference';

/** Sizes of a loop case: `steps` batches of `batch` per timed repeat. */
export interface LoopCaseArgs {
  batch: number;
  steps: number;
  repeats: number;
  warmupSteps: number;
  seed: number;
}

/**
 * Time the library loop: one `train()` epoch over the source per repeat (no shuffling),
 * after a warm-up epoch over the first `warmupSteps` batches.
 *
 * @example
 * const t = await timeLoop(net, src, { batch: 64, steps: 20, repeats: 3, warmupSteps: 2, seed: 0 });
 */
export async function timeLoop(net: Net, src: BatchSource, args: LoopCaseArgs, learningRate = 1e-3): Promise<Timing & { engine: 'graph' | 'eager' }> {
  // The compiled step whenever the net has one: engine 'auto' would run runs this short eager
  // (AUTO_COMPILE_MIN_STEPS); the bench times the steady-state loop, compiled in the warm-up.
  const engine0 = trainStepUnsupported(net.model, { numClasses: src.numClasses }) ? 'auto' : 'graph';
  const run = (s: BatchSource) => train(net, s, { epochs: 1, batchSize: args.batch, shuffle: false, learningRate, seed: args.seed, engine: engine0 });
  if (args.warmupSteps > 0) await run(subset(src, Math.min(src.count, args.warmupSteps * args.batch)));
  const times: number[] = [];
  let engine: 'graph' | 'eager' = 'eager';
  for (let r = 0; r < args.repeats; r++) {
    const t0 = performance.now();
    const h = await run(src);
    times.push((performance.now() - t0) / 1000);
    engine = h.engine ?? 'eager';
  }
  return { sps: src.count / median(times), times_s: times, samples: src.count, engine };
}

function subset(src: BatchSource, n: number): BatchSource {
  return { ...src, count: n, labels: src.labels.subarray(0, n), batch: (idx, rng) => src.batch(idx, rng) };
}

/** A batch source over in-memory tensors (sliced per batch; the caller keeps xs/ys). */
function tensorSource(xs: tfn.Tensor, ys: tfn.Tensor1D, numClasses: number): BatchSource {
  const labels = Uint8Array.from(ys.dataSync());
  return {
    count: xs.shape[0],
    labels,
    numClasses,
    inputShape: xs.shape.slice(1),
    batch(indices) {
      const idx = tf.tensor1d(Int32Array.from(indices), 'int32');
      try {
        return { xs: tf.gather(xs, idx), ys: tf.gather(ys, idx) as tfn.Tensor1D };
      } finally {
        idx.dispose();
      }
    },
  };
}

/**
 * The reference CNN (see `reference.ts`) trained by the library loop with Adam(1e-3):
 * what a user's `train()` call costs, to set against `fit` and Keras.
 *
 * @example
 * const t = await measureReferenceLoop({ batch: 64, steps: 20, repeats: 3, warmupSteps: 2, seed: 42 });
 */
export async function measureReferenceLoop(args: LoopCaseArgs): Promise<Timing & { engine: 'graph' | 'eager' }> {
  const n = args.batch * args.steps;
  const data = syntheticData(n, args.seed);
  const ys = tf.tidy(() => data.ys.toInt()) as tfn.Tensor1D;
  const model = buildReferenceCnn({ seed: args.seed });
  const names = model.layers.map((l) => l.name);
  const net: Net = {
    model,
    classNames: Array.from({ length: 10 }, (_, i) => String(i)),
    origin: 'bench:reference',
    preprocessing: { height: 28, width: 28, channels: 1 },
    groups: [
      { name: 'body', layers: names.slice(0, -1) },
      { name: 'head', layers: names.slice(-1) },
    ],
  };
  try {
    return await timeLoop(net, tensorSource(data.xs, ys, 10), args);
  } finally {
    model.dispose();
    data.xs.dispose();
    data.ys.dispose();
    ys.dispose();
  }
}

/** What {@link measureTransferCases} measured on the bundled backbone. */
export interface TransferCases {
  /** The backbone timed. */
  backbone: string;
  /** Full fine-tuning (all groups trainable, BatchNorm in inference mode), library loop. */
  finetune: Timing & { engine: 'graph' | 'eager' };
  /** Head (linear classifier on the 256-d `features` cut) trained on cached features, library loop. */
  cachedHead: Timing;
  /** One-off cost of computing the cached features of the same images, samples/s. */
  extractSps: number;
  /** Trainable parameters of the fine-tuned model. */
  params: number;
}

/** Real Fashion-MNIST test images (the first n), or seeded noise when the data set is absent. */
function benchImages(n: number, seed: number): ImageDataset {
  try {
    const ds = loadFashionMnist('test');
    const m = Math.min(n, ds.count);
    const size = ds.height * ds.width * ds.channels;
    return { ...ds, name: `${ds.name}[:${m}]`, images: ds.images.subarray(0, m * size), labels: ds.labels.subarray(0, m), count: m };
  } catch {
    let s = seed >>> 0;
    const rnd = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s;
    };
    return {
      name: 'noise',
      images: Uint8Array.from({ length: n * 784 }, () => rnd() & 255),
      labels: Uint8Array.from({ length: n }, () => rnd() % 10),
      count: n,
      height: 28,
      width: 28,
      channels: 1,
      classNames: Array.from({ length: 10 }, (_, i) => String(i)),
      source: 'seeded noise',
    };
  }
}

/**
 * Full fine-tuning of the bundled `fashion-cnn` vs its head trained on cached features,
 * both with the library loop, on the same images: the speedup a frozen, cached body buys.
 *
 * @example
 * const c = await measureTransferCases({ batch: 64, steps: 20, repeats: 3, warmupSteps: 2, seed: 0 });
 * console.log(c.cachedHead.sps / c.finetune.sps);
 */
export async function measureTransferCases(args: LoopCaseArgs): Promise<TransferCases> {
  const ds = benchImages(args.batch * args.steps, args.seed);
  const net = await loadBackbone('fashion-cnn');
  try {
    unfreeze(net);
    setBatchNormMode(net, 'inference');
    const finetune = await timeLoop(net, imageSource(ds, net.preprocessing), args, 1e-4);
    const body = cut(net, 'features');
    const t0 = performance.now();
    const feats = await extractFeatures(body, ds, { cache: 'none' });
    const extractSps = ds.count / ((performance.now() - t0) / 1000);
    // The head's epoch time as its own history records it: one probe, warm-up epoch first.
    const { net: probe, history } = await linearProbe(feats, { epochs: args.repeats + 1, batchSize: args.batch, shuffle: false, seed: args.seed });
    probe.model.dispose();
    const epochTimes = history.epochs.slice(1).map((e) => Math.max(e.seconds, 1e-3));
    const cachedHead: Timing = { sps: ds.count / median(epochTimes), times_s: epochTimes, samples: ds.count };
    return { backbone: 'fashion-cnn', finetune, cachedHead, extractSps, params: net.model.countParams() };
  } finally {
    net.model.dispose();
  }
}

/** Sizes of the Lite0 case: the loop sizes plus inference batches and the input size. */
export interface Lite0CaseArgs extends LoopCaseArgs {
  /** Batches per timed inference repeat. */
  inferSteps: number;
  /** Input height and width. Default 96. */
  size?: number;
}

/**
 * What a model case (Lite0, text) measured: the library loop's full fine-tuning and its
 * predictor on one model; `W` names the weights it could load.
 *
 * @example
 * const c: ModelCase<'imagenet' | 'random'> = await measureLite0(LITE0_ARGS);
 */
export interface ModelCase<W extends string> {
  batch: number;
  /** The pretrained weights when they were there, else 'random' (same speed). */
  weights: W;
  /** Trainable parameters. */
  params: number;
  /** Full fine-tuning (every group trainable), library loop. */
  train: Timing & { engine: 'graph' | 'eager' };
  /** The library's prediction path (`predictor`). */
  infer: Timing;
}

/**
 * The pretrained net when `load` succeeds, else `random()`'s net of the same architecture
 * (the same speed), with which weights it got.
 *
 * @example
 * const { net, weights } = await pretrainedOrRandom(() => loadTextEncoder('all-minilm-l6-v2'), () => buildTextEncoder(MINILM_L6_CONFIG), 'pretrained');
 */
export async function pretrainedOrRandom<W extends string>(
  load: () => Promise<Net>,
  random: () => Net,
  pretrained: W,
): Promise<{ net: Net; weights: W | 'random' }> {
  try {
    return { net: await load(), weights: pretrained };
  } catch {
    return { net: random(), weights: 'random' };
  }
}

/** What {@link measureLite0} measured (full fine-tuning with BatchNorm in inference mode, Adam 1e-4). */
export interface Lite0Case extends ModelCase<'imagenet' | 'random'> {
  size: number;
}

/**
 * EfficientNet-Lite0 with a 10-way head on the pooled features, fully fine-tuned by the
 * library loop and run by the library's predictor, on seeded random images: what
 * fine-tuning the ImageNet backbone costs, against PyTorch (the reference model) and
 * Keras (the same architecture) in bench/keras_bench.py --model lite0.
 *
 * @example
 * const c = await measureLite0({ batch: 32, steps: 4, inferSteps: 4, repeats: 3, warmupSteps: 1, seed: 42, size: 96 });
 */
export async function measureLite0(args: Lite0CaseArgs): Promise<Lite0Case> {
  const size = args.size ?? 96;
  const { net: body, weights } = await pretrainedOrRandom(
    () => loadEfficientNetLite0({ inputSize: size }),
    () => {
      const model = buildEfficientNetLite0({ inputSize: size, seed: args.seed });
      return {
        model,
        groups: [{ name: 'body', layers: model.layers.slice(1).map((l) => l.name) }],
        classNames: [],
        preprocessing: { height: size, width: size, channels: 3 },
        origin: 'bench:lite0',
      };
    },
    'imagenet',
  );
  const net = withHead(body, { cutAt: 'avg_pool', classes: 10, seed: args.seed });
  const n = args.batch * Math.max(args.steps, args.inferSteps);
  const xs = tf.randomUniform([n, size, size, 3], -2, 2, 'float32', args.seed);
  const ys = tf.tensor1d(
    Int32Array.from({ length: n }, (_, i) => (i * 7 + args.seed) % 10),
    'int32',
  );
  try {
    unfreeze(net);
    setBatchNormMode(net, 'inference');
    const nTrain = args.batch * args.steps;
    const trainXs = xs.slice(0, nTrain);
    const trainYs = ys.slice(0, nTrain);
    try {
      const train = await timeLoop(net, tensorSource(trainXs, trainYs, 10), args, 1e-4);
      const inferXs = xs.slice(0, args.batch * args.inferSteps);
      try {
        const infer = await measureLibraryInference(net.model, inferXs, { batch: args.batch, repeats: args.repeats });
        return { size, batch: args.batch, weights, params: trainableParams(net.model), train, infer };
      } finally {
        inferXs.dispose();
      }
    } finally {
      tf.dispose([trainXs, trainYs]);
    }
  } finally {
    tf.dispose([xs, ys]);
    // The head model shares the body's layers but not its ImageNet classifier: free the
    // body (all its layers), then the head's own layers.
    const bodyLayers = new Set(body.model.layers);
    body.model.dispose();
    for (const l of net.model.layers) if (!bodyLayers.has(l)) l.dispose();
  }
}
