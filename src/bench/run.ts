/**
 * One bench run: tfjs-node and its peers on the reference CNN, in this process and
 * in sequence (never in parallel: they would share the cores), then the result.
 */
import { execFileSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { backendInfo } from '../backend';
import { projectRoot } from '../environment';
import { measureTfjsReference } from './measure';
import { measureReferenceLoop, measureTransferCases, TransferCases, measureLite0, Lite0Case } from './cases';
import { measureText, TextCase } from './text';
import { recordedJobTimes, runJobs } from './jobs';
import { DEFAULT_PEERS, PeerConfig, PeerResult, PeerSpec, runPeer, RunPeerArgs } from './peers';
import { REFERENCE_CNN } from './reference';
import { BenchResult, BestPeer, ModelCaseResult, RunRatios, writeResults, WrittenResults } from './report';

/** The full run's sizes: about a minute of measuring on a 2-core machine. */
export const FULL_SIZES: PeerConfig = { batch: 64, trainSteps: 20, inferSteps: 40, repeats: 5, warmupSteps: 3, seed: 42 };
/** `--quick` sizes: a smoke test (tens of seconds, mostly Python start-up); numbers are noisy. */
export const QUICK_SIZES: PeerConfig = { batch: 64, trainSteps: 4, inferSteps: 8, repeats: 2, warmupSteps: 1, seed: 42 };
/**
 * The Lite0 case's sizes (full run): 96x96 inputs, batch 32, as the issue measured PyTorch;
 * about 20 s per framework here when the machine is idle.
 */
export const LITE0_SIZES: PeerConfig = { batch: 32, trainSteps: 4, inferSteps: 8, repeats: 3, warmupSteps: 1, seed: 42, model: 'lite0', imageSize: 96 };
/** The Lite0 case's sizes with `lite0: true` on a quick run. */
export const LITE0_QUICK_SIZES: PeerConfig = { ...LITE0_SIZES, trainSteps: 1, inferSteps: 1, repeats: 1 };
/** The text case's sizes (full run): all-MiniLM-L6-v2, batch 16, length 64, as the issue measured PyTorch. */
export const TEXT_SIZES: PeerConfig = { batch: 16, trainSteps: 4, inferSteps: 8, repeats: 3, warmupSteps: 1, seed: 42, model: 'text', textLength: 64 };
/** The text case's sizes with `text: true` on a quick run. */
export const TEXT_QUICK_SIZES: PeerConfig = { ...TEXT_SIZES, trainSteps: 1, inferSteps: 2, repeats: 1 };
/**
 * Sizes for the tfjs side on the pure-JS backend, which trains ~1000x slower (one
 * batch of 64 took ~6 minutes here): one small batch, enough to label a number.
 */
export const PURE_JS_SIZES = { batch: 8, trainSteps: 1, inferSteps: 1, repeats: 1, warmupSteps: 0 };

/** Options of {@link runBench}. */
export interface BenchArgs {
  /** Use {@link QUICK_SIZES} instead of {@link FULL_SIZES}. Default false. */
  quick?: boolean;
  /** Override some sizes (tests use tiny ones). */
  sizes?: Partial<PeerConfig>;
  /** Peer configurations. Default {@link DEFAULT_PEERS}. */
  peers?: PeerSpec[];
  /** How to run the peers (python, script, timeout). */
  peerArgs?: RunPeerArgs;
  /** Where to write results; null writes nothing. Default `<project>/bench/results`. */
  resultsDir?: string | null;
  /** Write the dated copy as well as latest.json. Default: true for full runs, false for quick. */
  dated?: boolean;
  /** Progress lines (default: to stderr, prefixed `[bench]`). */
  log?: (line: string) => void;
  /**
   * Also time the library's training loop: the reference CNN, full fine-tuning of the
   * bundled `fashion-cnn` (against Keras on the same architecture) and its head on cached
   * features. Default: true on the native backend (skipped on the pure-JS fallback).
   */
  cases?: boolean;
  /**
   * Also time EfficientNet-Lite0 at 96x96 (full fine-tuning and inference, library vs the
   * peers with `--model lite0`): a few minutes. Default: with the cases on full runs, off with --quick.
   */
  lite0?: boolean;
  /**
   * Also time all-MiniLM-L6-v2 + a 6-way head (batch 16, length 64: full fine-tuning and
   * inference, library vs PyTorch with `--model text`): a few minutes. Default: as `lite0`.
   */
  text?: boolean;
  /** Run the main job and every notebook (full mode) first, to record fresh wall times (~15-20 min). Default false. */
  jobs?: boolean;
  /**
   * Measure everything this many times (tfjs and peers interleaved, run after run) and
   * report the median ratios, with each run's in `runs`. Default 1.
   */
  runs?: number;
}

/** What {@link runBench} returns: the result and where it was written. */
export interface BenchRun {
  result: BenchResult;
  files: WrittenResults | null;
}

function gitCommit(): string | null {
  try {
    // Read-only: the short hash of HEAD, to name the dated result.
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: projectRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null;
  }
}

function best(peers: PeerResult[], key: 'train_sps' | 'infer_sps', filter: (p: PeerResult) => boolean = () => true): BestPeer | null {
  let top: BestPeer | null = null;
  for (const p of peers) {
    const v = p[key];
    if (p.available && filter(p) && v !== null && (top === null || v > top.sps)) top = { name: p.name, sps: v };
  }
  return top;
}

function onednnEnv(): boolean | null {
  const v = process.env.TF_ENABLE_ONEDNN_OPTS;
  if (v === undefined || v.trim() === '') return null;
  return ['1', 'true'].includes(v.trim().toLowerCase());
}

/**
 * Run the bench: tfjs train/predict throughput of the reference CNN, then each peer
 * with the same sizes; ratios are tfjs / the best peer of this run.
 *
 * @param args options; see {@link BenchArgs}
 * @returns the result (and the files written, unless `resultsDir` is null)
 * @example
 * const { result } = await runBench({ quick: true, resultsDir: null });
 * console.log(result.train_ratio);
 */
export async function runBench(args: BenchArgs = {}): Promise<BenchRun> {
  const n = args.runs ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new Error(`runs must be a positive integer, got ${n}. Fix: pass e.g. --runs 3.`);
  const log = args.log ?? ((l: string) => process.stderr.write(`[bench] ${l}\n`));
  const results: BenchResult[] = [];
  for (let i = 0; i < n; i++) {
    if (n > 1) log(`run ${i + 1} of ${n}`);
    results.push(await runOnce({ ...args, log, jobs: args.jobs && i === 0 }));
  }
  const result = n === 1 ? results[0] : combineRuns(results);
  const dir = args.resultsDir === undefined ? path.join(projectRoot(), 'bench', 'results') : args.resultsDir;
  const files = dir === null ? null : writeResults(result, dir, { dated: args.dated ?? !result.quick });
  return { result, files };
}

const RATIOS = [
  'train_ratio',
  'infer_ratio',
  'fit_train_ratio',
  'predict_ratio',
  'loop_train_ratio',
  'finetune_train_ratio',
  'cache_head_speedup',
  'lite0_train_ratio',
  'lite0_infer_ratio',
  'text_train_ratio',
  'text_infer_ratio',
] as const;

function medianOrNull(xs: (number | null)[]): number | null {
  const v = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/**
 * Several runs as one result: each run's ratios in `runs`, the top-level ratios their
 * medians, everything else from the last run.
 *
 * @example
 * const r = combineRuns([a, b, c]); // r.train_ratio = median of the three
 */
export function combineRuns(results: BenchResult[]): BenchResult {
  if (results.length === 0) throw new Error('combineRuns: no runs to combine.');
  const last = results[results.length - 1];
  const runs: RunRatios[] = results.map((r) => ({
    date: r.date,
    loadavg_start: r.machine.loadavg_start,
    tfjs_train_sps: r.tfjs_train_sps,
    tfjs_infer_sps: r.tfjs_infer_sps,
    best_peer_train: r.best_peer_train,
    best_peer_infer: r.best_peer_infer,
    train_ratio: r.train_ratio,
    infer_ratio: r.infer_ratio,
    fit_train_ratio: r.fit_train_ratio,
    predict_ratio: r.predict_ratio,
    loop_train_ratio: r.loop_train_ratio,
    finetune_train_ratio: r.finetune_train_ratio,
    cache_head_speedup: r.cache_head_speedup,
    lite0_train_ratio: r.lite0_train_ratio ?? null,
    lite0_infer_ratio: r.lite0_infer_ratio ?? null,
    text_train_ratio: r.text_train_ratio ?? null,
    text_infer_ratio: r.text_infer_ratio ?? null,
  }));
  const out: BenchResult = { ...last, date: results[0].date, runs, wall_s: results.reduce((t, r) => t + r.wall_s, 0) };
  for (const k of RATIOS) out[k] = medianOrNull(results.map((r) => r[k] ?? null));
  out.machine = { ...last.machine, loadavg_start: results[0].machine.loadavg_start };
  return out;
}

/**
 * A model case's section of the result (`lite0`, `text`): its `dims` (size or length) first,
 * then the library's timings, the best peers and every peer.
 */
function modelCaseResult<D extends object, W extends string>(
  dims: D,
  c: Pick<Lite0Case, 'batch' | 'params' | 'train' | 'infer'> & { weights: W },
  peers: PeerResult[],
  bestTrain: BestPeer | null,
  bestInfer: BestPeer | null,
): D & ModelCaseResult<W> {
  return {
    ...dims,
    batch: c.batch,
    weights: c.weights,
    params: c.params,
    engine: c.train.engine,
    tfjs_train_sps: c.train.sps,
    tfjs_infer_sps: c.infer.sps,
    tfjs_train_times_s: c.train.times_s,
    tfjs_infer_times_s: c.infer.times_s,
    best_peer_train: bestTrain,
    best_peer_infer: bestInfer,
    peers,
  };
}

/** The Lite0 case: the library's fine-tuning and inference at 96x96, then each peer's. */
async function lite0Case(args: BenchArgs, quick: boolean, log: (line: string) => void): Promise<{ lite0: Lite0Case; peers: PeerResult[] }> {
  const ls = quick ? LITE0_QUICK_SIZES : LITE0_SIZES;
  const lite0 = await measureLite0({
    batch: ls.batch,
    steps: ls.trainSteps,
    inferSteps: ls.inferSteps,
    repeats: ls.repeats,
    warmupSteps: ls.warmupSteps,
    seed: ls.seed,
    size: ls.imageSize,
  });
  log(
    `library, efficientnet-lite0 ${lite0.size}x${lite0.size} (${lite0.weights} weights): fine-tune ${lite0.train.sps.toFixed(1)} samples/s (${lite0.train.engine}), predict ${lite0.infer.sps.toFixed(1)} samples/s`,
  );
  const peers = await runCasePeers(args.peers ?? DEFAULT_PEERS, 'lite0', ls, args, log);
  return { lite0, peers };
}

/** Each peer on one model case (named `peer/suffix`) at `sizes`, in turn, each logged. */
async function runCasePeers(specs: PeerSpec[], suffix: string, sizes: PeerConfig, args: BenchArgs, log: (line: string) => void): Promise<PeerResult[]> {
  const peers: PeerResult[] = [];
  for (const spec of specs) {
    const p = await runPeer({ ...spec, name: `${spec.name}/${suffix}` }, sizes, args.peerArgs);
    peers.push(p);
    log(
      p.available
        ? `peer ${p.name}: fine-tune ${p.train_sps?.toFixed(1)} samples/s, predict ${p.infer_sps?.toFixed(1)} samples/s`
        : `peer ${p.name}: ${p.failed ? 'FAILED' : 'absent'}: ${p.reason}`,
    );
  }
  return peers;
}

/** The text case: the library's fine-tuning and inference of all-MiniLM-L6-v2 + a 6-way head, then each PyTorch peer's. */
async function textCase(args: BenchArgs, quick: boolean, log: (line: string) => void): Promise<{ text: TextCase; peers: PeerResult[] }> {
  const ts = quick ? TEXT_QUICK_SIZES : TEXT_SIZES;
  const text = await measureText({
    batch: ts.batch,
    steps: ts.trainSteps,
    inferSteps: ts.inferSteps,
    repeats: ts.repeats,
    warmupSteps: ts.warmupSteps,
    seed: ts.seed,
    length: ts.textLength,
  });
  log(
    `library, all-minilm-l6-v2 length ${text.length} (${text.weights} weights): fine-tune ${text.train.sps.toFixed(1)} samples/s (${text.train.engine}), predict ${text.infer.sps.toFixed(1)} samples/s`,
  );
  const peers = await runCasePeers(
    (args.peers ?? DEFAULT_PEERS).filter((s) => s.framework === 'torch'),
    'text',
    ts,
    args,
    log,
  );
  return { text, peers };
}

/** The model cases that run alone (`transfer-lab bench --only CASE`). */
export const ONLY_CASES = ['lite0', 'text'] as const;
/** A model case that runs alone. */
export type OnlyCase = (typeof ONLY_CASES)[number];

/** What {@link runCaseBench} returns: one model case's section of a bench result, its ratios and the machine's load. */
export interface CaseBenchResult {
  date: string;
  quick: boolean;
  /** The case measured. */
  case: OnlyCase;
  /** Its section, as in the full result's `lite0` or `text`. */
  section: NonNullable<BenchResult['lite0']> | NonNullable<BenchResult['text']>;
  /** Its dimensions, for the summary line: `96x96` or `length 64`. */
  dims: string;
  train_ratio: number | null;
  infer_ratio: number | null;
  loadavg_start: number[];
  loadavg_end: number[];
  cpus: number;
  wall_s: number;
}

/**
 * Only one model case (`transfer-lab bench --only lite0|text`): the library's compiled
 * fine-tuning and inference of EfficientNet-Lite0 at 96x96, batch 32, or of
 * all-MiniLM-L6-v2 at length 64, batch 16, against each peer, once; a few minutes. Writes
 * nothing (the full run's latest.json stays as it is); the caller prints.
 *
 * @example
 * const r = await runCaseBench('text');
 * console.log(r.train_ratio, r.infer_ratio, r.loadavg_start);
 */
export async function runCaseBench(which: OnlyCase, args: Pick<BenchArgs, 'quick' | 'peers' | 'peerArgs' | 'log'> = {}): Promise<CaseBenchResult> {
  if (!ONLY_CASES.includes(which)) throw new Error(`runCaseBench: '${String(which)}' is not a bench case. Fix: pass one of ${ONLY_CASES.join(', ')}.`);
  const log = args.log ?? ((line: string) => process.stderr.write(`[bench] ${line}\n`));
  const t0 = Date.now();
  const loadStart = os.loadavg();
  const quick = args.quick ?? false;
  const measured =
    which === 'lite0'
      ? await lite0Case(args, quick, log).then(({ lite0, peers }) => ({ c: lite0, peers, dims: { size: lite0.size }, label: `${lite0.size}x${lite0.size}` }))
      : await textCase(args, quick, log).then(({ text, peers }) => ({ c: text, peers, dims: { length: text.length }, label: `length ${text.length}` }));
  const bt = best(measured.peers, 'train_sps');
  const bi = best(measured.peers, 'infer_sps');
  return {
    date: new Date(t0).toISOString(),
    quick,
    case: which,
    section: modelCaseResult(measured.dims, measured.c, measured.peers, bt, bi) as CaseBenchResult['section'],
    dims: measured.label,
    train_ratio: bt ? measured.c.train.sps / bt.sps : null,
    infer_ratio: bi ? measured.c.infer.sps / bi.sps : null,
    loadavg_start: loadStart,
    loadavg_end: os.loadavg(),
    cpus: os.cpus().length,
    wall_s: (Date.now() - t0) / 1000,
  };
}

async function runOnce(args: BenchArgs & { log: (line: string) => void }): Promise<BenchResult> {
  const quick = args.quick ?? false;
  const log = args.log;
  const sizes: PeerConfig = { ...(quick ? QUICK_SIZES : FULL_SIZES), ...args.sizes };
  const t0 = Date.now();
  const loadStart = os.loadavg();
  const info = backendInfo();
  if (!info.native) {
    log(`WARNING: backend '${info.backend}' (${info.label}) is NOT native TensorFlow: the tfjs numbers below measure`);
    log(`WARNING: the pure-JS fallback, run with reduced sizes, and are labelled so. Unset TRANSFER_LAB_BACKEND for real numbers.`);
  }
  // Sizes given explicitly win over the pure-JS reduction (tests use tiny ones).
  const tfjsSizes: PeerConfig = info.native ? sizes : { ...sizes, ...PURE_JS_SIZES, ...args.sizes };
  const reduced = JSON.stringify(tfjsSizes) !== JSON.stringify(sizes);

  log(`tfjs-node (${info.backend}): ${tfjsSizes.repeats} x ${tfjsSizes.trainSteps} training batches of ${tfjsSizes.batch}, then predict`);
  const tt = Date.now();
  const tfjs = await measureTfjsReference(tfjsSizes);
  const tfjsWall = (Date.now() - tt) / 1000;
  log(
    `tfjs-node: fit ${tfjs.train.sps.toFixed(0)} samples/s, predict ${tfjs.infer.sps.toFixed(0)} samples/s; library predictor ${tfjs.libraryInfer.sps.toFixed(0)} samples/s (${tfjsWall.toFixed(1)} s)`,
  );

  const peers: PeerResult[] = [];
  for (const spec of args.peers ?? DEFAULT_PEERS) {
    log(`peer ${spec.name}: starting`);
    const p = await runPeer(spec, sizes, args.peerArgs);
    peers.push(p);
    log(
      p.available
        ? `peer ${spec.name}: train ${p.train_sps?.toFixed(0)} samples/s, predict ${p.infer_sps?.toFixed(0)} samples/s (${p.wall_s.toFixed(1)} s)`
        : `peer ${spec.name}: ${p.failed ? 'FAILED' : 'absent'}: ${p.reason}`,
    );
  }

  // The library's own loop: the reference CNN, then fine-tuning vs a head on cached features.
  let loop: Awaited<ReturnType<typeof measureReferenceLoop>> | null = null;
  let transfer: TransferCases | null = null;
  const ftPeers: PeerResult[] = [];
  if (args.cases ?? info.native) {
    const loopArgs = {
      batch: tfjsSizes.batch,
      steps: tfjsSizes.trainSteps,
      repeats: tfjsSizes.repeats,
      warmupSteps: tfjsSizes.warmupSteps,
      seed: tfjsSizes.seed,
    };
    loop = await measureReferenceLoop(loopArgs);
    log(`library loop, reference CNN: train ${loop.sps.toFixed(0)} samples/s (${loop.engine})`);
    transfer = await measureTransferCases(loopArgs);
    log(
      `library loop, fashion-cnn: full fine-tuning ${transfer.finetune.sps.toFixed(0)} samples/s, head on cached features ${transfer.cachedHead.sps.toFixed(0)} samples/s (extraction ${transfer.extractSps.toFixed(0)} samples/s)`,
    );
    for (const spec of (args.peers ?? DEFAULT_PEERS).filter((p) => p.framework === 'keras')) {
      const p = await runPeer({ ...spec, name: `${spec.name}/small-cnn` }, { ...sizes, model: 'small-cnn' }, args.peerArgs);
      ftPeers.push(p);
      log(p.available ? `peer ${p.name}: fine-tune ${p.train_sps?.toFixed(0)} samples/s` : `peer ${p.name}: ${p.failed ? 'FAILED' : 'absent'}: ${p.reason}`);
    }
  }
  // EfficientNet-Lite0 at 96x96: the ImageNet backbone fine-tuned, library vs PyTorch (reference model) and Keras.
  const l0 = (args.lite0 ?? ((args.cases ?? info.native) && !quick)) ? await lite0Case(args, quick, log) : null;
  const lite0 = l0?.lite0 ?? null;
  const lite0Peers = l0?.peers ?? [];
  // all-MiniLM-L6-v2 + a 6-way head: fine-tuning and embedding throughput, library vs PyTorch.
  const tc = (args.text ?? ((args.cases ?? info.native) && !quick)) ? await textCase(args, quick, log) : null;
  const text: TextCase | null = tc?.text ?? null;
  const textPeers = tc?.peers ?? [];
  const bestTextTrain = best(textPeers, 'train_sps');
  const bestTextInfer = best(textPeers, 'infer_sps');
  const bestLite0Train = best(lite0Peers, 'train_sps');
  const bestLite0Infer = best(lite0Peers, 'infer_sps');
  if (args.jobs) runJobs(log);
  const jobs = recordedJobTimes();

  const bestTrain = best(peers, 'train_sps');
  const bestFt = best(ftPeers, 'train_sps');
  const bestInfer = best(peers, 'infer_sps');
  const isKeras = (p: PeerResult) => p.framework === 'keras';
  const trainSps = loop?.sps ?? tfjs.train.sps;
  const cpus = os.cpus();
  const result: BenchResult = {
    schema: 1,
    date: new Date(t0).toISOString(),
    quick,
    backend: info.backend,
    backend_label: info.label,
    tf_version: info.tfVersion,
    tfjs_version: info.tfjsVersion,
    tfjs_onednn: onednnEnv(),
    tfjs_train_sps: trainSps,
    tfjs_infer_sps: tfjs.libraryInfer.sps,
    tfjs_fit_train_sps: tfjs.train.sps,
    tfjs_predict_sps: tfjs.infer.sps,
    keras_train_sps: best(peers, 'train_sps', isKeras)?.sps ?? null,
    keras_infer_sps: best(peers, 'infer_sps', isKeras)?.sps ?? null,
    train_ratio: bestTrain ? trainSps / bestTrain.sps : null,
    infer_ratio: bestInfer ? tfjs.libraryInfer.sps / bestInfer.sps : null,
    fit_train_ratio: bestTrain ? tfjs.train.sps / bestTrain.sps : null,
    predict_ratio: bestInfer ? tfjs.infer.sps / bestInfer.sps : null,
    loop_engine: loop?.engine ?? null,
    best_peer_train: bestTrain,
    best_peer_infer: bestInfer,
    tfjs: {
      train_times_s: loop?.times_s ?? tfjs.train.times_s,
      infer_times_s: tfjs.libraryInfer.times_s,
      fit_times_s: tfjs.train.times_s,
      predict_times_s: tfjs.infer.times_s,
      params: tfjs.params,
      wall_s: tfjsWall,
    },
    peers,
    tfjs_loop_train_sps: loop?.sps ?? null,
    loop_train_ratio: loop && bestTrain ? loop.sps / bestTrain.sps : null,
    finetune: transfer
      ? {
          backbone: transfer.backbone,
          params: transfer.params,
          tfjs_sps: transfer.finetune.sps,
          tfjs_times_s: transfer.finetune.times_s,
          best_peer: bestFt,
          peers: ftPeers,
        }
      : null,
    finetune_train_ratio: transfer && bestFt ? transfer.finetune.sps / bestFt.sps : null,
    cached_head_sps: transfer?.cachedHead.sps ?? null,
    feature_extract_sps: transfer?.extractSps ?? null,
    cache_head_speedup: transfer ? transfer.cachedHead.sps / transfer.finetune.sps : null,
    lite0: lite0 ? modelCaseResult({ size: lite0.size }, lite0, lite0Peers, bestLite0Train, bestLite0Infer) : null,
    lite0_train_ratio: lite0 && bestLite0Train ? lite0.train.sps / bestLite0Train.sps : null,
    lite0_infer_ratio: lite0 && bestLite0Infer ? lite0.infer.sps / bestLite0Infer.sps : null,
    text: text ? modelCaseResult({ length: text.length }, text, textPeers, bestTextTrain, bestTextInfer) : null,
    text_train_ratio: text && bestTextTrain ? text.train.sps / bestTextTrain.sps : null,
    text_infer_ratio: text && bestTextInfer ? text.infer.sps / bestTextInfer.sps : null,
    fast_kernels: info.fastKernels,
    jobs,
    config: {
      batch: sizes.batch,
      train_steps: sizes.trainSteps,
      infer_steps: sizes.inferSteps,
      repeats: sizes.repeats,
      warmup_steps: sizes.warmupSteps,
      seed: sizes.seed,
      model: REFERENCE_CNN,
      optimizer: 'adam(1e-3)',
      loss: 'sparse categorical cross-entropy',
      ...(reduced
        ? {
            tfjs_reduced: {
              batch: tfjsSizes.batch,
              train_steps: tfjsSizes.trainSteps,
              infer_steps: tfjsSizes.inferSteps,
              repeats: tfjsSizes.repeats,
              warmup_steps: tfjsSizes.warmupSteps,
            },
          }
        : {}),
    },
    machine: {
      cpus: cpus.length,
      cpu_model: cpus[0]?.model ?? 'unknown',
      node: process.version,
      platform: `${os.platform()}-${os.arch()}`,
      loadavg_start: loadStart,
      loadavg_end: os.loadavg(),
    },
    git_commit: gitCommit(),
    wall_s: (Date.now() - t0) / 1000,
  };
  return result;
}
