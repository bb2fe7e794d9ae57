/**
 * Worker for tests/graph.test.ts: many short compiled training runs and compiled
 * predictions on fresh nets in one process, the garbage collector forced between rounds:
 * sessions replaced, tfjs tensors fed, stored and released over and over. The process must
 * finish (no native crash) with a finite loss. (The crash fixed by copying fed values into
 * session variables, GraphBuilder.assignCopy, needed bench-sized work to show up: see
 * bench/profile/graph-crash.ts; this worker is the suite's cheaper stability check.)
 */
import * as v8 from 'v8';
import * as vm from 'vm';
import { tf } from '../../src/backend';
import { train } from '../../src/train/loop';
import { imageSource } from '../../src/train/source';
import { predictor } from '../../src/graph/predict';
import { tinyNet, toyImages } from '../fixtures';
import { setBatchNormMode } from '../../src/transfer/freeze';

v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc') as () => void;

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 40);
  const data = toyImages(64, 3, 1);
  let loss = NaN;
  for (let r = 0; r < rounds; r++) {
    const net = tinyNet(3, r);
    if (r % 2) setBatchNormMode(net, 'inference');
    const h = await train(net, imageSource(data, net.preprocessing), { epochs: 2, batchSize: 16, seed: r, engine: 'graph' });
    loss = h.epochs[1].loss;
    const predict = predictor(net.model);
    const xs = tf.tensor4d(
      new Float32Array(8 * 144).map((_, i) => (i % 13) / 13),
      [8, 12, 12, 1],
    );
    const p = predict(xs);
    await p.data();
    tf.dispose([xs, p]);
    net.model.dispose();
    gc();
  }
  process.stdout.write(`${JSON.stringify({ rounds, loss })}\n`);
}

void main();
