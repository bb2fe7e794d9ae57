/**
 * The published course's pieces, apart from running anything: what a notebook is (title,
 * content hash), how an exported page becomes a course page (plotly.js and the notebook
 * CSS moved out to shared files under assets/, a banner with how it was built), the
 * manifest `course.json` that remembers how each page was built, and the index.
 * scripts/course/build.ts runs the notebooks and calls these; the browser tests
 * (tests/browser/course.browser.ts) read the same manifest.
 *
 * @example
 * const info = notebookInfo('notebooks/00-setup.ipynb'); // { stem, number: '00', title, hash }
 * const page = coursePage(exportedHtml, entry);           // { html, css }
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { FIGURE_CLASS, PLOTLY_PACKAGE, plotlyBundle } from '../../src/plot/html';

/** The project folder. */
export const ROOT = path.resolve(__dirname, '..', '..');

/** Where the full-mode course is published (committed). */
export const DOCS_COURSE = path.join(ROOT, 'docs', 'course');

/** Where `--quick` builds by default (git-ignored). */
export const QUICK_COURSE = path.join(ROOT, 'out', 'course');

/** The manifest of a course folder. */
export const MANIFEST = 'course.json';

/** plotly.js, copied once per course folder from node_modules (relative to the folder). */
export const PLOTLY_ASSET = 'assets/plotly.min.js';

/** What every quick-mode page and index says. */
export const QUICK_LABEL = 'quick mode (smoke-test sizes)';

/** A string the plotly bundle contains (the notebook harness checks exports for it too). */
export const PLOTLY_MARKER = 'window.Plotly = Plotly';

/** A notebook as the course sees it. */
export interface NotebookInfo {
  /** File name without .ipynb, e.g. '01-feature-extraction'. */
  stem: string;
  /** The leading number, e.g. '01' (what `npm run course -- 01` takes). */
  number: string;
  /** The first markdown heading, without its #s. */
  title: string;
  /** sha256 of the cells' types and sources and metadata.transfer_lab (outputs ignored). */
  hash: string;
}

/** How one page was built (an entry of course.json). */
export interface PageEntry {
  stem: string;
  title: string;
  /** {@link NotebookInfo.hash} of the notebook the page was built from. */
  hash: string;
  /** ISO time the notebook finished running. */
  builtAt: string;
  mode: 'full' | 'quick';
  /** Run time of the notebook (kernel start to last cell), seconds. */
  seconds: number;
  /** Load average (1 min) when it finished: the run time is only meaningful with it. */
  load: number;
  /** Plotly charts in the page (counted by the harness). */
  charts: number;
  /** Size of the published page in bytes. */
  bytes: number;
  /** `git rev-parse --short HEAD` of the build, '+dirty' when src/ or notebooks/ had changes. */
  commit: string;
}

/** course.json: one entry per published page, by stem. */
export interface Manifest {
  pages: Record<string, PageEntry>;
}

/**
 * The notebooks of notebooks/ as absolute paths, sorted (whatever exists: never a fixed list).
 *
 * @example
 * notebookFiles().map((f) => path.basename(f)); // ['00-setup.ipynb', ...]
 */
export function notebookFiles(dir = path.join(ROOT, 'notebooks')): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d+-.*\.ipynb$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

interface RawNotebook {
  cells?: { cell_type?: string; source?: string | string[] }[];
  metadata?: { transfer_lab?: unknown };
}

const text = (s: string | string[] | undefined) => (Array.isArray(s) ? s.join('') : (s ?? ''));

/**
 * Title, number and content hash of a notebook file.
 *
 * @throws Error naming the file when it is not a notebook (no JSON, no cells)
 * @example
 * notebookInfo('notebooks/00-setup.ipynb').title; // '00 · Set-up: run the notebooks, check the environment'
 */
export function notebookInfo(file: string): NotebookInfo {
  const stem = path.basename(file).replace(/\.ipynb$/, '');
  let nb: RawNotebook;
  try {
    nb = JSON.parse(fs.readFileSync(file, 'utf8')) as RawNotebook;
  } catch (e) {
    throw new Error(`${file} is not a readable notebook (${(e as Error).message}). Fix: open and save it in JupyterLab.`, { cause: e });
  }
  if (!Array.isArray(nb.cells)) throw new Error(`${file} has no cells array: not an nbformat 4 notebook. Fix: open and save it in JupyterLab.`);
  let title = stem;
  for (const c of nb.cells) {
    if (c.cell_type !== 'markdown') continue;
    const h = text(c.source)
      .split('\n')
      .find((l) => /^#+\s/.test(l));
    if (h) {
      title = h.replace(/^#+\s+/, '').trim();
      break;
    }
  }
  const content = JSON.stringify({ cells: nb.cells.map((c) => [c.cell_type, text(c.source)]), transfer_lab: nb.metadata?.transfer_lab ?? null });
  const hash = crypto.createHash('sha256').update(content).digest('hex');
  return { stem, number: stem.split('-')[0], title, hash };
}

/**
 * Read a course folder's manifest (an empty one when the folder has none yet).
 *
 * @throws Error naming the file when it exists but is not a manifest
 * @example
 * readManifest('docs/course').pages['00-setup'].mode; // 'full'
 */
export function readManifest(dir: string): Manifest {
  const file = path.join(dir, MANIFEST);
  if (!fs.existsSync(file)) return { pages: {} };
  try {
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
    if (!m || typeof m.pages !== 'object') throw new Error('no "pages" object');
    return m;
  } catch (e) {
    throw new Error(`${file} is not a course manifest (${(e as Error).message}). Fix: delete it and rebuild with 'npm run course'.`, { cause: e });
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** '2026-12-02T09:10:11Z' -> '2026-12-02 09:10 UTC'. */
function when(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function duration(s: number): string {
  return s < 90 ? `${s.toFixed(0)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KB`;
}

/** The mode as a reader should read it. */
export function modeLabel(mode: PageEntry['mode']): string {
  return mode === 'quick' ? QUICK_LABEL : 'full mode';
}

/** The short hash shown to readers. */
export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}

/** What the index says about a page whose notebook changed since it was built. */
export function staleNote(number: string): string {
  return `stale: rebuild with npm run course -- ${number}`;
}

const BANNER_STYLE = 'font:14px/1.5 system-ui,sans-serif;padding:8px 16px;margin:0 0 8px;border-bottom:1px solid #ddd;background:#f7f7f7;color:#333';
const QUICK_STYLE = 'font-weight:bold;color:#a00';

/** The line on top of a page: how it was built. */
function banner(e: PageEntry): string {
  const mode = e.mode === 'quick' ? `<span style="${QUICK_STYLE}">${QUICK_LABEL}: numbers from tiny runs, not the course's results</span>` : 'full mode';
  return (
    `<div class="transfer-lab-course-banner" style="${BANNER_STYLE}"><a href="index.html">&larr; transfer-lab course</a> &middot; ` +
    `built ${when(e.builtAt)} &middot; ${mode} &middot; ran ${duration(e.seconds)} (load ${e.load.toFixed(1)}) &middot; ` +
    `notebook <code>notebooks/${escapeHtml(e.stem)}.ipynb</code> sha256 <code>${shortHash(e.hash)}</code> &middot; commit <code>${escapeHtml(e.commit)}</code></div>`
  );
}

/** A published page and the stylesheet it links. */
export interface CoursePage {
  html: string;
  /** The CSS moved out of the page's head, to be written at `cssFile` (relative to the folder). */
  css: string;
  cssFile: string;
}

/**
 * An exported notebook page (scripts/run_notebooks.py's HTML) as a course page: every
 * inlined copy of the plotly bundle removed and plotly.js loaded once from
 * {@link PLOTLY_ASSET}; the head's `<style>` blocks moved to one shared stylesheet named
 * by its content hash (identical across pages built by the same nbconvert); a banner on top.
 *
 * @param html the exported page
 * @param entry how it was built (entry.bytes is ignored)
 * @throws Error when a plotly bundle other than node_modules' is still inlined
 * @example
 * const { html, css, cssFile } = coursePage(fs.readFileSync('out/x/00-setup.html', 'utf8'), entry);
 */
export function coursePage(html: string, entry: PageEntry): CoursePage {
  const bundle = plotlyBundle();
  let page = html.split(bundle).join('/* plotly.js: loaded once by this page from ' + PLOTLY_ASSET + ' */');
  if (page.includes(PLOTLY_MARKER))
    throw new Error(
      `${entry.stem}: the page still inlines a plotly bundle that is not node_modules/${PLOTLY_PACKAGE}'s (a different version?). Fix: rebuild it with 'npm run course -- ${entry.stem.split('-')[0]}'.`,
    );
  // nbconvert's mermaid loader imports from a CDN when the page has a diagram: drop it when there is none.
  if (!/class="jp-Mermaid/.test(page)) page = page.replace(/<script type="module">(?:(?!<\/script>)[\s\S])*?mermaid[\s\S]*?<\/script>\s*/, '');
  const headEnd = page.indexOf('</head>');
  if (headEnd < 0) throw new Error(`${entry.stem}: the exported page has no </head>. Fix: check scripts/run_notebooks.py's HTML export.`);
  const styles: string[] = [];
  const head = page.slice(0, headEnd).replace(/<style[^>]*>([\s\S]*?)<\/style>\s*/g, (_m, css: string) => {
    styles.push(css.trim());
    return '';
  });
  const css = `${styles.join('\n\n')}\n`;
  const cssFile = `assets/notebook-${crypto.createHash('sha256').update(css).digest('hex').slice(0, 12)}.css`;
  const plotly = page.includes(`class="${FIGURE_CLASS}"`) ? `<script src="${PLOTLY_ASSET}"></script>\n` : '';
  page = `${head}<link rel="stylesheet" href="${cssFile}">\n${plotly}${page.slice(headEnd)}`;
  page = page.replace(/<title>[\s\S]*?<\/title>/, `<title>${escapeHtml(entry.title)} · transfer-lab course</title>`);
  page = page.replace(/<body[^>]*>/, (b) => `${b}\n${banner(entry)}`);
  return { html: page, css, cssFile };
}

/** One row of the index: a built page, or a notebook with none yet. */
interface Row {
  info: NotebookInfo;
  entry?: PageEntry;
}

/**
 * The index page: one line per notebook that exists, with its page's build date, mode,
 * run time, size and the notebook hash it was built from; a notebook changed since is
 * marked {@link staleNote}, one without a page says how to build it.
 *
 * @param notebooks the current notebooks (see {@link notebookInfo})
 * @param manifest how each page was built
 * @example
 * const html = indexHtml(notebookFiles().map(notebookInfo), readManifest('docs/course'));
 */
export function indexHtml(notebooks: NotebookInfo[], manifest: Manifest): string {
  const rows: Row[] = notebooks.map((info) => ({ info, entry: manifest.pages[info.stem] }));
  const anyQuick = rows.some((r) => r.entry?.mode === 'quick');
  const lines = rows.map(({ info, entry }) => {
    if (!entry)
      return `<li><span class="title">${escapeHtml(info.title)}</span> <span class="missing">not built yet: npm run course -- ${info.number}</span></li>`;
    const stale = entry.hash !== info.hash ? ` <span class="stale">${staleNote(info.number)}</span>` : '';
    const mode = entry.mode === 'quick' ? `<span class="quick">${QUICK_LABEL}</span>` : 'full mode';
    return (
      `<li><a href="${encodeURI(entry.stem)}.html">${escapeHtml(entry.title)}</a>${stale}<br>` +
      `<span class="meta">built ${when(entry.builtAt)} &middot; ${mode} &middot; ran ${duration(entry.seconds)} (load ${entry.load.toFixed(1)}) &middot; ` +
      `${entry.charts} chart(s) &middot; ${kb(entry.bytes)} &middot; notebook sha256 <code>${shortHash(entry.hash)}</code> &middot; commit <code>${escapeHtml(entry.commit)}</code></span></li>`
    );
  });
  const notice = anyQuick
    ? `<p class="quick">Some pages are in ${QUICK_LABEL}: tiny runs to check the site, not the course's results. The full course: <code>npm run course</code>.</p>\n`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>transfer-lab: the course</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
ul { list-style: none; padding: 0; }
li { margin: 0.6rem 0; }
.meta { font-size: 0.85rem; color: #555; }
.stale, .missing { font-size: 0.85rem; color: #a60; font-weight: bold; }
.quick { color: #a00; font-weight: bold; }
</style>
</head>
<body>
<h1>transfer-lab: the course</h1>
<p>Hands-on transfer learning in TypeScript: the notebooks of <code>notebooks/</code>, executed top to bottom under the tslab kernel on
native TensorFlow by <code>npm run course</code>, with their outputs. Charts are interactive (plotly.js, loaded from this folder: no network needed).
Each line says when its page was built, in which mode, how long the notebook ran, and the hash of the notebook it was built from.</p>
${notice}<ul>
${lines.join('\n')}
</ul>
</body>
</html>
`;
}
