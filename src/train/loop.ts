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
import { CompiledTrainStep, GraphOptimizerState, cachedTrainStep } from '../graph/trainer';
import { predictor } from '../graph/predict';

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
   * update) compiled into one native TensorFlow graph when the net is supported (chains of
   * conv/dense/pooling/flatten/activation layers, BatchNorm in inference mode, seeded
   * dropout, softmax output; see `graphUnsupported`), else op by op; about 1.7x faster on
   * the reference CNN, same results to float rounding. `'graph'`: compiled or an Error
   * naming what is unsupported. `'eager'`: always op by op. The environment variable
   * TRANSFER_LAB_GRAPH=0 makes 'auto' eager.
   */
  engine?: 'auto' | 'graph' | 'eager';
}

interface GroupOpt {
  name: string;
  multiplier: number;
  vars: tfn.Variable[];
  optimizer: tfn.Optimizer;
}

function positive(name: string, v: number, integer = false): number {
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new Error(`${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}. Fix: pass e.g. ${name}: ${integer ? 5 : 1e-3}.`);
  }
  return v;
}

function layerVariables(layer: tfn.layers.Layer): tfn.Variable[] {
  // LayerVariable keeps its tf.Variable in `val`.
  return layer.trainableWeights.map((w) => (w as unknown as { val: tfn.Variable }).val);
}

/** Per-group multipliers of the base rate: the head 1, each group below divided by `divisor`. */
export function groupMultipliers(net: Net, divisor = 1, explicit: Record<string, number> = {}): Record<string, number> {
  checkNet(net, 'groupMultipliers');
  // A divisor <= 0 would give infinite or negative rates (gradient ascent on alternate groups).
  if (!(divisor > 0 && Number.isFinite(divisor))) throw new Error(`lrDivisor must be a positive number, got ${divisor}. Fix: pass e.g. lrDivisor: 2.6 (ULMFiT), or 1 for the same rate everywhere.`);
  const out: Record<string, number> = {};
  const n = net.groups.length;
  net.groups.forEach((g, i) => { out[g.name] = 1 / Math.pow(divisor, n - 1 - i); });
  for (const [k, v] of Object.entries(explicit)) {
    if (!(k in out)) throw new Error(`groupLrMultipliers names unknown group '${k}'. Known groups: ${net.groups.map((g) => g.name).join(', ')}`);
    out[k] = positive(`groupLrMultipliers.${k}`, v);
  }
  return out;
}

function makeOptimizer(kind: 'adam' | 'sgd', lr: number): tfn.Optimizer {
  return kind === 'sgd' ? tf.train.momentum(lr, 0.9) : tf.train.adam(lr);
}

function setLr(opt: tfn.Optimizer, lr: number): void {
  // SGD/momentum keep the rate as a tensor behind setLearningRate; Adam reads a plain field each step.
  const o = opt as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

function buildGroups(net: Net, multipliers: Record<string, number>, kind: 'adam' | 'sgd', lr: number): GroupOpt[] {
  const groups: GroupOpt[] = [];
  const seen = new Set<string>();
  for (const g of net.groups) {
    const vars: tfn.Variable[] = [];
    for (const name of g.layers) {
      const layer = net.model.getLayer(name);
      if (!layer.trainable) continue;
      for (const v of layerVariables(layer)) if (!seen.has(v.name)) { seen.add(v.name); vars.push(v); }
    }
    if (vars.length) groups.push({ name: g.name, multiplier: multipliers[g.name], vars, optimizer: makeOptimizer(kind, lr * multipliers[g.name]) });
  }
  // Trainable layers outside every group still train, at the head's rate.
  const rest = net.model.layers.filter((l) => l.trainable).flatMap(layerVariables).filter((v) => !seen.has(v.name));
  if (rest.length) groups.push({ name: '(ungrouped)', multiplier: 1, vars: rest, optimizer: makeOptimizer(kind, lr) });
  return groups;
}

type Slots = { iterations_?: number; accBeta1?: tfn.Variable; accBeta2?: tfn.Variable };

function dropoutLayers(net: Net): (tfn.layers.Layer & { calls: number })[] {
  return net.model.layers.filter((l) => l.getClassName() === 'SeededDropout' && typeof (l as unknown as { calls?: unknown }).calls === 'number') as (tfn.layers.Layer & { calls: number })[];
}

/** Complete a TrainState: the dropout counters, and the slot values in one array. */
function withDropoutAndValues(net: Net, out: TrainState, parts: Float32Array[]): TrainState {
  for (const l of dropoutLayers(net)) out.dropoutCalls[l.name] = l.calls;
  out.values = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { out.values.set(p, off); off += p.length; }
  return out;
}

async function captureState(net: Net, groups: GroupOpt[], kind: 'adam' | 'sgd'): Promise<TrainState> {
  const parts: Float32Array[] = [];
  const out: TrainState = { optimizer: kind, groups: [], dropoutCalls: {}, values: new Float32Array(0) };
  for (const g of groups) {
    const ws = await g.optimizer.getWeights();
    ws[0].tensor.dispose(); // the step count, made fresh by getWeights
    const o = g.optimizer as unknown as Slots;
    const entry: TrainState['groups'][number] = { name: g.name, iterations: o.iterations_ ?? 0, shapes: [] };
    if (o.accBeta1 && o.accBeta2) entry.accBeta = [o.accBeta1.dataSync()[0], o.accBeta2.dataSync()[0]];
    for (const w of ws.slice(1)) { entry.shapes.push(w.tensor.shape.slice()); parts.push(w.tensor.dataSync() as Float32Array); }
    out.groups.push(entry);
  }
  return withDropoutAndValues(net, out, parts);
}

/** The compiled step's optimizer state in the eager layout (the same TrainState either way). */
function captureGraphState(net: Net, groups: GroupOpt[], kind: 'adam' | 'sgd', step: CompiledTrainStep): TrainState {
  const st = step.state();
  const out: TrainState = { optimizer: kind, groups: [], dropoutCalls: {}, values: new Float32Array(0) };
  const parts: Float32Array[] = [];
  st.groups.forEach((g, i) => {
    const entry: TrainState['groups'][number] = { name: groups[i].name, iterations: g.iterations, shapes: [] };
    if (g.accBeta) entry.accBeta = g.accBeta;
    if (g.iterations > 0) for (const t of g.slots) { entry.shapes.push(t.shape.slice()); parts.push(t.dataSync() as Float32Array); }
    tf.dispose(g.slots);
    out.groups.push(entry);
  });
  return withDropoutAndValues(net, out, parts);
}

/** The eager optimizers' state (after restoreState) for the compiled step; tensors are the optimizers' own. */
async function eagerStateForGraph(groups: GroupOpt[]): Promise<{ state: GraphOptimizerState; owned: tfn.Tensor[] }> {
  const state: GraphOptimizerState = { groups: [] };
  const owned: tfn.Tensor[] = [];
  for (const g of groups) {
    const ws = await g.optimizer.getWeights();
    owned.push(ws[0].tensor);
    const o = g.optimizer as unknown as Slots;
    const accBeta: [number, number] | undefined = o.accBeta1 && o.accBeta2 ? [o.accBeta1.dataSync()[0], o.accBeta2.dataSync()[0]] : undefined;
    state.groups.push({ iterations: o.iterations_ ?? 0, accBeta, slots: ws.slice(1).map((w) => w.tensor) });
  }
  return { state, owned };
}

async function restoreState(net: Net, groups: GroupOpt[], kind: 'adam' | 'sgd', st: TrainState): Promise<void> {
  const bad = (what: string): never => { throw new Error(`trainState does not fit this run: ${what}. Fix: resume with the same net, layer groups, trainable layers and optimizer as the run that saved it, or start without trainState.`); };
  if (st.optimizer !== kind) bad(`it is for '${st.optimizer}', this run uses '${kind}'`);
  if (st.groups.length !== groups.length || st.groups.some((g, i) => g.name !== groups[i].name)) bad(`groups ${st.groups.map((g) => g.name).join(', ')} vs ${groups.map((g) => g.name).join(', ')}`);
  let off = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    const sg = st.groups[i];
    if (sg.shapes.length === 0) continue; // saved before its first step
    const need = sg.shapes.reduce((n, sh) => n + sh.reduce((a, b) => a * b, 1), 0);
    if (off + need > st.values.length) bad(`it holds ${st.values.length} values, fewer than its slots need`);
    const per = sg.shapes.length / g.vars.length;
    if (per !== Math.round(per) || sg.shapes.some((s, j) => s.join() !== g.vars[j % g.vars.length].shape.join())) bad(`the slots of group '${g.name}' do not match its trainable weights`);
    const tensors = sg.shapes.map((shape) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const t = tf.tensor(st.values.subarray(off, off + n), shape, 'float32');
      off += n;
      return t;
    });
    const iter = tf.scalar(sg.iterations, 'int32');
    await g.optimizer.setWeights([{ name: 'iter', tensor: iter }, ...tensors.map((tensor, j) => ({ name: `slot${j}`, tensor }))]);
    tf.dispose([iter, ...tensors]);
    // setWeights recomputes Adam's running beta powers with pow(); put back the exact values.
    const o = g.optimizer as unknown as Slots;
    if (sg.accBeta && o.accBeta1 && o.accBeta2) {
      const [b1, b2] = [tf.scalar(sg.accBeta[0]), tf.scalar(sg.accBeta[1])];
      o.accBeta1.assign(b1);
      o.accBeta2.assign(b2);
      tf.dispose([b1, b2]);
    }
  }
  if (off !== st.values.length) bad(`it holds ${st.values.length} values, the slots need ${off}`);
  for (const l of dropoutLayers(net)) if (l.name in st.dropoutCalls) l.calls = st.dropoutCalls[l.name];
}

/** Sparse categorical cross-entropy of softmax outputs, averaged over the batch. */
export function sparseCrossEntropy(probs: tfn.Tensor, labels: tfn.Tensor1D, numClasses: number): tfn.Scalar {
  if (probs.rank !== 2 || labels.rank !== 1 || probs.shape[0] !== labels.shape[0] || probs.shape[1] !== numClasses) {
    throw new Error(`sparseCrossEntropy: probabilities of shape [${probs.shape}] do not match ${labels.shape[0]} labels of ${numClasses} classes. Fix: pass [n, numClasses] probabilities and n integer labels.`);
  }
  return tf.tidy(() => tf.oneHot(labels, numClasses).mul(probs.clipByValue(1e-7, 1).log()).sum(1).neg().mean() as tfn.Scalar);
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
    throw new Error(`${what} has inputs of shape [${src.inputShape}] but model '${net.model.name}' expects [${inShape}]. Fix: use the net's preprocessing (imageSource(data, net.preprocessing)) or features from the same cut.`);
  }
  if (src.numClasses !== classes) {
    throw new Error(`${what} has ${src.numClasses} classes but the model's classifier has ${classes} outputs. Fix: replace the head for ${src.numClasses} classes (withHead(backbone, { classes: ${src.numClasses} })).`);
  }
  return classes;
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
  const epochs = positive('epochs', opts.epochs ?? 5, true);
  const batchSize = positive('batchSize', opts.batchSize ?? 64, true);
  const lr = positive('learningRate', opts.learningRate ?? 1e-3);
  const kind = opts.optimizer ?? 'adam';
  if (kind !== 'adam' && kind !== 'sgd') throw new Error(`optimizer '${String(kind)}' is not supported: use 'adam' or 'sgd'.`);
  const schedule = resolveSchedule(opts.schedule);
  if (opts.seed !== undefined && !Number.isInteger(opts.seed)) throw new Error(`seed ${opts.seed} is not an integer. Fix: pass an integer seed, e.g. seed: 0.`);
  const numClasses = checkCompatible(net, data, 'the training data');
  if (opts.validation) checkCompatible(net, opts.validation, 'the validation data');
  patchBatchNorm(net.model);
  // Everything is checked before the optimizers (which hold tensors) exist.
  const e0 = opts.initialEpoch ?? 0;
  const from = opts.scheduleFrom ?? e0;
  if (!Number.isInteger(e0) || e0 < 0 || !Number.isInteger(from) || from < 0 || from > e0) throw new Error(`initialEpoch (${e0}) and scheduleFrom (${from}) must be integers with 0 <= scheduleFrom <= initialEpoch. Fix: leave them out, or pass e.g. { initialEpoch: 3, scheduleFrom: 0 } to resume at epoch 3 of a schedule.`);
  const multipliers = groupMultipliers(net, opts.lrDivisor ?? 1, opts.groupLrMultipliers ?? {});
  const groups = buildGroups(net, multipliers, kind, lr);
  if (groups.length === 0) {
    throw new Error(`nothing to train: every layer of '${net.model.name}' is frozen. Fix: unfreeze a group first, e.g. unfreeze(net, '${net.groups[net.groups.length - 1]?.name ?? 'head'}') or freezeTo(net, -1).`);
  }
  if (opts.trainState) {
    try {
      await restoreState(net, groups, kind, opts.trainState);
    } catch (e) {
      for (const g of groups) g.optimizer.dispose();
      throw e;
    }
  }
  const engine = opts.engine ?? 'auto';
  if (engine !== 'auto' && engine !== 'graph' && engine !== 'eager') {
    for (const g of groups) g.optimizer.dispose();
    throw new Error(`engine '${String(engine)}' is not one of 'auto', 'graph', 'eager'.`);
  }
  let compiled: CompiledTrainStep | null = null;
  let eagerReason: string | undefined;
  if (engine !== 'eager') {
    const made = cachedTrainStep(net.model, groups.map((g) => ({ name: g.name, vars: g.vars })), { optimizer: kind, numClasses });
    if (typeof made === 'string') {
      eagerReason = made;
      if (engine === 'graph') {
        for (const g of groups) g.optimizer.dispose();
        throw new Error(`engine 'graph': the training step of '${net.model.name}' cannot be compiled: ${made}. Fix: use engine 'auto' (falls back to the eager loop) or 'eager'.`);
      }
    } else {
      compiled = made;
      try {
        if (opts.trainState && opts.trainState.groups.some((g) => g.iterations > 0)) {
          const { state, owned } = await eagerStateForGraph(groups);
          compiled.init(state);
          tf.dispose(owned);
        } else {
          compiled.init();
        }
      } catch (e) {
        for (const g of groups) g.optimizer.dispose();
        throw e;
      }
    }
  } else {
    eagerReason = "engine 'eager'";
  }
  const version = trainableVersion(net.model);
  const allVars = groups.flatMap((g) => g.vars);
  const seed = opts.seed ?? 0;
  const stepsPerEpoch = Math.ceil(data.count / batchSize);
  const totalSteps = (e0 - from + epochs) * stepsPerEpoch;
  const callbacks = opts.callbacks ?? [];
  const history: History = { epochs: [], events: [], wallSeconds: 0, samplesSeen: 0, stoppedEarly: false, trainableParams: trainableParams(net.model), engine: compiled ? 'graph' : 'eager' };
  if (eagerReason) history.eagerReason = eagerReason;
  // The compiled step holds the weights while it trains: pulled back into the model at
  // every epoch end (before validation and callbacks), pushed again before the next epoch.
  let dirty = false;
  let stale = false;
  const start = Date.now();
  for (const label of opts.events ?? []) history.events.push({ epoch: e0, label } as TrainEvent);
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  let step = (e0 - from) * stepsPerEpoch;
  let stop = false;
  try {
    for (const cb of callbacks) await cb.onTrainBegin?.(net, history);
    for (let e = 0; e < epochs && !stop; e++) {
      const epoch = e0 + e;
      // One stream per epoch, derived from (seed, epoch): a resumed run shuffles the same way.
      const epochRng = new Random((seed * 1000003 + epoch * 7919 + 17) >>> 0);
      if (opts.shuffle ?? true) { for (let i = 0; i < order.length; i++) order[i] = i; epochRng.shuffleInPlace(order); }
      const t0 = Date.now();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let lrNow = lr;
      for (let s = 0; s < stepsPerEpoch; s++, step++) {
        if (trainableVersion(net.model) !== version) {
          throw new Error('the trainable layers changed during train(); freeze/unfreeze between calls, or use gradualUnfreeze().');
        }
        const idx = order.subarray(s * batchSize, Math.min(data.count, (s + 1) * batchSize));
        const mult = schedule(step, totalSteps);
        lrNow = lr * mult;
        for (const g of groups) setLr(g.optimizer, lr * g.multiplier * mult);
        const { xs, ys } = data.batch(idx, epochRng);
        let lossT: tfn.Tensor;
        let hitsT: tfn.Tensor;
        if (compiled) {
          if (stale) { compiled.pushWeights(); stale = false; }
          try {
            ({ loss: lossT, hits: hitsT } = compiled.step(xs, ys, groups.map((g) => lr * g.multiplier * mult)));
          } catch (e) {
            tf.dispose([xs, ys]);
            throw e;
          }
          dirty = true;
        } else {
          [lossT, hitsT] = tf.tidy(() => {
            let hits: tfn.Tensor | null = null;
            const { value, grads } = tf.variableGrads(() => {
              const probs = net.model.apply(xs, { training: true }) as tfn.Tensor;
              hits = tf.keep(probs.argMax(-1).equal(ys).sum());
              return sparseCrossEntropy(probs, ys, numClasses);
            }, allVars);
            for (const g of groups) {
              const gg: Record<string, tfn.Tensor> = {};
              for (const v of g.vars) gg[v.name] = grads[v.name];
              g.optimizer.applyGradients(gg);
            }
            return [value, hits as unknown as tfn.Tensor];
          });
        }
        xs.dispose();
        ys.dispose();
        const loss = (await lossT.data())[0];
        const hits = (await hitsT.data())[0];
        lossT.dispose();
        hitsT.dispose();
        if (!Number.isFinite(loss)) {
          throw new Error(`the training loss became ${loss} at epoch ${epoch + 1}, step ${s + 1} (learning rate ${lrNow.toExponential(2)}). Fix: lower the learning rate, or check the inputs for NaN/Inf values.`);
        }
        lossSum += loss * idx.length;
        correct += hits;
        seen += idx.length;
        history.samplesSeen += idx.length;
        for (const cb of callbacks) if (cb.onBatchEnd && (await cb.onBatchEnd(step, { loss, lr: lrNow, epoch })) === 'stop') stop = true;
        if (stop) break;
      }
      if (compiled && dirty) { compiled.pullWeights(); dirty = false; }
      stale = compiled !== null;
      const logs: EpochLogs = {
        epoch, loss: lossSum / Math.max(1, seen), acc: correct / Math.max(1, seen), lr: lrNow,
        seconds: (Date.now() - t0) / 1000, samplesSeen: history.samplesSeen, wallSeconds: (Date.now() - start) / 1000,
      };
      if (opts.validation) Object.assign(logs, await evaluateSource(net, opts.validation, { batchSize: Math.max(batchSize, 256) }));
      history.epochs.push(logs);
      const c = compiled;
      const ctx = { trainState: () => (c ? Promise.resolve(captureGraphState(net, groups, kind, c)) : captureState(net, groups, kind)) };
      for (const cb of callbacks) if (cb.onEpochEnd && (await cb.onEpochEnd(epoch, logs, net, ctx)) === 'stop') { stop = true; history.stoppedEarly = true; }
    }
    for (const cb of callbacks) await cb.onTrainEnd?.(net, history);
  } finally {
    if (compiled) {
      // A run that failed mid-epoch leaves the model where the steps took it, as the eager loop does.
      if (dirty) compiled.pullWeights(); // the step stays cached for the next train() on this net
    }
    for (const g of groups) g.optimizer.dispose();
    history.wallSeconds = (Date.now() - start) / 1000;
  }
  return history;
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
    throw new Error(`the evaluation loss is ${lossSum}: the inputs or the weights of '${net.model.name}' contain NaN/Inf values. Fix: check the inputs for NaN/Inf, or reload the weights (a diverged training run leaves NaN weights).`);
  }
  return { valLoss: lossSum / data.count, valAcc: correct / data.count };
}
