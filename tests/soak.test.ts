/**
 * Memory soak: a notebook session runs for hours, so feature extraction, fine-tuning
 * (fineTune, gradualUnfreeze, linearProbe) and evaluation are repeated for many rounds.
 * After every round `tf.memory().numTensors` must be back at its baseline exactly, and the
 * process memory (RSS, and V8's external memory) must stay flat: the median of the last
 * rounds may exceed the median of the early rounds (after warm-up) by at most half of what
 * leaking one input batch per round would add over that span. A control run that does leak
 * one batch per round shows that this detector fires.
 *
 * The rounds run in a child process (this file, run as a script) started with glibc's
 * MALLOC_MMAP_THRESHOLD_=65536: buffers of 64 KB and more (every tensor batch) are then
 * mapped and unmapped, so RSS follows live memory. With the default allocator, freed
 * buffers stay in malloc's pool: a leak hides in that pool for the first ~10 MB and the
 * pool grows in ~8 MB steps, which no tolerance below the leak's own size can tell apart.
 */
import * as assert from 'assert';
import { execFile } from 'child_process';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { tf } from '../src/backend';
import { loadFashionMnist } from '../src/data/fashion';
import { kShot } from '../src/data/split';
import { toTensors } from '../src/data/batches';
import { buildSmallCnn, SMALL_CNN_GROUPS } from '../src/backbone/architectures';
import { Net } from '../src/transfer/net';
import { cut, withHead } from '../src/transfer/head';
import { extractFeatures } from '../src/transfer/features';
import { fineTune, gradualUnfreeze, linearProbe } from '../src/transfer/finetune';
import { evaluateSource } from '../src/train/loop';
import { featureSource, imageSource } from '../src/train/source';
import { cloneNet, disposeModels, predictProbs } from '../src/experiment/strategies';

v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc') as () => void;

const ROUNDS = 30;
const CONTROL_ROUNDS = 24;
const WARMUP = 4;
const WINDOW = 5;
const BATCH = 256; // the default batch of extractFeatures / evaluateSource: "one batch" below

interface Sample {
  round: number;
  tensors: number;
  rss: number;
  external: number;
  heap: number;
  ms: number;
}

const MB = 1024 * 1024;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * The leak detector: growth of the late-window median over the early-window median (after
 * warm-up), against a tolerance of half the bytes that leaking `leakPerRound` bytes every
 * round would add between the two windows' centres.
 */
function detect(samples: Sample[], key: 'rss' | 'external' | 'heap', leakPerRound: number): { growth: number; tolerance: number; leaks: boolean } {
  const early = samples.slice(WARMUP, WARMUP + WINDOW);
  const late = samples.slice(-WINDOW);
  const span = median(late.map((s) => s.round)) - median(early.map((s) => s.round));
  const growth = median(late.map((s) => s[key])) - median(early.map((s) => s[key]));
  const tolerance = 0.5 * leakPerRound * span;
  return { growth, tolerance, leaks: growth > tolerance };
}

function measure(round: number, t0: number): Sample {
  gc();
  gc();
  const m = process.memoryUsage();
  return { round, tensors: tf.memory().numTensors, rss: m.rss, external: m.external + m.arrayBuffers, heap: m.heapUsed, ms: Date.now() - t0 };
}

/** The worker: run the rounds of one mode and print the samples as JSON (the last stdout line). */
async function worker(mode: 'soak' | 'control'): Promise<void> {
  const test = loadFashionMnist('test');
  const train = kShot(test, 3, 0); // 30 images
  const evalSet = kShot(test, 26, 1); // 260 images: one full batch of 256 and a remainder
  const model = buildSmallCnn({ filters: [8, 16, 16], embedUnits: 32, seed: 1, classes: 10, name: 'soak' });
  const backbone: Net = {
    model,
    groups: Object.entries(SMALL_CNN_GROUPS).map(([name, layers]) => ({ name, layers: [...layers] })),
    classNames: test.classNames,
    preprocessing: { height: 28, width: 28, channels: 1 },
    origin: 'soak',
  };
  const base = tf.memory().numTensors;
  const samples: Sample[] = [];
  const leaked: tf.Tensor[] = [];
  const idx = Array.from({ length: BATCH }, (_, i) => i);
  const rounds = mode === 'soak' ? ROUNDS : CONTROL_ROUNDS;
  for (let r = 0; r < rounds; r++) {
    const t = Date.now();
    const feats = await extractFeatures(cut(backbone, 'features'), evalSet, { cache: 'none' });
    const { net: probe } = await linearProbe(feats, { epochs: 2, seed: r });
    await evaluateSource(probe, featureSource(feats));
    disposeModels(probe.model);
    if (mode === 'soak') {
      // A new head on a copy of the backbone, fine-tuned, then gradually unfrozen; evaluation and predictions.
      const copy = await cloneNet(backbone);
      const net = withHead(copy, { cutAt: 'features', classes: 10, seed: r, dropout: 0.2 });
      try {
        const src = imageSource(train, net.preprocessing);
        await fineTune(net, src, { headEpochs: 1, epochs: 1, batchSize: 16, seed: r });
        await gradualUnfreeze(net, src, { stages: 2, batchSize: 16, seed: r });
        await evaluateSource(net, imageSource(evalSet, net.preprocessing));
        await predictProbs(net, imageSource(evalSet, net.preprocessing));
      } finally {
        disposeModels(net.model, copy.model);
      }
    } else {
      // The control: a lighter round plus the deliberate leak, one batch of images never disposed.
      const b = toTensors(evalSet, { indices: idx });
      leaked.push(b.xs);
      b.ys.dispose();
    }
    samples.push({ ...measure(r, t), tensors: tf.memory().numTensors - base });
  }
  tf.dispose(leaked);
  disposeModels(backbone.model);
  process.stdout.write(`${JSON.stringify(samples)}\n`);
}

function runWorker(mode: 'soak' | 'control'): Promise<Sample[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-r', 'tsx/cjs', __filename, mode],
      {
        cwd: path.resolve(__dirname, '..'),
        maxBuffer: 16 * MB,
        timeout: 300_000,
        env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '65536', TRANSFER_LAB_SOAK_WORKER: '1' },
      },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`soak worker (${mode}) failed: ${err.message}\n${stderr}`));
          return;
        }
        resolve(JSON.parse(stdout.trim().split('\n').pop() as string) as Sample[]);
      },
    );
  });
}

const fmt = (s: Sample[]) => s.map((x) => `${(x.rss / MB).toFixed(0)}`).join(' ');
const verdict = (name: string, key: 'rss' | 'external' | 'heap', d: ReturnType<typeof detect>) =>
  `${name} ${key}: growth ${(d.growth / MB).toFixed(2)} MB, tolerance ${(d.tolerance / MB).toFixed(2)} MB -> ${d.leaks ? 'LEAK' : 'flat'}`;

if (process.env.TRANSFER_LAB_SOAK_WORKER && require.main === module) {
  worker(process.argv[2] as 'soak' | 'control').catch((e: Error) => {
    process.stderr.write(`${e.stack}\n`);
    process.exit(1);
  });
} else {
  describe('soak: memory stays flat over many rounds of extract / fine-tune / evaluate', function () {
    const batchBytes = BATCH * 28 * 28 * 1 * 4;
    const report: string[] = [];
    let soak: Promise<Sample[]>;
    let control: Promise<Sample[]>;
    let t0: number;

    before(() => {
      t0 = Date.now();
      // Both children at once (two cores); each measures only itself.
      soak = runWorker('soak');
      control = runWorker('control');
      soak.catch(() => undefined);
      control.catch(() => undefined);
    });
    after(() => console.log(report.map((l) => `      ${l}`).join('\n')));

    it(`${ROUNDS} rounds: numTensors back to baseline after every round, RSS and external memory flat`, async () => {
      const samples = await soak;
      for (const s of samples) assert.strictEqual(s.tensors, 0, `round ${s.round} left ${s.tensors} tensor(s)`);
      const rss = detect(samples, 'rss', batchBytes);
      const ext = detect(samples, 'external', batchBytes);
      const heap = detect(samples, 'heap', batchBytes);
      report.push(
        `soak: ${ROUNDS} rounds (child process, ${((Date.now() - t0) / 1000).toFixed(1)} s with its start-up; median ${median(samples.map((s) => s.ms))} ms/round); numTensors at baseline after every round`,
      );
      report.push(
        `  a leak of one batch (${BATCH} images of 28x28x1 float32 = ${(batchBytes / MB).toFixed(2)} MB) per round would add ${((2 * rss.tolerance) / MB).toFixed(1)} MB between the windows`,
      );
      report.push(`  RSS per round (MB): ${fmt(samples)}`);
      report.push(
        `  external+arrayBuffers ${(samples[WARMUP].external / MB).toFixed(1)} -> ${(samples[samples.length - 1].external / MB).toFixed(1)} MB; V8 heap used ${(samples[WARMUP].heap / MB).toFixed(1)} -> ${(samples[samples.length - 1].heap / MB).toFixed(1)} MB`,
      );
      report.push(`  ${verdict('soak', 'rss', rss)}; ${verdict('soak', 'external', ext)}; ${verdict('soak', 'heap', heap)}`);
      assert.ok(!rss.leaks, verdict('soak', 'rss', rss));
      assert.ok(!ext.leaks, verdict('soak', 'external', ext));
      assert.ok(!heap.leaks, verdict('soak', 'heap', heap));
    });

    it(`control: leaking one batch per round (${CONTROL_ROUNDS} rounds) trips the same detector`, async () => {
      const samples = await control;
      const rss = detect(samples, 'rss', batchBytes);
      report.push(`control: numTensors grew by ${samples[samples.length - 1].tensors} over ${CONTROL_ROUNDS} rounds; RSS per round (MB): ${fmt(samples)}`);
      report.push(`  ${verdict('control', 'rss', rss)} (expected LEAK: ${(batchBytes / MB).toFixed(2)} MB/round)`);
      samples.forEach((s, i) => assert.strictEqual(s.tensors, i + 1, 'the tensor-count check sees one leaked tensor per round'));
      assert.ok(rss.leaks, `the RSS detector missed a leak of one batch per round: ${verdict('control', 'rss', rss)}`);
    });
  });
}
