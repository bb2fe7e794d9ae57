/**
 * The worker process of a sweep on several processes (started by src/sweep/pool.ts through
 * `runSweepParallel` / `runShard`): opens the sweep once (data, backbone; nothing is written),
 * then trains each key it is sent and sends the row back. Not for running by hand.
 */
import { openSweep } from '../experiment/sweep';
import type { ExperimentConfig } from '../experiment/results';
import { serveWorker } from './pool';

serveWorker({
  async init(payload) {
    const { config } = payload as { config: ExperimentConfig };
    const sweep = await openSweep(config, {});
    return { run: (key: string) => sweep.run(key), close: () => sweep.close() };
  },
});
