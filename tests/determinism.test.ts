/**
 * Determinism across processes: a representative workload (a small compare sweep over all
 * five strategies, a quick pretrain, a seeded training run with augmentation, feature
 * extraction, a fine-tune) runs in separate child processes (this file, run as a script).
 * Two runs with the same seed must agree bit for bit: every number, and every weight
 * (SHA-256 of each tensor's bytes). A run with another seed must differ where the seed
 * matters (and agree where it does not: the pretrain recipe has its own seed).
 */
import * as assert from 'assert';
import { execFile } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const MB = 1024 * 1024;

interface Output {
  seed: number;
  sweep: unknown[];
  pretrain: { weights: string[]; history: number[][]; testAccuracy: number } | null;
  train: { weights: string[]; history: number[][] };
  features: { sha: string; head: number[] };
  fineTune: { weights: string[]; history: number[][]; probs: string };
}

/** The worker: run the workload with a seed and print its numbers as JSON (the last stdout line). */
async function worker(seed: number, withPretrain: boolean): Promise<void> {
  const { loadFashionMnist } = require('../src/data/fashion') as typeof import('../src/data/fashion');
  const { kShot } = require('../src/data/split') as typeof import('../src/data/split');
  const { loadTask } = require('../src/experiment/task') as typeof import('../src/experiment/task');
  const { compare } = require('../src/experiment/compare') as typeof import('../src/experiment/compare');
  const { loadBackbone } = require('../src/backbone/zoo') as typeof import('../src/backbone/zoo');
  const { pretrain } = require('../src/backbone/pretrain') as typeof import('../src/backbone/pretrain');
  const { buildSmallCnn, SMALL_CNN_GROUPS } = require('../src/backbone/architectures') as typeof import('../src/backbone/architectures');
  const { train } = require('../src/train/loop') as typeof import('../src/train/loop');
  const { imageSource } = require('../src/train/source') as typeof import('../src/train/source');
  const { cut, withHead } = require('../src/transfer/head') as typeof import('../src/transfer/head');
  const { extractFeatures } = require('../src/transfer/features') as typeof import('../src/transfer/features');
  const { fineTune } = require('../src/transfer/finetune') as typeof import('../src/transfer/finetune');
  const { cloneNet, disposeModels, predictProbs } = require('../src/experiment/strategies') as typeof import('../src/experiment/strategies');

  type Net = import('../src/transfer/net').Net;
  const sha = (b: ArrayBufferView): string =>
    crypto
      .createHash('sha256')
      .update(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
      .digest('hex');
  const weights = (net: Net): string[] => net.model.weights.map((w) => `${w.originalName}:${sha(w.read().dataSync() as Float32Array)}`);
  const curve = (h: { epochs: { loss: number; acc: number; valAcc?: number; lr: number }[] }): number[][] =>
    h.epochs.map((e) => [e.loss, e.acc, e.valAcc ?? -1, e.lr]);

  const backbone = await loadBackbone('fashion-cnn');
  const out: Partial<Output> = { seed };

  // 1. A compare sweep: every strategy, 1 label per class, this seed.
  const data = loadTask({ dataset: 'mnist' }, { testSize: 100, validationSize: 50 });
  const sweep = await compare(
    {
      name: 'determinism',
      backbone: 'fashion-cnn',
      task: { dataset: 'mnist' },
      strategies: ['scratch', 'linear-probe', 'head', 'fine-tune', 'gradual'],
      sizes: [1],
      seeds: [seed],
      testSize: 100,
      validationSize: 50,
      epochs: 3,
      curvePoints: 3,
      projectionPoints: 30,
    },
    { backbone, data },
  );
  out.sweep = sweep.rows.map((r) => ({
    key: r.key,
    accuracy: r.accuracy,
    macroF1: r.macroF1,
    topK: r.topKAccuracy,
    predictions: r.predictions,
    confusion: r.confusion,
    projection: r.projection ?? null,
    history: curve({ epochs: r.history }),
  }));

  // 2. A quick pretrain (its recipe has its own seed), a few batches.
  if (withPretrain) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-determinism-'));
    try {
      const p = await pretrain('fashion-a-cnn', { quick: true, epochs: 1, modelsDir: dir });
      const info = JSON.parse(fs.readFileSync(path.join(p.dir, 'net.json'), 'utf8')).info;
      out.pretrain = { weights: weights(p.net), history: curve({ epochs: info.history }), testAccuracy: p.testAccuracy };
      disposeModels(p.net.model);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } else {
    out.pretrain = null;
  }

  // 3. Training from scratch with this seed: seeded init, shuffles, shifts, flips and dropout.
  const fashion = kShot(loadFashionMnist('test'), 12, seed);
  const model = buildSmallCnn({ filters: [8, 16, 16], embedUnits: 32, seed, classes: 10, name: 'determinism' });
  const net: Net = {
    model,
    groups: Object.entries(SMALL_CNN_GROUPS).map(([name, layers]) => ({ name, layers: [...layers] })),
    classNames: fashion.classNames,
    preprocessing: { height: 28, width: 28, channels: 1 },
    origin: 'determinism',
  };
  const h = await train(net, imageSource(fashion, net.preprocessing, { shift: 2, flip: true }), {
    epochs: 2,
    batchSize: 32,
    learningRate: 3e-3,
    schedule: 'one-cycle',
    seed,
  });
  out.train = { weights: weights(net), history: curve(h) };

  // 4. Features of the pretrained backbone.
  const feats = await extractFeatures(cut(backbone, 'features'), kShot(data.pool, 3, seed), { cache: 'none' });
  out.features = { sha: sha(feats.features), head: Array.from(feats.features.subarray(0, 8)) };

  // 5. A fine-tune of a new head on a copy of the backbone.
  const copy = await cloneNet(backbone);
  const headed = withHead(copy, { cutAt: 'features', classes: 10, seed, dropout: 0.3 });
  const ft = await fineTune(headed, imageSource(kShot(data.pool, 2, seed), headed.preprocessing), {
    headEpochs: 1,
    epochs: 2,
    batchSize: 8,
    learningRate: 3e-3,
    seed,
  });
  const probs = await predictProbs(headed, imageSource(data.test, headed.preprocessing));
  out.fineTune = { weights: weights(headed), history: curve(ft), probs: sha(probs) };
  disposeModels(headed.model, copy.model, net.model, backbone.model);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function runWorker(seed: number, withPretrain: boolean): Promise<{ out: Output; seconds: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-r', 'tsx/cjs', __filename, String(seed), withPretrain ? 'pretrain' : 'no-pretrain'],
      {
        cwd: path.resolve(__dirname, '..'),
        maxBuffer: 16 * MB,
        timeout: 300_000,
        env: { ...process.env, TRANSFER_LAB_DETERMINISM_WORKER: '1' },
      },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`determinism worker (seed ${seed}) failed: ${err.message}\n${stderr}`));
          return;
        }
        resolve({ out: JSON.parse(stdout.trim().split('\n').pop() as string) as Output, seconds: (Date.now() - t0) / 1000 });
      },
    );
  });
}

/** How many numbers and weight tensors an output holds. */
function count(o: Output): { numbers: number; tensors: number } {
  let numbers = 0;
  let tensors = 0;
  const walk = (v: unknown): void => {
    if (typeof v === 'number') numbers++;
    else if (typeof v === 'string' && /:[0-9a-f]{64}$/.test(v)) tensors++;
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(o);
  return { numbers, tensors };
}

if (process.env.TRANSFER_LAB_DETERMINISM_WORKER && require.main === module) {
  worker(Number(process.argv[2]), process.argv[3] === 'pretrain').catch((e: Error) => {
    process.stderr.write(`${e.stack}\n`);
    process.exit(1);
  });
} else {
  describe('determinism: the same workload in two processes, bit for bit', function () {
    let runs: Promise<{ out: Output; seconds: number }[]>;
    let other: Promise<{ out: Output; seconds: number }>;
    const report: string[] = [];

    before(() => {
      // Two processes with seed 7 at once; the other seed after them (two cores).
      runs = Promise.all([runWorker(7, true), runWorker(7, true)]);
      other = runs.then(
        () => runWorker(8, false),
        () => runWorker(8, false),
      );
      runs.catch(() => undefined);
      other.catch(() => undefined);
    });
    after(() => console.log(report.map((l) => `      ${l}`).join('\n')));

    it('two processes with the same seed give identical numbers and weights', async () => {
      const [a, b] = await runs;
      const { numbers, tensors } = count(a.out);
      assert.ok(a.out.sweep.length === 5 && a.out.pretrain && tensors > 50, 'the workload ran in full');
      for (const k of ['sweep', 'pretrain', 'train', 'features', 'fineTune'] as const) {
        assert.deepStrictEqual(b.out[k], a.out[k], `${k} differs between two runs with the same seed`);
      }
      report.push(
        `same seed, two processes (${a.seconds.toFixed(0)} s and ${b.seconds.toFixed(0)} s): ${numbers} numbers and ${tensors} weight tensors (SHA-256 of their bytes) identical ` +
          `(5-strategy sweep, quick pretrain, seeded training with augmentation, features, fine-tune)`,
      );
    });

    it('another seed gives other numbers where the seed matters', async () => {
      const [a] = await runs;
      const c = (await other).out;
      assert.notDeepStrictEqual(c.sweep, a.out.sweep);
      assert.notDeepStrictEqual(c.train.weights, a.out.train.weights);
      assert.notDeepStrictEqual(c.features, a.out.features);
      assert.notDeepStrictEqual(c.fineTune.weights, a.out.fineTune.weights);
      const differ = c.train.weights.filter((w, i) => w !== a.out.train.weights[i]).length;
      report.push(`seed 8 vs seed 7: sweep, training (${differ}/${c.train.weights.length} weight tensors differ), features and fine-tune all differ`);
    });
  });
}
