/**
 * A pool of worker processes for a sweep: N child processes (node `fork`), each with its own
 * TensorFlow thread budget, pull run keys from one queue in plan order; results come back to
 * the parent, which is the only writer of the results file (no interleaved appends).
 *
 * A worker that dies (killed, out of memory) gives its run back to the queue and a new worker
 * takes its place (up to `restarts` times); a run that throws stops the pool with that error.
 * When the parent itself dies, its workers see the IPC channel close and exit.
 */
import { ChildProcess, fork } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Messages parent -> worker. */
export type ToWorker = { type: 'init'; payload: unknown } | { type: 'run'; key: string } | { type: 'stop' };
/** Messages worker -> parent. */
export type FromWorker = { type: 'ready' } | { type: 'done'; key: string; result: unknown } | { type: 'error'; key: string | null; message: string };

/** What a worker does: set up once (load data, backbone), then run keys one at a time. */
export interface WorkerHandler {
  init(payload: unknown): Promise<{ run(key: string): Promise<unknown>; close?(): void }>;
}

/** Options for {@link runPool}. */
export interface PoolOptions {
  /** The run keys to do, in plan order (handed out in this order). */
  keys: readonly string[];
  /** Worker processes (at most one per key is started). */
  workers: number;
  /** The worker's entry module (compiled .js, or .ts under tsx); it calls {@link serveWorker}. */
  entry: string;
  /** Sent to every worker's `init` (JSON-serialisable: an experiment config, options). */
  payload: unknown;
  /** TensorFlow threads per worker. Default: cores / workers (at least 1), unless TF_NUM_INTRAOP_THREADS is set. */
  threads?: number;
  /** Called in the parent, in completion order, for each finished run. Write results here. */
  onResult: (key: string, result: unknown, worker: number) => void;
  /** Called when a worker takes a run. */
  onStart?: (key: string, worker: number) => void;
  /** Called when a worker died; its run goes back to the queue. */
  onWorkerExit?: (info: { worker: number; pid: number | undefined; key: string | null; code: number | null; signal: NodeJS.Signals | null }) => void;
  /** How many dead workers are replaced before the pool gives up. Default: `workers`. */
  restarts?: number;
  /** Stderr of the workers: 'inherit' (default) or 'ignore'. */
  stderr?: 'inherit' | 'ignore';
}

/**
 * The environment of a worker: a TensorFlow thread pool of `threads` (intra-op) and 1
 * (inter-op) threads, unless the caller's environment sets them.
 *
 * @example
 * workerEnv(2, {}).TF_NUM_INTRAOP_THREADS; // '2'
 */
export function workerEnv(threads: number, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`workerEnv: threads must be a whole number >= 1, got ${threads}. Fix: pass e.g. 1.`);
  return {
    ...base,
    TF_NUM_INTRAOP_THREADS: base.TF_NUM_INTRAOP_THREADS ?? String(threads),
    TF_NUM_INTEROP_THREADS: base.TF_NUM_INTEROP_THREADS ?? '1',
    OMP_NUM_THREADS: base.OMP_NUM_THREADS ?? String(threads),
  };
}

/**
 * The default TensorFlow thread budget of each of `workers` workers: the cores divided among them.
 *
 * @example
 * threadsPerWorker(2, 8); // 4
 */
export function threadsPerWorker(workers: number, cores = os.availableParallelism?.() ?? os.cpus().length): number {
  return Math.max(1, Math.floor(cores / Math.max(1, workers)));
}

function forkArgs(entry: string): string[] {
  // Under mocha/tsx the entry is TypeScript: the child needs tsx's loader too.
  return entry.endsWith('.ts') ? ['--require', require.resolve('tsx/cjs')] : [];
}

/**
 * Run keys on `workers` child processes; resolves when every key has a result.
 *
 * @example
 * await runPool({ keys: plan, workers: 2, entry: require.resolve('./worker'), payload: config, onResult: (k, row) => append(row) });
 */
export function runPool(opts: PoolOptions): Promise<void> {
  const n = opts.workers;
  if (!Number.isInteger(n) || n < 1)
    return Promise.reject(new Error(`workers must be a whole number >= 1, got ${n}. Fix: use e.g. --workers 2 (about one per 1-2 cores).`));
  if (!fs.existsSync(opts.entry)) return Promise.reject(new Error(`the worker entry ${opts.entry} does not exist. Fix: build the library (npm run build).`));
  const queue = [...opts.keys];
  if (queue.length === 0) return Promise.resolve();
  const threads = opts.threads ?? threadsPerWorker(n);
  let restartsLeft = opts.restarts ?? n;
  let remaining = queue.length;
  const live = new Map<number, { child: ChildProcess; key: string | null }>();
  let failed = false;

  return new Promise<void>((resolve, reject) => {
    const stopAll = () => {
      for (const w of live.values()) {
        try {
          w.child.send({ type: 'stop' } satisfies ToWorker);
        } catch {
          /* already gone */
        }
        w.child.kill('SIGTERM');
      }
    };
    const fail = (e: Error) => {
      if (failed) return;
      failed = true;
      stopAll();
      reject(e);
    };
    const next = (id: number) => {
      const w = live.get(id);
      if (!w || failed) return;
      const key = queue.shift();
      if (key === undefined) {
        w.key = null;
        w.child.send({ type: 'stop' } satisfies ToWorker);
        return;
      }
      w.key = key;
      opts.onStart?.(key, id);
      w.child.send({ type: 'run', key } satisfies ToWorker);
    };
    let nextId = 0;
    const spawnWorker = () => {
      const id = nextId++;
      const child = fork(path.resolve(opts.entry), [], {
        env: workerEnv(threads),
        execArgv: forkArgs(opts.entry),
        stdio: ['ignore', 'ignore', opts.stderr ?? 'inherit', 'ipc'],
        serialization: 'advanced',
      });
      live.set(id, { child, key: null });
      child.on('message', (m: FromWorker) => {
        const w = live.get(id);
        if (!w || failed) return;
        if (m.type === 'ready') next(id);
        else if (m.type === 'done') {
          try {
            opts.onResult(m.key, m.result, id);
          } catch (e) {
            fail(e as Error);
            return;
          }
          remaining--;
          if (remaining === 0) {
            stopAll();
            resolve();
          } else next(id);
        } else if (m.type === 'error') {
          fail(new Error(m.key ? `run ${m.key} failed in worker ${id}: ${m.message}` : `worker ${id} could not start: ${m.message}`));
        }
      });
      child.on('error', (e) => fail(new Error(`worker ${id}: ${e.message}`)));
      child.on('exit', (code, signal) => {
        const w = live.get(id);
        live.delete(id);
        if (!w || failed || remaining === 0) return;
        if (w.key === null && code === 0) return; // told to stop: no work left for it
        opts.onWorkerExit?.({ worker: id, pid: child.pid, key: w.key, code, signal });
        if (w.key !== null) queue.unshift(w.key);
        if (restartsLeft-- <= 0) {
          fail(
            new Error(
              `worker ${id} (pid ${child.pid}) exited (${signal ?? `code ${code}`})${w.key ? ` while running ${w.key}` : ''}, and ${opts.restarts ?? n} workers were already replaced. Finished runs are kept: run the sweep again to resume. Fix: check memory (fewer --workers) or the worker's error above.`,
            ),
          );
          return;
        }
        if (queue.length > 0) spawnWorker();
      });
      child.send({ type: 'init', payload: opts.payload } satisfies ToWorker);
    };
    for (let i = 0; i < Math.min(n, queue.length); i++) spawnWorker();
  });
}

/**
 * The worker side of {@link runPool}: call from the worker entry module. Answers `init` once,
 * then each `run`, and exits on `stop` or when the parent goes away.
 *
 * @example
 * serveWorker({ init: async (config) => ({ run: (key) => runOne(config, key) }) });
 */
export function serveWorker(handler: WorkerHandler): void {
  if (!process.send)
    throw new Error(
      'serveWorker: this process was not started by runPool (no IPC channel). Fix: start sweeps with the workers option instead of running the worker entry by hand.',
    );
  const send = (m: FromWorker) => process.send!(m);
  let runner: { run(key: string): Promise<unknown>; close?(): void } | null = null;
  let chain = Promise.resolve();
  process.on('disconnect', () => process.exit(1));
  process.on('message', (m: ToWorker) => {
    chain = chain.then(async () => {
      if (m.type === 'init') {
        try {
          runner = await handler.init(m.payload);
          send({ type: 'ready' });
        } catch (e) {
          send({ type: 'error', key: null, message: (e as Error).message });
        }
      } else if (m.type === 'run') {
        try {
          if (!runner) throw new Error('run before init');
          send({ type: 'done', key: m.key, result: await runner.run(m.key) });
        } catch (e) {
          send({ type: 'error', key: m.key, message: (e as Error).message });
        }
      } else if (m.type === 'stop') {
        runner?.close?.();
        process.exit(0);
      }
    });
  });
}
