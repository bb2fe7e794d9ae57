/**
 * Charts of experiment results, as plain plotly figures: training curves with unfreezing
 * events, learning curves (accuracy vs labels per class, band over seeds), accuracy vs
 * wall-clock time, confusion matrix, sample predictions with mistakes highlighted, and a
 * PCA picture of features before and after fine-tuning. Pure functions: results in, Figure out.
 */
import { ImageDataset } from '../data/dataset';
import { framedMosaic } from './mosaic';
import { pngDataUri } from '../data/png';
import { Figure, Trace } from '../plot/figure';
import { rng, sample } from '../random';
import type { RunRow, CellSummary } from '../experiment/results';
import type { Projection } from '../experiment/pca';

/**
 * A fixed colour per strategy, so every chart of a report agrees.
 *
 * @example
 * STRATEGY_COLORS.scratch; // '#7f7f7f'
 */
export const STRATEGY_COLORS: Record<string, string> = {
  scratch: '#7f7f7f',
  'linear-probe': '#17becf',
  head: '#2ca02c',
  'fine-tune': '#1f77b4',
  gradual: '#d62728',
  tfidf: '#ff7f0e',
  vader: '#9467bd',
};

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

function colorOf(strategy: string, i = 0): string {
  return STRATEGY_COLORS[strategy] ?? PALETTE[i % PALETTE.length];
}

function rgba(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

function strategiesOf(rows: { strategy: string }[]): string[] {
  const seen: string[] = [];
  for (const r of rows) if (!seen.includes(r.strategy)) seen.push(r.strategy);
  return seen;
}

/** Options for charts that show one training-set size. */
export interface RunSelection {
  /** Labels per class of the runs shown. Default: the largest size in the rows. */
  size?: number;
  /** Seed of the runs shown (training curves). Default: the first seed in the rows. */
  seed?: number;
  /** Chart title. Default: a description of what is shown. */
  title?: string;
}

/**
 * The x axis of a chart over labels per class: logarithmic, with a tick at every size; a
 * category axis (sizes in order, evenly spaced) when a size is 0 (a domain-shift sweep's
 * source-only runs), which a log axis cannot place.
 *
 * @example
 * sizeAxis([0, 16, 64]).type; // 'category'
 */
export function sizeAxis(sizes: number[]): Record<string, unknown> {
  const ticks = [...new Set(sizes)].sort((a, b) => a - b);
  const title = { text: ticks.includes(0) ? 'labels per class (0: source domain only)' : 'labels per class' };
  return ticks.includes(0) ? { title, type: 'category', categoryorder: 'array', categoryarray: ticks } : { title, type: 'log', tickvals: ticks };
}

function pickSize(rows: RunRow[], size?: number): number {
  if (!Array.isArray(rows))
    throw new Error(`expected the rows of a compare() result (an array), got ${rows === null ? 'null' : typeof rows}. Fix: pass result.rows.`);
  if (rows.length === 0) throw new Error('no runs to chart. Fix: pass the rows of a compare() result.');
  const s = size ?? Math.max(...rows.map((r) => r.size));
  if (!rows.some((r) => r.size === s))
    throw new Error(`no runs with ${s} labels per class; sizes present: ${[...new Set(rows.map((r) => r.size))].join(', ')}.`);
  return s;
}

/**
 * Training curves of one size and seed, one colour per strategy: training loss (left) and
 * validation accuracy (right) per epoch, with each unfreezing event drawn as a dashed line
 * at the start of its epoch.
 *
 * @example
 * const fig = trainingCurvesChart(result.rows, { size: 20 });
 */
export function trainingCurvesChart(rows: RunRow[], opts: RunSelection = {}): Figure {
  const size = pickSize(rows, opts.size);
  const seed = opts.seed ?? rows.find((r) => r.size === size)!.seed;
  const runs = rows.filter((r) => r.size === size && r.seed === seed);
  const data: Trace[] = [];
  const shapes: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  runs.forEach((r, i) => {
    const color = colorOf(r.strategy, i);
    const x = r.history.map((e) => e.epoch + 1);
    data.push({
      type: 'scatter',
      mode: x.length < 2 ? 'lines+markers' : 'lines',
      name: r.strategy,
      legendgroup: r.strategy,
      x,
      y: r.history.map((e) => e.loss),
      line: { color },
      xaxis: 'x',
      yaxis: 'y',
      hovertemplate: `${r.strategy}<br>epoch %{x}<br>loss %{y:.3f}<extra></extra>`,
    });
    const v = r.history.filter((e) => typeof e.valAcc === 'number');
    data.push({
      type: 'scatter',
      mode: 'lines+markers',
      name: r.strategy,
      legendgroup: r.strategy,
      showlegend: false,
      x: v.map((e) => e.epoch + 1),
      y: v.map((e) => e.valAcc),
      line: { color },
      xaxis: 'x2',
      yaxis: 'y2',
      hovertemplate: `${r.strategy}<br>epoch %{x}<br>val acc %{y:.3f}<extra></extra>`,
    });
    r.events
      .filter((ev) => ev.epoch > 0)
      .forEach((ev, j) => {
        for (const [xref, yref] of [
          ['x', 'y domain'],
          ['x2', 'y2 domain'],
        ]) {
          shapes.push({ type: 'line', xref, yref, x0: ev.epoch, x1: ev.epoch, y0: 0, y1: 1, line: { color, dash: 'dash', width: 1 } });
        }
        annotations.push({
          xref: 'x2',
          yref: 'y2 domain',
          x: ev.epoch,
          y: 0.02 + 0.07 * ((i + j) % 6),
          text: `${r.strategy}: ${ev.label}`,
          showarrow: false,
          xanchor: 'left',
          font: { size: 10, color },
        });
      });
  });
  return {
    data,
    layout: {
      title: { text: opts.title ?? `Training curves (${size} labels per class, seed ${seed}); dashed: unfreezing` },
      xaxis: { title: { text: 'epoch' }, domain: [0, 0.45] },
      yaxis: { title: { text: 'training loss' } },
      xaxis2: { title: { text: 'epoch' }, domain: [0.55, 1], anchor: 'y2' },
      yaxis2: { title: { text: 'validation accuracy' }, anchor: 'x2', range: [0, 1.02] },
      shapes,
      annotations,
      margin: { t: 60 },
      height: 430,
    },
  };
}

/** Options for {@link learningCurveChart}. */
export interface LearningCurveOptions {
  /** Which test metric. Default 'accuracy'. */
  metric?: 'accuracy' | 'macroF1';
  title?: string;
}

/** Line styles of the sources of a joined chart (src/experiment/sources.ts), in order. */
const SOURCE_DASHES = ['solid', 'dash', 'dot', 'dashdot', 'longdash'];
const SOURCE_SYMBOLS = ['circle', 'square', 'diamond', 'triangle-up', 'x'];

/**
 * The learning curve: test accuracy (mean over seeds) against labels per class on a log
 * axis (a category axis when a size is 0, see {@link sizeAxis}), one line per strategy, with a band of mean +- one standard deviation. Cells that
 * carry a `source` (joined sweeps of several backbones, see `joinSources`) get one line per
 * (source, strategy): the colour says the strategy, the dash and marker the source.
 *
 * @example
 * const fig = learningCurveChart(result.cells);
 * const both = learningCurveChart(joinSources([{ source: 'ImageNet', result: a }, { source: 'fashion-cnn', result: b }]).cells);
 */
export function learningCurveChart(cells: (CellSummary & { source?: string })[], opts: LearningCurveOptions = {}): Figure {
  if (!Array.isArray(cells) || cells.length === 0) throw new Error('learningCurveChart: no cells. Fix: pass result.cells of a compare() result.');
  if (cells.some((c) => !c || typeof c.accuracy !== 'object' || typeof c.runs !== 'number'))
    throw new Error('learningCurveChart: these are not cell summaries (mean and spread per strategy and size). Fix: pass result.cells, not result.rows.');
  const metric = opts.metric ?? 'accuracy';
  const data: Trace[] = [];
  const sources = [...new Set(cells.map((c) => c.source))];
  sources.forEach((source, j) =>
    strategiesOf(cells.filter((c) => c.source === source)).forEach((strategy, i) => {
      const s = source === undefined ? strategy : `${source}: ${strategy}`;
      const cs = cells.filter((c) => c.strategy === strategy && c.source === source).sort((a, b) => a.size - b.size);
      const color = colorOf(strategy, i);
      const x = cs.map((c) => c.size);
      const mean = cs.map((c) => c[metric].mean);
      const hi = cs.map((c) => Math.min(1, c[metric].mean + c[metric].std));
      const lo = cs.map((c) => Math.max(0, c[metric].mean - c[metric].std));
      // The +- std band is a polygon over the sizes: with one size it has no area and draws
      // nothing (a browser shows an empty trace), so it is left out; the hover still gives the std.
      if (x.length >= 2)
        data.push({
          type: 'scatter',
          mode: 'lines',
          x: [...x, ...x.slice().reverse()],
          y: [...hi, ...lo.slice().reverse()],
          fill: 'toself',
          fillcolor: rgba(color, sources.length > 1 ? 0.08 : 0.15),
          line: { width: 0 },
          hoverinfo: 'skip',
          showlegend: false,
          legendgroup: s,
          name: `${s} +- std`,
        });
      data.push({
        type: 'scatter',
        mode: 'lines+markers',
        name: s,
        legendgroup: s,
        x,
        y: mean,
        // One source (a plain sweep): the style every report has always had.
        line: source === undefined ? { color } : { color, dash: SOURCE_DASHES[j % SOURCE_DASHES.length] },
        marker: source === undefined ? { color } : { color, symbol: SOURCE_SYMBOLS[j % SOURCE_SYMBOLS.length] },
        customdata: cs.map((c) => [c[metric].std, c.runs]),
        hovertemplate: `${s}<br>%{x} labels/class<br>${metric} %{y:.3f} +- %{customdata[0]:.3f} (%{customdata[1]} seeds)<extra></extra>`,
      });
    }),
  );
  return {
    data,
    layout: {
      title: { text: opts.title ?? `Test ${metric === 'accuracy' ? 'accuracy' : 'macro-F1'} vs labels per class (mean +- std over seeds)` },
      xaxis: sizeAxis(cells.map((c) => c.size)),
      yaxis: { title: { text: metric === 'accuracy' ? 'test accuracy' : 'test macro-F1' }, range: [0, 1.02] },
      height: 450,
    },
  };
}

/** Options for {@link timeToAccuracyChart}. */
export interface TimeToAccuracyOptions extends RunSelection {
  /** Draw this accuracy as a dashed line. Default: the rows' target accuracy. */
  target?: number;
}

/**
 * Validation accuracy against training wall-clock seconds (evaluation excluded), one line
 * per run at one size, coloured by strategy; the dashed line is the target accuracy.
 *
 * @example
 * const fig = timeToAccuracyChart(result.rows, { size: 20 });
 */
export function timeToAccuracyChart(rows: RunRow[], opts: TimeToAccuracyOptions = {}): Figure {
  const size = pickSize(rows, opts.size);
  const runs = rows.filter((r) => r.size === size);
  const target = opts.target ?? runs[0].targetAccuracy;
  const shown = new Set<string>();
  const data: Trace[] = runs.map((r, i) => {
    const v = r.history.filter((e) => typeof e.valAcc === 'number');
    const first = !shown.has(r.strategy);
    shown.add(r.strategy);
    return {
      type: 'scatter',
      mode: 'lines+markers',
      name: r.strategy,
      legendgroup: r.strategy,
      showlegend: first,
      x: [0, ...v.map((e) => e.wallSeconds)],
      y: [null, ...v.map((e) => e.valAcc)],
      line: { color: colorOf(r.strategy, i), width: 1.5 },
      marker: { size: 5 },
      hovertemplate: `${r.strategy} seed ${r.seed}<br>%{x:.1f} s<br>val acc %{y:.3f}<extra></extra>`,
    };
  });
  const maxX = Math.max(1, ...runs.flatMap((r) => r.history.map((e) => e.wallSeconds)));
  return {
    data,
    layout: {
      title: { text: opts.title ?? `Validation accuracy vs training time (${size} labels per class, all seeds)` },
      xaxis: { title: { text: 'training wall-clock seconds (evaluation excluded)' }, range: [0, maxX * 1.05] },
      yaxis: { title: { text: 'validation accuracy' }, range: [0, 1.02] },
      shapes: [{ type: 'line', xref: 'paper', x0: 0, x1: 1, y0: target, y1: target, line: { dash: 'dash', color: '#444', width: 1 } }],
      annotations: [{ xref: 'paper', x: 1, y: target, text: `target ${target}`, showarrow: false, xanchor: 'right', yanchor: 'bottom', font: { size: 11 } }],
      height: 430,
    },
  };
}

/** Options for {@link confusionMatrixChart}. */
export interface ConfusionOptions {
  /** Show each row as fractions of its class (colour), counts as text. Default true. */
  normalize?: boolean;
  title?: string;
}

/**
 * A confusion-matrix heatmap: true class down, predicted class across, counts in the cells.
 *
 * @example
 * const fig = confusionMatrixChart(row.confusion, result.task.classNames);
 */
export function confusionMatrixChart(confusion: number[][], classNames: string[], opts: ConfusionOptions = {}): Figure {
  const k = classNames.length;
  if (confusion.length !== k || confusion.some((r) => r.length !== k)) {
    throw new Error(
      `confusionMatrixChart: the matrix is not ${k} x ${k} (one row and column per class name). Fix: pass the confusion matrix of the same task.`,
    );
  }
  const normalize = opts.normalize ?? true;
  const z = confusion.map((row) => {
    const s = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (normalize ? (s ? v / s : 0) : v));
  });
  return {
    data: [
      {
        // Class names are user data (folder names, labels): plotly renders a small HTML subset in labels, so escape them.
        type: 'heatmap',
        z,
        x: classNames.map(plotlyText),
        y: classNames.map(plotlyText),
        text: confusion.map((r) => r.map(String)),
        texttemplate: '%{text}',
        colorscale: 'Blues',
        zmin: 0,
        zmax: normalize ? 1 : undefined,
        hovertemplate: 'true %{y}<br>predicted %{x}<br>%{text} images<extra></extra>',
        colorbar: { title: { text: normalize ? 'fraction of class' : 'images' } },
      },
    ],
    layout: {
      title: { text: opts.title ?? 'Confusion matrix (test set)' },
      xaxis: { title: { text: 'predicted' }, type: 'category', side: 'bottom' },
      yaxis: { title: { text: 'true' }, type: 'category', autorange: 'reversed' },
      height: Math.max(380, 40 * k + 160),
      width: Math.max(460, 46 * k + 220),
    },
  };
}

/** Options for {@link predictionGridChart}. */
export interface PredictionGridOptions {
  /** Images shown. Default 40. */
  count?: number;
  /** Images per row. Default 10. */
  columns?: number;
  /** Which images (half mistakes when there are enough). Default 0. */
  seed?: number;
  title?: string;
}

/**
 * A grid of test images with their predicted class; mistakes have a red frame and show
 * "predicted (true)". About half the images shown are mistakes, when there are that many.
 *
 * @param predictions predicted class per image of `ds`
 * @example
 * const fig = predictionGridChart(result.test!, row.predictions);
 */
export function predictionGridChart(ds: ImageDataset, predictions: ArrayLike<number>, opts: PredictionGridOptions = {}): Figure {
  if (predictions.length !== ds.count)
    throw new Error(`predictionGridChart: ${predictions.length} predictions for ${ds.count} images. Fix: pass one prediction per image, in order.`);
  if (ds.channels !== 1 && ds.channels !== 3)
    throw new Error(`predictionGridChart: ${ds.channels} channels cannot be drawn. Fix: use a 1- or 3-channel data set.`);
  const count = Math.min(opts.count ?? 40, ds.count);
  const cols = Math.min(opts.columns ?? 10, count);
  const r = rng(opts.seed ?? 0);
  const all = Array.from({ length: ds.count }, (_, i) => i);
  const wrong = all.filter((i) => predictions[i] !== ds.labels[i]);
  const right = all.filter((i) => predictions[i] === ds.labels[i]);
  const nWrong = Math.min(wrong.length, Math.ceil(count / 2));
  const pick = [...sample(wrong, nWrong, r), ...sample(right, Math.min(right.length, count - nWrong), r)].sort((a, b) => a - b);
  const { width: w } = ds;
  const b = 2; // frame
  const label = 12; // room for the caption under each image
  const cw = w + 2 * b + 4;
  const cells = pick.map((i) => ({ index: i, frame: predictions[i] !== ds.labels[i] ? [214, 39, 40] : [200, 200, 200] }));
  const { mosaic, W, H, captions } = framedMosaic(ds, cells, { cols, cellWidth: cw, label, border: b });
  const annotations: Record<string, unknown>[] = [];
  pick.forEach((i, n) => {
    const bad = predictions[i] !== ds.labels[i];
    const pred = plotlyText(ds.classNames[predictions[i]] ?? String(predictions[i]));
    const truth = plotlyText(ds.classNames[ds.labels[i]]);
    annotations.push({
      ...captions[n],
      text: bad ? `${pred} (${truth})` : pred,
      font: { size: 9, color: bad ? '#d62728' : '#333' },
    });
  });
  const scale = 2;
  return {
    data: [{ type: 'image', source: pngDataUri(mosaic, H, W, 3), hoverinfo: 'skip' }],
    layout: {
      title: { text: opts.title ?? `Sample test predictions: ${nWrong} of ${wrong.length} mistakes (red: predicted (true)), ${pick.length - nWrong} correct` },
      width: W * scale + 60,
      height: H * scale + 90,
      margin: { l: 20, r: 20, t: 60, b: 20 },
      xaxis: { visible: false },
      yaxis: { visible: false },
      annotations,
    },
  };
}

/** Options for {@link projectionChart}. */
export interface ProjectionOptions {
  title?: string;
  /** Panel titles. Default 'before fine-tuning' / 'after fine-tuning'. */
  labels?: [string, string];
}

/**
 * The test features before and after fine-tuning, each projected on its own top two
 * principal components, side by side, coloured by class.
 *
 * @example
 * const p = result.rows.find((r) => r.projection)!.projection!;
 * const fig = projectionChart(p.before, p.after, result.task.classNames);
 */
export function projectionChart(before: Projection, after: Projection, classNames: string[], opts: ProjectionOptions = {}): Figure {
  for (const p of [before, after]) {
    if (!p || !Array.isArray(p.x) || !Array.isArray(p.y) || !Array.isArray(p.labels) || p.x.length !== p.labels.length || p.y.length !== p.labels.length) {
      throw new Error(
        'projectionChart: expected two projections {x, y, labels, explained} with one label per point. Fix: pass pca2d(...) results, e.g. row.projection.before and row.projection.after.',
      );
    }
  }
  const [l1, l2] = opts.labels ?? ['before fine-tuning', 'after fine-tuning'];
  const data: Trace[] = [];
  [before, after].forEach((p, panel) => {
    classNames.map(plotlyText).forEach((name, c) => {
      const idx = p.labels.map((l, i) => (l === c ? i : -1)).filter((i) => i >= 0);
      if (idx.length === 0) return;
      data.push({
        type: 'scatter',
        mode: 'markers',
        name,
        legendgroup: name,
        showlegend: panel === 0,
        x: idx.map((i) => p.x[i]),
        y: idx.map((i) => p.y[i]),
        marker: { size: 5, color: PALETTE[c % PALETTE.length], opacity: 0.75 },
        xaxis: panel ? 'x2' : 'x',
        yaxis: panel ? 'y2' : 'y',
        hovertemplate: `${name}<extra></extra>`,
      });
    });
  });
  const pct = (p: Projection, i: 0 | 1) => `PC${i + 1} (${(p.explained[i] * 100).toFixed(0)}% of variance)`;
  return {
    data,
    layout: {
      title: { text: opts.title ?? 'Test features, 2-D PCA: before and after fine-tuning' },
      xaxis: { title: { text: pct(before, 0) }, domain: [0, 0.46], zeroline: false },
      yaxis: { title: { text: pct(before, 1) }, zeroline: false },
      xaxis2: { title: { text: pct(after, 0) }, domain: [0.54, 1], anchor: 'y2', zeroline: false },
      yaxis2: { title: { text: pct(after, 1) }, anchor: 'x2', zeroline: false },
      annotations: [
        { text: l1, xref: 'paper', yref: 'paper', x: 0.23, y: 1.0, showarrow: false, yanchor: 'bottom', font: { size: 13 } },
        { text: l2, xref: 'paper', yref: 'paper', x: 0.77, y: 1.0, showarrow: false, yanchor: 'bottom', font: { size: 13 } },
      ],
      height: 460,
    },
  };
}

/** A user string (a class name) as plotly text: its HTML subset escaped, so it shows as typed. */
function plotlyText(s: string): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
