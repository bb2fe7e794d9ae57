/**
 * The compiled training step: a net's forward pass, its backward pass (written out layer
 * by layer with TensorFlow's own gradient kernels: Conv2DBackpropFilter/Input, ReluGrad,
 * MaxPoolGrad, FusedBatchNormGradV3, BiasAddGrad, MatMul) and the optimizer update, as one
 * TensorFlow graph run in a native session per batch. The arithmetic is tfjs's: the same
 * loss (cross-entropy of clipped softmax probabilities), the same Adam and momentum
 * formulas and constants, the same dropout masks, so a compiled run and an eager run agree
 * to float rounding (tests/graph.test.ts).
 *
 * Supported: single-input (float, or int32 token ids), single-output models (chains or
 * DAGs such as residual blocks or transformer blocks) of the layer kinds in ./kinds
 * (Conv2D, DepthwiseConv2D, Dense on rank 2 or 3, pooling, Flatten, Activation incl. GELU,
 * ReLU, Add, BatchNormalization in inference or training mode, SeededDropout, and the text
 * encoder's PaddingMask, BertEmbeddings, BertLayerNorm, SelfAttention, MaskedMeanPooling,
 * L2Normalize), with a softmax output. Anything else (e.g. unseeded Dropout) gets the
 * reason from `graphUnsupported`, and `train()` runs its eager loop.
 *
 * The step is composed here from its parts: forward (./forward), loss (./loss), backward
 * (./backward), optimizer (./optimizer).
 */
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { GraphBuilder, GraphSession, Ref, Feed } from './builder';
import { batchNormInInference } from '../transfer/freeze';
import { DropoutFeed, GraphWeights, SessionWeight, WeightRole, WeightSync, emitForward, graphUnsupported, inputDtype, layerGraph, LayerGraph } from './forward';
import { emitBackward } from './backward';
import { MaskPrefetcher, MaskSpec } from './mask-prefetch';
import { emitLoss } from './loss';
import { GraphOptimizer, GroupOptimizer, emitOptimizer } from './optimizer';
import { GRAPH_ENV, graphDisabled } from './env';
import type { GroupSlots } from '../train/state';

export { graphUnsupported, GRAPH_ENV };
export type { GraphOptimizer };

/** A group of variables sharing one optimizer and learning rate. */
export interface GraphGroup {
  name: string;
  vars: tfn.Variable[];
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

/** The parts of a compiled step (what {@link compileTrainStep} emitted). */
interface StepParts {
  session: GraphSession;
  weights: SessionWeight[];
  groups: GroupOptimizer[];
  dropouts: DropoutFeed[];
  /** Fetch: runs the weight assignments (from their feeds). */
  weightsDone: Ref;
  /** Fetch: runs the slot assignments (from their feeds). */
  slotsDone: Ref;
  /** Fetch: sets fresh optimizer state in the graph (no feeds). */
  freshDone: Ref;
  loss: Ref;
  hits: Ref;
  optimizer: GraphOptimizer;
  nodes: number;
  /** The input's dtype (int32 for token ids); a batch of the other dtype is cast. */
  xDtype: 'int32' | 'float';
  /** Whether the per-token layers run on the real tokens only (./packing.ts). */
  packed: boolean;
}

/**
 * A net's training step compiled into one TensorFlow graph. Holds the trainable weights
 * and optimizer slots in its session: {@link CompiledTrainStep.pushWeights} copies the
 * model's weights in, {@link CompiledTrainStep.pullWeights} copies them back.
 */
export class CompiledTrainStep {
  private readonly iterations: number[];
  /** Whether the session holds the model's current weights (the copy in is skipped then). */
  private readonly sync: WeightSync;
  readonly optimizer: GraphOptimizer;
  readonly numGroups: number;
  /** Graph size (nodes), for the curious. */
  readonly nodes: number;
  /** Whether a text encoder's per-token layers run on its real tokens only (./packing.ts). */
  readonly packed: boolean;
  /** True while held by {@link cachedTrainStep} (its owner disposes it). */
  cached = false;
  /** True after {@link CompiledTrainStep.dispose}. */
  disposed = false;
  /** The dropout masks, the next step's drawn in a worker while a step runs. */
  readonly masks = new MaskPrefetcher();

  /** @internal use {@link compileTrainStep}. */
  constructor(private readonly parts: StepParts) {
    this.optimizer = parts.optimizer;
    this.numGroups = parts.groups.length;
    this.nodes = parts.nodes;
    this.packed = parts.packed;
    this.iterations = new Array(this.numGroups).fill(0);
    this.sync = new WeightSync(parts.weights.map((w) => w.variable));
  }

  private weightFeeds(): Feed[] {
    return this.parts.weights.map((w) => [w.init, w.variable]);
  }

  /**
   * Initialise the session: weights from the model's variables (unless the session holds
   * them already), optimizer slots from `state`, or fresh ones made in the graph (zeros,
   * Adam's running beta powers at beta1/beta2).
   */
  init(state?: GroupSlots[]): void {
    const feeds: Feed[] = [];
    const fetches: Ref[] = [];
    const owned: tfn.Tensor[] = [];
    if (!this.sync.current) {
      feeds.push(...this.weightFeeds());
      fetches.push(this.parts.weightsDone);
    }
    const feed = (name: string, t: tfn.Tensor) => {
      owned.push(t);
      feeds.push([name, t]);
    };
    this.parts.groups.forEach((group, g) => {
      const st = state?.[g];
      this.iterations[g] = st?.iterations ?? 0;
      if (!state) return;
      const members = this.parts.weights.filter((w) => w.role.role === 'trained' && w.role.group === g);
      group.slots.forEach((slot, k) => {
        const saved = st?.slots[k];
        feed(slot.init, saved ? tf.tensor(saved.values, saved.shape, 'float32') : tf.zerosLike(members[k % members.length].variable));
      });
      if (group.betaPowers) {
        const acc = st?.accBeta ?? [0.9, 0.999];
        feed(group.betaPowers[0].init, tf.scalar(acc[0]));
        feed(group.betaPowers[1].init, tf.scalar(acc[1]));
      }
    });
    fetches.push(state ? this.parts.slotsDone : this.parts.freshDone);
    try {
      tf.dispose(this.parts.session.run(feeds, fetches));
      this.sync.mark();
    } finally {
      tf.dispose(owned);
    }
  }

  /** Copy the model's current weights into the session (optimizer slots unchanged), unless it holds them already. */
  pushWeights(): void {
    if (this.sync.current) return;
    tf.dispose(this.parts.session.run(this.weightFeeds(), [this.parts.weightsDone]));
    this.sync.mark();
  }

  /** Copy the session's trained weights and updated state back into the model's variables. */
  pullWeights(): void {
    const changed = this.parts.weights.filter((w) => w.role.role !== 'frozen');
    const vals = this.parts.session.run(
      [],
      changed.map((w) => w.read),
    );
    changed.forEach((w, i) => w.variable.assign(vals[i]));
    tf.dispose(vals);
    this.sync.mark();
  }

  /** The optimizer state, in tfjs's layout (no slots before the first step). */
  state(): GroupSlots[] {
    return this.parts.groups.map((group, g) => {
      const out: GroupSlots = { iterations: this.iterations[g], slots: [] };
      if (this.iterations[g] > 0 && group.slots.length) {
        const ts = this.parts.session.run(
          [],
          group.slots.map((s) => s.read),
        );
        out.slots = ts.map((t) => ({ shape: t.shape.slice(), values: t.dataSync() as Float32Array }));
        tf.dispose(ts);
      }
      if (group.betaPowers) {
        const a = this.parts.session.run(
          [],
          group.betaPowers.map((b) => b.read),
        );
        out.accBeta = [a[0].dataSync()[0], a[1].dataSync()[0]];
        tf.dispose(a);
      }
      return out;
    });
  }

  /**
   * One optimizer step on a batch. `lrs[g]` is group g's learning rate for this step.
   * Dropout layers draw their masks exactly as in eager mode (and advance their counters).
   */
  step(xs: tfn.Tensor, ys: tfn.Tensor, lrs: number[]): StepResult {
    if (lrs.length !== this.numGroups) throw new Error(`compiled step: ${lrs.length} learning rates for ${this.numGroups} groups`);
    const owned: tfn.Tensor[] = lrs.map((lr) => tf.scalar(lr));
    const want = this.parts.xDtype === 'int32' ? 'int32' : 'float32';
    const x = xs.dtype === want ? xs : (owned[owned.length] = xs.cast(want));
    const feeds: Feed[] = [
      ['x', x],
      ['y', ys.dtype === 'int32' ? ys : (owned[owned.length] = ys.toInt())],
    ];
    this.parts.groups.forEach((group, g) => feeds.push([group.lr, owned[g]]));
    const n = xs.shape[0];
    const { dropouts } = this.parts;
    const per = dropouts.map((d) => d.shape.reduce((a, b) => a * b, 1));
    const specs = (next: boolean): MaskSpec[] =>
      dropouts.map((d, i) => ({ seed: d.layer.seed + d.layer.calls + (next ? 1 : 0), rate: d.layer.rate, size: n * per[i] }));
    if (dropouts.length) {
      const flags = this.masks.take(specs(false));
      // The next step's masks (its seeds are the call counts after this step), drawn while this one runs.
      this.masks.request(specs(true));
      dropouts.forEach((d, i) => {
        d.layer.calls++;
        const mask = tf.tensor(flags[i], [n, ...d.shape], 'bool');
        owned.push(mask);
        feeds.push([d.feed, mask]);
      });
    }
    try {
      this.sync.clear();
      const [loss, hits] = this.parts.session.run(feeds, [this.parts.loss, this.parts.hits]);
      for (let g = 0; g < this.numGroups; g++) this.iterations[g]++;
      return { loss, hits };
    } finally {
      tf.dispose(owned);
    }
  }

  /** Close the session (and the mask worker). */
  dispose(): void {
    this.parts.session.dispose();
    this.masks.dispose();
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
 * True when {@link cachedTrainStep} would return its kept step for this net and trainable
 * set without compiling (so using the compiled engine costs no compilation).
 *
 * @example
 * hasCachedTrainStep(net.model, groups, { numClasses: 10 }); // false before the first compiled train()
 */
export function hasCachedTrainStep(model: tfn.LayersModel, groups: GraphGroup[], opts: CompileOptions): boolean {
  return !!cache && cache.model === model && !cache.step.disposed && cache.key === structureKey(model, groups, opts);
}

/**
 * Close the cached compiled step (its session holds a copy of the net's weights).
 *
 * @example
 * releaseCachedTrainStep();
 */
export function releaseCachedTrainStep(): void {
  if (cache) {
    cache.step.cached = false;
    cache.step.dispose();
  }
  cache = null;
}

/**
 * Why a net's training step cannot be compiled (the graph is disabled, a layer is not
 * supported, or the output does not match `numClasses`), or null when it can. Cheap: builds nothing.
 *
 * @example
 * trainStepUnsupported(net.model, { numClasses: 10 }); // null, or e.g. 'TRANSFER_LAB_GRAPH=0'
 */
export function trainStepUnsupported(model: tfn.LayersModel, opts: CompileOptions): string | null {
  const why = graphDisabled() ?? graphUnsupported(model);
  if (why) return why;
  const outShape = model.outputs[0].shape;
  if (outShape[outShape.length - 1] !== opts.numClasses) return `the output has ${outShape[outShape.length - 1]} classes, not ${opts.numClasses}`;
  return null;
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
  const why = trainStepUnsupported(model, opts);
  if (why) return why;
  const optimizer = opts.optimizer ?? 'adam';
  const g = new GraphBuilder(`tl${++compiled}`);
  const groupOf = new Map<string, number>();
  groups.forEach((gr, i) => gr.vars.forEach((v) => groupOf.set(v.name, i)));
  // Trained by its group's optimizer, held fixed (frozen in this run), or state the step
  // updates without an optimizer (BatchNorm moving statistics in training mode).
  const roleOf = (v: tfn.Variable, state: boolean): WeightRole => {
    const group = groupOf.get(v.name);
    return state ? { role: 'state' } : group === undefined ? { role: 'frozen' } : { role: 'trained', group };
  };
  const weights = new GraphWeights(g, roleOf);
  const x = g.placeholder(
    'x',
    inputDtype(model),
    model.inputs[0].shape.map((d) => (d === null ? -1 : d)),
  );
  const y = g.placeholder('y', 'int32', [-1]);
  const graph = layerGraph(model) as LayerGraph;
  const forward = emitForward(g, graph, x, { mode: 'train', weights, packTokens: true });
  const { loss, hits, dLogits } = emitLoss(g, forward.out, y, opts.numClasses);
  const grads = emitBackward(g, forward.nodes, graph.input, dLogits, forward.layout);
  const opt = emitOptimizer(g, weights.all, grads, groups.length, optimizer);
  const updates = [...opt.updates, ...forward.stateUpdates];
  const slotAssigns = opt.groups.flatMap((gr) => [...(gr.betaPowers ?? []), ...gr.slots].map((s) => s.assign));
  const F32 = { T: { type: 'float' as const } };
  const lossOut = g.op('Identity', [loss], F32, 'loss', updates);
  const hitsOut = g.op('Identity', [hits], F32, 'hits', updates);
  const weightsDone = g.op('Identity', [g.scalar(0)], F32, 'weights_done', weights.assigns);
  const slotsDone = g.op('Identity', [g.scalar(0)], F32, 'slots_done', slotAssigns);
  const freshDone = g.op(
    'Identity',
    [g.scalar(0)],
    F32,
    'fresh_done',
    opt.groups.flatMap((gr) => gr.fresh),
  );
  return new CompiledTrainStep({
    session: new GraphSession(g),
    weights: weights.all,
    groups: opt.groups,
    dropouts: forward.dropouts,
    loss: lossOut,
    hits: hitsOut,
    weightsDone,
    slotsDone,
    freshDone,
    optimizer,
    nodes: g.size,
    xDtype: inputDtype(model),
    packed: forward.packed,
  });
}
