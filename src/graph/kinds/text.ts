/**
 * The text encoder's layers (src/text/layers.ts), op for op as tfjs computes them eagerly:
 * PaddingMask, BertEmbeddings (GatherV2; the token table's gradient as UnsortedSegmentSum,
 * none at all when the table is fixed or frozen), BertLayerNorm, SelfAttention
 * (BatchMatMulV2, the padding mask as a -1e9 bias, Softmax, attention dropout with masks
 * fed per step as eager mode draws them), MaskedMeanPooling and L2Normalize. Dense on
 * [batch, length, hidden] and GELU are in ./dense.ts and the compiler's activations.
 */
import type * as tfn from '@tensorflow/tfjs-node';
import { GraphBuilder, Ref } from '../builder';
import { F, LayerInfo, T, WeightRef, defineKind, reshape } from '../registry';

const I32 = { type: 'int32' as const };
const sum = (g: GraphBuilder, x: Ref, axes: number[], keep: boolean, name?: string) =>
  g.op('Sum', [x, g.ints(axes)], { ...T, Tidx: I32, keep_dims: { b: keep } }, name);
const mean = (g: GraphBuilder, x: Ref, axes: number[], keep: boolean, name?: string) =>
  g.op('Mean', [x, g.ints(axes)], { ...T, Tidx: I32, keep_dims: { b: keep } }, name);
const transpose = (g: GraphBuilder, x: Ref, perm: number[], name?: string) => g.op('Transpose', [x, g.ints(perm)], { ...T, Tperm: I32 }, name);
const bmm = (g: GraphBuilder, a: Ref, b: Ref, adjX: boolean, adjY: boolean, name?: string) =>
  g.op('BatchMatMulV2', [a, b], { ...T, adj_x: { b: adjX }, adj_y: { b: adjY } }, name);
/** Why a layer's input shape (after the batch) is not fully known. */
const unknownSize = (info: LayerInfo, i = 0) =>
  info.inShapes[i].slice(1).some((d) => d === null) ? `layer '${info.name}' has an input of unknown size` : null;
/** The dtype of a layer's first input. */
const inDtype = (info: LayerInfo) =>
  ((info.layer.input as tfn.SymbolicTensor | tfn.SymbolicTensor[]) instanceof Array
    ? (info.layer.input as tfn.SymbolicTensor[])[0]
    : (info.layer.input as tfn.SymbolicTensor)
  ).dtype;
/** Float32 input as is, int32 cast (for layers that take either; token packing reads the ids too). */
export const intIds = (g: GraphBuilder, info: LayerInfo, x: Ref) =>
  inDtype(info) === 'int32' ? x : g.op('Cast', [x], { SrcT: F, DstT: I32, Truncate: { b: false } }, `${info.name}/to_int`);

/** Token ids -> float mask (1 token, 0 [PAD]); nothing to differentiate. */
export const paddingMask = defineKind<null>({
  classes: ['PaddingMask'],
  unsupported: () => null,
  forward(ctx, info, [x]) {
    const { g } = ctx;
    const ids = intIds(g, info, x);
    const pad = g.constant({ dtype: 'int32', shape: [], values: [Number(info.cfg.padId ?? 0)] }, `${info.name}/pad_id`);
    const ne = g.op('NotEqual', [ids, pad], { T: I32, incompatible_shape_error: { b: true } }, `${info.name}/not_pad`);
    return { pre: g.op('Cast', [ne], { SrcT: { type: 'bool' }, DstT: F, Truncate: { b: false } }, `${info.name}/mask`), plan: null };
  },
  backward: (_ctx, _p, _d, need) => need.map(() => null),
});

interface EmbeddingsPlan {
  name: string;
  ids: Ref;
  word: WeightRef;
  position: WeightRef;
  tokenType: WeightRef;
  length: number;
  hidden: number;
}

/** Pad a [rows, hidden] gradient with zero rows up to a table's rows. */
const padRows = (g: GraphBuilder, x: Ref, extra: number, name: string) =>
  g.op('Pad', [x, g.constant({ dtype: 'int32', shape: [2, 2], values: [0, extra, 0, 0] })], { ...T, Tpaddings: I32 }, name);

export const bertEmbeddings = defineKind<EmbeddingsPlan>({
  classes: ['BertEmbeddings'],
  unsupported: (info) => unknownSize(info),
  forward(ctx, info, [x]) {
    const { g } = ctx;
    const l = info.name;
    const ids = intIds(g, info, x);
    const word = ctx.weight(info.layer, 'word_embeddings');
    const position = ctx.weight(info.layer, 'position_embeddings');
    const tokenType = ctx.weight(info.layer, 'token_type_embeddings');
    const length = info.inShapes[0][1] as number;
    const hidden = word.shape[1];
    const words = g.op(
      'GatherV2',
      [word.ref, ids, g.constant({ dtype: 'int32', shape: [], values: [0] })],
      { Tparams: F, Tindices: I32, Taxis: I32, batch_dims: { i: 0 } },
      `${l}/gather`,
    );
    const slice = (w: WeightRef, rows: number, what: string) =>
      g.op('Slice', [w.ref, g.ints([0, 0]), g.ints([rows, hidden])], { ...T, Index: I32 }, `${l}/${what}`);
    const posType = g.op('AddV2', [slice(position, length, 'positions'), slice(tokenType, 1, 'type0')], T, `${l}/pos_type`);
    return { pre: g.op('AddV2', [words, posType], T, `${l}/sum`), plan: { name: l, ids, word, position, tokenType, length, hidden } };
  },
  backward(ctx, p, d, need) {
    const { g } = ctx;
    const h = p.hidden;
    // The fixed (or frozen) token table: no gradient is emitted, so no UnsortedSegmentSum runs.
    ctx.grad(p.word, () =>
      g.op(
        'UnsortedSegmentSum',
        [
          reshape(g, d, [-1, h]),
          g.op('Reshape', [p.ids, g.ints([-1])], { T: I32, Tshape: I32 }),
          g.constant({ dtype: 'int32', shape: [], values: [p.word.shape[0]] }),
        ],
        { ...T, Tindices: I32, Tnumsegments: I32 },
        `${p.name}/grad_word`,
      ),
    );
    if (p.position.variable || p.tokenType.variable) {
      const dPosType = sum(g, d, [0], false, `${p.name}/grad_pos_type`);
      ctx.grad(p.position, () => padRows(g, dPosType, p.position.shape[0] - p.length, `${p.name}/grad_position`));
      ctx.grad(p.tokenType, () => padRows(g, sum(g, dPosType, [0], true), p.tokenType.shape[0] - 1, `${p.name}/grad_token_type`));
    }
    return need.map(() => null); // token ids: no gradient
  },
});

interface LayerNormPlan {
  name: string;
  centered: Ref;
  inv: Ref;
  normed: Ref;
  gamma: WeightRef;
  beta: WeightRef;
  /** All axes but the last. */
  outer: number[];
  width: number;
}

/**
 * LayerNorm over the last axis of a rank-2 or rank-3 `x` as Keras 2 writes it (inference
 * only): `x` reshaped to [1, rows, width, 1] and normalised by FusedBatchNormV3 in
 * training mode (NCHW: per row, with unit scale and zero offset filled to the dynamic row
 * count), reshaped back, then `* gamma + beta`. TensorFlow's oneDNN remapper replaces
 * exactly this subgraph with one `_MklLayerNorm` (half the CPU time of the 9 element-wise
 * ops). Same maths as the element-wise form; were the pattern not matched (e.g. a static
 * batch size folds the Fill ops), FusedBatchNormV3 computes the same values.
 */
function fusableLayerNorm(g: GraphBuilder, x: Ref, rank: number, gamma: WeightRef, beta: WeightRef, eps: number, l: string): Ref {
  const width = g.op('Reshape', [x, g.ints([1, -1, gamma.shape[0], 1])], { ...T, Tshape: I32 }, `${l}/rows`);
  // The row count from x's shape (one from `width`'s would be a second reader of the reshape, which blocks the fusion).
  const shape = g.op('Shape', [x], { ...T, out_type: I32 }, `${l}/shape`);
  const rows = g.op(
    'Prod',
    [g.op('Slice', [shape, g.ints([0]), g.ints([rank - 1])], { T: I32, Index: I32 }), g.ints([0])],
    { T: I32, Tidx: I32, keep_dims: { b: true } },
    `${l}/row_count`,
  );
  const fill = (v: number, what: string) => g.op('Fill', [rows, g.scalar(v)], { ...T, index_type: I32 }, `${l}/${what}`);
  const empty = g.constant({ dtype: 'float', shape: [0], values: [] }, `${l}/empty`);
  const normed = g.op(
    'FusedBatchNormV3',
    [width, fill(1, 'unit_scale'), fill(0, 'zero_offset'), empty, empty],
    { ...T, U: F, epsilon: { f: eps }, exponential_avg_factor: { f: 1 }, data_format: { s: 'NCHW' }, is_training: { b: true } },
    `${l}/normed`,
  );
  const back = g.op('Reshape', [normed, shape], { ...T, Tshape: I32 }, `${l}/restore`);
  return g.op('AddV2', [g.op('Mul', [back, gamma.ref], T), beta.ref], T, `${l}/out`);
}

export const bertLayerNorm = defineKind<LayerNormPlan | null>({
  classes: ['BertLayerNorm'],
  tokens: 'tokenwise',
  unsupported: (info) => unknownSize(info),
  forward(ctx, info, [x]) {
    const { g } = ctx;
    const l = info.name;
    const rank = info.inShapes[0].length;
    const gamma = ctx.weight(info.layer, 'gamma');
    const beta = ctx.weight(info.layer, 'beta');
    const eps = Number(info.cfg.epsilon ?? 1e-12);
    if (ctx.mode === 'infer' && (rank === 2 || rank === 3)) return { pre: fusableLayerNorm(g, x, rank, gamma, beta, eps, l), plan: null };
    const centered = g.op('Sub', [x, mean(g, x, [-1], true)], T, `${l}/centered`);
    const inv = g.op('Rsqrt', [g.op('AddV2', [mean(g, g.op('Square', [centered], T), [-1], true), g.scalar(eps)], T)], T, `${l}/inv_std`);
    const normed = g.op('Mul', [centered, inv], T, `${l}/normed`);
    const pre = g.op('AddV2', [g.op('Mul', [normed, gamma.ref], T), beta.ref], T, `${l}/out`);
    return {
      pre,
      plan: { name: l, centered, inv, normed, gamma, beta, outer: Array.from({ length: rank - 1 }, (_, i) => i), width: info.inShapes[0][rank - 1] as number },
    };
  },
  backward(ctx, p, d, [needDx]) {
    if (!p) throw new Error(`compiled graph: LayerNorm emitted for inference has no backward pass`);
    const { g } = ctx;
    ctx.grad(p.beta, () => sum(g, d, p.outer, false, `${p.name}/grad_beta`));
    ctx.grad(p.gamma, () => sum(g, g.op('Mul', [d, p.normed], T), p.outer, false, `${p.name}/grad_gamma`));
    if (!needDx) return [null];
    const dn = g.op('Mul', [d, p.gamma.ref], T);
    const dInv = sum(g, g.op('Mul', [dn, p.centered], T), [-1], true);
    const dVar = g.op('RsqrtGrad', [p.inv, dInv], T);
    const dc = g.op(
      'AddV2',
      [g.op('Mul', [dn, p.inv], T), g.op('Mul', [p.centered, g.op('Mul', [dVar, g.scalar(2 / p.width)], T)], T)],
      T,
      `${p.name}/grad_centered`,
    );
    return [g.op('Sub', [dc, mean(g, dc, [-1], true)], T, `${p.name}/grad_input`)];
  },
});

interface AttentionPlan {
  name: string;
  qh: Ref;
  kh: Ref;
  vh: Ref;
  probs: Ref;
  /** The probabilities after dropout (= probs without dropout). */
  dropped: Ref;
  dropMask?: Ref;
  keep?: Ref;
  scale: Ref;
  length: number;
  heads: number;
  headDim: number;
}

/** The text encoder's SelfAttention layer, as the compiler reads it. */
interface SelfAttentionLike {
  numHeads: number;
  dropout: number;
  seed: number;
  calls: number;
}

export const selfAttention = defineKind<AttentionPlan>({
  classes: ['SelfAttention'],
  multiInput: true,
  tokens: { masked: 3 },
  unsupported(info) {
    if (info.inShapes.length !== 4) return `SelfAttention layer '${info.name}' has ${info.inShapes.length} inputs (needs [q, k, v, mask])`;
    const why = unknownSize(info);
    if (why) return why;
    const hidden = info.inShapes[0][2] as number;
    return hidden % Number(info.cfg.numHeads) !== 0
      ? `SelfAttention layer '${info.name}': hidden ${hidden} not divisible by ${String(info.cfg.numHeads)} heads`
      : null;
  },
  forward(ctx, info, [q, k, v, mask]) {
    const { g } = ctx;
    const l = info.name;
    const layer = info.layer as unknown as SelfAttentionLike;
    const [length, hidden] = info.inShapes[0].slice(1) as number[];
    const heads = layer.numHeads;
    const headDim = hidden / heads;
    const split = (x: Ref, what: string) => transpose(g, reshape(g, x, [-1, length, heads, headDim]), [0, 2, 1, 3], `${l}/${what}_heads`);
    const [qh, kh, vh] = [split(q, 'q'), split(k, 'k'), split(v, 'v')];
    const bias = reshape(g, g.op('Mul', [g.op('Sub', [g.scalar(1), mask], T), g.scalar(-1e9)], T), [-1, 1, 1, length], `${l}/mask_bias`);
    const scale = g.scalar(1 / Math.sqrt(headDim), `${l}/scale`);
    const scores = g.op('AddV2', [g.op('Mul', [bmm(g, qh, kh, false, true, `${l}/qk`), scale], T), bias], T, `${l}/scores`);
    const probs = g.op('Softmax', [scores], T, `${l}/probs`);
    let dropped = probs;
    let dropMask: Ref | undefined;
    let keep: Ref | undefined;
    if (ctx.mode === 'train' && layer.dropout > 0) {
      const source = {
        seed: layer.seed,
        rate: layer.dropout,
        get calls() {
          return layer.calls;
        },
        set calls(c: number) {
          layer.calls = c;
        },
      };
      dropMask = ctx.dropoutMask(source, [heads, length, length]);
      keep = g.scalar(1 - layer.dropout, `${l}/keep`);
      dropped = g.op('RealDiv', [g.op('Mul', [probs, dropMask], T), keep], T, `${l}/dropout`);
    }
    const out = reshape(g, transpose(g, bmm(g, dropped, vh, false, false, `${l}/pv`), [0, 2, 1, 3]), [-1, length, hidden], `${l}/merge`);
    return { pre: out, plan: { name: l, qh, kh, vh, probs, dropped, dropMask, keep, scale, length, heads, headDim } };
  },
  backward(ctx, p, d, need) {
    const { g } = ctx;
    const l = p.name;
    const merge = (x: Ref, what: string) => reshape(g, transpose(g, x, [0, 2, 1, 3]), [-1, p.length, p.heads * p.headDim], `${l}/grad_${what}`);
    const dOut = transpose(g, reshape(g, d, [-1, p.length, p.heads, p.headDim]), [0, 2, 1, 3], `${l}/grad_heads`);
    const dV = need[2] ? merge(bmm(g, p.dropped, dOut, true, false), 'v') : null;
    let dProbs = bmm(g, dOut, p.vh, false, true, `${l}/grad_probs`);
    if (p.dropMask && p.keep) dProbs = g.op('Mul', [g.op('RealDiv', [dProbs, p.keep], T), p.dropMask], T);
    // tfjs's softmax gradient: dy * y - sum(dy * y) * y
    const dyY = g.op('Mul', [dProbs, p.probs], T);
    const dScores = g.op('Sub', [dyY, g.op('Mul', [sum(g, dyY, [-1], true), p.probs], T)], T, `${l}/grad_scores`);
    const dRaw = g.op('Mul', [dScores, p.scale], T);
    const dQ = need[0] ? merge(bmm(g, dRaw, p.kh, false, false), 'q') : null;
    const dK = need[1] ? merge(bmm(g, dRaw, p.qh, true, false), 'k') : null;
    return [dQ, dK, dV, null]; // the mask comes from the token ids: no gradient
  },
});

interface PoolPlan {
  name: string;
  m: Ref;
  den: Ref;
}

export const maskedMeanPooling = defineKind<PoolPlan>({
  classes: ['MaskedMeanPooling'],
  multiInput: true,
  tokens: { masked: 1 },
  unsupported: (info) =>
    info.inShapes.length !== 2 || info.inShapes[0].length !== 3 ? `MaskedMeanPooling layer '${info.name}' needs [hidden (rank 3), mask]` : null,
  forward(ctx, info, [x, mask]) {
    const { g } = ctx;
    const l = info.name;
    const m = g.op('ExpandDims', [mask, g.constant({ dtype: 'int32', shape: [], values: [-1] })], { ...T, Tdim: I32 }, `${l}/mask3d`);
    const den = g.op('Maximum', [sum(g, m, [1], false), g.scalar(1e-9)], T, `${l}/count`);
    const pre = g.op('RealDiv', [sum(g, g.op('Mul', [x, m], T), [1], false), den], T, `${l}/mean`);
    return { pre, plan: { name: l, m, den } };
  },
  backward(ctx, p, d, need) {
    const { g } = ctx;
    if (!need[0]) return [null, null];
    const dSum = g.op('ExpandDims', [g.op('RealDiv', [d, p.den], T), g.constant({ dtype: 'int32', shape: [], values: [1] })], { ...T, Tdim: I32 });
    return [g.op('Mul', [dSum, p.m], T, `${p.name}/grad_input`), null];
  },
});

interface L2Plan {
  name: string;
  x: Ref;
  norm: Ref;
  den: Ref;
}

export const l2Normalize = defineKind<L2Plan>({
  classes: ['L2Normalize'],
  unsupported: () => null,
  forward(ctx, info, [x]) {
    const { g } = ctx;
    const l = info.name;
    const norm = g.op('Sqrt', [sum(g, g.op('Square', [x], T), [-1], true)], T, `${l}/norm`);
    const den = g.op('Maximum', [norm, g.scalar(1e-12)], T, `${l}/den`);
    return { pre: g.op('RealDiv', [x, den], T, `${l}/out`), plan: { name: l, x, norm, den } };
  },
  backward(ctx, p, d, [needDx]) {
    const { g } = ctx;
    if (!needDx) return [null];
    // y = x / max(|x|, 1e-12): through the division, the maximum (open where |x| >= 1e-12), the square root.
    const dDen = g.op('Neg', [sum(g, g.op('RealDiv', [g.op('Mul', [d, p.x], T), g.op('Square', [p.den], T)], T), [-1], true)], T);
    const open = g.op('Cast', [g.op('GreaterEqual', [p.norm, g.scalar(1e-12)], T)], { SrcT: { type: 'bool' }, DstT: F, Truncate: { b: false } });
    const dSq = g.op('RealDiv', [g.op('Mul', [dDen, open], T), g.op('Mul', [p.norm, g.scalar(2)], T)], T);
    return [g.op('AddV2', [g.op('RealDiv', [d, p.den], T), g.op('Mul', [g.op('Mul', [p.x, g.scalar(2)], T), dSq], T)], T, `${p.name}/grad_input`)];
  },
});
