/**
 * The recipes built from the low-level verbs: a from-scratch twin, a linear probe on
 * cached features, gradual unfreezing (ULMFiT), and `fineTune` (fastai's one call).
 */
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { Net, checkNet } from './net';
import { freeze, freezeTo, unfreeze, setBatchNormMode, BatchNormMode } from './freeze';
import { rebuildNet } from './clone';
import { checkPositiveInt } from '../util/args';
import './layers';
import { tfSeed } from '../random';
import { BatchSource, FeatureSet, featureSource } from '../train/source';
import { train, TrainOptions, ULMFIT_LR_DIVISOR } from '../train/loop';
import { History } from '../train/history';

/**
 * The same architecture as `net` with fresh initial weights (seeded), sharing nothing:
 * the fair from-scratch baseline. Kernels get He-normal weights (fan-in), embedding
 * tables normal(0, 0.02) (BERT), biases and BatchNorm shifts zeros, BatchNorm and
 * LayerNorm scales ones; moving statistics are reset (mean 0, variance 1).
 *
 * Every layer is trainable and every BatchNorm layer is in training mode (it normalises
 * each batch with the batch's statistics), whatever mode `net` was in: a fresh net has no
 * statistics to keep, and in inference mode its BatchNorm layers would not normalise at all.
 * After training, {@link recomputeBatchNormStats} replaces the moving statistics (still
 * near 0 and 1 after a few dozen steps) with the ones the trained weights produce, so the
 * test-time net computes what was trained; the experiments' scratch arm does both.
 *
 * @example
 * const baseline = await scratch(fineTunedNet, 3);
 * await train(baseline, src, { epochs: 10, batchSize: 32 });
 * await recomputeBatchNormStats(baseline, src, { batchSize: 32 });
 */
export async function scratch(net: Net, seed = 0): Promise<Net> {
  checkNet(net, 'scratch');
  if (!Number.isInteger(seed)) throw new Error(`scratch: seed ${seed} is not an integer. Fix: pass an integer seed, e.g. scratch(net, 0).`);
  return rebuildNet(
    net,
    (model) => {
      let k = 0;
      const fresh = model.weights.map((w) => {
        const shape = w.shape as number[];
        const n = w.originalName;
        return tf.tidy(() => {
          if (/(^|\/)(gamma|moving_variance)$/.test(n)) return tf.ones(shape);
          // Embedding tables (token/position rows of a text encoder): BERT's normal(0, 0.02).
          if (/embeddings$/.test(n)) return tf.truncatedNormal(shape, 0, 0.02, 'float32', tfSeed(seed * 7919 + k++));
          if (/kernel$/.test(n)) {
            const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1) || 1;
            return tf.truncatedNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', tfSeed(seed * 7919 + k++));
          }
          return tf.zeros(shape);
        });
      });
      model.setWeights(fresh);
      tf.dispose(fresh);
      for (const l of model.layers) l.trainable = true;
    },
    `scratch(seed=${seed})`,
  ).then((fresh) => setBatchNormMode(fresh, 'train'));
}

/** Options for {@link linearProbe}. `learningRate` defaults to 0.1 / sqrt(feature dim), epochs to 20. */
export interface ProbeOptions extends Omit<TrainOptions, 'validation'> {
  /** Cached features of held-out data, evaluated after every epoch. */
  validation?: FeatureSet;
}

/**
 * Train a linear classifier (softmax regression) on cached features: the cheapest
 * transfer strategy, and the standard test of what a backbone's features hold.
 *
 * @returns the probe (a Net on feature vectors) and its history
 * @example
 * const probe = await linearProbe(trainFeats, { epochs: 20, validation: testFeats });
 */
export async function linearProbe(features: FeatureSet, opts: ProbeOptions = {}): Promise<{ net: Net; history: History }> {
  const classes = features?.classNames?.length ?? 0;
  if (classes < 2)
    throw new Error(
      `a linear probe needs at least 2 classes, the features have ${classes}. Fix: pass features of a task with 2 or more classes (extractFeatures on a labelled data set).`,
    );
  // Check the data before building the probe, so a bad input leaves no weights behind.
  const src = featureSource(features);
  const validation = opts.validation ? featureSource(opts.validation) : undefined;
  const input = tf.input({ shape: [features.dim], name: 'features_in' });
  const out = tf.layers
    .dense({ units: classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: opts.seed ?? 0 }), name: 'probe_logits' })
    .apply(input) as tfn.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out, name: 'linear-probe' });
  const net: Net = {
    model,
    groups: [{ name: 'head', layers: ['probe_logits'] }],
    classNames: features.classNames,
    preprocessing: { height: 1, width: features.dim, channels: 1 },
    origin: `probe(${features.key})`,
  };
  try {
    const history = await train(net, src, {
      // Adam moves every weight by about lr per step, so a logit moves by about lr * dim:
      // scale the default rate with the width (a 6,272-d cut needs ~20x less than 256-d).
      learningRate: 0.1 / Math.sqrt(features.dim),
      epochs: 20,
      batchSize: 64,
      ...opts,
      validation,
    });
    return { net, history };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Options for {@link gradualUnfreeze}. */
export interface GradualOptions extends Omit<TrainOptions, 'initialEpoch' | 'events'> {
  /** Epochs per stage; stage k trains the top k+1 groups. Default 1 (ULMFiT). */
  epochsPerStage?: number;
  /** Stages to run; default one per group (the last stage trains everything). */
  stages?: number;
  /** Train every group in the final stage for this many extra epochs. Default 0. */
  finalEpochs?: number;
  /** BatchNorm layers of unfrozen groups: 'inference' keeps the pretrained statistics (default), 'train' updates them. */
  batchNorm?: BatchNormMode;
}

function merge(into: History, h: History): void {
  into.epochs.push(...h.epochs);
  into.events.push(...h.events);
  into.samplesSeen += h.samplesSeen;
  into.wallSeconds += h.wallSeconds;
  into.stoppedEarly = into.stoppedEarly || h.stoppedEarly;
  // The engine of the whole call: 'eager' (with its reason) if any stage ran eagerly; each stage's too.
  if (h.engine) into.stageEngines = [...(into.stageEngines ?? []), h.engine];
  if (h.engine && into.engine !== 'eager') {
    into.engine = h.engine;
    if (h.eagerReason) into.eagerReason = h.eagerReason;
  }
}

/**
 * Gradual unfreezing (Howard & Ruder 2018): train the head, then unfreeze one more
 * layer group per stage, with discriminative learning rates (each group below the head
 * gets the rate divided by `lrDivisor`, default 2.6) and the slanted triangular schedule.
 *
 * @returns one history across stages, with an event at each unfreezing
 * @example
 * const h = await gradualUnfreeze(net, src, { epochsPerStage: 1, learningRate: 1e-3, validation: val });
 */
export async function gradualUnfreeze(net: Net, data: BatchSource, opts: GradualOptions = {}): Promise<History> {
  const per = opts.epochsPerStage ?? 1;
  const stages = opts.stages ?? net.groups.length;
  checkPositiveInt(per, 'epochsPerStage');
  if (!Number.isInteger(stages) || stages < 1 || stages > net.groups.length)
    throw new Error(`stages must be 1..${net.groups.length} (one per layer group), got ${stages}.`);
  const { epochsPerStage: _p, stages: _s, finalEpochs, batchNorm = 'inference', ...rest } = opts;
  setBatchNormMode(net, batchNorm);
  const history: History = { epochs: [], events: [], wallSeconds: 0, samplesSeen: 0, stoppedEarly: false, trainableParams: 0 };
  let epoch = 0;
  for (let k = 0; k < stages; k++) {
    freezeTo(net, -1 - k);
    const group = net.groups[net.groups.length - 1 - k].name;
    const extra = k === stages - 1 ? (finalEpochs ?? 0) : 0;
    const h = await train(net, data, {
      lrDivisor: ULMFIT_LR_DIVISOR,
      schedule: 'slanted-triangular',
      ...rest,
      epochs: per + extra,
      initialEpoch: epoch,
      events: [k === 0 ? `train ${group}` : `unfreeze ${group}`],
      seed: (opts.seed ?? 0) + k,
    });
    if (k === 0) history.trainableParams = h.trainableParams;
    merge(history, h);
    epoch += per + extra;
    if (h.stoppedEarly) break;
  }
  return history;
}

/** Options for {@link fineTune}. */
export interface FineTuneOptions extends Omit<TrainOptions, 'epochs' | 'initialEpoch' | 'events'> {
  /** Epochs training only the head (body frozen). Default 1. */
  headEpochs?: number;
  /** Epochs training everything afterwards. Default 3. */
  epochs?: number;
  /** Rate of the head in the second stage, as a fraction of `learningRate`. Default 0.5. */
  unfrozenLrFactor?: number;
  /** BatchNorm layers once unfrozen: 'inference' keeps the pretrained statistics (default), 'train' updates them. */
  batchNorm?: BatchNormMode;
}

/**
 * Fine-tune in one call (fastai's `fine_tune`): freeze the body and fit the new head,
 * then unfreeze everything and fit with lower, discriminative rates (each group below the
 * head divided by `lrDivisor`, default 2.6) on a one-cycle schedule.
 *
 * @example
 * const net = withHead(backbone, { cutAt: 'features', classes: 10 });
 * const h = await fineTune(net, imageSource(train, net.preprocessing), { headEpochs: 1, epochs: 3 });
 */
export async function fineTune(net: Net, data: BatchSource, opts: FineTuneOptions = {}): Promise<History> {
  const { headEpochs = 1, epochs = 3, unfrozenLrFactor = 0.5, batchNorm = 'inference', ...rest } = opts;
  for (const [k, v] of [
    ['headEpochs', headEpochs],
    ['epochs', epochs],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`fineTune: ${k} must be a whole number >= 0, got ${v}. Fix: pass e.g. { headEpochs: 1, epochs: 3 }.`);
  }
  if (headEpochs + epochs === 0)
    throw new Error('fineTune: headEpochs and epochs are both 0, so nothing would be trained. Fix: pass e.g. { headEpochs: 1, epochs: 3 }.');
  if (!(unfrozenLrFactor > 0 && Number.isFinite(unfrozenLrFactor)))
    throw new Error(`fineTune: unfrozenLrFactor must be a positive number, got ${unfrozenLrFactor}. Fix: pass e.g. unfrozenLrFactor: 0.5.`);
  setBatchNormMode(net, batchNorm);
  const lr = opts.learningRate ?? 1e-3;
  const history: History = { epochs: [], events: [], wallSeconds: 0, samplesSeen: 0, stoppedEarly: false, trainableParams: 0 };
  freeze(net);
  if (headEpochs > 0) {
    const h = await train(net, data, { schedule: 'one-cycle', ...rest, lrDivisor: 1, epochs: headEpochs, events: ['train head'] });
    history.trainableParams = h.trainableParams;
    merge(history, h);
  }
  if (epochs > 0) {
    unfreeze(net);
    const h = await train(net, data, {
      lrDivisor: ULMFIT_LR_DIVISOR,
      schedule: 'one-cycle',
      ...rest,
      learningRate: lr * unfrozenLrFactor,
      epochs,
      initialEpoch: headEpochs,
      events: ['unfreeze all'],
      seed: (opts.seed ?? 0) + 1,
    });
    if (headEpochs === 0) history.trainableParams = h.trainableParams;
    merge(history, h);
  }
  return history;
}
