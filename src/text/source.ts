/**
 * From texts to what the training loop and the probes read: a batch source of token ids
 * (tokenised once, with the net's tokenizer and length), sentence embeddings of a list of
 * texts, and cached features of a text data set for linear probes.
 */
import { tf } from '../backend';
import { predictor } from '../graph/predict';
import { Net, Preprocessing, checkNet } from '../transfer/net';
import { featureDigest } from '../util/digest';
import { CacheMode, cachedFeatures, featureRequest } from '../util/cache';
import { checkPositiveInt } from '../util/args';
import { BatchSource, FeatureSet } from '../train/source';
import { TextDataset } from './dataset';
import { TextPreprocessing, isTextPreprocessing } from './encoder';
import { WordPieceTokenizer, TruncationPolicy, EncodedBatch } from './tokenizer';

const tokenizers = new Map<string, WordPieceTokenizer>();

function textSettings(pre: Preprocessing, what: string): TextPreprocessing['text'] {
  if (!isTextPreprocessing(pre)) {
    throw new Error(
      `${what}: this net does not read text (its preprocessing has no tokenizer: ${JSON.stringify(pre)}). Fix: use a net built from loadTextEncoder() or buildTextEncoder().`,
    );
  }
  if (!pre.text.vocab)
    throw new Error(
      `${what}: the net's preprocessing names no vocabulary file. Fix: build it with buildTextEncoder(config, { vocab: '/path/to/vocab.txt' }) or use loadTextEncoder().`,
    );
  return pre.text;
}

/**
 * The tokenizer of a text net (read once per vocabulary file, then cached).
 *
 * @example
 * const tok = tokenizerFor(net.preprocessing);
 * tok.tokenize('hello there');
 */
export function tokenizerFor(pre: Preprocessing): WordPieceTokenizer {
  const t = textSettings(pre, 'tokenizerFor');
  const key = `${t.vocab}|${t.lowerCase}`;
  let tok = tokenizers.get(key);
  if (!tok) {
    tok = WordPieceTokenizer.fromVocabFile(t.vocab, { lowerCase: t.lowerCase });
    tokenizers.set(key, tok);
  }
  return tok;
}

/** Options for {@link textSource} and {@link encodeTexts}. */
export interface TextSourceOptions {
  /** Texts longer than the net's maxLength: 'truncate' (default, as sentence-transformers) or 'error'. */
  truncation?: TruncationPolicy;
}

/**
 * Token ids of texts with a net's tokenizer and length.
 *
 * @example
 * const enc = encodeTexts(net.preprocessing, ['a text', 'another']);
 * enc.ids.length; // 2 * maxLength
 */
export function encodeTexts(pre: Preprocessing, texts: readonly string[], opts: TextSourceOptions = {}): EncodedBatch {
  const t = textSettings(pre, 'encodeTexts');
  return tokenizerFor(pre).encodeBatch(texts, { maxLength: t.maxLength, truncation: opts.truncation });
}

/**
 * A batch source over a text data set, for `train` / `fineTune` / `gradualUnfreeze` /
 * `evaluateSource`: the texts are tokenised once; a batch is an int32 tensor of ids
 * [batch, maxLength] and the labels.
 *
 * @example
 * const src = textSource(train, net.preprocessing);
 * await fineTune(net, src, { epochs: 3 });
 */
export function textSource(ds: TextDataset, pre: Preprocessing, opts: TextSourceOptions = {}): BatchSource {
  if (ds.count === 0) throw new Error(`text data set '${ds.name}' is empty: nothing to train or evaluate on.`);
  const enc = encodeTexts(pre, ds.texts, opts);
  const L = enc.maxLength;
  return {
    count: ds.count,
    labels: ds.labels,
    numClasses: ds.classNames.length,
    inputShape: [L],
    batch(indices) {
      const n = indices.length;
      const ids = new Int32Array(n * L);
      const labels = new Int32Array(n);
      for (let b = 0; b < n; b++) {
        const i = indices[b];
        ids.set(enc.ids.subarray(i * L, (i + 1) * L), b * L);
        labels[b] = ds.labels[i];
      }
      return { xs: tf.tensor2d(ids, [n, L], 'int32'), ys: tf.tensor1d(labels, 'int32') };
    },
  };
}

/** Options for {@link embedTexts} and {@link extractTextFeatures}. */
export interface EmbedOptions extends TextSourceOptions {
  /** Texts per forward pass. Default 64. */
  batchSize?: number;
}

/**
 * A net's outputs for a list of texts (for an encoder: the sentence embeddings), in
 * inference mode, as one row-major Float32Array.
 *
 * @returns { data: count x dim, dim }
 * @example
 * const { data, dim } = await embedTexts(encoder, ['The cat sat.', 'A cat was sitting.']);
 */
export async function embedTexts(net: Net, texts: readonly string[], opts: EmbedOptions = {}): Promise<{ data: Float32Array; dim: number; count: number }> {
  checkNet(net, 'embedTexts');
  const batchSize = opts.batchSize ?? 64;
  checkPositiveInt(batchSize, 'batchSize');
  const enc = encodeTexts(net.preprocessing, texts, opts);
  const L = enc.maxLength;
  const dim = outputWidth(net);
  const data = new Float32Array(texts.length * dim);
  // The compiled forward pass where the graph compiler supports the net, else model.predict.
  const predict = predictor(net.model);
  for (let s = 0; s < texts.length; s += batchSize) {
    const n = Math.min(batchSize, texts.length - s);
    const out = tf.tidy(() => {
      const xs = tf.tensor2d(enc.ids.subarray(s * L, (s + n) * L), [n, L], 'int32');
      return predict(xs).reshape([n, dim]);
    });
    data.set((await out.data()) as Float32Array, s * dim);
    out.dispose();
  }
  return { data, dim, count: texts.length };
}

/** Values per example of a net's output. */
function outputWidth(net: Net): number {
  return (net.model.outputs[0].shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
}

/** Options for {@link extractTextFeatures}. */
export interface TextFeatureOptions extends EmbedOptions {
  /** 'memory' (default), 'disk' (memory and ~/.cache/transfer-lab/features) or 'none'; `true`/`false` mean 'memory'/'none'. */
  cache?: CacheMode | boolean;
  /** Folder of the disk cache. Default ~/.cache/transfer-lab/features. */
  cacheDir?: string;
}

/**
 * Compute (or reuse from the shared feature cache) a text net's outputs for every text of
 * a data set, as a FeatureSet for `linearProbe` / `featureSource`. The key hashes the
 * weights, the output layer, the preprocessing and the texts.
 *
 * @example
 * const feats = await extractTextFeatures(cut(encoder, 'pool'), train);
 * const { net: probe } = await linearProbe(feats, { epochs: 30 });
 */
export async function extractTextFeatures(net: Net, ds: TextDataset, opts: TextFeatureOptions = {}): Promise<FeatureSet> {
  checkNet(net, 'extractTextFeatures');
  const mode = opts.cache === undefined || opts.cache === true ? 'memory' : opts.cache === false ? 'none' : opts.cache;
  return cachedFeatures(
    featureRequest(net, ds, {
      mode,
      dir: opts.cacheDir,
      dim: outputWidth(net),
      key: () => `text:${featureDigest(net, [JSON.stringify(ds.texts), ds.labels])}`,
    }),
    async () => (await embedTexts(net, ds.texts, opts)).data,
  );
}
