/**
 * The resumable sweep driver, for every data kind: strategies x labels per class x seeds,
 * each run on its own seeded k-shot sample of the task's pool, evaluated on the same test
 * set, as a tidy table (one row per run) with mean and spread per (strategy, size) cell.
 * With `task.source` (domain shift, ./domain-shift.ts) every run's training set is a
 * fixed-size seeded sample of the source task joined with its k target labels (k may be 0).
 *
 * Runs are independent and resumable: each finished run is appended as one JSON line to
 * `runs.jsonl`, keyed by strategy, size, seed and a hash of everything else that affects
 * its numbers; a sweep started again skips the runs it finds there.
 *
 * The plan (the ordered run keys) is known once the sweep is open, before anything trains,
 * and one run is trained by its key (`sweep.run(key)`), so a driver may run a share of the
 * plan or hand keys to several processes appending to the same runs.jsonl.
 */
import * as fs from 'fs';
import * as path from 'path';
import { LabelledSet, classCounts } from '../data/split';
import { Net, getLayer } from '../transfer/net';
import { cut } from '../transfer/head';
import { disposeModels } from '../transfer/clone';
import { weightsHash, jsonDigest } from '../util/digest';
import { readRuns, repairRuns, summarize, saveResults } from './table';
import { StrategyName, isBaseline } from './strategy-names';
import { runStrategy, RunOutcome } from './strategies';
import { TaskData, TaskKind } from './modality';
import { ExperimentConfig, ExperimentResult, ResolvedConfig, RunProgress, RunRow, RunStart } from './results';
import { resolveConfig, epochsFor, epochRuleOf } from './config';
import { taskKindOf } from './task-kinds';
import { DOMAIN_SHIFT_VERSION, DomainSource, loadDomainSource, trainingSet, TrainingSet } from './domain-shift';
import { classificationReport, timeToAccuracy, argmaxRows } from './metrics';
import { pca2d } from './pca';
import { withVerbose } from '../train/progress';
import { roundTo } from '../util/args';

/** Options for {@link runSweep} and {@link openSweep}. */
export interface SweepOptions<D extends LabelledSet = LabelledSet> {
  /** Folder for runs.jsonl, results.json and results.csv. Default: none (nothing written, nothing resumed). */
  outDir?: string;
  /** Reuse finished runs from `outDir/runs.jsonl`. Default true. */
  resume?: boolean;
  /**
   * Only read `outDir/runs.jsonl`: the file is not repaired (a torn last line is skipped,
   * not cut off) and nothing is written; `run` refuses to train. For showing a stored sweep.
   * Default false.
   */
  readOnly?: boolean;
  /** Use this net as the backbone instead of loading `config.backbone` (tests, notebooks). Not disposed. */
  backbone?: Net;
  /** Use this task data instead of loading `config.task`. */
  data?: TaskData<D>;
  /** Called after every run (trained or resumed). */
  onRun?: (p: RunProgress) => void;
  /** Called before a run is trained. */
  onStart?: (p: RunStart) => void;
}

/** One run of the plan. */
export interface PlannedRun {
  /** 1-based position in the plan. */
  index: number;
  /** strategy|k=size|seed=seed|configHash: what resuming matches on. */
  key: string;
  configHash: string;
  strategy: StrategyName;
  size: number;
  seed: number;
}

/**
 * The hash of everything but strategy, size and seed that affects a run's numbers: the
 * backbone's weights, the task, the held-out sets, the training settings, the task kind's
 * own fields (e.g. maxLength) and its runner version; with a source domain (`task.source`,
 * hashed as part of `task`) also DOMAIN_SHIFT_VERSION.
 *
 * @example
 * runHash(resolveConfig(cfg), 'fine-tune', weightsHash(backbone)); // 12 hex digits
 */
export function runHash(r: ResolvedConfig, strategy: StrategyName, backboneHash: string): string {
  const kind = kindOf(r);
  return jsonDigest({
    v: kind.runnerVersion,
    backboneHash,
    cutAt: r.cutAt,
    task: r.task,
    testSize: r.testSize,
    validationSize: r.validationSize,
    splitSeed: r.splitSeed,
    batchSize: r.batchSize,
    epochs: epochRuleOf(r, strategy),
    learningRate: isBaseline(strategy) ? undefined : r.learningRates[strategy],
    head: strategy === 'linear-probe' ? null : r.head,
    targetAccuracy: r.targetAccuracy,
    curvePoints: r.curvePoints,
    topK: r.topK,
    ...kind.resolve(r, (msg) => {
      throw new Error(msg);
    }),
    // Only configs with a source domain carry it, so every other run keeps its stored key.
    ...((r.task as { source?: unknown }).source !== undefined ? { domainShift: DOMAIN_SHIFT_VERSION } : {}),
  });
}

/**
 * The ordered runs of a sweep (sizes, then seeds, then strategies), computed without
 * running anything: the same config and backbone give the same keys.
 *
 * @example
 * planSweep(resolveConfig(cfg), weightsHash(backbone)).map((p) => p.key);
 */
export function planSweep(r: ResolvedConfig, backboneHash: string): PlannedRun[] {
  if (!r || !Array.isArray(r.sizes) || !Array.isArray(r.seeds) || !Array.isArray(r.strategies) || !r.learningRates || typeof backboneHash !== 'string') {
    throw new Error(
      `planSweep: expected a resolved config and the backbone's weights hash, got ${r === null ? 'null' : typeof r} and ${typeof backboneHash}. Fix: pass planSweep(resolveConfig(config), weightsHash(backbone)).`,
    );
  }
  const plan: PlannedRun[] = [];
  for (const size of r.sizes) {
    for (const seed of r.seeds) {
      for (const strategy of r.strategies) {
        const configHash = runHash(r, strategy, backboneHash);
        plan.push({ index: plan.length + 1, key: `${strategy}|k=${size}|seed=${seed}|${configHash}`, configHash, strategy, size, seed });
      }
    }
  }
  return plan;
}

function kindOf(config: ExperimentConfig): TaskKind {
  const kind = taskKindOf(config);
  if (!kind) resolveConfig(config); // throws the error that names the known data sets
  return kind as TaskKind;
}

/**
 * An open sweep (see {@link openSweep}): its data, backbone and plan; runs are trained one
 * key at a time, and `result` turns the rows into the sweep's result.
 */
export class Sweep<D extends LabelledSet = LabelledSet> {
  /** The ordered runs (see {@link planSweep}). */
  readonly plan: readonly PlannedRun[];
  private readonly byKey: Map<string, PlannedRun>;
  /** The PCA picture: the fine-tuned net (else the last strategy) at the largest size, first seed. */
  private readonly detail: { strategy: StrategyName; size: number; seed: number };
  /** The training set of the last (size, seed): the strategies of one (size, seed) share it. */
  private trainSet: { size: number; seed: number; train: TrainingSet<D> } | null = null;

  /** @internal use {@link openSweep}. */
  constructor(
    readonly config: ExperimentConfig,
    readonly resolved: ResolvedConfig,
    readonly kind: TaskKind<D>,
    readonly data: TaskData<D>,
    /** The source domain joined to every training set (`task.source`), if any. */
    readonly source: DomainSource<D> | undefined,
    readonly backbone: Net,
    readonly backboneHash: string,
    /** The runs.jsonl file, or null without `outDir`. */
    readonly runsFile: string | null,
    /** The finished runs found in runs.jsonl when the sweep was opened, by key. */
    readonly finished: ReadonlyMap<string, RunRow>,
    private readonly opened: { outDir?: string; ownsBackbone: boolean; t0: number; readOnly: boolean },
  ) {
    const r = resolved;
    this.plan = planSweep(r, backboneHash);
    this.byKey = new Map(this.plan.map((p) => [p.key, p]));
    const nets = r.strategies.filter((s) => !isBaseline(s));
    this.detail = { strategy: r.strategies.includes('fine-tune') ? 'fine-tune' : nets[nets.length - 1], size: r.sizes[r.sizes.length - 1], seed: r.seeds[0] };
  }

  /**
   * The training set of a (size, seed): the k-shot sample of the pool, after the source
   * domain's sample when the config has one (see ./domain-shift.ts).
   */
  trainingSet(size: number, seed: number): TrainingSet<D> {
    if (!this.trainSet || this.trainSet.size !== size || this.trainSet.seed !== seed) {
      this.trainSet = { size, seed, train: trainingSet(this.kind.modality, this.data.pool, this.source, size, seed) };
    }
    return this.trainSet.train;
  }

  /** Train one planned run (not looked up in `finished`), append it to runs.jsonl, return its row. */
  async run(key: string, onStart?: (p: RunStart) => void): Promise<RunRow> {
    const { resolved: r, data, kind, backbone } = this;
    const p = this.byKey.get(key);
    if (!p) throw new Error(`sweep '${r.name}': no run '${key}' in the plan. Fix: pass a key of sweep.plan.`);
    if (this.opened.readOnly)
      throw new Error(`sweep '${r.name}' was opened read-only: it trains and stores nothing. Fix: open it without { readOnly: true } to train run '${key}'.`);
    const { set: train, sourceCount } = this.trainingSet(p.size, p.seed);
    const counts = { train: train.count, source: this.source ? sourceCount : undefined };
    if (isBaseline(p.strategy)) {
      const baseline = kind.baselines?.[p.strategy];
      if (!baseline) throw new Error(`sweep '${r.name}': task '${String(r.task.dataset)}' offers no baseline '${p.strategy}'. Fix: remove it from strategies.`);
      onStart?.({ index: p.index, total: this.plan.length, strategy: p.strategy, size: p.size, seed: p.seed, epochs: 0 });
      const row = buildRow(r, p, counts, 0, await baseline.run({ train, test: data.test, seed: p.seed }), data);
      if (this.runsFile) fs.appendFileSync(this.runsFile, JSON.stringify(row) + '\n');
      return row;
    }
    const epochs = epochsFor(train.count, epochRuleOf(r, p.strategy));
    onStart?.({ index: p.index, total: this.plan.length, strategy: p.strategy, size: p.size, seed: p.seed, epochs });
    const d = this.detail;
    const isDetail = r.projectionPoints > 0 && p.strategy === d.strategy && p.size === d.size && p.seed === d.seed;
    // A sweep reports per run (onStart/onRun); the trainings inside a run show nothing of their own.
    const strategy = p.strategy; // a net strategy here (narrowed for the closure)
    const out = await withVerbose(0, () =>
      runStrategy<D>(strategy, {
        backbone,
        cutAt: r.cutAt,
        train,
        validation: data.validation,
        test: data.test,
        seed: p.seed,
        epochs,
        modality: kind.modality,
        batchSize: r.batchSize,
        learningRate: r.learningRates[strategy],
        head: r.head,
        curvePoints: r.curvePoints,
        featurePoints: isDetail && p.strategy !== 'linear-probe' ? r.projectionPoints : undefined,
      }),
    );
    const row = buildRow(r, p, counts, epochs, out, data);
    if (isDetail && out.features) {
      const first = kind.modality.subset(
        data.test,
        Array.from({ length: out.features.count }, (_, i) => i),
      );
      const before = await kind.modality.features(cut(backbone, r.cutAt), first, 'none');
      row.projection = {
        before: pca2d(before.features, before.count, before.dim, before.labels),
        after: pca2d(out.features.features, out.features.count, out.features.dim, out.features.labels),
      };
    }
    if (this.runsFile) fs.appendFileSync(this.runsFile, JSON.stringify(row) + '\n');
    return row;
  }

  /** The result of the sweep from its rows (in plan order); writes results.json/csv with `outDir` (not when read-only). */
  result(rows: RunRow[], resumedRuns: number): ExperimentResult {
    const { resolved: r, data } = this;
    const out: ExperimentResult = {
      experiment: r.name,
      config: this.config,
      resolved: r,
      backbone: { name: r.backbone, origin: this.backbone.origin, weightsHash: this.backboneHash },
      task: {
        description: this.source ? `${data.description}; every run also trains on ${this.source.description} (source domain)` : data.description,
        classNames: data.classNames,
        testImages: data.test.count,
        validationImages: data.validation.count,
      },
      rows,
      cells: summarize(rows),
      resumedRuns,
      wallSeconds: roundTo((Date.now() - this.opened.t0) / 1000, 2),
      finishedAt: new Date().toISOString(),
    };
    if (this.opened.outDir && !this.opened.readOnly) out.files = saveResults(out, this.opened.outDir);
    Object.defineProperty(out, 'test', { value: data.test, enumerable: false });
    return out;
  }

  /** Free the backbone when the sweep loaded it. */
  close(): void {
    if (this.opened.ownsBackbone) disposeModels(this.backbone.model);
  }
}

/** Throw before anything runs when a size asks for more labels per class than the pool has. */
function checkSizes(r: ResolvedConfig, data: TaskData<LabelledSet>): void {
  const counts = classCounts(data.pool);
  const smallest = Math.min(...counts);
  const tooBig = r.sizes.filter((k) => k > smallest);
  if (tooBig.length) {
    const c = counts.indexOf(smallest);
    throw new Error(
      `experiment '${r.name}': sizes ${tooBig.join(', ')} ask for more labels per class than class '${data.classNames[c]}' has in the training pool (${smallest}). Fix: use sizes <= ${smallest}.`,
    );
  }
}

/** The finished runs of a runs.jsonl (none without `outDir`; emptied when not resuming), the file repaired unless read-only. */
function finishedRuns(runsFile: string | null, resume: boolean, readOnly: boolean): Map<string, RunRow> {
  if (!runsFile) return new Map();
  if (readOnly) return fs.existsSync(runsFile) ? readRuns(runsFile) : new Map();
  if (!resume) fs.rmSync(runsFile, { force: true });
  const finished = readRuns(runsFile);
  fs.mkdirSync(path.dirname(runsFile), { recursive: true });
  repairRuns(runsFile, finished);
  return finished;
}

/**
 * Open a sweep: check the config, load the task and the backbone, check that every size
 * fits the pool, read (and repair) runs.jsonl, and compute the plan. Nothing trains yet.
 *
 * @example
 * const sweep = await openSweep(experimentConfig('fashion-to-digits', { quick: true }), { outDir: 'reports/x' });
 * try { const row = await sweep.run(sweep.plan[0].key); } finally { sweep.close(); }
 */
export async function openSweep<D extends LabelledSet = LabelledSet>(config: ExperimentConfig, opts: SweepOptions<D> = {}): Promise<Sweep<D>> {
  const t0 = Date.now();
  if (opts.readOnly && opts.resume === false)
    throw new Error('openSweep: readOnly with resume: false would have to empty runs.jsonl. Fix: drop one of them (readOnly only reads the stored runs).');
  const r = resolveConfig(config);
  const kind = kindOf(config) as unknown as TaskKind<D>;
  const data = opts.data ?? kind.load(r.task, { testSize: r.testSize, validationSize: r.validationSize, splitSeed: r.splitSeed });
  const source = loadDomainSource(r, data);
  const backbone = opts.backbone ?? (await kind.loadBackbone(r));
  try {
    getLayer(backbone.model, r.cutAt);
    checkSizes(r, data);
    const backboneHash = weightsHash(backbone);
    const runsFile = opts.outDir ? path.join(path.resolve(opts.outDir), 'runs.jsonl') : null;
    const readOnly = opts.readOnly === true;
    const finished = finishedRuns(runsFile, opts.resume !== false, readOnly);
    return new Sweep<D>(config, r, kind, data, source, backbone, backboneHash, runsFile, finished, {
      outDir: opts.outDir,
      ownsBackbone: !opts.backbone,
      t0,
      readOnly,
    });
  } catch (e) {
    if (!opts.backbone) disposeModels(backbone.model);
    throw e;
  }
}

/** The tidy row of one finished run. */
function buildRow(
  r: ResolvedConfig,
  p: PlannedRun,
  counts: { train: number; source: number | undefined },
  epochs: number,
  out: RunOutcome,
  data: TaskData<LabelledSet>,
): RunRow {
  const rep = classificationReport(out.probs, data.test.labels, data.classNames, r.topK);
  const hist = out.history.epochs.map((e) => ({ ...e }));
  const vals = hist.filter((e) => typeof e.valAcc === 'number');
  return {
    key: p.key,
    configHash: p.configHash,
    experiment: r.name,
    strategy: p.strategy,
    size: p.size,
    seed: p.seed,
    trainImages: counts.train,
    ...(counts.source !== undefined ? { sourceImages: counts.source } : {}),
    epochs,
    accuracy: rep.accuracy,
    macroF1: roundTo(rep.macroF1, 6),
    topK: rep.topK.k,
    topKAccuracy: rep.topK.accuracy,
    valAccuracy: vals.length ? (vals[vals.length - 1].valAcc as number) : null,
    wallSeconds: roundTo(out.history.wallSeconds, 3),
    samplesSeen: out.history.samplesSeen,
    trainableParams: out.trainableParams,
    targetAccuracy: r.targetAccuracy,
    timeToTarget: timeToAccuracy(out.history, r.targetAccuracy),
    perClassF1: rep.perClass.map((c) => roundTo(c.f1, 6)),
    confusion: rep.confusion,
    predictions: argmaxRows(out.probs, data.classNames.length),
    history: hist,
    events: out.history.events,
    finishedAt: new Date().toISOString(),
  };
}

/**
 * Run a sweep of any data kind: every planned run not already in `outDir/runs.jsonl` is
 * trained (in plan order); results.json and results.csv are written (atomically) at the end.
 *
 * @returns the tidy rows, the per-cell summaries and the resolved config
 * @example
 * const result = await runSweep(experimentConfig('minilm-to-fortunes', { quick: true }), { outDir: 'reports/minilm-to-fortunes-quick' });
 * result.cells.map((c) => [c.strategy, c.size, c.accuracy.mean]);
 */
export async function runSweep<D extends LabelledSet = LabelledSet>(config: ExperimentConfig, opts: SweepOptions<D> = {}): Promise<ExperimentResult> {
  const sweep = await openSweep<D>(config, opts);
  try {
    const rows: RunRow[] = [];
    let resumed = 0;
    for (const p of sweep.plan) {
      const old = sweep.finished.get(p.key);
      const row = old ?? (await sweep.run(p.key, opts.onStart));
      if (old) resumed++;
      rows.push(row);
      opts.onRun?.({ index: p.index, total: sweep.plan.length, row, resumed: !!old });
    }
    return sweep.result(rows, resumed);
  } finally {
    sweep.close();
  }
}
