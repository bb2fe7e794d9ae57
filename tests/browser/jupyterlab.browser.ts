/**
 * Live JupyterLab: scripts/lab (what `npm run lab` starts) serves a copy of
 * notebooks/00-setup.ipynb on loopback with a token; Chromium opens it, runs all cells
 * through the menu (Run > Run All Cells), waits for the kernel to go idle, and checks what
 * a person would see: the kernel is TypeScript (tslab) in the toolbar and in the REST API,
 * every cell ran, no error output, every environment check says ok, and the chart drew
 * in the output area. Screenshot: out/screenshots/jupyterlab-00-setup.png.
 *
 * The committed notebook is never opened: JupyterLab serves a temp copy (see lab-server.ts).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { startLab, LabServer } from './lab-server';
import { ROOT, WatchedPage, assertPageOk, browserTestsEnabled, checkFigures, describeCheck, launchBrowser, openPage, screenshot } from './page-check';

const NOTEBOOK = '00-setup.ipynb';
/** The notebook panel in the main area (the only one open). */
const PANEL = '.jp-NotebookPanel:not(.lm-mod-hidden)';

interface Expect {
  charts?: number;
  text?: string[];
}

/** Fail fast, with its text, if JupyterLab shows a dialog (e.g. "Select Kernel"). */
async function noDialog(page: Page, when: string): Promise<void> {
  const dialog = page.locator('.jp-Dialog');
  if (await dialog.count()) {
    const text = (await dialog.first().innerText()).replace(/\s+/g, ' ').trim();
    throw new Error(`JupyterLab showed a dialog ${when}: "${text}"`);
  }
}

/** Poll `cond` (a JS expression evaluated in the page) until true; dialogs fail the wait. */
async function waitInPage(page: Page, cond: string, what: string, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (await page.evaluate(cond)) return;
    await noDialog(page, `while waiting for ${what}`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await page.waitForTimeout(300);
  }
}

const KERNEL_NAME_JS = `(function () { var k = document.querySelector('${PANEL} .jp-KernelName'); return k ? k.textContent.trim() : ''; })()`;
const STATUS_JS = `(function () { var s = document.querySelector('${PANEL} .jp-Notebook-ExecutionIndicator'); return s ? s.getAttribute('data-status') : ''; })()`;
const PROMPTS_JS = `Array.prototype.map.call(document.querySelectorAll('${PANEL} .jp-CodeCell .jp-InputPrompt'), function (p) { return p.textContent.trim(); })`;

describe('JupyterLab in Chromium: 00-setup runs through the UI and draws its chart', function () {
  this.timeout(600_000);
  let browser: Browser | undefined;
  let lab: LabServer | undefined;
  let w: WatchedPage | undefined;
  const expect = (JSON.parse(fs.readFileSync(path.join(ROOT, 'notebooks', NOTEBOOK), 'utf8')).metadata?.transfer_lab?.expect ?? {}) as Expect;

  before(async function () {
    if (!browserTestsEnabled()) {
      console.log('    (TRANSFER_LAB_BROWSER_TESTS=0: browser tests skipped)');
      this.skip();
    }
    assert.ok(fs.existsSync(path.join(ROOT, '.venv', 'bin', 'jupyter-lab')), "JupyterLab is not installed in .venv: run 'npm run setup'");
    assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'index.js')), "dist/ is not built (the notebook imports '../dist'): run 'npm run build'");
    browser = await launchBrowser();
    lab = await startLab([NOTEBOOK], { env: { TRANSFER_LAB_QUICK: '1' } });
    console.log(`      JupyterLab (scripts/lab) answered on ${lab.origin} after ${(lab.startMs / 1000).toFixed(1)} s`);
  });

  after(async () => {
    try {
      await w?.close();
    } finally {
      try {
        await lab?.stop();
      } finally {
        await browser?.close();
      }
    }
  });

  it(`opens ${NOTEBOOK} with the tslab kernel, runs all cells from the Run menu, and the chart draws`, async () => {
    const server = lab as LabServer;
    const t0 = Date.now();
    const secs = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    w = await openPage(browser as Browser, `${server.origin}/lab/tree/${NOTEBOOK}?token=${server.token}`, {
      allowOrigins: [server.origin],
      viewport: { width: 1280, height: 1000 },
      timeoutMs: 120_000,
    });
    const page = w.page;

    // The notebook is open and its kernel (started from the notebook's kernelspec) is idle.
    await page.waitForSelector(`${PANEL} .jp-Notebook .jp-Cell`, { timeout: 120_000 });
    const spec = (await server.api('GET', '/api/kernelspecs')) as { kernelspecs: Record<string, { spec: { display_name: string } }> };
    assert.ok(
      spec.kernelspecs.tslab,
      `the tslab kernel is not registered for this JupyterLab (kernelspecs: ${Object.keys(spec.kernelspecs).join(', ')}): run 'npm run setup'`,
    );
    const display = spec.kernelspecs.tslab.spec.display_name;
    await waitInPage(page, `${KERNEL_NAME_JS} === ${JSON.stringify(display)} && ${STATUS_JS} === 'idle'`, `the ${display} kernel to be idle`, 180_000);
    const opened = secs();

    // Run > Run All Cells, as a person would.
    await page.locator('.lm-MenuBar-item', { hasText: /^Run$/ }).click();
    await page.locator('.lm-Menu-item:visible', { has: page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }) }).click();
    const codeCells = ((await page.evaluate(PROMPTS_JS)) as string[]).length;
    await waitInPage(
      page,
      `${STATUS_JS} === 'idle' && ${PROMPTS_JS}.every(function (p) { return /^\\[\\d+\\]:$/.test(p); })`,
      `all ${codeCells} code cells to run`,
      300_000,
    );
    // Settle: the kernel may still be sending the last outputs.
    await page.waitForTimeout(500);
    const ran = secs();

    // Kernel, per the REST API and the toolbar.
    const sessions = (await server.api('GET', '/api/sessions')) as { path: string; kernel: { name: string; execution_state: string } }[];
    const mine = sessions.filter((s) => s.path.endsWith(NOTEBOOK));
    assert.strictEqual(mine.length, 1, `expected one session for ${NOTEBOOK}, got ${JSON.stringify(sessions)}`);
    assert.strictEqual(mine[0].kernel.name, 'tslab', `the session's kernel is '${mine[0].kernel.name}', not tslab`);
    assert.strictEqual(mine[0].kernel.execution_state, 'idle');
    assert.strictEqual(await page.evaluate(KERNEL_NAME_JS), display, 'the toolbar shows the TypeScript (tslab) kernel');

    // Outputs: every code cell ran once, in order; no errors; the checks said ok.
    const prompts = (await page.evaluate(PROMPTS_JS)) as string[];
    assert.deepStrictEqual(
      prompts,
      prompts.map((_, i) => `[${i + 1}]:`),
      `execution counts: ${prompts.join(' ')}`,
    );
    const outputs = (await page.evaluate(
      `Array.prototype.map.call(document.querySelectorAll('${PANEL} .jp-OutputArea-output'), function (o) { return { mime: o.getAttribute('data-mime-type') || '', text: o.innerText || '' }; })`,
    )) as { mime: string; text: string }[];
    const errors = outputs.filter((o) => /stderr|error/.test(o.mime));
    assert.strictEqual(errors.length, 0, `error output(s) in the notebook:\n${errors.map((o) => `${o.mime}: ${o.text.slice(0, 500)}`).join('\n')}`);
    const text = outputs.map((o) => o.text).join('\n');
    for (const s of expect.text ?? []) assert.ok(text.includes(s), `expected '${s}' in the outputs:\n${text.slice(0, 2000)}`);
    const failed = text.split('\n').filter((l) => /^FAIL\b/.test(l.trim()));
    assert.deepStrictEqual(failed, [], 'an environment check failed');

    // The chart, as drawn in the output area.
    const check = await checkFigures(w, { within: `${PANEL} .jp-Notebook`, expected: expect.charts ?? 1 });
    await page.evaluate(`(function () { var f = document.querySelector('${PANEL} .transfer-lab-figure'); if (f) f.scrollIntoView({ block: 'center' }); })()`);
    await page.waitForTimeout(300);
    const shot = await screenshot(page, 'jupyterlab-00-setup', { fullPage: false });
    console.log(
      `      kernel ${display} (tslab) idle at ${opened}; ${codeCells} code cells ran by ${ran}\n      ${describeCheck(check).replace(/\n/g, '\n      ')}\n      screenshot ${path.relative(ROOT, shot)}`,
    );
    assertPageOk(check, `JupyterLab ${NOTEBOOK}`);
    assert.ok(!/Saving file at/.test(server.log()), 'JupyterLab saved the notebook (autosave should be off in the test settings)');
  });
});
