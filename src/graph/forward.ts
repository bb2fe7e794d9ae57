/**
 * A tfjs layers model (one input, one output; a chain or a DAG of layers, e.g. residual
 * blocks) written out as TensorFlow graph nodes: what the compiled training step and
 * compiled inference share. Which models are supported, the layer graph in topological
 * order, the weights as session variables, and the forward pass in training mode (seeded
 * dropout masks fed in, BatchNorm batch statistics with tfjs's moving-average updates) or
 * inference mode. Each layer kind's details live in its registry entry (./kinds). A text
 * encoder's per-token layers may run on its real tokens only (`packTokens`, ./packing.ts).
 */
import type * as tfn from '@tensorflow/tfjs-node';
import { GraphBuilder, Ref, ResourceVar } from './builder';
import { ACTS, Act, BackwardContext, DropoutSource, F, ForwardContext, LayerInfo, T, WeightRef, extrasOf, namedWeight } from './registry';
import { REGISTRY } from './kinds';
import { TokenPacking } from './packing';
import { checkModel } from '../transfer/net';
import { inboundNodes, symbolic } from '../internals/tfjs';

/** One layer call in a model's graph: its inputs and output as symbolic tensor ids. */
export interface LayerNode {
  info: LayerInfo;
  inputs: number[];
  output: number;
  /** Static shape of the output (null: any size). */
  outShape: (number | null)[];
}

/** A model's layers in topological order, from its input tensor to its output tensor. */
export interface LayerGraph {
  nodes: LayerNode[];
  input: number;
  output: number;
}

/** The layer graph of a single-input, single-output model, or why it cannot be read. */
export function layerGraph(model: tfn.LayersModel): LayerGraph | string {
  if (model.inputs.length !== 1 || model.outputs.length !== 1)
    return `the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs (one of each is supported)`;
  const input = symbolic(model.inputs[0]).id;
  const output = symbolic(model.outputs[0]);
  const nodes: LayerNode[] = [];
  const done = new Set<number>();
  const layersSeen = new Set<tfn.layers.Layer>();
  // Depth-first from the output; a node is listed after all its inputs (post-order).
  const stack: { t: ReturnType<typeof symbolic>; expanded: boolean }[] = [{ t: output, expanded: false }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.t.id === input || done.has(top.t.id)) {
      stack.pop();
      continue;
    }
    const layer = top.t.sourceLayer;
    const node = inboundNodes(layer)[top.t.nodeIndex];
    if (!node || node.inputTensors.length === 0) return `layer '${layer.name}' has no inputs: the layer graph does not lead back to the model's input`;
    if (!top.expanded) {
      top.expanded = true;
      for (const t of [...node.inputTensors].reverse()) if (!done.has(t.id) && t.id !== input) stack.push({ t, expanded: false });
      if (stack.length > 100000) return 'the layer graph does not lead back to the input';
      continue;
    }
    stack.pop();
    if (layersSeen.has(layer)) return `layer '${layer.name}' is called more than once (shared layers are not supported)`;
    layersSeen.add(layer);
    done.add(top.t.id);
    nodes.push({
      info: {
        layer,
        name: layer.name,
        cls: layer.getClassName(),
        cfg: layer.getConfig() as Record<string, unknown>,
        inShapes: node.inputTensors.map((t) => t.shape),
      },
      inputs: node.inputTensors.map((t) => t.id),
      output: top.t.id,
      outShape: top.t.shape,
    });
  }
  return { nodes, input, output: output.id };
}

/**
 * Why a model cannot run as a compiled graph (`null` when it can): for `'train'` (the
 * default) the training step, for `'infer'` the forward pass in inference mode.
 *
 * @example
 * graphUnsupported(net.model); // null, or e.g. "unseeded Dropout layer 'drop'"
 */
export function graphUnsupported(model: tfn.LayersModel, mode: 'train' | 'infer' = 'train'): string | null {
  checkModel(model, 'graphUnsupported');
  const graph = layerGraph(model);
  if (typeof graph === 'string') return graph;
  if (graph.nodes.length === 0) return 'the model has no layers';
  if (mode !== 'train' && mode !== 'infer') throw new Error(`graphUnsupported: mode must be 'train' or 'infer', got '${String(mode)}'.`);
  const last = graph.nodes[graph.nodes.length - 1];
  for (const n of graph.nodes) {
    const { info } = n;
    const extra = extrasOf(info.layer);
    if (extra) return extra;
    const kind = REGISTRY.get(info.cls);
    if (!kind) return `layer '${info.name}' of class ${info.cls}`;
    if (n.inputs.length !== 1 && !kind.multiInput) return `layer '${info.name}' has ${n.inputs.length} inputs`;
    const act = kind.act?.(info) ?? 'linear';
    if (!ACTS.has(act)) return act;
    if (act === 'softmax' && n !== last && mode === 'train') return `softmax inside the net (layer '${info.name}')`;
    const why = kind.unsupported(info, mode);
    if (why) return why;
  }
  if (mode === 'train' && (REGISTRY.get(last.info.cls)?.act?.(last.info) ?? 'linear') !== 'softmax')
    return `the output layer '${last.info.name}' is not a softmax`;
  return null;
}

/** What a weight is to a compiled step: trained by group `group`'s optimizer, held fixed, or state the step updates itself. */
export type WeightRole = { role: 'trained'; group: number } | { role: 'frozen' } | { role: 'state' };

/** A model weight held in a session variable. */
export interface SessionWeight extends ResourceVar {
  variable: tfn.Variable;
  role: WeightRole;
}

/**
 * The model's weights as session variables (one per tfjs variable): the compiled graph
 * holds them, `feeds()` copies the model's values in.
 */
export class GraphWeights {
  readonly all: SessionWeight[] = [];
  private readonly byName = new Map<string, SessionWeight>();

  constructor(
    private readonly g: GraphBuilder,
    private readonly roleOf: (v: tfn.Variable, state: boolean) => WeightRole,
  ) {}

  /** A layer weight entering the graph (once per variable). */
  weight(layer: tfn.layers.Layer, role: string, state = false): WeightRef {
    const val = namedWeight(layer, role).val;
    let w = this.byName.get(val.name);
    if (!w) {
      w = { ...this.g.variable(`w${this.all.length}`, val.shape), variable: val, role: this.roleOf(val, state) };
      this.all.push(w);
      this.byName.set(val.name, w);
    }
    return { ref: w.read, handle: w.handle, variable: w.role.role === 'trained' ? val : undefined, shape: val.shape };
  }

  /** Feeds that copy the model's current weights into the session (run with {@link GraphWeights.assigns}). */
  feeds(): [string, tfn.Tensor][] {
    return this.all.map((w) => [w.init, w.variable]);
  }

  /** The assignments the feeds drive. */
  get assigns(): Ref[] {
    return this.all.map((w) => w.assign);
  }
}

/**
 * Whether a session holds the current values of a model's variables: their tfjs data ids
 * at the last copy between model and session. tfjs gives a variable a new data id
 * whenever it is assigned (`assign`, `setWeights`, a tfjs optimizer), so an unchanged id
 * means an unchanged value and the copy (22.7 M floats for MiniLM) can be skipped.
 */
export class WeightSync {
  private ids: object[] | null = null;

  constructor(private readonly vars: readonly tfn.Variable[]) {}

  /** True when no variable was assigned since {@link WeightSync.mark}, and nothing cleared it. */
  get current(): boolean {
    const ids = this.ids;
    return ids !== null && this.vars.every((v, i) => v.dataId === ids[i]);
  }

  /** The session and the model now hold the same values. */
  mark(): void {
    this.ids = this.vars.map((v) => v.dataId);
  }

  /** The session's values changed (a training step ran). */
  clear(): void {
    this.ids = null;
  }
}

/** A dropout layer's mask placeholder (training mode). */
export interface DropoutFeed {
  layer: DropoutSource;
  feed: string;
  shape: number[];
}

/** A layer as emitted: its activation's input and output, and its backward emission. */
export interface EmittedNode {
  node: LayerNode;
  act: Act;
  pre: Ref;
  y: Ref;
  /** GELU's `0.5 (1 + erf(pre / sqrt 2))`, computed once by the forward pass (GELU layers only). */
  geluCdf?: Ref;
  /** Whether any of its weights trains. */
  trains: boolean;
  /** Which inputs it read packed, and whether its output is packed (token packing, ./packing.ts). */
  inPacked: boolean[];
  outPacked: boolean;
  backward: (ctx: BackwardContext, d: Ref, need: boolean[]) => (Ref | null)[];
}

/** A packed graph's conversions of a tensor (by id) between the padded and the packed layout: each is the other's gradient. */
export interface TokenLayout {
  pack(t: number, x: Ref): Ref;
  unpack(t: number, x: Ref): Ref;
}

/** Options of {@link emitForward}. */
export interface ForwardOptions {
  /** 'train': dropout masks, BatchNorm per its mode, logits out; 'infer': inference mode, softmax applied. */
  mode: 'train' | 'infer';
  /** The session variables the layers' weights go to. */
  weights: GraphWeights;
  /**
   * Run the per-token layers of a text encoder on its real tokens only (./packing.ts; used
   * when exact, else ignored). Default false.
   */
  packTokens?: boolean;
}

const ACT_OPS: Record<Exclude<Act, 'linear' | 'softmax' | 'gelu'>, string> = { relu: 'Relu', relu6: 'Relu6', sigmoid: 'Sigmoid', tanh: 'Tanh' };

/** tfjs's exact GELU, op for op: `x * (0.5 * (1 + erf(x / sqrt(2))))`; also returns the cdf factor (the gradient reuses it). */
function gelu(g: GraphBuilder, x: Ref, l: string): { y: Ref; cdf: Ref } {
  const cdf = g.op(
    'Mul',
    [g.scalar(0.5), g.op('AddV2', [g.scalar(1), g.op('Erf', [g.op('RealDiv', [x, g.scalar(Math.SQRT2)], T)], T)], T)],
    T,
    `${l}/gelu_cdf`,
  );
  return { y: g.op('Mul', [x, cdf], T, `${l}/gelu`), cdf };
}

/**
 * The dtype of a model's input placeholder: int32 for token ids (text encoders), else float.
 *
 * @example
 * inputDtype(textNet.model); // 'int32'
 */
export function inputDtype(model: tfn.LayersModel): 'int32' | 'float' {
  return model.inputs[0].dtype === 'int32' ? 'int32' : 'float';
}

/**
 * Emit a supported model's forward pass into a graph (check with {@link graphUnsupported} first).
 *
 * @returns the emitted layers (for the backward pass), the output, the dropout feeds, the state updates, whether any layer ran on packed tokens, and the packed layout's conversions (null without packing)
 * @example
 * const { out } = emitForward(g, layerGraph(model) as LayerGraph, x, { mode: 'infer', weights });
 */
export function emitForward(
  g: GraphBuilder,
  graph: LayerGraph,
  x0: Ref,
  opts: ForwardOptions,
): { nodes: EmittedNode[]; out: Ref; dropouts: DropoutFeed[]; stateUpdates: Ref[]; packed: boolean; layout: TokenLayout | null } {
  const dropouts: DropoutFeed[] = [];
  const stateUpdates: Ref[] = [];
  const values = new Map<number, Ref>([[graph.input, x0]]);
  const nodes: EmittedNode[] = [];
  const packing = opts.packTokens ? TokenPacking.plan(g, graph, x0, (c) => REGISTRY.get(c)) : null;
  // Token packing: a sequence may be held padded (`values`), packed (`packed`), or both.
  const packed = new Map<number, Ref>();
  let anyPacked = false;
  const shapes = new Map<number, (number | null)[]>();
  for (const n of graph.nodes) n.inputs.forEach((t, i) => shapes.set(t, n.info.inShapes[i]));
  const paddedOf = (t: number): Ref => {
    let v = values.get(t);
    if (v === undefined && packing) values.set(t, (v = packing.unpack(packed.get(t) as Ref, shapes.get(t) as number[], `t${t}`)));
    return v as Ref;
  };
  const packedOf = (t: number): Ref => {
    let v = packed.get(t);
    if (v === undefined && packing) packed.set(t, (v = packing.pack(values.get(t) as Ref, shapes.get(t) as number[], `t${t}`)));
    return v as Ref;
  };
  for (const node of graph.nodes) {
    const kind = REGISTRY.get(node.info.cls);
    if (!kind) throw new Error(`compiled graph: unsupported layer class ${node.info.cls}`);
    const tokenwise = packing !== null && kind.tokens === 'tokenwise' && node.info.inShapes.some((s) => packing.isSequence(s));
    const seq = node.info.inShapes.map((s) => tokenwise && (packing as TokenPacking).isSequence(s));
    const info: LayerInfo = tokenwise
      ? { ...node.info, inShapes: node.info.inShapes.map((s, i) => (seq[i] ? (packing as TokenPacking).packedShape(s) : s)) }
      : node.info;
    let trains = false;
    const ctx: ForwardContext = {
      g,
      mode: opts.mode,
      weight: (layer, role, state) => {
        const w = opts.weights.weight(layer, role, state);
        trains ||= w.variable !== undefined;
        return w;
      },
      stateUpdate: (assign) => stateUpdates.push(assign),
      dropoutMask: (layer, shape) => {
        // Fed as bool (1 byte an element, see ./dropout.ts), used as 0/1 floats as eager mode does.
        // A packed layer's mask is drawn for every position, as eager mode draws it, then packed.
        const full = tokenwise ? [(packing as TokenPacking).length, ...shape] : shape;
        const feed = g.placeholder(`mask${dropouts.length}`, 'bool', [-1, ...full]);
        dropouts.push({ layer, feed, shape: full });
        const m = g.op('Cast', [feed], { SrcT: { type: 'bool' }, DstT: F, Truncate: { b: false } }, `${feed}_float`);
        return tokenwise ? (packing as TokenPacking).pack(m, [null, ...full], feed) : m;
      },
    };
    const emitted = kind.emit(
      ctx,
      info,
      node.inputs.map((t, i) => (seq[i] ? packedOf(t) : paddedOf(t))),
    );
    const { backward, restore } = emitted;
    const act = (kind.act?.(node.info) ?? 'linear') as Act;
    const l = node.info.name;
    // A flattened `pre` (see LayerKind.forward): restored before the activation in training
    // (the backward pass works on the restored shape), after it in inference (fusable).
    const late = restore !== undefined && opts.mode === 'infer';
    const pre = restore && !late ? restore(emitted.pre) : emitted.pre;
    let y = pre;
    let geluCdf: Ref | undefined;
    if (act === 'softmax')
      y = opts.mode === 'infer' ? g.op('Softmax', [pre], T, `${l}/softmax`) : pre; // training: the loss applies it
    else if (act === 'gelu') ({ y, cdf: geluCdf } = gelu(g, pre, l));
    else if (act !== 'linear') y = g.op(ACT_OPS[act], [pre], T, `${l}/${act}`);
    if (late) y = restore(y);
    (tokenwise ? packed : values).set(node.output, y);
    anyPacked ||= tokenwise;
    shapes.set(node.output, node.outShape);
    nodes.push({ node, act, pre, y, geluCdf, trains, backward, inPacked: seq, outPacked: tokenwise });
  }
  const layout = packing && {
    pack: (t: number, x: Ref) => packing.pack(x, shapes.get(t) as number[], `grad_t${t}`),
    unpack: (t: number, x: Ref) => packing.unpack(x, shapes.get(t) as number[], `grad_t${t}`),
  };
  return { nodes, out: paddedOf(graph.output), dropouts, stateUpdates, packed: anyPacked, layout };
}
