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

/**
 * Throw a clear error unless `ds` is a consistent ImageDataset: positive integer sizes,
 * `count * height * width * channels` image bytes, one label per image, and every label
 * a class index (below `classNames.length`). Hand-built data sets get these wrong.
 *
 * @example
 * checkDataset(ds, 'imageSource');
 */
export function checkDataset(ds: ImageDataset, where: string): void {
  const bad = (what: string, fix: string): never => {
    throw new Error(`${where}: ${what}. Fix: ${fix}.`);
  };
  if (!ds || typeof ds !== 'object' || !(ds.images instanceof Uint8Array) || !(ds.labels instanceof Uint8Array) || !Array.isArray(ds.classNames)) {
    bad(
      `expected an ImageDataset {images: Uint8Array, labels: Uint8Array, count, height, width, channels, classNames}, got ${ds === null ? 'null' : typeof ds}`,
      'pass a data set from a loader (loadDataset, loadImageFolder, ...) or build one with those fields',
    );
  }
  const name = `data set '${ds.name}'`;
  for (const k of ['height', 'width', 'channels'] as const)
    if (!Number.isInteger(ds[k]) || ds[k] < 1) bad(`${name} has ${k} ${ds[k]}`, `set ${k} to a positive integer`);
  if (!Number.isInteger(ds.count) || ds.count < 0) bad(`${name} has count ${ds.count}`, 'set count to the number of images');
  const want = ds.count * ds.height * ds.width * ds.channels;
  if (ds.images.length !== want)
    bad(
      `${name} has ${ds.images.length} image bytes, but ${ds.count} images of ${ds.height}x${ds.width}x${ds.channels} need ${want}`,
      'make images hold exactly count x height x width x channels bytes (or fix count)',
    );
  if (ds.labels.length < ds.count) bad(`${name} has ${ds.labels.length} labels for ${ds.count} images`, 'give one label per image');
  const k = ds.classNames.length;
  for (let i = 0; i < ds.count; i++) {
    if (ds.labels[i] >= k)
      bad(
        `${name}: image ${i} has label ${ds.labels[i]} but there are only ${k} class names`,
        `use labels 0..${k - 1}, or list a name for every class in classNames`,
      );
  }
}

/** Bytes per image of a data set. */
export function imageSize(ds: Pick<ImageDataset, 'height' | 'width' | 'channels'>): number {
  return ds.height * ds.width * ds.channels;
}
