/**
 * How images of another size reach a net's input: the two ways pinned, so that merging
 * them by accident (they differ in numbers) fails here.
 *
 * - the net's `preprocessing.resize` (ImageNet backbones): imageSource resizes each batch,
 *   in floats, after augmentation, with half-pixel centres;
 * - the image-folder data kind (imageFolderModality): the stored bytes are resized once per
 *   net size (resizeImages: rounded to bytes, TensorFlow's default corners), for any net.
 */
import * as assert from 'assert';
import type * as tfn from '@tensorflow/tfjs-node';
import { expectNoLeakedTensors } from './helpers';
import { tinyNet, toyImages } from './fixtures';
import { imageSource } from '../src/train/source';
import { resizeImages } from '../src/data/resize';
import { extractFeatures } from '../src/transfer/features';
import { imageFolderModality } from '../src/experiment/own-data';
import { Net, Preprocessing } from '../src/transfer/net';

const IDX = [0, 3, 5, 7];

/** The batch's inputs as numbers (the tensors disposed). */
function inputs(b: { xs: tfn.Tensor; ys: tfn.Tensor }): Float32Array {
  const out = b.xs.dataSync() as Float32Array;
  b.xs.dispose();
  b.ys.dispose();
  return Float32Array.from(out);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.strictEqual(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('fitting images to a net input (image-folder data kind vs preprocessing.resize)', () => {
  const photos = toyImages(12, 3, 1, 20); // 20x20 gray, as an image folder read at 20x20
  const net = tinyNet(3, 0, 12); // expects 12x12 gray, no resize flag
  const rgb: Preprocessing = { height: 12, width: 12, channels: 3, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

  it('the image-folder kind feeds a fixed-size net the byte-resized copy, channels and mean/std by imageSource; no leaks', async () => {
    await expectNoLeakedTensors(() => {
      for (const pre of [net.preprocessing, rgb]) {
        const viaKind = inputs(imageFolderModality.source(photos, { ...net, preprocessing: pre }).batch(IDX));
        const copy = resizeImages(photos, { height: 12, width: 12 });
        assert.strictEqual(maxAbsDiff(viaKind, inputs(imageSource(copy, pre).batch(IDX))), 0);
      }
      // A set already at the net's size is used as it is.
      const small = toyImages(12, 3, 1, 12);
      assert.strictEqual(maxAbsDiff(inputs(imageFolderModality.source(small, net).batch(IDX)), inputs(imageSource(small, net.preprocessing).batch(IDX))), 0);
    }, 'imageFolderModality.source');
  });

  it('its features are those of the byte-resized copy', async () => {
    const viaKind = await expectNoLeakedTensors(() => imageFolderModality.features(net, photos, 'none'), 'imageFolderModality.features');
    const direct = await extractFeatures(net, resizeImages(photos, { height: 12, width: 12 }), { cache: 'none' });
    assert.strictEqual(viaKind.count, photos.count);
    assert.strictEqual(maxAbsDiff(viaKind.features, direct.features), 0);
  });

  it('a net with preprocessing.resize resizes per batch instead, and the image-folder kind still uses its copy (the two differ)', async () => {
    const pre: Preprocessing = { ...rgb, resize: true };
    const withFlag: Net = { ...net, preprocessing: pre };
    await expectNoLeakedTensors(() => {
      const perBatch = inputs(imageSource(photos, pre).batch(IDX));
      const viaKind = inputs(imageFolderModality.source(photos, withFlag).batch(IDX));
      const copy = inputs(imageSource(resizeImages(photos, { height: 12, width: 12 }), pre).batch(IDX));
      assert.strictEqual(maxAbsDiff(viaKind, copy), 0);
      const d = maxAbsDiff(perBatch, copy);
      assert.ok(d > 0.01, `per-batch and byte-copy resizing agree to ${d}: if they were merged, update this test and the docs of Preprocessing.resize`);
    }, 'the two resizing paths');
  });

  it('without the flag, a size mismatch is an error naming the fix', () => {
    assert.throws(() => imageSource(photos, net.preprocessing), /has 20x20 images but the model expects 12x12\. Fix: resize when loading/);
  });
});
