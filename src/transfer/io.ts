/**
 * Save and load a Net: the tfjs layers model (model.json + weights) and `net.json` with
 * its groups, class names, preprocessing and origin. Writes go to a temporary folder
 * that is renamed into place, so a crash never leaves a half-written model.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../backend';
import { Net, LayerGroup, Preprocessing } from './net';
import { patchBatchNorm } from './freeze';
import './layers';

/** The sidecar file describing a saved Net. */
export interface NetMeta {
  format: 'transfer-lab-net';
  version: 1;
  groups: LayerGroup[];
  classNames: string[];
  preprocessing: Preprocessing;
  origin: string;
  /** Anything else worth keeping (training record, test accuracy, ...). */
  info?: Record<string, unknown>;
}

/**
 * Save a net to a folder (created or replaced atomically).
 *
 * @param info extra facts stored in net.json (e.g. how it was trained)
 * @example
 * await saveNet(net, 'models/my-net', { testAccuracy: 0.93 });
 */
export async function saveNet(net: Net, dir: string, info: Record<string, unknown> = {}): Promise<void> {
  const target = path.resolve(dir);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  fs.mkdirSync(tmp);
  try {
    await net.model.save(`file://${tmp}`);
    const meta: NetMeta = { format: 'transfer-lab-net', version: 1, groups: net.groups, classNames: net.classNames, preprocessing: net.preprocessing, origin: net.origin, info };
    fs.writeFileSync(path.join(tmp, 'net.json'), JSON.stringify(meta, null, 2) + '\n');
    const old = `${target}.old-${process.pid}-${Date.now()}`;
    if (fs.existsSync(target)) fs.renameSync(target, old);
    fs.renameSync(tmp, target);
    fs.rmSync(old, { recursive: true, force: true });
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

function fail(dir: string, problem: string): never {
  throw new Error(`cannot load the model in ${dir}: ${problem}. Fix: re-create it (npx transfer-lab pretrain, or saveNet), or restore it from git (git checkout -- ${dir}).`);
}

/**
 * Load a net saved by {@link saveNet}, checking model.json, the weight files (sizes, and
 * that the manifest points inside the folder) and net.json first, so a corrupt model gives
 * a clear error instead of a tfjs stack trace.
 *
 * @example
 * const net = await loadNet('models/fashion-cnn');
 */
export async function loadNet(dir: string): Promise<Net> {
  const abs = path.resolve(dir);
  const modelJson = path.join(abs, 'model.json');
  const netJson = path.join(abs, 'net.json');
  if (!fs.existsSync(abs)) fail(dir, 'the folder does not exist');
  if (!fs.existsSync(modelJson)) fail(dir, 'model.json is missing');
  if (!fs.existsSync(netJson)) fail(dir, 'net.json is missing');
  let meta: NetMeta;
  let topo: { weightsManifest?: { paths: string[]; weights: { shape: number[]; dtype: string }[] }[] };
  try { topo = JSON.parse(fs.readFileSync(modelJson, 'utf8')); } catch (e) { fail(dir, `model.json is not valid JSON (${(e as Error).message})`); }
  try { meta = JSON.parse(fs.readFileSync(netJson, 'utf8')); } catch (e) { fail(dir, `net.json is not valid JSON (${(e as Error).message})`); }
  if (meta.format !== 'transfer-lab-net' || !Array.isArray(meta.groups) || !meta.preprocessing) fail(dir, 'net.json is not a transfer-lab net description');
  const manifest = topo.weightsManifest;
  if (!Array.isArray(manifest)) fail(dir, 'model.json has no weightsManifest');
  let expected = 0;
  let actual = 0;
  for (const group of manifest) {
    for (const w of group.weights ?? []) expected += w.shape.reduce((a, b) => a * b, 1) * (w.dtype === 'float32' || w.dtype === 'int32' ? 4 : 1);
    for (const p of group.paths ?? []) {
      const f = path.resolve(abs, p);
      if (path.relative(abs, f).startsWith('..') || path.isAbsolute(p)) fail(dir, `the weights manifest points outside the model folder ('${p}')`);
      if (!fs.existsSync(f)) fail(dir, `weight file '${p}' is missing`);
      actual += fs.statSync(f).size;
    }
  }
  if (actual !== expected) fail(dir, `the weight files hold ${actual} bytes but the manifest describes ${expected} (truncated or corrupt)`);
  let model;
  try {
    model = await tf.loadLayersModel(`file://${modelJson}`);
  } catch (e) {
    fail(dir, `tfjs could not read it (${(e as Error).message.split('\n')[0]})`);
  }
  for (const g of meta.groups) for (const l of g.layers) if (!model.layers.some((x) => x.name === l)) fail(dir, `net.json names layer '${l}' (group ${g.name}) that the model does not have`);
  patchBatchNorm(model);
  return { model, groups: meta.groups, classNames: meta.classNames, preprocessing: meta.preprocessing, origin: meta.origin };
}

/**
 * Read a saved net's net.json without loading the weights.
 *
 * @example
 * readNetMeta('models/fashion-cnn').info?.testAccuracy;
 */
export function readNetMeta(dir: string): NetMeta {
  const f = path.join(path.resolve(dir), 'net.json');
  try {
    return JSON.parse(fs.readFileSync(f, 'utf8')) as NetMeta;
  } catch (e) {
    return fail(dir, `net.json cannot be read (${(e as Error).message})`);
  }
}
