/**
 * Predict image files with a classifier net: each file is decoded and resized to the
 * net's input (its `preprocessing`), as `loadImageFolder` does, then classified.
 */
import * as fs from 'fs';
import { tf } from '../backend';
import { predictor } from '../graph/predict';
import { decodeResized } from '../data/folder';
import { ImageDataset } from '../data/dataset';
import { imageSource } from '../train/source';
import { Net } from './net';

/** One class and its probability. */
export interface ClassScore {
  label: number;
  className: string;
  probability: number;
}

/** The prediction for one file: the most probable class, and the top classes. */
export interface FilePrediction extends ClassScore {
  file: string;
  /** The `topK` most probable classes, most probable first. */
  top: ClassScore[];
}

/** Options for {@link predictImageFiles}. */
export interface PredictFilesOptions {
  /** Classes listed in `top`. Default 3 (at most the number of classes). */
  topK?: number;
  /** Images per forward pass. Default 64. */
  batchSize?: number;
}

/**
 * Classify image files (PNG or JPEG) with a net that has a classifier head.
 *
 * @param files one path or several
 * @throws Error naming a file that is missing or cannot be decoded, or when the net has
 *   no class names (a feature extractor, not a classifier)
 * @example
 * const net = await loadNet('out/my-classifier');
 * const [p] = await predictImageFiles(net, 'photos/cat/001.jpg');
 * console.log(`${p.className} (${(100 * p.probability).toFixed(1)}%)`);
 */
export async function predictImageFiles(net: Net, files: string | string[], opts: PredictFilesOptions = {}): Promise<FilePrediction[]> {
  const list = Array.isArray(files) ? files : [files];
  const k = net.classNames.length;
  const out = net.model.outputs[0].shape;
  if (k < 2 || out.length !== 2 || out[1] !== k) {
    throw new Error(
      `predictImageFiles: the net has ${k} class names and outputs of shape [${out.join(', ')}]: not a classifier. Fix: use a net with a head (withHead) and its class names, e.g. one loaded with loadNet.`,
    );
  }
  const topK = Math.min(opts.topK ?? 3, k);
  const batchSize = opts.batchSize ?? 64;
  if (!Number.isInteger(topK) || topK < 1) throw new Error(`predictImageFiles: topK ${opts.topK} is not a positive integer.`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`predictImageFiles: batchSize ${batchSize} is not a positive integer.`);
  if (list.length === 0) return [];
  const { height, width } = net.preprocessing;
  const channels = net.preprocessing.channels as 1 | 3;
  const size = height * width * channels;
  const images = new Uint8Array(list.length * size);
  list.forEach((file, i) => {
    if (!fs.existsSync(file)) throw new Error(`predictImageFiles: ${file} does not exist. Fix: check the path.`);
    try {
      images.set(decodeResized(fs.readFileSync(file), height, width, channels), i * size);
    } catch (e) {
      throw new Error(`predictImageFiles: ${file} cannot be read as an image (${(e as Error).message.split('\n')[0]}). Fix: pass a PNG or JPEG file.`);
    }
  });
  const ds: ImageDataset = {
    name: 'files',
    images,
    labels: new Uint8Array(list.length),
    count: list.length,
    height,
    width,
    channels,
    classNames: net.classNames,
    source: 'files',
  };
  const src = imageSource(ds, net.preprocessing);
  const probs = new Float32Array(list.length * k);
  const idx = Int32Array.from({ length: list.length }, (_, i) => i);
  const predict = predictor(net.model);
  for (let s = 0; s < list.length; s += batchSize) {
    const { xs, ys } = src.batch(idx.subarray(s, Math.min(list.length, s + batchSize)));
    try {
      const p = tf.tidy(() => predict(xs));
      try {
        probs.set((await p.data()) as Float32Array, s * k);
      } finally {
        p.dispose();
      }
    } finally {
      tf.dispose([xs, ys]);
    }
  }
  return list.map((file, i) => {
    const row = Array.from(probs.subarray(i * k, (i + 1) * k));
    const top = row
      .map((probability, label) => ({ label, className: net.classNames[label], probability }))
      .sort((a, b) => b.probability - a.probability || a.label - b.label)
      .slice(0, topK);
    return { file, ...top[0], top };
  });
}
