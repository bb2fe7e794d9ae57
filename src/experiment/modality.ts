/**
 * The modality seam (d2l's DataModule, fastai's `Learner(dls, model, splitter)`): the
 * strategy runner and the sweep never know the data kind. A data kind is a
 * {@link Modality} (subset by indices, a batch source, features through the shared cache,
 * per-strategy preparation, batch sizes), and a task family of it is a {@link TaskKind}
 * (check and load the task, load the backbone, the smoke-test version of a config).
 * Splits and k-shot samples are index functions over labels (src/data/split.ts), so
 * every kind picks the same examples for the same seed.
 *
 * Adding a data kind or a task is ONE adapter file plus one line in the registry:
 * - the adapter (e.g. src/text/task.ts: `textModality` and `FORTUNES_TASK`; the image one is
 *   src/experiment/task.ts) exports a Modality (or reuses `imageModality`) and a TaskKind;
 * - src/experiment/task-kinds.ts lists the TaskKind under its `dataset` names;
 * - a named experiment, if wanted, is one entry in src/experiment/experiments.ts.
 * Examples: an ImageNet backbone that needs resized RGB inputs is a Modality whose `subset`
 * and `source` resize to `net.preprocessing` (or a TaskKind that loads resized images);
 * a sentiment data set is a TaskKind reusing `textModality`; a user's own image folder or
 * labelled text file is a TaskKind whose `load` reads it (loadImageFolder / textDataset).
 * Nothing in runStrategy, the sweep, the tables, the reports or the CLI changes.
 *
 * Domain shift is a seam of the sweep too, for any kind whose modality can `concat`: a
 * config's `task.source` names another task of the same kind and classes, and every run
 * trains on a fixed-size sample of that task's pool joined with its k target labels
 * (src/experiment/domain-shift.ts).
 */
import type { Net } from '../transfer/net';
import type { BatchSource, FeatureSet } from '../train/source';
import type { LabelledSet } from '../data/split';
import type { CacheMode } from '../util/cache';
import type { StrategyName, BaselineName } from './strategy-names';
import type { RunOutcome } from './strategies';
import type { ExperimentConfig } from './results';

/** A data kind: everything the runner and the sweep need to know about its examples. */
export interface Modality<D extends LabelledSet = LabelledSet> {
  /** 'image', 'text', ... (reports, errors). */
  readonly name: string;
  /** The chosen examples, in the order given (repeats allowed). */
  subset(ds: D, indices: ArrayLike<number>, name?: string): D;
  /**
   * The examples of several sets of this kind, in order (same class names; e.g. a source
   * domain's labels joined to a target's, src/experiment/domain-shift.ts). Optional: a
   * kind without it cannot run a config with `task.source` (rejected by resolveConfig).
   */
  concat?(parts: D[], name: string): D;
  /** Batches of the examples in the form the net reads (pixels, token ids, ...). */
  source(ds: D, net: Net): BatchSource;
  /** The net's outputs for every example, through the shared feature cache. */
  features(net: Net, ds: D, cache: CacheMode): Promise<FeatureSet>;
  /** Set up a headed (or scratch) net for a strategy before training, e.g. BatchNorm mode or a trainable token table. */
  prepare(net: Net, strategy: StrategyName): void;
  /** Batch size of the validation evaluations; undefined: evaluateSource's default. */
  readonly validationBatchSize?: number;
  /** Batch size of the test predictions of a trained net. */
  readonly testBatchSize: number;
  /** Dropout of the head when the config gives none. */
  readonly headDropout: number;
}

/** Options of a task loader: the sizes and seed of the held-out sets. */
export interface TaskOptions {
  /** Examples in the fixed test set (stratified). Default: the kind's (1000 for images). */
  testSize?: number;
  /** Examples in the validation set used for curves (stratified). Default: the kind's (300 for images). */
  validationSize?: number;
  /** Seed of the held-out split and of the test/validation samples. Default 0. */
  splitSeed?: number;
}

/** A loaded target task: a pool to draw k-shot sets from, fixed validation and test sets. */
export interface TaskData<D extends LabelledSet = LabelledSet> {
  /** Where k-shot training sets are drawn from (disjoint from validation and test). */
  pool: D;
  validation: D;
  test: D;
  classNames: string[];
  /** One line describing the data, for reports. */
  description: string;
}

/** What a baseline run gets: the run's k-shot training set, the fixed test set, its seed. */
export interface BaselineContext<D extends LabelledSet = LabelledSet> {
  train: D;
  test: D;
  seed: number;
}

/**
 * A non-net baseline offered by a task kind (e.g. TF-IDF + logistic regression, VADER):
 * it ignores the backbone and returns test probabilities and a history, so its runs are
 * rows of the same table (epochs 0; `trainableParams` its fitted weights, 0 when it has none).
 */
export interface BaselineRunner<D extends LabelledSet = LabelledSet> {
  /** One run: fit on `ctx.train` (if it learns at all), predict `ctx.test`. */
  run(ctx: BaselineContext<D>): Promise<RunOutcome>;
}

/** A family of target tasks of one data kind, registered under its `task.dataset` names. */
export interface TaskKind<D extends LabelledSet = LabelledSet> {
  readonly modality: Modality<D>;
  /** The `task.dataset` values this kind serves. */
  readonly datasets: readonly string[];
  /** Config defaults of this kind where they differ from the shared ones. */
  readonly defaults: { cutAt: string };
  /**
   * Check the task and this kind's own config fields; return those fields resolved (they
   * are added to the resolved config and hashed into every run key).
   */
  resolve(config: ExperimentConfig, bad: (msg: string) => never): Record<string, unknown>;
  /** Load the task's data. */
  load(task: ExperimentConfig['task'], opts: TaskOptions): TaskData<D>;
  /** Load the backbone of a (resolved) config. */
  loadBackbone(config: ExperimentConfig): Promise<Net>;
  /** The smoke-test version of a config (stored apart: `<name>-quick`). */
  quick(config: ExperimentConfig): ExperimentConfig;
  /** The non-net baselines this kind can run as strategies (by name); a config naming another one is rejected. Default: none. */
  readonly baselines?: Partial<Record<BaselineName, BaselineRunner<D>>>;
  /** Bump when a change to this kind's runs changes the numbers of otherwise identical runs. */
  readonly runnerVersion: number;
}
