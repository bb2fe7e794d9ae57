/**
 * Feature extraction: run a (cut) backbone over a data set once, in batches and in
 * inference mode, and keep the outputs. A head trained on cached features skips the
 * backbone entirely, which is what makes linear probes fast.
 *
 * Cache keys hash the weights, the cut layer, the preprocessing and the data bytes, so a
 * fine-tuned backbone or a different sample never reuses stale features.
 */
import { tf } from '../backend';
import { predictor } from '../graph/predict';
import { ImageDataset } from '../data/dataset';
import { Net, checkNet } from './net';
import { FeatureSet, imageSource } from '../train/source';
import { featureDigest } from '../util/digest';
import { CacheMode, cachedFeatures, checkCacheMode, featureRequest } from '../util/cache';
import { checkPositiveInt } from '../util/args';

export { clearFeatureCache } from '../util/cache';

/** Options for {@link extractFeatures}. */
export interface ExtractOptions {
  /** Images per forward pass. Default 256. */
  batchSize?: number;
  /** Cache: 'memory' (default), 'disk' (memory and ~/.cache/transfer-lab/features), or 'none'. */
  cache?: CacheMode;
  /** Folder of the disk cache. Default ~/.cache/transfer-lab/features. */
  cacheDir?: string;
}

/**
 * A stable key for (weights, output layer, preprocessing, data).
 *
 * @example
 * featureKey(cut(backbone, 'features'), train); // 24 hex digits
 */
export function featureKey(net: Net, ds: ImageDataset): string {
  checkNet(net, 'featureKey');
  return featureDigest(net, [`${ds.count}x${ds.height}x${ds.width}x${ds.channels}`, ds.images, ds.labels]);
}

/**
 * Compute (or fetch from the shared feature cache) a net's outputs for every image of a data set.
 *
 * @param net usually a cut backbone (see `cut`); its output is flattened per image
 * @returns a FeatureSet (floats on the JavaScript side) for `featureSource` / `trainProbe`
 * @example
 * const feats = await extractFeatures(cut(backbone, 'features'), train, { cache: 'disk' });
 * feats.dim; // 256
 */
export async function extractFeatures(net: Net, ds: ImageDataset, opts: ExtractOptions = {}): Promise<FeatureSet> {
  checkNet(net, 'extractFeatures');
  const mode = opts.cache ?? 'memory';
  checkCacheMode(mode);
  const batchSize = opts.batchSize ?? 256;
  checkPositiveInt(batchSize, 'batchSize');
  const src = imageSource(ds, net.preprocessing);
  const outShape = net.model.outputs[0].shape.slice(1) as number[];
  const dim = outShape.reduce((a, b) => a * b, 1);
  return cachedFeatures(featureRequest(net, ds, { mode, dir: opts.cacheDir, dim, key: () => featureKey(net, ds) }), async () => {
    const features = new Float32Array(ds.count * dim);
    const idx = Int32Array.from({ length: ds.count }, (_, i) => i);
    const predict = predictor(net.model);
    for (let s = 0; s < ds.count; s += batchSize) {
      const { xs, ys } = src.batch(idx.subarray(s, Math.min(ds.count, s + batchSize)));
      const out = tf.tidy(() => predict(xs).reshape([xs.shape[0], dim]));
      features.set((await out.data()) as Float32Array, s * dim);
      tf.dispose([xs, ys, out]);
    }
    return features;
  });
}
