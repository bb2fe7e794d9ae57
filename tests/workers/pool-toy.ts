/**
 * A toy worker for tests/sweep-pool.test.ts: no TensorFlow. `run(key)` waits `payload.delayMs`
 * and returns the key's sum of char codes, its pid and its thread budget; the key 'boom' throws.
 */
import { serveWorker } from '../../src/sweep/pool';

serveWorker({
  async init(payload) {
    const { delayMs } = payload as { delayMs: number };
    return {
      async run(key: string) {
        await new Promise((r) => setTimeout(r, delayMs));
        if (key === 'boom') throw new Error('this run fails on purpose');
        return { key, sum: [...key].reduce((a, c) => a + c.charCodeAt(0), 0), pid: process.pid, threads: process.env.TF_NUM_INTRAOP_THREADS };
      },
    };
  },
});
