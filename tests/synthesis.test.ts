/**
 * The synthesis helpers of notebook 10 on real small results: time to a target accuracy
 * per strategy and size (and the probe's feature-extraction share) recomputed by hand from
 * the runs' curves, the paired verdict of the best transfer strategy against scratch, the
 * amortised pretraining cost, and a stored sweep read whole or run as a share.
 * A tiny sweep: the bundled fashion-cnn to MNIST digits, 3 strategies x 2 per class x 2 seeds.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { compare, CompareConfig, CompareResult, RunRow } from '../src/experiment/compare';
import { timeToTargetTable, formatTimeToTarget, extractionSeconds, pretrainingSeconds, amortisedCost } from '../src/experiment/time-to-accuracy';
import { transferVerdicts, formatVerdict, storedOrShare } from '../src/experiment/synthesis';
import { readRuns } from '../src/experiment/table';
import { modelsDir } from '../src/backbone/pretrain';
import { readNetMeta } from '../src/transfer/io';
import { transferGainChart, timeToTargetChart, amortisedCostChart } from '../src/charts/synthesis';
import { expectNoLeakedTensors, tmpDir } from './helpers';

const config: CompareConfig = {
  name: 'synthesis-tiny',
  backbone: 'fashion-cnn',
  task: { dataset: 'mnist' },
  strategies: ['scratch', 'linear-probe', 'fine-tune'],
  sizes: [2],
  seeds: [0, 1],
  testSize: 100,
  validationSize: 50,
  epochs: 4,
  curvePoints: 4,
  projectionPoints: 0,
};

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('synthesis: time to accuracy, verdicts, amortised cost (real small sweep)', function () {
  this.timeout(600_000);
  let result: CompareResult;
  const dirs: string[] = [];

  before(async () => {
    result = await compare(config);
  });
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('timeToTargetTable: the first evaluated epoch at or above the target, per strategy and size, as read by hand', () => {
    const vals = result.rows.flatMap((r) => r.history.map((e) => e.valAcc).filter((v): v is number => typeof v === 'number'));
    // a target some runs reach and some may not: the median of every validation point
    const target = vals.sort((a, b) => a - b)[Math.floor(vals.length / 2)];
    const table = timeToTargetTable(result.rows, { target });
    assert.deepStrictEqual(
      table.map((c) => `${c.strategy}/${c.size}`),
      ['scratch/2', 'linear-probe/2', 'fine-tune/2'],
    );
    for (const c of table) {
      const rs = result.rows.filter((r) => r.strategy === c.strategy && r.size === c.size);
      const hits = rs.map((r) => r.history.find((e) => typeof e.valAcc === 'number' && e.valAcc >= target)).filter((e) => e !== undefined);
      assert.strictEqual(c.runs, 2);
      assert.strictEqual(c.reached, hits.length);
      assert.strictEqual(c.secondsToTarget, hits.length ? mean(hits.map((e) => e!.wallSeconds)) : null);
      assert.strictEqual(c.samplesToTarget, hits.length ? mean(hits.map((e) => e!.samplesSeen)) : null);
      assert.strictEqual(c.runSeconds, mean(rs.map((r) => r.wallSeconds)));
      assert.strictEqual(c.target, target);
    }
    assert.ok(
      table.some((c) => c.reached > 0),
      'the median validation accuracy is reached by some run',
    );
    // the rows' own target by default
    assert.strictEqual(timeToTargetTable(result.rows)[0].target, result.rows[0].targetAccuracy);
  });

  it('extractionSeconds: only the probe reads features, a share of its first epoch', () => {
    for (const r of result.rows) {
      const x = extractionSeconds(r);
      if (r.strategy !== 'linear-probe') assert.strictEqual(x, 0);
      else {
        assert.ok(x > 0 && x <= r.history[0].wallSeconds, `probe extraction ${x} s within its first epoch (${r.history[0].wallSeconds} s)`);
        const per = (r.history[r.history.length - 1].wallSeconds - r.history[0].wallSeconds) / (r.history.length - 1);
        assert.ok(Math.abs(x - Math.max(0, r.history[0].wallSeconds - per)) < 1e-9);
      }
    }
    const probe = timeToTargetTable(result.rows).find((c) => c.strategy === 'linear-probe')!;
    assert.ok(probe.extractionSeconds > 0 && probe.extractionSeconds < probe.runSeconds);
    const lines = formatTimeToTarget(timeToTargetTable(result.rows, { target: 1.0 })).split('\n');
    assert.strictEqual(lines.length, 3);
    assert.match(lines[1], /^linear-probe +2\/class: (never reached 1 \(whole run \d+\.\d s\)|.* runs, \d+ samples) \(feature extraction \d+\.\d s of it\)$/);
  });

  it('transferVerdicts: the best transfer strategy on validation, its paired test gain over scratch, in std units', () => {
    const [v] = transferVerdicts(result.rows);
    const at = (s: string) => result.rows.filter((r) => r.strategy === s && r.size === 2);
    const bestByVal = ['linear-probe', 'fine-tune'].reduce((a, b) => (mean(at(b).map((r) => r.valAccuracy!)) > mean(at(a).map((r) => r.valAccuracy!)) ? b : a));
    assert.strictEqual(v.best, bestByVal);
    const bySeed = (rs: RunRow[]) => new Map(rs.map((r) => [r.seed, r.accuracy]));
    const s = bySeed(at('scratch'));
    const b = bySeed(at(v.best));
    const diffs = [0, 1].map((seed) => b.get(seed)! - s.get(seed)!);
    assert.strictEqual(v.seeds, 2);
    assert.ok(Math.abs(v.gain - mean(diffs)) < 1e-12);
    assert.ok(Math.abs(v.gainStd - Math.abs(diffs[0] - diffs[1]) / Math.SQRT2) < 1e-12);
    assert.strictEqual(v.wins, diffs.filter((d) => d > 0).length);
    const sd = (xs: number[]) => Math.abs(xs[0] - xs[1]) / Math.SQRT2;
    const pooled = Math.sqrt((sd([...s.values()]) ** 2 + sd([...b.values()]) ** 2) / 2);
    if (pooled > 0) assert.ok(Math.abs(v.effect! - v.gain / pooled) < 1e-9);
    const se = v.gainStd / Math.SQRT2;
    assert.strictEqual(v.verdict, v.gain > 2 * se && v.gain > 0 ? 'pays' : v.gain < -2 * se && v.gain < 0 ? 'hurts' : 'within noise');
    assert.match(formatVerdict(v), new RegExp(`^${v.best} [+−±]\\d+\\.\\d points.*, ${v.wins}/2 seeds: ${v.verdict}$`));
    // one seed: no spread, the verdict says so
    const one = transferVerdicts(result.rows.filter((r) => r.seed === 0))[0];
    assert.strictEqual(one.effect, null);
    assert.match(one.verdict, /\(1 seed\)|tie/);
  });

  it('pretrainingSeconds reads net.json; amortisedCost spreads it over N reuses', () => {
    const recorded = (readNetMeta(path.join(modelsDir(), 'fashion-cnn')).info as { trainedWith: { seconds: number } }).trainedWith.seconds;
    assert.strictEqual(pretrainingSeconds('fashion-cnn'), recorded);
    assert.strictEqual(pretrainingSeconds(path.join(modelsDir(), 'fashion-cnn')), recorded);
    assert.strictEqual(pretrainingSeconds('efficientnet-lite0'), null);
    const a = amortisedCost({ pretrainSeconds: 3769, transferSeconds: 4, scratchSeconds: 30, reuses: [1, 100, 145, 1000] });
    [3773, 41.69, 3769 / 145 + 4, 7.769].forEach((want, i) => assert.ok(Math.abs(a.transferPerTask[i] - want) < 1e-9, `${a.transferPerTask[i]} vs ${want}`));
    assert.strictEqual(a.breakEven, 145); // 3769 / 26 = 144.96: the first whole N where transfer is cheaper
    assert.ok(a.transferPerTask[2] < 30 && 3769 / 144 + 4 > 30);
    assert.strictEqual(amortisedCost({ pretrainSeconds: 100, transferSeconds: 30, scratchSeconds: 30 }).breakEven, null);
    assert.strictEqual(amortisedCost({ pretrainSeconds: 0, transferSeconds: 3, scratchSeconds: 30 }).breakEven, 1);
  });

  it('the charts draw what the tables hold', () => {
    const table = timeToTargetTable(result.rows, { target: 0.3 });
    const t = timeToTargetChart(table);
    assert.ok(t.data.some((d) => d.name === 'linear-probe: feature extraction'));
    // A target no run reaches: no line of nulls (it would draw nothing), one hollow marker per size.
    const never = timeToTargetChart(timeToTargetTable(result.rows, { target: 1 }));
    for (const d of never.data as { y: (number | null)[]; name: string }[])
      assert.ok(
        d.y.some((v) => v !== null && Number.isFinite(v)),
        `trace '${d.name}' has no point to draw`,
      );
    assert.ok(never.data.some((d) => d.name === 'scratch: never reached (whole run, every size)'));
    const a = amortisedCostChart(table, { pretrainSeconds: 3769 });
    const scratch = a.data[a.data.length - 1] as { y: number[]; name: string };
    const sc = table.find((c) => c.strategy === 'scratch')!;
    assert.deepStrictEqual(scratch.y, [sc.secondsToTarget ?? sc.runSeconds, sc.secondsToTarget ?? sc.runSeconds]);
    const g = transferGainChart([{ label: 'fashion-cnn -> digits', verdicts: transferVerdicts(result.rows) }]);
    assert.deepStrictEqual(
      (g.data[0] as { y: number[] }).y,
      transferVerdicts(result.rows).map((v) => 100 * v.gain),
    );
  });

  it('storedOrShare: a share of the plan is run and stored, then the rest, then the whole sweep is read without training', async () => {
    const out = tmpDir('tl-synth-');
    dirs.push(out);
    const share = await expectNoLeakedTensors(
      () => storedOrShare(config, { outDir: out, share: { seeds: [0], strategies: ['scratch', 'linear-probe'] } }),
      'storedOrShare',
    );
    assert.strictEqual(share.complete, false);
    assert.strictEqual(share.stored, 0);
    assert.strictEqual(share.planned, 6);
    assert.strictEqual(share.trained, 2);
    assert.deepStrictEqual(
      share.result.rows.map((r) => `${r.strategy}/${r.seed}`),
      ['scratch/0', 'linear-probe/0'],
    );
    // the same numbers as the whole sweep run in memory: the share's runs are the sweep's runs
    for (const r of share.result.rows) {
      const same = result.rows.find((x) => x.key === r.key)!;
      assert.strictEqual(r.accuracy, same.accuracy);
    }
    const rest = await storedOrShare(config, { outDir: out, share: { seeds: [0], strategies: ['scratch', 'linear-probe'] } });
    assert.strictEqual(rest.trained, 0, 'the share is stored: nothing trains again');
    const whole = await storedOrShare(config, { outDir: out });
    assert.strictEqual(whole.stored, 2);
    assert.strictEqual(whole.trained, 4);
    assert.strictEqual(readRuns(path.join(out, 'runs.jsonl')).size, 6);
    const again = await storedOrShare(config, { outDir: out, share: { seeds: [0] } });
    assert.strictEqual(again.complete, true);
    assert.strictEqual(again.trained, 0);
    assert.strictEqual(again.result.rows.length, 6, 'complete: the whole sweep, not the share');
  });
});
