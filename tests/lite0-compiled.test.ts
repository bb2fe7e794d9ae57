/**
 * Fine-tuning EfficientNet-Lite0 runs compiled (issue 17 item 4): the ImageNet net cut at
 * avg_pool with a new 10-way head, stem..stage4 frozen, stage5..head trained (Adam,
 * discriminative rates, BatchNorm in inference mode as withHead sets it), trains with the
 * graph engine exactly as the eager loop trains it.
 *
 * Tolerances: 64x64 inputs, batch 4, 3 Adam steps at lr 1e-3. Lite0 is ~130 layers deep;
 * the compiled step (one TensorFlow graph, kernels fused by Grappler) and the eager loop
 * (one op at a time) sum in different orders, so float32 rounding (~6e-8 per op) grows
 * through the depth; measured here: loss gap ~6e-7, update gap ~1.2e-4, weight gap ~2e-5.
 * - the mean loss (~3.3) agrees to 1e-4 absolute;
 * - per weight tensor, the two updates (after - before) agree to 1e-3 in L2 norm relative
 *   to the update: a wrong gradient, a wrong rate or a skipped group is an O(1) gap;
 * - every weight agrees to 1e-4 absolute. Not 1e-5 relative to the weight: Adam divides
 *   by sqrt(v), so a gradient near zero takes a step of ~lr whatever its size, and float
 *   noise on such a gradient moves a weight by a noticeable part of lr (3 steps move a
 *   weight by up to 3e-3; 1e-4 is 3% of that, seen 2e-5).
 */
import * as assert from 'assert';
import { loadBackbone, withHead, freeze } from '../src';
import { train } from '../src/train/loop';
import { imageSource } from '../src/train/source';
import { graphUnsupported, releaseCachedTrainStep } from '../src/graph/trainer';
import type { Net } from '../src/transfer/net';
import { restore, snapshot, toyImages } from './fixtures';
import { expectNoLeakedTensors } from './helpers';

const SIZE = 64;
const FROZEN = ['stem', 'stage1', 'stage2', 'stage3', 'stage4'];

async function lite0Probe(): Promise<Net> {
  const net = withHead(await loadBackbone('efficientnet-lite0', { inputSize: SIZE }), { cutAt: 'avg_pool', classes: 10, seed: 1 });
  for (const g of FROZEN) freeze(net, g);
  return net;
}

/** Per tensor, ||(a - start) - (b - start)|| / ||a - start||: how far apart the two updates are (L2), the worst tensor. */
function updateGap(
  start: Map<string, Float32Array>,
  a: Map<string, Float32Array>,
  b: Map<string, Float32Array>,
): { gap: number; where: string; maxAbs: number } {
  let gap = 0;
  let where = '';
  let maxAbs = 0;
  for (const [k, v0] of start) {
    const va = a.get(k)!;
    const vb = b.get(k)!;
    let du = 0;
    let dd = 0;
    for (let i = 0; i < v0.length; i++) {
      du += (va[i] - v0[i]) ** 2;
      dd += (va[i] - vb[i]) ** 2;
      maxAbs = Math.max(maxAbs, Math.abs(va[i] - vb[i]));
    }
    if (du > 0 && Math.sqrt(dd / du) > gap) {
      gap = Math.sqrt(dd / du);
      where = k;
    }
  }
  return { gap, where, maxAbs };
}

describe('EfficientNet-Lite0 fine-tuning runs compiled (64x64, frozen stem..stage4)', function () {
  this.timeout(240000);
  after(() => releaseCachedTrainStep());

  it('trains with the graph engine exactly as the eager loop: loss to 1e-4, updates to 1e-3 relative, weights to 1e-4, no leaks', async () => {
    const a = await lite0Probe();
    const b = await lite0Probe();
    assert.strictEqual(graphUnsupported(a.model), null);
    const start = snapshot(a.model);
    restore(b.model, start);
    const data = toyImages(12, 10, 3, 28); // 28x28 gray -> 64x64 RGB through the ImageNet preprocessing
    const opts = { epochs: 1, batchSize: 4, learningRate: 1e-3, lrDivisor: 2.6, seed: 5 };
    const g = await expectNoLeakedTensors(() => train(a, imageSource(data, a.preprocessing), { ...opts, engine: 'graph' }), 'compiled train() on Lite0');
    const e = await train(b, imageSource(data, b.preprocessing), { ...opts, engine: 'eager' });
    assert.strictEqual(g.engine, 'graph', g.eagerReason);
    assert.strictEqual(e.engine, 'eager');
    const dl = Math.abs(g.epochs[0].loss - e.epochs[0].loss);
    const after = snapshot(a.model);
    const bAfter = snapshot(b.model);
    const u = updateGap(start, after, bAfter);
    console.log(`      update gap ${u.gap.toExponential(2)} (${u.where}); max abs weight gap ${u.maxAbs.toExponential(2)}`);
    const moved = [...after.keys()].filter((k) => after.get(k)!.some((x, i) => x !== start.get(k)![i]));
    console.log(
      `      loss ${g.epochs[0].loss.toFixed(6)} (graph) vs ${e.epochs[0].loss.toFixed(6)} (eager), |diff| ${dl.toExponential(2)}; ${moved.length} tensors moved`,
    );
    assert.ok(dl < 1e-4, `loss differs by ${dl}`);
    assert.ok(u.gap < 1e-3, `the updates differ by ${u.gap} (L2, relative) in ${u.where}`);
    assert.ok(u.maxAbs < 1e-4, `a weight differs by ${u.maxAbs}`);
    // The frozen groups (and every BatchNorm moving statistic) stayed put; the open groups moved.
    const frozenLayers = new Set(FROZEN.flatMap((n) => a.groups.find((gr) => gr.name === n)!.layers));
    for (const k of moved) {
      assert.ok(![...frozenLayers].some((l) => k.startsWith(`${l}/`)), `frozen weight ${k} moved`);
      assert.ok(!/moving_(mean|variance)/.test(k), `BatchNorm statistic ${k} moved (inference mode)`);
    }
    const headLayer = a.groups[a.groups.length - 1].layers.slice(-1)[0];
    for (const k of [`${headLayer}/kernel`, 'top_conv/kernel', 'block15_project_conv/kernel', 'block8_dwconv/depthwise_kernel'])
      assert.ok(moved.includes(k), `${k} did not move; moved: ${moved.slice(0, 8)}`);
    a.model.dispose();
    b.model.dispose();
  });
});
