/**
 * The in-memory image data set: raw uint8 pixels on the JavaScript side, turned into
 * tensors only one batch at a time. A Fashion-MNIST split is 47 MB as bytes and
 * would be 188 MB as float32 tensors, so we keep bytes and convert late.
 */

/** A labelled set of equally sized images, stored as bytes (NHWC order). */
export interface ImageDataset {
  /** A short name, e.g. `fashion-mnist/train`. */
  name: string;
  /** Pixels, N x height x width x channels, row-major, values 0-255. */
  images: Uint8Array;
  /** Class index per image, 0..classNames.length-1. */
  labels: Uint8Array;
  /** Number of images. */
  count: number;
  height: number;
  width: number;
  /** 1 (grayscale) or 3 (RGB). */
  channels: number;
  /** Class names, indexed by label. */
  classNames: string[];
  /** Where the data came from (a path or package), for reports. */
  source: string;
}

/** Bytes per image of a data set. */
export function imageSize(ds: Pick<ImageDataset, 'height' | 'width' | 'channels'>): number {
  return ds.height * ds.width * ds.channels;
}
