/**
 * Domain shift through the sweep (src/experiment/domain-shift.ts): config errors, the
 * training set of a run (a seeded source sample joined with the k target labels), its
 * determinism, the run keys, and minilm-movies-to-amazon in quick mode end to end with
 * the texts every strategy trained on recorded, and no leaked tensors.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { experimentConfig, EXPERIMENTS } from '../src/experiment/experiments';
import { resolveConfig } from '../src/experiment/config';
import { openSweep, planSweep, runSweep } from '../src/experiment/sweep';
import { loadDomainSource, trainingSet } from '../src/experiment/domain-shift';
import { formatSummaryTable } from '../src/experiment/report';
import { storedOrShare, storedSweep } from '../src/experiment/synthesis';
import { learningCurveChart } from '../src/charts/results';
import { ExperimentConfig, ExperimentResult, ResolvedConfig } from '../src/experiment/results';
import { SENTIMENT_TASK, loadSentimentTask } from '../src/text/sentiment-task';
import { textModality } from '../src/text/task';
import { TextDataset, textConcat, textDataset, textKShot } from '../src/text/dataset';
import { locateSentiment, SENTIMENT_ARCHIVE } from '../src/text/sentiment';
import { disposeModels } from '../src/transfer/clone';
import type { Net } from '../src/transfer/net';
import { expectError, expectNoLeakedTensors, tmpDir } from './helpers';

const AMAZON = 'minilm-movies-to-amazon';
const withTask = (task: unknown, extra: Partial<ExperimentConfig> = {}): ExperimentConfig => ({
  ...experimentConfig(AMAZON),
  ...extra,
  task: task as ExperimentConfig['task'],
});

describe('domain shift: configs', () => {
  it('the two registry entries: movies as the source, 0/16/64 in-domain labels, probe, fine-tune and both baselines; quick versions keep size 0', () => {
    for (const [name, target] of [
      [AMAZON, 'sentiment-amazon'],
      ['minilm-movies-to-tweets', 'sentiment-tweets'],
    ]) {
      const r = resolveConfig(experimentConfig(name));
      assert.deepStrictEqual(r.task, { dataset: target, source: { dataset: 'sentiment-movies', perClass: 256 } });
      assert.deepStrictEqual(r.sizes, [0, 16, 64]);
      assert.deepStrictEqual(r.seeds, [0, 1, 2]);
      assert.deepStrictEqual(r.strategies, ['linear-probe', 'fine-tune', 'tfidf', 'vader']);
      assert.strictEqual(r.testSize, 400);
      assert.strictEqual(r.maxLength, 48);
      assert.deepStrictEqual(r.epochs, EXPERIMENTS['minilm-to-movie-sentiment'].epochs);
      const q = experimentConfig(name, { quick: true });
      assert.strictEqual(q.name, `${name}-quick`);
      assert.deepStrictEqual(q.sizes, [0, 4]);
      assert.strictEqual((q.task.source as { perClass: number }).perClass, 16);
    }
  });

  it('size 0 needs a source; a bad source is rejected naming the field and the fix', async () => {
    const movies = experimentConfig('minilm-to-movie-sentiment');
    await expectError(
      () => resolveConfig({ ...movies, sizes: [0, 4] }),
      /sizes must be positive integers/,
      /0 \(no labels of the target\) needs a source domain/,
      /Fix: .*task\.source/,
    );
    const amazon = { dataset: 'sentiment-amazon' };
    await expectError(
      () => resolveConfig(withTask({ ...amazon, source: { dataset: 'sentiment-imdb', perClass: 8 } })),
      /task\.source\.dataset must be one of .*sentiment-movies/,
      /Fix: name a known data set/,
    );
    await expectError(
      () => resolveConfig(withTask({ ...amazon, source: { dataset: 'mnist', perClass: 8 } })),
      /'mnist' is image data, the target 'sentiment-amazon' text/,
    );
    await expectError(() => resolveConfig(withTask({ ...amazon, source: { dataset: 'sentiment-amazon', perClass: 8 } })), /the target itself/);
    await expectError(
      () => resolveConfig(withTask({ ...amazon, source: { dataset: 'sentiment-movies' } })),
      /task\.source\.perClass must be a positive integer/,
    );
    await expectError(
      () => resolveConfig(withTask({ ...amazon, source: { dataset: 'sentiment-movies', perClass: 0 } })),
      /perClass must be a positive integer/,
    );
    await expectError(() => resolveConfig(withTask({ ...amazon, source: 'sentiment-movies' })), /task\.source must be \{"dataset": name, "perClass": n\}/);
    await expectError(
      () => resolveConfig(withTask({ ...amazon, source: { dataset: 'sentiment-movies', perClass: 8, margin: 9 } })),
      /task\.source: task\.margin must be a number/,
    );
    await expectError(
      () => resolveConfig(withTask({ ...amazon, source: { dataset: 'sentiment-movies', perClass: 8, source: { dataset: 'sentiment-nyt', perClass: 8 } } })),
      /has a source of its own/,
    );
    await expectError(
      () => resolveConfig(withTask({ ...amazon, source: { dataset: 'sentiment-movies', perClass: 8 } }, { sizes: [-1] })),
      /sizes must be non-negative integers/,
    );
    // A source whose classes differ from the target's is caught when its data is loaded.
    const r = resolveConfig(withTask({ dataset: 'sentiment-amazon', source: { dataset: 'fortunes', perClass: 4 } }));
    await expectError(
      () => loadDomainSource(r, loadSentimentTask({ dataset: 'sentiment-amazon' })),
      /the source 'fortunes' has classes .*, the target negative, positive/,
      /Fix:/,
    );
  });

  it('run keys: a source changes them (and its perClass), runs of configs without one keep theirs', () => {
    const key = (c: ExperimentConfig) => planSweep(resolveConfig(c), 'w0').map((p) => p.key);
    const withSource = key(withTask({ dataset: 'sentiment-amazon', source: { dataset: 'sentiment-movies', perClass: 256 } }, { sizes: [16] }));
    const without = key(withTask({ dataset: 'sentiment-amazon' }, { sizes: [16] }));
    const fewer = key(withTask({ dataset: 'sentiment-amazon', source: { dataset: 'sentiment-movies', perClass: 128 } }, { sizes: [16] }));
    assert.strictEqual(withSource.length, 12);
    withSource.forEach((k, i) => {
      assert.notStrictEqual(k, without[i]);
      assert.notStrictEqual(k, fewer[i]);
    });
    // Recorded on main before domain shift existed: the stored runs of this experiment stay valid.
    assert.strictEqual(key(experimentConfig('minilm-to-movie-sentiment'))[0], 'scratch|k=4|seed=0|453f78d5ea7a');
  });

  it('textConcat joins texts in order and rejects sets of other classes', async () => {
    const a = textDataset('a', ['x', 'y'], [0, 1], ['neg', 'pos']);
    const b = textDataset('b', ['z'], [1], ['neg', 'pos']);
    const ab = textConcat([a, b], 'a+b');
    assert.deepStrictEqual([ab.texts, [...ab.labels], ab.count, ab.name], [['x', 'y', 'z'], [0, 1, 1], 3, 'a+b']);
    await expectError(() => textConcat([a, textDataset('c', ['w'], [0], ['cat', 'dog'])], 'bad'), /'c' has classes cat, dog, 'a' neg, pos/, /Fix:/);
    await expectError(() => textConcat([], 'none'), /non-empty list/);
  });
});

describe('domain shift: the training set of a run', function () {
  let r: ResolvedConfig;
  let target: ReturnType<typeof loadSentimentTask>;
  before(function () {
    if (!locateSentiment()) throw new Error(`${SENTIMENT_ARCHIVE} is not installed. Fix: run scripts/sentiment-data (set-up does).`);
    r = resolveConfig(experimentConfig(AMAZON));
    target = loadSentimentTask(r.task as never, { testSize: r.testSize, validationSize: r.validationSize });
  });

  it('is 256 movie sentences per class (seeded) followed by the k Amazon labels per class; size 0 is the movie part alone', () => {
    const source = loadDomainSource<TextDataset>(r, target)!;
    const movies = loadSentimentTask({ dataset: 'sentiment-movies' }).pool;
    assert.deepStrictEqual(source.pool.texts, movies.texts, 'the source pool is the movie task pool');
    for (const seed of [0, 1]) {
      const moviePart = textKShot(movies, 256, seed);
      let first: string[] | undefined;
      for (const k of [0, 16, 64]) {
        const { set, sourceCount } = trainingSet(textModality, target.pool, source, k, seed);
        assert.strictEqual(set.count, 2 * 256 + 2 * k, `seed ${seed}, ${k}/class: count`);
        assert.strictEqual(sourceCount, 512);
        assert.deepStrictEqual(set.texts.slice(0, 512), moviePart.texts, 'the source part is the seeded 256-shot of the movie pool');
        assert.deepStrictEqual([...set.labels.slice(0, 512)], [...moviePart.labels]);
        first ??= set.texts.slice(0, 512);
        assert.deepStrictEqual(set.texts.slice(0, 512), first, 'the same source texts at every size of a seed');
        if (k > 0) {
          const own = textKShot(target.pool, k, seed);
          assert.deepStrictEqual(set.texts.slice(512), own.texts, 'the in-domain part is the k-shot sample a plain sweep draws');
          assert.deepStrictEqual([...set.labels.slice(512)], [...own.labels]);
        }
      }
    }
  });

  it('same seed, same texts; another seed, other source texts', () => {
    const source = loadDomainSource<TextDataset>(r, target)!;
    const a = trainingSet(textModality, target.pool, source, 16, 0).set;
    const b = trainingSet(textModality, target.pool, loadDomainSource<TextDataset>(r, target)!, 16, 0).set;
    const c = trainingSet(textModality, target.pool, source, 16, 1).set;
    assert.deepStrictEqual([a.texts, [...a.labels]], [b.texts, [...b.labels]]);
    const shared = c.texts.slice(0, 512).filter((t) => new Set(a.texts.slice(0, 512)).has(t)).length;
    assert.ok(shared < 100, `seed 1 draws other movie sentences (${shared} of 512 shared)`);
  });

  it('a source asking for more examples than a class of its pool has is rejected before anything trains', async () => {
    const big = resolveConfig(withTask({ dataset: 'sentiment-amazon', source: { dataset: 'sentiment-tweets', perClass: 5000 } }));
    await expectError(
      () => loadDomainSource(big, target),
      /task\.source\.perClass 5000 is more than class 'negative' of 'sentiment-tweets' has in its pool \(\d+\)/,
      /Fix: use perClass <= \d+/,
    );
  });
});

describe('minilm-movies-to-amazon in quick mode, end to end', function () {
  let encoder: Net;
  let out: string;
  const quick = experimentConfig(AMAZON, { quick: true });

  before(async function () {
    this.timeout(300_000);
    // As `transfer-lab run` loads it (48 tokens, a fixed token table), so the run keys are the CLI's.
    encoder = await SENTIMENT_TASK.loadBackbone(resolveConfig(quick));
    out = tmpDir('tl-shift-');
  });
  after(() => {
    if (encoder) disposeModels(encoder.model);
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  it('every strategy of a (size, seed) trains on the same union of movie and Amazon texts; the table, the chart and no leaked tensors', async function () {
    this.timeout(600_000);
    // Record the first set each run reads (its training set): through the text modality for
    // the probe (features) and fine-tuning (batches), through the baselines' context for TF-IDF and VADER.
    const seen = new Map<string, string[]>();
    let current = '';
    const record = (ds: TextDataset) => {
      if (current && !seen.has(current)) seen.set(current, ds.texts.slice());
    };
    const spied = {
      source: textModality.source,
      features: textModality.features,
      tfidf: SENTIMENT_TASK.baselines!.tfidf!.run,
      vader: SENTIMENT_TASK.baselines!.vader!.run,
    };
    textModality.source = (ds, net) => (record(ds), spied.source(ds, net));
    textModality.features = (net, ds, cache) => (record(ds), spied.features(net, ds, cache));
    SENTIMENT_TASK.baselines!.tfidf!.run = (ctx) => (record(ctx.train), spied.tfidf(ctx));
    SENTIMENT_TASK.baselines!.vader!.run = (ctx) => (record(ctx.train), spied.vader(ctx));
    let result: ExperimentResult;
    try {
      result = await expectNoLeakedTensors(
        () => runSweep(quick, { backbone: encoder, outDir: out, onStart: (p) => (current = `${p.strategy}|${p.size}|${p.seed}`) }),
        'runSweep (domain shift)',
      );
    } finally {
      Object.assign(textModality, { source: spied.source, features: spied.features });
      SENTIMENT_TASK.baselines!.tfidf!.run = spied.tfidf;
      SENTIMENT_TASK.baselines!.vader!.run = spied.vader;
    }
    assert.deepStrictEqual(
      result.cells.map((c) => [c.strategy, c.size, c.runs]),
      ['linear-probe', 'fine-tune', 'tfidf', 'vader'].flatMap((s) => [0, 4].map((k) => [s, k, 1])),
    );
    const movies = textKShot(loadSentimentTask({ dataset: 'sentiment-movies' }).pool, 16, 0).texts;
    for (const k of [0, 4]) {
      const sets = ['linear-probe', 'fine-tune', 'tfidf', 'vader'].map((s) => seen.get(`${s}|${k}|0`));
      assert.ok(
        sets.every((t) => t !== undefined),
        `every run of ${k}/class recorded its training set`,
      );
      for (const t of sets) assert.deepStrictEqual(t, sets[0], `${k}/class: every strategy trains on the same texts`);
      assert.strictEqual(sets[0]!.length, 32 + 2 * k);
      assert.deepStrictEqual(sets[0]!.slice(0, 32), movies, 'the movie part comes first, the same at every size');
    }
    for (const row of result.rows) {
      assert.strictEqual(row.trainImages, 32 + 2 * row.size);
      assert.strictEqual(row.sourceImages, 32);
      assert.strictEqual(row.predictions.length, 100, 'scored on the 100 Amazon test texts');
      assert.ok(row.accuracy >= 0 && row.accuracy <= 1);
    }
    const vader = result.rows.filter((x) => x.strategy === 'vader').map((x) => x.accuracy);
    assert.strictEqual(vader[0], vader[1], 'VADER ignores the labels');
    assert.match(result.task.description, /sentiment\/amazon|amazon/i);
    assert.match(result.task.description, /every run also trains on 16 per class of sentiment-movies/);
    const table = formatSummaryTable(result);
    assert.match(table, /added to 16 per class of sentiment-movies \(the source domain\)/);
    assert.match(table, /0\/class/);
    const fig = learningCurveChart(result.cells);
    assert.strictEqual((fig.layout!.xaxis as { type: string }).type, 'category', 'size 0 cannot sit on a log axis');
    // Stored: the sweep read back from its folder trains nothing, and names its source once.
    const again = await expectNoLeakedTensors(() => storedOrShare(quick, { outDir: out }), 'storedOrShare (stored)');
    assert.deepStrictEqual([again.complete, again.trained, again.result.resumedRuns], [true, 0, result.rows.length]);
    assert.strictEqual(again.result.task.description, result.task.description);
    assert.strictEqual(result.task.description.split('every run also trains on').length, 2);
    // storedSweep: the whole sweep when every run is stored (the runs as trained), nothing when the folder has none.
    const whole = await expectNoLeakedTensors(() => storedSweep(quick, { outDir: out }), 'storedSweep');
    assert.deepStrictEqual(
      whole?.rows.map((x) => [x.key, x.accuracy]),
      result.rows.map((x) => [x.key, x.accuracy]),
    );
    assert.strictEqual(await storedSweep(quick, { outDir: path.join(out, 'nothing-here') }), undefined);
    // Read-only: a torn last line (a run killed mid-write) is skipped, and the folder is left byte for byte as it was.
    const runsFile = path.join(out, 'runs.jsonl');
    fs.appendFileSync(runsFile, '{"key":"torn');
    const before = new Map(fs.readdirSync(out).map((f) => [f, fs.readFileSync(path.join(out, f), 'utf8')] as const));
    const read = await storedSweep(quick, { outDir: out });
    assert.strictEqual(read?.rows.length, result.rows.length, 'the stored runs are all read past the torn line');
    const ro = await openSweep(quick, { outDir: out, readOnly: true });
    try {
      await assert.rejects(() => ro.run(ro.plan[0].key), /opened read-only: it trains and stores nothing\. Fix: open it without \{ readOnly: true \}/);
      ro.result([...ro.finished.values()], ro.finished.size);
    } finally {
      ro.close();
    }
    const after = new Map(fs.readdirSync(out).map((f) => [f, fs.readFileSync(path.join(out, f), 'utf8')] as const));
    assert.deepStrictEqual(after, before, 'storedSweep and a read-only sweep write nothing');
  });
});
