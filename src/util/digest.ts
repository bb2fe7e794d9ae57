/**
 * Content digests: what makes two backbones, or two feature extractions, the same. One
 * hashing of a net's weights serves resuming (the backbone of a run key) and the feature
 * cache (the key of a data set's features under a net), for every data kind.
 */
import * as crypto from 'crypto';
import { Net, checkNet } from '../transfer/net';

/** Feed every weight of a net, in order, into a hash. */
function updateWithWeights(h: crypto.Hash, net: Net): crypto.Hash {
  for (const w of net.model.getWeights()) {
    const d = w.dataSync();
    h.update(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  }
  return h;
}

/**
 * SHA-256 of a net's weights (what makes two backbones the same for resuming), 16 hex digits.
 *
 * @example
 * weightsHash(await loadBackbone('fashion-cnn')); // e.g. '3f9a...' (16 hex digits)
 */
export function weightsHash(net: Net): string {
  checkNet(net, 'weightsHash');
  return updateWithWeights(crypto.createHash('sha256'), net).digest('hex').slice(0, 16);
}

/**
 * A key for a net's outputs on some data: SHA-256 (24 hex digits) of the output layer,
 * the preprocessing, the weights and the data's own parts (sizes, bytes, texts, labels).
 *
 * @example
 * featureDigest(cut(backbone, 'features'), [`${ds.count}x28x28x1`, ds.images, ds.labels]);
 */
export function featureDigest(net: Net, data: readonly (string | Uint8Array)[]): string {
  checkNet(net, 'featureDigest');
  const h = crypto.createHash('sha256');
  h.update(net.model.outputs[0].sourceLayer.name);
  h.update(JSON.stringify(net.preprocessing));
  updateWithWeights(h, net);
  for (const part of data) h.update(part);
  return h.digest('hex').slice(0, 24);
}

/**
 * SHA-256 of a JSON-serialisable value, 12 hex digits (a run's config hash).
 *
 * @example
 * jsonDigest({ v: 2, cutAt: 'features' }); // 12 hex digits
 */
export function jsonDigest(value: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 12);
}
