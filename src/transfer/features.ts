/**
 * Feature extraction: run a (cut) backbone over a data set once, in batches and in
 * inference mode, and keep the outputs. A head trained on cached features skips the
 * backbone entirely, which is what makes linear probes fast.
 *
 * Cache keys hash the weights, the cut layer, the preprocessing and the data bytes, so a
 * fine-tuned backbone or a different sample never reuses stale features.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../backend';
import { predictor } from '../graph/predict';
import type * as tfn from '@tensorflow/tfjs-node';
import { ImageDataset } from '../data/dataset';
import { cacheDir } from '../data/fashion';
import { Net, checkNet } from './net';
import { FeatureSet, imageSource } from '../train/source';

/** Options for {@link extractFeatures}. */
export interface ExtractOptions {
  /** Images per forward pass. Default 256. */
  batchSize?: number;
  /** Cache: 'memory' (default), 'disk' (memory and datasets/cache/features), or 'none'. */
  cache?: 'memory' | 'disk' | 'none';
  /** Folder of the disk cache. Default datasets/cache/features. */
  cacheDir?: string;
}

const memory = new Map<string, FeatureSet>();
const MEMORY_ENTRIES = 16;

/** A stable key for (weights, output layer, preprocessing, data). */
export function featureKey(net: Net, ds: ImageDataset): string {
  checkNet(net, 'featureKey');
  const h = crypto.createHash('sha256');
  h.update(net.model.outputs[0].sourceLayer.name);
  h.update(JSON.stringify(net.preprocessing));
  for (const w of net.model.getWeights()) {
    const d = w.dataSync();
    h.update(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  }
  h.update(`${ds.count}x${ds.height}x${ds.width}x${ds.channels}`);
  h.update(ds.images);
  h.update(ds.labels);
  return h.digest('hex').slice(0, 24);
}

/**
 * Compute (or fetch from the cache) a net's outputs for every image of a data set.
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
  if (!['memory', 'disk', 'none'].includes(mode)) throw new Error(`cache must be 'memory', 'disk' or 'none', got '${mode}'.`);
  const batchSize = opts.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}.`);
  const src = imageSource(ds, net.preprocessing);
  const outShape = net.model.outputs[0].shape.slice(1) as number[];
  const dim = outShape.reduce((a, b) => a * b, 1);
  const key = mode === 'none' ? `uncached:${net.origin}` : featureKey(net, ds);
  if (mode !== 'none') {
    const hit = memory.get(key) ?? (mode === 'disk' ? readDisk(opts.cacheDir, key, ds, dim) : undefined);
    if (hit) { remember(key, hit); return hit; }
  }
  const features = new Float32Array(ds.count * dim);
  const idx = Int32Array.from({ length: ds.count }, (_, i) => i);
  const predict = predictor(net.model);
  for (let s = 0; s < ds.count; s += batchSize) {
    const { xs, ys } = src.batch(idx.subarray(s, Math.min(ds.count, s + batchSize)));
    const out = tf.tidy(() => predict(xs).reshape([xs.shape[0], dim]));
    features.set(await out.data() as Float32Array, s * dim);
    tf.dispose([xs, ys, out]);
  }
  const fs_: FeatureSet = { features, labels: ds.labels, count: ds.count, dim, classNames: ds.classNames, key };
  if (mode !== 'none') remember(key, fs_);
  if (mode === 'disk') writeDisk(opts.cacheDir, key, fs_);
  return fs_;
}

function remember(key: string, f: FeatureSet): void {
  memory.delete(key);
  memory.set(key, f);
  while (memory.size > MEMORY_ENTRIES) memory.delete(memory.keys().next().value as string);
}

/** Forget the in-memory feature cache (the disk cache stays). */
export function clearFeatureCache(): void {
  memory.clear();
}

function diskDir(dir?: string): string {
  return dir ?? path.join(cacheDir(), 'features');
}

function readDisk(dir: string | undefined, key: string, ds: ImageDataset, dim: number): FeatureSet | undefined {
  const base = path.join(diskDir(dir), key);
  try {
    const meta = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8')) as { count: number; dim: number };
    const buf = fs.readFileSync(`${base}.f32`);
    if (meta.count !== ds.count || meta.dim !== dim || buf.length !== ds.count * dim * 4) return undefined; // stale or torn: recompute
    const features = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
    return { features, labels: ds.labels, count: ds.count, dim, classNames: ds.classNames, key };
  } catch {
    return undefined;
  }
}

function writeDisk(dir: string | undefined, key: string, f: FeatureSet): void {
  const d = diskDir(dir);
  const base = path.join(d, key);
  const tmp = `${base}.tmp-${process.pid}`;
  try {
    fs.mkdirSync(d, { recursive: true });
    // Features first, then the JSON that vouches for them: a reader needs both to agree.
    fs.writeFileSync(`${tmp}.f32`, Buffer.from(f.features.buffer, f.features.byteOffset, f.features.byteLength));
    fs.renameSync(`${tmp}.f32`, `${base}.f32`);
    fs.writeFileSync(`${tmp}.json`, JSON.stringify({ key, count: f.count, dim: f.dim, classNames: f.classNames }) + '\n');
    fs.renameSync(`${tmp}.json`, `${base}.json`);
  } catch (e) {
    for (const t of [`${tmp}.f32`, `${tmp}.json`]) try { fs.rmSync(t, { force: true }); } catch { /* its folder cannot exist */ }
    throw new Error(`cannot write the feature cache in ${d} (${(e as Error).message}). Fix: pass a writable cacheDir, or cache: 'memory'.`);
  }
}
