/**
 * Reproduction of the crash fixed by GraphBuilder.assignCopy (src/graph/builder.ts): the
 * bench's tfjs side (reference CNN fit/predict, the library loop, fine-tuning, cached head)
 * six times in one process, no peers. Before the fix (fed tfjs tensors stored in session
 * variables without a copy) it died with SIGSEGV or "Check failed: IsAligned()" in 5 of 6
 * attempts, within 1-4 rounds; after it, 0 of 2 attempts (12 rounds), and no crash since.
 *   npx tsx bench/profile/graph-crash.ts
 */
import { runBench } from '../../src/bench/run';
async function main() {
  for (let i = 0; i < 6; i++) {
    const { result } = await runBench({ peers: [], resultsDir: null, log: (l: string) => console.error(new Date().toISOString().slice(11, 19), l) });
    console.log(i, result.tfjs_train_sps.toFixed(0), result.tfjs_infer_sps.toFixed(0), result.finetune?.tfjs_sps.toFixed(0));
  }
}
main();
