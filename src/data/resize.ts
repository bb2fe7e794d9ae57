/**
 * Resizing images held as bytes: one image (for writing files of a chosen size) or a
 * whole data set (e.g. small thumbnails of 224x224 inputs, so a chart of them stays small).
 * Bilinear, by native TensorFlow; results are rounded back to bytes.
 */
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { ImageDataset, imageSize } from './dataset';

function checkSide(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what} ${v} is not a positive integer. Fix: pass a size in pixels, e.g. 64.`);
}

/**
 * Resize one image (height x width x channels bytes, row-major) to toHeight x toWidth,
 * bilinear, rounded to bytes.
 *
 * @example
 * const big = resizePixels(digit, 28, 28, 1, 64, 48); // 64 * 48 bytes
 */
export function resizePixels(pixels: Uint8Array, height: number, width: number, channels: number, toHeight: number, toWidth: number): Uint8Array {
  for (const [k, v] of [
    ['height', height],
    ['width', width],
    ['channels', channels],
    ['toHeight', toHeight],
    ['toWidth', toWidth],
  ] as const)
    checkSide(`resizePixels: ${k}`, v);
  if (pixels.length !== height * width * channels) {
    throw new Error(`resizePixels: ${pixels.length} bytes is not ${height}x${width}x${channels}. Fix: pass exactly height*width*channels bytes.`);
  }
  if (height === toHeight && width === toWidth) return Uint8Array.from(pixels);
  const out = tf.tidy(() => {
    const x = tf.tensor3d(Float32Array.from(pixels), [height, width, channels], 'float32');
    return tf.clipByValue(tf.round(tf.image.resizeBilinear(x, [toHeight, toWidth])), 0, 255);
  });
  try {
    return Uint8Array.from(out.dataSync());
  } finally {
    out.dispose();
  }
}

/** Options for {@link resizeImages}. */
export interface ResizeOptions {
  /** Output height in pixels. Required. */
  height: number;
  /** Output width in pixels. Required. */
  width: number;
  /** Images resized per TensorFlow call. Default 128. */
  batchSize?: number;
}

/**
 * A copy of a data set with every image resized (bilinear); labels, class names and
 * order are kept. Returns a copy even when the size is unchanged.
 *
 * @example
 * const small = resizeImages(photos, { height: 64, width: 64 });
 */
export function resizeImages(ds: ImageDataset, opts: ResizeOptions): ImageDataset {
  const { height, width } = opts;
  checkSide(`resizeImages(${ds.name}): height`, height);
  checkSide(`resizeImages(${ds.name}): width`, width);
  const batchSize = opts.batchSize ?? 128;
  checkSide(`resizeImages(${ds.name}): batchSize`, batchSize);
  const inSize = imageSize(ds);
  const outSize = height * width * ds.channels;
  const images = new Uint8Array(ds.count * outSize);
  for (let s = 0; s < ds.count; s += batchSize) {
    const n = Math.min(batchSize, ds.count - s);
    const out = tf.tidy(() => {
      const x = tf.tensor4d(Float32Array.from(ds.images.subarray(s * inSize, (s + n) * inSize)), [n, ds.height, ds.width, ds.channels], 'float32');
      const y = ds.height === height && ds.width === width ? x : tf.image.resizeBilinear(x as tfn.Tensor4D, [height, width]);
      return tf.clipByValue(tf.round(y), 0, 255);
    });
    try {
      images.set(out.dataSync(), s * outSize);
    } finally {
      out.dispose();
    }
  }
  return { ...ds, images, labels: ds.labels.slice(), classNames: ds.classNames.slice(), height, width, name: `${ds.name}@${height}x${width}` };
}

/**
 * Small copies for charts: the data set itself when no side is above `maxSide`, else every
 * image scaled down (aspect ratio kept) so that its longer side is `maxSide`.
 *
 * @param maxSide the longest side in pixels. Default 64.
 * @example
 * tl.show(tl.sampleGridChart(tl.thumbnails(photos, 64)));
 */
export function thumbnails(ds: ImageDataset, maxSide = 64): ImageDataset {
  checkSide('thumbnails: maxSide', maxSide);
  const longest = Math.max(ds.height, ds.width);
  if (longest <= maxSide) return ds;
  const f = maxSide / longest;
  return resizeImages(ds, { height: Math.max(1, Math.round(ds.height * f)), width: Math.max(1, Math.round(ds.width * f)) });
}
