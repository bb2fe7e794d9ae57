/**
 * The named text experiment through the command line, in quick mode: `transfer-lab run
 * minilm-to-fortunes --quick` (the compiled CLI as a child process) trains every strategy
 * on the fortunes with the pretrained MiniLM, writes the report, and resumes.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tmpDir } from './helpers';
import { textExperimentConfig, isTextExperiment, TEXT_EXPERIMENTS, resolveTextConfig, loadTextTask, textClassCounts } from '../src/text';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 1_800_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

describe('text experiment: transfer-lab run minilm-to-fortunes --quick', function () {
  let dir: string;
  before(() => {
    assert.ok(fs.existsSync(CLI), "dist/ is not built: run 'npm run build'");
    dir = tmpDir();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs every strategy at 1 and 4 labels per class, writes the report, and the encoder beats chance', () => {
    const t0 = Date.now();
    const r = cli('run', 'minilm-to-fortunes', '--quick', '--json', '--reports-dir', dir);
    assert.strictEqual(r.status, 0, `run failed:\n${r.stderr}`);
    const s = JSON.parse(r.stdout) as {
      experiment: string;
      runs: number;
      resumedRuns: number;
      accuracy: Record<string, Record<string, { mean: number }>>;
      claim: { text: string };
      bestBySize: Record<string, { strategy: string; mean: number }>;
    };
    console.log(`      ${s.runs} runs in ${((Date.now() - t0) / 1000).toFixed(0)} s; ${s.claim.text}`);
    assert.strictEqual(s.experiment, 'minilm-to-fortunes-quick');
    assert.strictEqual(s.runs, 10);
    assert.deepStrictEqual(Object.keys(s.accuracy).sort(), ['fine-tune', 'gradual', 'head', 'linear-probe', 'scratch']);
    for (const cells of Object.values(s.accuracy)) for (const c of Object.values(cells)) assert.ok(c.mean >= 0 && c.mean <= 1);
    // Six balanced topics: chance is 1/6. A broken encoder or tokenizer would sit near it.
    assert.ok(s.bestBySize['4'].mean > 0.3, `best at 4/class: ${JSON.stringify(s.bestBySize['4'])}`);
    const out = path.join(dir, 'minilm-to-fortunes-quick');
    assert.ok(fs.statSync(path.join(out, 'index.html')).size > 10_000);
    assert.strictEqual(fs.readFileSync(path.join(out, 'results.csv'), 'utf8').trim().split('\n').length, 11);
  });

  it('resumes: a second run redoes nothing and reports the same numbers', () => {
    const first = JSON.parse(fs.readFileSync(path.join(dir, 'minilm-to-fortunes-quick', 'summary.json'), 'utf8')) as { accuracy: unknown };
    const r = cli('run', 'minilm-to-fortunes', '--quick', '--json', '--reports-dir', dir);
    assert.strictEqual(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { resumedRuns: number; accuracy: unknown };
    assert.strictEqual(s.resumedRuns, 10);
    assert.deepStrictEqual(s.accuracy, first.accuracy);
  });

  it('lists the text experiment when the name is unknown, and checks text configs', () => {
    const r = cli('run', 'no-such-experiment');
    assert.strictEqual(r.status, 2);
    assert.match(r.stderr, /minilm-to-fortunes/);
    assert.ok(isTextExperiment('minilm-to-fortunes'));
    assert.ok(!isTextExperiment('fashion-to-digits'));
    assert.throws(() => resolveTextConfig({ ...TEXT_EXPERIMENTS['minilm-to-fortunes'], maxLength: 1 }), /maxLength must be an integer from 4 to 512/);
    assert.throws(() => textExperimentConfig('nope'), /unknown text experiment 'nope'. Known: minilm-to-fortunes/);
  });

  it('holds out balanced validation and test texts, disjoint from the pool', () => {
    const task = loadTextTask({ dataset: 'fortunes' }, { testSize: 180, validationSize: 60 });
    assert.deepStrictEqual(textClassCounts(task.test), [30, 30, 30, 30, 30, 30]);
    assert.deepStrictEqual(textClassCounts(task.validation), [10, 10, 10, 10, 10, 10]);
    const pool = new Set(task.pool.texts);
    assert.ok([...task.test.texts, ...task.validation.texts].every((t) => !pool.has(t)));
  });
});
