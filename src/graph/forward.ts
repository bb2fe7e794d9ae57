/**
 * A tfjs layers model (a single-input chain) written out as TensorFlow graph nodes: what
 * the compiled training step and compiled inference share. Which layers are supported,
 * and the forward pass in training mode (seeded dropout masks fed in, BatchNorm batch
 * statistics with tfjs's moving-average updates) or inference mode.
 */
import type * as tfn from '@tensorflow/tfjs-node';
import { GraphBuilder, Ref } from './builder';
import { Attr } from './proto';
import { batchNormInInference } from '../transfer/freeze';
import { checkModel } from '../transfer/net';

export type Act = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'softmax';
const ACTS = new Set<Act>(['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'softmax']);

export interface SymTensor { id: number; sourceLayer: tfn.layers.Layer; nodeIndex: number; shape: (number | null)[] }
interface LayerNode { inputTensors: SymTensor[] }
export type AnyLayer = tfn.layers.Layer & { inboundNodes: LayerNode[]; [k: string]: unknown };

/** The layers from input to output of a single-input, single-output chain, or why not. */
export function chainOf(model: tfn.LayersModel): AnyLayer[] | string {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return `the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs (one of each is supported)`;
  const input = model.inputs[0] as unknown as SymTensor;
  const layers: AnyLayer[] = [];
  let t = model.outputs[0] as unknown as SymTensor;
  while (t.id !== input.id) {
    const layer = t.sourceLayer as AnyLayer;
    const node = layer.inboundNodes[t.nodeIndex];
    if (!node || node.inputTensors.length !== 1) return `layer '${layer.name}' has ${node?.inputTensors.length ?? 0} inputs (only chains are supported)`;
    layers.unshift(layer);
    t = node.inputTensors[0];
    if (layers.length > 100000) return 'the layer graph does not lead back to the input';
  }
  return layers;
}

export function actOf(layer: AnyLayer): Act | string {
  const a = (layer.getConfig() as { activation?: unknown }).activation ?? 'linear';
  return typeof a === 'string' && ACTS.has(a as Act) ? (a as Act) : `activation '${String(a)}' of layer '${layer.name}'`;
}

function noExtras(layer: AnyLayer): string | null {
  for (const k of ['kernelRegularizer', 'biasRegularizer', 'activityRegularizer', 'kernelConstraint', 'biasConstraint', 'gammaRegularizer', 'betaRegularizer', 'gammaConstraint', 'betaConstraint']) {
    if (layer[k] != null) return `layer '${layer.name}' has a ${k}`;
  }
  return null;
}

export function pair(v: unknown): [number, number] {
  return Array.isArray(v) ? [Number(v[0]), Number(v[v.length > 1 ? 1 : 0])] : [Number(v), Number(v)];
}

export interface Plan {
  layer: AnyLayer;
  kind: string;
  x: Ref; // input
  pre: Ref; // before the activation
  y: Ref; // output
  act: Act;
  weights: Record<string, Ref>; // role -> value ref
  vars: Record<string, tfn.Variable | undefined>; // role -> trainable variable
  info: Record<string, unknown>;
}

export const F: Attr = { type: 'float' };
export const T = { T: F };

/** A weight as the graph sees it: its value, its handle, and the tfjs variable when it trains. */
export interface WeightRef {
  ref: Ref;
  handle: Ref;
  variable?: tfn.Variable;
}

/** A dropout layer's mask placeholder (training mode). */
export interface DropoutFeed {
  layer: AnyLayer;
  feed: string;
  shape: number[];
}

/** Options of {@link emitForward}. */
export interface ForwardOptions {
  /** 'train': dropout masks, BatchNorm per its mode, logits out; 'infer': inference mode, softmax applied. */
  mode: 'train' | 'infer';
  /** How a layer weight enters the graph (`state`: updated by the step, e.g. moving statistics). */
  weight: (lv: { val: tfn.Variable; name: string }, state?: boolean) => WeightRef;
  /** Collects the assignments of state updated by the forward pass (BatchNorm moving statistics). */
  stateUpdates: Ref[];
}

/**
 * Emit a chain's forward pass into a graph.
 *
 * @returns per-layer plans (for the backward pass), the output, and the dropout feeds
 * @example
 * const { out } = emitForward(g, chainOf(model) as AnyLayer[], x, { mode: 'infer', weight, stateUpdates: [] });
 */
export function emitForward(g: GraphBuilder, layers: AnyLayer[], x0: Ref, opts: ForwardOptions): { plans: Plan[]; out: Ref; dropouts: DropoutFeed[] } {
  const named = (l: AnyLayer, role: string): { val: tfn.Variable; name: string } => {
    const w = (l as unknown as { weights: { val: tfn.Variable; name: string; originalName?: string }[] }).weights.find((lw) => lw.name.endsWith(`/${role}`) || lw.originalName?.endsWith(`/${role}`));
    if (!w) throw new Error(`compiled graph: layer '${l.name}' has no weight '${role}'`);
    return w;
  };

  const plans: Plan[] = [];
  let x = x0;
  const dropouts: DropoutFeed[] = [];
  const { weight: weightRef, stateUpdates } = opts;
  const infer = opts.mode === 'infer';
  for (const l of layers) {
    const cls = l.getClassName();
    const cfg = l.getConfig() as Record<string, unknown>;
    const p: Plan = { layer: l, kind: cls, x, pre: x, y: x, act: 'linear', weights: {}, vars: {}, info: {} };
    const inShapeL = l.inboundNodes[0].inputTensors[0].shape;
    switch (cls) {
      case 'Conv2D': {
        const k = weightRef(named(l, 'kernel'));
        p.weights.kernel = k.ref; p.vars.kernel = k.variable;
        const [sh, sw] = pair(cfg.strides ?? 1);
        p.info.attrs = { ...T, strides: { ints: [1, sh, sw, 1] }, padding: { s: cfg.padding === 'same' ? 'SAME' : 'VALID' }, data_format: { s: 'NHWC' }, dilations: { ints: [1, 1, 1, 1] }, use_cudnn_on_gpu: { b: true } } as Record<string, Attr>;
        p.info.kernelShape = k.variable?.shape ?? named(l, 'kernel').val.shape;
        let h = g.op('Conv2D', [x, k.ref], p.info.attrs as Record<string, Attr>, `${l.name}/conv`);
        if (cfg.useBias) { const b = weightRef(named(l, 'bias')); p.weights.bias = b.ref; p.vars.bias = b.variable; h = g.op('BiasAdd', [h, b.ref], { ...T, data_format: { s: 'NHWC' } }, `${l.name}/bias`); }
        p.pre = h;
        p.act = actOf(l) as Act;
        break;
      }
      case 'Dense': {
        const k = weightRef(named(l, 'kernel'));
        p.weights.kernel = k.ref; p.vars.kernel = k.variable;
        let h = g.op('MatMul', [x, k.ref], { ...T, transpose_a: { b: false }, transpose_b: { b: false } }, `${l.name}/matmul`);
        if (cfg.useBias) { const b = weightRef(named(l, 'bias')); p.weights.bias = b.ref; p.vars.bias = b.variable; h = g.op('BiasAdd', [h, b.ref], { ...T, data_format: { s: 'NHWC' } }, `${l.name}/bias`); }
        p.pre = h;
        p.act = actOf(l) as Act;
        break;
      }
      case 'Activation':
        p.act = actOf(l) as Act;
        break;
      case 'MaxPooling2D': case 'AveragePooling2D': {
        const [ph, pw] = pair(cfg.poolSize ?? 2);
        const [sh, sw] = pair(cfg.strides ?? cfg.poolSize ?? 2);
        p.info.attrs = { ...T, ksize: { ints: [1, ph, pw, 1] }, strides: { ints: [1, sh, sw, 1] }, padding: { s: cfg.padding === 'same' ? 'SAME' : 'VALID' }, data_format: { s: 'NHWC' } } as Record<string, Attr>;
        p.pre = g.op(cls === 'MaxPooling2D' ? 'MaxPool' : 'AvgPool', [x], p.info.attrs as Record<string, Attr>, `${l.name}/pool`);
        break;
      }
      case 'GlobalAveragePooling2D': {
        p.info.hw = (inShapeL[1] as number) * (inShapeL[2] as number);
        p.info.channels = inShapeL[3];
        p.pre = g.op('Mean', [x, g.ints([1, 2])], { ...T, Tidx: { type: 'int32' }, keep_dims: { b: false } }, `${l.name}/mean`);
        break;
      }
      case 'Flatten': {
        const n = inShapeL.slice(1).reduce((a: number, b) => a * (b as number), 1);
        p.pre = g.op('Reshape', [x, g.ints([-1, n])], { ...T, Tshape: { type: 'int32' } }, `${l.name}/reshape`);
        break;
      }
      case 'BatchNormalization': {
        const c = inShapeL[inShapeL.length - 1] as number;
        const gamma = weightRef(named(l, 'gamma'));
        const beta = weightRef(named(l, 'beta'));
        const training = !infer && !batchNormInInference(l);
        const mean = weightRef(named(l, 'moving_mean'), training);
        const variance = weightRef(named(l, 'moving_variance'), training);
        if (mean.variable || variance.variable) throw new Error(`compiled graph: BatchNorm '${l.name}' moving statistics are not trainable`);
        p.weights = { gamma: gamma.ref, beta: beta.ref, mean: mean.ref, variance: variance.ref };
        p.vars = { gamma: gamma.variable, beta: beta.variable };
        const four = inShapeL.length === 4;
        const xin = four ? x : g.op('Reshape', [x, g.ints([-1, 1, 1, c])], { ...T, Tshape: { type: 'int32' } }, `${l.name}/to4d`);
        p.info.xin = xin;
        p.info.training = training;
        p.info.attrs = { T: F, U: F, epsilon: { f: Number(cfg.epsilon ?? 1e-3) }, data_format: { s: 'NHWC' }, is_training: { b: training } } as Record<string, Attr>;
        const bn = g.op('FusedBatchNormV3', [xin, gamma.ref, beta.ref, mean.ref, variance.ref], { ...(p.info.attrs as Record<string, Attr>), exponential_avg_factor: { f: 1 } }, `${l.name}/bn`);
        if (training) {
          // tfjs's moving averages: moving -= (moving - batch) * (1 - momentum), with the
          // batch's biased variance (TensorFlow's output 2 is the unbiased one: undo n/(n-1)).
          const decay = g.scalar(1 - Number(cfg.momentum ?? 0.99), `${l.name}/decay`);
          const count = g.op('RealDiv', [g.op('Cast', [g.op('Size', [xin], { T: F, out_type: { type: 'int32' } })], { SrcT: { type: 'int32' }, DstT: F, Truncate: { b: false } }), g.scalar(c)], T, `${l.name}/count`);
          const biased = g.op('Mul', [`${bn}:2`, g.op('RealDiv', [g.op('Sub', [count, g.scalar(1)], T), count], T)], T, `${l.name}/batch_var`);
          const upd = (ref: Ref, handle: Ref, batch: Ref, what: string) =>
            stateUpdates.push(g.op('AssignVariableOp', [handle, g.op('Sub', [ref, g.op('Mul', [g.op('Sub', [ref, batch], T), decay], T)], T, `${l.name}/${what}_new`)], { dtype: F }, `${l.name}/assign_${what}`));
          upd(mean.ref, mean.handle, `${bn}:1`, 'moving_mean');
          upd(variance.ref, variance.handle, biased, 'moving_variance');
        }
        p.info.bn = bn;
        p.info.four = four;
        p.info.c = c;
        p.pre = four ? bn : g.op('Reshape', [bn, g.ints([-1, c])], { ...T, Tshape: { type: 'int32' } }, `${l.name}/to2d`);
        break;
      }
      case 'SeededDropout': {
        const rate = Number(cfg.rate);
        if (rate > 0 && !infer) {
          const feed = g.placeholder(`mask${dropouts.length}`, 'float', [-1, ...inShapeL.slice(1).map((d) => d as number)]);
          dropouts.push({ layer: l, feed, shape: inShapeL.slice(1).map((d) => d as number) });
          p.info.mask = feed;
          p.info.keep = g.scalar(1 - rate, `${l.name}/keep`);
          p.pre = g.op('RealDiv', [g.op('Mul', [x, feed], T, `${l.name}/mul`), p.info.keep as Ref], T, `${l.name}/div`);
        }
        break;
      }
      case 'Dropout':
        break;
      default:
        throw new Error(`compiled graph: unsupported layer class ${cls}`);
    }
    if (p.act === 'softmax') p.y = infer ? g.op('Softmax', [p.pre], T, `${l.name}/softmax`) : p.pre; // training: the loss applies it
    else if (p.act !== 'linear') p.y = g.op({ relu: 'Relu', relu6: 'Relu6', sigmoid: 'Sigmoid', tanh: 'Tanh' }[p.act], [p.pre], T, `${l.name}/${p.act}`);
    else p.y = p.pre;
    plans.push(p);
    x = p.y;
  }

  return { plans, out: x, dropouts };
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
  const layers = chainOf(model);
  if (typeof layers === 'string') return layers;
  if (layers.length === 0) return 'the model has no layers';
  if (mode !== 'train' && mode !== 'infer') throw new Error(`graphUnsupported: mode must be 'train' or 'infer', got '${String(mode)}'.`);
  for (const l of layers) {
    const cls = l.getClassName();
    const extra = noExtras(l);
    if (extra) return extra;
    const cfg = l.getConfig() as Record<string, unknown>;
    if (['Conv2D', 'Dense', 'Activation'].includes(cls)) {
      const a = actOf(l);
      if (!ACTS.has(a as Act)) return a;
      if (a === 'softmax' && l !== layers[layers.length - 1] && mode === 'train') return `softmax inside the net (layer '${l.name}')`;
    }
    switch (cls) {
      case 'Conv2D': {
        if (cfg.dataFormat !== 'channelsLast') return `layer '${l.name}' is channelsFirst`;
        if (pair(cfg.dilationRate ?? 1).some((d) => d !== 1)) return `layer '${l.name}' is dilated`;
        if (cfg.padding !== 'valid' && cfg.padding !== 'same') return `layer '${l.name}' has padding '${String(cfg.padding)}'`;
        break;
      }
      case 'Dense':
        if ((l.inboundNodes[0]?.inputTensors[0]?.shape.length ?? 0) !== 2) return `dense layer '${l.name}' on a rank > 2 input`;
        break;
      case 'MaxPooling2D': case 'AveragePooling2D':
        if (cfg.dataFormat !== 'channelsLast') return `layer '${l.name}' is channelsFirst`;
        break;
      case 'GlobalAveragePooling2D':
        if (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast') return `layer '${l.name}' is channelsFirst`;
        break;
      case 'Flatten': case 'Activation':
        break;
      case 'BatchNormalization': {
        const rank = l.inboundNodes[0]?.inputTensors[0]?.shape.length;
        if (rank !== 2 && rank !== 4) return `BatchNorm layer '${l.name}' on a rank-${rank} input`;
        if (cfg.axis !== -1 && cfg.axis !== (rank ?? 0) - 1) return `BatchNorm layer '${l.name}' on axis ${String(cfg.axis)}`;
        if (cfg.center === false || cfg.scale === false) return `BatchNorm layer '${l.name}' without center/scale`;
        break;
      }
      case 'SeededDropout':
        break;
      case 'Dropout':
        if (Number(cfg.rate) !== 0 && mode === 'train') return `unseeded Dropout layer '${l.name}'`;
        break;
      default:
        return `layer '${l.name}' of class ${cls}`;
    }
  }
  const last = layers[layers.length - 1];
  if (mode === 'train' && actOf(last) !== 'softmax') return `the output layer '${last.name}' is not a softmax`;
  return null;
}

