import * as assert from 'assert';
import { tf } from '../src/backend';
import { augmentBytes, batchCount, batches, kShot, loadFashionMnist, toTensors } from '../src/data';
import { Random } from '../src/random';
import { synthetic } from './fixtures';
import { expectError, expectNoLeakedTensors } from './helpers';

describe('data: tensors and batches', () => {
  it('toTensors gives float32 NHWC in [0, 1] and int32 labels, without leaks', async () => {
    const ds = kShot(loadFashionMnist('test'), 2, 0);
    await expectNoLeakedTensors(() => {
      const { xs, ys } = toTensors(ds);
      assert.deepStrictEqual(xs.shape, [20, 28, 28, 1]);
      assert.strictEqual(xs.dtype, 'float32');
      assert.strictEqual(ys.dtype, 'int32');
      assert.deepStrictEqual(Array.from(ys.dataSync()), Array.from(ds.labels));
      const [min, max] = tf.tidy(() => [xs.min().dataSync()[0], xs.max().dataSync()[0]]);
      assert.ok(min >= 0 && max <= 1 && max > 0.5);
      tf.dispose([xs, ys]);
    }, 'toTensors');
  });

  it('channels 3 repeats grayscale, channels 1 averages RGB, normalize false/mean-std apply', async () => {
    const ds = synthetic(3, 3, 2, 2, 1); // image i is all byte i
    await expectNoLeakedTensors(
      () =>
        tf.tidy(() => {
          const rgb = toTensors(ds, { channels: 3, normalize: false }).xs;
          assert.deepStrictEqual(rgb.shape, [3, 2, 2, 3]);
          assert.deepStrictEqual(Array.from(rgb.slice([2, 0, 0, 0], [1, 1, 1, 3]).dataSync()), [2, 2, 2]);
          const rgbDs = { ...ds, channels: 3, images: Uint8Array.from({ length: 3 * 12 }, (_, i) => (i % 3) * 30) };
          const gray = toTensors(rgbDs, { channels: 1, normalize: false }).xs;
          assert.deepStrictEqual(gray.shape, [3, 2, 2, 1]);
          assert.deepStrictEqual(Array.from(gray.dataSync()).slice(0, 2), [30, 30]); // mean of 0, 30, 60
          const std = toTensors(ds, { indices: [2], normalize: { mean: 1 / 255, std: 2 } }).xs;
          assert.ok(Math.abs(std.dataSync()[0] - 0.5 / 255) < 1e-7);
        }),
      'toTensors with conversions',
    );
    await expectError(() => toTensors(ds, { normalize: { mean: [0.5, 0.5], std: 1 } }), /2 values for 1 channel/, /Fix/);
  });

  it('batches yields batchSize images at a time, seeded shuffles differ per epoch, no leaks', async () => {
    const ds = synthetic(10, 2);
    const seen = await expectNoLeakedTensors(() => {
      const out: number[][] = [];
      const before = tf.memory().numTensors;
      for (const b of batches(ds, { batchSize: 4, shuffle: true, seed: 1 })) {
        assert.strictEqual(tf.memory().numTensors - before, 2, 'only the current batch exists');
        out.push(Array.from(b.indices));
        tf.dispose([b.xs, b.ys]);
      }
      return out;
    }, 'batches');
    assert.deepStrictEqual(
      seen.map((b) => b.length),
      [4, 4, 2],
    );
    assert.deepStrictEqual(
      seen.flat().sort((a, b) => a - b),
      [...Array(10).keys()],
    );
    const order = (epoch: number, seed = 1): number[] =>
      [...batches(ds, { batchSize: 10, shuffle: true, seed, epoch })].flatMap((b) => {
        tf.dispose([b.xs, b.ys]);
        return Array.from(b.indices);
      });
    assert.deepStrictEqual(order(0), seen.flat());
    assert.notDeepStrictEqual(order(1), order(0));
    assert.notDeepStrictEqual(order(0, 2), order(0));
    assert.strictEqual(batchCount(ds, { batchSize: 4 }), 3);
    assert.strictEqual([...batches(ds, { batchSize: 4, dropRemainder: true })].map((b) => tf.dispose([b.xs, b.ys])).length, 2);
  });

  it('batches over 60,000 images only ever holds one batch as tensors', async () => {
    const train = loadFashionMnist('train');
    const before = tf.memory().numTensors;
    let n = 0;
    for (const b of batches(train, { batchSize: 2048, augment: { shift: 2 } })) {
      assert.strictEqual(tf.memory().numTensors - before, 2);
      n += b.xs.shape[0];
      tf.dispose([b.xs, b.ys]);
    }
    assert.strictEqual(n, 60000);
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('augmentation shifts by up to n pixels, flips only when enabled, and is seeded', () => {
    const img = new Uint8Array(25);
    img[12] = 255; // a dot in the middle of a 5x5 image
    const shape = { height: 5, width: 5, channels: 1 };
    const pos = (seed: number, aug: { shift?: number; flip?: boolean }): number => augmentBytes(img.slice(), 1, shape, aug, new Random(seed)).indexOf(255);
    const positions = new Set<number>();
    for (let s = 0; s < 50; s++) {
      const p = pos(s, { shift: 1 });
      positions.add(p);
      assert.ok(Math.abs((p % 5) - 2) <= 1 && Math.abs(Math.floor(p / 5) - 2) <= 1);
      assert.strictEqual(pos(s, { shift: 1 }), p, 'same seed, same shift');
    }
    assert.strictEqual(positions.size, 9);
    const edge = new Uint8Array(25);
    edge[0] = 255;
    const flips = Array.from({ length: 20 }, (_, s) => augmentBytes(edge.slice(), 1, shape, { flip: true }, new Random(s)).indexOf(255));
    assert.deepStrictEqual([...new Set(flips)].sort(), [0, 4]);
    assert.strictEqual(augmentBytes(edge.slice(), 1, shape, {}, new Random(0)).indexOf(255), 0, 'off by default');
  });

  it('a batch without augmentation equals toTensors of the same indices', async () => {
    const ds = synthetic(6);
    await expectNoLeakedTensors(() => {
      const [b] = [...batches(ds, { batchSize: 6, shuffle: true, seed: 3 })];
      const t = toTensors(ds, { indices: b.indices });
      assert.deepStrictEqual(Array.from(b.xs.dataSync()), Array.from(t.xs.dataSync()));
      tf.dispose([b.xs, b.ys, t.xs, t.ys]);
    });
    await expectError(() => [...batches(ds, { batchSize: 0 })], /batchSize 0/, /Fix/);
  });
});
