/**
 * Sweeps on several processes, through the CLI (dist/cli.js; needs `npm run build`):
 * - 2 shards of a quick experiment in 2 separate processes at once, into one folder, merged:
 *   the table equals a single-process run's (same TensorFlow thread count: 1);
 * - the merge of an incomplete folder names the missing runs and their shard, and exits 1;
 * - `--workers 2`: a worker SIGKILLed mid-sweep is replaced and its run redone; then Ctrl-C
 *   (SIGINT to the whole process group) stops the sweep, no finished run is lost or torn, and
 *   the same command resumes to the same rows as the single-process run.
 * About 4-5 minutes on 2 busy cores.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { tmpDir } from './helpers';
import { comparableRows, runCli, startCli, CliProc } from './sweep-helpers';

const EXPERIMENT = 'fashion-a-to-b';
const QUICK_DIR = `${EXPERIMENT}-quick`;
/** The thread count of every process here: rows are bit-identical at equal thread counts (README). */
const ONE_THREAD = { TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '1' };

function lines(file: string): string[] {
  return fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
    : [];
}

async function until(what: string, p: CliProc, ok: () => boolean, ms = 300_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (p.child.exitCode !== null) throw new Error(`${what}: the process ended first (exit ${p.child.exitCode}):\n${p.err.slice(-2000)}`);
    if (Date.now() - t0 > ms) throw new Error(`${what}: not after ${ms / 1000} s:\n${p.err.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Direct child processes of a pid (the pool's workers). */
function children(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('sweeps on several processes (workers, shards, merge)', function () {
  this.timeout(20 * 60 * 1000);
  const root = tmpDir('transfer-lab-sweeps-');
  let single: Record<string, unknown>[];

  before(async () => {
    await runCli(['run', EXPERIMENT, '--quick', '--fresh', '--json', '--reports-dir', path.join(root, 'single')], ONE_THREAD);
    single = JSON.parse(fs.readFileSync(path.join(root, 'single', QUICK_DIR, 'results.json'), 'utf8')).rows;
    assert.strictEqual(single.length, 10);
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('2 shards in 2 processes at once, merged: the single-process table', async () => {
    const shared = path.join(root, 'shared');
    const shards = [0, 1].map((i) => startCli(['run', EXPERIMENT, '--quick', '--shard', `${i}/2`, '--out', shared], ONE_THREAD));
    const ends = await Promise.all(shards.map((p) => p.done));
    ends.forEach((e, i) => assert.strictEqual(e.code, 0, `shard ${i}: ${shards[i].err.slice(-2000)}`));
    assert.deepStrictEqual(fs.readdirSync(shared).sort(), ['runs-0-of-2.jsonl', 'runs-1-of-2.jsonl', 'sweep.json']);
    assert.deepStrictEqual([lines(path.join(shared, 'runs-0-of-2.jsonl')).length, lines(path.join(shared, 'runs-1-of-2.jsonl')).length], [5, 5]);

    // An incomplete folder: the merge names what is missing and writes nothing.
    const partial = path.join(root, 'partial');
    fs.mkdirSync(partial);
    for (const f of ['sweep.json', 'runs-0-of-2.jsonl']) fs.copyFileSync(path.join(shared, f), path.join(partial, f));
    const bad = startCli(['merge', partial], {});
    assert.strictEqual((await bad.done).code, 1, bad.err);
    assert.match(bad.err, /5 run\(s\) missing/);
    assert.match(bad.err, /\(shard 1\/2\)/);
    assert.match(bad.err, /Fix: run those shards again .*--shard 1\/2 --out/);
    assert.ok(!fs.existsSync(path.join(partial, 'results.json')), 'nothing written when runs are missing');

    const merged = await runCli(['merge', shared, '--json']);
    const json = JSON.parse(merged.out);
    assert.deepStrictEqual(json.missing, []);
    assert.deepStrictEqual(comparableRows(json.rows), comparableRows(single), 'merged = single-process rows, in plan order');
    const saved = JSON.parse(fs.readFileSync(path.join(shared, 'results.json'), 'utf8'));
    assert.deepStrictEqual(comparableRows(saved.rows), comparableRows(single));
    assert.strictEqual(fs.readFileSync(path.join(shared, 'results.csv'), 'utf8').trim().split('\n').length, 11);
    assert.ok(fs.existsSync(path.join(shared, QUICK_DIR, 'index.html')), 'the report');
  });

  it('--workers 2: a killed worker is replaced, Ctrl-C loses no finished run, and the sweep resumes to the same rows', async () => {
    const reports = path.join(root, 'workers');
    const runs = path.join(reports, QUICK_DIR, 'runs.jsonl');
    const p = startCli(['run', EXPERIMENT, '--quick', '--fresh', '--workers', '2', '--reports-dir', reports], { ...ONE_THREAD });
    await until('two workers started', p, () => children(p.child.pid!).length >= 2);
    await until('a first finished run', p, () => lines(runs).length >= 1);
    const victim = children(p.child.pid!)[0];
    process.kill(victim, 'SIGKILL');
    await until('a worker replaced after the kill', p, () => /worker \d+ .*exited.*SIGKILL/.test(p.err));
    await until('4 finished runs', p, () => lines(runs).length >= 4);
    // Ctrl-C in a terminal: SIGINT to every process of the foreground group (the CLI and its workers).
    const workers = children(p.child.pid!);
    assert.strictEqual(workers.length, 2, 'the replacement worker runs');
    for (const pid of [p.child.pid!, ...workers]) {
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        /* already gone */
      }
    }
    const end = await p.done;
    assert.notStrictEqual(end.code, 0, 'interrupted');
    const kept = lines(runs);
    assert.ok(kept.length >= 4 && kept.length < 10, `${kept.length} runs kept`);
    for (const l of kept) JSON.parse(l); // whole lines only
    // A process is gone once it has no /proc entry or is a zombie waiting for init to reap it.
    const alive = (pid: number) => {
      try {
        return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 100 && [victim, ...workers].some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepStrictEqual([victim, ...workers].filter(alive), [], 'no worker left behind (10 s after Ctrl-C)');

    const again = await runCli(['run', EXPERIMENT, '--quick', '--workers', '2', '--json', '--reports-dir', reports], { ...ONE_THREAD });
    assert.match(again.err, new RegExp(`resumed`));
    const result = JSON.parse(fs.readFileSync(path.join(reports, QUICK_DIR, 'results.json'), 'utf8'));
    assert.strictEqual(result.resumedRuns, kept.length, 'the finished runs were not redone');
    assert.deepStrictEqual(comparableRows(result.rows), comparableRows(single), 'same rows, same order as one process');
    assert.strictEqual(lines(runs).length, 10);
  });
});
