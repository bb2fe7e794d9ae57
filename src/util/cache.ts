/**
 * The feature cache shared by every data kind: a net's outputs for a data set, kept in
 * memory (the 16 most recently used sets) and optionally on disk (~/.cache/transfer-lab/features,
 * one .f32 file and one .json file per key). A key hashes everything that makes the
 * features (see `featureDigest`), so a stale entry is never found.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir } from '../data/fashion';
import type { FeatureSet } from '../train/source';
import { writeAtomic } from './atomic';

/** Where features are kept: 'memory' (default), 'disk' (memory and a folder), or 'none'. */
export type CacheMode = 'memory' | 'disk' | 'none';

const memory = new Map<string, FeatureSet>();
/** Feature sets kept in memory; the least recently used goes first. */
const MEMORY_ENTRIES = 16;

/**
 * Throw unless `mode` is a cache mode.
 *
 * @example
 * checkCacheMode('disk');
 */
export function checkCacheMode(mode: unknown): asserts mode is CacheMode {
  if (mode !== 'memory' && mode !== 'disk' && mode !== 'none') throw new Error(`cache must be 'memory', 'disk' or 'none', got '${String(mode)}'.`);
}

/** What a cached feature set must match: its examples and the width of its rows. */
export interface FeatureRequest {
  mode: CacheMode;
  /** The key (computed only when a cache is used). */
  key: () => string;
  /** The key of an uncached set (names it in errors). */
  uncachedKey: string;
  labels: Uint8Array;
  classNames: string[];
  count: number;
  dim: number;
  /** Folder of the disk cache. Default ~/.cache/transfer-lab/features. */
  dir?: string;
}

/**
 * The request for a net's outputs on a labelled data set (any data kind): its examples
 * come from `ds`, its uncached key from the net's origin.
 *
 * @example
 * const feats = await cachedFeatures(featureRequest(net, ds, { mode: 'memory', dim: 256, key: () => k }), compute);
 */
export function featureRequest(
  net: { origin: string },
  ds: { labels: Uint8Array; classNames: string[]; count: number },
  req: Pick<FeatureRequest, 'mode' | 'dir' | 'dim' | 'key'>,
): FeatureRequest {
  return { ...req, labels: ds.labels, classNames: ds.classNames, count: ds.count, uncachedKey: `uncached:${net.origin}` };
}

/**
 * The feature set of a request: from memory, then disk (mode 'disk'), else computed and kept.
 *
 * @example
 * const fs = await cachedFeatures({ mode: 'memory', key: () => k, uncachedKey: 'x', labels, classNames, count, dim }, compute);
 */
export async function cachedFeatures(req: FeatureRequest, compute: () => Promise<Float32Array>): Promise<FeatureSet> {
  checkCacheMode(req.mode);
  const make = (features: Float32Array, key: string): FeatureSet => ({
    features,
    labels: req.labels,
    count: req.count,
    dim: req.dim,
    classNames: req.classNames,
    key,
  });
  if (req.mode === 'none') return make(await compute(), req.uncachedKey);
  const key = req.key();
  const hit = memory.get(key) ?? (req.mode === 'disk' ? readDisk(req, key) : undefined);
  if (hit) {
    remember(key, hit);
    return hit;
  }
  const set = make(await compute(), key);
  remember(key, set);
  if (req.mode === 'disk') writeDisk(req.dir, key, set);
  return set;
}

function remember(key: string, f: FeatureSet): void {
  memory.delete(key);
  memory.set(key, f);
  while (memory.size > MEMORY_ENTRIES) memory.delete(memory.keys().next().value as string);
}

/**
 * Forget the in-memory feature cache (the disk cache stays).
 *
 * @example
 * clearFeatureCache();
 */
export function clearFeatureCache(): void {
  memory.clear();
}

function diskDir(dir?: string): string {
  return dir ?? path.join(cacheDir(), 'features');
}

function readDisk(req: FeatureRequest, key: string): FeatureSet | undefined {
  const base = path.join(diskDir(req.dir), key);
  try {
    const meta = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8')) as { count: number; dim: number };
    const buf = fs.readFileSync(`${base}.f32`);
    if (meta.count !== req.count || meta.dim !== req.dim || buf.length !== req.count * req.dim * 4) return undefined; // stale or torn: recompute
    const features = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
    return { features, labels: req.labels, count: req.count, dim: req.dim, classNames: req.classNames, key };
  } catch {
    return undefined;
  }
}

function writeDisk(dir: string | undefined, key: string, f: FeatureSet): void {
  const d = diskDir(dir);
  const base = path.join(d, key);
  try {
    // Features first, then the JSON that vouches for them: a reader needs both to agree.
    writeAtomic(`${base}.f32`, new Uint8Array(f.features.buffer, f.features.byteOffset, f.features.byteLength));
    writeAtomic(`${base}.json`, JSON.stringify({ key, count: f.count, dim: f.dim, classNames: f.classNames }) + '\n');
  } catch (e) {
    const why = ((e as Error).cause as Error | undefined)?.message ?? (e as Error).message;
    throw new Error(`cannot write the feature cache in ${d} (${why}). Fix: pass a writable cacheDir, or cache: 'memory'.`);
  }
}
