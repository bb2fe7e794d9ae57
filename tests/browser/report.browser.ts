/**
 * The HTML report of `transfer-lab run`: a tiny experiment (all five strategies, 1 and 5
 * labels per class, one seed, a couple of epochs: ~15-30 s) is run with the real CLI into
 * a temp reports folder, and its index.html opens from disk in Chromium with the network
 * blocked: every figure the page declares draws, no console errors.
 * Screenshot: out/screenshots/report-browser-smoke.png.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { ROOT, assertPageOk, browserTestsEnabled, checkFigures, describeCheck, fileUrl, launchBrowser, openPage, screenshot } from './page-check';

/** A CompareConfig (src/experiment/compare.ts) small enough for a smoke test. */
const CONFIG = {
  name: 'browser-smoke',
  description: 'Browser-test smoke run: the fashion-cnn backbone to handwritten digits, tiny (numbers mean nothing).',
  backbone: 'fashion-cnn',
  task: { dataset: 'mnist' },
  strategies: ['scratch', 'linear-probe', 'head', 'fine-tune', 'gradual'],
  sizes: [1, 5],
  seeds: [0],
  testSize: 200,
  validationSize: 100,
  // At least 2 epochs: a one-epoch training curve is a single point, drawn as a line: nothing.
  epochs: { samples: 50, min: 2, max: 2 },
  curvePoints: 2,
  projectionPoints: 100,
};

describe('transfer-lab run: the HTML report in Chromium, offline', function () {
  this.timeout(600_000);
  let browser: Browser | undefined;
  let dir: string | undefined;

  before(async function () {
    if (!browserTestsEnabled()) {
      console.log('    (TRANSFER_LAB_BROWSER_TESTS=0: browser tests skipped)');
      this.skip();
    }
    assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'cli.js')), "dist/ is not built: run 'npm run build'");
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a fresh report (node dist/cli.js run <config.json>) draws every figure', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'transfer-lab-report-'));
    const cfgFile = path.join(dir, `${CONFIG.name}.json`);
    fs.writeFileSync(cfgFile, JSON.stringify(CONFIG, null, 2));
    const reports = path.join(dir, 'reports');
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'run', cfgFile, '--reports-dir', reports, '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env },
    });
    const runSecs = (Date.now() - t0) / 1000;
    assert.strictEqual(r.status, 0, `transfer-lab run failed (${r.status ?? r.error}):\n${r.stdout}\n${r.stderr}`);
    const summary = JSON.parse(r.stdout) as { report?: string };
    const html = path.join(reports, CONFIG.name, 'index.html');
    assert.strictEqual(summary.report, html, 'the summary names the report it wrote');
    assert.ok(fs.existsSync(html), `no report at ${html}`);

    // What the page declares, read from its source (the browser then has to draw them all).
    const declared = (fs.readFileSync(html, 'utf8').match(/class="transfer-lab-figure"/g) ?? []).length;
    assert.ok(declared >= 5, `the report declares only ${declared} figure(s)`);
    const w = await openPage(browser as Browser, fileUrl(html));
    try {
      const check = await checkFigures(w, { expected: declared });
      const shot = await screenshot(w.page, `report-${CONFIG.name}`);
      console.log(`      run: ${runSecs.toFixed(1)} s; ${describeCheck(check).replace(/\n/g, '\n      ')}\n      screenshot ${path.relative(ROOT, shot)}`);
      assertPageOk(check, `report ${CONFIG.name}/index.html`);
    } finally {
      await w.close();
    }
  });
});
