/**
 * The compiled step's dropout masks for the next step, drawn in a worker thread while the
 * current step runs in TensorFlow.
 *
 * Why: drawing the masks is serial JavaScript on the main thread between two session runs,
 * while TensorFlow waits: for the MiniLM bench step (19 masks, 9.8 M flags) ~150-280 ms of
 * CPU per step measured here (~15 ns per flag in V8; the generator is one long dependency
 * chain per stream), against a step of ~0.9 s. The seeds of the next step are known (each
 * dropout layer's seed + its call count), and a batch's flags are a prefix of a larger
 * batch's, so a worker can draw them during the step. The flags are the same bits
 * ({@link fillKeepFlags} runs in both threads); whenever a request does not match what was
 * drawn (other seeds, a larger batch, the worker failed or is slow) the main thread draws
 * them itself, as before.
 */
import { Worker } from 'worker_threads';
import { fillKeepFlags } from './dropout';

/** One mask to draw: its seed, rate and number of flags. */
export interface MaskSpec {
  seed: number;
  rate: number;
  size: number;
}

/** How long the main thread waits for the worker before drawing a step's masks itself. */
const WAIT_MS = 20000;

const WORKER_SOURCE = `
const { parentPort } = require('worker_threads');
const fillKeepFlags = (${fillKeepFlags.toString()});
parentPort.on('message', (m) => {
  const done = new Int32Array(m.done);
  try {
    let off = 0;
    for (const s of m.specs) {
      fillKeepFlags(s.seed, s.rate, new Uint8Array(m.buf, off, s.size));
      off += s.size;
    }
    Atomics.store(done, 0, 1);
  } catch (e) {
    Atomics.store(done, 0, 2);
  }
  Atomics.notify(done, 0);
});
`;

interface Pending {
  specs: MaskSpec[];
  buf: SharedArrayBuffer;
  done: Int32Array;
}

/**
 * Masks drawn ahead in a worker thread: {@link MaskPrefetcher.request} the next step's,
 * {@link MaskPrefetcher.take} this step's (prefetched when they match, else drawn now).
 *
 * @example
 * const masks = new MaskPrefetcher();
 * const now = masks.take([{ seed: 7, rate: 0.1, size: 1024 }]); // drawn here (nothing requested)
 * masks.request([{ seed: 8, rate: 0.1, size: 1024 }]);             // drawn in the worker
 * const next = masks.take([{ seed: 8, rate: 0.1, size: 1024 }]);  // the worker's flags
 * masks.dispose();
 */
export class MaskPrefetcher {
  private worker: Worker | null = null;
  private failed = false;
  private pending: Pending | null = null;
  /** Masks served from the worker / drawn on the main thread (for tests and the curious). */
  readonly served = { prefetched: 0, drawn: 0 };

  private start(): Worker | null {
    if (this.failed) return null;
    if (!this.worker) {
      try {
        this.worker = new Worker(WORKER_SOURCE, { eval: true });
        this.worker.unref(); // never keeps the process alive
        this.worker.on('error', () => {
          this.failed = true;
        });
      } catch {
        this.failed = true;
        return null;
      }
    }
    return this.worker;
  }

  /** Start drawing these masks in the worker (replaces an earlier request). */
  request(specs: MaskSpec[]): void {
    this.pending = null;
    if (specs.length === 0) return;
    const worker = this.start();
    if (!worker) return;
    const total = specs.reduce((a, s) => a + s.size, 0);
    const pending: Pending = { specs: specs.map((s) => ({ ...s })), buf: new SharedArrayBuffer(total), done: new Int32Array(new SharedArrayBuffer(4)) };
    worker.postMessage({ specs: pending.specs, buf: pending.buf, done: pending.done.buffer });
    this.pending = pending;
  }

  /**
   * This step's masks: the requested ones when every spec matches the request (same seeds
   * and rates, no more flags than were drawn), else drawn here. Each is a new array.
   */
  take(specs: MaskSpec[]): Uint8Array[] {
    const p = this.pending;
    this.pending = null;
    const match =
      p !== null &&
      p.specs.length === specs.length &&
      specs.every((s, i) => s.seed === p.specs[i].seed && s.rate === p.specs[i].rate && s.size <= p.specs[i].size);
    if (match && !this.failed) {
      if (Atomics.load(p.done, 0) === 0) Atomics.wait(p.done, 0, 0, WAIT_MS);
      if (Atomics.load(p.done, 0) === 1) {
        let off = 0;
        this.served.prefetched += specs.length;
        return specs.map((s, i) => {
          const flags = new Uint8Array(p.buf, off, s.size).slice(); // a plain (unshared) copy for the tensor
          off += p.specs[i].size;
          return flags;
        });
      }
      if (Atomics.load(p.done, 0) === 2) this.failed = true;
    }
    this.served.drawn += specs.length;
    return specs.map((s) => {
      const out = new Uint8Array(s.size);
      fillKeepFlags(s.seed, s.rate, out);
      return out;
    });
  }

  /** Stop the worker. */
  dispose(): void {
    this.pending = null;
    void this.worker?.terminate();
    this.worker = null;
  }
}
