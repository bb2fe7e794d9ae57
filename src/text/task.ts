/**
 * The text adapter of the modality seam (see src/experiment/modality.ts): texts as a data
 * kind (`textModality`: token ids through the net's tokenizer, sentence features through
 * the shared cache, a trainable token table for a net trained from scratch) and the
 * fortune-topic task (`FORTUNES_TASK`) with the pretrained sentence encoder as backbone.
 */
import { Modality, TaskData, TaskKind, TaskOptions } from '../experiment/modality';
import { ExperimentConfig } from '../experiment/results';
import { stratifiedSampleIndices, stratifiedSplitIndices } from '../data/split';
import { Net } from '../transfer/net';
import { TextDataset, textConcat, textSubset } from './dataset';
import { loadFortunes } from './fortunes';
import { loadTextEncoder } from './pretrained';
import { extractTextFeatures, textSource } from './source';
import { setTokenEmbeddingsTrainable } from './encoder';
import { tfidfBaseline } from './baselines';

/** Which texts a text task uses. */
export interface TextTaskSpec {
  /** `fortunes`: Debian's fortune topics, one class per topic file. */
  dataset: 'fortunes';
  /** Topic files (classes). Default FORTUNE_TOPICS (src/text/fortunes.ts). */
  topics?: string[];
}

/** A text experiment: an experiment whose task is text and whose backbone is a text encoder. */
export interface TextExperimentConfig extends ExperimentConfig<TextTaskSpec> {
  /** Tokens per text, [CLS] and [SEP] included. Default 32. */
  maxLength?: number;
  /** Let fine-tuning update the encoder's 11.7 M-weight token table. Default false (see setTokenEmbeddingsTrainable). */
  trainTokenEmbeddings?: boolean;
}

/** A loaded text task: a pool for k-shot sets and fixed, balanced validation and test sets. */
export type TextTaskData = TaskData<TextDataset>;

/** A balanced sample of about `total` texts, in seeded random order (as stratifiedSample for images). */
function balancedSample(ds: TextDataset, total: number, seed: number, name: string): TextDataset {
  return textSubset(ds, stratifiedSampleIndices(ds, total, seed, 'texts'), name);
}

/**
 * Load a text task: the fortunes split per class 60/10/30 into pool/validation/test with
 * a fixed seed, then balanced validation and test samples.
 *
 * @example
 * const task = loadTextTask({ dataset: 'fortunes' }, { testSize: 180 });
 * task.test.count; // 180 (30 per topic)
 */
export function loadTextTask(spec: TextTaskSpec, opts: TaskOptions = {}): TextTaskData {
  if (spec?.dataset !== 'fortunes') throw new Error(`unknown text task data set '${String(spec?.dataset)}'. Use 'fortunes'.`);
  const all = loadFortunes({ topics: spec.topics });
  const seed = opts.splitSeed ?? 0;
  const s = stratifiedSplitIndices(all, { validation: 0.1, test: 0.3, seed });
  const pool = textSubset(all, s.train, `${all.name}/train`);
  const test = balancedSample(textSubset(all, s.test), opts.testSize ?? 180, seed, 'fortunes/test');
  const validation = balancedSample(textSubset(all, s.validation), opts.validationSize ?? 60, seed + 7, 'fortunes/validation');
  return {
    pool,
    validation,
    test,
    classNames: all.classNames,
    description: `fortunes (${all.classNames.join(', ')}): pool ${pool.count} texts, validation ${validation.count}, test ${test.count} (${all.classNames.length} classes, balanced held-out sets; from ${all.source})`,
  };
}

/**
 * Texts as a data kind: token ids with the net's tokenizer and length; a net trained from
 * scratch learns its token table; evaluation in batches of 64 texts.
 *
 * @example
 * const src = textModality.source(train, encoder);
 */
export const textModality: Modality<TextDataset> = {
  name: 'text',
  subset: textSubset,
  concat: textConcat,
  source: (ds, net) => textSource(ds, net.preprocessing),
  features: (net, ds, cache) => extractTextFeatures(net, ds, { cache }),
  prepare(net, strategy) {
    // A net trained from scratch has no token vectors worth keeping: it learns its token table.
    if (strategy === 'scratch') setTokenEmbeddingsTrainable(net, true);
  },
  validationBatchSize: 64,
  testBatchSize: 64,
  headDropout: 0.1,
};

/** The text-specific fields of a config, resolved. */
function resolveTextFields(config: TextExperimentConfig, bad: (msg: string) => never): { maxLength: number; trainTokenEmbeddings: boolean } {
  const maxLength = config.maxLength ?? 32;
  if (!Number.isInteger(maxLength) || maxLength < 4 || maxLength > 512) bad(`maxLength must be an integer from 4 to 512, got ${maxLength}.`);
  const topics = config.task.topics;
  if (topics !== undefined && (!Array.isArray(topics) || topics.some((t) => typeof t !== 'string'))) {
    bad(`task.topics must be a list of fortune topic names, got ${JSON.stringify(topics)}.`);
  }
  return { maxLength, trainTokenEmbeddings: config.trainTokenEmbeddings ?? false };
}

/**
 * The fortunes task (`task.dataset` 'fortunes') of the experiment registry, offering the
 * bag-of-words baseline 'tfidf' (TF-IDF + logistic regression on the run's labels) as a
 * strategy.
 *
 * @example
 * FORTUNES_TASK.load({ dataset: 'fortunes' }, { testSize: 180 }).test.count; // 180
 */
export const FORTUNES_TASK: TaskKind<TextDataset> = {
  modality: textModality,
  datasets: ['fortunes'],
  defaults: { cutAt: 'pool' },
  resolve: (config, bad) => resolveTextFields(config as TextExperimentConfig, bad),
  load: (task, opts) => loadTextTask(task as TextTaskSpec, opts),
  baselines: { tfidf: tfidfBaseline() },
  loadBackbone(config): Promise<Net> {
    const { maxLength, trainTokenEmbeddings } = resolveTextFields(config as TextExperimentConfig, (msg) => {
      throw new Error(msg);
    });
    return loadTextEncoder(config.backbone, { maxLength, trainTokenEmbeddings });
  },
  quick: (config) => ({
    ...config,
    name: `${config.name}-quick`,
    sizes: [1, 4],
    seeds: [0],
    testSize: 120,
    validationSize: 30,
    epochs: { samples: 48, min: 2, max: 6 },
    curvePoints: 2,
    projectionPoints: 60,
  }),
  runnerVersion: 1,
};
