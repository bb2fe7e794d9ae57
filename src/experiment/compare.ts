/**
 * `compare`: strategies x labels per class x seeds, on one source backbone and one image
 * task, as a tidy table (one row per run) with mean and spread per (strategy, size) cell.
 * A thin wrapper over the sweep driver of every data kind (./sweep.ts); the config types,
 * defaults and checks live in ./results.ts and ./config.ts and are re-exported here.
 */
import { ImageDataset } from '../data/dataset';
import { Net } from '../transfer/net';
import { runSweep, SweepOptions } from './sweep';
import { ExperimentConfig, ExperimentResult } from './results';
import { TaskSpec, TaskData } from './task';

export { EpochRule, RunRow, CellSummary, RunProgress, RunStart, ResolvedConfig, ExperimentConfig, ExperimentResult } from './results';
export { DEFAULT_LEARNING_RATES, COMPARE_DEFAULTS, epochsFor, resolveConfig } from './config';
export { weightsHash } from '../util/digest';

/** An image experiment: what `compare` sweeps. JSON-serialisable (a `run` config file). */
export type CompareConfig = ExperimentConfig<TaskSpec>;

/** What {@link compare} returns (and saves as results.json, minus `test`). */
export type CompareResult = ExperimentResult<CompareConfig, ImageDataset>;

/** Options for {@link compare}. */
export interface CompareOptions extends Omit<SweepOptions<ImageDataset>, 'backbone' | 'data'> {
  /** Use this net as the backbone instead of loading `config.backbone` (tests, notebooks). Not disposed. */
  backbone?: Net;
  /** Use this task data instead of loading `config.task`. */
  data?: TaskData;
}

/**
 * Run a sweep: every strategy x size (labels per class) x seed, each on its own seeded
 * k-shot sample of the target task, evaluated on the same test set. With `outDir`, each
 * finished run is appended to `runs.jsonl` and skipped when the sweep is run again;
 * results.json and results.csv are written (atomically) at the end.
 *
 * @returns the tidy rows, the per-cell summaries and the resolved config
 * @example
 * const result = await compare(experimentConfig('fashion-to-digits', { quick: true }), { outDir: 'reports/fashion-to-digits' });
 * result.cells.map((c) => [c.strategy, c.size, c.accuracy.mean]);
 */
export async function compare(config: CompareConfig, opts: CompareOptions = {}): Promise<CompareResult> {
  return (await runSweep<ImageDataset>(config, opts)) as CompareResult;
}
