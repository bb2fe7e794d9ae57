/**
 * The ImageNet backbone EfficientNet-Lite0: ImageNet preprocessing (per-channel mean/std,
 * resizing, gray -> RGB) in the image batch path; parity of the logits with the PyTorch
 * reference (scripts/lite0-reference.py: efficientnet-lite-pytorch with the original
 * checkpoint) on random inputs and real photos; top-5 ImageNet classes of scikit-image's
 * photos. Needs `bash scripts/lite0-assets --reference` (run by set-up).
 */
import * as assert from 'assert';
import { tf } from '../src/backend';
import { ImageDataset, imageSource, imagenetPreprocessing } from '../src';
import { toyImages } from './fixtures';
import { expectNoLeakedTensors, expectError } from './helpers';

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

function constantImages(count: number, size: number, value: number): ImageDataset {
  return { name: 'const', images: new Uint8Array(count * size * size).fill(value), labels: new Uint8Array(count), count, height: size, width: size, channels: 1, classNames: ['a'], source: 'test' };
}

describe('ImageNet preprocessing: per-channel mean/std, resizing, gray -> RGB', () => {
  it('feeds 28x28 gray images to a 64x64 RGB net: every pixel is (v/255 - mean_c) / std_c', async () => {
    const src = imageSource(constantImages(3, 28, 128), imagenetPreprocessing(64));
    assert.deepStrictEqual(src.inputShape, [64, 64, 3]);
    await expectNoLeakedTensors(() => { const b = src.batch([0, 2]); tf.dispose([b.xs, b.ys]); }, 'a batch, disposed');
    const { xs, ys } = src.batch([0, 2]);
    assert.deepStrictEqual(xs.shape, [2, 64, 64, 3]);
    const v = xs.dataSync();
    for (let i = 0; i < v.length; i++) {
      const c = i % 3;
      assert.ok(Math.abs(v[i] - (128 / 255 - MEAN[c]) / STD[c]) < 1e-5, `value ${i}: ${v[i]}`);
    }
    tf.dispose([xs, ys]);
  });

  it('resizes bilinearly: a left-dark, right-bright digit stays left-dark and right-bright, gray channels agree', () => {
    const ds = constantImages(1, 28, 0);
    for (let y = 0; y < 28; y++) for (let x = 14; x < 28; x++) ds.images[y * 28 + x] = 255;
    const { xs, ys } = imageSource(ds, imagenetPreprocessing(96)).batch([0]);
    const px = tf.tidy(() => tf.add(tf.mul(xs, tf.tensor1d(STD)), tf.tensor1d(MEAN))).dataSync(); // back to [0, 1]
    tf.dispose([xs, ys]);
    const at = (y: number, x: number, c: number) => px[(y * 96 + x) * 3 + c];
    for (const y of [0, 40, 95]) {
      assert.ok(Math.abs(at(y, 10, 0)) < 1e-5 && Math.abs(at(y, 85, 2) - 1) < 1e-5, `row ${y}: ${at(y, 10, 0)} ${at(y, 85, 2)}`);
      assert.ok(at(y, 47, 1) > 0 && at(y, 47, 1) < 1 || at(y, 48, 1) > 0 && at(y, 48, 1) < 1, 'the edge is interpolated');
      for (let x = 0; x < 96; x++) assert.ok(Math.abs(at(y, x, 0) - at(y, x, 1)) < 1e-5 && Math.abs(at(y, x, 1) - at(y, x, 2)) < 1e-5);
    }
  });

  it('keeps the bundled 28x28 backbones as they were: same batches, and a size mismatch is still an error', async () => {
    const ds = toyImages(4, 2, 1, 12);
    const a = imageSource(ds, { height: 12, width: 12, channels: 1 }).batch([0, 1, 2, 3]);
    const manual = tf.tidy(() => tf.div(tf.tensor4d(Float32Array.from(ds.images), [4, 12, 12, 1]), 255));
    assert.deepStrictEqual(Array.from(a.xs.dataSync()), Array.from(manual.dataSync()));
    tf.dispose([a.xs, a.ys, manual]);
    await expectError(() => imageSource(ds, { height: 28, width: 28, channels: 1 }), /has 12x12 images but the model expects 28x28/, /Fix: resize when loading/);
  });
});
