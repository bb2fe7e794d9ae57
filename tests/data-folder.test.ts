import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../src/backend';
import { classCounts, loadImageFolder } from '../src/data';
import { expectError, expectNoLeakedTensors, tmpDir } from './helpers';

/** Write a solid-colour PNG (or JPEG) of the given size and channels. */
async function writeImage(file: string, h: number, w: number, value: number[], jpeg = false): Promise<void> {
  const img = tf.tidy(() => tf.tile(tf.tensor3d(value, [1, 1, value.length], 'int32'), [h, w, 1]) as import('@tensorflow/tfjs-node').Tensor3D);
  const bytes = jpeg ? await tf.node.encodeJpeg(img, value.length === 1 ? 'grayscale' : 'rgb', 100) : await tf.node.encodePng(img);
  img.dispose();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
}

describe('data: image folders', () => {
  let root: string;
  before(async () => {
    root = tmpDir('transfer-lab-folder-');
    await writeImage(path.join(root, 'cat', 'a.png'), 10, 12, [200, 100, 0]); // RGB
    await writeImage(path.join(root, 'cat', 'b.png'), 4, 4, [90]); // grayscale
    await writeImage(path.join(root, 'dog', 'c.jpg'), 8, 8, [30, 60, 90], true);
    await writeImage(path.join(root, 'dog', 'd.png'), 6, 6, [10, 20, 30, 255]); // RGBA
    fs.writeFileSync(path.join(root, 'dog', 'notes.txt'), 'not an image, ignored');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('loads one class per sub-folder, resized, as RGB, without leaks', async () => {
    const ds = await expectNoLeakedTensors(() => loadImageFolder(root, { height: 5, width: 5, channels: 3 }), 'loadImageFolder');
    assert.deepStrictEqual(ds.classNames, ['cat', 'dog']);
    assert.deepStrictEqual(classCounts(ds), [2, 2]);
    assert.strictEqual(ds.images.length, 4 * 5 * 5 * 3);
    assert.deepStrictEqual(Array.from(ds.images.subarray(0, 3)), [200, 100, 0]);
    assert.deepStrictEqual(Array.from(ds.images.subarray(75, 78)), [90, 90, 90], 'grayscale repeated into RGB');
    const jpg = Array.from(ds.images.subarray(150, 153));
    jpg.forEach((v, i) => assert.ok(Math.abs(v - [30, 60, 90][i]) <= 3, `jpeg pixel ${jpg}`));
    assert.deepStrictEqual(Array.from(ds.images.subarray(225, 228)), [10, 20, 30], 'alpha dropped');
    assert.deepStrictEqual(ds.skipped, []);
  });

  it('converts RGB to grayscale by averaging', () => {
    const ds = loadImageFolder(root, { height: 3, width: 3, channels: 1 });
    assert.strictEqual(ds.channels, 1);
    assert.strictEqual(ds.images[0], 100); // mean of 200, 100, 0
  });

  it('an unreadable image is an error naming the file, or skipped and listed on request', async () => {
    const dir = tmpDir('transfer-lab-folder-bad-');
    await writeImage(path.join(dir, 'a', 'ok.png'), 4, 4, [1]);
    await writeImage(path.join(dir, 'b', 'ok.png'), 4, 4, [2]);
    const bad = path.join(dir, 'b', 'broken.png');
    fs.writeFileSync(bad, 'this is not a PNG');
    await expectNoLeakedTensors(
      () =>
        expectError(
          () => loadImageFolder(dir, { height: 4, width: 4 }),
          new RegExp(bad.replace(/[.]/g, '\\.')),
          /cannot be read as an image/,
          /skipUnreadable/,
        ),
      'a failed load',
    );
    const ds = loadImageFolder(dir, { height: 4, width: 4, skipUnreadable: true });
    assert.strictEqual(ds.count, 2);
    assert.deepStrictEqual(
      ds.skipped.map((s) => s.path),
      [bad],
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an empty class folder, no class folders and a missing folder are errors naming the folder', async () => {
    const dir = tmpDir('transfer-lab-folder-empty-');
    await expectError(() => loadImageFolder(dir, { height: 4, width: 4 }), new RegExp(dir), /no class folders/, /Fix/);
    await writeImage(path.join(dir, 'a', 'ok.png'), 4, 4, [1]);
    fs.mkdirSync(path.join(dir, 'empty'));
    await expectError(() => loadImageFolder(dir, { height: 4, width: 4 }), new RegExp(path.join(dir, 'empty')), /has no images/, /Fix/);
    await expectError(() => loadImageFolder(path.join(dir, 'nope'), { height: 4, width: 4 }), /nope: image folder not found/, /Fix/);
    await expectError(() => loadImageFolder(dir, { height: 0, width: 4 }), /height 0/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
