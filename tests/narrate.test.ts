/**
 * Findings (src/experiment/narrate.ts): paired gaps by seed, the standard findings of a
 * sweep, the markdown table and what showFindings displays and records. Plain numbers on
 * hand-made rows (no training): each expected value is worked out by hand below.
 */
import * as assert from 'assert';
import { sweepFindings, findingsMarkdown, formatFindingValue, showFindings, Finding } from '../src/experiment/narrate';
import { pairedGaps, ScoredRun } from '../src/experiment/paired';
import { useDisplaySink, MimeBundle, METRIC_MIME } from '../src/plot';
import { expectError } from './helpers';

/** scratch / gradual / fine-tune at sizes 1 and 5, seeds 0-2 (fine-tune lacks seed 2 at size 5). */
const ROWS: ScoredRun[] = [
  { strategy: 'scratch', size: 1, seed: 0, accuracy: 0.3 },
  { strategy: 'scratch', size: 1, seed: 1, accuracy: 0.4 },
  { strategy: 'scratch', size: 1, seed: 2, accuracy: 0.35 },
  { strategy: 'gradual', size: 1, seed: 0, accuracy: 0.4 },
  { strategy: 'gradual', size: 1, seed: 1, accuracy: 0.38 },
  { strategy: 'gradual', size: 1, seed: 2, accuracy: 0.45 },
  { strategy: 'fine-tune', size: 1, seed: 0, accuracy: 0.3 },
  { strategy: 'fine-tune', size: 1, seed: 1, accuracy: 0.4 },
  { strategy: 'fine-tune', size: 1, seed: 2, accuracy: 0.35 },
  { strategy: 'scratch', size: 5, seed: 0, accuracy: 0.8 },
  { strategy: 'scratch', size: 5, seed: 1, accuracy: 0.7 },
  { strategy: 'scratch', size: 5, seed: 2, accuracy: 0.75 },
  { strategy: 'gradual', size: 5, seed: 0, accuracy: 0.7 },
  { strategy: 'gradual', size: 5, seed: 1, accuracy: 0.72 },
  { strategy: 'gradual', size: 5, seed: 2, accuracy: 0.7 },
  { strategy: 'fine-tune', size: 5, seed: 0, accuracy: 0.9 },
  { strategy: 'fine-tune', size: 5, seed: 1, accuracy: 0.6 },
];

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

describe('narrate: findings a notebook cites', () => {
  afterEach(() => useDisplaySink(undefined));

  it('pairs runs by seed: differences, mean, standard error, wins; unshared seeds left out', () => {
    const gaps = pairedGaps(ROWS);
    assert.deepStrictEqual(
      gaps.map((g) => `${g.strategy}@${g.size}`),
      ['fine-tune@1', 'fine-tune@5', 'gradual@1', 'gradual@5'],
      'display order (fine-tune before gradual), sizes ascending',
    );
    const g1 = gaps.find((g) => g.strategy === 'gradual' && g.size === 1)!;
    assert.deepStrictEqual(g1.seeds, [0, 1, 2]);
    [0.1, -0.02, 0.1].forEach((d, i) => close(g1.diffs[i], d, `diff ${i}`));
    close(g1.mean, 0.06, 'mean');
    // sample std of (0.1, -0.02, 0.1): deviations 0.04, -0.08, 0.04 -> sqrt(0.0096 / 2) = 0.069282; / sqrt(3)
    close(g1.std, Math.sqrt(0.0096 / 2), 'sample std of the differences');
    close(g1.stdError!, Math.sqrt(0.0096 / 2) / Math.sqrt(3), 'standard error');
    // the two arms over the paired seeds: gradual (0.4, 0.38, 0.45), scratch (0.3, 0.4, 0.35)
    close(g1.accuracy.mean, 0.41, 'gradual mean');
    close(g1.accuracy.std, Math.sqrt(0.0026 / 2), 'gradual std (deviations -0.01, -0.03, 0.04)');
    close(g1.baselineAccuracy.mean, 0.35, 'scratch mean');
    close(g1.baselineAccuracy.std, 0.05, 'scratch std (deviations -0.05, 0.05, 0)');
    // effect: the mean gap over the pooled std sqrt((0.0013 + 0.0025) / 2)
    close(g1.effect!, 0.06 / Math.sqrt(0.0019), 'effect in pooled std units');
    assert.strictEqual(g1.wins, 2);
    close(g1.min, -0.02, 'min');
    close(g1.max, 0.1, 'max');
    const f5 = gaps.find((g) => g.strategy === 'fine-tune' && g.size === 5)!;
    assert.deepStrictEqual(f5.seeds, [0, 1], 'seed 2 ran for scratch only');
    close(f5.mean, (0.1 - 0.1) / 2, 'fine-tune at 5');
    const f1 = gaps.find((g) => g.strategy === 'fine-tune' && g.size === 1)!;
    assert.strictEqual(f1.wins, 0, 'a tie is not a win');
    const vsGradual = pairedGaps(ROWS, { baseline: 'gradual', strategies: ['scratch'] });
    close(vsGradual[0].mean, -0.06, 'the other way round');
    const one = pairedGaps(ROWS.filter((r) => r.seed === 0));
    assert.strictEqual(one[0].stdError, null, 'no standard error from one seed');
    assert.strictEqual(one[0].effect, null, 'no effect size from one seed');
    assert.strictEqual(one[0].std, 0);
  });

  it('sweepFindings: accuracy and paired gaps at the smallest and largest size, named for the metrics', () => {
    const f = sweepFindings(ROWS);
    assert.deepStrictEqual(
      f.map((x) => x.name),
      [
        'scratch_accuracy_smallest',
        'finetune_accuracy_smallest',
        'gradual_accuracy_smallest',
        'finetune_minus_scratch_smallest',
        'gradual_minus_scratch_smallest',
        'scratch_accuracy_largest',
        'finetune_accuracy_largest',
        'gradual_accuracy_largest',
        'finetune_minus_scratch_largest',
        'gradual_minus_scratch_largest',
      ],
    );
    const by = Object.fromEntries(f.map((x) => [x.name, x]));
    close(by.gradual_accuracy_smallest.value, 0.41, 'gradual at 1');
    close(by.gradual_minus_scratch_largest.value, (-0.1 + 0.02 - 0.05) / 3, 'gradual minus scratch at 5');
    assert.strictEqual(by.gradual_minus_scratch_smallest.detail, 'gradual ahead in 2 of 3 seeds; −2.0 points to +10.0 points');
    assert.strictEqual(by.scratch_accuracy_smallest.detail, '± 5.0 over 3 seeds');
    assert.match(by.finetune_accuracy_largest.label, /fine-tune: test accuracy, 5 per class/);
    const two = sweepFindings(ROWS, { baselines: ['scratch', 'gradual'], per: 'per topic' });
    const names = two.map((x) => x.name);
    assert.ok(names.includes('finetune_minus_gradual_smallest'), 'gaps against the second baseline');
    assert.ok(!names.includes('scratch_minus_gradual_smallest') && names.includes('gradual_minus_scratch_smallest'), 'one direction between two baselines');
    assert.match(two[0].label, /per topic/);
    const single = sweepFindings(ROWS.filter((r) => r.size === 1 && r.strategy !== 'scratch'));
    assert.ok(
      single.every((x) => x.name.endsWith('_smallest') && !x.name.includes('minus')),
      'one size: _smallest only; no scratch: no gaps',
    );
  });

  it('formats values by unit and writes one markdown table with the metric names', () => {
    assert.strictEqual(formatFindingValue(0.4734, 'accuracy'), '47.3%');
    assert.strictEqual(formatFindingValue(0.0321, 'points'), '+3.2 points');
    assert.strictEqual(formatFindingValue(-0.0321, 'points'), '−3.2 points');
    assert.strictEqual(formatFindingValue(0.0001, 'points'), '±0.0 points');
    assert.strictEqual(formatFindingValue(1e-4, 'rate'), '1e-4');
    assert.strictEqual(formatFindingValue(0.003, 'rate'), '3e-3');
    assert.strictEqual(formatFindingValue(12345.6, 'count'), '12,346');
    assert.strictEqual(formatFindingValue(3.14159), '3.14');
    assert.strictEqual(formatFindingValue(12.345, 'seconds'), '12.3 s');
    const md = findingsMarkdown([{ name: 'a_b', label: 'x | y', value: 0.5, unit: 'accuracy', detail: 'n=2' }], { title: 'T' });
    assert.strictEqual(md, '**T**\n\n| finding | value | checked as |\n| --- | --- | --- |\n| x \\| y | 50.0% (n=2) | `a_b` |');
  });

  it('showFindings displays the table and records every finding as a metric', () => {
    const sent: MimeBundle[] = [];
    useDisplaySink({ send: (d) => sent.push(d) });
    const f: Finding[] = [
      { name: 'm1', label: 'one', value: 0.25, unit: 'accuracy' },
      { name: 'm2', label: 'two', value: -0.01, unit: 'points' },
    ];
    showFindings(f);
    assert.strictEqual(sent.length, 3, 'the table, then one metric each');
    assert.match(String(sent[0]['text/markdown']), /\| one \| 25\.0% \| `m1` \|\n\| two \| −1\.0 points \| `m2` \|/);
    assert.deepStrictEqual(
      sent.slice(1).map((d) => d[METRIC_MIME]),
      [
        { name: 'm1', value: 0.25 },
        { name: 'm2', value: -0.01 },
      ],
    );
  });

  it('rejects malformed findings before showing or recording anything', async () => {
    const sent: MimeBundle[] = [];
    useDisplaySink({ send: (d) => sent.push(d) });
    const ok: Finding = { name: 'ok', label: 'fine', value: 1 };
    await expectError(
      () => showFindings([ok, { name: 'bad', label: 'mean of nothing', value: NaN }]),
      /'bad' has the value NaN/,
      /Fix: pass the measured number/,
    );
    await expectError(() => showFindings([ok, { ...ok }]), /two findings are named 'ok'/, /Fix: give each finding its own name/);
    await expectError(() => showFindings([{ ...ok, name: 'has space' }]), /not a plain identifier/, /Fix: use letters/);
    await expectError(() => showFindings([{ ...ok, unit: 'percent' as never }]), /unknown unit 'percent'/, /Fix: use one of accuracy/);
    await expectError(() => showFindings([{ ...ok, label: ' ' }]), /has no label/, /Fix: say in words/);
    assert.strictEqual(sent.length, 0, 'nothing was shown or recorded');
    await expectError(
      () => pairedGaps(ROWS, { baseline: 'head' }),
      /baseline 'head' has no runs here \(strategies: scratch, fine-tune, gradual\)/,
      /Fix: pass \{ baseline \}/,
    );
    await expectError(() => pairedGaps(ROWS, { strategies: ['linear-probe'] }), /no runs of linear-probe/, /Fix: name strategies the sweep ran/);
    await expectError(() => sweepFindings({ rows: ROWS } as never), /expected the rows of a sweep \(an array\), got object/, /Fix: pass result\.rows/);
    await expectError(() => sweepFindings([]), /the sweep has no runs/, /Fix:/);
    await expectError(() => pairedGaps([{ strategy: 'scratch' }] as never), /row 0 is not a run/, /Fix: pass result\.rows/);
  });
});
