/**
 * The training loop: one backward pass per batch, an optimizer per layer group (so each
 * group can have its own learning rate), schedules, callbacks, a plain history.
 *
 * Why not `model.fit`: tfjs has no per-layer learning rates and no schedule callback,
 * and `fit` fixes the trainable set at compile time.
 */
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { Random } from '../random';
import { Net, trainableParams, checkNet } from '../transfer/net';
import { patchBatchNorm, trainableVersion } from '../transfer/freeze';
import { BatchSource } from './source';
import { Schedule, ScheduleName, resolveSchedule } from './schedule';
import { Callback, EpochLogs, History, TrainEvent, TrainState } from './history';
import { predictor } from '../graph/predict';
import { EngineChoice, StepEngine, StepOutput, openEngine, sparseCrossEntropy } from './engine';
import { OptimizerKind, ParamGroup } from './state';
import { variableOf } from '../internals/tfjs';
import { Verbosity, ProgressStream, resolveVerbose, progressCallback } from './progress';

export { sparseCrossEntropy };

/** ULMFiT's ratio between the learning rates of consecutive layer groups. */
export const ULMFIT_LR_DIVISOR = 2.6;

/** Options for {@link train}. */
export interface TrainOptions {
  /** Passes over the training data. Default 5. */
  epochs?: number;
  /** Examples per optimizer step. Default 64. */
  batchSize?: number;
  /** Peak learning rate of the last (head) group. Default 1e-3. */
  learningRate?: number;
  /** `adam` (default) or `sgd` (with momentum 0.9). */
  optimizer?: 'adam' | 'sgd';
  /** Learning-rate schedule over all steps of this call. Default 'constant'. */
  schedule?: Schedule | ScheduleName;
  /**
   * Discriminative learning rates: each trainable group below the head gets the rate of
   * the group above divided by this (ULMFiT: 2.6). Default 1 (same rate everywhere).
   */
  lrDivisor?: number;
  /** Explicit multipliers of `learningRate` per group name; override `lrDivisor`. */
  groupLrMultipliers?: Record<string, number>;
  /** Evaluated after every epoch (loss and accuracy in inference mode). Default none. */
  validation?: BatchSource;
  /** Seed for shuffling and augmentation. Default 0. */
  seed?: number;
  /** Shuffle the training data each epoch. Default true. */
  shuffle?: boolean;
  /** Called at epoch/batch ends; may stop training. Default none. */
  callbacks?: Callback[];
  /** Number the epochs from here (used when one schedule spans several calls). Default 0. */
  initialEpoch?: number;
  /**
   * The epoch at which the schedule started (default `initialEpoch`): a run resumed at
   * epoch k of n passes `initialEpoch: k, epochs: n - k, scheduleFrom: 0` to continue the same curve.
   */
  scheduleFrom?: number;
  /** Events to record in the history at the first epoch (e.g. 'unfreeze block3'). */
  events?: string[];
  /**
   * Optimizer and dropout state saved at the end of an earlier epoch (a callback's
   * `ctx.trainState()`): with `initialEpoch`/`scheduleFrom`, the run continues exactly as
   * if it had not stopped. Default: fresh optimizers.
   */
  trainState?: TrainState;
  /**
   * How each step runs. `'auto'` (default): the whole step (forward, backward, optimizer
   * update) compiled into one native TensorFlow graph when the net is supported (chains or
   * residual DAGs of conv/depthwise/dense/pooling/flatten/activation/ReLU/Add layers,
   * BatchNorm, seeded dropout, softmax output; the text encoder's layers too; see
   * `graphUnsupported` and src/graph/kinds) and the run plans at least
   * `AUTO_COMPILE_MIN_STEPS` (16) steps, or the step for this trainable set is compiled
   * already; else op by op, since compiling costs seconds that a short run (a stage of
   * gradual unfreezing with few labels) never earns back. About 1.7x faster on the
   * reference CNN, same results to float rounding. `'graph'`: compiled or an Error
   * naming what is unsupported. `'eager'`: always op by op. The environment variable
   * TRANSFER_LAB_GRAPH=0 makes 'auto' eager. `History.engine` and `eagerReason` say
   * which ran and why.
   */
  engine?: 'auto' | 'graph' | 'eager';
  /**
   * Progress shown while training (Keras' `verbose`): 0 nothing; 1 a live bar (loss,
   * accuracy, time left) in a notebook, one line per epoch elsewhere; 2 one line per epoch.
   * Default: automatic, by environment (a bar in a notebook, epoch lines in a terminal,
   * nothing under tests, when output is not a terminal, or inside another running progress
   * bar); see src/train/progress.ts, `withVerbose` and TRANSFER_LAB_VERBOSE.
   */
  verbose?: Verbosity;
  /** Where the epoch lines go. Default process.stderr. */
  progressTo?: ProgressStream;
}

function positive(name: string, v: number, integer = false): number {
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new Error(`${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}. Fix: pass e.g. ${name}: ${integer ? 5 : 1e-3}.`);
  }
  return v;
}

/** Per-group multipliers of the base rate: the head 1, each group below divided by `divisor`. */
export function groupMultipliers(net: Net, divisor = 1, explicit: Record<string, number> = {}): Record<string, number> {
  checkNet(net, 'groupMultipliers');
  // A divisor <= 0 would give infinite or negative rates (gradient ascent on alternate groups).
  if (!(divisor > 0 && Number.isFinite(divisor)))
    throw new Error(`lrDivisor must be a positive number, got ${divisor}. Fix: pass e.g. lrDivisor: 2.6 (ULMFiT), or 1 for the same rate everywhere.`);
  const out: Record<string, number> = {};
  const n = net.groups.length;
  net.groups.forEach((g, i) => {
    out[g.name] = 1 / Math.pow(divisor, n - 1 - i);
  });
  for (const [k, v] of Object.entries(explicit)) {
    if (!(k in out)) throw new Error(`groupLrMultipliers names unknown group '${k}'. Known groups: ${net.groups.map((g) => g.name).join(', ')}`);
    out[k] = positive(`groupLrMultipliers.${k}`, v);
  }
  return out;
}

function layerVariables(layer: tfn.layers.Layer): tfn.Variable[] {
  return layer.trainableWeights.map(variableOf);
}

/** The trainable variables of each layer group (plain data: no tensors are made). */
function paramGroups(net: Net, multipliers: Record<string, number>): ParamGroup[] {
  const groups: ParamGroup[] = [];
  const seen = new Set<string>();
  for (const g of net.groups) {
    const vars: tfn.Variable[] = [];
    for (const name of g.layers) {
      const layer = net.model.getLayer(name);
      if (!layer.trainable) continue;
      for (const v of layerVariables(layer))
        if (!seen.has(v.name)) {
          seen.add(v.name);
          vars.push(v);
        }
    }
    if (vars.length) groups.push({ name: g.name, multiplier: multipliers[g.name], vars });
  }
  // Trainable layers outside every group still train, at the head's rate.
  const rest = net.model.layers
    .filter((l) => l.trainable)
    .flatMap(layerVariables)
    .filter((v) => !seen.has(v.name));
  if (rest.length) groups.push({ name: '(ungrouped)', multiplier: 1, vars: rest });
  return groups;
}

function checkCompatible(net: Net, src: BatchSource, what: string): number {
  checkNet(net, what.startsWith('the evaluation') ? 'evaluateSource' : 'train');
  if (!src || typeof src.batch !== 'function' || !Array.isArray(src.inputShape)) {
    throw new Error(`${what} is not a BatchSource. Fix: wrap images with imageSource(data, net.preprocessing), or features with featureSource(features).`);
  }
  const out = net.model.outputs[0].shape;
  const classes = out[out.length - 1] as number;
  const inShape = net.model.inputs[0].shape.slice(1);
  if (inShape.length !== src.inputShape.length || inShape.some((d, i) => d !== null && d !== src.inputShape[i])) {
    throw new Error(
      `${what} has inputs of shape [${src.inputShape}] but model '${net.model.name}' expects [${inShape}]. Fix: use the net's preprocessing (imageSource(data, net.preprocessing)) or features from the same cut.`,
    );
  }
  if (src.numClasses !== classes) {
    throw new Error(
      `${what} has ${src.numClasses} classes but the model's classifier has ${classes} outputs. Fix: replace the head for ${src.numClasses} classes (withHead(backbone, { classes: ${src.numClasses} })).`,
    );
  }
  return classes;
}

/** A run's settings, checked; everything {@link train} decides before it holds any tensor. */
interface RunPlan {
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: OptimizerKind;
  schedule: Schedule;
  seed: number;
  shuffle: boolean;
  /** First epoch's number, and the epoch the schedule started at. */
  e0: number;
  from: number;
  engine: EngineChoice;
  numClasses: number;
  groups: ParamGroup[];
  /** Progress shown (resolved: 0, 1 or 2). */
  verbose: Verbosity;
}

function planRun(net: Net, data: BatchSource, opts: TrainOptions): RunPlan {
  const epochs = positive('epochs', opts.epochs ?? 5, true);
  const batchSize = positive('batchSize', opts.batchSize ?? 64, true);
  const lr = positive('learningRate', opts.learningRate ?? 1e-3);
  const optimizer = opts.optimizer ?? 'adam';
  if (optimizer !== 'adam' && optimizer !== 'sgd') throw new Error(`optimizer '${String(optimizer)}' is not supported: use 'adam' or 'sgd'.`);
  const schedule = resolveSchedule(opts.schedule);
  if (opts.seed !== undefined && !Number.isInteger(opts.seed)) throw new Error(`seed ${opts.seed} is not an integer. Fix: pass an integer seed, e.g. seed: 0.`);
  const numClasses = checkCompatible(net, data, 'the training data');
  if (opts.validation) checkCompatible(net, opts.validation, 'the validation data');
  const e0 = opts.initialEpoch ?? 0;
  const from = opts.scheduleFrom ?? e0;
  if (!Number.isInteger(e0) || e0 < 0 || !Number.isInteger(from) || from < 0 || from > e0)
    throw new Error(
      `initialEpoch (${e0}) and scheduleFrom (${from}) must be integers with 0 <= scheduleFrom <= initialEpoch. Fix: leave them out, or pass e.g. { initialEpoch: 3, scheduleFrom: 0 } to resume at epoch 3 of a schedule.`,
    );
  if (opts.progressTo !== undefined && typeof (opts.progressTo as { write?: unknown })?.write !== 'function')
    throw new Error(
      'progressTo must have a write(text) method, e.g. process.stdout or a file stream. Fix: pass progressTo: process.stdout, or leave it out for stderr.',
    );
  const verbose = resolveVerbose(opts.verbose, opts.progressTo);
  const engine = opts.engine ?? 'auto';
  if (engine !== 'auto' && engine !== 'graph' && engine !== 'eager') throw new Error(`engine '${String(engine)}' is not one of 'auto', 'graph', 'eager'.`);
  const groups = paramGroups(net, groupMultipliers(net, opts.lrDivisor ?? 1, opts.groupLrMultipliers ?? {}));
  if (groups.length === 0) {
    throw new Error(
      `nothing to train: every layer of '${net.model.name}' is frozen. Fix: unfreeze a group first, e.g. unfreeze(net, '${net.groups[net.groups.length - 1]?.name ?? 'head'}') or freezeTo(net, -1).`,
    );
  }
  return { epochs, batchSize, lr, optimizer, schedule, seed: opts.seed ?? 0, shuffle: opts.shuffle ?? true, e0, from, engine, numClasses, groups, verbose };
}

/** The state of a run in progress: what the loop's steps share. */
interface Run {
  net: Net;
  data: BatchSource;
  plan: RunPlan;
  engine: StepEngine;
  history: History;
  callbacks: Callback[];
  validation?: BatchSource;
  /** Global step (for the schedule) and the steps the schedule spans. */
  step: number;
  totalSteps: number;
  stepsPerEpoch: number;
  order: Int32Array;
  version: number;
  start: number;
  stop: boolean;
}

/**
 * Train a net on a batch source with the library's loop. Frozen layers (and frozen
 * BatchNorm statistics) are not touched; each trainable group gets its own optimizer and
 * learning rate.
 *
 * @returns the history: per-epoch loss/accuracy, learning rates, timings, events
 * @throws when nothing is trainable, shapes or class counts do not match, or the loss becomes NaN
 * @example
 * freeze(net);
 * const h = await train(net, imageSource(train, net.preprocessing), { epochs: 3, validation: imageSource(test, net.preprocessing) });
 * h.epochs.at(-1)?.valAcc;
 */
export async function train(net: Net, data: BatchSource, opts: TrainOptions = {}): Promise<History> {
  const plan = planRun(net, data, opts);
  patchBatchNorm(net.model);
  // The one place that acquires the run's resources (optimizers or the compiled step) and releases them.
  const stepsPerEpoch = Math.ceil(data.count / plan.batchSize);
  const { engine, eagerReason } = await openEngine(
    { model: net.model, groups: plan.groups, optimizer: plan.optimizer, numClasses: plan.numClasses, plannedSteps: plan.epochs * stepsPerEpoch },
    plan.engine,
    plan.lr,
    opts.trainState,
  );
  const history: History = {
    epochs: [],
    events: [],
    wallSeconds: 0,
    samplesSeen: 0,
    stoppedEarly: false,
    trainableParams: trainableParams(net.model),
    engine: engine.kind,
  };
  if (eagerReason) history.eagerReason = eagerReason;
  for (const label of opts.events ?? []) history.events.push({ epoch: plan.e0, label } as TrainEvent);
  // After the caller's callbacks, so the epoch line shows what they added (e.g. a validation score).
  const shown = progressCallback(plan.verbose, { firstEpoch: plan.e0, epochs: plan.epochs, stepsPerEpoch, count: data.count }, opts.progressTo);
  const run: Run = {
    net,
    data,
    plan,
    engine,
    history,
    callbacks: [...(opts.callbacks ?? []), ...(shown ? [shown] : [])],
    validation: opts.validation,
    step: (plan.e0 - plan.from) * stepsPerEpoch,
    totalSteps: (plan.e0 - plan.from + plan.epochs) * stepsPerEpoch,
    stepsPerEpoch,
    order: Int32Array.from({ length: data.count }, (_, i) => i),
    version: trainableVersion(net.model),
    start: Date.now(),
    stop: false,
  };
  try {
    await doFit(run);
  } finally {
    // A run that failed mid-epoch leaves the model where the steps took it.
    engine.syncOut();
    engine.dispose();
    history.wallSeconds = (Date.now() - run.start) / 1000;
    shown?.close();
  }
  return history;
}

async function doFit(run: Run): Promise<void> {
  for (const cb of run.callbacks) await cb.onTrainBegin?.(run.net, run.history);
  for (let e = 0; e < run.plan.epochs && !run.stop; e++) await doEpoch(run, run.plan.e0 + e);
  for (const cb of run.callbacks) await cb.onTrainEnd?.(run.net, run.history);
}

async function doEpoch(run: Run, epoch: number): Promise<void> {
  const { plan, engine, history } = run;
  // One stream per epoch, derived from (seed, epoch): a resumed run shuffles the same way.
  const rng = new Random((plan.seed * 1000003 + epoch * 7919 + 17) >>> 0);
  if (plan.shuffle) {
    for (let i = 0; i < run.order.length; i++) run.order[i] = i;
    rng.shuffleInPlace(run.order);
  }
  const t0 = Date.now();
  const sums = { loss: 0, correct: 0, seen: 0, lr: plan.lr };
  engine.syncIn();
  for (let s = 0; s < run.stepsPerEpoch && !run.stop; s++, run.step++) await doOneBatch(run, epoch, s, rng, sums);
  engine.syncOut(); // the model holds the trained weights for validation and callbacks
  const logs: EpochLogs = {
    epoch,
    loss: sums.loss / Math.max(1, sums.seen),
    acc: sums.correct / Math.max(1, sums.seen),
    lr: sums.lr,
    seconds: (Date.now() - t0) / 1000,
    samplesSeen: history.samplesSeen,
    wallSeconds: (Date.now() - run.start) / 1000,
  };
  if (run.validation) Object.assign(logs, await evaluateSource(run.net, run.validation, { batchSize: Math.max(plan.batchSize, 256) }));
  history.epochs.push(logs);
  const ctx = { trainState: () => engine.capture() };
  for (const cb of run.callbacks)
    if (cb.onEpochEnd && (await cb.onEpochEnd(epoch, logs, run.net, ctx)) === 'stop') {
      run.stop = true;
      history.stoppedEarly = true;
    }
}

async function doOneBatch(run: Run, epoch: number, s: number, rng: Random, sums: { loss: number; correct: number; seen: number; lr: number }): Promise<void> {
  const { plan, data } = run;
  if (trainableVersion(run.net.model) !== run.version) {
    throw new Error('the trainable layers changed during train(); freeze/unfreeze between calls, or use gradualUnfreeze().');
  }
  const idx = run.order.subarray(s * plan.batchSize, Math.min(data.count, (s + 1) * plan.batchSize));
  const mult = plan.schedule(run.step, run.totalSteps);
  sums.lr = plan.lr * mult;
  const { xs, ys } = data.batch(idx, rng);
  let out: StepOutput;
  try {
    out = run.engine.step(
      xs,
      ys,
      plan.groups.map((g) => plan.lr * g.multiplier * mult),
    );
  } finally {
    tf.dispose([xs, ys]);
  }
  const loss = (await out.loss.data())[0];
  const hits = (await out.hits.data())[0];
  tf.dispose([out.loss, out.hits]);
  if (!Number.isFinite(loss)) {
    throw new Error(
      `the training loss became ${loss} at epoch ${epoch + 1}, step ${s + 1} (learning rate ${sums.lr.toExponential(2)}). Fix: lower the learning rate, or check the inputs for NaN/Inf values.`,
    );
  }
  sums.loss += loss * idx.length;
  sums.correct += hits;
  sums.seen += idx.length;
  run.history.samplesSeen += idx.length;
  for (const cb of run.callbacks) if (cb.onBatchEnd && (await cb.onBatchEnd(run.step, { loss, lr: sums.lr, epoch })) === 'stop') run.stop = true;
}

/** Options for {@link evaluateSource}. */
export interface EvaluateOptions {
  /** Examples per forward pass. Default 256. */
  batchSize?: number;
}

/**
 * Loss and accuracy of a net on a batch source, in inference mode.
 *
 * @example
 * const { valLoss, valAcc } = await evaluateSource(net, imageSource(test, net.preprocessing));
 */
export async function evaluateSource(net: Net, data: BatchSource, opts: EvaluateOptions = {}): Promise<{ valLoss: number; valAcc: number }> {
  const numClasses = checkCompatible(net, data, 'the evaluation data');
  const batchSize = positive('batchSize', opts.batchSize ?? 256, true);
  let lossSum = 0;
  let correct = 0;
  const idx = Int32Array.from({ length: data.count }, (_, i) => i);
  const predict = predictor(net.model);
  for (let s = 0; s < data.count; s += batchSize) {
    const { xs, ys } = data.batch(idx.subarray(s, Math.min(data.count, s + batchSize)));
    const [l, h] = tf.tidy(() => {
      const probs = predict(xs);
      return [sparseCrossEntropy(probs, ys, numClasses).mul(ys.shape[0]), probs.argMax(-1).equal(ys).sum()];
    });
    lossSum += (await l.data())[0];
    correct += (await h.data())[0];
    tf.dispose([xs, ys, l, h]);
  }
  if (!Number.isFinite(lossSum)) {
    throw new Error(
      `the evaluation loss is ${lossSum}: the inputs or the weights of '${net.model.name}' contain NaN/Inf values. Fix: check the inputs for NaN/Inf, or reload the weights (a diverged training run leaves NaN weights).`,
    );
  }
  return { valLoss: lossSum / data.count, valAcc: correct / data.count };
}
