/**
 * Save and load a Net: the tfjs layers model (model.json + weights) and `net.json` with
 * its groups, class names, preprocessing and origin. Writes go to a temporary folder
 * that is renamed into place, so a crash never leaves a half-written model.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../backend';
import { Net, LayerGroup, Preprocessing, checkNet } from './net';
import { patchBatchNorm } from './freeze';
import './layers';
import { swapInFolder } from '../util/atomic';
import { engineOf } from '../internals/tfjs';

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

/** Options for {@link saveNet}. */
export interface SaveNetOptions {
  /** Extra files written into the folder with the model, by file name (e.g. a checkpoint's optimizer state). Default none. */
  files?: Record<string, Uint8Array | string>;
}

/** Why `target` must not be replaced by a saved net, or null when it may be. */
function replaceProblem(target: string): string | null {
  if (!fs.existsSync(target)) return null;
  if (!fs.statSync(target).isDirectory()) return 'is a file, not a folder';
  const entries = fs.readdirSync(target);
  if (entries.length === 0) return null;
  // A saved model is model.json, net.json and .bin weight files; anything else is someone's data.
  const others = entries.filter((f) => f !== 'model.json' && f !== 'net.json' && !f.endsWith('.bin'));
  if (!entries.includes('model.json'))
    return `is a folder that holds no saved model (it has ${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}); replacing it would delete those files`;
  if (others.length)
    return `holds a model and other files (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', ...' : ''}); replacing it would delete those files`;
  return null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the `<target>.tmp-<pid>-*` / `<target>.old-<pid>-*` folders that a {@link saveNet}
 * killed mid-way left behind (only those of processes no longer running).
 *
 * @example
 * removeStaleSaves('models/fashion-cnn.checkpoint');
 */
export function removeStaleSaves(target: string): void {
  removeStale(path.resolve(target));
}

function removeStale(target: string): void {
  const dir = path.dirname(target);
  if (!fs.existsSync(dir)) return;
  const base = path.basename(target);
  for (const f of fs.readdirSync(dir)) {
    const m = /^\.(tmp|old)-(\d+)-\d+$/.exec(f.slice(base.length));
    if (f.startsWith(base) && m && Number(m[2]) !== process.pid && !alive(Number(m[2]))) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
  }
}

/**
 * Save a net to a folder (created or replaced atomically). Refuses to replace a file or
 * a folder that holds something other than a saved model, and removes the temporary
 * folders of earlier saves that were killed.
 *
 * @param info extra facts stored in net.json (e.g. how it was trained)
 * @example
 * await saveNet(net, 'models/my-net', { testAccuracy: 0.93 });
 */
export async function saveNet(net: Net, dir: string, info: Record<string, unknown> = {}, opts: SaveNetOptions = {}): Promise<void> {
  checkNet(net, 'saveNet');
  const target = path.resolve(dir);
  const problem = replaceProblem(target);
  if (problem) throw new Error(`saveNet: ${target} ${problem}. Fix: save into a new folder, or into one that holds a saved model (it is replaced as a whole).`);
  for (const name of Object.keys(opts.files ?? {})) {
    if (!/^[\w.-]+$/.test(name) || ['model.json', 'net.json', 'weights.bin'].includes(name))
      throw new Error(`saveNet: extra file name '${name}' is not allowed. Fix: use a plain file name other than model.json, net.json and weights.bin.`);
  }
  const fail = (err: unknown): never => {
    throw new Error(
      `saveNet: could not save to ${target} (${(err as Error).message.split('\n')[0]}). Fix: choose a folder path in a writable location with free space.`,
    );
  };
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
  } catch (err) {
    fail(err);
  }
  removeStale(target);
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  try {
    fs.mkdirSync(tmp);
  } catch (err) {
    fail(err);
  }
  try {
    await net.model.save(`file://${tmp}`);
    const meta: NetMeta = {
      format: 'transfer-lab-net',
      version: 1,
      groups: net.groups,
      classNames: net.classNames,
      preprocessing: net.preprocessing,
      origin: net.origin,
      info,
    };
    fs.writeFileSync(path.join(tmp, 'net.json'), JSON.stringify(meta, null, 2) + '\n');
    for (const [name, data] of Object.entries(opts.files ?? {})) fs.writeFileSync(path.join(tmp, name), data);
    swapInFolder(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    fail(err);
  }
}

type NodeRef = [string, number, number, unknown?];
interface LayerConfig {
  name?: string;
  class_name?: string;
  inbound_nodes?: NodeRef[][];
}

/**
 * Check a layers-model topology before tfjs sees it: tfjs's functional-model builder
 * loops forever on an inbound node that names a missing layer or node, so a corrupt
 * model.json would hang instead of failing. Returns a problem, or null when it is sound.
 *
 * @example
 * const problem = topologyProblem(JSON.parse(text).modelTopology);
 */
export function topologyProblem(topology: unknown): string | null {
  type ModelConfig = { class_name?: string; config?: { layers?: LayerConfig[]; input_layers?: NodeRef[]; output_layers?: NodeRef[] } };
  const t = topology as (ModelConfig & { model_config?: ModelConfig }) | undefined;
  // tfjs writes the Keras config at the top; models converted from Keras wrap it in model_config.
  const mc = t?.model_config ?? t;
  if (!mc || typeof mc !== 'object' || typeof mc.class_name !== 'string') return 'model.json has no model topology (class_name and config)';
  if (mc.class_name === 'Sequential') return null; // built layer by layer: no node references to resolve
  const cfg = mc.config;
  if (!cfg || !Array.isArray(cfg.layers)) return 'the model topology has no layer list';
  const nodes = new Map<string, number>();
  for (const l of cfg.layers) {
    if (!l || typeof l.name !== 'string') return 'a layer in the topology has no name';
    if (nodes.has(l.name)) return `layer name '${l.name}' appears twice in the topology`;
    nodes.set(l.name, Array.isArray(l.inbound_nodes) ? Math.max(1, l.inbound_nodes.length) : 1);
  }
  const ref = (r: unknown, where: string): string | null => {
    if (!Array.isArray(r) || typeof r[0] !== 'string' || !Number.isInteger(r[1]) || !Number.isInteger(r[2]) || r[1] < 0 || r[2] < 0)
      return `${where} has a malformed node reference ${JSON.stringify(r)}`;
    const n = nodes.get(r[0]);
    if (n === undefined) return `${where} refers to a layer '${r[0]}' that the topology does not define`;
    if (r[1] >= n) return `${where} refers to node ${r[1]} of layer '${r[0]}', which has ${n}`;
    return null;
  };
  for (const l of cfg.layers) {
    if (l.inbound_nodes !== undefined && !Array.isArray(l.inbound_nodes)) return `layer '${l.name}' has malformed inbound nodes`;
    for (const node of l.inbound_nodes ?? []) {
      if (!Array.isArray(node)) return `layer '${l.name}' has a malformed inbound node`;
      for (const r of node) {
        const p = ref(r, `layer '${l.name}'`);
        if (p) return p;
      }
    }
  }
  for (const r of [...(cfg.input_layers ?? []), ...(cfg.output_layers ?? [])]) {
    const p = ref(r, 'the model inputs/outputs');
    if (p) return p;
  }
  return null;
}

/**
 * Check a parsed model.json and the files beside it before tfjs reads them: a sound
 * topology (see {@link topologyProblem}), a weights manifest whose paths stay inside
 * `dir`, and weight files of exactly the declared size. Returns the problem, or null.
 *
 * @example
 * const problem = modelFilesProblem(JSON.parse(text), path.dirname(file));
 */
export function modelFilesProblem(modelJson: unknown, dir: string): string | null {
  const m = modelJson as { modelTopology?: unknown; weightsManifest?: unknown } | null;
  if (!m || typeof m !== 'object') return 'model.json is not an object';
  const tp = topologyProblem(m.modelTopology);
  if (tp) return tp;
  if (!Array.isArray(m.weightsManifest)) return 'model.json has no weightsManifest (not a tfjs layers model with weights)';
  const abs = path.resolve(dir);
  for (const g of m.weightsManifest as { paths?: unknown; weights?: unknown }[]) {
    if (!g || !Array.isArray(g.paths) || !Array.isArray(g.weights)) return 'the weights manifest has a malformed group';
    let expected = 0;
    for (const w of g.weights as { shape?: unknown; dtype?: unknown }[]) {
      if (!w || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0))
        return `the weights manifest has a malformed shape ${JSON.stringify(w?.shape)}`;
      expected += (w.shape as number[]).reduce((a, b) => a * b, 1) * (w.dtype === 'float32' || w.dtype === 'int32' ? 4 : 1);
    }
    let actual = 0;
    for (const p of g.paths as unknown[]) {
      if (typeof p !== 'string') return 'the weights manifest has a path that is not a string';
      const f = path.resolve(abs, p);
      if (path.isAbsolute(p) || path.relative(abs, f).startsWith('..')) return `the weights manifest points outside the model folder ('${p}')`;
      if (!fs.existsSync(f)) return `weight file '${p}' is missing`;
      actual += fs.statSync(f).size;
    }
    if (actual !== expected)
      return `the weight files ${(g.paths as string[]).join(', ')} hold ${actual} bytes but the manifest describes ${expected} (truncated or corrupt)`;
  }
  return null;
}

function fail(dir: string, problem: string): never {
  throw new Error(
    `cannot load the model in ${dir}: ${problem}. Fix: re-create it (npx transfer-lab pretrain, or saveNet), or restore it from git (git checkout -- ${dir}).`,
  );
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
  let topo: unknown;
  try {
    topo = JSON.parse(fs.readFileSync(modelJson, 'utf8'));
  } catch (e) {
    fail(dir, `model.json is not valid JSON (${(e as Error).message})`);
  }
  try {
    meta = JSON.parse(fs.readFileSync(netJson, 'utf8'));
  } catch (e) {
    fail(dir, `net.json is not valid JSON (${(e as Error).message})`);
  }
  if (meta.format !== 'transfer-lab-net' || !Array.isArray(meta.groups) || !meta.preprocessing) fail(dir, 'net.json is not a transfer-lab net description');
  const problem = modelFilesProblem(topo, abs);
  if (problem) fail(dir, problem);
  const model = await loadLayersModelClean(`file://${modelJson}`).catch((e: Error) => fail(dir, `tfjs could not read it (${e.message.split('\n')[0]})`));
  for (const g of meta.groups) {
    for (const l of g.layers) {
      if (!model.layers.some((x) => x.name === l)) {
        model.dispose();
        fail(dir, `net.json names layer '${l}' (group ${g.name}) that the model does not have`);
      }
    }
  }
  patchBatchNorm(model);
  return { model, groups: meta.groups, classNames: meta.classNames, preprocessing: meta.preprocessing, origin: meta.origin };
}

/**
 * `tf.loadLayersModel`, but a failed load leaves nothing behind: tfjs builds the model
 * (creating its weight variables) before it reads the weights, and a mismatch there would
 * otherwise leak every variable it made.
 *
 * @example
 * const model = await loadLayersModelClean('file:///path/model.json');
 */
export async function loadLayersModelClean(url: string): Promise<import('@tensorflow/tfjs-node').LayersModel> {
  const engine = engineOf(tf);
  const before = new Set(Object.keys(engine.registeredVariables));
  // A scope collects the plain tensors made while loading (weight values read from the
  // file); variables are not scoped, so the model's weights survive its end either way.
  engine.startScope();
  try {
    return await tf.loadLayersModel(url);
  } catch (e) {
    for (const [name, v] of Object.entries(engine.registeredVariables)) if (!before.has(name)) v.dispose();
    // The first line names the problem (loadNet quotes it); the fix goes on the next line.
    throw new Error(
      `cannot load ${url}: ${(e as Error).message.split('\n')[0]}\nFix: check that the path exists and holds a tfjs layers model (model.json and its weight files).`,
    );
  } finally {
    engine.endScope();
  }
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
