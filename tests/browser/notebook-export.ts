/**
 * The exported notebooks the browser tests open: out/notebooks/<name>.html and
 * <name>-result.json, written by scripts/run_notebooks.py (the main suite runs it for
 * every notebook). A missing or stale export (older than its notebook) is made here with
 * the harness in quick mode.
 *
 * @example
 * const { html, result } = exportedNotebook('00-setup.ipynb');
 * result.charts; // the plotly charts the harness counted
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './page-check';

const python = path.join(ROOT, '.venv', 'bin', 'python');
const harness = path.join(ROOT, 'scripts', 'run_notebooks.py');

/** Where the harness writes. */
export const NOTEBOOK_OUT = path.join(ROOT, 'out', 'notebooks');

/** The harness's <name>-result.json (the fields the browser tests read). */
export interface HarnessResult {
  ok: boolean;
  charts: number;
  problems: string[];
  html: string | null;
}

/** The notebooks of notebooks/ (file names, sorted). */
export function notebookNames(): string[] {
  return fs
    .readdirSync(path.join(ROOT, 'notebooks'))
    .filter((f) => f.endsWith('.ipynb'))
    .sort();
}

function mtime(file: string): number {
  return fs.existsSync(file) ? fs.statSync(file).mtimeMs : -1;
}

/**
 * out/notebooks/<stem>.html and its harness result, exported first (quick mode) when
 * missing or older than notebooks/<name>.
 *
 * @param name a file name in notebooks/, e.g. '00-setup.ipynb'
 * @returns the HTML path, the result, and whether the harness ran now
 * @throws AssertionError with the harness output when it fails
 * @example
 * const { html, result, ran } = exportedNotebook('01-feature-extraction.ipynb');
 */
export function exportedNotebook(name: string): { html: string; result: HarnessResult; ran: boolean } {
  const stem = name.replace(/\.ipynb$/, '');
  const src = path.join(ROOT, 'notebooks', name);
  const html = path.join(NOTEBOOK_OUT, `${stem}.html`);
  const resultFile = path.join(NOTEBOOK_OUT, `${stem}-result.json`);
  const stale = mtime(html) < mtime(src) || mtime(resultFile) < mtime(src);
  if (stale) {
    assert.ok(fs.existsSync(python), `no ${python}: run 'npm run setup'`);
    const r = spawnSync(python, [harness, '--quick', path.join('notebooks', name)], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, TRANSFER_LAB_QUICK: '1' },
      timeout: 1_800_000,
    });
    assert.strictEqual(r.status, 0, `the harness failed for ${name} (it exports the HTML the browser opens):\n${r.stdout}\n${r.stderr ?? r.error}`);
  }
  assert.ok(fs.existsSync(html), `the harness wrote no ${html}`);
  const result = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as HarnessResult;
  return { html, result, ran: stale };
}
