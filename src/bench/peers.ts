/**
 * The bench's peers: the reference CNN in Keras 3 (and PyTorch when present), run as
 * subprocesses of `.venv/bin/python bench/keras_bench.py`, one per configuration.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { projectRoot } from '../environment';
import { CACHE_ENV, userCacheDir } from '../paths';

/** One peer configuration: a framework plus the environment it runs with. */
export interface PeerSpec {
  /** Short name used in the JSON and the table, e.g. `keras-onednn`. */
  name: string;
  /** Which side of `keras_bench.py` to run. */
  framework: 'keras' | 'torch';
  /**
   * Environment overrides; `null` removes a variable. Settings such as
   * TF_ENABLE_ONEDNN_OPTS are read when TensorFlow loads, hence one process per peer.
   */
  env: Record<string, string | null>;
  /** oneDNN: true (asked on), false (asked off), null (TensorFlow's own default for this CPU). */
  onednn: boolean | null;
}

/**
 * The peers of a bench run: Keras with TensorFlow's default settings, Keras with
 * oneDNN on, and PyTorch (recorded as absent when torch is not importable in .venv).
 */
export const DEFAULT_PEERS: PeerSpec[] = [
  { name: 'keras', framework: 'keras', env: { TF_ENABLE_ONEDNN_OPTS: null }, onednn: null },
  { name: 'keras-onednn', framework: 'keras', env: { TF_ENABLE_ONEDNN_OPTS: '1' }, onednn: true },
  { name: 'torch', framework: 'torch', env: {}, onednn: null },
];

/** The sizes a peer runs with (the same as the tfjs side of the run). */
export interface PeerConfig {
  batch: number;
  trainSteps: number;
  inferSteps: number;
  repeats: number;
  warmupSteps: number;
  seed: number;
  /** Which model the peer builds: the reference CNN (default), the bundled backbones' `small-cnn` or EfficientNet-Lite0 with a 10-way head, fully fine-tuned. */
  model?: 'reference' | 'small-cnn' | 'lite0' | 'text';
  /** Tokens per text of `text` (all-MiniLM-L6-v2 + a 6-way head, PyTorch only). Default 64. */
  textLength?: number;
  /** Input height and width of `lite0`. Default 96. */
  imageSize?: number;
}

/** What one peer measured. `available` is false when it could not run (see `reason`). */
export interface PeerResult {
  name: string;
  framework: 'keras' | 'torch';
  available: boolean;
  onednn: boolean | null;
  /** Training samples per second (median repeat), or null when not available. */
  train_sps: number | null;
  /** Inference samples per second (median repeat), or null when not available. */
  infer_sps: number | null;
  train_times_s?: number[];
  infer_times_s?: number[];
  /** Library versions the peer reported (keras, tensorflow, torch, numpy). */
  versions?: Record<string, string>;
  threads?: Record<string, number>;
  params?: number;
  /** Wall time of the whole subprocess, start-up included, in seconds. */
  wall_s: number;
  /** Why the peer is absent or failed. */
  reason?: string;
  /** True when the peer failed (as opposed to being absent, like torch not installed). */
  failed?: boolean;
}

/** Options of {@link runPeer}. */
export interface RunPeerArgs {
  /** The Python interpreter. Default: the project's `.venv/bin/python`. */
  python?: string;
  /** The peer script. Default: `bench/keras_bench.py` in the project. */
  script?: string;
  /** Kill the peer after this many seconds. Default 600. */
  timeoutS?: number;
}

/**
 * The project's venv Python (which may not exist yet).
 *
 * @example
 * venvPython(); // '/path/to/transfer-lab/.venv/bin/python'
 */
export function venvPython(): string {
  const rel = process.platform === 'win32' ? path.join('.venv', 'Scripts', 'python.exe') : path.join('.venv', 'bin', 'python');
  return path.join(projectRoot(), rel);
}

function peerEnv(overrides: Record<string, string | null>): NodeJS.ProcessEnv {
  // The user cache as the library resolves it (src/paths.ts), so a peer finds what set-up
  // unpacked there (the Lite0 reference code) without a second copy of the rule in Python.
  const env: NodeJS.ProcessEnv = { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2', [CACHE_ENV]: userCacheDir() };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === null) delete env[k];
    else env[k] = v;
  }
  return env;
}

function tail(text: string, lines = 6): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/**
 * Run one peer configuration and parse the JSON line it prints. Never throws for a
 * peer that cannot run: the result says `available: false` with the reason.
 *
 * @param spec which peer; see {@link DEFAULT_PEERS}
 * @param config sizes, the same as the tfjs side's
 * @param args python, script and timeout; see {@link RunPeerArgs}
 * @example
 * const r = await runPeer(DEFAULT_PEERS[0], { batch: 64, trainSteps: 4, inferSteps: 8, repeats: 2, warmupSteps: 1, seed: 42 });
 * console.log(r.train_sps);
 */
export async function runPeer(spec: PeerSpec, config: PeerConfig, args: RunPeerArgs = {}): Promise<PeerResult> {
  const python = args.python ?? venvPython();
  const script = args.script ?? path.join(projectRoot(), 'bench', 'keras_bench.py');
  const base = { name: spec.name, framework: spec.framework, onednn: spec.onednn, train_sps: null, infer_sps: null };
  const t0 = Date.now();
  const wall = () => (Date.now() - t0) / 1000;
  if (!fs.existsSync(python)) {
    return { ...base, available: false, failed: true, wall_s: 0, reason: `no Python at ${python}: run 'npm run setup' to create .venv` };
  }
  const argv = [
    script,
    '--framework',
    spec.framework,
    '--batch',
    String(config.batch),
    '--train-steps',
    String(config.trainSteps),
    '--infer-steps',
    String(config.inferSteps),
    '--repeats',
    String(config.repeats),
    '--warmup-steps',
    String(config.warmupSteps),
    '--seed',
    String(config.seed),
    '--model',
    config.model ?? 'reference',
    ...(config.model === 'lite0' ? ['--image-size', String(config.imageSize ?? 96)] : []),
    ...(config.model === 'text' ? ['--text-length', String(config.textLength ?? 64)] : []),
  ];
  const { code, signal, stdout, stderr, error } = await new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    error?: Error;
  }>((resolve) => {
    const child = spawn(python, argv, { env: peerEnv(spec.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), (args.timeoutS ?? 600) * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout: out, stderr: err, error: e });
    });
    child.on('close', (c, s) => {
      clearTimeout(timer);
      resolve({ code: c, signal: s, stdout: out, stderr: err });
    });
  });
  const failed = (reason: string): PeerResult => ({ ...base, available: false, failed: true, wall_s: wall(), reason });
  if (error) return failed(`could not start ${python}: ${error.message}`);
  if (code !== 0) {
    const how = signal ? `was killed (${signal}${signal === 'SIGKILL' ? ', timeout?' : ''})` : `exited with code ${code}`;
    return failed(`${path.basename(script)} ${how}: ${tail(stderr) || '(no output)'}`);
  }
  const last = stdout.trim().split('\n').pop() ?? '';
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(last) as Record<string, unknown>;
  } catch {
    return failed(`${path.basename(script)} printed no JSON line; stdout ended with: ${tail(stdout, 2) || '(nothing)'}`);
  }
  if (parsed.available !== true) {
    return { ...base, available: false, wall_s: wall(), reason: String(parsed.reason ?? 'not available') };
  }
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null);
  const train = num(parsed.train_sps);
  const infer = num(parsed.infer_sps);
  if (train === null || infer === null) return failed(`peer reported no usable throughput: ${last.slice(0, 200)}`);
  return {
    ...base,
    available: true,
    train_sps: train,
    infer_sps: infer,
    train_times_s: parsed.train_times_s as number[],
    infer_times_s: parsed.infer_times_s as number[],
    versions: parsed.versions as Record<string, string>,
    threads: parsed.threads as Record<string, number>,
    params: parsed.params as number,
    wall_s: wall(),
  };
}
