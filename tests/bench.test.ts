/**
 * The bench: measurement functions (tiny sizes, no leaks), peers, the end-to-end run
 * and the pure-JS label. No timed assertions: speed targets live in the bench output.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { measureTfjsReference, median, timeRepeats } from '../src/bench/measure';
import { DEFAULT_PEERS, runPeer } from '../src/bench/peers';
import { buildReferenceCnn, syntheticData } from '../src/bench/reference';
import { BenchResult, datedName, formatTable } from '../src/bench/report';
import { combineRuns, runBench } from '../src/bench/run';
import { expectError, expectNoLeakedTensors, tmpDir } from './helpers';

const root = path.resolve(__dirname, '..');
const TINY = { batch: 8, trainSteps: 2, inferSteps: 2, repeats: 1, warmupSteps: 1, seed: 7 };

function assertPositive(v: unknown, what: string): void {
  assert.ok(typeof v === 'number' && Number.isFinite(v) && v > 0, `${what} should be a positive finite number, got ${v}`);
}

describe('bench', () => {
  describe('reference CNN and data', () => {
    it('has the reference architecture (234,282 parameters, 10 softmax outputs)', async () => {
      await expectNoLeakedTensors(() => {
        const m = buildReferenceCnn();
        try {
          assert.strictEqual(m.countParams(), 234282);
          assert.deepStrictEqual(m.outputs[0].shape, [null, 10]);
          assert.deepStrictEqual(
            m.layers.map((l) => l.getClassName()),
            ['Conv2D', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense', 'Dense'],
          );
        } finally {
          m.dispose();
        }
      }, 'building the reference CNN');
    });

    it('makes the same seeded data twice, labels in 0..9', async () => {
      await expectNoLeakedTensors(() => {
        const a = syntheticData(16, 3);
        const b = syntheticData(16, 3);
        try {
          assert.deepStrictEqual(a.xs.shape, [16, 28, 28, 1]);
          assert.deepStrictEqual(Array.from(a.ys.dataSync()), Array.from(b.ys.dataSync()));
          assert.deepStrictEqual(Array.from(a.xs.dataSync().slice(0, 50)), Array.from(b.xs.dataSync().slice(0, 50)));
          assert.ok(Array.from(a.ys.dataSync()).every((y) => Number.isInteger(y) && y >= 0 && y < 10));
        } finally {
          [a.xs, a.ys, b.xs, b.ys].forEach((t) => t.dispose());
        }
      });
      await expectError(() => syntheticData(0), /positive integer/);
    });
  });

  describe('measurement', () => {
    it('median and timeRepeats', async () => {
      assert.strictEqual(median([3, 1, 2]), 2);
      assert.strictEqual(median([4, 1, 2, 3]), 2.5);
      await expectError(() => median([]), /empty/);
      const times = await timeRepeats(() => new Promise((r) => setTimeout(r, 5)), 3);
      assert.strictEqual(times.length, 3);
      times.forEach((t, i) => assertPositive(t, `time ${i}`));
      await expectError(() => timeRepeats(() => 0, 0), /positive integer/);
    });

    it('measures tfjs training and inference of the reference CNN without leaking tensors', async () => {
      const m = await expectNoLeakedTensors(() => measureTfjsReference(TINY), 'measureTfjsReference');
      assertPositive(m.train.sps, 'train.sps');
      assertPositive(m.infer.sps, 'infer.sps');
      assert.strictEqual(m.train.samples, TINY.batch * TINY.trainSteps);
      assert.strictEqual(m.infer.samples, TINY.batch * TINY.inferSteps);
      assert.strictEqual(m.train.times_s.length, TINY.repeats);
      assert.strictEqual(m.params, 234282);
      await expectError(() => measureTfjsReference({ ...TINY, trainSteps: 0 }), /trainSteps must be a positive integer/);
    });
  });

  describe('peers', () => {
    it('reports a peer with no Python as failed, with a fix, without throwing', async () => {
      const r = await runPeer(DEFAULT_PEERS[0], TINY, { python: path.join(tmpDir(), 'no-python') });
      assert.strictEqual(r.available, false);
      assert.strictEqual(r.failed, true);
      assert.match(r.reason ?? '', /npm run setup/);
      assert.strictEqual(r.train_sps, null);
    });

    it('reports a peer script that crashes as failed, with its stderr', async () => {
      const dir = tmpDir();
      const script = path.join(dir, 'crash.py');
      fs.writeFileSync(script, 'import sys\nsys.stderr.write("boom: no keras here\\n")\nsys.exit(3)\n');
      const r = await runPeer(DEFAULT_PEERS[0], TINY, { script });
      assert.strictEqual(r.available, false);
      assert.strictEqual(r.failed, true);
      assert.match(r.reason ?? '', /exited with code 3/);
      assert.match(r.reason ?? '', /boom: no keras here/);
    });
  });

  describe('a whole run (tiny sizes, every default peer)', () => {
    let result: BenchResult;
    let dir: string;

    before(async function () {
      this.timeout(600000);
      dir = tmpDir();
      const run = await runBench({ quick: true, sizes: TINY, resultsDir: dir, dated: true, log: () => undefined });
      result = run.result;
      assert.ok(run.files);
      assert.strictEqual(run.files.latest, path.join(dir, 'latest.json'));
      assert.strictEqual(run.files.dated, path.join(dir, datedName(result)));
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('has the required fields as positive finite numbers', () => {
      for (const k of [
        'tfjs_train_sps',
        'keras_train_sps',
        'train_ratio',
        'tfjs_infer_sps',
        'keras_infer_sps',
        'infer_ratio',
        'tfjs_fit_train_sps',
        'tfjs_predict_sps',
        'fit_train_ratio',
        'predict_ratio',
      ] as const) {
        assertPositive(result[k], k);
      }
      // The library's loop runs the compiled graph step on the reference CNN.
      assert.strictEqual(result.loop_engine, 'graph');
      assert.strictEqual(result.tfjs_train_sps, result.tfjs_loop_train_sps);
      assert.strictEqual(result.backend, 'tensorflow');
      assert.match(result.tf_version ?? '', /^2\.\d+\.\d+/);
      assert.strictEqual(result.quick, true);
      assert.deepStrictEqual(
        { batch: result.config.batch, steps: result.config.train_steps, repeats: result.config.repeats },
        { batch: TINY.batch, steps: TINY.trainSteps, repeats: TINY.repeats },
      );
      assertPositive(result.machine.cpus, 'machine.cpus');
      assert.ok(result.machine.node.startsWith('v'));
      assert.ok(!Number.isNaN(Date.parse(result.date)));
    });

    it('measures both Keras configurations and records torch as present or absent', () => {
      const byName = new Map(result.peers.map((p) => [p.name, p]));
      for (const name of ['keras', 'keras-onednn']) {
        const p = byName.get(name);
        assert.ok(p?.available, `${name}: ${p?.reason}`);
        assertPositive(p.train_sps, `${name}.train_sps`);
        assertPositive(p.infer_sps, `${name}.infer_sps`);
        assert.strictEqual(p.versions?.tensorflow, result.tf_version, 'Keras runs on the same TensorFlow as tfjs-node');
      }
      assert.strictEqual(byName.get('keras-onednn')?.onednn, true);
      const torch = byName.get('torch');
      assert.ok(torch);
      if (!torch.available) {
        assert.strictEqual(torch.failed, undefined, `torch failed rather than being absent: ${torch.reason}`);
        assert.match(torch.reason ?? '', /torch/);
      }
    });

    it('compares with the best peer of the run', () => {
      const top = Math.max(...result.peers.filter((p) => p.available).map((p) => p.train_sps as number));
      assert.strictEqual(result.best_peer_train?.sps, top);
      assert.ok(Math.abs((result.train_ratio as number) - result.tfjs_train_sps / top) < 1e-12);
      const topInfer = Math.max(...result.peers.filter((p) => p.available).map((p) => p.infer_sps as number));
      assert.ok(Math.abs((result.infer_ratio as number) - result.tfjs_infer_sps / topInfer) < 1e-12);
      assert.ok(Math.abs((result.fit_train_ratio as number) - result.tfjs_fit_train_sps / top) < 1e-12);
      assert.ok(Math.abs((result.predict_ratio as number) - result.tfjs_predict_sps / topInfer) < 1e-12);
    });

    it('times the library loop, full fine-tuning against Keras on the same architecture, and the cached head', () => {
      assertPositive(result.tfjs_loop_train_sps, 'tfjs_loop_train_sps');
      assertPositive(result.loop_train_ratio, 'loop_train_ratio');
      assert.ok(result.finetune, 'finetune case missing');
      assert.strictEqual(result.finetune.backbone, 'fashion-cnn');
      assertPositive(result.finetune.tfjs_sps, 'finetune.tfjs_sps');
      for (const p of result.finetune.peers) {
        assert.ok(p.available, `${p.name}: ${p.reason}`);
        // The Keras model is the same architecture: same parameter count (BatchNorm statistics included).
        assert.strictEqual(p.params, result.finetune.params, `${p.name} builds a different model`);
      }
      assert.deepStrictEqual(
        result.finetune.peers.map((p) => p.name),
        ['keras/small-cnn', 'keras-onednn/small-cnn'],
      );
      assert.ok(Math.abs((result.finetune_train_ratio as number) - result.finetune.tfjs_sps / (result.finetune.best_peer as { sps: number }).sps) < 1e-12);
      assertPositive(result.cached_head_sps, 'cached_head_sps');
      assertPositive(result.feature_extract_sps, 'feature_extract_sps');
      assert.ok(Math.abs((result.cache_head_speedup as number) - (result.cached_head_sps as number) / result.finetune.tfjs_sps) < 1e-9);
      assert.deepStrictEqual(result.fast_kernels, ['ReluGrad', 'Relu6Grad', 'Step']);
    });

    it('records the main job and every notebook against their budgets', () => {
      const names = fs
        .readdirSync(path.join(root, 'notebooks'))
        .filter((f) => f.endsWith('.ipynb'))
        .map((f) => `notebook:${f.replace(/\.ipynb$/, '')}`)
        .sort();
      assert.deepStrictEqual(
        result.jobs.map((j) => j.job),
        ['main', ...names],
      );
      for (const j of result.jobs) {
        assert.ok(j.budget_s > 0);
        if (j.wall_s === null) assert.strictEqual(j.within_budget, null);
        else if (j.within_budget !== null) assert.strictEqual(j.within_budget, j.wall_s <= j.budget_s);
        if (j.quick) assert.strictEqual(j.within_budget, null, 'a quick-mode time does not count for the budget');
      }
      assert.match(formatTable(result), /cache_head_speedup/);
    });

    it('writes latest.json and the dated copy (no temp files left), and prints a table', () => {
      const files = fs.readdirSync(dir).sort();
      assert.deepStrictEqual(files, [datedName(result), 'latest.json'].sort());
      assert.deepStrictEqual(JSON.parse(fs.readFileSync(path.join(dir, 'latest.json'), 'utf8')), JSON.parse(JSON.stringify(result)));
      const table = formatTable(result);
      assert.match(table, /tfjs-node/);
      assert.match(table, /keras-onednn/);
      assert.match(table, /ratio library \/ best peer/);
      assert.match(table, /ratio stock tfjs \/ best peer/);
    });

    it('combines several runs: each run listed, median ratios, the rest from the last run', () => {
      const at = (k: number): BenchResult => ({
        ...result,
        date: `2026-01-0${k}T00:00:00.000Z`,
        train_ratio: k,
        infer_ratio: 10 - k,
        finetune_train_ratio: k === 2 ? null : k,
        machine: { ...result.machine, loadavg_start: [k, k, k] },
      });
      const c = combineRuns([at(3), at(1), at(2)]);
      assert.strictEqual(c.runs?.length, 3);
      assert.deepStrictEqual(
        c.runs?.map((r) => r.train_ratio),
        [3, 1, 2],
      );
      assert.strictEqual(c.train_ratio, 2);
      assert.strictEqual(c.infer_ratio, 8);
      assert.strictEqual(c.finetune_train_ratio, 2, 'median of the runs that have it (3 and 1)');
      assert.strictEqual(c.date, at(3).date);
      assert.deepStrictEqual(c.machine.loadavg_start, [3, 3, 3]);
      assert.match(formatTable(c), /median of 3/);
      assert.throws(() => combineRuns([]), /no runs/);
    });
  });

  it('labels a run on the pure-JS backend loudly (backend: cpu)', function () {
    this.timeout(300000);
    const code =
      "const {runBench}=require('./dist/bench/run');const {formatTable}=require('./dist/bench/report');" +
      "runBench({peers:[],resultsDir:null,log:(l)=>process.stderr.write(l+'\\n')," +
      'sizes:{batch:2,trainSteps:1,inferSteps:1,repeats:1,warmupSteps:0}})' +
      '.then(({result})=>console.log(JSON.stringify({result,table:formatTable(result)})))';
    const run = spawnSync(process.execPath, ['-e', code], {
      cwd: root,
      env: { ...process.env, TRANSFER_LAB_BACKEND: 'cpu' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.strictEqual(run.status, 0, run.stderr);
    assert.match(run.stderr, /WARNING: backend 'cpu'.*NOT native TensorFlow/);
    const { result, table } = JSON.parse(run.stdout.trim().split('\n').pop() as string) as { result: BenchResult; table: string };
    assert.strictEqual(result.backend, 'cpu');
    assert.match(result.backend_label, /pure-JS/);
    assert.match(table, /NOT NATIVE TENSORFLOW/);
    assert.strictEqual(result.train_ratio, null);
  });
});
