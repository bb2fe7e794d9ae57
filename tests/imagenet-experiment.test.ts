/**
 * `transfer-lab run imagenet-to-digits --quick` (issue 17 item 6): the ImageNet
 * EfficientNet-Lite0 as an experiment's source through the modality seam: the image
 * adapter feeds 28x28 gray digits to a 64x64 RGB net through its preprocessing (the
 * config's `inputSize`), every strategy runs, and the numbers are sane: after a few epochs
 * the ImageNet probe and the fine-tuned net beat chance clearly at 5 labels per class.
 */
import * as assert from 'assert';
import { tf } from '../src/backend';
import { compare } from '../src/experiment/compare';
import { experimentConfig, EXPERIMENTS } from '../src/experiment/experiments';
import { runHash } from '../src/experiment/sweep';
import { resolveConfig } from '../src/experiment/config';
import { expectError, tmpDir } from './helpers';

describe('experiment: imagenet-to-digits (EfficientNet-Lite0 at 64x64), quick mode', function () {
  this.timeout(400000);

  it('config: inputSize is checked, hashed only when set (old runs keep their keys)', async () => {
    const c = experimentConfig('imagenet-to-digits', { quick: true });
    assert.strictEqual(c.name, 'imagenet-to-digits-quick');
    assert.deepStrictEqual([c.sizes, c.seeds, c.testSize], [[5], [0], 200]);
    assert.deepStrictEqual(experimentConfig('fashion-to-digits', { quick: true }).sizes, [1, 5], 'fixed-size backbones keep their smoke test');
    assert.strictEqual((c as { inputSize?: number }).inputSize, 64);
    const r = resolveConfig(c);
    assert.strictEqual(r.inputSize, 64);
    assert.notStrictEqual(runHash(r, 'fine-tune', 'h'), runHash(resolveConfig({ ...c, inputSize: 96 } as typeof c), 'fine-tune', 'h'));
    assert.strictEqual(resolveConfig(EXPERIMENTS['fashion-to-digits']).inputSize, undefined);
    await expectError(() => resolveConfig({ ...c, inputSize: 7 } as typeof c), /inputSize must be an integer from 32 to 512/);
  });

  it('runs every strategy at 5 labels per class, no tensors left', async () => {
    const config = experimentConfig('imagenet-to-digits', { quick: true });
    const before = tf.memory().numTensors;
    const t0 = Date.now();
    const result = await compare(config, { outDir: tmpDir('imagenet-quick-') });
    console.log(`      quick sweep: ${result.rows.length} runs in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    assert.strictEqual(tf.memory().numTensors, before);
    assert.strictEqual(result.rows.length, 5);
    for (const row of result.rows) {
      console.log(`      ${row.strategy.padEnd(12)} k=${row.size}: test accuracy ${row.accuracy.toFixed(3)} (${row.wallSeconds.toFixed(1)} s)`);
      assert.ok(row.accuracy >= 0 && row.accuracy <= 1);
    }
    const at5 = (s: string) => result.rows.find((r) => r.strategy === s && r.size === 5)!.accuracy;
    // Quick mode trains 2 epochs of batch 16 (seen: fine-tune 0.435 on 200 test digits); chance is 0.1.
    for (const s of ['linear-probe', 'fine-tune']) assert.ok(at5(s) > 0.2, `${s} at 5 labels per class: ${at5(s)} (chance 0.1)`);
    // The probe keeps its own epochs rule in quick mode (cached features: 192 epochs, 768 steps):
    // seen 0.655; with the shared rule's 4 steps it scored 0.305, the under-training of issue 17.
    assert.ok(at5('linear-probe') > 0.5, `linear-probe at 5 labels per class: ${at5('linear-probe')} (0.305 when under-trained)`);
  });
});
