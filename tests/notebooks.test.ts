/**
 * Every notebooks/*.ipynb runs headlessly under the tslab kernel (quick mode) through
 * scripts/run_notebooks.py, which writes out/notebooks/<name>.{ipynb,html} and checks
 * what each notebook declares in metadata.transfer_lab.expect. Fixtures in a temp folder
 * check that the harness really fails on a cell error, and that live displays settle
 * into one final chart with plotly embedded once.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tmpDir } from './helpers';

const root = path.resolve(__dirname, '..');
const python = path.join(root, '.venv', 'bin', 'python');
const harness = path.join(root, 'scripts', 'run_notebooks.py');
const outDir = path.join(root, 'out', 'notebooks');
const notebooks = fs
  .readdirSync(path.join(root, 'notebooks'))
  .filter((f) => f.endsWith('.ipynb'))
  .sort();

interface HarnessResult {
  ok: boolean;
  charts: number;
  metrics: Record<string, number>;
  problems: string[];
  html: string | null;
  executed: string;
  notebook_bytes: number;
}

function runHarness(files: string[], out: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(python, [harness, '--quick', '--out', out, ...files], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TRANSFER_LAB_QUICK: '1' },
    timeout: 3_600_000,
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

function writeNotebook(file: string, cells: string[]): void {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    cells: cells.map((source, i) => ({ cell_type: 'code', id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source })),
  };
  fs.writeFileSync(file, JSON.stringify(nb, null, 1));
}

describe('notebooks (headless, tslab kernel, quick mode)', function () {
  this.timeout(3_600_000);

  before(() => {
    assert.ok(fs.existsSync(python), `no ${python}: run 'npm run setup'`);
    assert.ok(fs.existsSync(path.join(root, 'dist', 'plot', 'html.js')), "dist/ is not built (notebooks import '../dist'): run 'npm run build'");
  });

  for (const name of notebooks) {
    it(`${name} runs without errors and produces what it declares`, () => {
      const r = runHarness([path.join('notebooks', name)], outDir);
      const stem = name.replace(/\.ipynb$/, '');
      assert.strictEqual(r.status, 0, `harness failed for ${name}:\n${r.stdout}\n${r.stderr}`);
      const res = JSON.parse(fs.readFileSync(path.join(outDir, `${stem}-result.json`), 'utf8')) as HarnessResult;
      assert.ok(res.ok, res.problems.join('\n'));
      assert.ok(res.notebook_bytes < 10_000_000, `executed ${name} is ${res.notebook_bytes} bytes (limit 10 MB)`);
      const declared = JSON.parse(fs.readFileSync(path.join(root, 'notebooks', name), 'utf8')) as { cells: { outputs?: unknown[] }[] };
      assert.ok(
        declared.cells.every((c) => !c.outputs || c.outputs.length === 0),
        `${name} is committed with outputs: clear them (Edit > Clear Outputs of All Cells)`,
      );
      if (res.charts > 0) {
        const html = fs.readFileSync(res.html as string, 'utf8');
        assert.ok(html.includes('window.Plotly = Plotly'), 'the exported HTML carries plotly.js inline');
        assert.ok(!html.includes('<script src="http'), 'the exported HTML loads nothing from the network');
      }
    });
  }

  it('00-setup declares a chart and the data metric (the set-up notebook is checked)', () => {
    const nb = JSON.parse(fs.readFileSync(path.join(root, 'notebooks', '00-setup.ipynb'), 'utf8'));
    assert.strictEqual(nb.metadata.kernelspec.name, 'tslab');
    assert.ok(nb.metadata.transfer_lab.expect.charts >= 1);
    assert.ok(nb.metadata.transfer_lab.expect.metrics.fashion_test_images);
  });

  it('a notebook with a failing cell fails the harness, naming the cell, its first line and the error', () => {
    const dir = tmpDir('transfer-lab-nb-');
    const file = path.join(dir, 'broken.ipynb');
    writeNotebook(file, ['const a: number = 1;', "// the deliberate failure\nthrow new Error('deliberate failure 4217');", "console.log('never runs');"]);
    const r = runHarness([file], path.join(dir, 'out'));
    assert.strictEqual(r.status, 1, `expected exit 1, got ${r.status}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /cell 1 \('\/\/ the deliberate failure'\) failed \(error\): .*deliberate failure 4217/);
    const res = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'broken-result.json'), 'utf8')) as HarnessResult;
    assert.strictEqual(res.ok, false);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('unmet expectations fail the harness with a clear message', () => {
    const dir = tmpDir('transfer-lab-nb-');
    const file = path.join(dir, 'expects.ipynb');
    writeNotebook(file, ['console.log("no chart here");']);
    const nb = JSON.parse(fs.readFileSync(file, 'utf8'));
    nb.metadata.transfer_lab = { expect: { charts: 1, metrics: { acc: { min: 0.5 } } } };
    fs.writeFileSync(file, JSON.stringify(nb));
    const r = runHarness([file], path.join(dir, 'out'));
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr, /expected at least 1 plotly chart/);
    assert.match(r.stderr, /metric 'acc' was not recorded/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('live displays settle into final charts; plotly.js is embedded once per notebook', () => {
    const dir = tmpDir('transfer-lab-nb-');
    const file = path.join(dir, 'live.ipynb');
    const dist = JSON.stringify(path.join(root, 'dist'));
    writeNotebook(file, [
      `const tl = require(${dist});\nconst bar = tl.progress(50, 'toy');\nfor (let i = 1; i <= 50; i++) bar.update(i);\nbar.done();`,
      "const curve = tl.liveCurve({ title: 'toy run', intervalMs: 0 });\nfor (let e = 1; e <= 6; e++) curve.push({ step: e, loss: 1 / e, acc: 1 - 1 / (e + 1) });\ncurve.mark(3, 'unfreeze');\nconst fig = curve.finish();",
      "tl.show(fig);\ntl.recordMetric('final_loss', curve.points[5].loss);",
    ]);
    const nbm = JSON.parse(fs.readFileSync(file, 'utf8'));
    nbm.metadata.transfer_lab = { expect: { charts: 2, metrics: { final_loss: { max: 0.2 } } } };
    fs.writeFileSync(file, JSON.stringify(nbm));
    const r = runHarness([file], path.join(dir, 'out'));
    assert.strictEqual(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const executed = fs.readFileSync(path.join(dir, 'out', 'live.ipynb'), 'utf8');
    assert.strictEqual(executed.split('window.Plotly = Plotly').length - 1, 1, 'plotly.js embedded exactly once');
    assert.ok(!executed.includes('(live)'), 'the live SVG view was replaced by the final chart');
    assert.match(executed, /50\/50 \(100%\)/, 'the progress bar shows its final state');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
