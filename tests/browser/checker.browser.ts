/**
 * The page checker can fail: deliberately broken figures (fixtures written to a temp
 * folder) make checkFigures report exactly what is wrong, and assertPageOk throw. Each
 * fixture is a working page with one thing broken, and the unbroken page passes, so the
 * failure comes from the breakage and nothing else:
 *
 * - an exported notebook (out/notebooks/00-setup.html) whose chart data is corrupted
 *   (its y values null, which is what JSON.stringify makes of NaN: the chart is in the
 *   page but draws no bars);
 * - the same export with plotly.js stripped (the chart never draws: "Loading chart...");
 * - a page from the library's writeFigureHtml where one figure's plot script throws;
 * - a figure whose traces have no points (axes but an empty plot);
 * - a figure that loads plotly.js from a CDN (blocked: the page needs the network);
 * - a console.error on an otherwise good page, and a figure count that does not match.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { writeFigureHtml } from '../../src/plot/html';
import { exportedNotebook } from './notebook-export';
import { PageCheck, assertPageOk, browserTestsEnabled, checkFigures, fileUrl, launchBrowser, openPage } from './page-check';

const BAR = { data: [{ type: 'bar', x: ['a', 'b', 'c'], y: [1, 3, 2] }], layout: { title: { text: 'good bars' } } };
/** A series of zeros is data (flat bars), unlike nulls: the checker must pass it. */
const ZERO = {
  data: [
    { type: 'bar', x: ['a', 'b'], y: [0, 0], name: 'no change' },
    { type: 'bar', x: ['a', 'b'], y: [1, 2], name: 'change' },
  ],
  layout: { title: { text: 'zeros' } },
};
const LINE = { data: [{ type: 'scatter', mode: 'lines+markers', x: [1, 2, 3], y: [2, 1, 3], name: 'line' }], layout: { title: { text: 'good line' } } };

describe('the page checker fails on deliberately broken figures', function () {
  this.timeout(600_000);
  let browser: Browser | undefined;
  let dir: string;

  before(async function () {
    if (!browserTestsEnabled()) {
      console.log('    (TRANSFER_LAB_BROWSER_TESTS=0: browser tests skipped)');
      this.skip();
    }
    browser = await launchBrowser();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'transfer-lab-broken-'));
  });

  after(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Write `html` as <dir>/<name>.html and check it (short wait: broken figures never draw). */
  async function check(name: string, html: string, expected?: number): Promise<PageCheck> {
    const file = path.join(dir, `${name}.html`);
    fs.writeFileSync(file, html);
    const w = await openPage(browser as Browser, fileUrl(file));
    try {
      return await checkFigures(w, { expected, timeoutMs: 3000 });
    } finally {
      await w.close();
    }
  }

  function expectFailure(c: PageCheck, ...patterns: RegExp[]): void {
    assert.strictEqual(c.ok, false, `the checker passed a broken page:\n${JSON.stringify(c.figures, null, 1)}`);
    for (const p of patterns)
      assert.ok(
        c.problems.some((x) => p.test(x)),
        `no problem matches ${p}; problems:\n${c.problems.join('\n')}`,
      );
    assert.throws(
      () => assertPageOk(c, 'broken fixture'),
      (e: Error) => e instanceof assert.AssertionError && patterns.every((p) => p.test(e.message)),
    );
  }

  describe('an exported notebook (00-setup.html)', () => {
    let original = '';
    let charts = 0;
    before(function () {
      const { html, result } = exportedNotebook('00-setup.ipynb');
      original = fs.readFileSync(html, 'utf8');
      charts = result.charts;
      assert.ok(charts >= 1, '00-setup has a chart');
    });

    it('unbroken, it passes (control)', async () => {
      const c = await check('export-good', original, charts);
      assertPageOk(c, 'the unmodified 00-setup.html');
      assert.strictEqual(c.drawn, charts);
    });

    it('with the chart data corrupted (y values null, as JSON.stringify writes NaN), it fails: the trace drew nothing', async () => {
      // The figure JSON sits in the draw script: "data":[{"type":"bar","x":[...],"y":[...]...
      const start = original.indexOf('class="transfer-lab-figure"');
      const at = original.indexOf('"y":[', start);
      const end = original.indexOf(']', at);
      assert.ok(start >= 0 && at > start && end > at, 'found the first figure and its y values');
      const ys = original.slice(at + 5, end).split(',');
      assert.ok(ys.length >= 2 && ys.every((v) => Number.isFinite(Number(v))), `the y values are numbers: ${ys.join(',')}`);
      const broken = `${original.slice(0, at)}"y":[${ys.map(() => 'null').join(',')}${original.slice(end)}`;
      const c = await check('export-corrupted-data', broken, charts);
      expectFailure(c, /figure 0 .*trace 0 \(bar[^)]*\) drew nothing/, /no marks drawn/);
      assert.strictEqual(c.drawn, charts - 1);
    });

    it('with plotly.js stripped, it fails: the chart never draws', async () => {
      const start = original.indexOf('if (!window.Plotly) {');
      const end = original.indexOf('</script>', start);
      assert.ok(start >= 0 && end > start, 'found the inlined plotly bundle');
      const broken = `${original.slice(0, start)}/* plotly.js removed */${original.slice(end)}`;
      const c = await check('export-no-plotly', broken, charts);
      expectFailure(c, /plotly did not draw it .*Loading chart/);
      assert.strictEqual(c.drawn, 0);
    });
  });

  describe('pages from writeFigureHtml', () => {
    it('good figures pass, a bar series of zeros included (control)', async () => {
      const file = writeFigureHtml(path.join(dir, 'good.html'), [BAR, LINE, ZERO]);
      const c = await check('good', fs.readFileSync(file, 'utf8'), 3);
      assertPageOk(c, 'three good figures');
      assert.deepStrictEqual(
        c.figures.map((f) => [f.drawnTraces, f.traces]),
        [
          [1, 1],
          [1, 1],
          [2, 2],
        ],
      );
    });

    it('a figure whose plot script throws fails, with the page error; the other figure still counts as drawn', async () => {
      const file = writeFigureHtml(path.join(dir, 'throws-src.html'), [BAR, LINE]);
      const html = fs.readFileSync(file, 'utf8');
      const call = 'window.Plotly.newPlot(el, fig.data, fig.layout, fig.config);';
      const second = html.indexOf(call, html.indexOf(call) + 1);
      assert.ok(second > 0, "found the second figure's plot call");
      const broken = `${html.slice(0, second)}throw new Error('deliberately broken figure 7731');${html.slice(second + call.length)}`;
      const c = await check('throws', broken, 2);
      expectFailure(c, /figure 1 'good line': plotly did not draw it/, /page error: .*deliberately broken figure 7731/);
      assert.strictEqual(c.drawn, 1);
    });

    it('a figure with no data points fails: empty plot', async () => {
      const file = writeFigureHtml(path.join(dir, 'empty-src.html'), [
        BAR,
        { data: [{ type: 'scatter', x: [], y: [], name: 'nothing' }], layout: { title: { text: 'empty' } } },
      ]);
      const c = await check('empty', fs.readFileSync(file, 'utf8'), 2);
      expectFailure(c, /figure 1 'empty': trace 0 \(scatter 'nothing'\) drew nothing/);
    });

    it('a figure that loads plotly.js from a CDN fails: the request is blocked and nothing draws', async () => {
      const html = `<!DOCTYPE html><html><head><script src="https://cdn.plot.ly/plotly-2.35.2.min.js"></script></head><body>
<div id="f" class="transfer-lab-figure" data-title="from a CDN">Loading chart...</div>
<script>if (window.Plotly) Plotly.newPlot('f', [{ type: 'bar', x: ['a'], y: [1] }]);</script></body></html>`;
      const c = await check('cdn', html, 1);
      expectFailure(c, /tried to load from the network \(blocked\): https:\/\/cdn\.plot\.ly/, /plotly did not draw it/);
    });

    it('a console.error fails an otherwise good page; so does a figure count that differs from the expected one', async () => {
      const file = writeFigureHtml(path.join(dir, 'console-src.html'), BAR);
      const html = fs.readFileSync(file, 'utf8').replace('</body>', "<script>console.error('deliberate console error 5512');</script></body>");
      const c = await check('console', html, 1);
      expectFailure(c, /console error: deliberate console error 5512/);
      assert.strictEqual(c.drawn, 1);
      const good = await check('count', fs.readFileSync(file, 'utf8'), 2);
      expectFailure(good, /declares 1 figure\(s\), expected 2/);
    });
  });
});
