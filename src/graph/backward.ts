/**
 * The backward pass of an emitted forward pass: layer by layer in reverse topological
 * order, each layer's activation gradient (TensorFlow's ReluGrad, Relu6Grad, SigmoidGrad,
 * TanhGrad) then its kind's backward emission. A tensor consumed by several layers (a
 * residual branch) gets the sum of their gradients. Layers below the lowest trainable
 * weight emit nothing. With token packing, a gradient is moved to the layout its tensor
 * was produced in (the gradient of packing is unpacking, and the other way round).
 */
import type * as tfn from '@tensorflow/tfjs-node';
import { GraphBuilder, Ref } from './builder';
import { T } from './registry';
import { EmittedNode, TokenLayout } from './forward';

function activationGrad(g: GraphBuilder, e: EmittedNode, dy: Ref): Ref {
  const l = e.node.info.name;
  switch (e.act) {
    case 'relu':
      return g.op('ReluGrad', [dy, e.pre], T, `${l}/grad_relu`);
    case 'relu6':
      return g.op('Relu6Grad', [dy, e.pre], T, `${l}/grad_relu6`);
    case 'sigmoid':
      return g.op('SigmoidGrad', [e.y, dy], T, `${l}/grad_sigmoid`);
    case 'tanh':
      return g.op('TanhGrad', [e.y, dy], T, `${l}/grad_tanh`);
    case 'gelu': {
      // d/dx [x * 0.5 * (1 + erf(x / sqrt 2))] = cdf + x * exp(-x^2 / 2) / sqrt(2 pi), with the forward's cdf
      const u = g.op('RealDiv', [e.pre, g.scalar(Math.SQRT2)], T);
      const cdf = e.geluCdf ?? g.op('Mul', [g.scalar(0.5), g.op('AddV2', [g.scalar(1), g.op('Erf', [u], T)], T)], T);
      const pdf = g.op('Mul', [g.op('Exp', [g.op('Neg', [g.op('Square', [u], T)], T)], T), g.scalar(1 / Math.sqrt(2 * Math.PI))], T);
      return g.op('Mul', [dy, g.op('AddV2', [cdf, g.op('Mul', [e.pre, pdf], T)], T)], T, `${l}/grad_gelu`);
    }
    default:
      return dy; // linear; softmax at the output: the loss gradient is the logits'
  }
}

/**
 * Emit the gradients of every trainable weight, from the gradient of the output.
 *
 * @returns each trainable variable's gradient
 * @example
 * const grads = emitBackward(g, forward.nodes, input, dLogits, forward.layout);
 */
export function emitBackward(g: GraphBuilder, nodes: EmittedNode[], input: number, dOut: Ref, layout: TokenLayout | null = null): Map<tfn.Variable, Ref> {
  // Which tensors need a gradient: those with a trainable weight at or below them.
  const needs = new Map<number, boolean>([[input, false]]);
  for (const e of nodes) needs.set(e.node.output, e.trains || e.node.inputs.some((t) => needs.get(t)));
  if (!nodes.some((e) => e.trains)) throw new Error('compiled step: no trainable weights');
  const grads = new Map<tfn.Variable, Ref>();
  const last = nodes[nodes.length - 1];
  const incoming = new Map<number, { d: Ref; packed: boolean }[]>([[last.node.output, [{ d: dOut, packed: false }]]]);
  const ctx = {
    g,
    grad: (w: { variable?: tfn.Variable } | undefined, make: () => Ref) => {
      if (w?.variable) grads.set(w.variable, make());
    },
  };
  for (let i = nodes.length - 1; i >= 0; i--) {
    const e = nodes[i];
    const t = e.node.output;
    const got = incoming.get(t);
    if (!got || !needs.get(t)) continue;
    const ds = got.map(({ d, packed }) => {
      if (packed === e.outPacked) return d;
      if (!layout) throw new Error(`compiled step: a packed gradient without a token layout (layer '${e.node.info.name}')`);
      return e.outPacked ? layout.pack(t, d) : layout.unpack(t, d);
    });
    const dy = ds.length === 1 ? ds[0] : g.op('AddN', ds, { ...T, N: { i: ds.length } }, `${e.node.info.name}/grad_sum`);
    const need = e.node.inputs.map((t) => needs.get(t) === true);
    const dxs = e.backward(ctx, activationGrad(g, e, dy), need);
    e.node.inputs.forEach((x, j) => {
      if (!need[j]) return;
      const dx = dxs[j];
      if (!dx) throw new Error(`compiled step: no input gradient for layer '${e.node.info.name}'`);
      incoming.set(x, [...(incoming.get(x) ?? []), { d: dx, packed: e.inPacked[j] }]);
    });
  }
  return grads;
}
