/**
 * The transfer strategies compared by an experiment, each one run of training built from
 * the library's verbs: from scratch, a linear probe on cached features, a new head on a
 * frozen backbone, full fine-tuning, and gradual unfreezing with discriminative rates.
 *
 * Every run starts from its own copy of the pristine backbone (heads share weights with
 * their backbone, so training one would change the next run's starting point), records
 * a validation curve at a few epochs, and is evaluated once on a fixed test set.
 */
import { tf } from '../backend';
import { predictor } from '../graph/predict';
import type * as tfn from '@tensorflow/tfjs-node';
import { ImageDataset, imageSize } from '../data/dataset';
import { Net, checkNet, checkModel, getLayer } from '../transfer/net';
import { patchBatchNorm, markChanged, freeze, setBatchNormMode } from '../transfer/freeze';
import { cut, withHead } from '../transfer/head';
import { extractFeatures } from '../transfer/features';
import { scratch, linearProbe, fineTune, gradualUnfreeze } from '../transfer/finetune';
import { BatchSource, FeatureSet, featureSource, imageSource } from '../train/source';
import { train, evaluateSource } from '../train/loop';
import { Callback, EpochLogs, History } from '../train/history';
import { Schedule } from '../train/schedule';

/** The strategies an experiment can compare. */
export type StrategyName = 'scratch' | 'linear-probe' | 'head' | 'fine-tune' | 'gradual';

/**
 * Every strategy, in the order charts and tables list them, with a one-line description.
 *
 * @example
 * STRATEGIES.gradual; // 'gradual unfreezing, ...'
 */
export const STRATEGIES: Record<StrategyName, string> = {
  scratch: 'same architecture as the fine-tuned net, fresh seeded weights, every layer trained (the baseline)',
  'linear-probe': 'softmax regression on features cached once from the frozen backbone',
  head: 'new classifier head on the frozen backbone, trained on images',
  'fine-tune': 'train the new head, then unfreeze everything with discriminative rates (fineTune)',
  gradual: 'gradual unfreezing, one layer group per stage, discriminative rates, slanted triangular schedule',
};

/**
 * The strategy names, in display order.
 *
 * @example
 * STRATEGY_NAMES[0]; // 'scratch'
 */
export const STRATEGY_NAMES = Object.keys(STRATEGIES) as StrategyName[];

/** The head put on the backbone by every strategy but the linear probe. */
export interface HeadSpec {
  /** Units of a hidden dense layer; default 0 (none). */
  hidden?: number;
  /** Dropout before the classifier; default 0.2. */
  dropout?: number;
}

/** What one run needs. */
export interface RunContext {
  /** The pristine backbone: copied for every run, never trained itself. */
  backbone: Net;
  /** The backbone layer the head goes on (and features are read from). */
  cutAt: string;
  /** The (k-shot) training set. */
  train: ImageDataset;
  /** Evaluated at a few epochs for the training curves and time-to-accuracy. */
  validation: ImageDataset;
  /** The fixed test set of the final numbers. */
  test: ImageDataset;
  /** Seed of the head, initial weights (scratch), shuffling and dropout. */
  seed: number;
  /** Epochs of training (all stages together). */
  epochs: number;
  batchSize: number;
  /** Peak learning rate of the head group. */
  learningRate: number;
  head: HeadSpec;
  /** Evaluate the validation set at about this many epochs (always the last). */
  curvePoints: number;
  /** Also return the trained net's features of the first `featurePoints` test images (for PCA). */
  featurePoints?: number;
}

/** What one run produced. */
export interface RunOutcome {
  /** Training history; epoch times and samples are cumulative over stages and exclude validation. */
  history: History;
  /** Test-set probabilities, row-major (test.count x classes). */
  probs: Float32Array;
  /** Trainable parameters at the start of training (the head stage for staged strategies). */
  trainableParams: number;
  /** Features of the trained net at `cutAt` for the first test images, when `featurePoints` was set. */
  features?: FeatureSet;
}

/**
 * A copy of a net with its own layers and weights (same topology, same values), so a run
 * can train it without touching the original.
 *
 * @example
 * const copy = await cloneNet(backbone);
 */
export async function cloneNet(net: Net): Promise<Net> {
  checkNet(net, 'cloneNet');
  type ModelJson = Parameters<typeof tf.models.modelFromJSON>[0];
  const topology = net.model.toJSON(undefined, false);
  const model = await tf.models.modelFromJSON({ modelTopology: topology } as unknown as ModelJson);
  model.setWeights(net.model.getWeights());
  for (const l of model.layers) l.trainable = net.model.getLayer(l.name).trainable;
  patchBatchNorm(model);
  markChanged(model);
  return { ...net, model, groups: net.groups.map((g) => ({ ...g, layers: [...g.layers] })) };
}

/**
 * Free the weights of models that may share layers (a head net and its backbone, a cut):
 * each layer is disposed once, whichever models use it.
 *
 * @example
 * disposeModels(headNet.model, backbone.model);
 */
export function disposeModels(...models: tfn.LayersModel[]): void {
  models.forEach((m, i) => checkModel(m, `disposeModels (argument ${i + 1})`));
  const seen = new Set<unknown>();
  for (const m of models) {
    for (const layer of m.layers) {
      if (seen.has(layer)) continue;
      seen.add(layer);
      const l = layer as unknown as { _refCount: number | null; dispose(): unknown };
      while (typeof l._refCount === 'number' && l._refCount > 0) l.dispose();
    }
  }
}

/**
 * Class probabilities of a net for every example of a batch source, in inference mode.
 *
 * @returns row-major probabilities, count x numClasses
 * @example
 * const probs = await predictProbs(net, imageSource(test, net.preprocessing));
 */
export async function predictProbs(net: Net, src: BatchSource, batchSize = 256): Promise<Float32Array> {
  checkNet(net, 'predictProbs');
  // 0 or a negative size would loop forever.
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`predictProbs: batchSize must be a positive integer, got ${batchSize}. Fix: pass e.g. 256, or leave it out.`);
  const k = src.numClasses;
  const out = new Float32Array(src.count * k);
  const idx = Int32Array.from({ length: src.count }, (_, i) => i);
  const predict = predictor(net.model);
  for (let s = 0; s < src.count; s += batchSize) {
    const { xs, ys } = src.batch(idx.subarray(s, Math.min(src.count, s + batchSize)));
    const p = tf.tidy(() => predict(xs));
    out.set((await p.data()) as Float32Array, s * k);
    tf.dispose([xs, ys, p]);
  }
  return out;
}

/**
 * The epochs (0-based) at which to evaluate: about `points` evenly spaced, always the last.
 *
 * @example
 * [...evalEpochs(10, 4)]; // [2, 4, 7, 9]
 */
export function evalEpochs(epochs: number, points: number): Set<number> {
  if (!Number.isInteger(epochs) || epochs < 1 || !Number.isInteger(points) || points < 1) throw new Error(`evalEpochs(${epochs}, ${points}): epochs and points must be positive integers. Fix: pass e.g. evalEpochs(10, 4).`);
  const out = new Set<number>();
  const p = Math.max(1, Math.min(points, epochs));
  for (let i = 1; i <= p; i++) out.add(Math.round((i * epochs) / p) - 1);
  return out;
}

/**
 * A callback that keeps one clock and one sample count across the stages of a run,
 * excluding the time spent evaluating, and evaluates the validation set at chosen epochs.
 */
export function recorder(validation: BatchSource, at: Set<number>, perEpoch: number, t0: number, evalBatchSize?: number): Callback {
  let evalSeconds = 0;
  let epochsDone = 0;
  return {
    async onEpochEnd(epoch: number, logs: EpochLogs, net: Net) {
      epochsDone++;
      logs.samplesSeen = epochsDone * perEpoch;
      logs.wallSeconds = (Date.now() - t0) / 1000 - evalSeconds;
      if (at.has(epoch)) {
        const t = Date.now();
        Object.assign(logs, await evaluateSource(net, validation, evalBatchSize ? { batchSize: evalBatchSize } : {}));
        evalSeconds += (Date.now() - t) / 1000;
      }
    },
  };
}

/** Set a run's history totals (wall time, samples) from its last epoch, as recorded by {@link recorder}. */
export function finish(h: History): History {
  const last = h.epochs[h.epochs.length - 1];
  if (last) { h.wallSeconds = last.wallSeconds; h.samplesSeen = last.samplesSeen; }
  return h;
}

/**
 * Run one strategy: copy the backbone, build and train the net, evaluate it on the test
 * set, free every tensor it made.
 *
 * @example
 * const out = await runStrategy('fine-tune', { backbone, cutAt: 'features', train, validation, test, seed: 0, epochs: 10, batchSize: 32, learningRate: 3e-3, head: {}, curvePoints: 8 });
 */
export async function runStrategy(name: StrategyName, ctx: RunContext): Promise<RunOutcome> {
  if (!(name in STRATEGIES)) throw new Error(`unknown strategy '${name}'. Known: ${STRATEGY_NAMES.join(', ')}`);
  checkNet(ctx?.backbone, 'runStrategy (ctx.backbone)');
  getLayer(ctx.backbone.model, ctx.cutAt); // before any copy exists, so a bad name leaves nothing behind
  const classes = ctx.train.classNames.length;
  const at = evalEpochs(ctx.epochs, ctx.curvePoints);
  const common = { batchSize: ctx.batchSize, learningRate: ctx.learningRate, seed: ctx.seed };
  const t0 = Date.now();
  if (name === 'linear-probe') {
    const body = cut(ctx.backbone, ctx.cutAt);
    const trainF = await extractFeatures(body, ctx.train);
    const valF = await extractFeatures(body, ctx.validation);
    const testF = await extractFeatures(body, ctx.test);
    const { net, history } = await linearProbe(trainF, {
      ...common, epochs: ctx.epochs, schedule: 'one-cycle',
      callbacks: [recorder(featureSource(valF), at, trainF.count, t0)],
    });
    try {
      const probs = await predictProbs(net, featureSource(testF));
      return { history: finish(history), probs, trainableParams: history.trainableParams };
    } finally {
      disposeModels(net.model);
    }
  }
  const base = await cloneNet(ctx.backbone);
  const headed = withHead(base, { cutAt: ctx.cutAt, classes, classNames: ctx.train.classNames, hidden: ctx.head.hidden ?? 0, dropout: ctx.head.dropout ?? 0.2, seed: ctx.seed });
  const models = [headed.model, base.model];
  try {
    let net = headed;
    if (name === 'scratch') {
      net = await scratch(headed, ctx.seed);
      models.push(net.model);
    }
    const src = imageSource(ctx.train, net.preprocessing);
    const rec = recorder(imageSource(ctx.validation, net.preprocessing), at, ctx.train.count, t0);
    let history: History;
    if (name === 'scratch') {
      // BatchNorm in inference mode, as for fine-tuning: with a few dozen steps the moving
      // statistics of 'train' mode would stay near their initial values and the test-time
      // net would differ from the trained one. Here train and test compute the same function.
      setBatchNormMode(net, 'inference');
      history = await train(net, src, { ...common, epochs: ctx.epochs, schedule: 'one-cycle', callbacks: [rec] });
    } else if (name === 'head') {
      setBatchNormMode(net, 'inference');
      freeze(net);
      history = await train(net, src, { ...common, epochs: ctx.epochs, schedule: 'one-cycle', callbacks: [rec] });
    } else if (name === 'fine-tune') {
      const headEpochs = Math.max(1, Math.round(ctx.epochs / 4));
      history = await fineTune(net, src, { ...common, headEpochs, epochs: ctx.epochs - headEpochs, callbacks: [rec] });
    } else {
      const stages = net.groups.length;
      const per = Math.max(1, Math.floor(ctx.epochs / stages));
      const usable = Math.min(stages, Math.max(1, Math.floor(ctx.epochs / per)));
      history = await gradualUnfreeze(net, src, { ...common, schedule: 'slanted-triangular', epochsPerStage: per, stages: usable, finalEpochs: ctx.epochs - per * usable, callbacks: [rec] });
    }
    const probs = await predictProbs(net, imageSource(ctx.test, net.preprocessing));
    let features: FeatureSet | undefined;
    if (ctx.featurePoints) {
      const n = Math.min(ctx.featurePoints, ctx.test.count);
      const sample: ImageDataset = { ...ctx.test, count: n, images: ctx.test.images.subarray(0, n * imageSize(ctx.test)), labels: ctx.test.labels.subarray(0, n) };
      features = await extractFeatures(cut(net, ctx.cutAt), sample, { cache: 'none' });
    }
    return { history: finish(history), probs, trainableParams: history.trainableParams, features };
  } finally {
    disposeModels(...models);
  }
}
