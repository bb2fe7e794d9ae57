import * as assert from 'assert';
import { ImageDataset, classCounts, kShot, kShotIndices, loadFashionMnist, selectClasses, stratifiedSplit, subset } from '../src/data';
import { synthetic } from './fixtures';
import { expectError } from './helpers';

describe('data: splits and sampling', () => {
  let test: ImageDataset;
  before(() => {
    test = loadFashionMnist('test');
  });

  it('subset copies just the chosen images, in order', async () => {
    const ds = synthetic(10);
    const s = subset(ds, [7, 2, 2]);
    assert.deepStrictEqual(Array.from(s.images), [7, 7, 7, 7, 2, 2, 2, 2, 2, 2, 2, 2]);
    assert.deepStrictEqual(Array.from(s.labels), [1, 2, 2]);
    s.images[0] = 99;
    assert.strictEqual(ds.images[7 * 4], 7, 'the bytes are a copy');
    await expectError(() => subset(ds, [10]), /index 10/, /Fix/);
  });

  it('selectClasses relabels to 0..k-1 and carries the class names (Fashion-MNIST task B)', () => {
    const b = selectClasses(test, [5, 6, 7, 8, 9]);
    assert.strictEqual(b.count, 5000);
    assert.deepStrictEqual(b.classNames, ['Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
    assert.deepStrictEqual(classCounts(b), [1000, 1000, 1000, 1000, 1000]);
    const byName = selectClasses(test, ['Bag', 'Trouser']);
    assert.deepStrictEqual(byName.classNames, ['Bag', 'Trouser']);
    // The first 'Bag' of the test set is byName's first image with label 0.
    const firstBag = test.labels.indexOf(8);
    const j = byName.labels.indexOf(0);
    assert.deepStrictEqual(Array.from(byName.images.subarray(j * 784, (j + 1) * 784)), Array.from(test.images.subarray(firstBag * 784, (firstBag + 1) * 784)));
  });

  it('selectClasses rejects unknown and repeated classes by name', async () => {
    await expectError(() => selectClasses(test, [10]), /'10' is not a class/, /Fix/);
    await expectError(() => selectClasses(test, ['Hat']), /'Hat' is not a class/);
    await expectError(() => selectClasses(test, [1, 1]), /listed twice/);
  });

  it('stratifiedSplit keeps class proportions, partitions the set and is seeded', () => {
    const s = stratifiedSplit(test, { validation: 0.1, test: 0.2, seed: 1 });
    assert.deepStrictEqual(classCounts(s.validation), new Array(10).fill(100));
    assert.deepStrictEqual(classCounts(s.test), new Array(10).fill(200));
    assert.deepStrictEqual(classCounts(s.train), new Array(10).fill(700));
    const again = stratifiedSplit(test, { validation: 0.1, test: 0.2, seed: 1 });
    assert.deepStrictEqual(again.validation.images, s.validation.images);
    const other = stratifiedSplit(test, { validation: 0.1, test: 0.2, seed: 2 });
    assert.notDeepStrictEqual(other.validation.images, s.validation.images);
  });

  it('stratifiedSplit rejects fractions that leave nothing to train on', async () => {
    await expectError(() => stratifiedSplit(test, { validation: 0.6, test: 0.5 }), /leaves no training data/, /Fix/);
    await expectError(() => stratifiedSplit(test, { validation: 1.5 }), /validation fraction 1.5/);
  });

  it('kShot with a given seed is identical across runs and different for another seed', () => {
    const a = kShot(test, 5, 42);
    const b = kShot(test, 5, 42);
    const c = kShot(test, 5, 43);
    assert.strictEqual(a.count, 50);
    assert.deepStrictEqual(classCounts(a), new Array(10).fill(5));
    assert.deepStrictEqual(a.images, b.images);
    assert.notDeepStrictEqual(kShotIndices(test, 5, 42), kShotIndices(test, 5, 43));
    assert.notDeepStrictEqual(a.images, c.images);
    assert.strictEqual(new Set(kShotIndices(test, 5, 42)).size, 50, 'no image twice');
  });

  it('kShot names the class that is too small', async () => {
    const small = subset(test, [...Array(30).keys()]);
    const counts = classCounts(small);
    const c = counts.findIndex((n) => n < 10); // the first class too small is named
    await expectError(() => kShot(small, 10, 0), new RegExp(`class ${c} \\('${test.classNames[c].replace('/', '\\/')}'\\) has only ${counts[c]}`), /Fix/);
    await expectError(() => kShot(small, 0, 0), /not a positive integer/);
  });
});
