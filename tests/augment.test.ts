import * as assert from 'assert';
import { tf, toyImages, tinyNet } from './fixtures';
import { expectError, expectNoLeakedTensors } from './helpers';
import { augmentBytes, AugmentOptions } from '../src/data/batches';
import { warpImage, adjustImage } from '../src/data/augment';
import { imageSource } from '../src/train/source';
import { train } from '../src/train/loop';
import { augmentationChart } from '../src/charts/augment';
import { Random } from '../src/random';

const shape = { height: 9, width: 9, channels: 1 };

/** A 9x9 image with one bright pixel at (y, x). */
function dot(y: number, x: number): Uint8Array {
  const img = new Uint8Array(81);
  img[y * 9 + x] = 255;
  return img;
}

describe('augmentation: rotation, zoom/crop, brightness, contrast on batch bytes', () => {
  it('rotates by 90 degrees about the centre and zooms about it (exact cases of the warp)', () => {
    const img = dot(1, 4); // above the centre (4, 4)
    warpImage(img, 9, 9, 1, { dx: 0, dy: 0, flip: false, angle: Math.PI / 2, scale: 1 }, new Uint8Array(81));
    // a quarter turn: the dot above the centre ends up right of it (clockwise on screen, y pointing down)
    assert.strictEqual(img.indexOf(255), 4 * 9 + 7);
    const z = dot(3, 4);
    warpImage(z, 9, 9, 1, { dx: 0, dy: 0, flip: false, angle: 0, scale: 2 }, new Uint8Array(81));
    assert.strictEqual(z.indexOf(255), 2 * 9 + 4, 'zoom 2: one pixel above the centre lands two above');
  });

  it('changes brightness and contrast about the mean, clipped to 0-255', () => {
    const img = Uint8Array.from([100, 120, 140, 160]);
    adjustImage(img, 4, 1, 2, 10); // mean 130: (x - 130) * 2 + 130 + 10
    assert.deepStrictEqual(Array.from(img), [80, 120, 160, 200]);
    const hi = Uint8Array.from([250, 10]);
    adjustImage(hi, 2, 1, 1, 30);
    assert.deepStrictEqual(Array.from(hi), [255, 40]);
  });

  it('is seeded, leaves shift/flip alone exactly as before, and each new option changes images', () => {
    const ds = toyImages(16, 2, 3, 12);
    const run = (aug: AugmentOptions, seed: number) => augmentBytes(ds.images.slice(), 16, ds, aug, new Random(seed));
    const full: AugmentOptions = { shift: 1, flip: true, rotate: 20, zoom: 0.2, brightness: 0.2, contrast: 0.3 };
    assert.deepStrictEqual(run(full, 5), run(full, 5), 'same seed, same bytes');
    assert.notDeepStrictEqual(run(full, 5), run(full, 6));
    for (const k of ['rotate', 'zoom', 'brightness', 'contrast'] as const) {
      assert.notDeepStrictEqual(run({ [k]: k === 'rotate' ? 20 : 0.3 }, 1), ds.images, `${k} changes images`);
    }
    // shift/flip alone use the same random draws and whole-pixel path as before: a shifted dot stays a single 255
    const one = augmentBytes(dot(4, 4), 1, shape, { shift: 2 }, new Random(3));
    assert.strictEqual(one.filter((v) => v === 255).length, 1);
    assert.strictEqual(one.filter((v) => v !== 0).length, 1);
  });

  it('trains through imageSource with the compiled step, seeded, no leaks; evaluation is not augmented', async () => {
    const ds = toyImages(48, 3, 1);
    const aug: AugmentOptions = { rotate: 10, zoom: 0.1, brightness: 0.1, contrast: 0.2, shift: 1 };
    const runOnce = async () => {
      const net = tinyNet(3, 7);
      const h = await expectNoLeakedTensors(
        () => train(net, imageSource(ds, net.preprocessing, aug), { epochs: 2, batchSize: 16, seed: 4, engine: 'graph' }),
        'train with augmentation',
      );
      net.model.dispose();
      return h;
    };
    const [a, b] = [await runOnce(), await runOnce()];
    assert.strictEqual(a.engine, 'graph', `compiled step (${a.eagerReason})`);
    assert.deepStrictEqual(
      a.epochs.map((e) => e.loss),
      b.epochs.map((e) => e.loss),
      'same seed, same run',
    );
    const src = imageSource(ds, { height: 12, width: 12, channels: 1 }, aug);
    const plain = imageSource(ds, { height: 12, width: 12, channels: 1 });
    const idx = [0, 1, 2, 3];
    const [x1, x2] = [src.batch(idx), plain.batch(idx)];
    assert.deepStrictEqual(Array.from(x1.xs.dataSync()), Array.from(x2.xs.dataSync()), 'no generator (evaluation): no augmentation');
    tf.dispose([x1.xs, x1.ys, x2.xs, x2.ys]);
    // Time per batch with and without augmentation (printed, not asserted: speed belongs to npm run bench)
    const big = toyImages(512, 3, 2, 28);
    const pre = { height: 28, width: 28, channels: 1 };
    const time = (s: ReturnType<typeof imageSource>) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 8; i++) {
        const b = s.batch(
          Int32Array.from({ length: 64 }, (_, j) => (i * 64 + j) % 512),
          new Random(i),
        );
        tf.dispose([b.xs, b.ys]);
      }
      return Number(process.hrtime.bigint() - t0) / 8e6;
    };
    time(imageSource(big, pre));
    time(imageSource(big, pre, aug));
    console.log(
      `      batch of 64 28x28 images: ${time(imageSource(big, pre)).toFixed(2)} ms plain, ${time(imageSource(big, pre, aug)).toFixed(2)} ms with ${Object.keys(aug).join('/')}`,
    );
  });

  it('draws a chart of augmented copies, and names bad options', async () => {
    const ds = toyImages(10, 2, 1);
    const fig = augmentationChart(ds, { rotate: 15, flip: true }, { images: 3, copies: 5 });
    assert.strictEqual((fig.data[0] as { type: string }).type, 'image');
    assert.match(String((fig.layout!.title as { text: string }).text), /rotate 15, flip/);
    await expectError(() => imageSource(ds, { height: 12, width: 12, channels: 1 }, { rotate: -5 }), /rotate -5 is not a number in \[0, 180\]/, /Fix:/);
    await expectError(
      () => imageSource(ds, { height: 12, width: 12, channels: 1 }, { crop: 0.2 } as AugmentOptions),
      /unknown option 'crop'/,
      /Fix: use shift, flip, rotate, zoom, brightness, contrast/,
    );
    await expectError(() => augmentationChart(ds, { zoom: 2 }), /zoom 2 is not a number in \[0, 0\.9\]/, /Fix:/);
  });
});
