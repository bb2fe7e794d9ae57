/**
 * Metrics as pure functions on predictions and labels (plain arrays, no tensors):
 * accuracy, confusion matrix, per-class precision/recall/F1, macro-F1, top-k accuracy,
 * time to reach a target accuracy from a training history, and mean/std over seeds.
 */
import { History } from '../train/history';
import { checkPositiveInt } from '../util/args';

/** Integer labels or predictions, one per example. */
export type LabelArray = ArrayLike<number>;

function checkFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]))
      throw new Error(
        `${what}: value ${i} is ${values[i]}. Fix: check the model and inputs for NaN/Inf (a diverged training run leaves NaN weights) before computing metrics.`,
      );
  }
}

function checkPair(pred: LabelArray, labels: LabelArray, what: string): void {
  if (pred.length !== labels.length) {
    throw new Error(`${what}: ${pred.length} predictions but ${labels.length} labels. Fix: pass one prediction per label, in the same order.`);
  }
}

/**
 * Fraction of predictions equal to the labels (0 for no examples).
 *
 * @example
 * accuracy([0, 1, 1, 2], [0, 1, 2, 2]); // 0.75
 */
export function accuracy(pred: LabelArray, labels: LabelArray): number {
  checkPair(pred, labels, 'accuracy');
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) hit++;
  return labels.length ? hit / labels.length : 0;
}

/**
 * The confusion matrix: `m[t][p]` counts examples of true class t predicted as p.
 *
 * @param numClasses number of classes (rows and columns)
 * @throws Error naming a label or prediction outside 0..numClasses-1
 * @example
 * confusionMatrix([0, 1, 1], [0, 1, 0], 2); // [[1, 1], [0, 1]]
 */
export function confusionMatrix(pred: LabelArray, labels: LabelArray, numClasses: number): number[][] {
  checkPair(pred, labels, 'confusionMatrix');
  checkPositiveInt(numClasses, 'numClasses', { where: 'confusionMatrix' });
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    const p = pred[i];
    if (!(t >= 0 && t < numClasses && Number.isInteger(t)) || !(p >= 0 && p < numClasses && Number.isInteger(p))) {
      throw new Error(
        `confusionMatrix: example ${i} has label ${t} and prediction ${p}, outside 0..${numClasses - 1}. Fix: pass the number of classes of the task.`,
      );
    }
    m[t][p]++;
  }
  return m;
}

/** Precision, recall, F1 and support of one class. */
export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Number of examples of this class. */
  support: number;
}

/**
 * Per-class precision, recall and F1 from a confusion matrix. A class never predicted
 * has precision 0; a class with no examples has recall 0 (and F1 0), as scikit-learn's
 * `zero_division=0`.
 *
 * @example
 * perClassMetrics([[1, 1], [0, 1]]); // [{precision: 1, recall: 0.5, f1: 0.667, support: 2}, ...]
 */
export function perClassMetrics(confusion: number[][]): ClassMetrics[] {
  const k = Array.isArray(confusion) ? confusion.length : -1;
  if (k < 0 || confusion.some((row) => !Array.isArray(row) || row.length !== k)) {
    throw new Error(`perClassMetrics: the confusion matrix is not square (k rows of k counts). Fix: pass confusionMatrix(pred, labels, k).`);
  }
  return confusion.map((row, c) => {
    const tp = row[c];
    const support = row.reduce((a, b) => a + b, 0);
    let predicted = 0;
    for (let t = 0; t < k; t++) predicted += confusion[t][c];
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { precision, recall, f1, support };
  });
}

/**
 * Macro-averaged F1: the unweighted mean of the per-class F1 scores (every class counts
 * the same, however many examples it has).
 *
 * @example
 * macroF1(confusionMatrix(pred, labels, 10));
 */
export function macroF1(confusion: number[][]): number {
  const per = perClassMetrics(confusion);
  return per.length ? per.reduce((s, c) => s + c.f1, 0) / per.length : 0;
}

/**
 * The predicted class per example from row-major probabilities (n x numClasses); ties go
 * to the lower class index, as `argMax`.
 *
 * @example
 * argmaxRows(new Float32Array([0.1, 0.9, 0.7, 0.3]), 2); // [1, 0]
 */
export function argmaxRows(probs: ArrayLike<number>, numClasses: number): number[] {
  if (!Number.isInteger(numClasses) || numClasses < 1)
    throw new Error(`argmaxRows: numClasses must be a positive integer, got ${numClasses}. Fix: pass the number of classes (e.g. classNames.length).`);
  if (probs.length % numClasses !== 0)
    throw new Error(`argmaxRows: ${probs.length} values is not a multiple of ${numClasses} classes. Fix: pass n x numClasses probabilities, row-major.`);
  checkFinite(probs, 'argmaxRows');
  const n = probs.length / numClasses;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (probs[i * numClasses + c] > probs[i * numClasses + best]) best = c;
    out[i] = best;
  }
  return out;
}

/**
 * Top-k accuracy: the fraction of examples whose label is among the k most probable
 * classes. Ties at the k-th place count against the label (strictly more probable
 * classes are counted first).
 *
 * @param probs row-major probabilities, n x numClasses
 * @example
 * topKAccuracy(new Float32Array([0.5, 0.3, 0.2, 0.1, 0.2, 0.7]), [1, 0], 3, 2); // 0.5
 */
export function topKAccuracy(probs: ArrayLike<number>, labels: LabelArray, numClasses: number, k: number): number {
  checkPositiveInt(k, 'k', { where: 'topKAccuracy' });
  if (probs.length !== labels.length * numClasses) {
    throw new Error(`topKAccuracy: ${probs.length} probabilities for ${labels.length} labels x ${numClasses} classes. Fix: pass n x numClasses probabilities.`);
  }
  checkFinite(probs, 'topKAccuracy');
  let hit = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = probs[i * numClasses + labels[i]];
    let above = 0;
    for (let c = 0; c < numClasses; c++) if (c !== labels[i] && probs[i * numClasses + c] >= p) above++;
    if (above < k) hit++;
  }
  return labels.length ? hit / labels.length : 0;
}

/** Everything {@link classificationReport} measures. */
export interface ClassificationReport {
  accuracy: number;
  macroF1: number;
  /** Top-k accuracy for the k asked for. */
  topK: { k: number; accuracy: number };
  perClass: (ClassMetrics & { name: string })[];
  confusion: number[][];
}

/**
 * Accuracy, macro-F1, top-k accuracy, per-class metrics and the confusion matrix of
 * predicted probabilities against labels.
 *
 * @param probs row-major probabilities, n x classNames.length
 * @param k for top-k accuracy. Default 2.
 * @example
 * const r = classificationReport(probs, test.labels, test.classNames);
 * r.macroF1;
 */
export function classificationReport(probs: ArrayLike<number>, labels: LabelArray, classNames: string[], k = 2): ClassificationReport {
  const n = classNames.length;
  const pred = argmaxRows(probs, n);
  const confusion = confusionMatrix(pred, labels, n);
  return {
    accuracy: accuracy(pred, labels),
    macroF1: macroF1(confusion),
    topK: { k, accuracy: topKAccuracy(probs, labels, n, Math.min(k, n)) },
    perClass: perClassMetrics(confusion).map((m, c) => ({ ...m, name: classNames[c] })),
    confusion,
  };
}

/** When a run first reached a target accuracy. */
export interface TimeToTarget {
  /** The epoch (0-based) whose evaluation first reached the target. */
  epoch: number;
  /** Wall seconds of training up to the end of that epoch. */
  wallSeconds: number;
  /** Training examples processed up to the end of that epoch. */
  samplesSeen: number;
}

/**
 * When a history first reached `target` on a metric (default the validation accuracy):
 * the epoch, wall seconds and samples seen, or null if it never did. Epochs without the
 * metric (not evaluated) are skipped.
 *
 * @example
 * timeToAccuracy(history, 0.9); // { epoch: 3, wallSeconds: 12.5, samplesSeen: 2000 } or null
 */
export function timeToAccuracy(history: Pick<History, 'epochs'>, target: number, metric: 'valAcc' | 'acc' = 'valAcc'): TimeToTarget | null {
  if (!(target >= 0 && target <= 1)) throw new Error(`timeToAccuracy: target must be an accuracy in [0, 1], got ${target}.`);
  for (const e of history.epochs) {
    const v = e[metric];
    if (typeof v === 'number' && v >= target) return { epoch: e.epoch, wallSeconds: e.wallSeconds, samplesSeen: e.samplesSeen };
  }
  return null;
}

/** Mean, sample standard deviation (n - 1; 0 for one value), count, min and max. */
export interface Spread {
  mean: number;
  std: number;
  n: number;
  min: number;
  max: number;
}

/**
 * Mean and spread of a list of numbers (e.g. one metric over seeds).
 *
 * @throws Error for an empty list
 * @example
 * meanStd([0.8, 0.9]); // { mean: 0.85, std: 0.0707, n: 2, min: 0.8, max: 0.9 }
 */
export function meanStd(values: number[]): Spread {
  if (values.length === 0) throw new Error('meanStd: no values. Fix: pass at least one number.');
  checkFinite(values, 'meanStd');
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(variance), n, min: Math.min(...values), max: Math.max(...values) };
}
