/**
 * The published course (`npm run course`, scripts/course/): the COMMITTED docs/course pages
 * open from disk in Chromium with the network blocked; the index links a page for every
 * notebook in notebooks/ (a notebook changed since its page was built is only reported:
 * the index marks it stale); each page draws every chart it was built with, plotly.js
 * loaded once from assets/ and never inlined. Then a quick build of one small notebook
 * (00-setup) into a temp folder makes a valid site, and --index-only marks a changed
 * notebook stale. Screenshots: out/screenshots/course-<name>.png.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import {
  DOCS_COURSE,
  MANIFEST,
  PLOTLY_ASSET,
  PLOTLY_MARKER,
  PageEntry,
  QUICK_LABEL,
  modeLabel,
  notebookFiles,
  notebookInfo,
  readManifest,
  shortHash,
  staleNote,
} from '../../scripts/course/site';
import { ROOT, assertPageOk, browserTestsEnabled, checkFigures, describeCheck, fileUrl, launchBrowser, openPage, screenshot } from './page-check';

const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const BUILD = path.join(ROOT, 'scripts', 'course', 'build.ts');
const notebooks = notebookFiles().map(notebookInfo);

function course(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(TSX, [BUILD, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 1_200_000 });
  return { status: r.status, out: `${r.stdout ?? ''}\n${r.stderr ?? r.error ?? ''}` };
}

/** The index of `dir` in the browser: its links, text and no network or errors. */
async function openIndex(browser: Browser, dir: string): Promise<{ hrefs: string[]; text: string }> {
  const w = await openPage(browser, fileUrl(path.join(dir, 'index.html')));
  try {
    const hrefs = (await w.page.$$eval('a', (as) => as.map((a) => a.getAttribute('href') ?? ''))) as string[];
    const text = await w.page.innerText('body');
    assertPageOk(await checkFigures(w, { expected: 0, timeoutMs: 0 }), `${path.relative(ROOT, dir)}/index.html`);
    return { hrefs, text };
  } finally {
    await w.close();
  }
}

/** One course page: plotly from assets/ once, no bundle inlined, the banner, every chart drawn. */
async function checkPage(browser: Browser, dir: string, entry: PageEntry): Promise<void> {
  const file = path.join(dir, `${entry.stem}.html`);
  const what = `${path.relative(ROOT, file)}`;
  assert.ok(fs.existsSync(file), `${what} is missing though ${MANIFEST} lists it: rebuild with npm run course -- ${entry.stem.split('-')[0]}`);
  const html = fs.readFileSync(file, 'utf8');
  assert.ok(!html.includes(PLOTLY_MARKER), `${what} inlines a plotly bundle (it must load ${PLOTLY_ASSET})`);
  const loads = html.split(`<script src="${PLOTLY_ASSET}"></script>`).length - 1;
  assert.strictEqual(loads, entry.charts > 0 ? 1 : 0, `${what} loads ${PLOTLY_ASSET} ${loads} time(s) with ${entry.charts} chart(s)`);
  if (entry.charts > 0) assert.ok(fs.existsSync(path.join(dir, PLOTLY_ASSET)), `${PLOTLY_ASSET} is missing from ${path.relative(ROOT, dir)}`);
  assert.ok(html.includes(shortHash(entry.hash)), `${what}: its banner does not name the notebook hash it was built from`);
  if (entry.mode === 'quick') assert.ok(html.includes(QUICK_LABEL), `${what} was built in quick mode but does not say '${QUICK_LABEL}'`);
  const w = await openPage(browser, fileUrl(file));
  try {
    const check = await checkFigures(w, { expected: entry.charts });
    const shot = await screenshot(w.page, `course-${entry.stem}`);
    console.log(
      `      ${describeCheck(check).replace(/\n/g, '\n      ')}\n      ${(entry.bytes / 1024).toFixed(0)} KB, ${modeLabel(entry.mode)}; screenshot ${path.relative(ROOT, shot)}`,
    );
    assertPageOk(check, what);
  } finally {
    await w.close();
  }
}

describe('the published course (docs/course) in Chromium, offline', function () {
  this.timeout(600_000);
  let browser: Browser | undefined;
  const manifestFile = path.join(DOCS_COURSE, MANIFEST);
  const pages = fs.existsSync(manifestFile) ? readManifest(DOCS_COURSE).pages : {};

  before(async function () {
    if (!browserTestsEnabled()) {
      console.log('    (TRANSFER_LAB_BROWSER_TESTS=0: browser tests skipped)');
      this.skip();
    }
    assert.ok(
      fs.existsSync(path.join(DOCS_COURSE, 'index.html')) && fs.existsSync(manifestFile),
      "no docs/course/index.html or course.json: run 'npm run course'",
    );
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  it('index.html links a page for every notebook in notebooks/ (stale pages are reported, not failed)', async () => {
    const { hrefs, text } = await openIndex(browser as Browser, DOCS_COURSE);
    const missing = notebooks.filter((n) => !hrefs.includes(`${n.stem}.html`) || !fs.existsSync(path.join(DOCS_COURSE, `${n.stem}.html`)));
    assert.deepStrictEqual(
      missing.map((n) => n.stem),
      [],
      `docs/course has no page for: ${missing.map((n) => n.stem).join(', ')}. Fix: npm run course -- ${missing.map((n) => n.number).join(' ')}`,
    );
    const stale = notebooks.filter((n) => pages[n.stem] && pages[n.stem].hash !== n.hash);
    for (const n of stale)
      assert.ok(text.includes(staleNote(n.number)), `the index does not mark ${n.stem} stale (its notebook changed since the page was built)`);
    for (const n of notebooks.filter((x) => !stale.includes(x)))
      assert.ok(!text.includes(staleNote(n.number)), `the index marks ${n.stem} stale, but it is current`);
    if (Object.values(pages).some((p) => p.mode === 'quick'))
      assert.ok(text.includes(QUICK_LABEL), `quick-mode pages, but the index does not say '${QUICK_LABEL}'`);
    console.log(
      `      ${notebooks.length} notebook(s) linked; ${stale.length ? `STALE (rebuild with npm run course -- ${stale.map((n) => n.number).join(' ')}): ${stale.map((n) => n.stem).join(', ')}` : 'none stale'}`,
    );
  });

  for (const nb of notebooks) {
    it(`${nb.stem}.html draws every chart, plotly.js loaded once from ${PLOTLY_ASSET}`, async () => {
      const entry = pages[nb.stem];
      assert.ok(entry, `docs/course has no page for notebooks/${nb.stem}.ipynb. Fix: npm run course -- ${nb.number}`);
      await checkPage(browser as Browser, DOCS_COURSE, entry);
    });
  }
});

describe('npm run course --quick: a site from one small notebook, into a temp folder', function () {
  this.timeout(1_200_000);
  let browser: Browser | undefined;
  let dir = '';
  const first = notebooks.find((n) => n.number === '00') ?? notebooks[0];

  before(async function () {
    if (!browserTestsEnabled()) {
      console.log('    (TRANSFER_LAB_BROWSER_TESTS=0: browser tests skipped)');
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'transfer-lab-course-test-'));
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--quick refuses to write into docs/course (usage error, exit 2)', () => {
    const r = course(['--quick', '--out', DOCS_COURSE, first.number]);
    assert.strictEqual(r.status, 2, r.out);
    assert.match(r.out, /--quick never builds into docs\/course/);
  });

  it(`builds ${first.stem} only: page, index, course.json and plotly.js; the page draws its charts`, async () => {
    const t0 = Date.now();
    const r = course(['--quick', '--out', dir, first.number]);
    assert.strictEqual(r.status, 0, `npm run course -- --quick --out ${dir} ${first.number} failed:\n${r.out}`);
    const pages = readManifest(dir).pages;
    assert.deepStrictEqual(Object.keys(pages), [first.stem]);
    const entry = pages[first.stem];
    assert.strictEqual(entry.mode, 'quick');
    assert.strictEqual(entry.hash, first.hash);
    assert.ok(entry.charts >= 1, `${first.stem} should have at least one chart, the build counted ${entry.charts}`);
    const js = fs.readFileSync(path.join(dir, PLOTLY_ASSET), 'utf8');
    assert.ok(js.includes(PLOTLY_MARKER), `${PLOTLY_ASSET} is not the plotly bundle`);
    // The page holds the notebook's outputs only: much smaller than the bundle it no longer inlines.
    assert.ok(entry.bytes < js.length / 2, `${first.stem}.html is ${entry.bytes} bytes: is the plotly bundle still inlined?`);
    const { hrefs, text } = await openIndex(browser as Browser, dir);
    assert.ok(hrefs.includes(`${first.stem}.html`), `the index does not link ${first.stem}.html: ${hrefs.join(', ')}`);
    assert.ok(text.includes(QUICK_LABEL), `the index does not say '${QUICK_LABEL}'`);
    for (const n of notebooks.filter((x) => x !== first))
      assert.ok(text.includes(`not built yet: npm run course -- ${n.number}`), `the index does not list ${n.stem} as not built`);
    await checkPage(browser as Browser, dir, entry);
    console.log(`      built and checked in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  it('--index-only marks a page whose notebook changed as stale, runs nothing', () => {
    const file = path.join(dir, MANIFEST);
    const m = readManifest(dir);
    m.pages[first.stem].hash = '0'.repeat(64);
    fs.writeFileSync(file, JSON.stringify(m));
    const r = course(['--index-only', '--out', dir]);
    assert.strictEqual(r.status, 0, r.out);
    const index = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
    assert.ok(index.includes(staleNote(first.number)), `the index does not say '${staleNote(first.number)}'`);
    assert.strictEqual(readManifest(dir).pages[first.stem].hash, '0'.repeat(64), '--index-only changed the manifest entry');
  });
});
