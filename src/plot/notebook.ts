/**
 * Showing things in a notebook: charts, recorded metrics, quick mode.
 *
 * Talks to the tslab kernel's display channel. The library never imports tslab eagerly:
 * it looks for the copy the running kernel has already loaded, so plain Node (scripts,
 * tests, the CLI) never pays for it, and `show()` outside a kernel returns the HTML.
 */
import * as path from 'path';
import { randomBytes } from 'crypto';
import { Figure } from './figure';
import { figureHtml, figureTitle } from './html';

/** A rich output: mime type -> payload (strings, or JSON for `+json` types). */
export type MimeBundle = Record<string, unknown>;

/**
 * Where displays go. The tslab kernel in a notebook; tests (or other hosts) may install
 * their own with {@link useDisplaySink}.
 */
export interface DisplaySink {
  /**
   * Send a rich output.
   * @param data the mime bundle
   * @param displayId set for displays updated in place
   * @param update true to replace the output with that display id
   */
  send(data: MimeBundle, displayId: string | undefined, update: boolean): void;
}

/** The custom mime type of {@link recordMetric} outputs, read by the notebook harness. */
export const METRIC_MIME = 'application/vnd.transfer-lab.metric+json';

/** The environment variable that turns on {@link quickMode}. */
export const QUICK_ENV = 'TRANSFER_LAB_QUICK';

let customSink: DisplaySink | null | undefined;
let bundleSent = false;
let hinted = false;

type TslabWriter = (msg: { data: MimeBundle; metadata: object; transient: { display_id?: string } }, update: boolean) => void;

/** The running tslab kernel's display writer, if this process is a tslab kernel. */
function tslabWriter(): TslabWriter | null {
  const tail = `${path.sep}tslab${path.sep}dist${path.sep}jupyter.js`;
  for (const key of Object.keys(require.cache)) {
    if (!key.endsWith(tail)) continue;
    const w = (require.cache[key]?.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
    if (typeof w === 'function') return w as TslabWriter;
  }
  return null;
}

/**
 * The display sink in use: the one set by {@link useDisplaySink}, else the tslab kernel's,
 * else null (not in a notebook).
 *
 * @returns the sink, or null outside a notebook kernel
 * @example
 * if (displaySink()) console.log('running in a notebook');
 */
export function displaySink(): DisplaySink | null {
  if (customSink !== undefined) return customSink;
  const w = tslabWriter();
  if (!w) return null;
  return { send: (data, displayId, update) => w({ data, metadata: {}, transient: displayId ? { display_id: displayId } : {} }, update) };
}

/**
 * Replace the display sink (tests, other front ends). `null` means "no notebook";
 * `undefined` restores automatic detection of the tslab kernel. Also resets the
 * "plotly already sent" state, as a kernel restart would.
 *
 * @param sink the sink, null, or undefined
 * @example
 * const sent: MimeBundle[] = [];
 * useDisplaySink({ send: (d) => sent.push(d) });
 */
export function useDisplaySink(sink: DisplaySink | null | undefined): void {
  if (sink !== null && sink !== undefined && typeof (sink as { send?: unknown }).send !== 'function') {
    throw new Error(
      'useDisplaySink: the sink needs a send(data, displayId, update) method. Fix: pass { send(data, id, update) { ... } }, or null to display nothing, or undefined for the notebook default.',
    );
  }
  customSink = sink;
  bundleSent = false;
}

/** A fresh display id for outputs updated in place. */
export function newDisplayId(): string {
  return randomBytes(8).toString('hex');
}

/**
 * Whether this chart should carry the plotly bundle: the first one sent in a kernel
 * session does (module state resets with the kernel), later ones reuse it.
 */
export function takePlotlyMode(): 'inline' | 'reuse' {
  if (bundleSent) return 'reuse';
  bundleSent = true;
  return 'inline';
}

function hint(msg: string): void {
  if (hinted) return;
  hinted = true;
  console.log(msg);
}

/** Options of {@link show}. */
export interface ShowOptions {
  /**
   * `auto` (default): inline plotly.js in the first chart of the kernel session only;
   * `inline`: always; `reuse`: never (another output must carry it).
   */
  plotly?: 'auto' | 'inline' | 'reuse';
  /** Chart height in pixels when the layout sets none. Default 400. */
  height?: number;
}

/**
 * Show a figure in the notebook as an interactive, offline chart.
 * Outside a notebook kernel it displays nothing and prints a one-time hint (use
 * {@link writeFigureHtml} or {@link figureHtml} there). Returns nothing, so that a cell
 * ending with `tl.show(fig)` does not also print the HTML.
 *
 * @param fig the figure
 * @param opts `plotly` (default `auto`), `height` (default 400)
 * @example
 * tl.show({ data: [{ type: 'scatter', x: [1, 2, 3], y: [3, 1, 2] }], layout: { title: 'demo' } });
 * // introduced in notebooks/00-setup.ipynb
 */
export function show(fig: Figure, opts: ShowOptions = {}): void {
  const sink = displaySink();
  if (!sink) {
    figureHtml(fig); // same checks as in a notebook
    hint('show(): not running in a notebook kernel, so nothing is displayed. Fix: use writeFigureHtml(path, fig) to save the chart as a page.');
    return;
  }
  const want = opts.plotly ?? 'auto';
  const mode = want === 'auto' ? takePlotlyMode() : want;
  const html = figureHtml(fig, { plotly: mode, height: opts.height });
  const title = figureTitle(fig);
  sink.send({ 'text/html': html, 'text/plain': `[plotly chart${title ? `: ${title}` : ''}]` }, undefined, false);
}

/**
 * True in quick mode (environment `TRANSFER_LAB_QUICK=1`, set by the notebook tests):
 * notebooks then train fewer epochs on less data.
 *
 * @returns whether quick mode is on
 * @example
 * const epochs = tl.quickMode() ? 1 : 5;
 */
export function quickMode(): boolean {
  return process.env[QUICK_ENV] === '1';
}

/**
 * Record a key result of a notebook (e.g. test accuracy). It is shown as text and also
 * sent as `application/vnd.transfer-lab.metric+json`, which the notebook test harness
 * checks against the notebook's `metadata.transfer_lab.expect.metrics` bounds.
 *
 * @param name a short identifier, e.g. `test_accuracy`
 * @param value a finite number
 * @throws Error when the name is empty or the value is not a finite number
 * @example
 * tl.recordMetric('test_accuracy', 0.91);
 */
export function recordMetric(name: string, value: number): void {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw new Error(`recordMetric: name '${String(name)}' is not a plain identifier. Fix: use letters, digits, '_', '-' or '.', e.g. 'test_accuracy'.`);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(
      `recordMetric('${name}'): value ${String(value)} is not a finite number. Fix: pass a number (read tensors with dataSync()/arraySync() first).`,
    );
  }
  const metric = { name, value };
  const text = `metric ${name} = ${value}`;
  const sink = displaySink();
  if (sink) sink.send({ [METRIC_MIME]: metric, 'text/plain': text }, undefined, false);
  else console.log(text);
}
