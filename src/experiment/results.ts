/**
 * The types of an experiment, apart from the code that produces them: the config a sweep
 * runs (JSON-serialisable), one finished run (a row of the tidy table), the per-cell
 * summaries and the whole result. The sweep, the tables, the reports and the charts all
 * import them from here (no module needs the orchestrator for a type).
 */
import type { EpochLogs, TrainEvent } from '../train/history';
import type { LabelledSet } from '../data/split';
import type { StrategyName, NetStrategyName, HeadSpec } from './strategy-names';
import type { Spread, TimeToTarget } from './metrics';
import type { Projection } from './pca';

/** How many epochs a run trains for: a fixed number, or enough to see about `samples` examples. */
export type EpochRule =
  | number
  | {
      /** Aim for about this many training samples per run. */
      samples: number;
      /** At least this many epochs. */
      min: number;
      /** At most this many epochs. */
      max: number;
    };

/**
 * Which data a task uses: `dataset` names a task kind of the registry (src/experiment/task-kinds.ts);
 * the other fields belong to that kind (e.g. `classes` for images, `topics` for fortunes).
 */
export interface TaskSpecBase {
  dataset: string;
  /**
   * Domain shift: labelled examples of ANOTHER task (the source domain) joined to every
   * run's training set; the run's size is then the number of in-domain labels per class
   * added to them (0 allowed: source labels only), and the test set stays the target's.
   * Not a source backbone (that is {@link ExperimentConfig.sources}). See
   * src/experiment/domain-shift.ts. Default none.
   */
  source?: DomainSourceSpec;
}

/**
 * The source domain of a domain-shift experiment: a task spec of the same data kind and
 * classes as the target (its own fields, e.g. `margin`, allowed) and how many of its
 * labelled examples per class every run trains on, drawn from its pool with the run's seed.
 *
 * @example
 * const task = { dataset: 'sentiment-amazon', source: { dataset: 'sentiment-movies', perClass: 256 } };
 */
export interface DomainSourceSpec extends TaskSpecBase {
  /** Labelled source examples per class in every run (a fixed-size sample, seeded by the run's seed). */
  perClass: number;
}

/** An experiment of any data kind: what the sweep runs. JSON-serialisable (a `run` config file). */
export interface ExperimentConfig<Task extends TaskSpecBase = TaskSpecBase> {
  /** Experiment name; also its folder under reports/. */
  name: string;
  /** One line for reports. */
  description?: string;
  /** Source backbone: a zoo name (e.g. 'fashion-cnn', 'all-minilm-l6-v2') or a saved net's folder. */
  backbone: string;
  /** Layer the heads go on and features are read from. Default: the task kind's ('features' for images, 'pool' for texts). */
  cutAt?: string;
  /** The target task. */
  task: Task;
  strategies: StrategyName[];
  /** Labels per class of the training sets. */
  sizes: number[];
  seeds: number[];
  /** Examples of the fixed test set. Default 1000. */
  testSize?: number;
  /** Examples of the validation set of the curves. Default 300. */
  validationSize?: number;
  /** Seed of the held-out split (test/validation never change with the run seeds). Default 0. */
  splitSeed?: number;
  /** Examples per optimizer step. Default 32. */
  batchSize?: number;
  /** Epochs per run. Default `{ samples: 1280, min: 3, max: 40 }` (about 40 steps of 32). */
  epochs?: EpochRule;
  /**
   * Epochs of the named strategies instead of `epochs`, e.g. for the linear probe, whose
   * epochs on cached features cost next to nothing: `{ "linear-probe": { "samples": 9600,
   * "min": 20, "max": 300 } }`. Hashed only into the runs of the strategies it names. Default none.
   */
  strategyEpochs?: Partial<Record<NetStrategyName, EpochRule>>;
  /** Peak learning rate per strategy. Defaults: {@link DEFAULT_LEARNING_RATES}. */
  learningRates?: Partial<Record<NetStrategyName, number>>;
  /** The head on the backbone. Default `{ hidden: 0, dropout: 0.2 }`. */
  head?: HeadSpec;
  /** The accuracy of the time-to-accuracy measure (validation set). Default 0.8. */
  targetAccuracy?: number;
  /** Validation evaluations per run (curve points). Default 8. */
  curvePoints?: number;
  /** k of the top-k accuracy. Default 2. */
  topK?: number;
  /** Test examples in the before/after-fine-tuning PCA picture. Default 400 (0: none). */
  projectionPoints?: number;
  /**
   * Other source backbones on the same target: named experiments whose sweeps `transfer-lab
   * run` repeats on this config's split, sizes and seeds and joins with this one in one
   * learning-curve chart (src/experiment/sources.ts). Not part of any run's hash. Default none.
   */
  sources?: SourceSpec[];
}

/** A second source of an experiment (see {@link ExperimentConfig.sources}). */
export interface SourceSpec {
  /** A named experiment (or config file) with the same `task`, e.g. 'fashion-to-digits'. */
  experiment: string;
  /** Its name in the chart and table. Default: its backbone. */
  label?: string;
  /** Run only these of its strategies. Default: all of its own. */
  strategies?: StrategyName[];
}

/**
 * A config with every shared default filled in, plus the fields its task kind adds (e.g.
 * `maxLength` for texts); every field here goes into the run hash.
 */
export type ResolvedConfig = Required<Omit<ExperimentConfig, 'description' | 'learningRates' | 'sources' | 'strategyEpochs'>> & {
  learningRates: Record<NetStrategyName, number>;
  strategyEpochs: Partial<Record<NetStrategyName, EpochRule>>;
} & Record<string, unknown>;

/** One finished run: a row of the tidy table. */
export interface RunRow {
  /** strategy|k=size|seed=seed|hash: what resuming matches on. */
  key: string;
  configHash: string;
  experiment: string;
  strategy: StrategyName;
  /** Labels per class. */
  size: number;
  seed: number;
  /** Training examples (images, texts, ...) of the run: size x classes (plus the source domain's, with `task.source`). */
  trainImages: number;
  /** Of `trainImages`, the examples from the source domain (`task.source`); absent without one. */
  sourceImages?: number;
  epochs: number;
  /** Test-set metrics. */
  accuracy: number;
  macroF1: number;
  topK: number;
  topKAccuracy: number;
  /** Last validation accuracy of the curve. */
  valAccuracy: number | null;
  /** Training seconds (feature extraction included for the probe; evaluation excluded). */
  wallSeconds: number;
  samplesSeen: number;
  trainableParams: number;
  targetAccuracy: number;
  timeToTarget: TimeToTarget | null;
  perClassF1: number[];
  confusion: number[][];
  /** Predicted class of every test example, in test-set order. */
  predictions: number[];
  /** Per-epoch metrics (cumulative time and samples across stages). */
  history: EpochLogs[];
  events: TrainEvent[];
  /** PCA of the test features before and after this run's training (one run per sweep). */
  projection?: { before: Projection; after: Projection };
  finishedAt: string;
}

/** Mean and spread over seeds of one (strategy, size) cell. */
export interface CellSummary {
  strategy: StrategyName;
  size: number;
  runs: number;
  accuracy: Spread;
  macroF1: Spread;
  wallSeconds: Spread;
  samplesSeen: number;
  trainableParams: number;
  /** Runs that reached the target accuracy, and their mean seconds / samples to get there. */
  reachedTarget: number;
  secondsToTarget: number | null;
  samplesToTarget: number | null;
}

/** What a sweep (`compare`, `compareText`, `runSweep`) returns, and saves as results.json minus `test`. */
export interface ExperimentResult<Config extends ExperimentConfig = ExperimentConfig, Test extends LabelledSet = LabelledSet> {
  experiment: string;
  config: Config;
  /** The config with every default filled in. */
  resolved: ResolvedConfig;
  backbone: { name: string; origin: string; weightsHash: string };
  /** `testImages`/`validationImages` count examples of any kind. */
  task: { description: string; classNames: string[]; testImages: number; validationImages: number };
  rows: RunRow[];
  cells: CellSummary[];
  /** Runs taken from an earlier, interrupted sweep. */
  resumedRuns: number;
  wallSeconds: number;
  finishedAt: string;
  /** Where results were written, if anywhere. */
  files?: { runs: string; json: string; csv: string };
  /** The test examples (in memory only, not enumerable: for sample-prediction charts). */
  test?: Test;
}

/** What a run is about to do: for progress lines. */
export interface RunStart {
  /** 1-based position in the plan. */
  index: number;
  total: number;
  strategy: StrategyName;
  size: number;
  seed: number;
  epochs: number;
}

/** Progress of a sweep, for terminals and notebooks. */
export interface RunProgress {
  index: number;
  total: number;
  row: RunRow;
  /** True when the run was found in runs.jsonl and not redone. */
  resumed: boolean;
}
