/**
 * A BERT-family text encoder as a tfjs layers model with named layers and layer groups,
 * returned as the library's `Net`, so cut / freeze / withHead / linearProbe /
 * gradualUnfreeze / fineTune / scratch work on it as on the image backbones.
 *
 * token ids -> embeddings (+ LayerNorm, dropout) -> N x [self-attention + residual +
 * LayerNorm, GELU feed-forward + residual + LayerNorm] -> masked mean pooling -> L2
 * normalisation (sentence-transformers' all-MiniLM-L6-v2 pipeline).
 *
 * The input is one int32 tensor of token ids [batch, maxLength]; the attention mask is
 * computed inside the model from the [PAD] id, and the token type is always 0.
 */
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { Net, LayerGroup, Preprocessing } from '../transfer/net';
import { seededDropout } from '../transfer/layers';
import { markChanged } from '../transfer/freeze';
import { tfSeed } from '../random';
import { PaddingMask, BertEmbeddings, BertLayerNorm, SelfAttention, MaskedMeanPooling, L2Normalize } from './layers';

/** The shape of a BERT encoder (the fields of a Hugging Face BertConfig we use). */
export interface BertConfig {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  /** Rows of the position table. */
  maxPositions: number;
  typeVocabSize: number;
  layerNormEps: number;
  /** Dropout on hidden states while training. */
  hiddenDropout: number;
  /** Dropout on attention probabilities while training. */
  attentionDropout: number;
  /** Id of [PAD]. */
  padId: number;
}

/**
 * all-MiniLM-L6-v2 (nreimers/MiniLM-L6-H384-uncased): 6 layers, 384 hidden, 12 heads,
 * 1536 feed-forward, 30,522 WordPiece tokens; 22.7 M parameters.
 *
 * @example
 * buildTextEncoder(MINILM_L6_CONFIG, { maxLength: 64, seed: 1 }); // random weights
 */
export const MINILM_L6_CONFIG: BertConfig = {
  vocabSize: 30522,
  hiddenSize: 384,
  numLayers: 6,
  numHeads: 12,
  intermediateSize: 1536,
  maxPositions: 512,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
  hiddenDropout: 0.1,
  attentionDropout: 0.1,
  padId: 0,
};

/** How a text net's inputs are made: the tokenizer and sequence length (in `net.preprocessing.text`). */
export interface TextSettings {
  /** The WordPiece vocabulary file. */
  vocab: string;
  /** Tokens per text, [CLS] and [SEP] included. */
  maxLength: number;
  /** Uncased model: lower-case and strip accents. */
  lowerCase: boolean;
}

/** A net's preprocessing when its inputs are token ids: 1 x maxLength "pixels" plus the tokenizer. */
export interface TextPreprocessing extends Preprocessing {
  text: TextSettings;
}

/**
 * Whether a net reads token ids (built by {@link buildTextEncoder} or loaded by `loadTextEncoder`).
 *
 * @example
 * if (isTextPreprocessing(net.preprocessing)) net.preprocessing.text.maxLength;
 */
export function isTextPreprocessing(p: Preprocessing): p is TextPreprocessing {
  const t = (p as Partial<TextPreprocessing>).text;
  return !!t && typeof t.vocab === 'string' && Number.isInteger(t.maxLength);
}

/** Options for {@link buildTextEncoder}. */
export interface TextEncoderOptions {
  /** Tokens per text, [CLS] and [SEP] included (2..maxPositions). Default 64. */
  maxLength?: number;
  /** End with L2 normalisation (sentence-transformers' Normalize); false ends at the mean pooling. Default true. */
  normalize?: boolean;
  /** Override both dropout rates of the config (e.g. 0 for deterministic training). Default: the config's. */
  dropout?: number;
  /** Seed of the initial weights and dropout masks. Default 0. */
  seed?: number;
  /**
   * Let training update the token table (30,522 x 384 for MiniLM, half the weights). false
   * keeps it fixed even when the `embeddings` group is unfrozen: Adam's update of that one
   * table took ~60% of a fine-tuning step here. Default true.
   */
  trainTokenEmbeddings?: boolean;
  /** Vocabulary file recorded in the preprocessing (for textSource). Default ''. */
  vocab?: string;
  /** Lower-case inputs (uncased model). Default true. */
  lowerCase?: boolean;
  /** Model name. Default 'bert-encoder'. */
  name?: string;
  /** Recorded as the net's origin. Default `random(seed=S)`. */
  origin?: string;
}

/**
 * The layer names of transformer block `i`, in order.
 *
 * @example
 * blockLayerNames(0)[0]; // 'layer_0_query'
 */
export function blockLayerNames(i: number): string[] {
  const p = `layer_${i}`;
  return [
    `${p}_query`,
    `${p}_key`,
    `${p}_value`,
    `${p}_attention`,
    `${p}_attention_output`,
    `${p}_attention_dropout`,
    `${p}_attention_add`,
    `${p}_attention_norm`,
    `${p}_intermediate`,
    `${p}_output`,
    `${p}_output_dropout`,
    `${p}_output_add`,
    `${p}_output_norm`,
  ];
}

/**
 * The layer groups of an encoder with `numLayers` blocks: `embeddings`, `layer_0` ..
 * `layer_{n-1}`; the pooling layers (no weights) ride with the last block.
 *
 * @example
 * textEncoderGroups(6).map((g) => g.name); // ['embeddings', 'layer_0', ..., 'layer_5']
 */
export function textEncoderGroups(numLayers: number, normalize = true): LayerGroup[] {
  const groups: LayerGroup[] = [{ name: 'embeddings', layers: ['padding_mask', 'embeddings', 'embeddings_norm', 'embeddings_dropout'] }];
  for (let i = 0; i < numLayers; i++) groups.push({ name: `layer_${i}`, layers: blockLayerNames(i) });
  groups[groups.length - 1].layers.push('pool', ...(normalize ? ['normalize'] : []));
  return groups;
}

function checkConfig(c: BertConfig): void {
  const ints: (keyof BertConfig)[] = ['vocabSize', 'hiddenSize', 'numLayers', 'numHeads', 'intermediateSize', 'maxPositions', 'typeVocabSize'];
  for (const k of ints) if (!Number.isInteger(c[k]) || (c[k] as number) < 1) throw new Error(`BertConfig.${k} must be a positive integer, got ${c[k]}.`);
  if (c.hiddenSize % c.numHeads !== 0) throw new Error(`BertConfig: hiddenSize ${c.hiddenSize} is not divisible by numHeads ${c.numHeads}.`);
}

/**
 * Build a BERT encoder with fresh (seeded) weights: BERT's initialisation, normal with std
 * 0.02. `loadTextEncoder` builds it and then sets the pretrained weights.
 *
 * @returns a Net whose output is the sentence embedding [batch, hidden]
 * @example
 * const enc = buildTextEncoder(MINILM_L6_CONFIG, { maxLength: 32, seed: 3 });
 * enc.groups.map((g) => g.name); // ['embeddings', 'layer_0', ..., 'layer_5']
 */
export function buildTextEncoder(config: BertConfig, opts: TextEncoderOptions = {}): Net {
  checkConfig(config);
  const maxLength = opts.maxLength ?? 64;
  if (!Number.isInteger(maxLength) || maxLength < 2 || maxLength > config.maxPositions) {
    throw new Error(`maxLength must be an integer from 2 to ${config.maxPositions} (the model's positions), got ${maxLength}.`);
  }
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}.`);
  const hd = opts.dropout ?? config.hiddenDropout;
  const ad = opts.dropout ?? config.attentionDropout;
  for (const [k, v] of [
    ['hidden dropout', hd],
    ['attention dropout', ad],
  ] as const)
    if (!(v >= 0 && v < 1)) throw new Error(`${k} must be in [0, 1), got ${v}.`);
  const normalize = opts.normalize ?? true;
  let s = seed * 1000;
  const kernel = () => tf.initializers.truncatedNormal({ stddev: 0.02, seed: tfSeed(s++) });
  const dense = (units: number, name: string, activation?: 'gelu') => tf.layers.dense({ units, activation, kernelInitializer: kernel(), name });
  const norm = (name: string) => new BertLayerNorm({ epsilon: config.layerNormEps, name });
  type S = tfn.SymbolicTensor;
  const ids = tf.input({ shape: [maxLength], dtype: 'int32', name: 'token_ids' });
  const mask = new PaddingMask({ padId: config.padId, name: 'padding_mask' }).apply(ids) as S;
  let x = new BertEmbeddings({
    vocabSize: config.vocabSize,
    hiddenSize: config.hiddenSize,
    maxPositions: config.maxPositions,
    typeVocabSize: config.typeVocabSize,
    seed,
    trainTokenEmbeddings: opts.trainTokenEmbeddings ?? true,
    name: 'embeddings',
  }).apply(ids) as S;
  x = norm('embeddings_norm').apply(x) as S;
  x = seededDropout({ rate: hd, seed: seed * 7919 + 1, name: 'embeddings_dropout' }).apply(x) as S;
  for (let i = 0; i < config.numLayers; i++) {
    const p = `layer_${i}`;
    const q = dense(config.hiddenSize, `${p}_query`).apply(x) as S;
    const k = dense(config.hiddenSize, `${p}_key`).apply(x) as S;
    const v = dense(config.hiddenSize, `${p}_value`).apply(x) as S;
    let a = new SelfAttention({ numHeads: config.numHeads, dropout: ad, seed: seed * 7919 + 100 * (i + 1), name: `${p}_attention` }).apply([
      q,
      k,
      v,
      mask,
    ]) as S;
    a = dense(config.hiddenSize, `${p}_attention_output`).apply(a) as S;
    a = seededDropout({ rate: hd, seed: seed * 7919 + 100 * (i + 1) + 1, name: `${p}_attention_dropout` }).apply(a) as S;
    x = norm(`${p}_attention_norm`).apply(tf.layers.add({ name: `${p}_attention_add` }).apply([a, x]) as S) as S;
    let f = dense(config.intermediateSize, `${p}_intermediate`, 'gelu').apply(x) as S;
    f = dense(config.hiddenSize, `${p}_output`).apply(f) as S;
    f = seededDropout({ rate: hd, seed: seed * 7919 + 100 * (i + 1) + 2, name: `${p}_output_dropout` }).apply(f) as S;
    x = norm(`${p}_output_norm`).apply(tf.layers.add({ name: `${p}_output_add` }).apply([f, x]) as S) as S;
  }
  let out = new MaskedMeanPooling({ name: 'pool' }).apply([x, mask]) as S;
  if (normalize) out = new L2Normalize({ name: 'normalize' }).apply(out) as S;
  const model = tf.model({ inputs: ids, outputs: out, name: opts.name ?? 'bert-encoder' });
  markChanged(model);
  const preprocessing: TextPreprocessing = {
    height: 1,
    width: maxLength,
    channels: 1,
    text: { vocab: opts.vocab ?? '', maxLength, lowerCase: opts.lowerCase ?? true },
  };
  return { model, groups: textEncoderGroups(config.numLayers, normalize), classNames: [], preprocessing, origin: opts.origin ?? `random(seed=${seed})` };
}

/**
 * Let training update a text net's token table, or keep it fixed (the other embedding
 * tables and every other layer follow freeze/unfreeze as usual).
 *
 * @example
 * setTokenEmbeddingsTrainable(net, false); // fine-tune without moving the 11.7 M-weight token table
 */
export function setTokenEmbeddingsTrainable(net: Net, on: boolean): Net {
  const layer = net.model.layers.find((l) => l instanceof BertEmbeddings) as BertEmbeddings | undefined;
  if (!layer) throw new Error(`setTokenEmbeddingsTrainable: model '${net.model.name}' has no BertEmbeddings layer (not a text encoder).`);
  layer.setTrainTokenEmbeddings(on);
  markChanged(net.model);
  return net;
}
