/**
 * BatchNormalization on the last axis of a rank-2 or rank-4 input, as FusedBatchNormV3:
 * inference mode (population statistics; frozen, or `setBatchNormMode(net, 'inference')`)
 * or training mode (batch statistics, and tfjs's moving-average updates run by the step).
 */
import { Ref } from '../builder';
import { Attr } from '../proto';
import { F, T, WeightRef, defineKind, reshape } from '../registry';
import { batchNormInInference } from '../../transfer/freeze';

interface BatchNormPlan {
  name: string;
  /** The input as rank 4 (reshaped from rank 2 when needed). */
  xin: Ref;
  bn: Ref;
  four: boolean;
  channels: number;
  training: boolean;
  gamma: WeightRef;
  beta: WeightRef;
  mean: WeightRef;
  variance: WeightRef;
  attrs: Record<string, Attr>;
}

export const batchNormalization = defineKind<BatchNormPlan>({
  classes: ['BatchNormalization'],
  unsupported(info) {
    const rank = info.inShapes[0].length;
    if (rank !== 2 && rank !== 4) return `BatchNorm layer '${info.name}' on a rank-${rank} input`;
    if (info.cfg.axis !== -1 && info.cfg.axis !== rank - 1) return `BatchNorm layer '${info.name}' on axis ${String(info.cfg.axis)}`;
    if (info.cfg.center === false || info.cfg.scale === false) return `BatchNorm layer '${info.name}' without center/scale`;
    return null;
  },
  forward(ctx, info, [x]) {
    const { g } = ctx;
    const l = info.name;
    const inShape = info.inShapes[0];
    const c = inShape[inShape.length - 1] as number;
    const gamma = ctx.weight(info.layer, 'gamma');
    const beta = ctx.weight(info.layer, 'beta');
    const training = ctx.mode === 'train' && !batchNormInInference(info.layer);
    const mean = ctx.weight(info.layer, 'moving_mean', training);
    const variance = ctx.weight(info.layer, 'moving_variance', training);
    if (mean.variable || variance.variable) throw new Error(`compiled graph: BatchNorm '${l}' moving statistics are not trainable`);
    const four = inShape.length === 4;
    const xin = four ? x : reshape(g, x, [-1, 1, 1, c], `${l}/to4d`);
    const attrs: Record<string, Attr> = {
      T: F,
      U: F,
      epsilon: { f: Number(info.cfg.epsilon ?? 1e-3) },
      data_format: { s: 'NHWC' },
      is_training: { b: training },
    };
    const bn = g.op('FusedBatchNormV3', [xin, gamma.ref, beta.ref, mean.ref, variance.ref], { ...attrs, exponential_avg_factor: { f: 1 } }, `${l}/bn`);
    if (training) {
      // tfjs's moving averages: moving -= (moving - batch) * (1 - momentum), with the
      // batch's biased variance (TensorFlow's output 2 is the unbiased one: undo n/(n-1)).
      const decay = g.scalar(1 - Number(info.cfg.momentum ?? 0.99), `${l}/decay`);
      const count = g.op(
        'RealDiv',
        [g.op('Cast', [g.op('Size', [xin], { T: F, out_type: { type: 'int32' } })], { SrcT: { type: 'int32' }, DstT: F, Truncate: { b: false } }), g.scalar(c)],
        T,
        `${l}/count`,
      );
      const biased = g.op('Mul', [`${bn}:2`, g.op('RealDiv', [g.op('Sub', [count, g.scalar(1)], T), count], T)], T, `${l}/batch_var`);
      const update = (w: WeightRef, batch: Ref, what: string) =>
        ctx.stateUpdate(
          g.op(
            'AssignVariableOp',
            [w.handle, g.op('Sub', [w.ref, g.op('Mul', [g.op('Sub', [w.ref, batch], T), decay], T)], T, `${l}/${what}_new`)],
            { dtype: F },
            `${l}/assign_${what}`,
          ),
        );
      update(mean, `${bn}:1`, 'moving_mean');
      update(variance, biased, 'moving_variance');
    }
    const pre = four ? bn : reshape(g, bn, [-1, c], `${l}/to2d`);
    return { pre, plan: { name: l, xin, bn, four, channels: c, training, gamma, beta, mean, variance, attrs } };
  },
  backward(ctx, p, d, [needDx]) {
    const { g } = ctx;
    const d4 = p.four ? d : reshape(g, d, [-1, 1, 1, p.channels]);
    // Inference mode: the population statistics; training mode: the batch's saved ones.
    const saved = p.training ? [`${p.bn}:3`, `${p.bn}:4`] : [p.mean.ref, p.variance.ref];
    const bg = g.op('FusedBatchNormGradV3', [d4, p.xin, p.gamma.ref, ...saved, `${p.bn}:5`], p.attrs, `${p.name}/grad_bn`);
    ctx.grad(p.gamma, () => `${bg}:1`);
    ctx.grad(p.beta, () => `${bg}:2`);
    if (!needDx) return [null];
    return [p.four ? bg : reshape(g, `${bg}:0`, [-1, p.channels])];
  },
});
