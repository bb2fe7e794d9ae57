/**
 * The exported notebooks (out/notebooks/<name>.html, written by scripts/run_notebooks.py)
 * open from disk in Chromium with the network blocked, and every plotly chart draws: as
 * many as the harness counted in out/notebooks/<name>-result.json, none blank, no console
 * errors. One screenshot per notebook: out/screenshots/<name>.png.
 *
 * Runs after the main suite (which executes the notebooks). An export that is missing or
 * older than its notebook is made first with the harness in quick mode.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { exportedNotebook, notebookNames } from './notebook-export';
import { ROOT, assertPageOk, browserTestsEnabled, checkFigures, describeCheck, fileUrl, launchBrowser, openPage, screenshot } from './page-check';

const notebooks = notebookNames();

describe('exported notebooks in Chromium, offline (out/notebooks/*.html)', function () {
  this.timeout(1_800_000);
  let browser: Browser | undefined;

  before(async function () {
    if (!browserTestsEnabled()) {
      console.log('    (TRANSFER_LAB_BROWSER_TESTS=0: browser tests skipped)');
      this.skip();
    }
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  for (const name of notebooks) {
    const stem = name.replace(/\.ipynb$/, '');
    it(`${stem}.html draws every chart the harness recorded, with no network and no errors`, async function () {
      const t0 = Date.now();
      const { html, result, ran } = exportedNotebook(name);
      assert.ok(result.ok, `the harness reported problems for ${name}:\n${result.problems.join('\n')}`);
      assert.ok(
        result.charts > 0 || !fs.readFileSync(html, 'utf8').includes('transfer-lab-figure'),
        `${name}: the result counts no chart but the HTML has figure divs`,
      );
      const w = await openPage(browser as Browser, fileUrl(html));
      try {
        const check = await checkFigures(w, { expected: result.charts });
        const shot = await screenshot(w.page, stem);
        console.log(
          `      ${describeCheck(check).replace(/\n/g, '\n      ')}\n      screenshot ${path.relative(ROOT, shot)}${ran ? ' (exported first, quick mode)' : ''}; ${((Date.now() - t0) / 1000).toFixed(1)} s`,
        );
        assertPageOk(check, `${stem}.html`);
      } finally {
        await w.close();
      }
    });
  }
});
