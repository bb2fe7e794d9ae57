/**
 * Experiments on the user's own data (issue 20 item 8): two task kinds of the modality seam
 * (./modality.ts), registered in ./task-kinds.ts, so `transfer-lab run my.json`, `runSweep`
 * and the reports take them like the bundled tasks.
 *
 * - `{"dataset": "image-folder", "path": "photos"}`: `photos/<class name>/<image>`; images
 *   are read at `height` x `width` (default 64 x 64, RGB) and resized again to each net's
 *   preprocessing when a run reads them (so one task serves a 28x28 grayscale CNN and a
 *   224x224 RGB ImageNet backbone alike).
 * - `{"dataset": "text-file", "path": "reviews.tsv"}`: one example per line,
 *   `label<TAB>text` (or `label,text` for a .csv file, the text optionally in double quotes);
 *   empty lines and lines starting with '#' are skipped. The backbone is a text encoder
 *   (`all-minilm-l6-v2`), as for the fortunes.
 *
 * Both are split per class into pool/validation/test (default 60/15/25 %, seeded by
 * `splitSeed`); the held-out sets are balanced samples of at most `testSize`/`validationSize`.
 * Relative paths are read from the current directory.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ImageDataset } from '../data/dataset';
import { loadImageFolder } from '../data/folder';
import { resizeImages } from '../data/resize';
import { LabelledSet, stratifiedSampleIndices, stratifiedSplitIndices, subset, classCounts } from '../data/split';
import { imageSource } from '../train/source';
import { extractFeatures } from '../transfer/features';
import { Preprocessing } from '../transfer/net';
import { TextDataset, textDataset, textSubset } from '../text/dataset';
import { textModality, FORTUNES_TASK } from '../text/task';
import { Modality, TaskData, TaskKind, TaskOptions } from './modality';
import { IMAGE_TASKS, imageModality } from './task';
import { ExperimentConfig, TaskSpecBase } from './results';

/** Fractions of each class held out, shared by both kinds. */
interface HeldOut {
  /** Fraction of each class for the validation set. Default 0.15. */
  validation?: number;
  /** Fraction of each class for the test set. Default 0.25. */
  test?: number;
}

/** A task that is a folder of images, one sub-folder per class. */
export interface ImageFolderTaskSpec extends HeldOut {
  dataset: 'image-folder';
  /** The folder (absolute, or relative to the current directory). */
  path: string;
  /** Size the images are read at. Default 64 x 64. */
  height?: number;
  width?: number;
  /** 1 (grayscale) or 3 (RGB). Default 3. */
  channels?: 1 | 3;
  /** Skip files that cannot be decoded instead of failing. Default false. */
  skipUnreadable?: boolean;
}

/** A task that is a labelled text file: `label<TAB>text` per line (`label,text` for .csv). */
export interface TextFileTaskSpec extends HeldOut {
  dataset: 'text-file';
  path: string;
  /** The separator between label and text. Default: ',' for a .csv file, else a tab. */
  delimiter?: string;
}

function splitTask<D extends LabelledSet>(
  all: D,
  cut: (ds: D, idx: ArrayLike<number>, name: string) => D,
  spec: HeldOut,
  opts: TaskOptions,
  noun: string,
  bad: (m: string) => never,
): TaskData<D> {
  if (all.classNames.length < 2)
    bad(
      `only ${all.classNames.length} class (${all.classNames.map((c) => `'${c}'`).join('')}): a classifier needs at least 2. Fix: add a class (another folder, or lines with another label).`,
    );
  const counts = classCounts(all);
  const few = counts.findIndex((c) => c < 3);
  if (few >= 0)
    bad(
      `class '${all.classNames[few]}' has ${counts[few]} ${noun}: at least 3 per class are needed (training, validation, test). Fix: add ${noun} to it, or remove the class.`,
    );
  const seed = opts.splitSeed ?? 0;
  const s = stratifiedSplitIndices(all, { validation: spec.validation ?? 0.15, test: spec.test ?? 0.25, seed });
  const pool = cut(all, s.train, `${all.name}/train`);
  const testAll = cut(all, s.test, `${all.name}/test`);
  const valAll = cut(all, s.validation, `${all.name}/validation`);
  const test = cut(testAll, stratifiedSampleIndices(testAll, Math.min(opts.testSize ?? 1000, testAll.count), seed, noun), `${all.name}/test`);
  const validation = cut(valAll, stratifiedSampleIndices(valAll, Math.min(opts.validationSize ?? 300, valAll.count), seed + 7, noun), `${all.name}/validation`);
  return {
    pool,
    validation,
    test,
    classNames: all.classNames,
    description: `${all.name}: pool ${pool.count} ${noun}, validation ${validation.count}, test ${test.count} (${all.classNames.length} classes; from ${(all as { source?: string }).source ?? all.name})`,
  };
}

// The registry hands a kind only tasks whose `dataset` it serves (task-kinds.ts), so the
// task is that kind's spec; its other fields are user JSON, checked by checkSpec and resolve.
const imageFolderSpec = (task: TaskSpecBase): ImageFolderTaskSpec => task as ImageFolderTaskSpec;
const textFileSpec = (task: TaskSpecBase): TextFileTaskSpec => task as TextFileTaskSpec;

function badTask(spec: { path?: unknown }): (m: string) => never {
  return (m) => {
    throw new Error(`task ${String(spec?.path)}: ${m}`);
  };
}

function checkSpec(spec: HeldOut & { path?: unknown }, kind: string, bad: (m: string) => never): void {
  if (typeof spec.path !== 'string' || !spec.path)
    bad(
      `a ${kind} task needs "path", got ${JSON.stringify(spec.path)}. Fix: set task.path, e.g. {"dataset": "${kind}", "path": "${kind === 'image-folder' ? 'photos' : 'reviews.tsv'}"}.`,
    );
  for (const k of ['validation', 'test'] as const) {
    const v = spec[k];
    if (v !== undefined && !(typeof v === 'number' && v > 0 && v < 0.5))
      bad(`task.${k} must be a fraction in (0, 0.5), got ${JSON.stringify(v)}. Fix: use e.g. ${k === 'test' ? 0.25 : 0.15}, or leave it out.`);
  }
}

/**
 * Load an image-folder task: the folder read at the spec's size, split per class into
 * pool/validation/test.
 *
 * @throws Error naming the folder and the fix: missing folder, one class, a class with fewer than 3 images, an unreadable image
 * @example
 * const task = loadImageFolderTask({ dataset: 'image-folder', path: 'photos' }, { testSize: 100 });
 */
export function loadImageFolderTask(spec: ImageFolderTaskSpec, opts: TaskOptions = {}): TaskData<ImageDataset> {
  const bad = badTask(spec);
  checkSpec(spec ?? ({} as ImageFolderTaskSpec), 'image-folder', bad);
  const all = loadImageFolder(path.resolve(spec.path), {
    height: spec.height ?? 64,
    width: spec.width ?? 64,
    channels: spec.channels ?? 3,
    skipUnreadable: spec.skipUnreadable,
  });
  return splitTask(all, subset, spec, opts, 'images', bad);
}

/**
 * Read a labelled text file: `label<TAB>text` per line (`label,text` for .csv; a quoted
 * text may hold the separator, `""` is a quote). Classes are the labels, sorted.
 *
 * @throws Error naming the file and line of a malformed line, or an unreadable file
 * @example
 * const ds = readLabelledTexts('reviews.tsv'); // classNames ['neg', 'pos']
 */
export function readLabelledTexts(file: string, delimiter?: string): TextDataset {
  if (typeof file !== 'string' || !file) throw new Error(`readLabelledTexts: expected a file path, got ${JSON.stringify(file)}. Fix: pass e.g. 'reviews.tsv'.`);
  const sep = delimiter ?? (/\.csv$/i.test(file) ? ',' : '\t');
  if (typeof sep !== 'string' || sep.length !== 1 || /[\r\n"]/.test(sep))
    throw new Error(`${file}: delimiter ${JSON.stringify(sep)} must be one character other than a quote or a line break. Fix: use "\\t" or ",".`);
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(
      `${file}: cannot read the text file (${(e as Error).message.split('\n')[0]}). Fix: check the path (relative paths are read from ${process.cwd()}) and its permissions.`,
    );
  }
  const shown = sep === '\t' ? 'a tab' : `'${sep}'`;
  const labels: string[] = [];
  const texts: string[] = [];
  raw
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (!line.trim() || line.startsWith('#')) return;
      const at = line.indexOf(sep);
      const label = at < 0 ? '' : line.slice(0, at).trim();
      let text = at < 0 ? '' : line.slice(at + 1).trim();
      if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1).replace(/""/g, '"');
      if (!label || !text) {
        throw new Error(
          `${file}, line ${i + 1}: expected 'label${sep === '\t' ? '<TAB>' : sep}text', got ${JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}...` : line)} (${at < 0 ? `no ${shown}` : !label ? 'an empty label' : 'an empty text'}). Fix: write one example per line as label, ${shown}, text; start comment lines with '#'.`,
        );
      }
      labels.push(label);
      texts.push(text);
    });
  if (texts.length === 0)
    throw new Error(`${file}: no examples (every line is empty or a comment). Fix: write one 'label${sep === '\t' ? '<TAB>' : sep}text' line per example.`);
  const classNames = [...new Set(labels)].sort();
  const ids = new Map(classNames.map((c, i) => [c, i]));
  return textDataset(
    path.basename(file),
    texts,
    labels.map((l) => ids.get(l) as number),
    classNames,
    path.resolve(file),
  );
}

/**
 * Load a text-file task: the file read with {@link readLabelledTexts}, split per class.
 *
 * @example
 * const task = loadTextFileTask({ dataset: 'text-file', path: 'reviews.tsv' }, { testSize: 100 });
 */
export function loadTextFileTask(spec: TextFileTaskSpec, opts: TaskOptions = {}): TaskData<TextDataset> {
  const bad = badTask(spec);
  checkSpec(spec ?? ({} as TextFileTaskSpec), 'text-file', bad);
  return splitTask(readLabelledTexts(path.resolve(spec.path), spec.delimiter), textSubset, spec, opts, 'texts', bad);
}

/** Resized copies made for a net's input size, per data set (each set is resized once per size). */
const fitted = new WeakMap<ImageDataset, Map<string, ImageDataset>>();

/**
 * The images at a net's input size, for this data kind only: the stored bytes resized once
 * per size (`resizeImages`, cached per data set), for any net, even one whose
 * `preprocessing.resize` would resize each batch; channels and mean/std are then
 * `imageSource`'s (the one public way to fit images to a net). Not exported: resizeImages is
 * the public copy; tests/image-fit.test.ts pins how the two ways differ.
 */
function fitToNet(ds: ImageDataset, pre: Preprocessing): ImageDataset {
  if (ds.height === pre.height && ds.width === pre.width) return ds;
  const key = `${pre.height}x${pre.width}`;
  let m = fitted.get(ds);
  if (!m) {
    m = new Map();
    fitted.set(ds, m);
  }
  let out = m.get(key);
  if (!out) {
    out = { ...resizeImages(ds, { height: pre.height, width: pre.width }), name: ds.name };
    m.set(key, out);
  }
  return out;
}

/**
 * Images of any size as a data kind: the image modality, each set resized to the net's
 * input size when a run reads it.
 *
 * @example
 * const src = imageFolderModality.source(photos, net);
 */
export const imageFolderModality: Modality<ImageDataset> = {
  ...imageModality,
  name: 'image',
  source: (ds, net) => imageSource(fitToNet(ds, net.preprocessing), net.preprocessing),
  features: (net, ds, cache) => extractFeatures(net, fitToNet(ds, net.preprocessing), { cache }),
};

/**
 * The image-folder task kind (`task.dataset` 'image-folder'): the image tasks' defaults,
 * backbones and quick version, the user's folder as data.
 *
 * @example
 * runSweep({ name: 'pets', backbone: 'fashion-cnn', task: { dataset: 'image-folder', path: 'pets' }, strategies: ['head'], sizes: [5], seeds: [0] });
 */
export const IMAGE_FOLDER_TASK: TaskKind<ImageDataset> = {
  ...IMAGE_TASKS,
  modality: imageFolderModality,
  datasets: ['image-folder'],
  resolve(config: ExperimentConfig, bad) {
    const t = imageFolderSpec(config.task);
    checkSpec(t, 'image-folder', bad);
    for (const k of ['height', 'width'] as const)
      if (t[k] !== undefined && !(Number.isInteger(t[k]) && (t[k] as number) > 0))
        bad(`task.${k} must be a positive integer, got ${JSON.stringify(t[k])}. Fix: use e.g. 64, or leave it out.`);
    if (t.channels !== undefined && t.channels !== 1 && t.channels !== 3) bad(`task.channels must be 1 or 3, got ${JSON.stringify(t.channels)}.`);
    return {};
  },
  load: (task, opts) => loadImageFolderTask(imageFolderSpec(task), opts),
};

/**
 * The text-file task kind (`task.dataset` 'text-file'): the fortunes' text encoder,
 * defaults and quick version, the user's labelled file as data.
 *
 * @example
 * runSweep({ name: 'reviews', backbone: 'all-minilm-l6-v2', task: { dataset: 'text-file', path: 'reviews.tsv' }, strategies: ['linear-probe'], sizes: [4], seeds: [0] });
 */
export const TEXT_FILE_TASK: TaskKind<TextDataset> = {
  ...FORTUNES_TASK,
  modality: textModality,
  datasets: ['text-file'],
  resolve(config, bad) {
    checkSpec(textFileSpec(config.task), 'text-file', bad);
    return FORTUNES_TASK.resolve(config, bad);
  },
  load: (task, opts) => loadTextFileTask(textFileSpec(task), opts),
};
