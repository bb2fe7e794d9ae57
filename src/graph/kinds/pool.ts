/** Pooling: MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D (channels-last). */
import { GraphBuilder, Ref } from '../builder';
import { Attr } from '../proto';
import { LayerInfo, T, channelsFirst, defineKind, pair, reshape, shapeOf } from '../registry';

interface PoolPlan {
  name: string;
  x: Ref;
  y: Ref;
  attrs: Record<string, Attr>;
}

function poolAttrs(info: LayerInfo): Record<string, Attr> {
  const [ph, pw] = pair(info.cfg.poolSize ?? 2);
  const [sh, sw] = pair(info.cfg.strides ?? info.cfg.poolSize ?? 2);
  return {
    ...T,
    ksize: { ints: [1, ph, pw, 1] },
    strides: { ints: [1, sh, sw, 1] },
    padding: { s: info.cfg.padding === 'same' ? 'SAME' : 'VALID' },
    data_format: { s: 'NHWC' },
  };
}

/** A 2-D pooling kind: its op, and the gradient of its input. */
function poolKind(cls: string, op: string, grad: (g: GraphBuilder, p: PoolPlan, d: Ref) => Ref) {
  return defineKind<PoolPlan>({
    classes: [cls],
    unsupported: channelsFirst,
    forward(ctx, info, [x]) {
      const attrs = poolAttrs(info);
      const y = ctx.g.op(op, [x], attrs, `${info.name}/pool`);
      return { pre: y, plan: { name: info.name, x, y, attrs } };
    },
    backward: (ctx, p, d, [needDx]) => [needDx ? grad(ctx.g, p, d) : null],
  });
}

export const maxPooling2d = poolKind('MaxPooling2D', 'MaxPool', (g, p, d) => g.op('MaxPoolGrad', [p.x, p.y, d], p.attrs, `${p.name}/grad_pool`));

export const averagePooling2d = poolKind('AveragePooling2D', 'AvgPool', (g, p, d) => g.op('AvgPoolGrad', [shapeOf(g, p.x), d], p.attrs, `${p.name}/grad_pool`));

interface GlobalPoolPlan {
  name: string;
  x: Ref;
  hw: number;
  channels: number;
}

export const globalAveragePooling2d = defineKind<GlobalPoolPlan>({
  classes: ['GlobalAveragePooling2D'],
  unsupported: (info) =>
    channelsFirst(info) ?? (info.inShapes[0].slice(1).some((d) => d === null) ? `layer '${info.name}' has an input of unknown size` : null),
  forward(ctx, info, [x]) {
    const s = info.inShapes[0];
    const pre = ctx.g.op('Mean', [x, ctx.g.ints([1, 2])], { ...T, Tidx: { type: 'int32' }, keep_dims: { b: false } }, `${info.name}/mean`);
    return { pre, plan: { name: info.name, x, hw: (s[1] as number) * (s[2] as number), channels: s[3] as number } };
  },
  backward(ctx, p, d, [needDx]) {
    if (!needDx) return [null];
    const { g } = ctx;
    const r = reshape(g, d, [-1, 1, 1, p.channels]);
    return [g.op('RealDiv', [g.op('BroadcastTo', [r, shapeOf(g, p.x)], { ...T, Tidx: { type: 'int32' } }), g.scalar(p.hw)], T, `${p.name}/grad_mean`)];
  },
});
