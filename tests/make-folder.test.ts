/**
 * writeImageFolder / makeImageFolder (an image folder written from real digits) and the
 * resize helpers they use: layout, content, determinism by seed, reuse, atomic writes,
 * errors, tensor leaks.
 */
import * as assert from 'assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ImageDataset } from '../src/data/dataset';
import { loadMnist } from '../src/data/mnist';
import { kShot, classCounts } from '../src/data/split';
import { loadImageFolder, decodeResized } from '../src/data/folder';
import { writeImageFolder, makeImageFolder, IMAGE_FOLDER_MANIFEST } from '../src/data/make-folder';
import { resizePixels, resizeImages, thumbnails } from '../src/data/resize';
import { expectError, expectNoLeakedTensors, tmpDir } from './helpers';

/** Height, width and PNG colour type (0 gray, 2 RGB) from a PNG's IHDR chunk. */
function pngInfo(file: string): { height: number; width: number; colorType: number } {
  const b = fs.readFileSync(file);
  assert.strictEqual(b.subarray(12, 16).toString('ascii'), 'IHDR', `${file} is not a PNG`);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), colorType: b[25] };
}

/** Every file under a folder (relative path -> SHA-256), sorted. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** Entries next to `target` that are temporary or old copies of it. */
function leftovers(target: string): string[] {
  const base = path.basename(target);
  return fs.readdirSync(path.dirname(target)).filter((f) => f.startsWith(`${base}.tmp-`) || f.startsWith(`${base}.old-`));
}

describe('data: writing an image folder from real images', function () {
  this.timeout(120000);
  let digits: ImageDataset; // 12 real MNIST digits per class
  let root: string;

  before(() => {
    digits = kShot(loadMnist(), 12, 3);
    root = tmpDir('transfer-lab-make-folder-');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('writes perClass PNG files per class folder, sizes in range, tinted RGB, with a manifest, without leaking tensors', async () => {
    const dir = path.join(root, 'layout');
    const info = await expectNoLeakedTensors(() => writeImageFolder(digits, dir, { perClass: 5, seed: 1, sizeRange: [30, 50] }), 'writeImageFolder');
    assert.strictEqual(info.dir, path.resolve(dir));
    assert.strictEqual(info.reused, false);
    assert.strictEqual(info.files, 50);
    assert.deepStrictEqual(info.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.deepStrictEqual(info.counts, new Array(10).fill(5));
    assert.deepStrictEqual(fs.readdirSync(dir).sort(), [...info.classNames, IMAGE_FOLDER_MANIFEST].sort());
    const sizes = new Set<string>();
    for (const c of info.classNames) {
      const files = fs.readdirSync(path.join(dir, c));
      assert.strictEqual(files.length, 5);
      for (const f of files) {
        assert.match(f, new RegExp(`^${c}-\\d{5}\\.png$`));
        const p = pngInfo(path.join(dir, c, f));
        assert.ok(p.height >= 30 && p.height <= 50 && p.width >= 30 && p.width <= 50, `${f}: ${p.height}x${p.width}`);
        assert.strictEqual(p.colorType, 2, 'tinted files are RGB');
        sizes.add(`${p.height}x${p.width}`);
      }
    }
    assert.ok(sizes.size > 10, `sizes should differ, got ${[...sizes].join(' ')}`);
    assert.ok(info.sizes.minHeight >= 30 && info.sizes.maxWidth <= 50);
    // The loader reads it back: 10 classes of 5, resized and converted to grayscale.
    const back = loadImageFolder(dir, { height: 28, width: 28, channels: 1 });
    assert.deepStrictEqual(back.classNames, info.classNames);
    assert.deepStrictEqual(classCounts(back), new Array(10).fill(5));
  });

  it("with color 'original' and the images' own size, each file holds exactly its digit, in its class folder", () => {
    const dir = path.join(root, 'exact');
    writeImageFolder(digits, dir, { perClass: 4, seed: 2, sizeRange: [28, 28], color: 'original' });
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, IMAGE_FOLDER_MANIFEST), 'utf8')) as { files: { path: string; sourceIndex: number }[] };
    assert.strictEqual(manifest.files.length, 40);
    for (const f of manifest.files) {
      const file = path.join(dir, f.path);
      const p = pngInfo(file);
      assert.deepStrictEqual([p.height, p.width, p.colorType], [28, 28, 0], 'grayscale, not resized');
      assert.strictEqual(f.path.split('/')[0], digits.classNames[digits.labels[f.sourceIndex]], `${f.path} is in its class folder`);
      const px = decodeResized(fs.readFileSync(file), 28, 28, 1);
      assert.ok(
        Buffer.from(px).equals(Buffer.from(digits.images.subarray(f.sourceIndex * 784, (f.sourceIndex + 1) * 784))),
        `${f.path} holds digit ${f.sourceIndex}`,
      );
    }
  });

  it('is deterministic by seed: the same seed gives the same bytes, another seed other images', () => {
    const a = path.join(root, 'seed-a');
    const b = path.join(root, 'seed-b');
    const c = path.join(root, 'seed-c');
    writeImageFolder(digits, a, { perClass: 3, seed: 7 });
    writeImageFolder(digits, b, { perClass: 3, seed: 7 });
    writeImageFolder(digits, c, { perClass: 3, seed: 8 });
    assert.deepStrictEqual(tree(a), tree(b));
    const ta = tree(a);
    const tc = tree(c);
    assert.notDeepStrictEqual(Object.keys(ta).sort(), Object.keys(tc).sort(), 'another seed picks other digits');
  });

  it('is idempotent: an identical folder is reused untouched, a damaged one rewritten, other options replace it', () => {
    const dir = path.join(root, 'idem');
    writeImageFolder(digits, dir, { perClass: 3, seed: 4 });
    const before = tree(dir);
    const manifestTime = fs.statSync(path.join(dir, IMAGE_FOLDER_MANIFEST)).mtimeMs;
    const again = writeImageFolder(digits, dir, { perClass: 3, seed: 4 });
    assert.strictEqual(again.reused, true);
    assert.strictEqual(fs.statSync(path.join(dir, IMAGE_FOLDER_MANIFEST)).mtimeMs, manifestTime, 'nothing rewritten');
    // A deleted file is noticed and the folder written again, identical.
    const victim = Object.keys(before).find((f) => f.endsWith('.png'))!;
    fs.rmSync(path.join(dir, victim));
    const repaired = writeImageFolder(digits, dir, { perClass: 3, seed: 4 });
    assert.strictEqual(repaired.reused, false);
    assert.deepStrictEqual(tree(dir), before);
    // Other options: the folder (ours) is replaced.
    const other = writeImageFolder(digits, dir, { perClass: 2, seed: 4 });
    assert.strictEqual(other.files, 20);
    assert.strictEqual(Object.keys(tree(dir)).filter((f) => f.endsWith('.png')).length, 20);
    assert.deepStrictEqual(leftovers(path.resolve(dir)), []);
  });

  it('is atomic: an error while writing leaves no partial folder, and a previous folder intact', async () => {
    const fresh = path.join(root, 'atomic-new');
    const boom = (n: number) => {
      if (n === 7) throw new Error('disk full (simulated)');
    };
    await expectError(() => writeImageFolder(digits, fresh, { perClass: 3, onProgress: boom }), /disk full/);
    assert.ok(!fs.existsSync(fresh), 'no folder after a failed first write');
    assert.deepStrictEqual(leftovers(path.resolve(fresh)), []);

    const existing = path.join(root, 'atomic-old');
    writeImageFolder(digits, existing, { perClass: 2, seed: 1 });
    const before = tree(existing);
    await expectError(() => writeImageFolder(digits, existing, { perClass: 3, seed: 1, onProgress: boom }), /disk full/);
    assert.deepStrictEqual(tree(existing), before, 'the previous folder is untouched');
    assert.deepStrictEqual(leftovers(path.resolve(existing)), []);
  });

  it('refuses to replace a folder it did not write (it could be your photos)', async () => {
    const mine = path.join(root, 'my-photos');
    fs.mkdirSync(path.join(mine, 'cat'), { recursive: true });
    fs.writeFileSync(path.join(mine, 'cat', 'IMG_0001.jpg'), 'precious');
    await expectError(() => writeImageFolder(digits, mine, { perClass: 2 }), /refusing to replace/, /my-photos/, /not written by writeImageFolder/, /Fix:/);
    assert.strictEqual(fs.readFileSync(path.join(mine, 'cat', 'IMG_0001.jpg'), 'utf8'), 'precious');
    // An empty folder is fine to fill.
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    assert.strictEqual(writeImageFolder(digits, empty, { perClass: 1 }).files, 10);
  });

  it('names class folders safely and keeps them distinct', () => {
    const ds: ImageDataset = { ...kShot(digits, 2, 0), classNames: ['T-shirt/top', '.hidden', 'a b', 'a_b', '', '5', '6', '7', '8', '9'] };
    const info = writeImageFolder(ds, path.join(root, 'names'), { perClass: 1 });
    assert.deepStrictEqual(info.classNames, ['5', '6', '7', '8', '9', 'T-shirt_top', 'a_b', 'a_b_3', 'class_4', 'hidden']);
    assert.ok(info.classNames.every((n) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(n)));
  });

  it('rejects bad input with errors that name the problem and the fix', async () => {
    const d = path.join(root, 'bad');
    await expectError(() => writeImageFolder(digits, d, { perClass: 0 }), /perClass 0 is not a positive integer/, /Fix:/);
    await expectError(() => writeImageFolder(digits, d, { perClass: 13 }), /class '0' has only 12 images, fewer than perClass = 13/, /Fix:/);
    await expectError(() => writeImageFolder(digits, d, { sizeRange: [0, 10] }), /sizeRange \[0,10\]/, /Fix:/);
    await expectError(() => writeImageFolder(digits, d, { sizeRange: [50, 40] }), /sizeRange \[50,40\]/);
    await expectError(() => writeImageFolder(digits, d, { color: 'sepia' as 'tinted' }), /color 'sepia' is unknown/);
    await expectError(() => writeImageFolder(digits, '', {}), /no folder given/);
    await expectError(() => writeImageFolder({ ...digits, channels: 2 }, d, {}), /2 channels/);
    await expectError(() => writeImageFolder({ ...digits, count: 0, images: new Uint8Array(0), labels: new Uint8Array(0) }, d, {}), /empty/);
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, 'x');
    await expectError(() => writeImageFolder(digits, file, { perClass: 1 }), /exists and is not a folder/);
    await expectError(() => makeImageFolder({ source: 'cifar' as 'mnist', dir: d }), /unknown source 'cifar'/);
    assert.ok(!fs.existsSync(d), 'nothing written for bad input');
  });

  it('makeImageFolder: chosen classes of the bundled digits, in a given folder', () => {
    const dir = path.join(root, 'made');
    const info = makeImageFolder({ source: 'mnist', classes: ['3', '7'], perClass: 4, seed: 5, dir });
    assert.deepStrictEqual(info.classNames, ['3', '7']);
    assert.deepStrictEqual(info.counts, [4, 4]);
    assert.match(info.source, /^mnist/);
    assert.strictEqual(makeImageFolder({ source: 'mnist', classes: ['3', '7'], perClass: 4, seed: 5, dir }).reused, true);
  });
});

describe('data: resizing images held as bytes', () => {
  it('resizePixels keeps a constant image constant and changes only the size', async () => {
    const px = new Uint8Array(4 * 6 * 3).map((_, i) => [10, 20, 30][i % 3]);
    const out = await expectNoLeakedTensors(() => resizePixels(px, 4, 6, 3, 9, 5), 'resizePixels');
    assert.strictEqual(out.length, 9 * 5 * 3);
    assert.deepStrictEqual(Array.from(out.subarray(0, 6)), [10, 20, 30, 10, 20, 30]);
    assert.ok(out.every((v, i) => v === [10, 20, 30][i % 3]));
    await expectError(() => resizePixels(px, 4, 6, 1, 2, 2), /72 bytes is not 4x6x1/);
    await expectError(() => resizePixels(px, 4, 6, 3, 0, 2), /toHeight 0 is not a positive integer/);
  });

  it('resizeImages and thumbnails: new sizes, same labels, no copy when already small, no leaks', async () => {
    const ds = kShot(loadMnist(), 2, 0);
    const big = await expectNoLeakedTensors(() => resizeImages(ds, { height: 100, width: 80, batchSize: 7 }), 'resizeImages');
    assert.deepStrictEqual([big.height, big.width, big.channels, big.count], [100, 80, 1, ds.count]);
    assert.strictEqual(big.images.length, ds.count * 100 * 80);
    assert.deepStrictEqual(Array.from(big.labels), Array.from(ds.labels));
    const th = await expectNoLeakedTensors(() => thumbnails(big, 50), 'thumbnails');
    assert.deepStrictEqual([th.height, th.width], [50, 40], 'aspect ratio kept');
    assert.strictEqual(thumbnails(ds, 64), ds, 'small images are returned as they are');
    await expectError(() => thumbnails(ds, 0), /maxSide 0/);
    await expectError(() => resizeImages(ds, { height: 1.5, width: 3 }), /height 1.5 is not a positive integer/);
  });
});
