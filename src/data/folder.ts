/**
 * Image-folder data sets: `root/<class name>/<image>.png|jpg|jpeg`, the layout most
 * small transfer-learning data sets come in. Images are decoded and resized by native
 * TensorFlow (`tf.node.decodeImage`, `tf.image.resizeBilinear`) and stored as bytes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../backend';
import { ImageDataset } from './dataset';

/** Options for {@link loadImageFolder}. */
export interface FolderOptions {
  /** Output height in pixels. Required. */
  height: number;
  /** Output width in pixels. Required. */
  width: number;
  /** Output channels: 1 (grayscale; RGB is averaged) or 3 (RGB; grayscale repeated). Default 3. */
  channels?: 1 | 3;
  /** Skip files that cannot be decoded and list them in `skipped`, instead of throwing. Default false. */
  skipUnreadable?: boolean;
  /** File extensions read, lower case. Default `['.png', '.jpg', '.jpeg']`. */
  extensions?: string[];
  /** The data set's name. Default: the folder's base name. */
  name?: string;
}

/** A file {@link loadImageFolder} skipped, and why. */
export interface SkippedFile {
  path: string;
  reason: string;
}

/** An image-folder data set, with the files that were skipped (empty unless `skipUnreadable`). */
export interface FolderDataset extends ImageDataset {
  skipped: SkippedFile[];
}

/**
 * Load `root/<class>/<image>` files as an ImageDataset: classes are the sub-folders in
 * sorted order, images sorted by name within each; every image is resized to
 * height x width (bilinear) and converted to the requested channels. Alpha is dropped.
 *
 * @param root the folder holding one sub-folder per class
 * @throws Error naming the folder when it is missing, has no class folders, or a class
 *   folder has no images; naming the file when an image cannot be decoded (unless `skipUnreadable`)
 * @example
 * const pets = loadImageFolder('datasets/pets', { height: 96, width: 96, channels: 3 });
 * pets.classNames; // ['cat', 'dog']
 */
export function loadImageFolder(root: string, opts: FolderOptions): FolderDataset {
  const { height, width } = opts;
  const channels = opts.channels ?? 3;
  const exts = (opts.extensions ?? ['.png', '.jpg', '.jpeg']).map((e) => e.toLowerCase());
  for (const [k, v] of [
    ['height', height],
    ['width', width],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new Error(`loadImageFolder(${root}): ${k} ${v} is not a positive integer. Fix: pass e.g. { height: 28, width: 28 }.`);
  }
  if (channels !== 1 && channels !== 3) throw new Error(`loadImageFolder(${root}): channels ${channels} is not supported. Fix: use 1 (grayscale) or 3 (RGB).`);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new Error(`${root}: image folder not found. Fix: pass a folder holding one sub-folder of images per class.`);
  }
  const classNames = fs
    .readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
  if (classNames.length === 0) {
    throw new Error(`${root}: no class folders. Fix: put the images of each class in their own sub-folder, e.g. ${path.join(root, 'cat')}/*.png.`);
  }
  const files: { file: string; label: number }[] = [];
  classNames.forEach((name, label) => {
    const dir = path.join(root, name);
    const imgs = fs
      .readdirSync(dir)
      .filter((f) => !f.startsWith('.') && exts.includes(path.extname(f).toLowerCase()))
      .sort();
    if (imgs.length === 0) {
      throw new Error(`${dir}: class folder '${name}' has no images (${exts.join(', ')}). Fix: add images to it, or remove the folder.`);
    }
    for (const f of imgs) files.push({ file: path.join(dir, f), label });
  });

  const size = height * width * channels;
  const images = new Uint8Array(files.length * size);
  const labels = new Uint8Array(files.length);
  const skipped: SkippedFile[] = [];
  let n = 0;
  for (const { file, label } of files) {
    let pixels: Uint8Array;
    try {
      pixels = decodeResized(fs.readFileSync(file), height, width, channels);
    } catch (err) {
      const reason = (err as Error).message.split('\n')[0];
      if (opts.skipUnreadable) {
        skipped.push({ path: file, reason });
        continue;
      }
      throw new Error(`${file}: cannot be read as an image (${reason}). Fix: delete or replace the file, or pass { skipUnreadable: true } to skip it.`);
    }
    images.set(pixels, n * size);
    labels[n++] = label;
  }
  const counts = classNames.map(() => 0);
  for (let i = 0; i < n; i++) counts[labels[i]]++;
  const empty = counts.findIndex((c) => c === 0);
  if (empty >= 0) {
    const dir = path.join(root, classNames[empty]);
    throw new Error(
      `${dir}: every image of class '${classNames[empty]}' was unreadable and skipped. Fix: replace the files listed in the skipped report, or remove the folder.`,
    );
  }
  return {
    name: opts.name ?? path.basename(path.resolve(root)),
    images: images.slice(0, n * size),
    labels: labels.slice(0, n),
    count: n,
    height,
    width,
    channels,
    classNames,
    source: path.resolve(root),
    skipped,
  };
}

/**
 * Decode one PNG/JPEG file's bytes, resize (bilinear) and convert channels, returning
 * height x width x channels bytes. Throws when TensorFlow cannot decode the bytes.
 *
 * @example
 * const px = decodeResized(fs.readFileSync('cat.png'), 32, 32, 3); // 3072 bytes
 */
export function decodeResized(bytes: Uint8Array, height: number, width: number, channels: 1 | 3): Uint8Array {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1)
    throw new Error(`decodeResized: size ${height}x${width} is not two positive integers. Fix: pass the output height and width in pixels.`);
  if (channels !== 1 && channels !== 3) throw new Error(`decodeResized: channels ${channels} is not supported. Fix: use 1 (grayscale) or 3 (RGB).`);
  const out = tf.tidy(() => {
    let decoded: import('@tensorflow/tfjs-node').Tensor;
    try {
      decoded = tf.node.decodeImage(bytes, 0, 'int32', false);
    } catch (err) {
      // First line: the problem (loadImageFolder quotes it); second line: the fix.
      throw new Error(`not a readable image (${(err as Error).message.split('\n')[0]})\nFix: pass the bytes of a PNG, JPEG, BMP or GIF file.`);
    }
    if (decoded.rank !== 3) throw new Error(`decoded to rank ${decoded.rank}, not a single image`);
    let x = tf.cast(decoded as import('@tensorflow/tfjs-node').Tensor3D, 'float32');
    const c = x.shape[2];
    if (c === 4) x = tf.slice(x, [0, 0, 0], [-1, -1, 3]);
    if (c === 2) x = tf.slice(x, [0, 0, 0], [-1, -1, 1]);
    if (x.shape[0] !== height || x.shape[1] !== width) x = tf.image.resizeBilinear(x, [height, width]);
    if (channels === 1 && x.shape[2] === 3) x = tf.mean(x, 2, true);
    if (channels === 3 && x.shape[2] === 1) x = tf.tile(x, [1, 1, 3]);
    return tf.clipByValue(tf.round(x), 0, 255);
  });
  try {
    return Uint8Array.from(out.dataSync());
  } finally {
    out.dispose();
  }
}
