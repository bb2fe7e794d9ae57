/**
 * Export a Net for the browser (Teachable Machine, ml5): a tfjs layers model that plain
 * `@tensorflow/tfjs` loads (the library's SeededDropout, an identity at inference, becomes
 * the standard Dropout layer), net.json with the class names and preprocessing, a local
 * copy of tf.min.js (no CDN) and a static page that classifies a picked or drawn image.
 * The export is checked before it is put in place: a separate Node process loads it with
 * the pure-JS `@tensorflow/tfjs` alone and must reproduce the library's probabilities.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { Net, checkNet } from './net';
import { PAGE_HTML, PAGE_JS } from './web-page';
import { Random } from '../random';

/** Options for {@link exportWeb}. */
export interface ExportWebOptions {
  /** Page title. Default: 'transfer-lab: <class names>'. */
  title?: string;
  /**
   * Load the export with plain @tensorflow/tfjs in a separate Node process and compare its
   * probabilities on seeded random inputs with the library's. Default true.
   */
  verify?: boolean;
}

/** What {@link exportWeb} wrote. */
export interface WebExport {
  /** The folder (absolute). */
  dir: string;
  /** Files written, relative to `dir`. */
  files: string[];
  /** Layers replaced by standard ones (`name: SeededDropout -> Dropout`). */
  replaced: string[];
  /** Largest difference between plain tfjs's and the library's probabilities (when verified). */
  maxAbsDiff?: number;
}

/** The sidecar net.json of a web export. */
interface WebMeta {
  format: 'transfer-lab-web';
  version: 1;
  title: string;
  classNames: string[];
  preprocessing: Net['preprocessing'];
  origin: string;
}

type Topology = { class_name?: string; config?: Record<string, unknown> & { layers?: Topology[] } };

/** Replace the library's custom layers in a Keras topology by built-in ones, in place. */
function standardize(node: unknown, replaced: string[]): void {
  if (Array.isArray(node)) {
    for (const x of node) standardize(x, replaced);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const t = node as Topology;
  if (t.class_name === 'SeededDropout' && t.config) {
    const { name, trainable, rate } = t.config as { name: string; trainable?: boolean; rate: number };
    t.class_name = 'Dropout';
    t.config = { name, trainable: trainable ?? true, dtype: 'float32', rate, noise_shape: null, seed: null };
    replaced.push(`${name}: SeededDropout -> Dropout`);
    return;
  }
  for (const v of Object.values(t)) standardize(v, replaced);
}

/** Where the browser build of @tensorflow/tfjs is (installed with tfjs-node, same version). */
function tfjsBrowserBuild(): string {
  let pkg: string;
  try {
    pkg = require.resolve('@tensorflow/tfjs/package.json');
  } catch {
    throw new Error(
      `exportWeb: the @tensorflow/tfjs package is not installed (it comes with @tensorflow/tfjs-node). Fix: run 'npm install' in the transfer-lab folder.`,
    );
  }
  const file = path.join(path.dirname(pkg), 'dist', 'tf.min.js');
  if (!fs.existsSync(file)) throw new Error(`exportWeb: ${file} is missing from the @tensorflow/tfjs package. Fix: reinstall it ('npm install').`);
  return file;
}

function exportProblem(target: string): string | null {
  if (!fs.existsSync(target)) return null;
  if (!fs.statSync(target).isDirectory()) return 'is a file, not a folder';
  const entries = fs.readdirSync(target);
  if (entries.length === 0) return null;
  try {
    if (JSON.parse(fs.readFileSync(path.join(target, 'net.json'), 'utf8')).format === 'transfer-lab-web') return null;
  } catch {
    /* not an earlier export */
  }
  return `is a folder that holds other files (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}), not an earlier web export; replacing it would delete them`;
}

/** Probabilities of plain @tensorflow/tfjs (pure JS, no library code) for `inputs`, in a child process. */
function plainTfjsProbs(modelDir: string, inputs: Float32Array, shape: number[]): Promise<Float32Array> {
  const tfjs = require.resolve('@tensorflow/tfjs');
  const script = `
    const fs = require('fs'), path = require('path');
    const tf = require(process.argv[1]);
    const dir = process.argv[2];
    const shape = JSON.parse(process.argv[3]);
    const handler = { load: async () => {
      const m = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      const specs = m.weightsManifest.flatMap((g) => g.weights);
      const bufs = m.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p))));
      const all = Buffer.concat(bufs);
      return { modelTopology: m.modelTopology, weightSpecs: specs, weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength), format: m.format };
    } };
    (async () => {
      await tf.setBackend('cpu');
      const model = await tf.loadLayersModel(handler);
      const x = fs.readFileSync(0);
      const input = tf.tensor(new Float32Array(x.buffer, x.byteOffset, x.byteLength / 4), shape);
      const p = model.predict(input);
      process.stdout.write(Buffer.from((await p.data()).buffer));
    })().catch((e) => { process.stderr.write('PLAIN-TFJS-ERROR ' + e.message.split('\\n')[0]); process.exit(3); });`;
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['-e', script, tfjs, modelDir, JSON.stringify(shape)],
      { encoding: 'buffer', maxBuffer: 1 << 28, timeout: 300_000 },
      (err, stdout, stderr) => {
        const msg = /PLAIN-TFJS-ERROR (.*)/.exec(stderr.toString('utf8'))?.[1];
        if (err || msg) return reject(new Error(msg ?? (err as Error).message.split('\n')[0]));
        const b = Buffer.from(stdout);
        resolve(new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4).slice());
      },
    );
    child.stdin!.end(Buffer.from(inputs.buffer, inputs.byteOffset, inputs.byteLength));
  });
}

/**
 * Export a classifier Net to a folder a static web server can serve: `model/` (plain tfjs
 * layers format), `net.json` (class names, preprocessing), `tf.min.js` (a local copy of
 * @tensorflow/tfjs), `index.html` + `app.js` (pick or draw an image, see the classes).
 * Written to a temporary folder, checked with plain tfjs (see {@link ExportWebOptions.verify}),
 * then renamed into place; an earlier export in `outDir` is replaced, any other folder is refused.
 *
 * @returns what was written, and the measured difference to the library's predictions
 * @example
 * const out = await exportWeb(net, 'out/web/digits');
 * // then: python3 -m http.server -d out/web/digits 8000, and open http://127.0.0.1:8000
 */
export async function exportWeb(net: Net, outDir: string, opts: ExportWebOptions = {}): Promise<WebExport> {
  checkNet(net, 'exportWeb');
  if (typeof outDir !== 'string' || outDir.trim() === '')
    throw new Error(`exportWeb: the output folder must be a path, got ${JSON.stringify(outDir)}. Fix: pass e.g. 'out/web/my-net'.`);
  if (opts === null || typeof opts !== 'object')
    throw new Error(`exportWeb: options must be an object, got ${opts === null ? 'null' : typeof opts}. Fix: pass e.g. { title: 'My classifier' } or nothing.`);
  const out = net.model.outputs[0].shape;
  const k = net.classNames.length;
  if (k < 2 || out.length !== 2 || out[1] !== k)
    throw new Error(
      `exportWeb: the net has ${k} class names and outputs of shape [${out.map(String)}]: not a classifier. Fix: export a net with a head (withHead) and one class name per output.`,
    );
  const pre = net.preprocessing;
  const input = net.model.inputs[0].shape;
  if (input.length !== 4 || input[1] !== pre.height || input[2] !== pre.width || input[3] !== pre.channels) {
    throw new Error(
      `exportWeb: the page feeds images of ${pre.height}x${pre.width}x${pre.channels} (net.preprocessing) but the model takes [${input.map(String)}]. Fix: export an image net whose preprocessing matches its input (a Net from loadNet, withHead or netFromModel).`,
    );
  }
  const target = path.resolve(outDir);
  const problem = exportProblem(target);
  if (problem) throw new Error(`exportWeb: ${target} ${problem}. Fix: export into a new or empty folder.`);
  const tfjsFile = tfjsBrowserBuild();
  const replaced: string[] = [];
  let artifacts: { modelTopology?: unknown; weightSpecs?: unknown[]; weightData?: unknown } | undefined;
  await net.model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const topology = JSON.parse(JSON.stringify(artifacts!.modelTopology)) as unknown;
  standardize(topology, replaced);
  const title = opts.title ?? `transfer-lab: ${net.classNames.slice(0, 6).join(', ')}${k > 6 ? ', ...' : ''}`;
  const meta: WebMeta = { format: 'transfer-lab-web', version: 1, title, classNames: net.classNames, preprocessing: pre, origin: net.origin };
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  const files = ['model/model.json', 'model/weights.bin', 'net.json', 'tf.min.js', 'index.html', 'app.js'];
  try {
    fs.mkdirSync(path.join(tmp, 'model'), { recursive: true });
    const modelJson = {
      format: 'layers-model',
      generatedBy: 'transfer-lab exportWeb',
      convertedBy: null,
      modelTopology: topology,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts!.weightSpecs }],
    };
    fs.writeFileSync(path.join(tmp, 'model', 'model.json'), JSON.stringify(modelJson));
    const wd = artifacts!.weightData as ArrayBuffer | ArrayBuffer[];
    fs.writeFileSync(path.join(tmp, 'model', 'weights.bin'), Buffer.concat((Array.isArray(wd) ? wd : [wd]).map((b) => Buffer.from(b))));
    fs.writeFileSync(path.join(tmp, 'net.json'), JSON.stringify(meta, null, 2) + '\n');
    fs.copyFileSync(tfjsFile, path.join(tmp, 'tf.min.js'));
    fs.writeFileSync(path.join(tmp, 'index.html'), PAGE_HTML);
    fs.writeFileSync(path.join(tmp, 'app.js'), PAGE_JS);
    let maxAbsDiff: number | undefined;
    if (opts.verify ?? true) {
      // Seeded inputs in the model's own range: pixels in [0, 1], then the net's normalisation.
      const n = 4;
      const size = pre.height * pre.width * pre.channels;
      const r = new Random(7);
      const xs = new Float32Array(n * size);
      const perChannel = (v: number | number[] | undefined, fallback: number, c: number): number => (v === undefined ? fallback : Array.isArray(v) ? v[c] : v);
      for (let i = 0; i < xs.length; i++) {
        const c = i % pre.channels;
        xs[i] = (r.next() - perChannel(pre.mean, 0, c)) / perChannel(pre.std, 1, c);
      }
      const shape = [n, pre.height, pre.width, pre.channels];
      let plain: Float32Array;
      try {
        plain = await plainTfjsProbs(path.join(tmp, 'model'), xs, shape);
      } catch (e) {
        throw new Error(
          `exportWeb: plain @tensorflow/tfjs cannot load or run the exported model (${(e as Error).message}). Fix: export nets built from built-in tfjs layers (image nets of this library are); custom layers (e.g. the text encoder's) have no plain-tfjs equivalent.`,
        );
      }
      const ours = tf.tidy(() => {
        const x = tf.tensor4d(xs, shape as [number, number, number, number]);
        return (net.model.predict(x) as tfn.Tensor).dataSync() as Float32Array;
      });
      if (plain.length !== ours.length)
        throw new Error(`exportWeb: plain tfjs returned ${plain.length} probabilities, the library ${ours.length}. Fix: report this as a bug.`);
      maxAbsDiff = ours.reduce((m, v, i) => Math.max(m, Math.abs(v - plain[i])), 0);
      if (!(maxAbsDiff < 1e-4))
        throw new Error(
          `exportWeb: plain tfjs's probabilities differ from the library's by up to ${maxAbsDiff} on the same inputs. Fix: report this as a bug, with the net's layer list (inspect(net)).`,
        );
    }
    const old = `${target}.old-${process.pid}-${Date.now()}`;
    if (fs.existsSync(target)) fs.renameSync(target, old);
    fs.renameSync(tmp, target);
    fs.rmSync(old, { recursive: true, force: true });
    return { dir: target, files, replaced, maxAbsDiff };
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
