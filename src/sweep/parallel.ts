/**
 * Sweeps that scale out: the runs of a sweep's plan on N worker processes of this machine
 * (`workers`), or one shard of the plan (`shard`: a Slurm array task, a Kubernetes Indexed Job
 * pod) written to its own results file in a shared folder, to be merged by `mergeShards`.
 *
 * A run is a function of its key (src/experiment/sweep.ts), so a run gives the same numbers
 * in any process; rows come back to this process, which alone appends them to the results
 * file (one JSON line per run, as `runs.jsonl`), and the table keeps plan order.
 */
import * as fs from 'fs';
import * as path from 'path';
import { openSweep, Sweep, SweepOptions, PlannedRun } from '../experiment/sweep';
import { ExperimentConfig, ExperimentResult, RunRow } from '../experiment/results';
import { epochsFor } from '../experiment/config';
import { readRuns, repairRuns } from '../experiment/table';
import { writeAtomic } from '../util/atomic';
import { runPool, PoolOptions } from './pool';
import { Shard, shardOf, shardFileName } from './shard';

/** Options of a sweep on several processes: {@link SweepOptions} plus these. */
export interface ScaleOptions {
  /** Worker processes on this machine. Default 1 (the runs are trained in this process). */
  workers?: number;
  /** TensorFlow threads per worker. Default: cores / workers (at least 1), unless TF_NUM_INTRAOP_THREADS is set. */
  threads?: number;
  /** Called when a worker process died (its run goes back to the queue and a new worker starts). */
  onWorkerExit?: PoolOptions['onWorkerExit'];
}

/** What {@link runShard} returns. */
export interface ShardResult {
  experiment: string;
  shard: Shard;
  /** The shard's results file in the shared folder. */
  file: string;
  /** The shard's rows, in plan order. */
  rows: RunRow[];
  /** Runs of the shard found finished in its file and not redone. */
  resumedRuns: number;
  /** Runs in the whole plan. */
  planned: number;
  wallSeconds: number;
}

/** The description of a sweep in its shared results folder: what `transfer-lab merge` reads. */
export interface SweepManifest {
  experiment: string;
  /** The experiment config the shards ran (backbone override included). */
  config: ExperimentConfig;
  backboneHash: string;
  /** The run keys of the whole plan, in order. */
  plan: string[];
}

/** The manifest file of a shared results folder. */
export const MANIFEST_FILE = 'sweep.json';

/** The worker entry (compiled, or the TypeScript source under tsx). */
function workerEntry(): string {
  const js = path.join(__dirname, 'worker.js');
  return fs.existsSync(js) ? js : path.join(__dirname, 'worker.ts');
}

function checkWorkers(n: number | undefined): number {
  const w = n ?? 1;
  if (!Number.isInteger(w) || w < 1)
    throw new Error(`workers must be a whole number >= 1, got ${n}. Fix: use e.g. workers: 2 (--workers 2), about one per 1-2 cores.`);
  return w;
}

/** Train `todo` (plan runs not finished yet) in this process or on workers; `add` gets each row as it finishes. */
async function trainRuns(
  sweep: Sweep,
  config: ExperimentConfig,
  todo: PlannedRun[],
  opts: SweepOptions & ScaleOptions,
  add: (row: RunRow) => void,
): Promise<void> {
  const workers = Math.min(checkWorkers(opts.workers), Math.max(1, todo.length));
  const total = sweep.plan.length;
  if (workers === 1) {
    for (const p of todo) add(await sweep.run(p.key, opts.onStart));
    return;
  }
  const byKey = new Map(todo.map((p) => [p.key, p]));
  const classes = sweep.data.classNames.length;
  await runPool({
    keys: todo.map((p) => p.key),
    workers,
    threads: opts.threads,
    entry: workerEntry(),
    payload: { config: { ...config, backbone: sweep.resolved.backbone } },
    onStart: (key) => {
      const p = byKey.get(key)!;
      opts.onStart?.({ index: p.index, total, strategy: p.strategy, size: p.size, seed: p.seed, epochs: epochsFor(p.size * classes, sweep.resolved.epochs) });
    },
    onResult: (key, row) => add(row as RunRow),
    onWorkerExit: opts.onWorkerExit,
  });
}

/** Rows in plan order; `rows` holds them by key. */
function inPlanOrder(plan: readonly PlannedRun[], rows: Map<string, RunRow>): RunRow[] {
  return plan.filter((p) => rows.has(p.key)).map((p) => rows.get(p.key)!);
}

/** Worker processes and shard files write as they train: a read-only sweep is openSweep's and storedSweep's. */
function refuseReadOnly(fn: string, opts: SweepOptions): void {
  if (opts.readOnly)
    throw new Error(
      `${fn}: readOnly sweeps train and store nothing, and this runs and stores runs. Fix: drop readOnly, or read the stored sweep with storedSweep(config, { outDir }) or openSweep(config, { outDir, readOnly: true }).`,
    );
}

/**
 * Run a whole sweep on `workers` processes of this machine: the same rows, in the same order,
 * as {@link runSweep} in one process; finished runs are appended to `outDir/runs.jsonl` as they
 * come, so an interrupted sweep (Ctrl-C, a killed worker) resumes where it was.
 *
 * @example
 * const result = await runSweepParallel(experimentConfig('fashion-to-digits'), { outDir: 'reports/fashion-to-digits', workers: 2 });
 */
export async function runSweepParallel(config: ExperimentConfig, opts: SweepOptions & ScaleOptions = {}): Promise<ExperimentResult> {
  refuseReadOnly('runSweepParallel', opts);
  checkWorkers(opts.workers);
  if (opts.backbone && (opts.workers ?? 1) > 1)
    throw new Error(
      'runSweepParallel: an in-memory backbone cannot be sent to worker processes. Fix: save it (saveNet) and name its folder in config.backbone, or use workers: 1.',
    );
  const sweep = await openSweep(config, opts);
  try {
    const rows = new Map<string, RunRow>();
    let resumed = 0;
    for (const p of sweep.plan) {
      const old = sweep.finished.get(p.key);
      if (!old) continue;
      rows.set(p.key, old);
      resumed++;
      opts.onRun?.({ index: p.index, total: sweep.plan.length, row: old, resumed: true });
    }
    const todo = sweep.plan.filter((p) => !rows.has(p.key));
    const index = new Map(sweep.plan.map((p) => [p.key, p.index]));
    // Workers return rows; this process appends them (sweep.run appends its own when it runs here).
    const viaWorkers = Math.min(checkWorkers(opts.workers), todo.length) > 1;
    await trainRuns(sweep, config, todo, opts, (row) => {
      if (viaWorkers && sweep.runsFile) fs.appendFileSync(sweep.runsFile, JSON.stringify(row) + '\n');
      rows.set(row.key, row);
      opts.onRun?.({ index: index.get(row.key)!, total: sweep.plan.length, row, resumed: false });
    });
    return sweep.result(inPlanOrder(sweep.plan, rows), resumed);
  } finally {
    sweep.close();
  }
}

function readManifest(file: string): SweepManifest | null {
  if (!fs.existsSync(file)) return null;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SweepManifest;
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}). Fix: remove it; the next shard writes it again.`);
  }
}

/**
 * Run one shard of a sweep into a shared results folder (`outDir`): its runs (plan positions
 * `index, index+count, ...`) go to `runs-<index>-of-<count>.jsonl` there, resuming the runs
 * already in it; `sweep.json` records the experiment and its plan for `mergeShards`. Shards may
 * run at the same time in separate processes or machines; each writes only its own file.
 *
 * @example
 * await runShard(experimentConfig('fashion-to-digits'), { outDir: '/shared/ftd', shard: { index: 0, count: 4 } });
 */
export async function runShard(config: ExperimentConfig, opts: SweepOptions & ScaleOptions & { shard: Shard; outDir: string }): Promise<ShardResult> {
  const t0 = Date.now();
  if (!opts.outDir) throw new Error('runShard: no outDir. Fix: pass the shared results folder (--out DIR), the same for every shard.');
  refuseReadOnly('runShard', opts);
  const dir = path.resolve(opts.outDir);
  const file = path.join(dir, shardFileName(opts.shard));
  checkWorkers(opts.workers);
  if (opts.backbone && (opts.workers ?? 1) > 1)
    throw new Error('runShard: an in-memory backbone cannot be sent to worker processes. Fix: name the backbone in config.backbone, or use workers: 1.');
  // No outDir for the sweep itself: this shard's rows go to its own file, written here.
  const sweep = await openSweep(config, { ...opts, outDir: undefined });
  try {
    fs.mkdirSync(dir, { recursive: true });
    const manifest: SweepManifest = {
      experiment: sweep.resolved.name,
      config: { ...config, backbone: sweep.resolved.backbone },
      backboneHash: sweep.backboneHash,
      plan: sweep.plan.map((p) => p.key),
    };
    const old = readManifest(path.join(dir, MANIFEST_FILE));
    if (old && (old.experiment !== manifest.experiment || JSON.stringify(old.plan) !== JSON.stringify(manifest.plan))) {
      throw new Error(
        `${dir} holds the results of another sweep (${old.experiment}, ${old.plan.length} runs; this one: ${manifest.experiment}, ${manifest.plan.length} runs, or a changed config/backbone). Fix: use a new --out folder for this sweep, or empty that one.`,
      );
    }
    if (!old) writeAtomic(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 1) + '\n');
    if (opts.resume === false) fs.rmSync(file, { force: true });
    const finished = readRuns(file);
    repairRuns(file, finished);
    const mine = shardOf(sweep.plan, opts.shard);
    const rows = new Map<string, RunRow>();
    let resumed = 0;
    for (const p of mine) {
      const row = finished.get(p.key);
      if (!row) continue;
      rows.set(p.key, row);
      resumed++;
      opts.onRun?.({ index: p.index, total: sweep.plan.length, row, resumed: true });
    }
    const index = new Map(sweep.plan.map((p) => [p.key, p.index]));
    await trainRuns(
      sweep,
      config,
      mine.filter((p) => !rows.has(p.key)),
      opts,
      (row) => {
        fs.appendFileSync(file, JSON.stringify(row) + '\n');
        rows.set(row.key, row);
        opts.onRun?.({ index: index.get(row.key)!, total: sweep.plan.length, row, resumed: false });
      },
    );
    return {
      experiment: sweep.resolved.name,
      shard: opts.shard,
      file,
      rows: inPlanOrder(mine, rows),
      resumedRuns: resumed,
      planned: sweep.plan.length,
      wallSeconds: Math.round((Date.now() - t0) / 10) / 100,
    };
  } finally {
    sweep.close();
  }
}
