/**
 * What a person sees: the checks every browser test shares. Debian's Chromium, driven by
 * playwright-core, opens a page with the network blocked (only file://, data:, blob: and
 * the origins a test allows, e.g. the loopback JupyterLab), waits for the plotly figures
 * of transfer-lab (`<div class="transfer-lab-figure">`, see src/plot/html.ts) and checks
 * that each one drew: plotly ran on it, its SVG has a size, and every visible trace put
 * marks (paths, images, heatmap cells) with a nonzero size on it. Console errors, page
 * errors and blocked requests are failures too.
 *
 * The browser is /usr/bin/chromium (`bash scripts/browser-setup` installs it) or
 * TRANSFER_LAB_CHROMIUM; TRANSFER_LAB_BROWSER_TESTS=0 skips the browser tests.
 *
 * @example
 * const browser = await launchBrowser();
 * const w = await openPage(browser, 'file:///path/to/page.html');
 * const check = await checkFigures(w, { expected: 3 });
 * assertPageOk(check, 'page.html');
 * await screenshot(w.page, 'page');
 * await w.close();
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { chromium, Browser, BrowserContext, Page } from 'playwright-core';

/** The project folder. */
export const ROOT = path.resolve(__dirname, '..', '..');

/** Where the screenshots go (one per notebook, report and JupyterLab). */
export const SCREENSHOT_DIR = path.join(ROOT, 'out', 'screenshots');

/** The browser: Debian's Chromium unless TRANSFER_LAB_CHROMIUM names another. */
export const CHROMIUM = process.env.TRANSFER_LAB_CHROMIUM || '/usr/bin/chromium';

/**
 * Chromium flags: headless, as root (no sandbox), and nothing that talks to Google
 * (background networking, component updates, sync, QUIC): on a closed network those
 * connections are refused and slow every start.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Class of every transfer-lab figure's `<div>` (FIGURE_CLASS in src/plot/html.ts). */
export const FIGURE_CLASS = 'transfer-lab-figure';

/**
 * False when TRANSFER_LAB_BROWSER_TESTS=0: the browser tests skip themselves.
 *
 * @example
 * before(function () { if (!browserTestsEnabled()) this.skip(); });
 */
export function browserTestsEnabled(): boolean {
  return process.env.TRANSFER_LAB_BROWSER_TESTS !== '0';
}

/**
 * Start headless Chromium (playwright gives it a fresh, temporary user data dir).
 *
 * @throws Error naming the fix when the browser is missing
 * @example
 * const browser = await launchBrowser();
 */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `no browser at ${CHROMIUM}. Fix: run 'bash scripts/browser-setup' (installs Debian's chromium), or set TRANSFER_LAB_CHROMIUM=/path/to/chromium; to skip the browser tests set TRANSFER_LAB_BROWSER_TESTS=0.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** A page and what it reported while it was open. */
export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** console.error messages (with their source location). */
  consoleErrors: string[];
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** Requests to anywhere but file:, data:, blob: and the allowed origins (all aborted). */
  blocked: string[];
  /** Close the page's context. */
  close(): Promise<void>;
}

/** Options of {@link openPage}. */
export interface OpenPageOptions {
  /** Origins the page may load from (e.g. `http://127.0.0.1:8890`). Default none. */
  allowOrigins?: string[];
  /** Viewport. Default 1200 x 900. */
  viewport?: { width: number; height: number };
  /** Navigation timeout in ms. Default 60000. */
  timeoutMs?: number;
  /** `waitUntil` of the navigation. Default 'load'. */
  waitUntil?: 'load' | 'domcontentloaded' | 'networkidle';
}

/**
 * Open `url` in a new browser context with the network blocked (every request outside
 * file:, data:, blob: and `allowOrigins` is aborted and recorded), collecting console
 * errors and page errors from the start.
 *
 * @example
 * const w = await openPage(browser, 'file:///tmp/x.html');
 * const w2 = await openPage(browser, `${lab}/lab?token=${token}`, { allowOrigins: [lab] });
 */
export async function openPage(browser: Browser, url: string, opts: OpenPageOptions = {}): Promise<WatchedPage> {
  const allow = new Set(opts.allowOrigins ?? []);
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1200, height: 900 } });
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  const blocked: string[] = [];
  await context.route('**/*', (route) => {
    const u = route.request().url();
    let ok = false;
    try {
      const p = new URL(u);
      ok = p.protocol === 'file:' || p.protocol === 'data:' || p.protocol === 'blob:' || allow.has(p.origin);
    } catch {
      ok = false;
    }
    if (ok) return route.continue();
    blocked.push(u.length > 200 ? `${u.slice(0, 200)}...` : u);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const loc = m.location();
    consoleErrors.push(`${m.text()}${loc.url ? ` (${loc.url.slice(0, 120)}:${loc.lineNumber})` : ''}`);
  });
  page.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));
  await page.goto(url, { waitUntil: opts.waitUntil ?? 'load', timeout: opts.timeoutMs ?? 60_000 });
  return { page, context, consoleErrors, pageErrors, blocked, close: () => context.close() };
}

/** What the browser shows of one figure. */
export interface FigureReport {
  /** Position among the page's figures (0-based). */
  index: number;
  id: string;
  /** data-title of the figure div (the figure's title). */
  title: string;
  /** plotly ran on the div (class js-plotly-plot and a layout). */
  plotted: boolean;
  /** Size of the div and of its largest `.main-svg`, in CSS pixels. */
  width: number;
  height: number;
  svgWidth: number;
  svgHeight: number;
  /** Traces the figure asks to show (not `visible: false` or 'legendonly'). */
  traces: number;
  /** Visible traces that drew at least one mark of nonzero size. */
  drawnTraces: number;
  /** Marks of nonzero size over all traces. */
  marks: number;
  /** Text still inside the div when it did not draw (e.g. 'Loading chart...'). */
  placeholder: string;
  /** Why this figure does not count as drawn (empty when it drew). */
  problems: string[];
}

/** The result of {@link checkFigures}. */
export interface PageCheck {
  url: string;
  /** Figure divs the page declares. */
  declared: number;
  /** Figures that drew. */
  drawn: number;
  /** The count the caller expected (from the harness, the report), if given. */
  expected?: number;
  figures: FigureReport[];
  consoleErrors: string[];
  pageErrors: string[];
  blocked: string[];
  /** Every problem, one line each; empty when the page is fine. */
  problems: string[];
  ok: boolean;
  /** Milliseconds spent waiting for the figures. */
  waitedMs: number;
}

/** Options of {@link checkFigures}. */
export interface CheckFiguresOptions {
  /** The number of figures the page must draw. Default: only "every declared figure drew". */
  expected?: number;
  /** CSS selector of the part of the page to check (e.g. a JupyterLab notebook). Default the document. */
  within?: string;
  /** How long to wait for every figure to draw, in ms. Default 30000. */
  timeoutMs?: number;
  /** Console errors that are not failures (each pattern needs a reason at the call site). Default none. */
  ignoreConsole?: RegExp[];
}

/**
 * In-page measurement, kept as plain JavaScript text (it runs in the browser, not in
 * Node: compiled TypeScript could carry helpers the page does not have). It reads
 * plotly's own state (`_fullData`, and the trace each SVG group is bound to by d3,
 * `group.__data__[0].trace`) and the geometry of what is in the SVG.
 */
const MEASURE_JS = String.raw`(function (opts) {
  var root = opts.within ? document.querySelector(opts.within) : document;
  var figs = root ? Array.prototype.slice.call(root.querySelectorAll('.' + opts.cls)) : [];
  function hasSize(el) {
    var s = getComputedStyle(el);
    if (s.display === 'none' || s.visibility === 'hidden') return false;
    var tag = el.tagName.toLowerCase();
    if (tag === 'path') { var d = (el.getAttribute('d') || '').trim(); if (!d || d === 'M0,0Z') return false; }
    if (tag === 'image' && !(el.getAttribute('href') || el.getAttribute('xlink:href'))) return false;
    if (tag === 'text' && !(el.textContent || '').trim()) return false;
    var b; try { b = el.getBBox(); } catch (e) { return false; }
    if (!(b.width > 0 || b.height > 0)) return false;
    // A stroked line may be flat (a horizontal line has no height). A filled shape (bar,
    // marker, image, heatmap cell, text) needs an area, except a bar of value 0: plotly
    // draws it flat like a null/NaN value, and only its data (d3-bound, size s) tells.
    var filled = tag !== 'line' && tag !== 'polyline' && s.fill !== 'none';
    if (!filled || (b.width > 0 && b.height > 0)) return true;
    var datum = el.__data__;
    return !!datum && typeof datum.s === 'number' && isFinite(datum.s);
  }
  return figs.map(function (el, index) {
    var r = el.getBoundingClientRect();
    var plotted = el.classList.contains('js-plotly-plot') && !!el._fullLayout;
    var svgW = 0, svgH = 0;
    el.querySelectorAll('.main-svg').forEach(function (s) { var b = s.getBoundingClientRect(); if (b.width * b.height > svgW * svgH) { svgW = b.width; svgH = b.height; } });
    // Traces the figure asks to show (visible not false/'legendonly' in its data); plotly
    // itself hides a trace that has no data points (visible false in _fullData).
    var full = el._fullData || [];
    var asked = el.data || [];
    var visible = full.filter(function (t) {
      var v = asked[t.index] ? asked[t.index].visible : undefined;
      return v === undefined || v === true;
    });
    var marksByTrace = {};
    var marks = 0;
    el.querySelectorAll('.main-svg .mlayer > g').forEach(function (g) {
      var cd = g.__data__;
      var t = Array.isArray(cd) && cd[0] && cd[0].trace;
      var idx = t && typeof t.index === 'number' ? t.index : -1;
      var n = 0;
      g.querySelectorAll('path, image, rect, circle, line, polyline, polygon, text').forEach(function (m) { if (hasSize(m)) n++; });
      marks += n;
      marksByTrace[idx] = (marksByTrace[idx] || 0) + n;
    });
    var problems = [];
    var drawnTraces = 0;
    if (!plotted) {
      problems.push('plotly did not draw it (no plot on the div)');
    } else {
      if (!(r.width > 0 && r.height > 0)) problems.push('the figure has no size on the page (' + r.width + ' x ' + r.height + ')');
      if (!(svgW > 0 && svgH > 0)) problems.push('no plotly SVG with a nonzero size');
      if (visible.length === 0) problems.push('no visible trace in the figure');
      visible.forEach(function (t) {
        if (marksByTrace[t.index] > 0) drawnTraces++;
        else problems.push('trace ' + t.index + ' (' + t.type + (t.name ? " '" + t.name + "'" : '') + ') drew nothing' + (t.visible === true ? '' : ' (plotly hid it: no data points)'));
      });
      if (marks === 0 && visible.length > 0) problems.push('no marks drawn (empty plot)');
    }
    var placeholder = plotted ? '' : (el.textContent || '').trim().slice(0, 120);
    return {
      index: index, id: el.id || '', title: el.getAttribute('data-title') || '', plotted: plotted,
      width: Math.round(r.width), height: Math.round(r.height), svgWidth: Math.round(svgW), svgHeight: Math.round(svgH),
      traces: visible.length, drawnTraces: drawnTraces, marks: marks, placeholder: placeholder, problems: problems
    };
  });
})`;

async function measure(page: Page, within: string | undefined): Promise<FigureReport[]> {
  const arg = JSON.stringify({ within: within ?? null, cls: FIGURE_CLASS });
  return (await page.evaluate(`${MEASURE_JS}(${arg})`)) as FigureReport[];
}

/**
 * Wait until every transfer-lab figure on the page (or inside `within`) drew, or the
 * timeout passed, then report what drew and what did not, with the page's console
 * errors, page errors and blocked requests. The final measurement of each figure is
 * taken with it scrolled into view, as a reader sees it (JupyterLab skips rendering
 * cells far off screen).
 *
 * @returns the check; `ok` is false with one line per problem in `problems`
 * @example
 * const check = await checkFigures(w, { expected: 4 });
 * assert.ok(check.ok, check.problems.join('\n'));
 */
export async function checkFigures(w: WatchedPage, opts: CheckFiguresOptions = {}): Promise<PageCheck> {
  const timeout = opts.timeoutMs ?? 30_000;
  const t0 = Date.now();
  let figures = await measure(w.page, opts.within);
  const done = (list: FigureReport[]) =>
    list.length > 0 && list.every((f) => f.problems.length === 0) && (opts.expected === undefined || list.length >= opts.expected);
  while (!done(figures) && Date.now() - t0 < timeout) {
    await w.page.waitForTimeout(250);
    figures = await measure(w.page, opts.within);
  }
  // Then look at each figure as a reader would: scrolled to it, after a frame.
  const sel = JSON.stringify(opts.within ?? null);
  const final: FigureReport[] = [];
  for (let i = 0; i < figures.length; i++) {
    await w.page.evaluate(
      `(function (sel, cls, i) { var r = sel ? document.querySelector(sel) : document; var el = r && r.querySelectorAll('.' + cls)[i]; if (el) el.scrollIntoView({ block: 'center' }); })(${sel}, ${JSON.stringify(FIGURE_CLASS)}, ${i})`,
    );
    await w.page.evaluate('new Promise(function (r) { requestAnimationFrame(function () { requestAnimationFrame(r); }); })');
    const now = await measure(w.page, opts.within);
    final.push(now[i] ?? figures[i]);
  }
  figures = final;
  await w.page.evaluate('window.scrollTo(0, 0)');
  const waitedMs = Date.now() - t0;

  const ignore = opts.ignoreConsole ?? [];
  const consoleErrors = w.consoleErrors.filter((m) => !ignore.some((re) => re.test(m)));
  const problems: string[] = [];
  const drawn = figures.filter((f) => f.problems.length === 0).length;
  for (const f of figures) {
    for (const p of f.problems) problems.push(`figure ${f.index} '${f.title || f.id}': ${p}${f.placeholder ? ` (the div still says '${f.placeholder}')` : ''}`);
  }
  if (opts.expected !== undefined && figures.length !== opts.expected)
    problems.push(`the page declares ${figures.length} figure(s), expected ${opts.expected}`);
  if (figures.length === 0 && (opts.expected ?? 1) > 0) problems.push('no transfer-lab figure on the page');
  for (const e of w.pageErrors) problems.push(`page error: ${e}`);
  for (const e of consoleErrors) problems.push(`console error: ${e}`);
  for (const u of w.blocked) problems.push(`the page tried to load from the network (blocked): ${u}`);
  return {
    url: w.page.url(),
    declared: figures.length,
    drawn,
    expected: opts.expected,
    figures,
    consoleErrors,
    pageErrors: w.pageErrors.slice(),
    blocked: w.blocked.slice(),
    problems,
    ok: problems.length === 0,
    waitedMs,
  };
}

/**
 * One line per figure: drawn or not, size, traces and marks (for test logs).
 *
 * @example
 * console.log(describeCheck(check));
 */
export function describeCheck(check: PageCheck): string {
  const lines = check.figures.map(
    (f) =>
      `  [${f.problems.length ? 'NOT DRAWN' : 'drawn'}] ${f.title || f.id}: ${f.svgWidth}x${f.svgHeight}px, ${f.drawnTraces}/${f.traces} traces, ${f.marks} marks`,
  );
  return `${check.drawn}/${check.declared} figure(s) drew${check.expected !== undefined ? ` (expected ${check.expected})` : ''} in ${check.waitedMs} ms\n${lines.join('\n')}`;
}

/**
 * Assert that the check found no problem; the message lists every problem and figure.
 *
 * @example
 * assertPageOk(await checkFigures(w, { expected: 1 }), '00-setup.html');
 */
export function assertPageOk(check: PageCheck, what: string): void {
  assert.ok(check.ok, `${what}: ${check.problems.length} problem(s):\n  ${check.problems.join('\n  ')}\n${describeCheck(check)}`);
}

/**
 * Save a full-page screenshot as out/screenshots/<name>.png (temporary name, then renamed).
 *
 * @returns the file written
 * @example
 * await screenshot(w.page, '00-setup');
 */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  const buf = await page.screenshot({ fullPage: opts.fullPage ?? true, animations: 'disabled' });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, buf);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  return file;
}

/**
 * A file path as a file:// URL.
 *
 * @example
 * fileUrl('/tmp/a b.html'); // 'file:///tmp/a%20b.html'
 */
export function fileUrl(file: string): string {
  return pathToFileURL(path.resolve(file)).href;
}
