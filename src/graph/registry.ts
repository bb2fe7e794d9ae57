/**
 * The layer registry of the graph compiler: one entry per layer kind holds everything the
 * compiler knows about it (whether a layer is supported, its forward emission, its
 * backward emission), with a plan typed per kind that carries what the forward pass made
 * to the backward pass. Adding a layer kind = one entry in `kinds/` and one line in its
 * table (`kinds/index.ts`).
 */
import type * as tfn from '@tensorflow/tfjs-node';
import { GraphBuilder, Ref } from './builder';
import { Attr } from './proto';
import { LayerWeight, layerField, layerWeights } from '../internals/tfjs';

/** Activations the compiler emits (others make a layer unsupported). */
export type Act = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'gelu' | 'softmax';
/** Every {@link Act}. */
export const ACTS: ReadonlySet<string> = new Set<string>(['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'gelu', 'softmax']);

/** The float32 type attribute, and `{ T: float32 }`: what most ops take. */
export const F: Attr = { type: 'float' };
export const T = { T: F };

/** A layer's `activation` config as an {@link Act}, or why it is unsupported. */
export function actOf(layer: tfn.layers.Layer): Act | string {
  const a = (layer.getConfig() as { activation?: unknown }).activation ?? 'linear';
  return typeof a === 'string' && ACTS.has(a) ? (a as Act) : `activation '${String(a)}' of layer '${layer.name}'`;
}

/** The activation of a layer with an `activation` config (conv, dense, activation layers). */
export function layerAct(info: LayerInfo): Act | string {
  return actOf(info.layer);
}

/** A 2-tuple config (kernel size, strides) from a number or an array. */
export function pair(v: unknown): [number, number] {
  return Array.isArray(v) ? [Number(v[0]), Number(v[v.length > 1 ? 1 : 0])] : [Number(v), Number(v)];
}

/**
 * What draws a dropout mask the way eager mode does: `randomUniform(shape, 0, 1, seed +
 * calls++) >= rate` (SeededDropout; the text encoder's attention dropout).
 */
export interface DropoutSource {
  readonly seed: number;
  readonly rate: number;
  calls: number;
}

/** A layer as the registry sees it: its config and the shapes of its inputs. */
export interface LayerInfo {
  layer: tfn.layers.Layer;
  name: string;
  cls: string;
  cfg: Record<string, unknown>;
  /** Static shapes of the layer's inputs (null: any size). */
  inShapes: (number | null)[][];
}

/** A weight as the graph sees it: its value, its handle, and the tfjs variable when it trains in this graph. */
export interface WeightRef {
  ref: Ref;
  handle: Ref;
  variable?: tfn.Variable;
  shape: number[];
}

/** What a kind's forward emission can ask of the compiler. */
export interface ForwardContext {
  g: GraphBuilder;
  /** 'train': dropout masks, BatchNorm per its mode, logits out; 'infer': inference mode, softmax applied. */
  mode: 'train' | 'infer';
  /** A layer weight by role ('kernel', 'gamma', ...); `state`: a value the step updates without an optimizer. */
  weight(layer: tfn.layers.Layer, role: string, state?: boolean): WeightRef;
  /** An assignment the step runs after its forward pass (BatchNorm moving statistics). */
  stateUpdate(assign: Ref): void;
  /** The placeholder fed with a dropout layer's mask (training mode), drawn per step from the layer's seed and call count. */
  dropoutMask(layer: DropoutSource, shape: number[]): Ref;
}

/** What a kind's backward emission can ask of the compiler. */
export interface BackwardContext {
  g: GraphBuilder;
  /** Record a weight's gradient, emitted only when the weight trains in this graph. */
  grad(w: WeightRef | undefined, make: () => Ref): void;
}

/**
 * How a layer kind treats the positions of its sequence inputs ([batch, length, ...]), for
 * token packing (./packing.ts): `'tokenwise'` when each position's output depends on that
 * position's input only (Dense, LayerNorm, Add, dropout, activations), so it may run on
 * the packed [tokens, ...] rows; `{ masked: i }` when it reads padded positions only
 * through the padding mask, its input `i` (self-attention, masked pooling).
 */
export type TokenUse = 'tokenwise' | { masked: number };

/** A layer kind: support check, forward and backward emission, with its own plan type `P`. */
export interface LayerKind<P> {
  /** Class names (`getClassName()`) this entry handles. */
  classes: string[];
  /** Takes more than one input (merge layers); default one. */
  multiInput?: boolean;
  /** How it treats sequence positions (token packing); unset: it reads every position, which turns packing off. */
  tokens?: TokenUse;
  /** The activation applied after the kind's output (`pre`): `actOf` for layers with an `activation` config. */
  act?(info: LayerInfo): Act | string;
  /** Why this layer cannot be compiled in `mode` (`null` when it can). */
  unsupported(info: LayerInfo, mode: 'train' | 'infer'): string | null;
  /**
   * Emit the forward pass from the layer's inputs: the output before the activation, and
   * the plan. With `restore`, `pre` is in a flattened layout (e.g. a rank-3 Dense's rank-2
   * MatMul + BiasAdd) and `restore(pre)` is the layer's output shape; the activation must be
   * element-wise along the last axis, which `restore` keeps. The compiler applies the
   * activation before `restore` in inference mode (so Grappler can fuse it into the op
   * before, e.g. MatMul + BiasAdd + GELU into one `_MklNativeFusedMatMul`) and after it in
   * training mode (the backward pass sees the gradient of `restore(pre)`, as without it).
   */
  forward(ctx: ForwardContext, info: LayerInfo, xs: Ref[]): { pre: Ref; plan: P; restore?: (x: Ref) => Ref };
  /**
   * Emit the gradients: `d` is the gradient of `pre`; returns one gradient per input
   * (`need[i]` false: none wanted, return null); weight gradients go to `ctx.grad`.
   */
  backward(ctx: BackwardContext, plan: P, d: Ref, need: boolean[]): (Ref | null)[];
}

/** A kind with its plan type hidden: the forward emission returns its own backward emission. */
export interface RegisteredKind {
  classes: string[];
  multiInput: boolean;
  tokens?: TokenUse;
  act?(info: LayerInfo): Act | string;
  unsupported(info: LayerInfo, mode: 'train' | 'infer'): string | null;
  emit(
    ctx: ForwardContext,
    info: LayerInfo,
    xs: Ref[],
  ): { pre: Ref; restore?: (x: Ref) => Ref; backward: (ctx: BackwardContext, d: Ref, need: boolean[]) => (Ref | null)[] };
}

/**
 * Register a layer kind (the plan type stays inside the entry).
 *
 * @example
 * export const flatten = defineKind<{ x: Ref }>({ classes: ['Flatten'], unsupported: () => null, forward: ..., backward: ... });
 */
export function defineKind<P>(k: LayerKind<P>): RegisteredKind {
  return {
    classes: k.classes,
    multiInput: k.multiInput ?? false,
    tokens: k.tokens,
    act: k.act,
    unsupported: k.unsupported,
    emit: (ctx, info, xs) => {
      const { pre, plan, restore } = k.forward(ctx, info, xs);
      return { pre, restore, backward: (bctx, d, need) => k.backward(bctx, plan, d, need) };
    },
  };
}

/** A layer's weight by role (`kernel`, `bias`, `gamma`, ...). */
export function namedWeight(layer: tfn.layers.Layer, role: string): LayerWeight {
  const w = layerWeights(layer).find((lw) => lw.name.endsWith(`/${role}`) || lw.originalName?.endsWith(`/${role}`));
  if (!w) throw new Error(`compiled graph: layer '${layer.name}' has no weight '${role}'`);
  return w;
}

const EXTRAS = [
  'kernelRegularizer',
  'biasRegularizer',
  'activityRegularizer',
  'kernelConstraint',
  'biasConstraint',
  'gammaRegularizer',
  'betaRegularizer',
  'gammaConstraint',
  'betaConstraint',
  'depthwiseRegularizer',
  'depthwiseConstraint',
];

/** A regularizer or constraint the compiled step would ignore, named; null when the layer has none. */
export function extrasOf(layer: tfn.layers.Layer): string | null {
  for (const k of EXTRAS) if (layerField(layer, k) != null) return `layer '${layer.name}' has a ${k}`;
  return null;
}

/** `Shape(x)` as int32. */
export function shapeOf(g: GraphBuilder, x: Ref): Ref {
  return g.op('Shape', [x], { ...T, out_type: { type: 'int32' } });
}

/** `Reshape(x, dims)`. */
export function reshape(g: GraphBuilder, x: Ref, dims: number[] | Ref, name?: string): Ref {
  return g.op('Reshape', [x, Array.isArray(dims) ? g.ints(dims) : dims], { ...T, Tshape: { type: 'int32' } }, name);
}

/** `BiasAdd` and its gradient: shared by every layer with a bias. */
export const bias = {
  forward: (g: GraphBuilder, h: Ref, b: WeightRef, name: string): Ref => g.op('BiasAdd', [h, b.ref], { ...T, data_format: { s: 'NHWC' } }, `${name}/bias`),
  backward: (ctx: BackwardContext, b: WeightRef | undefined, d: Ref, name: string): void =>
    ctx.grad(b, () => ctx.g.op('BiasAddGrad', [d], { ...T, data_format: { s: 'NHWC' } }, `${name}/grad_bias`)),
};

/** Why a channels-first layer is unsupported (null for channels-last). */
export function channelsFirst(info: LayerInfo): string | null {
  const f = info.cfg.dataFormat;
  return f !== undefined && f !== 'channelsLast' ? `layer '${info.name}' is channelsFirst` : null;
}
