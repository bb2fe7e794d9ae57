/**
 * Splits and sampling: class subsets with relabelling, stratified train/validation/test
 * splits, k-shot-per-class samples and plain subsets. All are seeded where random.
 *
 * The choices are index functions over labels (`kShotIndices`, `stratifiedSplitIndices`,
 * `classSelection`): they read only `labels`, `count` and `classNames`, so every data kind
 * (images, texts, ...) picks the same examples for the same seed and copies them with
 * its own subset. The image versions (`kShot`, `stratifiedSplit`, ...) return new
 * ImageDatasets holding copies of just the chosen images' bytes.
 */
import { ImageDataset, imageSize, checkDataset } from './dataset';
import { Random, SeedLike, rng, permutation } from '../random';

/** What the index functions read of a data set: labels and class names (any data kind). */
export interface LabelledSet {
  /** A short name, for errors. */
  name: string;
  /** Class index per example, 0..classNames.length-1. */
  labels: Uint8Array;
  count: number;
  classNames: string[];
}

/**
 * Throw a clear error unless `ds` has consistent labels (an ImageDataset is checked whole).
 *
 * @example
 * checkLabelled(texts, 'kShotIndices');
 */
export function checkLabelled(ds: LabelledSet, where: string): void {
  if (ds && typeof ds === 'object' && 'images' in ds) return checkDataset(ds as ImageDataset, where); // checkDataset checks every field
  if (
    !ds ||
    typeof ds !== 'object' ||
    !(ds.labels instanceof Uint8Array) ||
    !Array.isArray(ds.classNames) ||
    !Number.isInteger(ds.count) ||
    ds.count < 0 ||
    ds.labels.length < ds.count
  ) {
    throw new Error(
      `${where}: expected a labelled data set {labels: Uint8Array, count, classNames}, got ${ds === null ? 'null' : typeof ds}. Fix: pass a data set from a loader.`,
    );
  }
  const k = ds.classNames.length;
  for (let i = 0; i < ds.count; i++) {
    if (ds.labels[i] >= k)
      throw new Error(`${where}: example ${i} of '${ds.name}' has label ${ds.labels[i]} but there are only ${k} class names. Fix: use labels 0..${k - 1}.`);
  }
}

/**
 * How many examples each class has.
 *
 * @returns counts indexed by label
 * @example
 * classCounts(loadFashionMnist('test')); // [1000, 1000, ..., 1000]
 */
export function classCounts(ds: LabelledSet): number[] {
  checkLabelled(ds, 'classCounts');
  const counts = new Array<number>(ds.classNames.length).fill(0);
  for (let i = 0; i < ds.count; i++) counts[ds.labels[i]]++;
  return counts;
}

/**
 * The indices of each class's examples, in data set order.
 *
 * @example
 * indicesByClass(ds)[3]; // every index whose label is 3
 */
export function indicesByClass(ds: LabelledSet): number[][] {
  checkLabelled(ds, 'indicesByClass');
  const out: number[][] = ds.classNames.map(() => []);
  for (let i = 0; i < ds.count; i++) out[ds.labels[i]].push(i);
  return out;
}

/**
 * A new data set with the chosen images (bytes copied), in the order given.
 *
 * @param indices image indices into `ds` (repeats allowed)
 * @param name the new data set's name; default `<ds.name>[subset]`
 * @throws Error naming the first index out of range
 * @example
 * const first100 = subset(ds, [...Array(100).keys()]);
 */
export function subset(ds: ImageDataset, indices: ArrayLike<number>, name = `${ds?.name}[subset]`): ImageDataset {
  checkDataset(ds, 'subset');
  const size = imageSize(ds);
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    if (!Number.isInteger(i) || i < 0 || i >= ds.count) {
      throw new Error(`subset of ${ds.name}: index ${i} (position ${j}) is not an image index 0..${ds.count - 1}. Fix: pass indices within the data set.`);
    }
    images.set(ds.images.subarray(i * size, (i + 1) * size), j * size);
    labels[j] = ds.labels[i];
  }
  return {
    name,
    images,
    labels,
    count: indices.length,
    height: ds.height,
    width: ds.width,
    channels: ds.channels,
    classNames: ds.classNames.slice(),
    source: ds.source,
  };
}

/**
 * One data set holding the images of several, in order (bytes copied): e.g. a source
 * domain's labelled images joined to a target's k-shot sample. They must agree in image
 * shape and class names.
 *
 * @throws Error naming the first part whose shape or classes differ
 * @example
 * const both = concatImages([kShot(a, 5, 0), kShot(b, 5, 0)], 'a+b');
 */
export function concatImages(parts: ImageDataset[], name: string): ImageDataset {
  if (!Array.isArray(parts) || parts.length === 0) throw new Error('concatImages: no data sets given. Fix: pass at least one ImageDataset.');
  parts.forEach((p) => checkDataset(p, 'concatImages'));
  const first = parts[0];
  for (const p of parts.slice(1)) {
    if (p.height !== first.height || p.width !== first.width || p.channels !== first.channels)
      throw new Error(
        `concatImages: '${p.name}' has ${p.height}x${p.width}x${p.channels} images, '${first.name}' ${first.height}x${first.width}x${first.channels}. Fix: join sets of one image shape.`,
      );
    if (p.classNames.join('\n') !== first.classNames.join('\n'))
      throw new Error(
        `concatImages: '${p.name}' has classes ${p.classNames.join(', ')}, '${first.name}' ${first.classNames.join(', ')}. Fix: join sets of the same classes.`,
      );
  }
  const size = imageSize(first);
  const count = parts.reduce((n, p) => n + p.count, 0);
  const images = new Uint8Array(count * size);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const p of parts) {
    images.set(p.images.subarray(0, p.count * size), at * size);
    labels.set(p.labels.subarray(0, p.count), at);
    at += p.count;
  }
  return {
    name,
    images,
    labels,
    count,
    height: first.height,
    width: first.width,
    channels: first.channels,
    classNames: first.classNames.slice(),
    source: first.source,
  };
}

/** The examples of some classes and their new labels (see {@link classSelection}). */
export interface ClassSelection {
  /** Indices of the kept examples, in data set order. */
  indices: number[];
  /** The new label of each kept example (0..classes.length-1). */
  labels: Uint8Array;
  /** The kept classes' names, in the order asked for. */
  classNames: string[];
  /** The class indices asked for. */
  ids: number[];
}

/**
 * Which examples keeping some classes leaves, relabelled 0..k-1 in the order given.
 *
 * @param classes class indices (or class names) to keep
 * @throws Error naming an unknown or repeated class
 * @example
 * classSelection(ds, [5, 6]).classNames; // [ds.classNames[5], ds.classNames[6]]
 */
export function classSelection(ds: LabelledSet, classes: readonly (number | string)[]): ClassSelection {
  if (classes.length === 0)
    throw new Error(`selectClasses on ${ds.name}: no classes given. Fix: pass at least one class index 0..${ds.classNames.length - 1}.`);
  const ids = classes.map((c) => {
    const id = typeof c === 'string' ? ds.classNames.indexOf(c) : c;
    if (!Number.isInteger(id) || id < 0 || id >= ds.classNames.length) {
      throw new Error(
        `selectClasses on ${ds.name}: '${c}' is not a class. Fix: use an index 0..${ds.classNames.length - 1} or one of ${ds.classNames.join(', ')}.`,
      );
    }
    return id;
  });
  const newLabel = new Int16Array(ds.classNames.length).fill(-1);
  ids.forEach((id, j) => {
    if (newLabel[id] !== -1) throw new Error(`selectClasses on ${ds.name}: class ${id} ('${ds.classNames[id]}') is listed twice. Fix: list each class once.`);
    newLabel[id] = j;
  });
  const indices: number[] = [];
  for (let i = 0; i < ds.count; i++) if (newLabel[ds.labels[i]] >= 0) indices.push(i);
  return { indices, labels: Uint8Array.from(indices, (i) => newLabel[ds.labels[i]]), classNames: ids.map((id) => ds.classNames[id]), ids };
}

/**
 * Keep only some classes and relabel them 0..k-1 in the order given, carrying their names.
 *
 * @param classes class indices (or class names) of `ds` to keep, e.g. `[5, 6, 7, 8, 9]`
 * @returns a new data set whose label j means `classes[j]`
 * @throws Error naming an unknown or repeated class
 * @example
 * const taskB = selectClasses(loadFashionMnist('train'), [5, 6, 7, 8, 9]);
 * taskB.classNames; // ['Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']
 */
export function selectClasses(ds: ImageDataset, classes: readonly (number | string)[], name?: string): ImageDataset {
  const sel = classSelection(ds, classes);
  const out = subset(ds, sel.indices, name ?? `${ds.name}[${sel.ids.join(',')}]`);
  out.labels = sel.labels;
  out.classNames = sel.classNames;
  return out;
}

/** Options for {@link stratifiedSplit}. */
export interface SplitOptions {
  /** Fraction of each class for validation, in [0, 1). Default 0.1. */
  validation?: number;
  /** Fraction of each class for test, in [0, 1). Default 0 (keep the data set's own test split). */
  test?: number;
  /** Seed for the per-class shuffles. Default 0. */
  seed?: SeedLike;
}

/** The three parts of a split; `test` is empty when no test fraction was asked for. */
export interface Splits {
  train: ImageDataset;
  validation: ImageDataset;
  test: ImageDataset;
}

/** The indices of the three parts of a split (each in data set order). */
export interface SplitIndices {
  train: number[];
  validation: number[];
  test: number[];
}

/**
 * The indices of a stratified train/validation/test split: each class is shuffled
 * (seeded) and cut by rounding its count times each fraction; each part is sorted.
 *
 * @example
 * stratifiedSplitIndices(texts, { validation: 0.1, test: 0.3, seed: 0 }).test.length;
 */
export function stratifiedSplitIndices(ds: LabelledSet, opts: SplitOptions = {}): SplitIndices {
  const v = opts.validation ?? 0.1;
  const t = opts.test ?? 0;
  for (const [k, f] of [
    ['validation', v],
    ['test', t],
  ] as const) {
    if (!(f >= 0 && f < 1)) throw new Error(`stratifiedSplit of ${ds?.name}: ${k} fraction ${f} is not in [0, 1). Fix: pass e.g. { ${k}: 0.1 }.`);
  }
  checkLabelled(ds, 'stratifiedSplit');
  if (ds.count === 0)
    throw new Error(`stratifiedSplit of ${ds.name}: the data set is empty. Fix: split a data set that has images (check the filter or folder it came from).`);
  if (v + t >= 1) throw new Error(`stratifiedSplit of ${ds.name}: validation ${v} + test ${t} leaves no training data. Fix: make their sum below 1.`);
  const r = rng(opts.seed ?? 0);
  const parts: number[][] = [[], [], []];
  for (const idx of indicesByClass(ds)) {
    r.shuffleInPlace(idx);
    const nt = Math.round(idx.length * t);
    const nv = Math.round(idx.length * v);
    parts[2].push(...idx.slice(0, nt));
    parts[1].push(...idx.slice(nt, nt + nv));
    parts[0].push(...idx.slice(nt + nv));
  }
  const [train, validation, test] = parts.map((p) => p.sort((a, b) => a - b));
  return { train, validation, test };
}

/**
 * Split into train/validation/test with the same class proportions in each part.
 * Each class is shuffled (seeded) and cut by rounding its count times each fraction;
 * each part keeps the original image order.
 *
 * @example
 * const { train, validation } = stratifiedSplit(loadFashionMnist('train'), { validation: 0.1, seed: 1 });
 * validation.count; // 6000, 600 per class
 */
export function stratifiedSplit(ds: ImageDataset, opts: SplitOptions = {}): Splits {
  const s = stratifiedSplitIndices(ds, opts);
  return {
    train: subset(ds, s.train, `${ds.name}/train`),
    validation: subset(ds, s.validation, `${ds.name}/validation`),
    test: subset(ds, s.test, `${ds.name}/test`),
  };
}

/**
 * The indices of a k-shot sample: k examples per class, chosen without replacement (seeded),
 * grouped by class.
 *
 * @throws Error naming the class that has fewer than k images
 * @example
 * kShotIndices(ds, 5, 42).length; // 5 * number of classes
 */
export function kShotIndices(ds: LabelledSet, k: number, seed: SeedLike): number[] {
  if (!Number.isInteger(k) || k < 1) throw new Error(`kShot of ${ds.name}: k = ${k} is not a positive integer. Fix: pass e.g. k = 5.`);
  const r: Random = rng(seed);
  const out: number[] = [];
  indicesByClass(ds).forEach((idx, c) => {
    if (idx.length < k) {
      throw new Error(
        `kShot of ${ds.name}: class ${c} ('${ds.classNames[c]}') has only ${idx.length} ${'images' in ds ? 'image' : 'example'}(s), fewer than k = ${k}. Fix: use k <= ${idx.length}, or drop the class with selectClasses.`,
      );
    }
    // Partial Fisher-Yates over this class's indices.
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(r.next() * (idx.length - i));
      const tmp = idx[i];
      idx[i] = idx[j];
      idx[j] = tmp;
    }
    out.push(...idx.slice(0, k).sort((a, b) => a - b));
  });
  return out;
}

/**
 * A k-shot data set: k images per class, chosen without replacement (seeded). Same seed,
 * same images; images are grouped by class.
 *
 * @param k images per class
 * @param seed a seed or generator
 * @throws Error naming the class that has fewer than k images
 * @example
 * const fiveShot = kShot(selectClasses(train, [5, 6, 7, 8, 9]), 5, 42); // 25 images
 */
export function kShot(ds: ImageDataset, k: number, seed: SeedLike): ImageDataset {
  return subset(ds, kShotIndices(ds, k, seed), `${ds.name}[${k}-shot]`);
}

/**
 * The indices of a stratified sample of about `total` examples (the same number per class,
 * as many as the smallest class allows), in seeded random order.
 *
 * @param noun what an example is called in errors ('images', 'texts')
 * @throws Error when `total` is below one per class
 * @example
 * stratifiedSampleIndices(digits, 1000, 0).length; // 1000: 100 per class, shuffled
 */
export function stratifiedSampleIndices(ds: LabelledSet, total: number, seed: number, noun = 'images'): number[] {
  const k = ds.classNames.length;
  const counts = classCounts(ds);
  const per = Math.min(Math.floor(total / k), ...counts);
  if (per < 1)
    throw new Error(
      `stratifiedSample of ${ds.name}: cannot take ${total} ${noun} over ${k} classes (smallest class: ${Math.min(...counts)}). Fix: ask for at least ${k} ${noun}.`,
    );
  const idx = kShotIndices(ds, per, seed);
  const order = permutation(idx.length, seed + 1);
  return Array.from(order, (j) => idx[j]);
}
