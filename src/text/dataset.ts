/**
 * Labelled texts, and the same splits and k-shot sampling as for images. The sampling is
 * not re-implemented: each text is stood in for by a 4-byte "image" holding its index,
 * the image functions (`stratifiedSplit`, `kShot`, `selectClasses`, `subset`) pick among
 * those, and the chosen indices are read back. Same seed, same choice, for images and texts.
 */
import { ImageDataset } from '../data/dataset';
import { subset, selectClasses, stratifiedSplit, kShot, classCounts, SplitOptions } from '../data/split';
import { SeedLike } from '../random';

/** A labelled set of texts. */
export interface TextDataset {
  /** A short name, e.g. `fortunes`. */
  name: string;
  texts: string[];
  /** Class index per text, 0..classNames.length-1. */
  labels: Uint8Array;
  count: number;
  /** Class names, indexed by label. */
  classNames: string[];
  /** Where the texts came from (a path or package), for reports. */
  source: string;
}

/**
 * Make a TextDataset from texts and labels, checking that they agree.
 *
 * @throws Error naming the first bad label or a length mismatch
 * @example
 * const ds = textDataset('toy', ['good', 'bad'], [1, 0], ['neg', 'pos']);
 */
export function textDataset(name: string, texts: string[], labels: ArrayLike<number>, classNames: string[], source = 'memory'): TextDataset {
  if (texts.length !== labels.length) throw new Error(`text data set '${name}': ${texts.length} texts but ${labels.length} labels. Fix: pass one label per text.`);
  if (classNames.length < 1 || classNames.length > 256) throw new Error(`text data set '${name}': ${classNames.length} class names; 1 to 256 are supported.`);
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0 || l >= classNames.length) throw new Error(`text data set '${name}': label ${l} of text ${i} is not a class index 0..${classNames.length - 1}.`);
    if (typeof texts[i] !== 'string') throw new Error(`text data set '${name}': text ${i} is not a string.`);
    out[i] = l;
  }
  return { name, texts: texts.slice(), labels: out, count: texts.length, classNames: classNames.slice(), source };
}

/** The stand-in image set: text i is a 1x4x1 "image" whose bytes are i (little-endian). */
function asIndexImages(ds: TextDataset): ImageDataset {
  const images = new Uint8Array(ds.count * 4);
  const view = new DataView(images.buffer);
  for (let i = 0; i < ds.count; i++) view.setUint32(i * 4, i, true);
  return { name: ds.name, images, labels: ds.labels, count: ds.count, height: 1, width: 4, channels: 1, classNames: ds.classNames, source: ds.source };
}

/** Read the chosen texts back from a stand-in image set (labels and class names come from it). */
function fromIndexImages(view: ImageDataset, ds: TextDataset): TextDataset {
  const dv = new DataView(view.images.buffer, view.images.byteOffset, view.images.byteLength);
  const texts = new Array<string>(view.count);
  for (let j = 0; j < view.count; j++) texts[j] = ds.texts[dv.getUint32(j * 4, true)];
  return { name: view.name, texts, labels: view.labels.slice(), count: view.count, classNames: view.classNames.slice(), source: ds.source };
}

/**
 * Texts per class.
 *
 * @example
 * textClassCounts(loadFortunes()); // [1050, 198, ...]
 */
export function textClassCounts(ds: TextDataset): number[] {
  return classCounts(asIndexImages(ds));
}

/**
 * The chosen texts, in the order given (as `subset` for images).
 *
 * @example
 * const first10 = textSubset(ds, [...Array(10).keys()]);
 */
export function textSubset(ds: TextDataset, indices: ArrayLike<number>, name = `${ds.name}[subset]`): TextDataset {
  return fromIndexImages(subset(asIndexImages(ds), indices, name), ds);
}

/**
 * Keep some classes, relabelled 0..k-1 in the order given (as `selectClasses` for images).
 *
 * @example
 * const two = textSelectClasses(loadFortunes(), ['love', 'sports']);
 */
export function textSelectClasses(ds: TextDataset, classes: readonly (number | string)[], name?: string): TextDataset {
  return fromIndexImages(selectClasses(asIndexImages(ds), classes, name), ds);
}

/**
 * Stratified train/validation/test split (as `stratifiedSplit` for images: same fractions
 * per class, seeded, each part in data set order).
 *
 * @example
 * const { train, validation, test } = textStratifiedSplit(loadFortunes(), { validation: 0.1, test: 0.3, seed: 0 });
 */
export function textStratifiedSplit(ds: TextDataset, opts: SplitOptions = {}): { train: TextDataset; validation: TextDataset; test: TextDataset } {
  const s = stratifiedSplit(asIndexImages(ds), opts);
  return { train: fromIndexImages(s.train, ds), validation: fromIndexImages(s.validation, ds), test: fromIndexImages(s.test, ds) };
}

/**
 * k texts per class, chosen without replacement (seeded; as `kShot` for images).
 *
 * @throws Error naming a class with fewer than k texts
 * @example
 * const fiveShot = textKShot(pool, 5, 42);
 */
export function textKShot(ds: TextDataset, k: number, seed: SeedLike): TextDataset {
  return fromIndexImages(kShot(asIndexImages(ds), k, seed), ds);
}
