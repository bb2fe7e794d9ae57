/**
 * Figures as self-contained, offline HTML: a `<div>` plus a script that draws it with
 * plotly.js. No CDN: the plotly bundle (from the npm package
 * `plotly.js-cartesian-dist-min`, ~1.4 MB) is read as text and inlined.
 *
 * Why the bundle is inlined at most once per page: a notebook with five charts would
 * otherwise weigh 7+ MB. A chart's HTML therefore comes in two forms:
 * - `plotly: 'inline'`: carries the bundle, loaded only if `window.Plotly` is missing;
 * - `plotly: 'reuse'`: no bundle; it waits (without a time limit) until an earlier or
 *   later output on the same page has loaded plotly, then draws. Output order does not
 *   matter, so a re-opened notebook or an nbconvert export draws every chart as long as
 *   one output on the page carries the bundle. `show()` inlines it in the first chart of
 *   each kernel session.
 */
import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { Figure } from './figure';
import { writeAtomic } from '../util/atomic';

/** The npm package that supplies plotly.js. */
export const PLOTLY_PACKAGE = 'plotly.js-cartesian-dist-min';

/** Class on every figure's `<div>`: the notebook harness counts charts by it. */
export const FIGURE_CLASS = 'transfer-lab-figure';

/** Event fired on `window` once an inlined bundle has defined `window.Plotly`. */
const READY_EVENT = 'transfer-lab:plotly-ready';

let bundleCache: string | null = null;

/**
 * The plotly.js bundle as JavaScript text, read once from node_modules (never `require`d:
 * it needs a browser's `self`/`window`).
 *
 * @returns the minified bundle (~1.4 MB)
 * @throws Error naming the package and the fix, when it is not installed
 * @example
 * const js = plotlyBundle();
 * js.length; // ~1.4e6
 */
export function plotlyBundle(): string {
  if (bundleCache !== null) return bundleCache;
  let file: string;
  try {
    const dir = path.dirname(require.resolve(`${PLOTLY_PACKAGE}/package.json`));
    file = path.join(dir, 'plotly-cartesian.min.js');
  } catch {
    throw new Error(`plotly.js is missing: the npm package ${PLOTLY_PACKAGE} is not installed. Fix: run 'npm install' (or 'npm run setup').`);
  }
  if (!fs.existsSync(file))
    throw new Error(`plotly.js bundle not found at ${file}. Fix: reinstall ${PLOTLY_PACKAGE} ('rm -rf node_modules/${PLOTLY_PACKAGE} && npm install').`);
  // A literal "</script" inside a <script> element would end it early; escape it.
  bundleCache = fs.readFileSync(file, 'utf8').replace(/<\/script/gi, '<\\/script');
  return bundleCache;
}

/** Options of {@link figureHtml}. */
export interface FigureHtmlOptions {
  /**
   * `inline` (default) embeds the plotly bundle (loaded only if the page lacks it);
   * `reuse` leaves it out and waits for another output of the page to load it.
   */
  plotly?: 'inline' | 'reuse';
  /** Height of the chart in pixels when the figure's layout sets none. Default 400. */
  height?: number;
  /** The `<div>` id. Default: a random `tl-fig-...` id. */
  id?: string;
}

/** JSON safe to put inside a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** The `<script>` that defines `window.Plotly` unless the page already has it. */
export function plotlyLoaderHtml(): string {
  return `<script type="text/javascript">if (!window.Plotly) {\n${plotlyBundle()}\n}\nif (window.Plotly) window.dispatchEvent(new Event(${JSON.stringify(READY_EVENT)}));</script>`;
}

/** The title of a figure (layout.title as a string or {text}), or ''. */
export function figureTitle(fig: Figure): string {
  checkFigure(fig, 'figureTitle');
  const t = fig.layout?.title as unknown;
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object' && typeof (t as { text?: unknown }).text === 'string') return (t as { text: string }).text;
  return '';
}

function checkFigure(fig: Figure, what: string): void {
  if (!fig || typeof fig !== 'object' || !Array.isArray(fig.data)) {
    throw new Error(
      `${what}: expected a plotly Figure {data: Trace[], layout?, config?}, got ${fig === null ? 'null' : typeof fig}. Fix: pass what a chart builder returns.`,
    );
  }
}

/**
 * A figure as self-contained `text/html`: a div and a script that draws it with plotly.js,
 * with no network access.
 *
 * @param fig the figure (plain JSON)
 * @param opts `plotly: 'inline' | 'reuse'` (default inline), `height` (default 400), `id`
 * @returns the HTML fragment
 * @example
 * const html = figureHtml({ data: [{ type: 'bar', x: ['a', 'b'], y: [1, 2] }] });
 * // notebooks: tl.show(fig) sends it to the kernel display (see notebooks/00-setup.ipynb)
 */
export function figureHtml(fig: Figure, opts: FigureHtmlOptions = {}): string {
  checkFigure(fig, 'figureHtml');
  const mode = opts.plotly ?? 'inline';
  if (mode !== 'inline' && mode !== 'reuse') throw new Error(`figureHtml: plotly must be 'inline' or 'reuse', got '${String(mode)}'.`);
  if (opts.height !== undefined && !(opts.height > 0 && Number.isFinite(opts.height)))
    throw new Error(`figureHtml: height must be a positive number of pixels, got ${opts.height}. Fix: pass e.g. { height: 400 }.`);
  const id = opts.id ?? `tl-fig-${randomBytes(6).toString('hex')}`;
  const height = (fig.layout?.height as number | undefined) ?? opts.height ?? 400;
  const layout = { height, ...(fig.layout ?? {}) };
  const config = { responsive: true, displaylogo: false, ...(fig.config ?? {}) };
  const title = figureTitle(fig);
  // The draw script finds its div next to itself (ids may repeat when an output is shown
  // twice), waits until the div is in the document and plotly is loaded, then draws.
  const draw = `<script type="text/javascript">(function () {
  var fig = ${scriptJson({ data: fig.data, layout, config })};
  var me = document.currentScript;
  var el = (me && me.parentNode && me.parentNode.querySelector('#${id}')) || document.getElementById('${id}');
  if (!el) return;
  var done = false;
  function draw() {
    if (done || !window.Plotly || !el.isConnected) return false;
    done = true;
    el.textContent = '';
    window.Plotly.newPlot(el, fig.data, fig.layout, fig.config);
    return true;
  }
  if (draw()) return;
  window.addEventListener(${JSON.stringify(READY_EVENT)}, draw);
  var timer = setInterval(function () { if (done || draw()) clearInterval(timer); }, 200);
})();</script>`;
  const placeholder =
    mode === 'reuse' ? 'Loading chart... (plotly.js is loaded by the first chart of this notebook; if this text stays, re-run this cell)' : 'Loading chart...';
  const div = `<div id="${id}" class="${FIGURE_CLASS}" data-title="${escapeHtml(title)}" style="width:100%;min-height:${height}px;color:#888;font:12px sans-serif">${placeholder}</div>`;
  return mode === 'inline' ? `${div}\n${plotlyLoaderHtml()}\n${draw}` : `${div}\n${draw}`;
}

/** Options of {@link writeFigureHtml}. */
export interface WriteFigureHtmlOptions {
  /** The page's `<title>` and heading. Default: the first figure's title, else "transfer-lab chart". */
  title?: string;
}

/**
 * Write one or more figures as a standalone HTML page (plotly inlined once, works offline).
 * The file is written to a temporary name and renamed, so readers never see half a page.
 *
 * @param file the .html path; its folder is created if missing
 * @param figs a figure or a list of figures, drawn top to bottom
 * @param opts `title` (default: the first figure's title)
 * @returns the absolute path written
 * @example
 * writeFigureHtml('out/loss.html', fig, { title: 'Fine-tuning loss' });
 */
export function writeFigureHtml(file: string, figs: Figure | Figure[], opts: WriteFigureHtmlOptions = {}): string {
  const list = Array.isArray(figs) ? figs : [figs];
  if (list.length === 0) throw new Error('writeFigureHtml: no figures given. Fix: pass a figure or a non-empty list of figures.');
  list.forEach((f, i) => checkFigure(f, `writeFigureHtml (figure ${i})`));
  const title = opts.title ?? (figureTitle(list[0]) || 'transfer-lab chart');
  const body = list.map((f) => figureHtml(f, { plotly: 'reuse' })).join('\n');
  const page = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:1000px;padding:0 1rem}</style>
${plotlyLoaderHtml()}
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
  try {
    return writeAtomic(file, page);
  } catch (e) {
    throw new Error(`writeFigureHtml: ${(e as Error).message}`);
  }
}
