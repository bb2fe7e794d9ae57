/**
 * Layers without weights: Activation, ReLU (plain or capped at 6), Flatten, Dropout (rate 0
 * in training; identity in inference), SeededDropout (the mask fed per step, drawn as in
 * eager mode), and the residual Add (its gradient fans out to every input; the compiler
 * sums what reaches a tensor from several consumers).
 */
import { Ref } from '../builder';
import { Act, LayerInfo, RegisteredKind, T, defineKind, layerAct, reshape, shapeOf } from '../registry';
import { SeededDropout } from '../../transfer/layers';

/** A layer that passes its input on (the compiler applies its activation, if any). */
function passThrough(
  classes: string[],
  act?: (info: LayerInfo) => Act | string,
  unsupported: (info: LayerInfo, mode: 'train' | 'infer') => string | null = () => null,
): RegisteredKind {
  return defineKind<null>({
    classes,
    tokens: 'tokenwise',
    act,
    unsupported,
    forward: (_ctx, _info, [x]) => ({ pre: x, plan: null }),
    backward: (_ctx, _p, d) => [d],
  });
}

export const activation = passThrough(['Activation'], layerAct);

/** tf.layers.reLU: ReLU, or ReLU6 with `maxValue: 6`. */
export const relu = passThrough(
  ['ReLU'],
  (info) => (info.cfg.maxValue == null ? 'relu' : 'relu6'),
  (info) =>
    info.cfg.maxValue == null || Number(info.cfg.maxValue) === 6
      ? null
      : `ReLU layer '${info.name}' with maxValue ${String(info.cfg.maxValue)} (only none or 6)`,
);

export const dropout = passThrough(['Dropout'], undefined, (info, mode) =>
  Number(info.cfg.rate) !== 0 && mode === 'train' ? `unseeded Dropout layer '${info.name}'` : null,
);

interface FlattenPlan {
  name: string;
  x: Ref;
}

export const flatten = defineKind<FlattenPlan>({
  classes: ['Flatten'],
  unsupported: (info) => (info.inShapes[0].slice(1).some((d) => d === null) ? `layer '${info.name}' has an input of unknown size` : null),
  forward(ctx, info, [x]) {
    const n = info.inShapes[0].slice(1).reduce((a: number, b) => a * (b as number), 1);
    return { pre: reshape(ctx.g, x, [-1, n], `${info.name}/reshape`), plan: { name: info.name, x } };
  },
  backward: (ctx, p, d, [needDx]) => [needDx ? reshape(ctx.g, d, shapeOf(ctx.g, p.x), `${p.name}/grad_reshape`) : null],
});

interface DropoutPlan {
  name: string;
  /** The fed mask and the keep probability (none in inference mode or at rate 0). */
  mask?: Ref;
  keep?: Ref;
}

export const seededDropout = defineKind<DropoutPlan>({
  classes: ['SeededDropout'],
  tokens: 'tokenwise',
  unsupported: (info) => (info.layer instanceof SeededDropout ? null : `layer '${info.name}' is not the library's SeededDropout`),
  forward(ctx, info, [x]) {
    const { g } = ctx;
    const rate = Number(info.cfg.rate);
    if (!(rate > 0 && ctx.mode === 'train')) return { pre: x, plan: { name: info.name } };
    const mask = ctx.dropoutMask(
      info.layer as SeededDropout,
      info.inShapes[0].slice(1).map((d) => d as number),
    );
    const keep = g.scalar(1 - rate, `${info.name}/keep`);
    return { pre: g.op('RealDiv', [g.op('Mul', [x, mask], T, `${info.name}/mul`), keep], T, `${info.name}/div`), plan: { name: info.name, mask, keep } };
  },
  backward(ctx, p, d, [needDx]) {
    if (!needDx) return [null];
    return [p.mask && p.keep ? ctx.g.op('Mul', [ctx.g.op('RealDiv', [d, p.keep], T), p.mask], T, `${p.name}/grad_dropout`) : d];
  },
});

/** The residual Add (same-shape inputs), summed left to right as tfjs does. */
export const add = defineKind<null>({
  classes: ['Add'],
  multiInput: true,
  tokens: 'tokenwise',
  unsupported(info) {
    const [first, ...rest] = info.inShapes;
    return rest.some((s) => s.join() !== first.join()) ? `Add layer '${info.name}' on inputs of different shapes (broadcasting is not supported)` : null;
  },
  forward(ctx, info, xs) {
    let y = xs[0];
    for (let i = 1; i < xs.length; i++) y = ctx.g.op('AddV2', [y, xs[i]], T, `${info.name}/add${i}`);
    return { pre: y, plan: null };
  },
  backward: (_ctx, _p, d, need) => need.map((n) => (n ? d : null)),
});
