/**
 * `compare`: strategies x labels per class x seeds, on one source backbone and one target
 * task, as a tidy table (one row per run) with mean and spread per (strategy, size) cell.
 *
 * Runs are independent and resumable: each finished run is appended as one JSON line to
 * `runs.jsonl`, keyed by strategy, size, seed and a hash of everything else that affects
 * its numbers; a sweep started again skips the runs it finds there.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { writeAtomic, readRuns, summarize, saveResults } from './table';
import { ImageDataset, imageSize } from '../data/dataset';
import { kShot, classCounts } from '../data/split';
import { loadBackbone } from '../backbone/zoo';
import { Net, checkNet, getLayer } from '../transfer/net';
import { cut } from '../transfer/head';
import { extractFeatures } from '../transfer/features';
import { EpochLogs, TrainEvent } from '../train/history';
import { STRATEGIES, STRATEGY_NAMES, StrategyName, HeadSpec, runStrategy, disposeModels } from './strategies';
import { TaskSpec, TaskData, loadTask } from './task';
import { classificationReport, timeToAccuracy, Spread, TimeToTarget, argmaxRows } from './metrics';
import { pca2d, Projection } from './pca';

/** How many epochs a run trains for: a fixed number, or enough to see about `samples` images. */
export type EpochRule = number | {
  /** Aim for about this many training samples per run. */
  samples: number;
  /** At least this many epochs. */
  min: number;
  /** At most this many epochs. */
  max: number;
};

/** An experiment: what `compare` sweeps. JSON-serialisable (a `run` config file). */
export interface CompareConfig {
  /** Experiment name; also its folder under reports/. */
  name: string;
  /** One line for reports. */
  description?: string;
  /** Source backbone: a zoo name (e.g. 'fashion-cnn') or a saved net's folder. */
  backbone: string;
  /** Layer the heads go on and features are read from. Default 'features'. */
  cutAt?: string;
  /** The target task. */
  task: TaskSpec;
  strategies: StrategyName[];
  /** Labels per class of the training sets. */
  sizes: number[];
  seeds: number[];
  /** Images of the fixed test set. Default 1000. */
  testSize?: number;
  /** Images of the validation set of the curves. Default 300. */
  validationSize?: number;
  /** Seed of the held-out split (test/validation never change with the run seeds). Default 0. */
  splitSeed?: number;
  /** Examples per optimizer step. Default 32. */
  batchSize?: number;
  /** Epochs per run. Default `{ samples: 1280, min: 3, max: 40 }` (about 40 steps of 32). */
  epochs?: EpochRule;
  /** Peak learning rate per strategy. Defaults: {@link DEFAULT_LEARNING_RATES}. */
  learningRates?: Partial<Record<StrategyName, number>>;
  /** The head on the backbone. Default `{ hidden: 0, dropout: 0.2 }`. */
  head?: HeadSpec;
  /** The accuracy of the time-to-accuracy measure (validation set). Default 0.8. */
  targetAccuracy?: number;
  /** Validation evaluations per run (curve points). Default 8. */
  curvePoints?: number;
  /** k of the top-k accuracy. Default 2. */
  topK?: number;
  /** Test images in the before/after-fine-tuning PCA picture. Default 400 (0: none). */
  projectionPoints?: number;
}

/**
 * Learning rates used when a config names none (Adam; the peak of the schedule). A linear
 * classifier on frozen features (probe, head) gets the library's probe rate; every
 * strategy that trains conv layers gets 3e-3 (the head's rate; lower groups get less).
 *
 * @example
 * DEFAULT_LEARNING_RATES['fine-tune']; // 3e-3
 */
export const DEFAULT_LEARNING_RATES: Record<StrategyName, number> = {
  scratch: 3e-3, 'linear-probe': 1e-2, head: 1e-2, 'fine-tune': 3e-3, gradual: 3e-3,
};

/**
 * The defaults of the optional config fields.
 *
 * @example
 * COMPARE_DEFAULTS.testSize; // 1000
 */
export const COMPARE_DEFAULTS = {
  cutAt: 'features', testSize: 1000, validationSize: 300, splitSeed: 0, batchSize: 32,
  epochs: { samples: 1280, min: 3, max: 40 } as EpochRule, head: { hidden: 0, dropout: 0.2 } as HeadSpec,
  targetAccuracy: 0.8, curvePoints: 8, topK: 2, projectionPoints: 400,
};

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
  trainImages: number;
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
  /** Predicted class of every test image, in test-set order. */
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

/** What {@link compare} returns (and saves as results.json, minus `test`). */
export interface CompareResult {
  experiment: string;
  config: CompareConfig;
  /** The config with every default filled in. */
  resolved: Required<Omit<CompareConfig, 'description' | 'learningRates'>> & { learningRates: Record<StrategyName, number> };
  backbone: { name: string; origin: string; weightsHash: string };
  task: { description: string; classNames: string[]; testImages: number; validationImages: number };
  rows: RunRow[];
  cells: CellSummary[];
  /** Runs taken from an earlier, interrupted sweep. */
  resumedRuns: number;
  wallSeconds: number;
  finishedAt: string;
  /** Where results were written, if anywhere. */
  files?: { runs: string; json: string; csv: string };
  /** The test images (in memory only, for sample-prediction charts). */
  test?: ImageDataset;
}

/** Progress of a sweep, for terminals and notebooks. */
export interface RunProgress {
  index: number;
  total: number;
  row: RunRow;
  /** True when the run was found in runs.jsonl and not redone. */
  resumed: boolean;
}

/** Options for {@link compare}. */
export interface CompareOptions {
  /** Folder for runs.jsonl, results.json and results.csv. Default: none (nothing written, nothing resumed). */
  outDir?: string;
  /** Reuse finished runs from `outDir/runs.jsonl`. Default true. */
  resume?: boolean;
  /** Use this net as the backbone instead of loading `config.backbone` (tests, notebooks). Not disposed. */
  backbone?: Net;
  /** Use this task data instead of loading `config.task`. */
  data?: TaskData;
  /** Called after every run (trained or resumed). */
  onRun?: (p: RunProgress) => void;
  /** Called before a run is trained. */
  onStart?: (p: { index: number; total: number; strategy: StrategyName; size: number; seed: number; epochs: number }) => void;
}

/**
 * Epochs for a training set of `n` images.
 *
 * @example
 * epochsFor(10, { samples: 800, min: 4, max: 40 }); // 40
 */
export function epochsFor(n: number, rule: EpochRule): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`epochsFor: ${n} training images is not a positive integer. Fix: pass the size of the training set.`);
  if (typeof rule === 'number') {
    if (!Number.isInteger(rule) || rule < 1) throw new Error(`epochs must be a positive integer, got ${rule}.`);
    return rule;
  }
  if (!(rule.samples > 0 && rule.min >= 1 && rule.max >= rule.min)) throw new Error(`epochs rule ${JSON.stringify(rule)} needs samples > 0 and 1 <= min <= max.`);
  return Math.max(rule.min, Math.min(rule.max, Math.ceil(rule.samples / n)));
}

/**
 * Fill in defaults and check a config; errors name the field and the fix.
 *
 * @example
 * resolveConfig(EXPERIMENTS['fashion-a-to-b']).batchSize; // 32
 */
export function resolveConfig(config: CompareConfig): CompareResult['resolved'] {
  const bad = (msg: string): never => { throw new Error(`experiment '${config.name ?? '?'}': ${msg}`); };
  if (!config.name || !/^[\w.-]+$/.test(config.name)) bad(`name '${config.name}' must be letters, digits, '.', '_' or '-' (it names a folder).`);
  if (!config.backbone) bad('no backbone. Fix: set backbone, e.g. "fashion-cnn".');
  if (!config.task) bad('no task. Fix: set task, e.g. {"dataset": "mnist"}.');
  if (!Array.isArray(config.strategies) || config.strategies.length === 0) bad(`no strategies. Fix: list some of ${STRATEGY_NAMES.join(', ')}.`);
  for (const s of config.strategies) if (!(s in STRATEGIES)) bad(`unknown strategy '${s}'. Known: ${STRATEGY_NAMES.join(', ')}.`);
  if (!Array.isArray(config.sizes) || config.sizes.length === 0 || config.sizes.some((k) => !Number.isInteger(k) || k < 1)) bad(`sizes must be positive integers (labels per class), got ${JSON.stringify(config.sizes)}.`);
  if (!Array.isArray(config.seeds) || config.seeds.length === 0 || config.seeds.some((k) => !Number.isInteger(k) || k < 0)) bad(`seeds must be non-negative integers, got ${JSON.stringify(config.seeds)}.`);
  const d = COMPARE_DEFAULTS;
  const r = {
    name: config.name, backbone: config.backbone, task: config.task,
    strategies: STRATEGY_NAMES.filter((s) => config.strategies.includes(s)),
    sizes: [...new Set(config.sizes)].sort((a, b) => a - b),
    seeds: [...new Set(config.seeds)],
    cutAt: config.cutAt ?? d.cutAt, testSize: config.testSize ?? d.testSize, validationSize: config.validationSize ?? d.validationSize,
    splitSeed: config.splitSeed ?? d.splitSeed, batchSize: config.batchSize ?? d.batchSize, epochs: config.epochs ?? d.epochs,
    learningRates: { ...DEFAULT_LEARNING_RATES, ...(config.learningRates ?? {}) },
    head: { ...d.head, ...(config.head ?? {}) }, targetAccuracy: config.targetAccuracy ?? d.targetAccuracy,
    curvePoints: config.curvePoints ?? d.curvePoints, topK: config.topK ?? d.topK, projectionPoints: config.projectionPoints ?? d.projectionPoints,
  };
  epochsFor(1, r.epochs);
  if (!(r.targetAccuracy > 0 && r.targetAccuracy <= 1)) bad(`targetAccuracy must be in (0, 1], got ${r.targetAccuracy}.`);
  // Everything a run would trip over later is checked here, before any data, model or file is touched.
  for (const [k, v] of Object.entries(config.learningRates ?? {})) {
    if (!(k in STRATEGIES)) bad(`learningRates names unknown strategy '${k}'. Fix: use strategy names (${STRATEGY_NAMES.join(', ')}).`);
    if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) bad(`learningRates.${k} must be a positive number, got ${v}. Fix: use e.g. 0.003, or leave it out for the default (${DEFAULT_LEARNING_RATES[k as StrategyName]}).`);
  }
  const posInt = (k: string, v: number, min = 1): void => {
    if (!Number.isInteger(v) || v < min) bad(`${k} must be an integer >= ${min}, got ${v}. Fix: use e.g. ${k}: ${(d as Record<string, unknown>)[k]}, or leave it out for the default.`);
  };
  posInt('testSize', r.testSize);
  posInt('validationSize', r.validationSize);
  posInt('batchSize', r.batchSize);
  posInt('curvePoints', r.curvePoints);
  posInt('topK', r.topK);
  posInt('projectionPoints', r.projectionPoints, 0);
  posInt('splitSeed', r.splitSeed, 0);
  if (typeof r.cutAt !== 'string' || !r.cutAt) bad(`cutAt must be a layer name, got ${JSON.stringify(r.cutAt)}. Fix: use e.g. "features".`);
  if (r.head.hidden !== undefined && (!Number.isInteger(r.head.hidden) || r.head.hidden < 0)) bad(`head.hidden must be a whole number of units >= 0, got ${r.head.hidden}. Fix: use 0 for no hidden layer.`);
  if (r.head.dropout !== undefined && !(r.head.dropout >= 0 && r.head.dropout < 1)) bad(`head.dropout must be a fraction in [0, 1), got ${r.head.dropout}. Fix: use e.g. 0.2.`);
  if (!r.task || (r.task.dataset !== 'mnist' && r.task.dataset !== 'fashion-mnist')) bad(`task.dataset must be 'mnist' or 'fashion-mnist', got ${JSON.stringify(r.task?.dataset)}. Fix: set task, e.g. {"dataset": "mnist"}.`);
  return r;
}

/**
 * SHA-256 of a net's weights (what makes two backbones the same for resuming).
 *
 * @example
 * weightsHash(await loadBackbone('fashion-cnn')); // e.g. '3f9a...' (16 hex digits)
 */
export function weightsHash(net: Net): string {
  checkNet(net, 'weightsHash');
  const h = crypto.createHash('sha256');
  for (const w of net.model.getWeights()) {
    const d = w.dataSync();
    h.update(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  }
  return h.digest('hex').slice(0, 16);
}

/** Bump when a change to the runner changes the numbers of otherwise identical runs. */
const RUNNER_VERSION = 2;

function runHash(r: CompareResult['resolved'], strategy: StrategyName, backboneHash: string): string {
  const what = {
    v: RUNNER_VERSION, backboneHash, cutAt: r.cutAt, task: r.task, testSize: r.testSize, validationSize: r.validationSize,
    splitSeed: r.splitSeed, batchSize: r.batchSize, epochs: r.epochs, learningRate: r.learningRates[strategy],
    head: strategy === 'linear-probe' ? null : r.head, targetAccuracy: r.targetAccuracy, curvePoints: r.curvePoints, topK: r.topK,
  };
  return crypto.createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 12);
}

function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
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
  const t0 = Date.now();
  const r = resolveConfig(config);
  const data = opts.data ?? loadTask(r.task, { testSize: r.testSize, validationSize: r.validationSize, splitSeed: r.splitSeed });
  const backbone = opts.backbone ?? (await loadBackbone(r.backbone));
  try {
    getLayer(backbone.model, r.cutAt);
    // A size larger than the smallest class would fail mid-sweep; say so before anything runs.
    const counts = classCounts(data.pool);
    const smallest = Math.min(...counts);
    const tooBig = r.sizes.filter((k) => k > smallest);
    if (tooBig.length) {
      const c = counts.indexOf(smallest);
      throw new Error(`experiment '${r.name}': sizes ${tooBig.join(', ')} ask for more labels per class than class '${data.classNames[c]}' has in the training pool (${smallest}). Fix: use sizes <= ${smallest}.`);
    }
    const bHash = weightsHash(backbone);
    const runsFile = opts.outDir ? path.join(path.resolve(opts.outDir), 'runs.jsonl') : null;
    if (runsFile && opts.resume === false) fs.rmSync(runsFile, { force: true });
    const done = runsFile ? readRuns(runsFile) : new Map<string, RunRow>();
    if (runsFile) {
      fs.mkdirSync(path.dirname(runsFile), { recursive: true });
      // A sweep killed mid-write leaves a torn last line: rewrite the file (atomically) with the
      // whole runs only, so it never keeps a corrupt line and the next run starts a line of its own.
      if (fs.existsSync(runsFile)) {
        const text = fs.readFileSync(runsFile, 'utf8');
        const whole = [...done.values()].map((row) => JSON.stringify(row) + '\n').join('');
        if (text !== whole && (!text.endsWith('\n') || text.split('\n').filter((l) => l.trim()).length !== done.size)) writeAtomic(runsFile, whole);
      }
    }
    const total = r.strategies.length * r.sizes.length * r.seeds.length;
    // The PCA picture: the fine-tuned net (else the last strategy) at the largest size, first seed.
    const detailStrategy: StrategyName = r.strategies.includes('fine-tune') ? 'fine-tune' : r.strategies[r.strategies.length - 1];
    const detail = { strategy: detailStrategy, size: r.sizes[r.sizes.length - 1], seed: r.seeds[0] };
    const rows: RunRow[] = [];
    let resumed = 0;
    let index = 0;
    for (const size of r.sizes) {
      for (const seed of r.seeds) {
        let trainSet: ImageDataset | null = null;
        for (const strategy of r.strategies) {
          index++;
          const hash = runHash(r, strategy, bHash);
          const key = `${strategy}|k=${size}|seed=${seed}|${hash}`;
          const old = done.get(key);
          if (old) {
            rows.push(old);
            resumed++;
            opts.onRun?.({ index, total, row: old, resumed: true });
            continue;
          }
          trainSet ??= kShot(data.pool, size, seed);
          const epochs = epochsFor(trainSet.count, r.epochs);
          opts.onStart?.({ index, total, strategy, size, seed, epochs });
          const isDetail = r.projectionPoints > 0 && strategy === detail.strategy && size === detail.size && seed === detail.seed;
          const out = await runStrategy(strategy, {
            backbone, cutAt: r.cutAt, train: trainSet, validation: data.validation, test: data.test, seed, epochs,
            batchSize: r.batchSize, learningRate: r.learningRates[strategy], head: r.head, curvePoints: r.curvePoints,
            featurePoints: isDetail && strategy !== 'linear-probe' ? r.projectionPoints : undefined,
          });
          const rep = classificationReport(out.probs, data.test.labels, data.classNames, r.topK);
          const hist = out.history.epochs.map((e) => ({ ...e }));
          const vals = hist.filter((e) => typeof e.valAcc === 'number');
          const row: RunRow = {
            key, configHash: hash, experiment: r.name, strategy, size, seed, trainImages: trainSet.count, epochs,
            accuracy: rep.accuracy, macroF1: round(rep.macroF1, 6), topK: rep.topK.k, topKAccuracy: rep.topK.accuracy,
            valAccuracy: vals.length ? (vals[vals.length - 1].valAcc as number) : null,
            wallSeconds: round(out.history.wallSeconds, 3), samplesSeen: out.history.samplesSeen, trainableParams: out.trainableParams,
            targetAccuracy: r.targetAccuracy, timeToTarget: timeToAccuracy(out.history, r.targetAccuracy),
            perClassF1: rep.perClass.map((c) => round(c.f1, 6)), confusion: rep.confusion,
            predictions: argmaxRows(out.probs, data.classNames.length),
            history: hist, events: out.history.events, finishedAt: new Date().toISOString(),
          };
          if (isDetail && out.features) {
            const n = out.features.count;
            const first: ImageDataset = { ...data.test, count: n, images: data.test.images.subarray(0, n * imageSize(data.test)), labels: data.test.labels.subarray(0, n) };
            const before = await extractFeatures(cut(backbone, r.cutAt), first, { cache: 'none' });
            row.projection = {
              before: pca2d(before.features, before.count, before.dim, before.labels),
              after: pca2d(out.features.features, out.features.count, out.features.dim, out.features.labels),
            };
          }
          if (runsFile) fs.appendFileSync(runsFile, JSON.stringify(row) + '\n');
          rows.push(row);
          opts.onRun?.({ index, total, row, resumed: false });
        }
      }
    }
    const result: CompareResult = {
      experiment: r.name, config, resolved: r,
      backbone: { name: r.backbone, origin: backbone.origin, weightsHash: bHash },
      task: { description: data.description, classNames: data.classNames, testImages: data.test.count, validationImages: data.validation.count },
      rows, cells: summarize(rows), resumedRuns: resumed, wallSeconds: round((Date.now() - t0) / 1000, 2), finishedAt: new Date().toISOString(),
    };
    if (opts.outDir) result.files = saveResults(result, opts.outDir);
    Object.defineProperty(result, 'test', { value: data.test, enumerable: false });
    return result;
  } finally {
    if (!opts.backbone) disposeModels(backbone.model);
  }
}
