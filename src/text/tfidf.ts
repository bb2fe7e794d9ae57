/**
 * The classic text baseline: TF-IDF features and an L2-regularised logistic regression,
 * trained on the same labelled texts as the transfer strategies.
 *
 * - Vocabulary: the word n-grams (default 1- and 2-grams) of the training texts only,
 *   tokens being lower-cased runs of letters, digits and apostrophes.
 * - TF-IDF as scikit-learn's TfidfVectorizer(sublinear_tf=True): tf = 1 + ln(count),
 *   idf = ln((1 + n) / (1 + df)) + 1, each row L2-normalised; unseen n-grams are dropped.
 * - Logistic regression (softmax over the classes) as scikit-learn's LogisticRegression:
 *   minimise C * sum(cross-entropy) + ||W||^2 / 2 (bias not penalised), here as the
 *   mean cross-entropy + ||W||^2 / (2 C n), by full-batch Adam on native TensorFlow with
 *   sparse inputs (gather + segment sum), from zero weights: no random choice, so the same
 *   texts always give the same model. The weights come back as plain arrays: the model
 *   holds no tensors.
 */
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { TextDataset } from './dataset';

/** Options for {@link trainTfidfLogReg}. */
export interface TfidfOptions {
  /** Word n-gram lengths, [min, max]. Default [1, 2]. */
  ngrams?: [number, number];
  /** Keep n-grams seen in at least this many training texts. Default 1. */
  minDf?: number;
  /** Inverse regularisation strength (scikit-learn's C). Default 1. */
  C?: number;
  /** Full-batch Adam steps. Default 300. */
  iterations?: number;
  /** Adam's learning rate. Default 0.1. */
  learningRate?: number;
}

/** Sparse rows (CSR): row i's columns are cols[rowPtr[i]..rowPtr[i+1]). */
export interface SparseRows {
  rows: number;
  dim: number;
  rowPtr: Int32Array;
  cols: Int32Array;
  vals: Float32Array;
}

/** A trained TF-IDF + logistic regression model (plain arrays, no tensors). */
export interface TfidfModel {
  /** n-gram -> column. */
  vocabulary: Map<string, number>;
  idf: Float32Array;
  ngrams: [number, number];
  /** dim x classes, row-major. */
  weights: Float32Array;
  bias: Float32Array;
  classNames: string[];
  /** Training loss (mean cross-entropy + penalty) at the last step. */
  loss: number;
}

/**
 * The tokens of a text: lower-cased runs of letters, digits and apostrophes.
 *
 * @example
 * tfidfTokens("Don't  miss it!"); // ["don't", 'miss', 'it']
 */
export function tfidfTokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
}

function ngramsOf(text: string, [lo, hi]: [number, number]): string[] {
  const t = tfidfTokens(text);
  const out: string[] = [];
  for (let n = lo; n <= hi; n++) for (let i = 0; i + n <= t.length; i++) out.push(t.slice(i, i + n).join(' '));
  return out;
}

function checkOptions(o: TfidfOptions): Required<TfidfOptions> {
  const ngrams = o.ngrams ?? [1, 2];
  if (!Array.isArray(ngrams) || ngrams.length !== 2 || !ngrams.every((n) => Number.isInteger(n) && n >= 1) || ngrams[0] > ngrams[1]) {
    throw new Error(`tfidf ngrams must be [min, max] with 1 <= min <= max, got ${JSON.stringify(ngrams)}. Fix: e.g. { ngrams: [1, 2] }.`);
  }
  const r: Required<TfidfOptions> = { ngrams, minDf: o.minDf ?? 1, C: o.C ?? 1, iterations: o.iterations ?? 300, learningRate: o.learningRate ?? 0.1 };
  if (!Number.isInteger(r.minDf) || r.minDf < 1) throw new Error(`tfidf minDf must be a positive integer, got ${r.minDf}.`);
  if (!(r.C > 0 && Number.isFinite(r.C))) throw new Error(`tfidf C must be a positive number, got ${r.C}. Fix: e.g. { C: 1 } (smaller is more regularised).`);
  if (!Number.isInteger(r.iterations) || r.iterations < 1) throw new Error(`tfidf iterations must be a positive integer, got ${r.iterations}.`);
  if (!(r.learningRate > 0 && Number.isFinite(r.learningRate))) throw new Error(`tfidf learningRate must be a positive number, got ${r.learningRate}.`);
  return r;
}

/**
 * TF-IDF rows of texts under a model's vocabulary (n-grams not in it are dropped).
 *
 * @example
 * const X = tfidfTransform(model, ['a fine film']);
 */
export function tfidfTransform(model: Pick<TfidfModel, 'vocabulary' | 'idf' | 'ngrams'>, texts: readonly string[]): SparseRows {
  const rowPtr = new Int32Array(texts.length + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  texts.forEach((text, i) => {
    if (typeof text !== 'string') throw new Error(`tfidfTransform: text ${i} is not a string.`);
    const counts = new Map<number, number>();
    for (const g of ngramsOf(text, model.ngrams)) {
      const c = model.vocabulary.get(g);
      if (c !== undefined) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    const entries = [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([c, n]) => [c, (1 + Math.log(n)) * model.idf[c]] as const);
    const norm = Math.sqrt(entries.reduce((s, [, v]) => s + v * v, 0)) || 1;
    for (const [c, v] of entries) {
      cols.push(c);
      vals.push(v / norm);
    }
    rowPtr[i + 1] = cols.length;
  });
  return { rows: texts.length, dim: model.idf.length, rowPtr, cols: Int32Array.from(cols), vals: Float32Array.from(vals) };
}

/**
 * Train TF-IDF + logistic regression on labelled texts (see the module comment).
 *
 * @throws Error on an empty set, a set with one class, or bad options
 * @example
 * const model = await trainTfidfLogReg(train);
 * const probs = tfidfPredict(model, test.texts); // n x classes
 */
export async function trainTfidfLogReg(ds: TextDataset, opts: TfidfOptions = {}): Promise<TfidfModel> {
  const o = checkOptions(opts);
  if (!ds || !Array.isArray(ds.texts) || ds.count === 0)
    throw new Error('trainTfidfLogReg: the training set is empty. Fix: pass a TextDataset with labelled texts.');
  const classes = ds.classNames.length;
  if (new Set(ds.labels).size < 2)
    throw new Error(`trainTfidfLogReg on ${ds.name}: every text has the same label; a classifier needs at least 2 classes in its training texts.`);
  const df = new Map<string, number>();
  for (const t of ds.texts) for (const g of new Set(ngramsOf(t, o.ngrams))) df.set(g, (df.get(g) ?? 0) + 1);
  const terms = [...df.entries()]
    .filter(([, d]) => d >= o.minDf)
    .map(([g]) => g)
    .sort();
  if (terms.length === 0)
    throw new Error(`trainTfidfLogReg on ${ds.name}: no n-gram occurs in ${o.minDf}+ training texts. Fix: lower minDf or pass texts with words.`);
  const vocabulary = new Map(terms.map((g, i) => [g, i]));
  const n = ds.count;
  const idf = Float32Array.from(terms, (g) => Math.log((1 + n) / (1 + (df.get(g) as number))) + 1);
  const X = tfidfTransform({ vocabulary, idf, ngrams: o.ngrams }, ds.texts);
  const dim = terms.length;
  const rowOf = new Int32Array(X.cols.length);
  for (let i = 0; i < n; i++) rowOf.fill(i, X.rowPtr[i], X.rowPtr[i + 1]);
  // Variables made inside tidy: the zero tensors they start from are released.
  const W = tf.tidy(() => tf.variable(tf.zeros([dim, classes]), true));
  const b = tf.tidy(() => tf.variable(tf.zeros([classes]), true));
  const optimizer = tf.train.adam(o.learningRate);
  const data = tf.tidy(() => ({
    cols: tf.tensor1d(X.cols, 'int32'),
    vals: tf.tensor2d(X.vals, [X.vals.length, 1]),
    rows: tf.tensor1d(rowOf, 'int32'),
    ys: tf.oneHot(tf.tensor1d(ds.labels, 'int32'), classes).toFloat(),
  }));
  let loss = NaN;
  try {
    const penalty = 1 / (2 * o.C * n);
    const objective = (): tfn.Scalar => {
      const logits = tf.unsortedSegmentSum(tf.mul(tf.gather(W, data.cols), data.vals), data.rows, n).add(b);
      return tf.losses.softmaxCrossEntropy(data.ys, logits).add(tf.sum(tf.square(W)).mul(penalty)) as tfn.Scalar;
    };
    for (let it = 0; it < o.iterations; it++) {
      const value = optimizer.minimize(objective, it === o.iterations - 1, [W, b]);
      if (value) {
        loss = (await value.data())[0];
        value.dispose();
      }
    }
    return {
      vocabulary,
      idf,
      ngrams: o.ngrams,
      weights: (await W.data()) as Float32Array,
      bias: (await b.data()) as Float32Array,
      classNames: ds.classNames.slice(),
      loss,
    };
  } finally {
    tf.dispose([data.cols, data.vals, data.rows, data.ys]);
    optimizer.dispose();
    W.dispose();
    b.dispose();
  }
}

/**
 * Class probabilities of texts, n x classes row-major (softmax of the sparse logits).
 *
 * @example
 * classificationReport(tfidfPredict(model, test.texts), test.labels, test.classNames).accuracy;
 */
export function tfidfPredict(model: TfidfModel, texts: readonly string[]): Float32Array {
  if (!model || !(model.vocabulary instanceof Map) || !(model.weights instanceof Float32Array))
    throw new Error('tfidfPredict: not a model from trainTfidfLogReg. Fix: train one first.');
  if (!Array.isArray(texts)) throw new Error('tfidfPredict: expected an array of texts.');
  const C = model.classNames.length;
  const X = tfidfTransform(model, texts);
  const out = new Float32Array(X.rows * C);
  const z = new Float64Array(C);
  for (let i = 0; i < X.rows; i++) {
    for (let c = 0; c < C; c++) z[c] = model.bias[c];
    for (let k = X.rowPtr[i]; k < X.rowPtr[i + 1]; k++) for (let c = 0; c < C; c++) z[c] += X.vals[k] * model.weights[X.cols[k] * C + c];
    const m = Math.max(...z);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(z[c] - m);
    for (let c = 0; c < C; c++) out[i * C + c] = Math.exp(z[c] - m) / s;
  }
  return out;
}
