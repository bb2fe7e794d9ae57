/**
 * The compiled training step: a net's forward pass, its backward pass (written out layer
 * by layer with TensorFlow's own gradient kernels: Conv2DBackpropFilter/Input, ReluGrad,
 * MaxPoolGrad, FusedBatchNormGradV3, BiasAddGrad, MatMul) and the optimizer update, as one
 * TensorFlow graph run in a native session per batch. The arithmetic is tfjs's: the same
 * loss (cross-entropy of clipped softmax probabilities), the same Adam and momentum
 * formulas and constants, the same dropout masks, so a compiled run and an eager run agree
 * to float rounding (tests/graph.test.ts).
 *
 * Supported: single-input chains of Conv2D, Dense, MaxPooling2D, AveragePooling2D,
 * GlobalAveragePooling2D, Flatten, Activation, BatchNormalization (inference mode: frozen
 * or `setBatchNormMode(net, 'inference')`; training mode: batch statistics and tfjs's
 * moving-average updates), SeededDropout, with a softmax output. Anything else (e.g. the
 * text encoder, unseeded Dropout) gets the reason from `graphUnsupported`, and `train()`
 * runs its eager loop.
 */
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { GraphBuilder, GraphSession, Ref, Feed } from './builder';
import { Attr } from './proto';
import { batchNormInInference } from '../transfer/freeze';
import { AnyLayer, F, T, chainOf, emitForward, graphUnsupported } from './forward';
import type { GroupSlots } from '../train/state';

export { graphUnsupported };

/** Environment variable: `0` turns the compiled training step off (eager loop everywhere). */
export const GRAPH_ENV = 'TRANSFER_LAB_GRAPH';

/** Whether compiled training steps are allowed (native backend and TRANSFER_LAB_GRAPH not `0`). */
export function graphTrainingEnabled(): boolean {
  return tf.getBackend() === 'tensorflow' && process.env[GRAPH_ENV] !== '0';
}

/** A group of variables sharing one optimizer and learning rate. */
export interface GraphGroup {
  name: string;
  vars: tfn.Variable[];
}

/** Optimizer of the compiled step (tfjs's defaults: Adam 0.9/0.999/1e-7, momentum 0.9). */
export type GraphOptimizer = 'adam' | 'sgd';

/** Per-variable state inside the session. */
interface VarSlot {
  variable: tfn.Variable;
  handle: Ref;
  read: Ref;
  slots: Ref[]; // adam: m, v; sgd: accumulation
  group: number;
}

/** What a step returns: the batch's mean loss and correct predictions (scalars, caller disposes). */
export interface StepResult {
  loss: tfn.Tensor;
  hits: tfn.Tensor;
}

/** Options for {@link compileTrainStep}. */
export interface CompileOptions {
  /** The optimizer: 'adam' (default) or 'sgd' (momentum 0.9). */
  optimizer?: GraphOptimizer;
  /** Number of classes of the softmax output (checked against the model). */
  numClasses: number;
}

/**
 * A net's training step compiled into one TensorFlow graph. Holds the trainable weights
 * and optimizer slots in its session: {@link CompiledTrainStep.pushWeights} copies the
 * model's weights in, {@link CompiledTrainStep.pullWeights} copies them back.
 */
export class CompiledTrainStep {
  private readonly session: GraphSession;
  private readonly vars: VarSlot[];
  private readonly initFeeds: string[];
  private readonly initDone: Ref;
  private readonly weightsDone: Ref;
  private readonly slotInit: string[][];
  private readonly accInit: string[][];
  private readonly accVars: { handles: [Ref, Ref]; reads: [Ref, Ref] }[];
  private readonly dropouts: { layer: AnyLayer & { calls: number; rate: number; seed: number }; feed: string; shape: number[] }[];
  private readonly loss: Ref;
  private readonly hits: Ref;
  private readonly lrFeeds: string[];
  private readonly slotReads: Ref[][];
  private iterations: number[];
  readonly optimizer: GraphOptimizer;
  readonly numGroups: number;
  /** Graph size (nodes), for the curious. */
  readonly nodes: number;

  /** @internal use {@link compileTrainStep}. */
  constructor(parts: {
    session: GraphSession; vars: VarSlot[]; initFeeds: string[]; initDone: Ref; weightsDone: Ref; slotInit: string[][]; accInit: string[][];
    accVars: { handles: [Ref, Ref]; reads: [Ref, Ref] }[]; dropouts: CompiledTrainStep['dropouts']; loss: Ref; hits: Ref; lrFeeds: string[];
    slotReads: Ref[][]; optimizer: GraphOptimizer; numGroups: number; nodes: number;
  }) {
    this.session = parts.session;
    this.vars = parts.vars;
    this.initFeeds = parts.initFeeds;
    this.initDone = parts.initDone;
    this.weightsDone = parts.weightsDone;
    this.slotInit = parts.slotInit;
    this.accInit = parts.accInit;
    this.accVars = parts.accVars;
    this.dropouts = parts.dropouts;
    this.loss = parts.loss;
    this.hits = parts.hits;
    this.lrFeeds = parts.lrFeeds;
    this.slotReads = parts.slotReads;
    this.optimizer = parts.optimizer;
    this.numGroups = parts.numGroups;
    this.nodes = parts.nodes;
    this.iterations = new Array(parts.numGroups).fill(0);
  }

  /**
   * Initialise the session: weights from the model's variables, optimizer slots from
   * `state` (or fresh: zeros, Adam's running beta powers at beta1/beta2).
   */
  init(state?: GroupSlots[]): void {
    const feeds: Feed[] = [];
    const owned: tfn.Tensor[] = [];
    this.vars.forEach((v, i) => feeds.push([this.initFeeds[i], v.variable]));
    for (let g = 0; g < this.numGroups; g++) {
      const members = this.vars.filter((v) => v.group === g);
      const st = state?.[g];
      const per = this.optimizer === 'adam' ? 2 : 1;
      for (let k = 0; k < per; k++) {
        members.forEach((v, j) => {
          const saved = st?.slots[k * members.length + j];
          const t = saved ? tf.tensor(saved.values, saved.shape, 'float32') : tf.zerosLike(v.variable);
          owned.push(t);
          feeds.push([this.slotInit[g][k * members.length + j], t]);
        });
      }
      if (this.optimizer === 'adam') {
        const acc = st?.accBeta ?? [0.9, 0.999];
        const a = [tf.scalar(acc[0]), tf.scalar(acc[1])];
        owned.push(...a);
        feeds.push([this.accInit[g][0], a[0]], [this.accInit[g][1], a[1]]);
      }
      this.iterations[g] = st?.iterations ?? 0;
    }
    try {
      tf.dispose(this.session.run(feeds, [this.initDone]));
    } finally {
      tf.dispose(owned);
    }
  }

  /** Copy the model's current weights into the session (optimizer slots unchanged). */
  pushWeights(): void {
    tf.dispose(this.session.run(this.vars.map((v, i) => [this.initFeeds[i], v.variable] as Feed), [this.weightsDone]));
  }

  /** Copy the session's trainable weights back into the model's variables. */
  pullWeights(): void {
    const trained = this.vars.filter((v) => v.group >= 0 || v.group === -2);
    const vals = this.session.run([], trained.map((v) => v.read));
    trained.forEach((v, i) => v.variable.assign(vals[i]));
    tf.dispose(vals);
  }

  /** The optimizer state, in tfjs's layout (no slots before the first step). */
  state(): GroupSlots[] {
    const out: GroupSlots[] = [];
    for (let g = 0; g < this.numGroups; g++) {
      const group: GroupSlots = { iterations: this.iterations[g], slots: [] };
      if (this.iterations[g] > 0 && this.slotReads[g].length) {
        const ts = this.session.run([], this.slotReads[g]);
        group.slots = ts.map((t) => ({ shape: t.shape.slice(), values: t.dataSync() as Float32Array }));
        tf.dispose(ts);
      }
      if (this.optimizer === 'adam') {
        const a = this.session.run([], this.accVars[g].reads);
        group.accBeta = [a[0].dataSync()[0], a[1].dataSync()[0]];
        tf.dispose(a);
      }
      out.push(group);
    }
    return out;
  }

  /**
   * One optimizer step on a batch. `lrs[g]` is group g's learning rate for this step.
   * Dropout layers draw their masks exactly as in eager mode (and advance their counters).
   */
  step(xs: tfn.Tensor, ys: tfn.Tensor, lrs: number[]): StepResult {
    if (lrs.length !== this.numGroups) throw new Error(`compiled step: ${lrs.length} learning rates for ${this.numGroups} groups`);
    const owned: tfn.Tensor[] = lrs.map((lr) => tf.scalar(lr));
    const feeds: Feed[] = [['x', xs], ['y', ys.dtype === 'int32' ? ys : (owned[owned.length] = ys.toInt())]];
    this.lrFeeds.forEach((name, g) => feeds.push([name, owned[g]]));
    const n = xs.shape[0];
    for (const d of this.dropouts) {
      const seed = d.layer.seed + d.layer.calls++;
      const mask = tf.tidy(() => tf.randomUniform([n, ...d.shape], 0, 1, 'float32', seed).greaterEqual(d.layer.rate).toFloat());
      owned.push(mask);
      feeds.push([d.feed, mask]);
    }
    try {
      const [loss, hits] = this.session.run(feeds, [this.loss, this.hits]);
      for (let g = 0; g < this.numGroups; g++) this.iterations[g]++;
      return { loss, hits };
    } finally {
      tf.dispose(owned);
    }
  }

  /** True while held by {@link cachedTrainStep} (its owner disposes it). */
  cached = false;
  /** True after {@link CompiledTrainStep.dispose}. */
  disposed = false;

  /** Close the session. */
  dispose(): void {
    this.session.dispose();
    this.disposed = true;
  }
}

let compiled = 0;
let cache: { model: tfn.LayersModel; key: string; step: CompiledTrainStep } | null = null;

function structureKey(model: tfn.LayersModel, groups: GraphGroup[], opts: CompileOptions): string {
  const layers = model.layers.map((l) => [l.name, l.trainable, l.getClassName() === 'BatchNormalization' ? batchNormInInference(l) : null]);
  return JSON.stringify([layers, groups.map((g) => g.vars.map((v) => v.name)), opts.optimizer ?? 'adam', opts.numClasses]);
}

/**
 * The compiled step for a net and trainable set, reusing the last one when nothing that
 * shapes the graph changed (same model, trainable weights, groups, optimizer, BatchNorm
 * modes): repeated `train()` calls on one net pay the compilation once. One step is kept;
 * compiling another closes it. Call `init()` before use (weights and slots are re-assigned).
 *
 * @example
 * const step = cachedTrainStep(net.model, groups, { numClasses: 10 });
 */
export function cachedTrainStep(model: tfn.LayersModel, groups: GraphGroup[], opts: CompileOptions): CompiledTrainStep | string {
  const key = structureKey(model, groups, opts);
  if (cache && cache.model === model && cache.key === key && !cache.step.disposed) return cache.step;
  const step = compileTrainStep(model, groups, opts);
  if (typeof step === 'string') return step;
  releaseCachedTrainStep();
  step.cached = true;
  cache = { model, key, step };
  return step;
}

/**
 * Close the cached compiled step (its session holds a copy of the net's weights).
 *
 * @example
 * releaseCachedTrainStep();
 */
export function releaseCachedTrainStep(): void {
  if (cache) { cache.step.cached = false; cache.step.dispose(); }
  cache = null;
}

/**
 * Compile a net's training step (forward, backward, optimizer update) into one
 * TensorFlow graph. Returns the reason as a string when the net is not supported.
 *
 * @example
 * const step = compileTrainStep(net.model, [{ name: 'head', vars }], { numClasses: 10 });
 * if (typeof step !== 'string') { step.init(); const { loss, hits } = step.step(xs, ys, [1e-3]); step.pullWeights(); step.dispose(); }
 */
export function compileTrainStep(model: tfn.LayersModel, groups: GraphGroup[], opts: CompileOptions): CompiledTrainStep | string {
  if (!graphTrainingEnabled()) return tf.getBackend() === 'tensorflow' ? `${GRAPH_ENV}=0` : `the '${tf.getBackend()}' backend`;
  const why = graphUnsupported(model);
  if (why) return why;
  const layers = chainOf(model) as AnyLayer[];
  const stateUpdates: Ref[] = [];
  const optimizer = opts.optimizer ?? 'adam';
  const outShape = model.outputs[0].shape;
  if (outShape[outShape.length - 1] !== opts.numClasses) return `the output has ${outShape[outShape.length - 1]} classes, not ${opts.numClasses}`;
  const g = new GraphBuilder();
  const tag = `tl${++compiled}`;
  const groupOf = new Map<string, number>();
  groups.forEach((gr, i) => gr.vars.forEach((v) => groupOf.set(v.name, i)));
  const vars: VarSlot[] = [];
  const initFeeds: string[] = [];
  const initAssigns: Ref[] = [];
  const weightAssigns: Ref[] = [];

  const inShape = model.inputs[0].shape.map((d) => (d === null ? -1 : d));
  const x0 = g.placeholder('x', 'float', inShape);
  const y = g.placeholder('y', 'int32', [-1]);

  const weightRef = (lv: { val: tfn.Variable; name: string }, state = false): { ref: Ref; variable?: tfn.Variable; handle: Ref } => {
    const v = lv.val;
    // -1: frozen in this run (assigned at init, never updated); -2: state the step updates
    // without an optimizer (BatchNorm moving statistics in training mode).
    const group = state ? -2 : groupOf.get(v.name) ?? -1;
    const i = vars.length;
    const handle = g.op('VarHandleOp', [], { dtype: F, shape: { shape: v.shape }, shared_name: { s: `${tag}_w${i}` }, container: { s: '' } }, `w${i}`);
    const feed = g.placeholder(`init_w${i}`, 'float', v.shape);
    initFeeds.push(feed);
    weightAssigns.push(g.assignCopy(handle, feed, `init_assign_w${i}`));
    const read = g.op('ReadVariableOp', [handle], { dtype: F }, `read_w${i}`);
    vars.push({ variable: v, handle, read, slots: [], group });
    return { ref: read, variable: group >= 0 ? v : undefined, handle };
  };
  const { plans, out: x, dropouts: dropoutFeeds } = emitForward(g, layers, x0, { mode: 'train', weight: weightRef, stateUpdates });
  const dropouts: CompiledTrainStep['dropouts'] = dropoutFeeds.map((d) => ({ layer: d.layer as unknown as CompiledTrainStep['dropouts'][number]['layer'], feed: d.feed, shape: d.shape }));

  // ---- loss: tfjs's sparseCrossEntropy(softmax) = mean(-sum(onehot * log(clip(p, 1e-7, 1)))) ----
  const logits = x;
  const probs = g.op('Softmax', [logits], T, 'probs');
  const onehot = g.op('OneHot', [y, g.constant({ dtype: 'int32', shape: [], values: [opts.numClasses] }), g.scalar(1), g.scalar(0)], { T: F, TI: { type: 'int32' }, axis: { i: -1 } }, 'onehot');
  const lo = g.scalar(1e-7, 'clip_lo');
  const hi = g.scalar(1, 'clip_hi');
  const clipped = g.op('ClipByValue', [probs, lo, hi], T, 'clipped');
  const perEx = g.op('Neg', [g.op('Sum', [g.op('Mul', [onehot, g.op('Log', [clipped], T)], T), g.ints([1])], { ...T, Tidx: { type: 'int32' }, keep_dims: { b: false } })], T);
  const loss = g.op('Mean', [perEx, g.ints([0])], { ...T, Tidx: { type: 'int32' }, keep_dims: { b: false } }, 'loss_value');
  const argmax = g.op('ArgMax', [probs, g.constant({ dtype: 'int32', shape: [], values: [1] })], { T: F, Tidx: { type: 'int32' }, output_type: { type: 'int32' } });
  const hits = g.op('Sum', [g.op('Cast', [g.op('Equal', [argmax, y], { T: { type: 'int32' }, incompatible_shape_error: { b: true } })], { SrcT: { type: 'bool' }, DstT: F, Truncate: { b: false } }), g.ints([0])], { ...T, Tidx: { type: 'int32' }, keep_dims: { b: false } }, 'hits_value');

  // ---- backward ----
  const n = g.op('Cast', [g.op('Size', [y], { T: { type: 'int32' }, out_type: { type: 'int32' } })], { SrcT: { type: 'int32' }, DstT: F, Truncate: { b: false } }, 'batch_n');
  const negInvN = g.op('Neg', [g.op('RealDiv', [g.scalar(1), n], T)], T, 'neg_inv_n');
  const gLog = g.op('RealDiv', [g.op('Mul', [negInvN, onehot], T), clipped], T, 'grad_log');
  const inRange = g.op('LogicalAnd', [g.op('GreaterEqual', [probs, lo], T), g.op('LessEqual', [probs, hi], T)], {});
  const gProbs = g.op('Select', [inRange, gLog, g.op('ZerosLike', [gLog], T)], T, 'grad_probs');
  const dyTimesY = g.op('Mul', [gProbs, probs], T);
  let dy = g.op('Sub', [dyTimesY, g.op('Mul', [g.op('Sum', [dyTimesY, g.ints([1])], { ...T, Tidx: { type: 'int32' }, keep_dims: { b: true } }), probs], T)], T, 'grad_logits');

  const low = plans.findIndex((p) => Object.values(p.vars).some((v) => v !== undefined));
  if (low < 0) throw new Error('compiled step: no trainable weights');
  const grads = new Map<tfn.Variable, Ref>();
  for (let i = plans.length - 1; i >= low; i--) {
    const p = plans[i];
    const l = p.layer.name;
    // activation
    let d = dy;
    if (p.act === 'relu') d = g.op('ReluGrad', [dy, p.pre], T, `${l}/grad_relu`);
    else if (p.act === 'relu6') d = g.op('Relu6Grad', [dy, p.pre], T, `${l}/grad_relu6`);
    else if (p.act === 'sigmoid') d = g.op('SigmoidGrad', [p.y, dy], T, `${l}/grad_sigmoid`);
    else if (p.act === 'tanh') d = g.op('TanhGrad', [p.y, dy], T, `${l}/grad_tanh`);
    const needDx = i > low;
    let dx: Ref | null = null;
    switch (p.kind) {
      case 'Conv2D': {
        if (p.vars.bias) grads.set(p.vars.bias, g.op('BiasAddGrad', [d], { ...T, data_format: { s: 'NHWC' } }, `${l}/grad_bias`));
        const attrs = p.info.attrs as Record<string, Attr>;
        if (p.vars.kernel) grads.set(p.vars.kernel, g.op('Conv2DBackpropFilter', [p.x, g.ints(p.info.kernelShape as number[]), d], attrs, `${l}/grad_kernel`));
        if (needDx) dx = g.op('Conv2DBackpropInput', [g.op('Shape', [p.x], { ...T, out_type: { type: 'int32' } }), p.weights.kernel, d], attrs, `${l}/grad_input`);
        break;
      }
      case 'Dense': {
        if (p.vars.bias) grads.set(p.vars.bias, g.op('BiasAddGrad', [d], { ...T, data_format: { s: 'NHWC' } }, `${l}/grad_bias`));
        if (p.vars.kernel) grads.set(p.vars.kernel, g.op('MatMul', [p.x, d], { ...T, transpose_a: { b: true }, transpose_b: { b: false } }, `${l}/grad_kernel`));
        if (needDx) dx = g.op('MatMul', [d, p.weights.kernel], { ...T, transpose_a: { b: false }, transpose_b: { b: true } }, `${l}/grad_input`);
        break;
      }
      case 'Activation': case 'Dropout':
        dx = d;
        break;
      case 'MaxPooling2D':
        if (needDx) dx = g.op('MaxPoolGrad', [p.x, p.pre, d], p.info.attrs as Record<string, Attr>, `${l}/grad_pool`);
        break;
      case 'AveragePooling2D': {
        const { T: _t, ...rest } = p.info.attrs as Record<string, Attr>;
        void _t;
        if (needDx) dx = g.op('AvgPoolGrad', [g.op('Shape', [p.x], { ...T, out_type: { type: 'int32' } }), d], { ...rest, T: F }, `${l}/grad_pool`);
        break;
      }
      case 'GlobalAveragePooling2D':
        if (needDx) {
          const r = g.op('Reshape', [d, g.ints([-1, 1, 1, p.info.channels as number])], { ...T, Tshape: { type: 'int32' } });
          dx = g.op('RealDiv', [g.op('BroadcastTo', [r, g.op('Shape', [p.x], { ...T, out_type: { type: 'int32' } })], { ...T, Tidx: { type: 'int32' } }), g.scalar(p.info.hw as number)], T, `${l}/grad_mean`);
        }
        break;
      case 'Flatten':
        if (needDx) dx = g.op('Reshape', [d, g.op('Shape', [p.x], { ...T, out_type: { type: 'int32' } })], { ...T, Tshape: { type: 'int32' } }, `${l}/grad_reshape`);
        break;
      case 'BatchNormalization': {
        const c = p.info.c as number;
        const d4 = p.info.four ? d : g.op('Reshape', [d, g.ints([-1, 1, 1, c])], { ...T, Tshape: { type: 'int32' } });
        const bn = p.info.bn as Ref;
        // Inference mode: the population statistics; training mode: the batch's saved ones.
        const saved = p.info.training ? [`${bn}:3`, `${bn}:4`] : [p.weights.mean, p.weights.variance];
        const bg = g.op('FusedBatchNormGradV3', [d4, p.info.xin as Ref, p.weights.gamma, ...saved, `${bn}:5`], p.info.attrs as Record<string, Attr>, `${l}/grad_bn`);
        if (p.vars.gamma) grads.set(p.vars.gamma, `${bg}:1`);
        if (p.vars.beta) grads.set(p.vars.beta, `${bg}:2`);
        if (needDx) dx = p.info.four ? bg : g.op('Reshape', [`${bg}:0`, g.ints([-1, c])], { ...T, Tshape: { type: 'int32' } });
        break;
      }
      case 'SeededDropout':
        if (needDx) dx = p.info.mask ? g.op('Mul', [g.op('RealDiv', [d, p.info.keep as Ref], T), p.info.mask as Ref], T, `${l}/grad_dropout`) : d;
        break;
      default:
        throw new Error(`compiled step: no gradient for ${p.kind}`);
    }
    if (needDx) {
      if (!dx) throw new Error(`compiled step: no input gradient for layer '${l}'`);
      dy = dx;
    }
  }

  // ---- optimizer (tfjs's formulas and constants) ----
  const updates: Ref[] = [];
  const lrFeeds: string[] = [];
  const slotInit: string[][] = [];
  const accInit: string[][] = [];
  const accVars: { handles: [Ref, Ref]; reads: [Ref, Ref] }[] = [];
  const slotReads: Ref[][] = [];
  const eps = g.scalar(1e-7, 'adam_eps');
  const b1 = g.scalar(0.9), b2 = g.scalar(0.999), omb1 = g.scalar(1 - 0.9), omb2 = g.scalar(1 - 0.999), one = g.scalar(1);
  const mom = g.scalar(0.9, 'momentum');
  const slotVar = (name: string, shape: number[]): { handle: Ref; read: Ref; init: string; assign: Ref } => {
    const handle = g.op('VarHandleOp', [], { dtype: F, shape: { shape }, shared_name: { s: `${tag}_${name}` }, container: { s: '' } }, name);
    const init = g.placeholder(`init_${name}`, 'float', shape);
    initAssigns.push(g.assignCopy(handle, init, `init_assign_${name}`));
    return { handle, read: g.op('ReadVariableOp', [handle], { dtype: F }, `read_${name}`), init, assign: '' };
  };
  for (let gi = 0; gi < groups.length; gi++) {
    const lrFeed = g.placeholder(`lr${gi}`, 'float', []);
    lrFeeds.push(lrFeed);
    const negLr = g.op('Neg', [lrFeed], T, `neg_lr${gi}`);
    const members = vars.filter((v) => v.group === gi);
    slotInit.push([]);
    accInit.push([]);
    slotReads.push([]);
    const groupUpdates: Ref[] = [];
    let omAcc1 = '', omAcc2 = '';
    let acc: { handles: [Ref, Ref]; reads: [Ref, Ref] } | null = null;
    if (optimizer === 'adam') {
      const a1 = slotVar(`g${gi}_acc_beta1`, []), a2 = slotVar(`g${gi}_acc_beta2`, []);
      accInit[gi].push(a1.init, a2.init);
      acc = { handles: [a1.handle, a2.handle], reads: [a1.read, a2.read] };
      omAcc1 = g.op('Sub', [one, a1.read], T);
      omAcc2 = g.op('Sub', [one, a2.read], T);
    }
    accVars.push(acc ?? { handles: ['', ''], reads: ['', ''] });
    const per = optimizer === 'adam' ? 2 : 1;
    const slotsByK: { handle: Ref; read: Ref; init: string }[][] = [];
    for (let k = 0; k < per; k++) {
      slotsByK.push(members.map((v) => { const i = vars.indexOf(v); return slotVar(`w${i}_${optimizer === 'adam' ? (k === 0 ? 'm' : 'v') : 'acc'}`, v.variable.shape); }));
      for (const s of slotsByK[k]) { slotInit[gi].push(s.init); slotReads[gi].push(s.read); }
    }
    members.forEach((v, j) => {
      const grad = grads.get(v.variable);
      if (!grad) throw new Error(`compiled step: no gradient for weight '${v.variable.name}'`);
      const i = vars.indexOf(v);
      if (optimizer === 'adam') {
        const m = slotsByK[0][j], s = slotsByK[1][j];
        const mNew = g.op('AddV2', [g.op('Mul', [m.read, b1], T), g.op('Mul', [grad, omb1], T)], T, `w${i}_m_new`);
        const vNew = g.op('AddV2', [g.op('Mul', [s.read, b2], T), g.op('Mul', [g.op('Square', [grad], T), omb2], T)], T, `w${i}_v_new`);
        const mHat = g.op('RealDiv', [mNew, omAcc1], T);
        const vHat = g.op('RealDiv', [vNew, omAcc2], T);
        const wNew = g.op('AddV2', [g.op('Mul', [g.op('RealDiv', [mHat, g.op('AddV2', [g.op('Sqrt', [vHat], T), eps], T)], T), negLr], T), v.read], T, `w${i}_new`);
        groupUpdates.push(
          g.op('AssignVariableOp', [m.handle, mNew], { dtype: F }, `w${i}_assign_m`),
          g.op('AssignVariableOp', [s.handle, vNew], { dtype: F }, `w${i}_assign_v`),
          g.op('AssignVariableOp', [v.handle, wNew], { dtype: F }, `w${i}_assign`),
        );
      } else {
        const a = slotsByK[0][j];
        const accNew = g.op('AddV2', [g.op('Mul', [mom, a.read], T), grad], T, `w${i}_acc_new`);
        const wNew = g.op('AddV2', [g.op('Mul', [negLr, accNew], T), v.read], T, `w${i}_new`);
        groupUpdates.push(
          g.op('AssignVariableOp', [a.handle, accNew], { dtype: F }, `w${i}_assign_acc`),
          g.op('AssignVariableOp', [v.handle, wNew], { dtype: F }, `w${i}_assign`),
        );
      }
    });
    if (acc) {
      // The running beta powers advance after the group's update read them.
      groupUpdates.push(
        g.op('AssignVariableOp', [acc.handles[0], g.op('Mul', [acc.reads[0], b1], T)], { dtype: F }, `g${gi}_assign_acc_beta1`, groupUpdates.slice()),
        g.op('AssignVariableOp', [acc.handles[1], g.op('Mul', [acc.reads[1], b2], T)], { dtype: F }, `g${gi}_assign_acc_beta2`, groupUpdates.slice()),
      );
    }
    updates.push(...groupUpdates);
  }
  updates.push(...stateUpdates);
  const lossOut = g.op('Identity', [loss], T, 'loss', updates);
  const hitsOut = g.op('Identity', [hits], T, 'hits', updates);
  const initDone = g.op('Identity', [g.scalar(0)], T, 'init_done', [...weightAssigns, ...initAssigns]);
  const weightsDone = g.op('Identity', [g.scalar(0)], T, 'weights_done', weightAssigns);

  const session = new GraphSession(g);
  return new CompiledTrainStep({
    session, vars, initFeeds, initDone, weightsDone, slotInit, accInit, accVars, dropouts, loss: lossOut, hits: hitsOut, lrFeeds,
    slotReads, optimizer, numGroups: groups.length, nodes: g.size,
  });
}
