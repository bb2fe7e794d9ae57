/**
 * Dense on a rank-2 input, or on a rank-3+ input (e.g. [batch, length, hidden] in a text
 * encoder: flattened to rank 2 around one MatMul, as tfjs's dot does), with an optional
 * bias and activation (in inference mode applied before the reshape back to rank 3, so
 * Grappler fuses MatMul + BiasAdd + activation, GELU included). Gradients with MatMul.
 */
import { Ref } from '../builder';
import { T, WeightRef, layerAct, bias, defineKind, reshape } from '../registry';

interface DensePlan {
  name: string;
  /** The input as rank 2. */
  x: Ref;
  kernel: WeightRef;
  bias?: WeightRef;
  /** Inner dims of a rank-3+ input (without the last), to restore shapes; null for rank 2. */
  inner: number[] | null;
  inUnits: number;
  units: number;
}

export const dense = defineKind<DensePlan>({
  classes: ['Dense'],
  tokens: 'tokenwise',
  act: layerAct,
  unsupported: (info) => (info.inShapes[0].slice(1).some((d) => d === null) ? `dense layer '${info.name}' on an input of unknown size` : null),
  forward(ctx, info, [x0]) {
    const { g } = ctx;
    const s = info.inShapes[0] as number[];
    const inner = s.length > 2 ? s.slice(1, -1) : null;
    const inUnits = s[s.length - 1];
    const kernel = ctx.weight(info.layer, 'kernel');
    const units = kernel.shape[1];
    const x = inner ? reshape(g, x0, [-1, inUnits], `${info.name}/to2d`) : x0;
    let h = g.op('MatMul', [x, kernel.ref], { ...T, transpose_a: { b: false }, transpose_b: { b: false } }, `${info.name}/matmul`);
    let b: WeightRef | undefined;
    if (info.cfg.useBias) {
      b = ctx.weight(info.layer, 'bias');
      h = bias.forward(g, h, b, info.name);
    }
    // Rank 3+: the activation goes on the rank-2 result, then back to [batch, ...inner, units] (see `restore`).
    const restore = inner ? (y: Ref) => reshape(g, y, [-1, ...inner, units], `${info.name}/from2d`) : undefined;
    return { pre: h, plan: { name: info.name, x, kernel, bias: b, inner, inUnits, units }, restore };
  },
  backward(ctx, p, d0, [needDx]) {
    const { g } = ctx;
    const d = p.inner ? reshape(g, d0, [-1, p.units], `${p.name}/grad_to2d`) : d0;
    bias.backward(ctx, p.bias, d, p.name);
    ctx.grad(p.kernel, () => g.op('MatMul', [p.x, d], { ...T, transpose_a: { b: true }, transpose_b: { b: false } }, `${p.name}/grad_kernel`));
    if (!needDx) return [null];
    const dx = g.op('MatMul', [d, p.kernel.ref], { ...T, transpose_a: { b: false }, transpose_b: { b: true } }, `${p.name}/grad_input`);
    return [p.inner ? reshape(g, dx, [-1, ...p.inner, p.inUnits], `${p.name}/grad_from2d`) : dx];
  },
});
