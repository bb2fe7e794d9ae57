/**
 * The worker pool of sweeps (src/sweep/pool.ts) with a toy worker (no TensorFlow): every key
 * is run exactly once across real child processes, a killed worker's run is redone by its
 * replacement, a failing run stops the pool with its message, and each worker gets its thread
 * budget in its environment. The pool on real experiments is in tests/sweep-workers.test.ts.
 */
import * as assert from 'assert';
import * as path from 'path';
import * as fs from 'fs';
import { runPool, threadsPerWorker, workerEnv } from '../src/sweep/pool';
import { recordedJobTimes, workerCounts, WORKERS_FILE } from '../src/bench/jobs';
import { tmpDir } from './helpers';

const TOY = path.join(__dirname, 'workers', 'pool-toy.ts');
type Toy = { key: string; sum: number; pid: number; threads: string };

describe('sweep worker pool', () => {
  it('runs every key once across the workers, each worker with its thread budget', async () => {
    const keys = Array.from({ length: 9 }, (_, i) => `k${i}`);
    const got = new Map<string, Toy>();
    await runPool({
      keys,
      workers: 3,
      threads: 2,
      entry: TOY,
      payload: { delayMs: 30 },
      onResult: (k, r) => {
        assert.ok(!got.has(k), `${k} reported twice`);
        got.set(k, r as Toy);
      },
    });
    assert.deepStrictEqual([...got.keys()].sort(), keys);
    for (const [k, r] of got)
      assert.strictEqual(
        r.sum,
        [...k].reduce((a, c) => a + c.charCodeAt(0), 0),
      );
    assert.ok(new Set([...got.values()].map((r) => r.pid)).size > 1, 'more than one process did runs');
    assert.ok([...got.values()].every((r) => r.threads === '2'));
  });

  it('a killed worker loses nothing: its run goes back to the queue and a new worker takes over', async () => {
    const keys = Array.from({ length: 6 }, (_, i) => `r${i}`);
    const got = new Map<string, Toy>();
    const exits: (string | null)[] = [];
    let killed = false;
    const pids = new Map<number, number>();
    await runPool({
      keys,
      workers: 2,
      entry: TOY,
      payload: { delayMs: 300 },
      onStart: (k, w) => {
        if (k === 'r3' && !killed) {
          killed = true;
          setTimeout(() => process.kill(pids.get(w)!, 'SIGKILL'), 100);
        }
      },
      onResult: (k, r, w) => {
        pids.set(w, (r as Toy).pid);
        got.set(k, r as Toy);
      },
      onWorkerExit: (e) => exits.push(e.key),
    });
    assert.ok(killed);
    assert.deepStrictEqual(exits, ['r3'], 'one worker died, running r3');
    assert.deepStrictEqual([...got.keys()].sort(), keys);
  });

  it('a run that throws stops the pool with its message; bad options are refused', async () => {
    await assert.rejects(
      runPool({ keys: ['a', 'boom', 'c'], workers: 2, entry: TOY, payload: { delayMs: 10 }, onResult: () => undefined }),
      /run boom failed in worker \d: this run fails on purpose/,
    );
    await assert.rejects(runPool({ keys: ['a'], workers: 0, entry: TOY, payload: {}, onResult: () => undefined }), /workers must be a whole number >= 1.*Fix:/);
    await assert.rejects(
      runPool({ keys: ['a'], workers: 1, entry: '/nonexistent/worker.js', payload: {}, onResult: () => undefined }),
      /does not exist. Fix: build/,
    );
  });

  it('divides the cores among the workers unless the environment sets the threads', () => {
    assert.strictEqual(threadsPerWorker(2, 8), 4);
    assert.strictEqual(threadsPerWorker(4, 2), 1);
    assert.strictEqual(workerEnv(3, {}).TF_NUM_INTRAOP_THREADS, '3');
    assert.strictEqual(workerEnv(3, {}).TF_NUM_INTEROP_THREADS, '1');
    assert.strictEqual(workerEnv(3, { TF_NUM_INTRAOP_THREADS: '5' }).TF_NUM_INTRAOP_THREADS, '5');
    assert.throws(() => workerEnv(0), /Fix:/);
  });

  it('bench --jobs: worker counts to time the main job at, and the recorded times per count', () => {
    assert.deepStrictEqual(workerCounts(1), [1]);
    assert.deepStrictEqual(workerCounts(2), [1, 2]);
    assert.deepStrictEqual(workerCounts(6), [1, 2, 4, 6]);
    assert.deepStrictEqual(workerCounts(8), [1, 2, 4, 8]);
    assert.throws(() => workerCounts(0), /Fix:/);
    const root = tmpDir();
    try {
      fs.mkdirSync(path.join(root, 'reports', 'fashion-to-digits'), { recursive: true });
      fs.writeFileSync(path.join(root, 'reports', 'fashion-to-digits', 'results.json'), JSON.stringify({ wallSeconds: 150, finishedAt: 'then' }));
      assert.strictEqual(recordedJobTimes(root)[0].workers, undefined, 'not timed at several worker counts yet');
      const rec = {
        tried: [
          { workers: 1, wall_s: 150 },
          { workers: 2, wall_s: 100 },
        ],
        best: { workers: 2, wall_s: 100, speedup: 1.5 },
        cpus: 2,
        finished_at: 'now',
      };
      fs.writeFileSync(path.join(root, WORKERS_FILE), JSON.stringify(rec));
      const main = recordedJobTimes(root)[0];
      assert.strictEqual(main.job, 'main');
      assert.strictEqual(main.wall_s, 150);
      assert.deepStrictEqual(main.workers, rec);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
