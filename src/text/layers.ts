/**
 * The custom layers of a BERT encoder in tfjs: the padding mask, the embeddings (token +
 * position + token type), multi-head self-attention (scaled dot product over the
 * projected queries, keys and values, padding masked out), masked mean pooling and L2
 * normalisation. The dense projections, LayerNorm, GELU and residual additions are stock
 * tfjs layers. Every layer serialises (getConfig + registerClass), so a text net can be
 * copied, saved and loaded like any other.
 */
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { tfSeed } from '../random';

type Kwargs = Record<string, unknown>;
const one = (x: tfn.Tensor | tfn.Tensor[]): tfn.Tensor => (Array.isArray(x) ? x[0] : x);

/** Options for {@link PaddingMask}. */
export interface PaddingMaskArgs {
  /** Id of [PAD]. Default 0. */
  padId?: number;
  name?: string;
}

/**
 * Token ids [batch, length] to a float mask [batch, length]: 1 for tokens, 0 for [PAD].
 *
 * @example
 * const mask = new PaddingMask({ name: 'padding_mask' }).apply(ids);
 */
export class PaddingMask extends tf.layers.Layer {
  static className = 'PaddingMask';
  readonly padId: number;
  constructor(args: PaddingMaskArgs = {}) {
    super({ name: args.name });
    this.padId = args.padId ?? 0;
  }
  override computeOutputShape(s: tfn.Shape | tfn.Shape[]): tfn.Shape {
    return (Array.isArray(s[0]) ? s[0] : s) as tfn.Shape;
  }
  override call(inputs: tfn.Tensor | tfn.Tensor[]): tfn.Tensor {
    return tf.tidy(() => tf.notEqual(one(inputs), this.padId).toFloat());
  }
  override getConfig(): tfn.serialization.ConfigDict {
    return { ...super.getConfig(), padId: this.padId };
  }
}
tf.serialization.registerClass(PaddingMask);

/** Options for {@link BertEmbeddings}. */
export interface BertEmbeddingsArgs {
  vocabSize: number;
  hiddenSize: number;
  /** Rows of the position table (BERT: 512). */
  maxPositions: number;
  /** Rows of the token-type table (BERT: 2). */
  typeVocabSize: number;
  /** Std of the normal initial weights. Default 0.02 (BERT's initializer_range). */
  initializerRange?: number;
  /** Seed of the initial weights. Default 0. */
  seed?: number;
  /**
   * Whether training updates the token table (vocabSize x hiddenSize, half of MiniLM's
   * weights); the position and token-type tables always train with the layer. Default true.
   */
  trainTokenEmbeddings?: boolean;
  name?: string;
}

/**
 * BERT's input embeddings before their LayerNorm: the token's row of the word table, plus
 * the row of its position, plus the row of token type 0 (one-sentence inputs).
 * Weights, in order: word_embeddings, position_embeddings, token_type_embeddings.
 *
 * @example
 * const emb = new BertEmbeddings({ vocabSize: 30522, hiddenSize: 384, maxPositions: 512, typeVocabSize: 2, name: 'embeddings' });
 */
export class BertEmbeddings extends tf.layers.Layer {
  static className = 'BertEmbeddings';
  readonly args: Required<Omit<BertEmbeddingsArgs, 'name'>>;
  private word!: tfn.LayerVariable;
  private position!: tfn.LayerVariable;
  private tokenType!: tfn.LayerVariable;

  constructor(args: BertEmbeddingsArgs) {
    super({ name: args.name });
    this.args = {
      vocabSize: args.vocabSize,
      hiddenSize: args.hiddenSize,
      maxPositions: args.maxPositions,
      typeVocabSize: args.typeVocabSize,
      initializerRange: args.initializerRange ?? 0.02,
      seed: args.seed ?? 0,
      trainTokenEmbeddings: args.trainTokenEmbeddings ?? true,
    };
  }

  override build(inputShape: tfn.Shape | tfn.Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfn.Shape;
    const len = s[s.length - 1];
    const a = this.args;
    if (typeof len === 'number' && len > a.maxPositions)
      throw new Error(
        `BertEmbeddings: sequences of ${len} tokens need ${len} positions, the model has ${a.maxPositions}. Fix: use maxLength <= ${a.maxPositions}.`,
      );
    const init = (k: number) => tf.initializers.truncatedNormal({ stddev: a.initializerRange, seed: tfSeed(a.seed * 101 + k) });
    this.word = this.addWeight('word_embeddings', [a.vocabSize, a.hiddenSize], 'float32', init(1));
    this.position = this.addWeight('position_embeddings', [a.maxPositions, a.hiddenSize], 'float32', init(2));
    this.tokenType = this.addWeight('token_type_embeddings', [a.typeVocabSize, a.hiddenSize], 'float32', init(3));
    this.built = true;
  }

  override computeOutputShape(s: tfn.Shape | tfn.Shape[]): tfn.Shape {
    const x = (Array.isArray(s[0]) ? s[0] : s) as tfn.Shape;
    return [...x, this.args.hiddenSize];
  }

  // The token table stays in the layer's weight list (same order whatever the flag), and is
  // left out of the trainable weights when it is fixed; the layer's `trainable` flag still
  // governs the other tables.
  override get trainableWeights(): tfn.LayerVariable[] {
    return super.trainableWeights.filter((w) => w !== this.word || this.args.trainTokenEmbeddings);
  }
  override set trainableWeights(weights: tfn.LayerVariable[]) {
    super.trainableWeights = weights;
  }
  override get nonTrainableWeights(): tfn.LayerVariable[] {
    const fixed = this.trainable && !this.args.trainTokenEmbeddings && this.word ? [this.word] : [];
    return [...fixed, ...super.nonTrainableWeights];
  }
  override set nonTrainableWeights(weights: tfn.LayerVariable[]) {
    super.nonTrainableWeights = weights;
  }

  /**
   * Let training update the token table or keep it fixed (see `trainTokenEmbeddings`).
   * Call `markChanged(model)` afterwards (setTokenEmbeddingsTrainable in encoder.ts does).
   */
  setTrainTokenEmbeddings(on: boolean): void {
    this.args.trainTokenEmbeddings = on;
  }

  override call(inputs: tfn.Tensor | tfn.Tensor[]): tfn.Tensor {
    return tf.tidy(() => {
      const ids = one(inputs).toInt();
      const len = ids.shape[1] as number;
      const words = tf.gather(this.word.read(), ids);
      const pos = this.position.read().slice([0, 0], [len, this.args.hiddenSize]);
      const type = this.tokenType.read().slice([0, 0], [1, this.args.hiddenSize]);
      return words.add(pos.add(type));
    });
  }

  override getConfig(): tfn.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.args };
  }
}
tf.serialization.registerClass(BertEmbeddings);

/** Options for {@link SelfAttention}. */
export interface SelfAttentionArgs {
  /** Attention heads; the hidden size must divide by it. */
  numHeads: number;
  /** Dropout on the attention probabilities while training. Default 0. */
  dropout?: number;
  /** Base seed of the dropout masks (call k uses seed + k). Default 0. */
  seed?: number;
  name?: string;
}

/**
 * Multi-head scaled dot-product attention over already projected queries, keys and
 * values: inputs `[q, k, v, mask]` ([batch, length, hidden] x3 and the padding mask
 * [batch, length]); keys that are padding get no attention. No weights of its own.
 *
 * @example
 * const ctx = new SelfAttention({ numHeads: 12, name: 'layer_0_attention' }).apply([q, k, v, mask]);
 */
export class SelfAttention extends tf.layers.Layer {
  static className = 'SelfAttention';
  readonly numHeads: number;
  readonly dropout: number;
  readonly seed: number;
  /** Calls so far in training mode with dropout (call k draws its mask from seed + k). */
  calls = 0;

  constructor(args: SelfAttentionArgs) {
    super({ name: args.name });
    if (!Number.isInteger(args.numHeads) || args.numHeads < 1) throw new Error(`SelfAttention: numHeads must be a positive integer, got ${args.numHeads}.`);
    const d = args.dropout ?? 0;
    if (!(d >= 0 && d < 1)) throw new Error(`SelfAttention: dropout must be in [0, 1), got ${d}.`);
    this.numHeads = args.numHeads;
    this.dropout = d;
    this.seed = args.seed ?? 0;
  }

  override computeOutputShape(s: tfn.Shape | tfn.Shape[]): tfn.Shape {
    return (s as tfn.Shape[])[0];
  }

  override call(inputs: tfn.Tensor | tfn.Tensor[], kwargs: Kwargs): tfn.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 4) throw new Error('SelfAttention expects [query, key, value, mask].');
    const [q, k, v, mask] = inputs;
    const [b, len, hidden] = q.shape as number[];
    const h = this.numHeads;
    if (hidden % h !== 0) throw new Error(`SelfAttention: hidden size ${hidden} is not divisible by ${h} heads.`);
    const dh = hidden / h;
    const training = !!kwargs?.['training'] && this.dropout > 0;
    const seed = training ? this.seed + this.calls++ : 0;
    return tf.tidy(() => {
      const heads = (x: tfn.Tensor) => x.reshape([b, len, h, dh]).transpose([0, 2, 1, 3]);
      // Padding keys get a large negative score: exp() makes their weight exactly 0.
      const bias = tf.scalar(1).sub(mask).mul(-1e9).reshape([b, 1, 1, len]);
      const scores = tf
        .matMul(heads(q), heads(k), false, true)
        .mul(1 / Math.sqrt(dh))
        .add(bias);
      let probs = tf.softmax(scores, -1);
      if (training) {
        const keep = tf.randomUniform(probs.shape, 0, 1, 'float32', seed).greaterEqual(this.dropout).toFloat();
        probs = probs.mul(keep).div(1 - this.dropout);
      }
      return tf.matMul(probs, heads(v)).transpose([0, 2, 1, 3]).reshape([b, len, hidden]);
    });
  }

  override getConfig(): tfn.serialization.ConfigDict {
    return { ...super.getConfig(), numHeads: this.numHeads, dropout: this.dropout, seed: this.seed };
  }
}
tf.serialization.registerClass(SelfAttention);

/** Options for {@link BertLayerNorm}. */
export interface BertLayerNormArgs {
  /** Added to the variance. Default 1e-12 (BERT). */
  epsilon?: number;
  name?: string;
}

/**
 * Layer normalisation over the last axis, `(x - mean) / sqrt(var + eps) * gamma + beta`.
 * Same numbers as tfjs's layerNormalization, but with broadcasting instead of `tile`:
 * tfjs differentiates tile with one slice per repeat (thousands of kernel calls per
 * LayerNorm of a [batch, length, hidden] tensor), which made training ~10x slower.
 * Weights, in order: gamma, beta.
 *
 * @example
 * const y = new BertLayerNorm({ epsilon: 1e-12, name: 'embeddings_norm' }).apply(x);
 */
export class BertLayerNorm extends tf.layers.Layer {
  static className = 'BertLayerNorm';
  readonly epsilon: number;
  private gamma!: tfn.LayerVariable;
  private beta!: tfn.LayerVariable;
  constructor(args: BertLayerNormArgs = {}) {
    super({ name: args.name });
    this.epsilon = args.epsilon ?? 1e-12;
  }
  override build(inputShape: tfn.Shape | tfn.Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfn.Shape;
    const d = s[s.length - 1] as number;
    this.gamma = this.addWeight('gamma', [d], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [d], 'float32', tf.initializers.zeros());
    this.built = true;
  }
  override computeOutputShape(s: tfn.Shape | tfn.Shape[]): tfn.Shape {
    return s as tfn.Shape;
  }
  override call(inputs: tfn.Tensor | tfn.Tensor[]): tfn.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      const centered = x.sub(x.mean(-1, true));
      const inv = centered.square().mean(-1, true).add(this.epsilon).rsqrt();
      return centered.mul(inv).mul(this.gamma.read()).add(this.beta.read());
    });
  }
  override getConfig(): tfn.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(BertLayerNorm);

/**
 * Mean of the token vectors of each text, padding excluded (sentence-transformers'
 * mean pooling): inputs `[hidden, mask]` -> [batch, hidden].
 *
 * @example
 * const sentence = new MaskedMeanPooling({ name: 'pool' }).apply([hidden, mask]);
 */
export class MaskedMeanPooling extends tf.layers.Layer {
  static className = 'MaskedMeanPooling';
  constructor(args: { name?: string } = {}) {
    super({ name: args.name });
  }
  override computeOutputShape(s: tfn.Shape | tfn.Shape[]): tfn.Shape {
    const x = (s as tfn.Shape[])[0];
    return [x[0], x[x.length - 1]];
  }
  override call(inputs: tfn.Tensor | tfn.Tensor[]): tfn.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error('MaskedMeanPooling expects [hidden, mask].');
    const [x, mask] = inputs;
    return tf.tidy(() => {
      const m = mask.expandDims(-1);
      return x.mul(m).sum(1).div(m.sum(1).maximum(1e-9));
    });
  }
}
tf.serialization.registerClass(MaskedMeanPooling);

/**
 * Scale each row to unit L2 norm (`x / max(|x|, 1e-12)`, as torch's F.normalize).
 *
 * @example
 * const unit = new L2Normalize({ name: 'normalize' }).apply(sentence);
 */
export class L2Normalize extends tf.layers.Layer {
  static className = 'L2Normalize';
  constructor(args: { name?: string } = {}) {
    super({ name: args.name });
  }
  override computeOutputShape(s: tfn.Shape | tfn.Shape[]): tfn.Shape {
    return s as tfn.Shape;
  }
  override call(inputs: tfn.Tensor | tfn.Tensor[]): tfn.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      return x.div(x.square().sum(-1, true).sqrt().maximum(1e-12));
    });
  }
}
tf.serialization.registerClass(L2Normalize);
