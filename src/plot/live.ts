/**
 * Live displays for long work: a progress bar and a live loss/accuracy curve that update
 * one notebook output in place (update_display_data), throttled, then settle on a final
 * state. They only receive numbers: training code calls `update`/`push`, never the
 * reverse, so training stays independent of any display.
 */
import { Figure, Trace } from './figure';
import { figureHtml } from './html';
import { displaySink, newDisplayId, takePlotlyMode, MimeBundle, DisplaySink } from './notebook';
import { svgLines, SvgPanel } from './svg';

/** Default minimum time between two updates of a live display, in ms. */
export const LIVE_INTERVAL_MS = 300;

/** Sends one display, first as new then as updates; throttles updates to `intervalMs`. */
class LiveOutput {
  private readonly id = newDisplayId();
  private sent = false;
  private last = -Infinity;
  constructor(
    private readonly sink: DisplaySink | null,
    private readonly intervalMs: number,
  ) {}

  /** Send `make()` if the interval has passed (or `force`); returns whether it was sent. */
  offer(make: () => MimeBundle, force = false): boolean {
    if (!this.sink) return false;
    const now = Date.now();
    if (!force && this.sent && now - this.last < this.intervalMs) return false;
    this.sink.send(make(), this.id, this.sent);
    this.sent = true;
    this.last = now;
    return true;
  }
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** Options shared by the live displays. */
export interface LiveOptions {
  /** Minimum time between two updates, in ms. Default {@link LIVE_INTERVAL_MS} (300). */
  intervalMs?: number;
}

/** Bars made by {@link progress} whose `done()` has not been called yet. */
let openBars = 0;

/**
 * True while a {@link progress} bar is running (made, `done()` not yet called): training
 * inside it stays quiet by default, so the outer bar is the one that reports (see src/train/progress.ts).
 *
 * @example
 * const bar = tl.progress(3, 'runs'); tl.progressOpen(); // true
 */
export function progressOpen(): boolean {
  return openBars > 0;
}

/** A running progress bar; see {@link progress}. */
export interface Progress {
  /** Report `done` units finished (0..total), with an optional note (e.g. "loss 0.41"). */
  update(done: number, text?: string): void;
  /** Finish: shows the final state (always sent, not throttled). Later calls do nothing. */
  done(text?: string): void;
}

/**
 * A progress bar that updates in place in the notebook (throttled). Outside a notebook it
 * writes a line to stderr when that is a terminal, and a final line at `done()`.
 *
 * @param total the number of units of work (> 0)
 * @param label what is being done, e.g. "epoch 1"
 * @param opts `intervalMs` (default 300)
 * @returns `{update(done, text), done(text)}`
 * @example
 * const bar = tl.progress(100, 'training');
 * for (let i = 1; i <= 100; i++) bar.update(i, `batch ${i}`);
 * bar.done();
 */
export function progress(total: number, label = '', opts: LiveOptions = {}): Progress {
  if (!(Number.isFinite(total) && total > 0))
    throw new Error(
      `progress: total must be a positive number, got ${String(total)}. Fix: pass the number of steps, e.g. progress(epochs * batches, 'training').`,
    );
  const sink = displaySink();
  const out = new LiveOutput(sink, opts.intervalMs ?? LIVE_INTERVAL_MS);
  const t0 = Date.now();
  let lastDone = 0;
  let lastText = '';
  let lastTty = 0;
  let finished = false;
  openBars++;
  const line = (d: number, text: string, finished: boolean): string => {
    const frac = Math.min(1, Math.max(0, d / total));
    const el = Date.now() - t0;
    const eta = !finished && frac > 0 && frac < 1 ? `, about ${seconds((el / frac) * (1 - frac))} left` : '';
    return `${label ? `${label}: ` : ''}${d}/${total} (${Math.round(frac * 100)}%), ${seconds(el)}${eta}${text ? ` | ${text}` : ''}`;
  };
  const bundle = (d: number, text: string, finished: boolean): MimeBundle => {
    const frac = Math.min(1, Math.max(0, d / total));
    const bar = `[${'#'.repeat(Math.round(frac * 30))}${'.'.repeat(30 - Math.round(frac * 30))}]`;
    const l = line(d, text, finished);
    const esc = l.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] as string);
    return {
      'text/html': `<div style="font:12px monospace;margin:2px 0"><div style="display:inline-block;vertical-align:middle;width:240px;height:10px;background:#e5e5e5;border-radius:2px"><div style="width:${(frac * 100).toFixed(1)}%;height:10px;background:${finished ? '#2ca02c' : '#1f77b4'};border-radius:2px"></div></div> ${esc}</div>`,
      'text/plain': `${bar} ${l}`,
    };
  };
  return {
    update(d, text = '') {
      lastDone = d;
      lastText = text;
      if (sink) {
        out.offer(() => bundle(d, text, false));
        return;
      }
      if (process.stderr.isTTY && Date.now() - lastTty >= (opts.intervalMs ?? LIVE_INTERVAL_MS)) {
        lastTty = Date.now();
        process.stderr.write(`\r${line(d, text, false)}`);
      }
    },
    done(text) {
      if (finished) return;
      finished = true;
      openBars = Math.max(0, openBars - 1);
      const t = text ?? lastText;
      const d = Math.max(lastDone, total);
      if (sink) out.offer(() => bundle(d, t, true), true);
      else process.stderr.write(`${process.stderr.isTTY ? '\r' : ''}${line(d, t, true)}\n`);
    },
  };
}

/** One point of a live curve: the step (epoch or batch) and metric values. */
export interface CurvePoint {
  step: number;
  [metric: string]: number;
}

/** Options of {@link liveCurve}. */
export interface LiveCurveOptions extends LiveOptions {
  /** Chart title. Default "Training". */
  title?: string;
  /**
   * Metric names to plot, e.g. `['loss', 'val_loss', 'acc', 'val_acc']`. Default: every
   * key pushed except `step`. Names containing "acc" share the accuracy panel; the others
   * share the loss panel.
   */
  metrics?: string[];
  /** Name of the x axis. Default "epoch". */
  xTitle?: string;
}

/** A running live curve; see {@link liveCurve}. */
export interface LiveCurve {
  /** Add a point: `{step, loss: 0.5, acc: 0.8}`. Non-finite values are kept but not drawn. */
  push(point: CurvePoint): void;
  /** Mark an event at a step (e.g. "unfreeze"): a dashed vertical line with a label. */
  mark(step: number, label: string): void;
  /** Stop updating and replace the live view by the final interactive chart; returns it. */
  finish(): Figure;
  /** The points received so far. */
  readonly points: CurvePoint[];
  /**
   * A live curve is also a training callback: `train(net, src, { callbacks: [curve] })`
   * pushes `{step: epoch + 1, loss, acc, val_loss, val_acc}` after every epoch (the
   * validation values when the run has validation data).
   */
  onEpochEnd(epoch: number, logs: { loss: number; acc: number; valLoss?: number; valAcc?: number }): void;
}

function panelOf(metric: string): 'accuracy' | 'loss' {
  return /acc/i.test(metric) ? 'accuracy' : 'loss';
}

/**
 * The final figure of a live curve: loss and accuracy panels side by side, event marks
 * as dashed lines. A pure chart builder (usable on any saved history).
 *
 * @param points the points (`{step, ...metrics}`)
 * @param opts `title`, `metrics`, `xTitle` as in {@link liveCurve}
 * @param marks events `{step, label}`
 * @returns the plotly figure
 * @example
 * const fig = curveFigure([{ step: 1, loss: 0.9, acc: 0.6 }, { step: 2, loss: 0.5, acc: 0.8 }]);
 */
export function curveFigure(points: CurvePoint[], opts: LiveCurveOptions = {}, marks: { step: number; label: string }[] = []): Figure {
  if (!Array.isArray(points))
    throw new Error(
      `curveFigure: expected an array of points {step, ...metrics}, got ${points === null ? 'null' : typeof points}. Fix: pass e.g. history.epochs.map((e) => ({ step: e.epoch + 1, loss: e.loss, acc: e.acc })).`,
    );
  const names = metricNames(points, opts.metrics);
  const panels = (['loss', 'accuracy'] as const).filter((p) => names.some((n) => panelOf(n) === p));
  const data: Trace[] = names.map((n) => {
    const pi = panels.indexOf(panelOf(n));
    const pts = points.filter((p) => typeof p[n] === 'number' && Number.isFinite(p[n]));
    return {
      type: 'scatter',
      mode: 'lines+markers',
      name: n,
      x: pts.map((p) => p.step),
      y: pts.map((p) => p[n]),
      xaxis: pi === 0 ? 'x' : 'x2',
      yaxis: pi === 0 ? 'y' : 'y2',
    };
  });
  const xTitle = opts.xTitle ?? 'epoch';
  const two = panels.length === 2;
  const layout: Record<string, unknown> = {
    title: { text: opts.title ?? 'Training' },
    xaxis: { title: { text: xTitle }, domain: two ? [0, 0.46] : [0, 1] },
    yaxis: { title: { text: panels[0] ?? 'value' } },
    shapes: marks.flatMap((mk) =>
      panels.map((_, pi) => ({
        type: 'line',
        x0: mk.step,
        x1: mk.step,
        yref: pi === 0 ? 'y domain' : 'y2 domain',
        xref: pi === 0 ? 'x' : 'x2',
        y0: 0,
        y1: 1,
        line: { dash: 'dash', color: '#888', width: 1 },
      })),
    ),
    annotations: marks.map((mk) => ({
      x: mk.step,
      xref: 'x',
      yref: 'y domain',
      y: 1,
      text: mk.label,
      showarrow: false,
      xanchor: 'left',
      font: { size: 11, color: '#555' },
    })),
    margin: { t: 50 },
  };
  if (two) {
    layout.xaxis2 = { title: { text: xTitle }, domain: [0.54, 1], anchor: 'y2' };
    layout.yaxis2 = { title: { text: panels[1] }, anchor: 'x2' };
  }
  return { data, layout };
}

function metricNames(points: CurvePoint[], given?: string[]): string[] {
  if (given && given.length) return given;
  const seen = new Set<string>();
  for (const p of points) for (const k of Object.keys(p)) if (k !== 'step') seen.add(k);
  return [...seen];
}

/**
 * A live loss/accuracy chart for a training run: updates in place while points arrive
 * (a light SVG, throttled), then `finish()` swaps in the final interactive plotly chart.
 * Outside a notebook it only collects points; `finish()` still returns the figure.
 *
 * @param opts `title` (default "Training"), `metrics` (default: all pushed), `xTitle`
 *   (default "epoch"), `intervalMs` (default 300)
 * @returns `{push(point), mark(step, label), finish(), points, onEpochEnd}` (also a `train()` callback)
 * @example
 * const curve = tl.liveCurve({ title: 'Fine-tuning', metrics: ['loss', 'val_acc'] });
 * curve.push({ step: 1, loss: 0.8, val_acc: 0.7 }); // or: train(net, src, { validation: val, callbacks: [curve] })
 * curve.mark(1, 'unfreeze');
 * const fig = curve.finish();
 */
export function liveCurve(opts: LiveCurveOptions = {}): LiveCurve {
  const sink = displaySink();
  const out = new LiveOutput(sink, opts.intervalMs ?? LIVE_INTERVAL_MS);
  const points: CurvePoint[] = [];
  const marks: { step: number; label: string }[] = [];
  let finished: Figure | null = null;
  const render = (): MimeBundle => {
    const names = metricNames(points, opts.metrics);
    const panels: SvgPanel[] = (['loss', 'accuracy'] as const)
      .filter((p) => names.some((n) => panelOf(n) === p))
      .map((p) => ({
        title: p,
        series: names
          .filter((n) => panelOf(n) === p)
          .map((n) => ({ name: n, xs: points.map((q) => q.step), ys: points.map((q) => (typeof q[n] === 'number' ? q[n] : NaN)) })),
        marks: marks.map((mk) => ({ x: mk.step, label: mk.label })),
      }));
    const lastPoint = points[points.length - 1];
    const summary = lastPoint
      ? Object.entries(lastPoint)
          .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`)
          .join(', ')
      : 'waiting for the first point';
    return {
      'text/html': `<div><div style="font:12px sans-serif;margin-bottom:2px"><b>${opts.title ?? 'Training'}</b> (live): ${summary}</div>${svgLines(panels)}</div>`,
      'text/plain': `${opts.title ?? 'Training'} (live): ${summary}`,
    };
  };
  const check = (what: string) => {
    if (finished) throw new Error(`liveCurve: ${what} after finish(). Fix: start a new liveCurve() for a new run.`);
  };
  const api: LiveCurve = {
    points,
    push(point) {
      check('push()');
      if (!point || typeof point.step !== 'number' || !Number.isFinite(point.step)) {
        throw new Error(
          `liveCurve.push: the point needs a numeric 'step' (epoch or batch), got ${JSON.stringify(point)}. Fix: push({step: epoch, loss, acc}).`,
        );
      }
      points.push({ ...point });
      out.offer(render);
    },
    onEpochEnd(epoch, logs) {
      const point: CurvePoint = { step: epoch + 1, loss: logs.loss, acc: logs.acc };
      if (typeof logs.valLoss === 'number') point.val_loss = logs.valLoss;
      if (typeof logs.valAcc === 'number') point.val_acc = logs.valAcc;
      api.push(point);
    },
    mark(step, label) {
      check('mark()');
      marks.push({ step, label });
      out.offer(render, true);
    },
    finish() {
      if (finished) return finished;
      finished = curveFigure(points, opts, marks);
      const fig = finished;
      out.offer(() => ({ 'text/html': figureHtml(fig, { plotly: takePlotlyMode() }), 'text/plain': `[plotly chart: ${opts.title ?? 'Training'}]` }), true);
      return fig;
    },
  };
  return api;
}
