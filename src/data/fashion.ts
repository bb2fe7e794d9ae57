/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): 70,000 28x28 grayscale images of 10
 * clothing classes, 60,000 for training and 10,000 for testing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ImageDataset } from './dataset';
import { readIdx } from './idx';
import { userCacheDir } from '../paths';

/** Fashion-MNIST's class names, indexed by label. */
export const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** The environment variable naming a folder with the four Fashion-MNIST IDX files. */
export const FASHION_ENV = 'TRANSFER_LAB_FASHION_MNIST';

/** The Debian package `dataset-fashion-mnist` installs the files here. */
export const FASHION_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

/** File names, with the SHA-256 of their *decompressed* bytes (stable across re-gzipping). */
export const FASHION_FILES = {
  trainImages: { file: 'train-images-idx3-ubyte.gz', sha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888', bytes: 47040016 },
  trainLabels: { file: 'train-labels-idx1-ubyte.gz', sha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9', bytes: 60008 },
  testImages: { file: 't10k-images-idx3-ubyte.gz', sha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b', bytes: 7840016 },
  testLabels: { file: 't10k-labels-idx1-ubyte.gz', sha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34', bytes: 10008 },
} as const;

/** The user cache folder for downloaded data sets and models (see userCacheDir). */
export function cacheDir(): string {
  return userCacheDir(); // $TRANSFER_LAB_CACHE, else ~/.cache/transfer-lab (src/paths.ts)
}

/** Options for {@link loadFashionMnist}. */
export interface FashionOptions {
  /** A folder holding the four `*-ubyte.gz` files; searched first. Default: none. */
  dir?: string;
  /** Look only in `dir` (no environment variable, cache or Debian path). Default false. */
  onlyDir?: boolean;
}

/**
 * Find the folder with Fashion-MNIST, searching in order: `opts.dir`, the
 * `TRANSFER_LAB_FASHION_MNIST` environment variable, `~/.cache/transfer-lab/fashion-mnist`,
 * and the Debian package path. Returns null when none has all four files.
 *
 * @example
 * const dir = locateFashionMnist(); // '/usr/share/datasets/fashion-mnist'
 */
export function locateFashionMnist(opts: FashionOptions = {}): string | null {
  for (const dir of fashionSearchPath(opts)) {
    if (Object.values(FASHION_FILES).every((f) => fs.existsSync(path.join(dir, f.file)))) return dir;
  }
  return null;
}

/** The folders {@link locateFashionMnist} searches, in order. */
export function fashionSearchPath(opts: FashionOptions = {}): string[] {
  const dirs: string[] = [];
  if (opts.dir) dirs.push(opts.dir);
  if (opts.onlyDir) return dirs;
  if (process.env[FASHION_ENV]) dirs.push(process.env[FASHION_ENV] as string);
  dirs.push(path.join(cacheDir(), 'fashion-mnist'), FASHION_DEBIAN_DIR);
  return dirs;
}

/**
 * Load a Fashion-MNIST split as bytes (28x28x1, labels 0-9).
 *
 * @param split `train` (60,000 images) or `test` (10,000)
 * @throws Error naming the folders searched and how to get the data, when it is missing
 * @example
 * const test = loadFashionMnist('test');
 * test.count; // 10000
 */
export function loadFashionMnist(split: 'train' | 'test', opts: FashionOptions = {}): ImageDataset {
  if (split !== 'train' && split !== 'test') throw new Error(`Fashion-MNIST split '${String(split)}' does not exist: use 'train' or 'test'.`);
  const dir = locateFashionMnist(opts);
  if (!dir) {
    throw new Error(
      `Fashion-MNIST not found; looked in: ${fashionSearchPath(opts).join(', ')}. ` +
        `Fix: run 'npx transfer-lab datasets --fetch fashion-mnist' (online), or 'apt-get install dataset-fashion-mnist' (Debian), ` +
        `or set ${FASHION_ENV} to a folder with the four *-ubyte.gz files.`,
    );
  }
  const f = split === 'train' ? [FASHION_FILES.trainImages, FASHION_FILES.trainLabels] : [FASHION_FILES.testImages, FASHION_FILES.testLabels];
  const n = split === 'train' ? 60000 : 10000;
  const images = readIdx(path.join(dir, f[0].file), { rank: 3, shape: [n, 28, 28] });
  const labels = readIdx(path.join(dir, f[1].file), { rank: 1, shape: [n] });
  for (let i = 0; i < n; i++) {
    if (labels.data[i] > 9)
      throw new Error(
        `${path.join(dir, f[1].file)}: label ${labels.data[i]} at index ${i} is not a Fashion-MNIST class (0-9). Fix: the file is corrupt; fetch it again.`,
      );
  }
  return {
    name: `fashion-mnist/${split}`,
    images: images.data,
    labels: labels.data,
    count: n,
    height: 28,
    width: 28,
    channels: 1,
    classNames: FASHION_CLASSES.slice(),
    source: dir,
  };
}
