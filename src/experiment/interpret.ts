/**
 * Error analysis of a trained classifier on a data set (fastai's
 * `ClassificationInterpretation`): the examples with the highest loss (`topLosses`, most
 * often mislabelled or ambiguous images) and the pairs of classes confused most often
 * (`mostConfused`). The chart of the top losses is `topLossesChart` (src/charts/interpret.ts).
 */
import { Net, checkNet } from '../transfer/net';
import { ImageDataset, checkDataset } from '../data/dataset';
import { imageSource } from '../train/source';
import { predictProbs } from './strategies';
import { confusionMatrix } from './metrics';

/** Per-example predictions and losses of a net on a data set. */
export interface Interpretation {
  /** The data set interpreted (its images feed the charts). */
  dataset: ImageDataset;
  classNames: string[];
  /** Row-major probabilities, count x classes. */
  probs: Float32Array;
  /** Predicted class per example. */
  predictions: Int32Array;
  /** Cross-entropy loss per example: -ln p(true class). */
  losses: Float32Array;
  /** Counts: confusion[true][predicted]. */
  confusion: number[][];
}

/** One of the {@link topLosses}. */
export interface TopLoss {
  /** Index into the data set. */
  index: number;
  loss: number;
  predicted: string;
  actual: string;
  /** Probability of the predicted class. */
  probability: number;
  /** Probability of the true class. */
  actualProbability: number;
}

/** One pair of {@link mostConfused}. */
export interface ConfusedPair {
  actual: string;
  predicted: string;
  count: number;
}

/** Options for {@link interpret}. */
export interface InterpretOptions {
  /** Probabilities already computed for this data set (e.g. `predictProbs(net, imageSource(ds, pre))`), to skip the forward pass. */
  probs?: Float32Array;
  /** Examples per forward pass. Default 256. */
  batchSize?: number;
}

/**
 * Predict every example of `ds` with `net` (inference mode) and keep what error analysis
 * needs: probabilities, predictions, per-example losses and the confusion matrix.
 *
 * @example
 * const interp = await interpret(net, test);
 * topLosses(interp, 9); mostConfused(interp, { minCount: 2 });
 * tl.show(topLossesChart(interp, { count: 12 }));
 * // introduced in notebooks/06-your-own-images.ipynb
 */
export async function interpret(net: Net, ds: ImageDataset, opts: InterpretOptions = {}): Promise<Interpretation> {
  checkNet(net, 'interpret');
  checkDataset(ds, 'interpret');
  const k = ds.classNames.length;
  if (net.classNames.length && net.classNames.length !== k)
    throw new Error(
      `interpret: the net has ${net.classNames.length} classes but data set '${ds.name}' has ${k}. Fix: interpret the net on data of its own task (same class folders).`,
    );
  const probs = opts.probs ?? (await predictProbs(net, imageSource(ds, net.preprocessing), opts.batchSize ?? 256));
  if (!(probs instanceof Float32Array) || probs.length !== ds.count * k)
    throw new Error(
      `interpret: ${probs?.length} probabilities for ${ds.count} images of ${k} classes. Fix: pass the probabilities of this data set (predictProbs(net, imageSource(ds, net.preprocessing))), or leave probs out.`,
    );
  const predictions = new Int32Array(ds.count);
  const losses = new Float32Array(ds.count);
  for (let i = 0; i < ds.count; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c] > probs[i * k + best]) best = c;
    predictions[i] = best;
    losses[i] = -Math.log(Math.max(1e-7, probs[i * k + ds.labels[i]]));
  }
  return { dataset: ds, classNames: ds.classNames, probs, predictions, losses, confusion: confusionMatrix(predictions, ds.labels.subarray(0, ds.count), k) };
}

function checkInterp(x: Interpretation, where: string): void {
  if (!x || !(x.losses instanceof Float32Array) || !(x.predictions instanceof Int32Array) || !Array.isArray(x.confusion)) {
    throw new Error(
      `${where}: expected what interpret() returns, got ${x === null ? 'null' : typeof x}. Fix: const interp = await interpret(net, dataset); then ${where}(interp).`,
    );
  }
}

/**
 * The `count` examples with the highest loss, highest first (wrong and confident, or right
 * but unsure): where to look for label noise and hard cases.
 *
 * @example
 * for (const t of topLosses(interp, 5)) console.log(`${t.actual} -> ${t.predicted} (loss ${t.loss.toFixed(2)})`);
 */
export function topLosses(interp: Interpretation, count = 9): TopLoss[] {
  checkInterp(interp, 'topLosses');
  if (!Number.isInteger(count) || count < 1) throw new Error(`topLosses: count must be a positive integer, got ${count}. Fix: pass e.g. 9.`);
  const k = interp.classNames.length;
  const order = Array.from(interp.losses.keys())
    .sort((a, b) => interp.losses[b] - interp.losses[a] || a - b)
    .slice(0, count);
  return order.map((i) => {
    const p = interp.predictions[i];
    const a = interp.dataset.labels[i];
    return {
      index: i,
      loss: interp.losses[i],
      predicted: interp.classNames[p],
      actual: interp.classNames[a],
      probability: interp.probs[i * k + p],
      actualProbability: interp.probs[i * k + a],
    };
  });
}

/** Options for {@link mostConfused}. */
export interface MostConfusedOptions {
  /** Leave out pairs confused fewer times than this. Default 1. */
  minCount?: number;
}

/**
 * Pairs (actual, predicted) of different classes, by how often the net made that mistake,
 * most frequent first (fastai's `most_confused`).
 *
 * @example
 * mostConfused(interp, { minCount: 2 }); // [{ actual: '4', predicted: '9', count: 7 }, ...]
 */
export function mostConfused(interp: Interpretation, opts: MostConfusedOptions = {}): ConfusedPair[] {
  checkInterp(interp, 'mostConfused');
  const min = opts.minCount ?? 1;
  if (!Number.isInteger(min) || min < 1) throw new Error(`mostConfused: minCount must be a positive integer, got ${min}. Fix: pass e.g. { minCount: 2 }.`);
  const out: ConfusedPair[] = [];
  interp.confusion.forEach((row, a) =>
    row.forEach((n, p) => {
      if (a !== p && n >= min) out.push({ actual: interp.classNames[a], predicted: interp.classNames[p], count: n });
    }),
  );
  return out.sort((x, y) => y.count - x.count || x.actual.localeCompare(y.actual) || x.predicted.localeCompare(y.predicted));
}
