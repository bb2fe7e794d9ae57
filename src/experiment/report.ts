/**
 * Experiment reports: one self-contained offline HTML page per experiment (charts,
 * tables, configuration, environment), a small summary.json for scripts, and the text
 * table printed on the terminal.
 */
import * as path from 'path';
import { environmentReport, EnvironmentReport } from '../environment';
import { reportsRoot } from '../paths';
import { figureHtml, plotlyLoaderHtml } from '../plot/html';
import { Figure } from '../plot/figure';
import { learningCurveChart, trainingCurvesChart, timeToAccuracyChart, confusionMatrixChart, predictionGridChart, projectionChart } from '../charts/results';
import { ExperimentResult as CompareResult, RunRow } from './results';
import { writeAtomic } from '../util/atomic';
import { STRATEGIES, StrategyName, isBaseline } from './strategy-names';
import { Spread } from './metrics';
import { ImageDataset } from '../data/dataset';
import { roundTo } from '../util/args';
import { sourceOf } from './domain-shift';

/** Mean, std and count of one cell, as summary.json has them (a {@link Spread} without min and max). */
export type SummarySpread = Pick<Spread, 'mean' | 'std' | 'n'>;

/** What `reports/latest/summary.json` holds. */
export interface ExperimentSummary {
  experiment: string;
  description: string;
  backbone: string;
  task: string;
  strategies: StrategyName[];
  /** Labels per class. */
  sizes: number[];
  seeds: number[];
  /** Test accuracy per strategy and size (keys are sizes as strings). */
  accuracy: Record<string, Record<string, SummarySpread>>;
  macroF1: Record<string, Record<string, SummarySpread>>;
  /** Mean training seconds per strategy and size. */
  trainSeconds: Record<string, Record<string, number>>;
  /** The claim checked at the smallest size: do the pretrained strategies beat scratch on average? */
  claim: {
    size: number;
    scratch: number | null;
    pretrained: Record<string, number>;
    /** Every pretrained strategy's mean is above scratch's. */
    allBeatScratch: boolean | null;
    /** The best pretrained strategy's mean is above scratch's. */
    bestBeatsScratch: boolean | null;
    text: string;
  };
  /** The strategy with the best mean test accuracy at each size (keys are sizes as strings). */
  bestBySize: Record<string, { strategy: string; mean: number }>;
  runs: number;
  resumedRuns: number;
  wallSeconds: number;
  finishedAt: string;
  report?: string;
  results?: string;
  environment?: { backend: string; tfVersion: string | null; node: string; cpus: number };
}

function cellMap<T>(result: CompareResult, f: (c: CompareResult['cells'][number]) => T): Record<string, Record<string, T>> {
  const out: Record<string, Record<string, T>> = {};
  for (const c of result.cells) (out[c.strategy] ??= {})[String(c.size)] = f(c);
  return out;
}

const r4 = (x: number) => roundTo(x, 4);

/** A clear error unless `result` is what compare() returned, with at least one run. */
function checkResult(result: CompareResult, where: string): void {
  const ok = !!result && typeof result === 'object' && !!result.resolved && Array.isArray(result.rows) && Array.isArray(result.cells);
  if (!ok)
    throw new Error(
      `${where}: expected a compare() result {resolved, rows, cells, ...}, got ${Array.isArray(result) ? 'an array' : result === null ? 'null' : typeof result}. Fix: pass what compare() returns (not result.rows).`,
    );
  if (result.rows.length === 0) throw new Error(`${where}: the result has no runs. Fix: run compare() with at least one strategy, size and seed.`);
}

/**
 * The summary of a result: per strategy and size, mean and std of test accuracy and
 * macro-F1, and the headline claim at the smallest size.
 *
 * @example
 * const s = summarizeExperiment(result);
 * s.accuracy['fine-tune']['1'].mean;
 */
export function summarizeExperiment(result: CompareResult, env?: EnvironmentReport): ExperimentSummary {
  checkResult(result, 'summarizeExperiment');
  const r = result.resolved;
  const size = r.sizes[0];
  const at = result.cells.filter((c) => c.size === size);
  const scratch = at.find((c) => c.strategy === 'scratch')?.accuracy.mean ?? null;
  const pretrained: Record<string, number> = {};
  // Baselines (no backbone) are neither scratch nor pretrained: the claim leaves them out.
  for (const c of at) if (c.strategy !== 'scratch' && !isBaseline(c.strategy)) pretrained[c.strategy] = r4(c.accuracy.mean);
  const baselines = at.filter((c) => isBaseline(c.strategy)).map((c) => `${c.strategy} ${c.accuracy.mean.toFixed(3)}`);
  const vals = Object.values(pretrained);
  const all = scratch === null || vals.length === 0 ? null : vals.every((v) => v > scratch);
  const best = scratch === null || vals.length === 0 ? null : Math.max(...vals) > scratch;
  const fmt = (x: number) => x.toFixed(3);
  const text =
    scratch === null || vals.length === 0
      ? 'The claim (pretrained beats scratch) needs both scratch and a pretrained strategy in the sweep.'
      : `At ${size} label(s) per class (mean over ${r.seeds.length} seed(s)), scratch reaches ${fmt(scratch)} test accuracy; ` +
        Object.entries(pretrained)
          .map(([s, v]) => `${s} ${fmt(v)}`)
          .join(', ') +
        '. ' +
        (all
          ? 'Every pretrained strategy beats scratch.'
          : best
            ? 'Some pretrained strategies beat scratch, not all.'
            : 'No pretrained strategy beats scratch here.');
  const bestBySize: Record<string, { strategy: string; mean: number }> = {};
  for (const [k, c] of bestPerSize(result.cells, r.sizes)) bestBySize[String(k)] = { strategy: c.strategy, mean: r4(c.accuracy.mean) };
  const best_ = Object.entries(bestBySize)
    .map(([k, b]) => `${k}/class: ${b.strategy} ${b.mean.toFixed(3)}`)
    .join('; ');
  return {
    experiment: result.experiment,
    description: result.config.description ?? '',
    backbone: `${result.backbone.name} (${result.backbone.origin})`,
    task: result.task.description,
    strategies: r.strategies,
    sizes: r.sizes,
    seeds: r.seeds,
    accuracy: cellMap(result, (c) => ({ mean: r4(c.accuracy.mean), std: r4(c.accuracy.std), n: c.runs })),
    macroF1: cellMap(result, (c) => ({ mean: r4(c.macroF1.mean), std: r4(c.macroF1.std), n: c.runs })),
    trainSeconds: cellMap(result, (c) => roundTo(c.wallSeconds.mean, 2)),
    claim: {
      size,
      scratch: scratch === null ? null : r4(scratch),
      pretrained,
      allBeatScratch: all,
      bestBeatsScratch: best,
      text: `${text}${baselines.length ? ` Baselines without the backbone at ${size}/class: ${baselines.join(', ')}.` : ''} Best per size: ${best_}.`,
    },
    bestBySize,
    runs: result.rows.length,
    resumedRuns: result.resumedRuns,
    wallSeconds: result.wallSeconds,
    finishedAt: result.finishedAt,
    report: undefined,
    results: result.files?.json,
    environment: env ? { backend: env.backend.backend, tfVersion: env.backend.tfVersion ?? null, node: env.node, cpus: env.cpus } : undefined,
  };
}

/**
 * The cell with the highest mean test accuracy at each size (first of equals in cell
 * order), for the "best per size" lines of the reports; sizes without a cell are left out.
 * Module-internal (report.ts and sources.ts), not part of the public API.
 *
 * @example
 * bestPerSize(result.cells, result.sizes).get(5)?.strategy; // e.g. 'fine-tune'
 */
export function bestPerSize<C extends { size: number; accuracy: { mean: number } }>(cells: readonly C[], sizes: readonly number[]): Map<number, C> {
  const out = new Map<number, C>();
  for (const k of sizes) {
    let best: C | undefined;
    for (const c of cells) if (c.size === k && (best === undefined || c.accuracy.mean > best.accuracy.mean)) best = c;
    if (best) out.set(k, best);
  }
  return out;
}

/**
 * A mean and its spread as a table cell, e.g. `0.812 +- 0.034` (the terminal tables) or
 * `0.812 ± 0.034` (the HTML report). The one format of a cell's mean and std over seeds.
 *
 * @example
 * formatSpread({ mean: 0.8123, std: 0.0341 }); // '0.812 +- 0.034'
 */
export function formatSpread(m: Pick<Spread, 'mean' | 'std'>, sep: '+-' | '±' = '+-', digits = 3): string {
  return `${m.mean.toFixed(digits)} ${sep} ${m.std.toFixed(digits)}`;
}

/**
 * A plain-text table: a header, a dashed rule and the lines, columns two spaces apart; the
 * first `leftColumns` columns (names) padded on the right, the others (numbers) on the left.
 *
 * @example
 * textTable(['strategy', '1/class'], [['scratch', '0.412 +- 0.020']]); // ['strategy         1/class', '--------  --------------', ...]
 */
export function textTable(head: string[], lines: string[][], leftColumns = 1): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (l: string[]) => l.map((x, i) => (i < leftColumns ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)];
}

/**
 * The summary table for a terminal: test accuracy mean +- std per strategy (rows) and
 * labels per class (columns), then the claim.
 *
 * @example
 * console.log(formatSummaryTable(result));
 */
export function formatSummaryTable(result: CompareResult): string {
  checkResult(result, 'formatSummaryTable');
  const r = result.resolved;
  const head = ['strategy', ...r.sizes.map((s) => `${s}/class`), 'train s (largest)'];
  const lines = r.strategies.map((s) => {
    const cells = r.sizes.map((k) => {
      const c = result.cells.find((x) => x.strategy === s && x.size === k);
      return c ? formatSpread(c.accuracy) : '-';
    });
    const big = result.cells.find((x) => x.strategy === s && x.size === r.sizes[r.sizes.length - 1]);
    return [s, ...cells, big ? big.wallSeconds.mean.toFixed(1) : '-'];
  });
  const source = sourceOf(r);
  return [
    `${result.experiment}: test accuracy (mean +- std over seeds ${r.seeds.join(', ')}; ${result.task.testImages} test images)`,
    ...(source ? [`columns: labels per class of the target, added to ${source.perClass} per class of ${source.dataset} (the source domain) in every run`] : []),
    ...textTable(head, lines),
    '',
    summarizeExperiment(result).claim.text,
  ].join('\n');
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function table(head: string[], rows: (string | number)[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(String(c))}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** The run whose details (confusion matrix, predictions) the report shows. */
function detailRun(result: CompareResult): RunRow | undefined {
  return (
    result.rows.find((r) => r.projection) ??
    result.rows.find((r) => r.strategy === 'fine-tune' && r.size === result.resolved.sizes[result.resolved.sizes.length - 1]) ??
    result.rows[result.rows.length - 1]
  );
}

/**
 * The figures of a report, with a heading and a note each (for notebooks: show them one by one).
 *
 * @example
 * for (const f of reportFigures(result)) show(f.fig);
 */
export function reportFigures(result: CompareResult): { heading: string; note: string; fig: Figure }[] {
  checkResult(result, 'reportFigures');
  const r = result.resolved;
  const out: { heading: string; note: string; fig: Figure }[] = [];
  const smallest = r.sizes[0];
  const largest = r.sizes[r.sizes.length - 1];
  out.push({
    heading: 'Learning curve',
    note: `Test accuracy against labels per class (${r.sizes.includes(0) ? 'evenly spaced; 0: the source domain only' : 'log scale'}); the band is mean +- one standard deviation over seeds.`,
    fig: learningCurveChart(result.cells),
  });
  out.push({
    heading: 'Learning curve (macro-F1)',
    note: 'The same with macro-F1 (every class weighs the same).',
    fig: learningCurveChart(result.cells, { metric: 'macroF1' }),
  });
  out.push({
    heading: `Training curves, ${largest} labels per class`,
    note: 'Loss and validation accuracy per epoch for one seed; dashed lines mark unfreezing.',
    fig: trainingCurvesChart(result.rows, { size: largest }),
  });
  if (smallest !== largest)
    out.push({ heading: `Training curves, ${smallest} label(s) per class`, note: '', fig: trainingCurvesChart(result.rows, { size: smallest }) });
  out.push({
    heading: 'Time to accuracy',
    note: `Validation accuracy against training seconds at ${largest} labels per class (every seed); the dashed line is the target ${r.targetAccuracy}.`,
    fig: timeToAccuracyChart(result.rows, { size: largest }),
  });
  const d = detailRun(result);
  if (d) {
    out.push({
      heading: `Confusion matrix: ${d.strategy}, ${d.size} labels per class, seed ${d.seed}`,
      note: '',
      fig: confusionMatrixChart(d.confusion, result.task.classNames, {
        title: `Confusion matrix (${d.strategy}, ${d.size}/class, seed ${d.seed}; test accuracy ${d.accuracy.toFixed(3)})`,
      }),
    });
    const sc = result.rows.find((x) => x.strategy === 'scratch' && x.size === d.size && x.seed === d.seed);
    if (sc && sc !== d)
      out.push({
        heading: `Confusion matrix: scratch, ${d.size} labels per class, seed ${d.seed}`,
        note: '',
        fig: confusionMatrixChart(sc.confusion, result.task.classNames, {
          title: `Confusion matrix (scratch, ${sc.size}/class, seed ${sc.seed}; test accuracy ${sc.accuracy.toFixed(3)})`,
        }),
      });
    // Sample predictions are drawn for image tasks (a grid of the test images).
    if (result.test && 'images' in result.test && result.test.count === d.predictions.length) {
      out.push({
        heading: `Sample predictions: ${d.strategy}, ${d.size} labels per class`,
        note: 'Red frames are mistakes, captioned "predicted (true)".',
        fig: predictionGridChart(result.test as ImageDataset, d.predictions, { seed: d.seed }),
      });
    }
    if (d.projection)
      out.push({
        heading: 'Features before and after fine-tuning',
        note: `2-D PCA of the backbone's '${r.cutAt}' features of ${d.projection.before.x.length} test images: the pretrained backbone (left) and after ${d.strategy} on ${d.size} labels per class (right).`,
        fig: projectionChart(d.projection.before, d.projection.after, result.task.classNames),
      });
  }
  return out;
}

/**
 * The report page as one self-contained HTML string (plotly inlined once; no network).
 *
 * @example
 * const html = reportHtml(result, environmentReport());
 */
export function reportHtml(result: CompareResult, env?: EnvironmentReport): string {
  checkResult(result, 'reportHtml');
  const r = result.resolved;
  const summary = summarizeExperiment(result, env);
  const pm = (m: { mean: number; std: number }) => formatSpread(m, '±');
  const grid = (f: (c: CompareResult['cells'][number]) => string) =>
    table(
      ['strategy', ...r.sizes.map((s) => `${s} / class`)],
      r.strategies.map((s) => [
        s,
        ...r.sizes.map((k) => {
          const c = result.cells.find((x) => x.strategy === s && x.size === k);
          return c ? f(c) : '-';
        }),
      ]),
    );
  const figs = reportFigures(result)
    .map((f) => `<h3>${esc(f.heading)}</h3>${f.note ? `<p class="note">${esc(f.note)}</p>` : ''}\n${figureHtml(f.fig, { plotly: 'reuse' })}`)
    .join('\n');
  const tidy = table(
    [
      'strategy',
      'size',
      'seed',
      'train images',
      'epochs',
      'test acc',
      'macro-F1',
      `top-${r.topK}`,
      'val acc',
      'train s',
      'samples',
      'trainable params',
      `s to ${r.targetAccuracy}`,
    ],
    result.rows.map((x) => [
      x.strategy,
      x.size,
      x.seed,
      x.trainImages,
      x.epochs,
      x.accuracy.toFixed(4),
      x.macroF1.toFixed(4),
      x.topKAccuracy.toFixed(4),
      x.valAccuracy === null ? '-' : x.valAccuracy.toFixed(3),
      x.wallSeconds.toFixed(2),
      x.samplesSeen,
      x.trainableParams,
      x.timeToTarget ? x.timeToTarget.wallSeconds.toFixed(2) : 'not reached',
    ]),
  );
  const title = `transfer-lab: ${result.experiment}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:1100px;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:13px}th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}th:first-child,td:first-child{text-align:left}
th{background:#f4f4f4}.claim{background:#f3f8ff;border-left:4px solid #1f77b4;padding:.6rem 1rem}.note{color:#555;font-size:13px}pre{background:#f7f7f7;padding:.8rem;overflow:auto;font-size:12px}</style>
${plotlyLoaderHtml()}
</head>
<body>
<h1>${esc(title)}</h1>
<p>${esc(result.config.description ?? '')}</p>
<p class="note">Backbone: ${esc(summary.backbone)}. Task: ${esc(result.task.description)}.<br>
${result.rows.length} runs (${result.resumedRuns} resumed from an earlier sweep) in ${result.wallSeconds.toFixed(0)} s; finished ${esc(result.finishedAt)}.</p>
<p class="claim">${esc(summary.claim.text)}</p>
<h2>Test accuracy (mean ± std over seeds ${esc(r.seeds.join(', '))})</h2>
${grid((c) => pm(c.accuracy))}
<h2>Test macro-F1</h2>
${grid((c) => pm(c.macroF1))}
<h2>Cost: training seconds (mean) / seconds to ${r.targetAccuracy} validation accuracy (runs that reached it)</h2>
${grid((c) => `${c.wallSeconds.mean.toFixed(1)} s / ${c.secondsToTarget === null ? 'not reached' : `${c.secondsToTarget.toFixed(1)} s (${c.reachedTarget}/${c.runs})`}`)}
<h2>Strategies</h2>
${table(
  ['strategy', 'what it does', 'trainable params (first stage)'],
  r.strategies.map((s) => [s, STRATEGIES[s], result.cells.find((c) => c.strategy === s)?.trainableParams ?? '-']),
)}
<h2>Charts</h2>
${figs}
<h2>All runs</h2>
<details><summary>${result.rows.length} runs (also in results.csv / results.json)</summary>${tidy}</details>
<h2>Configuration</h2>
<pre>${esc(JSON.stringify(r, null, 2))}</pre>
<h2>Environment</h2>
<pre>${esc(JSON.stringify(env ?? null, null, 2))}</pre>
</body>
</html>
`;
}

/** Options for {@link writeReport}. */
export interface ReportOptions {
  /** The reports folder. Default: `<project>/reports`. */
  reportsDir?: string;
  /** The environment to print. Default: `environmentReport()`. */
  environment?: EnvironmentReport;
  /** Also write `<reportsDir>/latest/summary.json`. Default true. */
  latest?: boolean;
}

/**
 * The project's reports folder (ignored by git).
 *
 * @example
 * reportsDir(); // '<current directory>/reports'
 */
export function reportsDir(): string {
  return reportsRoot(); // $TRANSFER_LAB_REPORTS, else ./reports (src/paths.ts)
}

/**
 * Write the report page `<reportsDir>/<experiment>/index.html` and the summary
 * (`summary.json` beside it and in `<reportsDir>/latest/`), atomically.
 *
 * @returns the files written and the summary
 * @example
 * const { html } = writeReport(result);
 * console.log(`open ${html}`);
 */
export function writeReport(result: CompareResult, opts: ReportOptions = {}): { html: string; summary: string; latest?: string; data: ExperimentSummary } {
  checkResult(result, 'writeReport');
  const dir = path.join(opts.reportsDir ?? reportsDir(), result.experiment);
  const env = opts.environment ?? environmentReport();
  const html = writeAtomic(path.join(dir, 'index.html'), reportHtml(result, env));
  const data = { ...summarizeExperiment(result, env), report: html };
  const text = JSON.stringify(data, null, 2) + '\n';
  const summary = writeAtomic(path.join(dir, 'summary.json'), text);
  const latest = opts.latest === false ? undefined : writeAtomic(path.join(opts.reportsDir ?? reportsDir(), 'latest', 'summary.json'), text);
  return { html, summary, latest, data };
}
