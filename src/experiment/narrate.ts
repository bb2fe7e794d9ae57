/**
 * Findings: the numbers a notebook's conclusions cite. A results cell computes them from
 * measured runs, shows them as one markdown table and records each one as a metric; the
 * notebook harness (scripts/run_notebooks.py) checks every metric against the bounds in
 * the notebook's `metadata.transfer_lab.expect.metrics`. The conclusions themselves are
 * markdown cells that cite findings by name, so no sentence states a number the run did
 * not compute and the test did not check.
 *
 * `sweepFindings` derives the usual findings of a sweep (accuracy per strategy, the gain
 * over a baseline seed by seed, from `pairedGaps` in src/experiment/paired.ts);
 * `showFindings` displays and records any list of findings; `formatFindingValue` is how
 * the library prints an accuracy or a difference of accuracies in words.
 * Introduced in notebooks/04-versus-scratch.ipynb.
 */
import { meanStd } from './metrics';
import { ScoredRun, checkScoredRows, displayOrder, pairedGaps } from './paired';
import { displaySink, recordMetric } from '../plot/notebook';

/**
 * How a finding's value is printed: `accuracy` a fraction as a percent (0.473 -> 47.3%),
 * `points` a difference of fractions as signed points (0.032 -> +3.2 points), `seconds`,
 * `count` (a whole number with thousands separators), `rate` (a learning rate, 0.0003 ->
 * 3e-4), `number` (3 significant digits).
 */
export type FindingUnit = 'accuracy' | 'points' | 'seconds' | 'count' | 'rate' | 'number';

const UNITS: readonly FindingUnit[] = ['accuracy', 'points', 'seconds', 'count', 'rate', 'number'];

/** One number a conclusion cites. */
export interface Finding {
  /** Metric name, as `recordMetric` takes it and `expect.metrics` checks it: letters, digits, `_`, `-`, `.`. */
  name: string;
  /** What was measured, in words (the table's first column). */
  label: string;
  /** The measured value (finite). */
  value: number;
  /** How to print the value. Default `number`. */
  unit?: FindingUnit;
  /** Context printed after the value, e.g. `ahead in 4 of 5 seeds`. Default none. */
  detail?: string;
}

/** Options for {@link findingsMarkdown} and {@link showFindings}. */
export interface FindingsOptions {
  /** A bold line above the table. Default none. */
  title?: string;
}

/** Options for {@link sweepFindings}. */
export interface SweepFindingsOptions {
  /** Strategies that the others are compared with, seed by seed. Default `['scratch']` (those present in the rows). */
  baselines?: string[];
  /** The unit of a size in labels, e.g. `'per topic'`. Default `'per class'`. */
  per?: string;
}

const NAME = /^[A-Za-z0-9_.-]+$/;

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/**
 * A value printed the way a finding of that unit is shown.
 *
 * @throws Error for a non-finite value or an unknown unit
 * @example
 * formatFindingValue(0.0321, 'points'); // '+3.2 points'
 * formatFindingValue(0.473, 'accuracy'); // '47.3%'
 */
export function formatFindingValue(value: number, unit: FindingUnit = 'number'): string {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new Error(`formatFindingValue: value ${String(value)} is not a finite number. Fix: pass the measured number (e.g. a mean accuracy).`);
  if (!UNITS.includes(unit)) throw new Error(`formatFindingValue: unknown unit '${String(unit)}'. Fix: use one of ${UNITS.join(', ')}.`);
  switch (unit) {
    case 'accuracy':
      return `${(100 * value).toFixed(1)}%`;
    case 'points': {
      const v = Math.round(1000 * value) / 10;
      return `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v).toFixed(1)} points`;
    }
    case 'seconds':
      return `${value.toFixed(1)} s`;
    case 'count':
      return Math.round(value).toLocaleString('en-US');
    case 'rate':
      return value.toExponential().replace('e+', 'e');
    default:
      return String(Number(value.toPrecision(3)));
  }
}

/** Throw unless `findings` is a list of well-formed findings with distinct names. */
function checkFindings(findings: readonly Finding[], where: string): void {
  if (!Array.isArray(findings))
    throw new Error(
      `${where}: expected a list of findings, got ${typeName(findings)}. Fix: pass an array of { name, label, value, unit } objects (e.g. from sweepFindings).`,
    );
  const seen = new Set<string>();
  findings.forEach((f, i) => {
    if (!f || typeof f !== 'object') throw new Error(`${where}: finding ${i} is ${typeName(f)}, not an object. Fix: pass { name, label, value, unit }.`);
    if (typeof f.name !== 'string' || !NAME.test(f.name))
      throw new Error(
        `${where}: finding ${i} has the name '${String(f.name)}', not a plain identifier. Fix: use letters, digits, '_', '-' or '.', e.g. 'scratch_accuracy_smallest'.`,
      );
    if (seen.has(f.name))
      throw new Error(`${where}: two findings are named '${f.name}'. Fix: give each finding its own name (the metric the notebook checks).`);
    seen.add(f.name);
    if (typeof f.label !== 'string' || !f.label.trim())
      throw new Error(`${where}: finding '${f.name}' has no label. Fix: say in words what was measured, e.g. label: 'scratch, test accuracy'.`);
    if (typeof f.value !== 'number' || !Number.isFinite(f.value))
      throw new Error(
        `${where}: finding '${f.name}' has the value ${String(f.value)}, not a finite number. Fix: pass the measured number (a mean of no runs is NaN: check the rows).`,
      );
    if (f.unit !== undefined && !UNITS.includes(f.unit))
      throw new Error(`${where}: finding '${f.name}' has an unknown unit '${String(f.unit)}'. Fix: use one of ${UNITS.join(', ')}.`);
    if (f.detail !== undefined && typeof f.detail !== 'string')
      throw new Error(`${where}: finding '${f.name}' has a detail that is not text. Fix: pass a string or leave it out.`);
  });
}

/** Text for a markdown table cell: one line, pipes escaped. */
function cellText(s: string): string {
  return s.replace(/\s+/g, ' ').replace(/\|/g, '\\|');
}

/**
 * Findings as a markdown table: what was measured, the value (with its detail), and the
 * metric name the notebook's expectations check.
 *
 * @throws Error naming a malformed finding (no name, a non-finite value, a repeated name, ...)
 * @example
 * findingsMarkdown([{ name: 'scratch_accuracy_smallest', label: 'scratch, 1 per class', value: 0.41, unit: 'accuracy' }]);
 * // '| finding | value | checked as |\n| --- | --- | --- |\n| scratch, 1 per class | 41.0% | `scratch_accuracy_smallest` |'
 */
export function findingsMarkdown(findings: readonly Finding[], opts: FindingsOptions = {}): string {
  checkFindings(findings, 'findingsMarkdown');
  const rows = findings.map((f) => {
    const value = formatFindingValue(f.value, f.unit) + (f.detail ? ` (${f.detail})` : '');
    return `| ${cellText(f.label)} | ${cellText(value)} | \`${f.name}\` |`;
  });
  const table = ['| finding | value | checked as |', '| --- | --- | --- |', ...rows].join('\n');
  return opts.title ? `**${cellText(opts.title)}**\n\n${table}` : table;
}

/**
 * Show findings as one markdown table and record each as a metric (`recordMetric`), which
 * the notebook harness checks against `metadata.transfer_lab.expect.metrics`. Every
 * finding is checked before anything is shown or recorded. Outside a notebook the table
 * is printed.
 *
 * @throws Error naming a malformed finding
 * @example
 * tl.showFindings(tl.sweepFindings(result.rows), { title: 'What the sweep measured' });
 * // introduced in notebooks/04-versus-scratch.ipynb
 */
export function showFindings(findings: readonly Finding[], opts: FindingsOptions = {}): void {
  checkFindings(findings, 'showFindings');
  const md = findingsMarkdown(findings, opts);
  const sink = displaySink();
  if (sink) sink.send({ 'text/markdown': md, 'text/plain': md }, undefined, false);
  else console.log(md);
  for (const f of findings) recordMetric(f.name, f.value);
}

/** A strategy name as part of a metric name: 'fine-tune' -> 'finetune'. */
function metricId(strategy: string): string {
  return strategy.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * The standard findings of a sweep, at its smallest and its largest size: each strategy's
 * mean test accuracy (`<strategy>_accuracy_smallest`, with the spread over seeds), and each
 * strategy minus each baseline, paired by seed (`<strategy>_minus_<baseline>_smallest`,
 * with the seeds it won and its range); the same with `_largest`. Strategy names lose
 * their dashes (`finetune`, `linearprobe`). One size only: `_smallest` alone.
 *
 * @throws Error when the rows are not a sweep's
 * @example
 * tl.showFindings(tl.sweepFindings(result.rows));
 * // gradual_accuracy_smallest, gradual_minus_scratch_smallest, ..., gradual_minus_scratch_largest
 */
export function sweepFindings(rows: readonly ScoredRun[], opts: SweepFindingsOptions = {}): Finding[] {
  checkScoredRows(rows, 'sweepFindings');
  if (!rows.length) throw new Error('sweepFindings: the sweep has no runs. Fix: pass result.rows of a sweep that ran at least one strategy.');
  if (opts.baselines !== undefined && (!Array.isArray(opts.baselines) || !opts.baselines.every((b) => typeof b === 'string')))
    throw new Error(
      `sweepFindings: baselines must be a list of strategy names, got ${JSON.stringify(opts.baselines)}. Fix: pass e.g. { baselines: ['scratch'] }, or leave it out.`,
    );
  const per = opts.per ?? 'per class';
  const strategies = displayOrder(rows.map((r) => r.strategy));
  const baselines = (opts.baselines ?? ['scratch']).filter((b) => strategies.includes(b));
  const sizes = [...new Set(rows.map((r) => r.size))].sort((a, b) => a - b);
  const ends: [string, number][] =
    sizes.length > 1
      ? [
          ['smallest', sizes[0]],
          ['largest', sizes[sizes.length - 1]],
        ]
      : [['smallest', sizes[0]]];
  const gaps = baselines.flatMap((b) => pairedGaps(rows, { baseline: b }));
  const out: Finding[] = [];
  for (const [tag, size] of ends) {
    for (const s of strategies) {
      const accs = rows.filter((r) => r.strategy === s && r.size === size).map((r) => r.accuracy);
      if (!accs.length) continue;
      const a = meanStd(accs);
      out.push({
        name: `${metricId(s)}_accuracy_${tag}`,
        label: `${s}: test accuracy, ${size} ${per}`,
        value: a.mean,
        unit: 'accuracy',
        detail: a.n === 1 ? '1 seed' : `± ${(100 * a.std).toFixed(1)} over ${a.n} seeds`,
      });
    }
    for (const g of gaps.filter((x) => x.size === size)) {
      if (baselines.includes(g.strategy) && baselines.indexOf(g.strategy) < baselines.indexOf(g.baseline)) continue; // one direction per pair of baselines
      const n = g.diffs.length;
      out.push({
        name: `${metricId(g.strategy)}_minus_${metricId(g.baseline)}_${tag}`,
        label: `${g.strategy} minus ${g.baseline}, same seeds, ${size} ${per}`,
        value: g.mean,
        unit: 'points',
        detail:
          n === 1
            ? `1 seed`
            : `${g.strategy} ahead in ${g.wins} of ${n} seeds; ${formatFindingValue(g.min, 'points')} to ${formatFindingValue(g.max, 'points')}`,
      });
    }
  }
  return out;
}
