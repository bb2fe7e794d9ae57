/** CPU and wall time per step: tfjs fit vs the library loop on the reference CNN. */
import { measureTfjsReference } from '../../src/bench/measure';
import { measureReferenceLoop } from '../../src/bench/cases';
async function main() {
  for (let r = 0; r < 2; r++) {
    let c0 = process.cpuUsage();
    let t0 = Date.now();
    const fit = await measureTfjsReference({ trainSteps: 10, inferSteps: 1, repeats: 2, warmupSteps: 2 });
    let c = process.cpuUsage(c0);
    console.log(`fit : ${fit.train.sps.toFixed(0)} sps, cpu ${((c.user + c.system) / 1e3).toFixed(0)} ms total, wall ${Date.now() - t0} ms`);
    c0 = process.cpuUsage();
    t0 = Date.now();
    const loop = await measureReferenceLoop({ batch: 64, steps: 10, repeats: 2, warmupSteps: 2, seed: 42 });
    c = process.cpuUsage(c0);
    console.log(`loop: ${loop.sps.toFixed(0)} sps, cpu ${((c.user + c.system) / 1e3).toFixed(0)} ms total, wall ${Date.now() - t0} ms`);
  }
}
main();
