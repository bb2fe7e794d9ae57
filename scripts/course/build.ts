/**
 * `npm run course`: the published course. Executes the notebooks (full mode) with the
 * notebook harness, scripts/run_notebooks.py (tslab kernel, the notebooks' own checks),
 * and publishes each exported page into docs/course/ (committed) with an index; see
 * scripts/course/site.ts for what a course page is.
 *
 *   node_modules/.bin/tsx scripts/course/build.ts [NN ...] [--quick] [--out DIR] [--index-only] [--timeout S]
 *
 *   NN ...          only these notebooks (number, file name or path); the index keeps the rest
 *   --quick         quick mode (TRANSFER_LAB_QUICK=1) into out/course/, never into docs/course
 *   --out DIR       the course folder (default docs/course, with --quick out/course)
 *   --publish-quick allow --quick into docs/course (every page and the index then say
 *                   "quick mode (smoke-test sizes)"): for trying the site only
 *   --index-only    run nothing: rewrite the index (stale marks) from course.json
 *   --timeout S     seconds per cell, passed to the harness (default its own, 900)
 *
 * A notebook that fails keeps its previous page (if any); the others are published, and
 * the exit status is 1. Exit 2: a usage error (the message names the fix).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { plotlyBundle } from '../../src/plot/html';
import { QUICK_ENV } from '../../src/plot/notebook';
import { writeAtomic } from '../../src/util/atomic';
import {
  DOCS_COURSE,
  MANIFEST,
  Manifest,
  NotebookInfo,
  PLOTLY_ASSET,
  PageEntry,
  QUICK_COURSE,
  ROOT,
  coursePage,
  indexHtml,
  modeLabel,
  notebookFiles,
  notebookInfo,
  readManifest,
} from './site';

const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const HARNESS = path.join(ROOT, 'scripts', 'run_notebooks.py');

class UsageError extends Error {}

interface Options {
  select: string[];
  quick: boolean;
  publishQuick: boolean;
  indexOnly: boolean;
  out: string;
  timeout?: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { select: [], quick: false, publishQuick: false, indexOnly: false, out: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--publish-quick') o.publishQuick = true;
    else if (a === '--index-only') o.indexOnly = true;
    else if (a === '--out' || a === '--timeout') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--'))
        throw new UsageError(`${a} needs a value. Fix: e.g. ${a === '--out' ? '--out /tmp/course' : '--timeout 1800'}.`);
      if (a === '--out') o.out = path.resolve(v);
      else {
        o.timeout = Number(v);
        if (!(Number.isInteger(o.timeout) && o.timeout > 0)) throw new UsageError(`--timeout takes whole seconds > 0, got '${v}'. Fix: e.g. --timeout 1800.`);
      }
    } else if (a === '--help' || a === '-h') {
      console.log(
        fs
          .readFileSync(__filename, 'utf8')
          .split('*/')[0]
          .replace(/^\/\*\*|^ \* ?/gm, ''),
      );
      process.exit(0);
    } else if (a.startsWith('-')) throw new UsageError(`unknown option '${a}'. Fix: see --help (options: --quick, --out DIR, --index-only, --timeout S).`);
    else o.select.push(a);
  }
  if (!o.out) o.out = o.quick ? QUICK_COURSE : DOCS_COURSE;
  if (o.quick && o.out === DOCS_COURSE && !o.publishQuick)
    throw new UsageError(
      `--quick never builds into docs/course (the published course is full mode). Fix: drop --quick, or build elsewhere (default ${path.relative(ROOT, QUICK_COURSE)}, or --out DIR).`,
    );
  return o;
}

/** The notebooks the arguments name (all when none). */
function selectNotebooks(all: NotebookInfo[], select: string[]): NotebookInfo[] {
  if (select.length === 0) return all;
  return select.map((s) => {
    const key = path.basename(s).replace(/\.ipynb$/, '');
    const hit = all.find((n) => n.stem === key || n.number === key);
    if (!hit) throw new UsageError(`no notebook '${s}' in notebooks/. Fix: name one of ${all.map((n) => n.number).join(', ')} (or its file name).`);
    return hit;
  });
}

function gitCommit(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'notebooks'], { cwd: ROOT, encoding: 'utf8' });
  return `${head.stdout.trim()}${dirty.stdout.trim() ? '+dirty' : ''}`;
}

/** The harness's <stem>-result.json (the fields read here). */
interface HarnessResult {
  ok: boolean;
  seconds: number;
  quick: boolean;
  finished_at: string;
  loadavg: number[];
  charts: number;
  html: string | null;
  problems: string[];
}

/** Run one notebook with the harness into `staging`; its result, or null if it wrote none. */
function runNotebook(nb: NotebookInfo, o: Options, staging: string): HarnessResult | null {
  const env = { ...process.env };
  if (o.quick) env[QUICK_ENV] = '1';
  else delete env[QUICK_ENV];
  const args = [HARNESS, '--out', staging, ...(o.quick ? ['--quick'] : []), ...(o.timeout ? ['--timeout', String(o.timeout)] : [])];
  spawnSync(PYTHON, [...args, path.join(ROOT, 'notebooks', `${nb.stem}.ipynb`)], { cwd: ROOT, env, stdio: 'inherit' });
  const file = path.join(staging, `${nb.stem}-result.json`);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as HarnessResult) : null;
}

/** Publish one exported page into the course folder; returns its manifest entry. */
function publish(nb: NotebookInfo, r: HarnessResult, commit: string, out: string): PageEntry {
  const entry: PageEntry = {
    stem: nb.stem,
    title: nb.title,
    hash: nb.hash,
    builtAt: r.finished_at,
    mode: r.quick ? 'quick' : 'full',
    seconds: r.seconds,
    load: r.loadavg[0] ?? 0,
    charts: r.charts,
    bytes: 0,
    commit,
  };
  const page = coursePage(fs.readFileSync(r.html as string, 'utf8'), entry);
  const cssFile = path.join(out, page.cssFile);
  if (!fs.existsSync(cssFile)) writeAtomic(cssFile, page.css);
  writeAtomic(path.join(out, `${nb.stem}.html`), page.html);
  entry.bytes = Buffer.byteLength(page.html);
  return entry;
}

/** plotly.js into assets/ (once; rewritten only when node_modules' copy changed). */
function writePlotly(out: string): void {
  const file = path.join(out, PLOTLY_ASSET);
  const js = plotlyBundle();
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== js) writeAtomic(file, js);
}

/**
 * course.json and index.html from the manifest and the notebooks as they are now; pages of
 * notebooks that no longer exist, and stylesheets no page links, are removed.
 */
function writeIndex(out: string, manifest: Manifest, notebooks: NotebookInfo[]): void {
  for (const stem of Object.keys(manifest.pages)) {
    if (notebooks.some((n) => n.stem === stem)) continue;
    console.log(`[course] notebooks/${stem}.ipynb is gone: removing its page`);
    fs.rmSync(path.join(out, `${stem}.html`), { force: true });
    delete manifest.pages[stem];
  }
  const linked = new Set<string>();
  for (const stem of Object.keys(manifest.pages)) {
    const page = path.join(out, `${stem}.html`);
    if (fs.existsSync(page)) for (const m of fs.readFileSync(page, 'utf8').matchAll(/assets\/(notebook-[0-9a-f]+\.css)/g)) linked.add(m[1]);
  }
  const assets = path.join(out, 'assets');
  if (fs.existsSync(assets)) for (const f of fs.readdirSync(assets)) if (/^notebook-[0-9a-f]+\.css$/.test(f) && !linked.has(f)) fs.rmSync(path.join(assets, f));
  const sorted: Manifest = { pages: Object.fromEntries(Object.entries(manifest.pages).sort(([a], [b]) => a.localeCompare(b))) };
  writeAtomic(path.join(out, MANIFEST), `${JSON.stringify(sorted, null, 2)}\n`);
  writeAtomic(path.join(out, 'index.html'), indexHtml(notebooks, sorted));
}

function main(argv: string[]): number {
  const o = parseArgs(argv);
  const notebooks = notebookFiles().map(notebookInfo);
  const chosen = selectNotebooks(notebooks, o.select);
  const manifest = readManifest(o.out);
  const rel = o.out.startsWith(ROOT + path.sep) ? path.relative(ROOT, o.out) : o.out;
  if (o.indexOnly) {
    writeIndex(o.out, manifest, notebooks);
    console.log(`[course] index rewritten: ${rel}/index.html`);
    return 0;
  }
  if (!fs.existsSync(PYTHON)) throw new UsageError(`no ${PYTHON}. Fix: run 'npm run setup' (npm run course runs it first).`);
  const mode = modeLabel(o.quick ? 'quick' : 'full');
  console.log(`[course] ${chosen.length} notebook(s) in ${mode} into ${rel}/: ${chosen.map((n) => n.number).join(' ')}`);
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'transfer-lab-course-'));
  const commit = gitCommit();
  const failed: string[] = [];
  try {
    writePlotly(o.out);
    for (const nb of chosen) {
      const r = runNotebook(nb, o, staging);
      if (!r || !r.ok || !r.html) {
        failed.push(nb.stem);
        console.error(`[course] FAIL ${nb.stem} (${r ? r.problems[0] : 'the harness wrote no result'}): its previous page, if any, is kept`);
        continue;
      }
      const entry = publish(nb, r, commit, o.out);
      manifest.pages[nb.stem] = entry;
      writeIndex(o.out, manifest, notebooks);
      console.log(`[course] published ${rel}/${nb.stem}.html: ${(entry.bytes / 1024).toFixed(0)} KB, ${entry.charts} chart(s), ${entry.seconds} s, ${mode}`);
    }
    writeIndex(o.out, manifest, notebooks);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  console.log(`[course] ${rel}/index.html: ${chosen.length - failed.length}/${chosen.length} built${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`);
  return failed.length ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error(`[course] ${e instanceof UsageError ? 'usage error' : 'error'}: ${(e as Error).message}`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
}
