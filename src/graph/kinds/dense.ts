/** Dense on a rank-2 input, with an optional bias and activation. Gradients with MatMul. */
import { Ref } from '../builder';
import { T, WeightRef, layerAct, bias, defineKind } from '../registry';

interface DensePlan {
  name: string;
  x: Ref;
  kernel: WeightRef;
  bias?: WeightRef;
}

export const dense = defineKind<DensePlan>({
  classes: ['Dense'],
  act: layerAct,
  unsupported: (info) => (info.inShapes[0].length !== 2 ? `dense layer '${info.name}' on a rank > 2 input` : null),
  forward(ctx, info, [x]) {
    const { g } = ctx;
    const kernel = ctx.weight(info.layer, 'kernel');
    let h = g.op('MatMul', [x, kernel.ref], { ...T, transpose_a: { b: false }, transpose_b: { b: false } }, `${info.name}/matmul`);
    let b: WeightRef | undefined;
    if (info.cfg.useBias) { b = ctx.weight(info.layer, 'bias'); h = bias.forward(g, h, b, info.name); }
    return { pre: h, plan: { name: info.name, x, kernel, bias: b } };
  },
  backward(ctx, p, d, [needDx]) {
    const { g } = ctx;
    bias.backward(ctx, p.bias, d, p.name);
    ctx.grad(p.kernel, () => g.op('MatMul', [p.x, d], { ...T, transpose_a: { b: true }, transpose_b: { b: false } }, `${p.name}/grad_kernel`));
    return [needDx ? g.op('MatMul', [d, p.kernel.ref], { ...T, transpose_a: { b: false }, transpose_b: { b: true } }, `${p.name}/grad_input`) : null];
  },
});
