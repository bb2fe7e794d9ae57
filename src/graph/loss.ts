/**
 * The compiled step's loss and its gradient, op for op what the eager loop computes:
 * tfjs's sparseCrossEntropy of softmax = mean(-sum(onehot * log(clip(p, 1e-7, 1)))), the
 * batch's correct predictions, and the gradient of the loss with respect to the logits
 * (through the clip and the softmax, as tfjs differentiates them).
 */
import { GraphBuilder, Ref } from './builder';
import { F, T } from './registry';

/** The emitted loss: its value, the hit count, and the gradient of the loss w.r.t. the logits. */
export interface EmittedLoss {
  loss: Ref;
  hits: Ref;
  dLogits: Ref;
}

/**
 * Emit the loss of `logits` against the int32 labels `y`, and its gradient.
 *
 * @example
 * const { loss, hits, dLogits } = emitLoss(g, logits, y, 10);
 */
export function emitLoss(g: GraphBuilder, logits: Ref, y: Ref, numClasses: number): EmittedLoss {
  const sum = (x: Ref, axis: number, keep: boolean, name?: string) =>
    g.op('Sum', [x, g.ints([axis])], { ...T, Tidx: { type: 'int32' }, keep_dims: { b: keep } }, name);
  const cast = (x: Ref, from: 'int32' | 'bool', name?: string) => g.op('Cast', [x], { SrcT: { type: from }, DstT: F, Truncate: { b: false } }, name);
  // ---- forward ----
  const probs = g.op('Softmax', [logits], T, 'probs');
  const onehot = g.op(
    'OneHot',
    [y, g.constant({ dtype: 'int32', shape: [], values: [numClasses] }), g.scalar(1), g.scalar(0)],
    { T: F, TI: { type: 'int32' }, axis: { i: -1 } },
    'onehot',
  );
  const lo = g.scalar(1e-7, 'clip_lo');
  const hi = g.scalar(1, 'clip_hi');
  const clipped = g.op('ClipByValue', [probs, lo, hi], T, 'clipped');
  const perEx = g.op('Neg', [sum(g.op('Mul', [onehot, g.op('Log', [clipped], T)], T), 1, false)], T);
  const loss = g.op('Mean', [perEx, g.ints([0])], { ...T, Tidx: { type: 'int32' }, keep_dims: { b: false } }, 'loss_value');
  const argmax = g.op('ArgMax', [probs, g.constant({ dtype: 'int32', shape: [], values: [1] })], {
    T: F,
    Tidx: { type: 'int32' },
    output_type: { type: 'int32' },
  });
  const hits = sum(cast(g.op('Equal', [argmax, y], { T: { type: 'int32' }, incompatible_shape_error: { b: true } }), 'bool'), 0, false, 'hits_value');
  // ---- gradient ----
  const n = cast(g.op('Size', [y], { T: { type: 'int32' }, out_type: { type: 'int32' } }), 'int32', 'batch_n');
  const negInvN = g.op('Neg', [g.op('RealDiv', [g.scalar(1), n], T)], T, 'neg_inv_n');
  const gLog = g.op('RealDiv', [g.op('Mul', [negInvN, onehot], T), clipped], T, 'grad_log');
  const inRange = g.op('LogicalAnd', [g.op('GreaterEqual', [probs, lo], T), g.op('LessEqual', [probs, hi], T)], {});
  const gProbs = g.op('Select', [inRange, gLog, g.op('ZerosLike', [gLog], T)], T, 'grad_probs');
  const dyTimesY = g.op('Mul', [gProbs, probs], T);
  const dLogits = g.op('Sub', [dyTimesY, g.op('Mul', [sum(dyTimesY, 1, true), probs], T)], T, 'grad_logits');
  return { loss, hits, dLogits };
}
