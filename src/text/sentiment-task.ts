/**
 * The sentiment task of the experiment registry (a TaskKind of the modality seam, see
 * src/experiment/modality.ts): Hutto & Gilbert's ground-truth sets (./sentiment.ts),
 * binarised, as texts for the pretrained sentence encoder. It reuses the text modality
 * and the fortunes task's text fields (maxLength, the fixed token table) and backbone
 * loading; only the data differs.
 */
import { TaskData, TaskKind, TaskOptions } from '../experiment/modality';
import { ExperimentConfig, TaskSpecBase } from '../experiment/results';
import { stratifiedSampleIndices, stratifiedSplitIndices } from '../data/split';
import { TextDataset, textSubset } from './dataset';
import { FORTUNES_TASK, textModality } from './task';
import { loadSentiment, SENTIMENT_SET_NAMES, SentimentSetName } from './sentiment';
import { tfidfBaseline, vaderBaseline } from './baselines';

/** A sentiment task: `task.dataset` is `sentiment-<set>` (movies, amazon, nyt, tweets). */
export interface SentimentTaskSpec extends TaskSpecBase {
  dataset: `sentiment-${SentimentSetName}`;
  /** Exclude texts rated within +-margin of neutral (see loadSentiment). Default 0. */
  margin?: number;
}

/**
 * Load a sentiment task: the set split per class 70/10/20 into pool/validation/test
 * (seeded), then balanced validation and test samples (default 60 and 400 texts).
 *
 * @throws Error naming a missing archive (and the fix) or an unknown set
 * @example
 * const task = loadSentimentTask({ dataset: 'sentiment-movies' }, { testSize: 400 });
 * task.test.count; // 400 (200 per class)
 */
export function loadSentimentTask(spec: SentimentTaskSpec, opts: TaskOptions = {}): TaskData<TextDataset> {
  const set = String(spec?.dataset).replace(/^sentiment-/, '') as SentimentSetName;
  if (!SENTIMENT_SET_NAMES.includes(set))
    throw new Error(`unknown sentiment task '${String(spec?.dataset)}'. Fix: use one of ${SENTIMENT_SET_NAMES.map((s) => `sentiment-${s}`).join(', ')}.`);
  const all = loadSentiment(set, { margin: spec.margin });
  const seed = opts.splitSeed ?? 0;
  const s = stratifiedSplitIndices(all, { validation: 0.1, test: 0.2, seed });
  const pool = textSubset(all, s.train, `${all.name}/train`);
  const test = textSubset(textSubset(all, s.test), stratifiedSampleIndices(textSubset(all, s.test), opts.testSize ?? 400, seed, 'texts'), `${all.name}/test`);
  const val = textSubset(all, s.validation);
  const validation = textSubset(val, stratifiedSampleIndices(val, opts.validationSize ?? 60, seed + 7, 'texts'), `${all.name}/validation`);
  return {
    pool,
    validation,
    test,
    classNames: all.classNames,
    description: `${all.name} (negative/positive, mean human rating beyond +-${all.margin}): pool ${pool.count} texts, validation ${validation.count}, test ${test.count} (balanced held-out sets; from ${all.source})`,
  };
}

/**
 * The sentiment sets as a task kind (`task.dataset` 'sentiment-movies', 'sentiment-amazon',
 * 'sentiment-nyt', 'sentiment-tweets'), offering the baselines 'tfidf' (TF-IDF + logistic
 * regression on the run's labels) and 'vader' (no training) as strategies.
 *
 * @example
 * SENTIMENT_TASK.load({ dataset: 'sentiment-movies' }, {}).classNames; // ['negative', 'positive']
 */
export const SENTIMENT_TASK: TaskKind<TextDataset> = {
  ...FORTUNES_TASK,
  modality: textModality,
  datasets: SENTIMENT_SET_NAMES.map((s) => `sentiment-${s}`),
  resolve(config: ExperimentConfig, bad: (msg: string) => never) {
    const margin = (config.task as SentimentTaskSpec).margin ?? 0;
    if (typeof margin !== 'number' || !(margin >= 0 && margin < 4)) bad(`task.margin must be a number in [0, 4), got ${JSON.stringify(margin)}.`);
    return { ...FORTUNES_TASK.resolve(config, bad), margin };
  },
  load: (task, opts) => loadSentimentTask(task as SentimentTaskSpec, opts),
  baselines: { tfidf: tfidfBaseline(), vader: vaderBaseline() },
  quick: (config) => ({
    ...config,
    name: `${config.name}-quick`,
    sizes: [4, 16],
    seeds: [0],
    testSize: 100,
    validationSize: 20,
    epochs: { samples: 48, min: 2, max: 4 },
    curvePoints: 1,
    projectionPoints: 40,
  }),
};
