/** Small synthetic models and data for fast transfer-API tests. */
import { tf } from '../src/backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { ImageDataset } from '../src/data/dataset';
import { Random } from '../src/random';
import { buildSmallCnn, SMALL_CNN_GROUPS } from '../src/backbone/architectures';
import { Net } from '../src/transfer/net';

/** A learnable toy image set: class c lights up a bright 3x3 patch at a class-specific place. */
export function toyImages(count: number, classes = 3, seed = 0, size = 12): ImageDataset {
  const r = new Random(seed);
  const images = new Uint8Array(count * size * size);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const c = i % classes;
    labels[i] = c;
    const img = images.subarray(i * size * size, (i + 1) * size * size);
    for (let p = 0; p < img.length; p++) img[p] = r.int(0, 60);
    const oy = 1 + ((c * 4) % (size - 4));
    const ox = 1 + ((c * 5 + 2) % (size - 4));
    for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) img[(oy + y) * size + ox + x] = 200 + r.int(0, 55);
  }
  return {
    name: `toy-${classes}`,
    images,
    labels,
    count,
    height: size,
    width: size,
    channels: 1,
    classNames: Array.from({ length: classes }, (_, i) => `c${i}`),
    source: 'synthetic',
  };
}

/** A tiny BatchNorm CNN with the bundled backbone's layer names and groups. */
export function tinyNet(classes = 3, seed = 0, size = 12): Net {
  const model = buildSmallCnn({ inputShape: [size, size, 1], classes, filters: [4, 6, 8], embedUnits: 12, dropout: 0.2, seed, name: 'tiny' });
  return {
    model,
    groups: Object.entries(SMALL_CNN_GROUPS).map(([name, layers]) => ({ name, layers: [...layers] })),
    classNames: Array.from({ length: classes }, (_, i) => `c${i}`),
    preprocessing: { height: size, width: size, channels: 1 },
    origin: `tiny(seed=${seed})`,
  };
}

/** Copies of all weights of a model, keyed by their name within the model ('layer/weight'). */
export function snapshot(model: tfn.LayersModel): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const w of model.weights) out.set(w.originalName, w.read().dataSync().slice() as Float32Array);
  return out;
}

/** Put a snapshot's values back into a model with the same architecture. */
export function restore(model: tfn.LayersModel, snap: Map<string, Float32Array>): void {
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const ws = layer.weights.map((w) => tf.tensor(snap.get(w.originalName)!, w.shape as number[]));
    layer.setWeights(ws);
    tf.dispose(ws);
  }
}

/** Names of weights that differ between two snapshots. */
export function changed(a: Map<string, Float32Array>, b: Map<string, Float32Array>): string[] {
  const names: string[] = [];
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || w.length !== v.length || v.some((x, i) => x !== w[i])) names.push(k);
  }
  return names;
}

export { tf };

let pretrained: Promise<Net> | null = null;

/** A tiny net trained on the toy task (once per process): a stand-in pretrained backbone. */
export function pretrainedTiny(): Promise<Net> {
  pretrained ??= (async () => {
    const { train } = require('../src/train/loop') as typeof import('../src/train/loop');

    const { imageSource } = require('../src/train/source') as typeof import('../src/train/source');
    const net = tinyNet(3, 11);
    await train(net, imageSource(toyImages(96, 3, 1), net.preprocessing), { epochs: 6, batchSize: 16, learningRate: 1e-2 });
    return net;
  })();
  return pretrained;
}

/** The toy task with its labels rotated (c -> c+1 mod k): same inputs, a new labelling. */
export function relabelled(ds: ImageDataset): ImageDataset {
  const k = ds.classNames.length;
  return { ...ds, name: `${ds.name}-rotated`, labels: ds.labels.map((c) => (c + 1) % k) };
}

/** A tiny synthetic set: image i is filled with byte i, label i % classes. */
export function synthetic(count: number, classes = 3, h = 2, w = 2, c = 1): ImageDataset {
  const size = h * w * c;
  const images = new Uint8Array(count * size);
  for (let i = 0; i < count; i++) images.fill(i % 256, i * size, (i + 1) * size);
  return {
    name: 'synthetic',
    images,
    labels: Uint8Array.from({ length: count }, (_, i) => i % classes),
    count,
    height: h,
    width: w,
    channels: c,
    classNames: Array.from({ length: classes }, (_, i) => `c${i}`),
    source: 'test',
  };
}
