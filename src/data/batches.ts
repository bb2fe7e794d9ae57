/**
 * From bytes to tensors: `toTensors` for a whole (small) set, `batches` to stream a
 * large one one batch at a time, with normalisation, grayscale/RGB conversion and
 * seeded on-the-fly augmentation (shifts; horizontal flips only when asked for, since
 * a flipped digit is a different glyph). Augmentation works on the bytes before they
 * become tensors, so a 60,000-image set is never held as float32 tensors.
 */
import { tf } from '../backend';
import { ImageDataset, imageSize, checkDataset } from './dataset';
import { Random, SeedLike, rng } from '../random';
import { checkAugment, warpImage, adjustImage } from './augment';

/** Per-channel normalisation applied after scaling to [0, 1]: `(x / 255 - mean) / std`. */
export interface Normalization {
  /** One value, or one per output channel. */
  mean: number | number[];
  /** One value, or one per output channel; must be positive. */
  std: number | number[];
}

/** Options for {@link toTensors}. */
export interface TensorOptions {
  /** Which images, in this order. Default: all of them, in data set order. */
  indices?: ArrayLike<number>;
  /** Output channels: 3 repeats grayscale into RGB, 1 averages RGB. Default: the data set's own. */
  channels?: 1 | 3;
  /** `true` scales to [0, 1]; `false` keeps 0-255 as float; a {@link Normalization} also standardises. Default `true`. */
  normalize?: boolean | Normalization;
  /** Resize to this size (bilinear, half-pixel centres, after channel conversion; values stay float). Default: keep the data set's size. */
  size?: { height: number; width: number };
}

/** Seeded on-the-fly augmentation; every field's default leaves images unchanged. */
export interface AugmentOptions {
  /** Shift each image by a random whole number of pixels in [-shift, shift] per axis, filling with 0. Default 0. */
  shift?: number;
  /** Mirror each image left-right with probability 1/2. Default false (wrong for digits and text). */
  flip?: boolean;
  /** Rotate by a random angle in [-rotate, rotate] degrees about the centre (Keras RandomRotation), filling with 0. Default 0. */
  rotate?: number;
  /**
   * Scale by a random factor in [1 - zoom, 1 + zoom] (Keras RandomZoom): zooming in is a
   * random crop (its position drawn within the image), zooming out fills the border with 0. Default 0.
   */
  zoom?: number;
  /** Add a random offset in [-brightness, brightness] x 255 to every pixel (Keras RandomBrightness). Default 0. */
  brightness?: number;
  /** Scale each channel's spread about its mean by a random factor in [1 - contrast, 1 + contrast] (Keras RandomContrast). Default 0. */
  contrast?: number;
}

/** Options for {@link batches}. */
export interface BatchOptions extends TensorOptions {
  /** Images per batch. Default 32. */
  batchSize?: number;
  /** Visit the images in a seeded random order. Default false (data set order). */
  shuffle?: boolean;
  /** Seed for the order and the augmentation. Default 0. */
  seed?: SeedLike;
  /** Epoch number, mixed into a numeric seed so each epoch gets its own order and augmentation. Default 0. */
  epoch?: number;
  /** Augmentation, or `false`/undefined for none. Default: none. */
  augment?: AugmentOptions | false;
  /** Drop a last batch smaller than batchSize. Default false. */
  dropRemainder?: boolean;
}

/** One batch: images as float32 NHWC and labels as int32, plus which images they were. */
export interface Batch {
  xs: import('@tensorflow/tfjs-node').Tensor4D;
  ys: import('@tensorflow/tfjs-node').Tensor1D;
  /** Image indices into the data set, in batch order. */
  indices: Int32Array;
}

/**
 * All chosen images as tensors at once: `{xs: float32 [n, h, w, c], ys: int32 [n]}`.
 * For a few thousand small images; stream anything larger with {@link batches}.
 * The caller owns the tensors (dispose them, or call inside `tf.tidy`).
 *
 * @example
 * const { xs, ys } = toTensors(kShot(train, 5, 42), { channels: 3 });
 * xs.shape; // [50, 28, 28, 3]
 */
export function toTensors(ds: ImageDataset, opts: TensorOptions = {}): Batch {
  checkDataset(ds, 'toTensors');
  const indices = opts.indices ? Int32Array.from(opts.indices) : Int32Array.from({ length: ds.count }, (_, i) => i);
  return batchOf(ds, indices, opts);
}

/**
 * Iterate over a data set one batch of tensors at a time. Only the current batch exists
 * as tensors; **the caller disposes each batch** (`tf.dispose([b.xs, b.ys])`) before
 * asking for the next.
 *
 * @example
 * for (const b of batches(train, { batchSize: 64, shuffle: true, seed: 1, epoch, augment: { shift: 2 } })) {
 *   await model.trainOnBatch(b.xs, b.ys);
 *   tf.dispose([b.xs, b.ys]);
 * }
 */
export function* batches(ds: ImageDataset, opts: BatchOptions = {}): Generator<Batch, void, undefined> {
  checkDataset(ds, 'batches');
  const batchSize = opts.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`batches of ${ds.name}: batchSize ${batchSize} is not a positive integer. Fix: pass e.g. { batchSize: 32 }.`);
  const r = epochRng(opts.seed ?? 0, opts.epoch ?? 0);
  const order = opts.indices ? Int32Array.from(opts.indices) : Int32Array.from({ length: ds.count }, (_, i) => i);
  if (opts.shuffle) r.shuffleInPlace(order);
  const augment = opts.augment || undefined;
  const n = opts.dropRemainder ? order.length - (order.length % batchSize) : order.length;
  for (let start = 0; start < n; start += batchSize) {
    yield batchOf(ds, order.subarray(start, Math.min(start + batchSize, n)), opts, augment ? r : null, augment);
  }
}

/**
 * How many batches {@link batches} yields with these options.
 *
 * @example
 * batchCount(train, { batchSize: 64 }); // 938 for 60,000 images
 */
export function batchCount(ds: ImageDataset, opts: Pick<BatchOptions, 'batchSize' | 'indices' | 'dropRemainder'> = {}): number {
  const n = opts.indices ? opts.indices.length : ds.count;
  const b = opts.batchSize ?? 32;
  if (!Number.isInteger(b) || b < 1) throw new Error(`batchCount of ${ds.name}: batchSize ${b} is not a positive integer. Fix: pass e.g. { batchSize: 32 }.`);
  return opts.dropRemainder ? Math.floor(n / b) : Math.ceil(n / b);
}

/**
 * Augment images held as bytes (NHWC), in place: per image a random shift, flip (if
 * enabled), rotation and zoom/crop (one bilinear resampling), then brightness and
 * contrast, each only when asked for. Deterministic for a given generator state.
 *
 * @param pixels `count` images of height x width x channels bytes
 * @returns the same array
 * @example
 * augmentBytes(bytes, 8, { height: 28, width: 28, channels: 1 }, { shift: 2, rotate: 10, zoom: 0.1 }, new Random(0));
 */
export function augmentBytes(
  pixels: Uint8Array,
  count: number,
  shape: Pick<ImageDataset, 'height' | 'width' | 'channels'>,
  aug: AugmentOptions,
  seed: SeedLike,
): Uint8Array {
  const r = rng(seed);
  const { height: h, width: w, channels: c } = shape;
  checkAugment(aug);
  const s = aug.shift ?? 0;
  const [rot, zoom, bright, contrast] = [aug.rotate ?? 0, aug.zoom ?? 0, aug.brightness ?? 0, aug.contrast ?? 0];
  const size = h * w * c;
  if (!Number.isInteger(count) || count < 0 || pixels.length < count * size) {
    throw new Error(
      `augment: ${pixels.length} bytes cannot hold ${count} images of ${h}x${w}x${c}. Fix: pass count = pixels.length / (height * width * channels).`,
    );
  }
  const src = new Uint8Array(size);
  for (let n = 0; n < count; n++) {
    const dx = s > 0 ? r.int(-s, s + 1) : 0;
    const dy = s > 0 ? r.int(-s, s + 1) : 0;
    const flip = aug.flip ? r.next() < 0.5 : false;
    const img = pixels.subarray(n * size, (n + 1) * size);
    // Rotation, zoom and colour draw after shift and flip, so those alone give the same images as before.
    if (rot > 0 || zoom > 0) {
      const angle = rot > 0 ? ((r.next() * 2 - 1) * rot * Math.PI) / 180 : 0;
      const scale = zoom > 0 ? 1 + (r.next() * 2 - 1) * zoom : 1;
      // Zooming in leaves room to move the crop: up to the part of the image cut off on each side.
      const room = (len: number) => Math.max(0, ((scale - 1) * len) / 2);
      const cropX = zoom > 0 ? (r.next() * 2 - 1) * room(w) : 0;
      const cropY = zoom > 0 ? (r.next() * 2 - 1) * room(h) : 0;
      warpImage(img, h, w, c, { dx: dx + cropX, dy: dy + cropY, flip, angle, scale }, src);
    } else if (dx !== 0 || dy !== 0 || flip) {
      shiftFlip(img, h, w, c, dx, dy, flip, src);
    }
    if (bright > 0 || contrast > 0) {
      const f = contrast > 0 ? 1 + (r.next() * 2 - 1) * contrast : 1;
      const b = bright > 0 ? (r.next() * 2 - 1) * bright * 255 : 0;
      adjustImage(img, h * w, c, f, b);
    }
  }
  return pixels;
}

/** Shift by whole pixels and optionally mirror one image, in place (zero fill). */
function shiftFlip(img: Uint8Array, h: number, w: number, c: number, dx: number, dy: number, flip: boolean, src: Uint8Array): void {
  src.set(img);
  img.fill(0);
  for (let y = 0; y < h; y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= h) continue;
    for (let x = 0; x < w; x++) {
      const fx = x - dx;
      if (fx < 0 || fx >= w) continue;
      const sx = flip ? w - 1 - fx : fx;
      const o = (y * w + x) * c;
      const i = (sy * w + sx) * c;
      for (let k = 0; k < c; k++) img[o + k] = src[i + k];
    }
  }
}

function epochRng(seed: SeedLike, epoch: number): Random {
  if (seed instanceof Random) return seed;
  if (!Number.isFinite(seed) || !Number.isFinite(epoch))
    throw new Error(`batches: seed ${seed} / epoch ${epoch} is not a finite number. Fix: pass integers, e.g. { seed: 0, epoch: 0 }.`);
  return new Random((Math.trunc(seed) + Math.imul(epoch, 0x9e3779b1)) >>> 0);
}

/**
 * One batch of tensors for these images: gathered bytes, optional seeded augmentation
 * (when both `r` and `aug` are given), channel conversion and normalisation. The
 * building block of {@link toTensors}, {@link batches} and the training loop's sources.
 * The caller owns the tensors.
 *
 * @example
 * const { xs, ys } = batchOf(train, Int32Array.from([0, 1, 2]), { channels: 3 }, new Random(1), { shift: 2 });
 */
export function batchOf(ds: ImageDataset, indices: Int32Array, opts: TensorOptions = {}, r: Random | null = null, aug?: AugmentOptions): Batch {
  const size = imageSize(ds);
  const bytes = new Uint8Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    if (!(i >= 0 && i < ds.count)) throw new Error(`${ds.name}: image index ${i} is out of range 0..${ds.count - 1}. Fix: pass indices within the data set.`);
    bytes.set(ds.images.subarray(i * size, (i + 1) * size), j * size);
    labels[j] = ds.labels[i];
    if (labels[j] >= ds.classNames.length)
      throw new Error(
        `${ds.name}: image ${i} has label ${labels[j]} but there are only ${ds.classNames.length} class names. Fix: use labels 0..${ds.classNames.length - 1}, or list a name for every class.`,
      );
  }
  if (ds.images.length < ds.count * size)
    throw new Error(
      `${ds.name}: ${ds.images.length} image bytes cannot hold ${ds.count} images of ${ds.height}x${ds.width}x${ds.channels}. Fix: make images hold count x height x width x channels bytes.`,
    );
  if (r && aug) augmentBytes(bytes, indices.length, ds, aug, r);
  const channels = opts.channels ?? ds.channels;
  if (channels !== 1 && channels !== 3) throw new Error(`${ds.name}: channels ${channels} is not supported. Fix: use 1 (grayscale) or 3 (RGB).`);
  if (ds.channels !== 1 && ds.channels !== 3)
    throw new Error(`${ds.name}: data sets with ${ds.channels} channels cannot be converted. Fix: load images with 1 or 3 channels.`);
  const to = opts.size;
  if (to && !(Number.isInteger(to.height) && Number.isInteger(to.width) && to.height > 0 && to.width > 0)) {
    throw new Error(`${ds.name}: size ${JSON.stringify(to)} is not a positive integer height and width. Fix: pass e.g. { size: { height: 96, width: 96 } }.`);
  }
  const norm = opts.normalize ?? true;
  const stats = typeof norm === 'object' ? [perChannel(norm.mean, channels, 'mean', ds.name), perChannel(norm.std, channels, 'std', ds.name)] : null;
  if (stats && stats[0].some((v) => !Number.isFinite(v)))
    throw new Error(
      `${ds.name}: normalize.mean must be finite numbers, got ${stats[0].join(', ')}. Fix: pass the per-channel means, e.g. { mean: 0.5, std: 0.5 }.`,
    );
  if (stats && stats[1].some((v) => !(v > 0 && Number.isFinite(v))))
    throw new Error(`${ds.name}: normalize.std must be positive, got ${stats[1].join(', ')}. Fix: pass the per-channel standard deviations.`);
  const xs = tf.tidy(() => {
    let x: import('@tensorflow/tfjs-node').Tensor4D = tf.tensor4d(Float32Array.from(bytes), [indices.length, ds.height, ds.width, ds.channels], 'float32');
    if (channels === 3 && ds.channels === 1) x = tf.tile(x, [1, 1, 1, 3]);
    if (channels === 1 && ds.channels === 3) x = tf.mean(x, 3, true);
    if (to && (to.height !== ds.height || to.width !== ds.width)) x = tf.image.resizeBilinear(x, [to.height, to.width], false, true);
    if (norm === false) return x;
    x = tf.div(x, 255);
    if (stats) x = tf.div(tf.sub(x, tf.tensor1d(stats[0])), tf.tensor1d(stats[1]));
    return x;
  });
  return { xs, ys: tf.tensor1d(labels, 'int32'), indices: Int32Array.from(indices) };
}

function perChannel(v: number | number[], channels: number, what: string, name: string): number[] {
  const a = typeof v === 'number' ? new Array<number>(channels).fill(v) : v;
  if (a.length !== channels)
    throw new Error(`${name}: normalize.${what} has ${a.length} values for ${channels} channel(s). Fix: pass one number, or one per output channel.`);
  return a;
}
