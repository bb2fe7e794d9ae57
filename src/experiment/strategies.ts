/**
 * The transfer strategies compared by an experiment, each one run of training built from
 * the library's verbs: from scratch, a linear probe on cached features, a new head on a
 * frozen backbone, full fine-tuning, and gradual unfreezing with discriminative rates.
 *
 * One runner serves every data kind: what differs between images and texts (batch
 * sources, features, BatchNorm mode or token table, batch sizes) comes from the run's
 * {@link Modality} (./modality.ts). Every run starts from its own copy of the pristine
 * backbone (heads share weights with their backbone, so training one would change the next
 * run's starting point), records a validation curve at a few epochs, and is evaluated once
 * on a fixed test set.
 */
import { tf } from '../backend';
import { predictor } from '../graph/predict';
import type * as tfn from '@tensorflow/tfjs-node';
import { ImageDataset } from '../data/dataset';
import { LabelledSet } from '../data/split';
import { Net, checkNet, getLayer } from '../transfer/net';
import { freeze } from '../transfer/freeze';
import { cut, withHead } from '../transfer/head';
import { cloneNet, disposeModels } from '../transfer/clone';
import { scratch, linearProbe, fineTune, gradualUnfreeze } from '../transfer/finetune';
import { recomputeBatchNormStats, trainingModeBatchNorms } from '../transfer/batchnorm-stats';
import { BatchSource, FeatureSet, featureSource } from '../train/source';
import { train, evaluateSource } from '../train/loop';
import { Callback, EpochLogs, History } from '../train/history';
import { NetStrategyName, HeadSpec, checkStrategy, isBaseline } from './strategy-names';
import { Modality } from './modality';
import { imageModality } from './task';
import { checkPositiveInt } from '../util/args';

export { STRATEGIES, STRATEGY_NAMES, StrategyName, HeadSpec } from './strategy-names';
export { cloneNet, disposeModels } from '../transfer/clone';

/** What one run needs. */
export interface RunContext<D extends LabelledSet = ImageDataset> {
  /** The pristine backbone: copied for every run, never trained itself. */
  backbone: Net;
  /** The backbone layer the head goes on (and features are read from). */
  cutAt: string;
  /** The (k-shot) training set. */
  train: D;
  /** Evaluated at a few epochs for the training curves and time-to-accuracy. */
  validation: D;
  /** The fixed test set of the final numbers. */
  test: D;
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
  /** Also return the trained net's features of the first `featurePoints` test examples (for PCA). */
  featurePoints?: number;
  /** The data kind of `train`, `validation` and `test`. Default: images ({@link imageModality}). */
  modality?: Modality<D>;
}

/** What one run produced. */
export interface RunOutcome {
  /** Training history; epoch times and samples are cumulative over stages and exclude validation. */
  history: History;
  /** Test-set probabilities, row-major (test.count x classes). */
  probs: Float32Array;
  /** Trainable parameters at the start of training (the head stage for staged strategies). */
  trainableParams: number;
  /** Features of the trained net at `cutAt` for the first test examples, when `featurePoints` was set. */
  features?: FeatureSet;
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
  checkPositiveInt(batchSize, 'batchSize', { where: 'predictProbs', fix: 'pass e.g. 256, or leave it out.' });
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
  if (!Number.isInteger(epochs) || epochs < 1 || !Number.isInteger(points) || points < 1)
    throw new Error(`evalEpochs(${epochs}, ${points}): epochs and points must be positive integers. Fix: pass e.g. evalEpochs(10, 4).`);
  const out = new Set<number>();
  const p = Math.max(1, Math.min(points, epochs));
  for (let i = 1; i <= p; i++) out.add(Math.round((i * epochs) / p) - 1);
  return out;
}

/**
 * A callback that keeps one clock and one sample count across the stages of a run,
 * excluding the time spent evaluating, and evaluates the validation set at chosen epochs.
 * `beforeEval` (optional) runs before each evaluation, e.g. re-estimating BatchNorm
 * statistics: its time counts as evaluation, except at the last chosen epoch, where it
 * is part of making the final net and counts as training.
 *
 * @example
 * const rec = recorder(imageSource(validation, net.preprocessing), evalEpochs(10, 4), train.count, Date.now());
 */
export function recorder(
  validation: BatchSource,
  at: Set<number>,
  perEpoch: number,
  t0: number,
  evalBatchSize?: number,
  beforeEval?: (net: Net) => Promise<unknown>,
): Callback {
  let evalSeconds = 0;
  let epochsDone = 0;
  const last = Math.max(...at);
  return {
    async onEpochEnd(epoch: number, logs: EpochLogs, net: Net) {
      epochsDone++;
      logs.samplesSeen = epochsDone * perEpoch;
      if (at.has(epoch) && beforeEval) {
        const t = Date.now();
        await beforeEval(net);
        if (epoch !== last) evalSeconds += (Date.now() - t) / 1000;
      }
      logs.wallSeconds = (Date.now() - t0) / 1000 - evalSeconds;
      if (at.has(epoch)) {
        const t = Date.now();
        Object.assign(logs, await evaluateSource(net, validation, evalBatchSize ? { batchSize: evalBatchSize } : {}));
        evalSeconds += (Date.now() - t) / 1000;
      }
    },
  };
}

/**
 * Set a run's history totals (wall time, samples) from its last epoch, as recorded by
 * {@link recorder} (the trainer's own totals count each stage from zero).
 *
 * @example
 * totalsFromLastEpoch(history).wallSeconds;
 */
export function totalsFromLastEpoch(h: History): History {
  const last = h.epochs[h.epochs.length - 1];
  if (last) {
    h.wallSeconds = last.wallSeconds;
    h.samplesSeen = last.samplesSeen;
  }
  return h;
}

/** Indices 0..n-1. */
function firstN(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The linear probe: softmax regression on features read once from the cut backbone. */
async function runLinearProbe<D extends LabelledSet>(ctx: RunContext<D>, data: Modality<D>, at: Set<number>, t0: number): Promise<RunOutcome> {
  const body = cut(ctx.backbone, ctx.cutAt);
  const trainF = await data.features(body, ctx.train, 'memory');
  const valF = await data.features(body, ctx.validation, 'memory');
  const testF = await data.features(body, ctx.test, 'memory');
  const { net, history } = await linearProbe(trainF, {
    batchSize: ctx.batchSize,
    learningRate: ctx.learningRate,
    seed: ctx.seed,
    epochs: ctx.epochs,
    schedule: 'one-cycle',
    callbacks: [recorder(featureSource(valF), at, trainF.count, t0, data.validationBatchSize)],
  });
  try {
    const probs = await predictProbs(net, featureSource(testF));
    return { history: totalsFromLastEpoch(history), probs, trainableParams: history.trainableParams };
  } finally {
    disposeModels(net.model);
  }
}

/** Train a headed net the strategy's way (every strategy but the linear probe). */
async function trainByStrategy(name: NetStrategyName, net: Net, src: BatchSource, rec: Callback, ctx: RunContext<LabelledSet>): Promise<History> {
  const common = { batchSize: ctx.batchSize, learningRate: ctx.learningRate, seed: ctx.seed, callbacks: [rec] };
  if (name === 'scratch') return train(net, src, { ...common, epochs: ctx.epochs, schedule: 'one-cycle' });
  if (name === 'head') {
    freeze(net);
    return train(net, src, { ...common, epochs: ctx.epochs, schedule: 'one-cycle' });
  }
  if (name === 'fine-tune') {
    const headEpochs = Math.max(1, Math.round(ctx.epochs / 4));
    return fineTune(net, src, { ...common, headEpochs, epochs: ctx.epochs - headEpochs });
  }
  const stages = net.groups.length;
  const per = Math.max(1, Math.floor(ctx.epochs / stages));
  const usable = Math.min(stages, Math.max(1, Math.floor(ctx.epochs / per)));
  return gradualUnfreeze(net, src, { ...common, schedule: 'slanted-triangular', epochsPerStage: per, stages: usable, finalEpochs: ctx.epochs - per * usable });
}

/**
 * Run one strategy on any data kind: copy the backbone, build and train the net, evaluate
 * it on the test set, free every tensor it made.
 *
 * @example
 * const out = await runStrategy('fine-tune', { backbone, cutAt: 'features', train, validation, test, seed: 0, epochs: 10, batchSize: 32, learningRate: 3e-3, head: {}, curvePoints: 8 });
 */
export async function runStrategy<D extends LabelledSet = ImageDataset>(name: NetStrategyName, ctx: RunContext<D>): Promise<RunOutcome> {
  checkStrategy(name);
  if (isBaseline(name))
    throw new Error(
      `runStrategy: '${name}' is a baseline, not a net strategy; its task kind runs it (TaskKind.baselines). Fix: run it through a sweep of a task that offers it.`,
    );
  checkNet(ctx?.backbone, 'runStrategy (ctx.backbone)');
  getLayer(ctx.backbone.model, ctx.cutAt); // before any copy exists, so a bad name leaves nothing behind
  const data = (ctx.modality ?? imageModality) as Modality<D>;
  const at = evalEpochs(ctx.epochs, ctx.curvePoints);
  const t0 = Date.now();
  if (name === 'linear-probe') return runLinearProbe(ctx, data, at, t0);
  const base = await cloneNet(ctx.backbone);
  const headed = withHead(base, {
    cutAt: ctx.cutAt,
    classes: ctx.train.classNames.length,
    classNames: ctx.train.classNames,
    hidden: ctx.head.hidden ?? 0,
    dropout: ctx.head.dropout ?? data.headDropout,
    seed: ctx.seed,
  });
  const models: tfn.LayersModel[] = [headed.model, base.model];
  try {
    let net = headed;
    if (name === 'scratch') {
      net = await scratch(headed, ctx.seed);
      models.push(net.model);
    }
    data.prepare(net, name);
    const src = data.source(ctx.train, net);
    // Scratch trains BatchNorm in training mode (batch statistics): before each evaluation and
    // at the end, the moving statistics are re-estimated on the training data (precise BN), so
    // the evaluated net computes what was trained. Other arms keep the pretrained statistics.
    const preciseBn =
      name === 'scratch' && trainingModeBatchNorms(net.model).length > 0
        ? (n: Net) => recomputeBatchNormStats(n, src, { batchSize: ctx.batchSize, seed: ctx.seed })
        : undefined;
    const rec = recorder(data.source(ctx.validation, net), at, ctx.train.count, t0, data.validationBatchSize, preciseBn);
    const history = await trainByStrategy(name, net, src, rec, ctx as RunContext<LabelledSet>);
    const probs = await predictProbs(net, data.source(ctx.test, net), data.testBatchSize);
    let features: FeatureSet | undefined;
    if (ctx.featurePoints) {
      const sample = data.subset(ctx.test, firstN(Math.min(ctx.featurePoints, ctx.test.count)));
      features = await data.features(cut(net, ctx.cutAt), sample, 'none');
    }
    return { history: totalsFromLastEpoch(history), probs, trainableParams: history.trainableParams, features };
  } finally {
    disposeModels(...models);
  }
}
