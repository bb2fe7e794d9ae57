/**
 * The TensorFlow backend: native TensorFlow through tfjs-node, or, only when the
 * user opts in, the pure-JS `cpu` backend (labelled on every run).
 *
 * Every module of the library takes `tf` from here, never from
 * `@tensorflow/tfjs-node` directly, so that the choice and the runtime settings
 * (set before TensorFlow loads) are made in one place.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fastKernels, installFastKernels } from './fast-kernels';
import { nodeBackendOf } from './internals/tfjs';

type Tf = typeof import('@tensorflow/tfjs-node');

/** The environment variable that opts into the slow pure-JS backend. */
export const BACKEND_ENV = 'TRANSFER_LAB_BACKEND';

/** What was loaded, and from where. */
export interface BackendInfo {
  /** `tensorflow` (native) or `cpu` (pure-JS fallback, opted into). */
  backend: string;
  /** True when running on native TensorFlow. */
  native: boolean;
  /** A label to print beside every result: empty for native, a warning otherwise. */
  label: string;
  /** TensorFlow C library version (native only), e.g. `2.21.0`. */
  tfVersion: string | null;
  /** tfjs package versions. */
  tfjsVersion: string;
  /** Where libtensorflow came from: `wheel`, `download`, or null when unknown. */
  libtensorflowSource: string | null;
  /** Path of libtensorflow, as recorded by set-up. */
  libtensorflowPath: string | null;
  /** The library's native fast paths in use (see `fast-kernels`); empty when off. */
  fastKernels: string[];
}

/** Thrown when the native backend cannot be loaded and the user has not opted into `cpu`. */
export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendError';
  }
}

function setRuntimeDefaults(): void {
  // Quiet TensorFlow's C++ logging unless the user asked for it.
  if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '2';
  // oneDNN kernels (TensorFlow reads this once, when it loads): the compiled training step
  // runs ~20% faster with them on this kind of CPU (AVX2, no AVX-512), where TensorFlow
  // leaves them off by default. TF_ENABLE_ONEDNN_OPTS=0 turns them off.
  if (process.env.TF_ENABLE_ONEDNN_OPTS === undefined) process.env.TF_ENABLE_ONEDNN_OPTS = '1';
}

function loadNative(): Tf {
  try {
    const tf: Tf = require('@tensorflow/tfjs-node');
    if (tf.getBackend() !== 'tensorflow') {
      throw new Error(`tfjs-node loaded but the active backend is '${tf.getBackend()}'`);
    }
    installFastKernels(tf);
    return tf;
  } catch (err) {
    const cause = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new BackendError(
      `The native TensorFlow backend (tfjs-node) could not be loaded: ${cause}.\n` +
        `Fix: run 'npm run setup' in the transfer-lab folder; it builds the tfjs-node addon ` +
        `against libtensorflow (downloaded, or from the PyPI tensorflow-cpu wheel in .venv). ` +
        `'npx transfer-lab doctor' shows what is missing.\n` +
        `To run anyway on the pure-JS backend (about 1000x slower to train), set ${BACKEND_ENV}=cpu.`,
    );
  }
}

function loadCpu(): Tf {
  // The pure-JS packages come with tfjs-node; their API is the same minus node-only io.

  const tf = require('@tensorflow/tfjs') as Tf;
  // The cpu backend initialises synchronously; select it explicitly (webgl cannot run in Node).
  void tf.setBackend('cpu');
  if (tf.getBackend() !== 'cpu') throw new BackendError(`${BACKEND_ENV}=cpu was asked for but the pure-JS cpu backend did not start.`);
  process.stderr.write(
    `[transfer-lab] WARNING: ${BACKEND_ENV}=cpu: running on the pure-JS backend, ` +
      `about 1000x slower than native TensorFlow. Results are labelled 'cpu (pure-JS fallback)'.\n`,
  );
  return tf;
}

function load(): Tf {
  setRuntimeDefaults();
  const wanted = (process.env[BACKEND_ENV] ?? 'tensorflow').toLowerCase();
  if (wanted === 'cpu') return loadCpu();
  if (wanted !== 'tensorflow' && wanted !== 'native') {
    throw new BackendError(`${BACKEND_ENV}='${wanted}' is not a backend: use 'tensorflow' (default) or 'cpu'.`);
  }
  return loadNative();
}

/**
 * The tfjs namespace the library uses (native TensorFlow unless opted out).
 *
 * @example
 * import { tf } from 'transfer-lab';
 * const x = tf.ones([2, 2]);
 */
export const tf: Tf = load();

function readSetupStamp(): { source?: string; libtensorflow?: string } {
  try {
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-node/package.json'));
    return JSON.parse(fs.readFileSync(path.join(dir, 'deps', 'transfer-lab-source.json'), 'utf8'));
  } catch {
    return {};
  }
}

/**
 * Describe the active backend: name, versions and where libtensorflow came from.
 *
 * @returns a plain object; `native` is false only when the user opted into `cpu`.
 * @example
 * import { backendInfo } from 'transfer-lab';
 * console.log(backendInfo().backend); // 'tensorflow'
 */
export function backendInfo(): BackendInfo {
  const backend = tf.getBackend();
  const native = backend === 'tensorflow';
  let tfVersion: string | null = null;
  if (native) {
    const version = nodeBackendOf(tf).binding?.TF_Version;
    tfVersion = typeof version === 'string' ? version : null;
  }
  const stamp = readSetupStamp();
  return {
    backend,
    native,
    label: native ? '' : 'cpu (pure-JS fallback)',
    tfVersion,
    tfjsVersion: (tf.version as Record<string, string>)['tfjs-core'] ?? 'unknown',
    libtensorflowSource: native ? (stamp.source ?? 'download') : null,
    libtensorflowPath: native ? (stamp.libtensorflow ?? null) : null,
    fastKernels: fastKernels(),
  };
}
