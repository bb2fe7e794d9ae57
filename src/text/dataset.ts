/**
 * Labelled texts, and the same splits and k-shot sampling as for images: the choices are
 * the shared index functions over labels (`stratifiedSplitIndices`, `kShotIndices`,
 * `classSelection` in src/data/split.ts), and {@link textSubset} copies the chosen texts.
 * Same seed, same choice, for images and texts.
 */
import { LabelledSet, SplitOptions, classCounts, classSelection, kShotIndices, stratifiedSplitIndices } from '../data/split';
import { SeedLike } from '../random';

/** A labelled set of texts. */
export interface TextDataset extends LabelledSet {
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
  if (texts.length !== labels.length)
    throw new Error(`text data set '${name}': ${texts.length} texts but ${labels.length} labels. Fix: pass one label per text.`);
  if (classNames.length < 1 || classNames.length > 256) throw new Error(`text data set '${name}': ${classNames.length} class names; 1 to 256 are supported.`);
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0 || l >= classNames.length)
      throw new Error(`text data set '${name}': label ${l} of text ${i} is not a class index 0..${classNames.length - 1}.`);
    if (typeof texts[i] !== 'string') throw new Error(`text data set '${name}': text ${i} is not a string.`);
    out[i] = l;
  }
  return { name, texts: texts.slice(), labels: out, count: texts.length, classNames: classNames.slice(), source };
}

/**
 * Texts per class.
 *
 * @example
 * textClassCounts(loadFortunes()); // [1050, 198, ...]
 */
export function textClassCounts(ds: TextDataset): number[] {
  return classCounts(ds);
}

/**
 * The chosen texts, in the order given (as `subset` for images).
 *
 * @throws Error naming the first index out of range
 * @example
 * const first10 = textSubset(ds, [...Array(10).keys()]);
 */
export function textSubset(ds: TextDataset, indices: ArrayLike<number>, name = `${ds?.name}[subset]`): TextDataset {
  const texts = new Array<string>(indices.length);
  const labels = new Uint8Array(indices.length);
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    if (!Number.isInteger(i) || i < 0 || i >= ds.count) {
      throw new Error(`subset of ${ds.name}: index ${i} (position ${j}) is not a text index 0..${ds.count - 1}. Fix: pass indices within the data set.`);
    }
    texts[j] = ds.texts[i];
    labels[j] = ds.labels[i];
  }
  return { name, texts, labels, count: indices.length, classNames: ds.classNames.slice(), source: ds.source };
}

/**
 * One data set holding the texts of several, in order (as `concatImages` for images): e.g.
 * a source domain's labelled texts joined to a target's k-shot sample. They must have the
 * same class names.
 *
 * @throws Error naming the first part whose classes differ
 * @example
 * const both = textConcat([textKShot(movies, 256, 0), textKShot(amazon, 16, 0)], 'movies+amazon');
 */
export function textConcat(parts: TextDataset[], name: string): TextDataset {
  if (!Array.isArray(parts) || parts.length === 0 || parts.some((p) => !p || !Array.isArray(p.texts)))
    throw new Error('textConcat: expected a non-empty list of TextDatasets. Fix: pass e.g. [textKShot(a, 16, 0), textKShot(b, 16, 0)].');
  const first = parts[0];
  for (const p of parts.slice(1))
    if (p.classNames.join('\n') !== first.classNames.join('\n'))
      throw new Error(
        `textConcat: '${p.name}' has classes ${p.classNames.join(', ')}, '${first.name}' ${first.classNames.join(', ')}. Fix: join sets of the same classes.`,
      );
  const texts = parts.flatMap((p) => p.texts.slice(0, p.count));
  const labels = new Uint8Array(texts.length);
  let at = 0;
  for (const p of parts) {
    labels.set(p.labels.subarray(0, p.count), at);
    at += p.count;
  }
  return { name, texts, labels, count: texts.length, classNames: first.classNames.slice(), source: [...new Set(parts.map((p) => p.source))].join(' + ') };
}

/**
 * Keep some classes, relabelled 0..k-1 in the order given (as `selectClasses` for images).
 *
 * @example
 * const two = textSelectClasses(loadFortunes(), ['love', 'sports']);
 */
export function textSelectClasses(ds: TextDataset, classes: readonly (number | string)[], name?: string): TextDataset {
  const sel = classSelection(ds, classes);
  return { ...textSubset(ds, sel.indices, name ?? `${ds.name}[${sel.ids.join(',')}]`), labels: sel.labels, classNames: sel.classNames };
}

/**
 * Stratified train/validation/test split (as `stratifiedSplit` for images: same fractions
 * per class, seeded, each part in data set order).
 *
 * @example
 * const { train, validation, test } = textStratifiedSplit(loadFortunes(), { validation: 0.1, test: 0.3, seed: 0 });
 */
export function textStratifiedSplit(ds: TextDataset, opts: SplitOptions = {}): { train: TextDataset; validation: TextDataset; test: TextDataset } {
  const s = stratifiedSplitIndices(ds, opts);
  return {
    train: textSubset(ds, s.train, `${ds.name}/train`),
    validation: textSubset(ds, s.validation, `${ds.name}/validation`),
    test: textSubset(ds, s.test, `${ds.name}/test`),
  };
}

/**
 * k texts per class, chosen without replacement (seeded; as `kShot` for images).
 *
 * @throws Error naming a class with fewer than k texts
 * @example
 * const fiveShot = textKShot(pool, 5, 42);
 */
export function textKShot(ds: TextDataset, k: number, seed: SeedLike): TextDataset {
  return textSubset(ds, kShotIndices(ds, k, seed), `${ds.name}[${k}-shot]`);
}
