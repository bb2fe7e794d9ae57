/**
 * What the training loop reads: anything that can build a batch of inputs and labels
 * for a list of indices. Images are kept as bytes and turned into tensors per batch;
 * cached features are kept as a float array.
 */
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { ImageDataset, checkDataset } from '../data/dataset';
import { Preprocessing } from '../transfer/net';
import { Random } from '../random';
import { batchOf, AugmentOptions } from '../data/batches';
import { augmentActive, checkAugment } from '../data/augment';

/** A labelled set the training loop can batch. */
export interface BatchSource {
  /** Number of examples. */
  count: number;
  /** Label per example. */
  labels: Uint8Array;
  /** Number of classes. */
  numClasses: number;
  /** Shape of one input, e.g. [28, 28, 1] or [256]. */
  inputShape: number[];
  /** A batch for these indices (the caller disposes xs and ys). */
  batch(indices: ArrayLike<number>, rng?: Random): { xs: tfn.Tensor; ys: tfn.Tensor1D };
}

/** Augmentation applied on the fly to training batches (see `AugmentOptions`); off unless asked for. */
export type Augmentation = AugmentOptions;

/**
 * A batch source over an image data set with a net's preprocessing: channels are
 * converted 1<->3; the size must match unless the preprocessing has `resize: true`
 * (then images are resized bilinearly per batch, after augmentation). Optionally with
 * seeded augmentation of every batch it makes (train() passes its per-epoch generator;
 * evaluation batches are never augmented).
 *
 * @example
 * const src = imageSource(fashionTrain, net.preprocessing);
 * const augmented = imageSource(myPhotos, net.preprocessing, { flip: true, rotate: 10, zoom: 0.1, brightness: 0.1 });
 */
export function imageSource(ds: ImageDataset, pre: Preprocessing, augment: Augmentation = {}): BatchSource {
  checkDataset(ds, 'imageSource');
  if (!pre || !Number.isInteger(pre.height) || !Number.isInteger(pre.width) || !Number.isInteger(pre.channels)) {
    throw new Error(
      `imageSource: expected a net's preprocessing {height, width, channels}, got ${pre && typeof pre === 'object' ? `an object with keys ${Object.keys(pre).slice(0, 4).join(', ')}` : String(pre)}. Fix: pass net.preprocessing.`,
    );
  }
  if (ds.count === 0)
    throw new Error(
      `data set '${ds.name}' is empty: nothing to train or evaluate on. Fix: pass a data set with images (check the split, filter or folder it came from).`,
    );
  const resize = ds.height !== pre.height || ds.width !== pre.width;
  if (resize && !pre.resize) {
    throw new Error(
      `data set '${ds.name}' has ${ds.height}x${ds.width} images but the model expects ${pre.height}x${pre.width}. Fix: resize when loading (e.g. loadImageFolder(dir, { height: ${pre.height}, width: ${pre.width} })).`,
    );
  }
  if (![1, 3].includes(ds.channels) || ![1, 3].includes(pre.channels))
    throw new Error(`only 1 or 3 channels are supported (data ${ds.channels}, model ${pre.channels}).`);
  const mean = pre.mean ?? 0;
  const std = pre.std ?? 1;
  const normalize = mean !== 0 || std !== 1 ? { mean, std } : true;
  checkAugment(augment);
  const aug = augmentActive(augment) ? augment : undefined;
  return {
    count: ds.count,
    labels: ds.labels,
    numClasses: ds.classNames.length,
    inputShape: [pre.height, pre.width, pre.channels],
    batch(indices, rng) {
      const size = resize ? { height: pre.height, width: pre.width } : undefined;
      const { xs, ys } = batchOf(ds, Int32Array.from(indices), { channels: pre.channels as 1 | 3, normalize, size }, rng ?? null, aug);
      return { xs, ys };
    },
  };
}

/** Features computed once by a backbone, kept as floats: a head trains on these without the backbone. */
export interface FeatureSet {
  /** Row-major features, count x dim. */
  features: Float32Array;
  labels: Uint8Array;
  count: number;
  dim: number;
  classNames: string[];
  /** What produced them (model, layer, data), for caches and reports. */
  key: string;
}

/**
 * A batch source over cached features.
 *
 * @example
 * const src = featureSource(await extractFeatures(backbone, train));
 */
export function featureSource(fs: FeatureSet): BatchSource {
  if (!fs || !(fs.features instanceof Float32Array) || !Array.isArray(fs.classNames))
    throw new Error(
      `featureSource: expected a FeatureSet {features, labels, count, dim, classNames}, got ${fs === null ? 'null' : typeof fs}. Fix: pass what extractFeatures returns.`,
    );
  if (fs.count === 0) throw new Error(`feature set '${fs.key}' is empty: nothing to train on. Fix: extract features of a data set that has images.`);
  if (
    !Number.isInteger(fs.dim) ||
    fs.dim < 1 ||
    !Number.isInteger(fs.count) ||
    fs.count < 0 ||
    fs.features.length !== fs.count * fs.dim ||
    fs.labels.length < fs.count
  ) {
    throw new Error(
      `feature set '${fs.key}' has ${fs.features.length} values and ${fs.labels.length} labels, not ${fs.count} x ${fs.dim} values and ${fs.count} labels. Fix: keep features, labels, count and dim together as extractFeatures returns them.`,
    );
  }
  for (let i = 0; i < fs.count; i++) {
    if (fs.labels[i] >= fs.classNames.length)
      throw new Error(
        `feature set '${fs.key}': example ${i} has label ${fs.labels[i]} but there are only ${fs.classNames.length} class names. Fix: use labels 0..${fs.classNames.length - 1}, or list a name for every class.`,
      );
  }
  return {
    count: fs.count,
    labels: fs.labels,
    numClasses: fs.classNames.length,
    inputShape: [fs.dim],
    batch(indices) {
      const n = indices.length;
      const out = new Float32Array(n * fs.dim);
      const labels = new Int32Array(n);
      for (let b = 0; b < n; b++) {
        const i = indices[b];
        out.set(fs.features.subarray(i * fs.dim, (i + 1) * fs.dim), b * fs.dim);
        labels[b] = fs.labels[i];
      }
      return { xs: tf.tensor2d(out, [n, fs.dim]), ys: tf.tensor1d(labels, 'int32') };
    },
  };
}
