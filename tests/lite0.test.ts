/**
 * The ImageNet backbone EfficientNet-Lite0: ImageNet preprocessing (per-channel mean/std,
 * resizing, gray -> RGB) in the image batch path; parity of the logits with the PyTorch
 * reference (scripts/lite0-reference.py: efficientnet-lite-pytorch with the original
 * checkpoint) on random inputs and real photos; top-5 ImageNet classes of scikit-image's
 * photos. Needs `bash scripts/lite0-assets --reference` (run by set-up).
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../src/backend';
import type * as tfn from '@tensorflow/tfjs-node';
import {
  ImageDataset,
  Net,
  imageSource,
  imagenetPreprocessing,
  loadBackbone,
  withHead,
  cut,
  predictImageFiles,
  IMAGENET_CLASSES,
  lite0WeightsFile,
} from '../src';
import { cacheDir } from '../src/data/fashion';
import { decodeResized } from '../src/data/folder';
import { measureLite0 } from '../src/bench/cases';
import { toyImages } from './fixtures';
import { expectNoLeakedTensors, expectError, tmpDir } from './helpers';

const ROOT = path.resolve(__dirname, '..');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

function constantImages(count: number, size: number, value: number): ImageDataset {
  return {
    name: 'const',
    images: new Uint8Array(count * size * size).fill(value),
    labels: new Uint8Array(count),
    count,
    height: size,
    width: size,
    channels: 1,
    classNames: ['a'],
    source: 'test',
  };
}

describe('ImageNet preprocessing: per-channel mean/std, resizing, gray -> RGB', () => {
  it('feeds 28x28 gray images to a 64x64 RGB net: every pixel is (v/255 - mean_c) / std_c', async () => {
    const src = imageSource(constantImages(3, 28, 128), imagenetPreprocessing(64));
    assert.deepStrictEqual(src.inputShape, [64, 64, 3]);
    await expectNoLeakedTensors(() => {
      const b = src.batch([0, 2]);
      tf.dispose([b.xs, b.ys]);
    }, 'a batch, disposed');
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
      assert.ok((at(y, 47, 1) > 0 && at(y, 47, 1) < 1) || (at(y, 48, 1) > 0 && at(y, 48, 1) < 1), 'the edge is interpolated');
      for (let x = 0; x < 96; x++) assert.ok(Math.abs(at(y, x, 0) - at(y, x, 1)) < 1e-5 && Math.abs(at(y, x, 1) - at(y, x, 2)) < 1e-5);
    }
  });

  it('keeps the bundled 28x28 backbones as they were: same batches, and a size mismatch is still an error', async () => {
    const ds = toyImages(4, 2, 1, 12);
    const a = imageSource(ds, { height: 12, width: 12, channels: 1 }).batch([0, 1, 2, 3]);
    const manual = tf.tidy(() => tf.div(tf.tensor4d(Float32Array.from(ds.images), [4, 12, 12, 1]), 255));
    assert.deepStrictEqual(Array.from(a.xs.dataSync()), Array.from(manual.dataSync()));
    tf.dispose([a.xs, a.ys, manual]);
    await expectError(
      () => imageSource(ds, { height: 28, width: 28, channels: 1 }),
      /has 12x12 images but the model expects 28x28/,
      /Fix: resize when loading/,
    );
  });
});

// ---- the converted ImageNet weights against the PyTorch reference ------------------------

interface Reference {
  results: { logits: number[][]; features: number[][] }[];
  versions: Record<string, string>;
}

/** The reference's logits and pooled features for each batch of (preprocessed, NHWC) inputs: one Python process. */
function pythonReference(xs: tfn.Tensor4D[]): Reference {
  if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} does not exist. Fix: npm run setup (creates .venv with requirements.txt).`);
  const dir = tmpDir('lite0-ref-');
  try {
    const batches = xs.map((x, i) => {
      const file = path.join(dir, `x${i}.f32`);
      fs.writeFileSync(file, Buffer.from((x.dataSync() as Float32Array).buffer));
      return { inputs: file, shape: x.shape };
    });
    const out = execFileSync(PYTHON, [path.join(ROOT, 'scripts', 'lite0-reference.py'), path.join(path.dirname(lite0WeightsFile()), 'reference')], {
      input: JSON.stringify({ batches }),
      maxBuffer: 512 * 1024 * 1024,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return JSON.parse(out) as Reference;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The library's logits (before the softmax) and pooled features. */
function ours(net: Net, x: tfn.Tensor4D): { logits: tfn.Tensor2D; features: tfn.Tensor2D } {
  const body = cut(net, 'avg_pool'); // shares the net's layers and weights
  return tf.tidy(() => {
    const features = body.model.predict(x) as tfn.Tensor2D;
    const [k, b] = net.model.getLayer('logits').getWeights();
    return { features, logits: tf.add(tf.matMul(features, k), b) as tfn.Tensor2D };
  });
}

/** max |ours - ref| and that divided by max |ref|. */
function diff(a: tfn.Tensor2D, ref: number[][]): { maxAbs: number; rel: number } {
  return tf.tidy(() => {
    const r = tf.tensor2d(ref);
    const maxAbs = tf.max(tf.abs(tf.sub(a, r))).dataSync()[0];
    return { maxAbs, rel: maxAbs / tf.max(tf.abs(r)).dataSync()[0] };
  });
}

const PHOTOS_DIR = path.join(cacheDir(), 'skimage-data');
/** scikit-image's photos and the ImageNet classes the top-5 must hold (NOTES.md: what the reference predicts). */
const PHOTOS: { file: string; want: number[]; what: string }[] = [
  { file: 'chelsea.png', want: [281, 282, 283, 284, 285], what: 'a cat class' },
  { file: 'coffee.png', want: [967, 968], what: 'espresso or cup' },
  { file: 'motorcycle_left.png', want: [665, 670], what: 'moped or motor scooter' },
  { file: 'rocket.jpg', want: [657, 744], what: 'missile or projectile' },
  { file: 'astronaut.png', want: [], what: '' },
];

describe('EfficientNet-Lite0: parity with the PyTorch reference (efficientnet-lite-pytorch 0.1.0)', function () {
  this.timeout(300000);
  const SIZES = [64, 100, 224];
  const nets = new Map<number, Net>();
  const inputs: tfn.Tensor4D[] = [];
  let ref: Reference;

  before(async function () {
    for (const size of SIZES) {
      nets.set(size, await loadBackbone('efficientnet-lite0', { inputSize: size }));
      inputs.push(tf.randomNormal([3, size, size, 3], 0, 1, 'float32', size) as tfn.Tensor4D);
    }
    // The photos as the library feeds them at 224x224: decoded, resized to bytes, normalised.
    const n = nets.get(224)!;
    const images = Buffer.concat(PHOTOS.map((p) => decodeResized(fs.readFileSync(path.join(PHOTOS_DIR, p.file)), 224, 224, 3)));
    const ds: ImageDataset = {
      name: 'photos',
      images,
      labels: new Uint8Array(PHOTOS.length),
      count: PHOTOS.length,
      height: 224,
      width: 224,
      channels: 3,
      classNames: ['photo'],
      source: PHOTOS_DIR,
    };
    const b = imageSource(ds, n.preprocessing).batch(PHOTOS.map((_, i) => i));
    tf.dispose(b.ys);
    inputs.push(b.xs as tfn.Tensor4D);
    ref = pythonReference(inputs);
    console.log(`      reference: ${JSON.stringify(ref.versions)}`);
  });
  after(() => {
    tf.dispose(inputs);
    for (const n of nets.values()) n.model.dispose();
  });

  it('is a layers model with named groups, depthwise convs, residual adds, ReLU6, GAP and the 1000 ImageNet classes', () => {
    const n = nets.get(64)!;
    assert.deepStrictEqual(
      n.groups.map((g) => g.name),
      ['stem', 'stage1', 'stage2', 'stage3', 'stage4', 'stage5', 'stage6', 'stage7', 'top', 'classifier'],
    );
    const kinds = (k: string) => n.model.layers.filter((l) => l.getClassName() === k).length;
    assert.deepStrictEqual([kinds('DepthwiseConv2D'), kinds('Add'), kinds('ReLU'), kinds('GlobalAveragePooling2D')], [16, 9, 33, 1]);
    assert.strictEqual(
      n.model.trainableWeights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0),
      4652008,
    );
    assert.strictEqual(n.classNames.length, 1000);
    assert.strictEqual(n.classNames[281], 'tabby');
    assert.deepStrictEqual(n.model.outputs[0].shape, [null, 1000]);
    const probe = withHead(n, { cutAt: 'avg_pool', classes: 10 });
    assert.deepStrictEqual(probe.groups.map((g) => g.name).slice(-2), ['top', 'head']);
    assert.deepStrictEqual(probe.model.getLayer('avg_pool').outputShape, [null, 1280]);
  });

  SIZES.forEach((size, i) => {
    it(`agrees on random inputs at ${size}x${size}: logits to 1e-4 relative, pooled features too`, () => {
      const o = ours(nets.get(size)!, inputs[i]);
      const dl = diff(o.logits, ref.results[i].logits);
      const df = diff(o.features, ref.results[i].features);
      tf.dispose([o.logits, o.features]);
      console.log(
        `      ${size}x${size}: logits max abs diff ${dl.maxAbs.toExponential(2)} (relative ${dl.rel.toExponential(2)}), features ${df.maxAbs.toExponential(2)}`,
      );
      assert.ok(dl.rel < 1e-4, `logits differ by ${dl.maxAbs} (relative ${dl.rel})`);
      assert.ok(df.rel < 1e-4, `features differ by ${df.maxAbs} (relative ${df.rel})`);
    });
  });

  it('agrees on real photos at 224x224 (scikit-image: cat, coffee, motorcycle, rocket, astronaut)', () => {
    const i = SIZES.length;
    const o = ours(nets.get(224)!, inputs[i]);
    const dl = diff(o.logits, ref.results[i].logits);
    const top = tf.tidy(() => [tf.argMax(o.logits, 1).dataSync(), tf.argMax(tf.tensor2d(ref.results[i].logits), 1).dataSync()]);
    tf.dispose([o.logits, o.features]);
    console.log(`      photos: logits max abs diff ${dl.maxAbs.toExponential(2)} (relative ${dl.rel.toExponential(2)})`);
    assert.ok(dl.rel < 1e-4, `logits differ by ${dl.maxAbs} (relative ${dl.rel})`);
    assert.deepStrictEqual(Array.from(top[0]), Array.from(top[1]), 'the same top class for every photo');
  });
});

describe('EfficientNet-Lite0: top-5 ImageNet classes of real photos (scikit-image data)', function () {
  this.timeout(120000);
  let net: Net;
  before(async () => {
    net = await loadBackbone('efficientnet-lite0', { inputSize: 224 });
  });
  after(() => net?.model.dispose());

  it('names a cat class for the cat, espresso/cup for the coffee, moped/scooter for the motorcycle, missile/projectile for the rocket (224x224)', async () => {
    const files = PHOTOS.map((p) => path.join(PHOTOS_DIR, p.file));
    const preds = await expectNoLeakedTensors(() => predictImageFiles(net, files, { topK: 5 }), 'predictImageFiles');
    PHOTOS.forEach((p, i) => {
      const top = preds[i].top;
      console.log(`      ${p.file}: ${top.map((t) => `${t.label} ${t.className} ${t.probability.toFixed(3)}`).join(', ')}`);
      top.forEach((t) => assert.strictEqual(t.className, IMAGENET_CLASSES[t.label]));
      if (p.want.length)
        assert.ok(
          top.some((t) => p.want.includes(t.label)),
          `${p.file}: top-5 ${top.map((t) => t.label)} has no ${p.what} (${p.want})`,
        );
    });
  });
});

describe('EfficientNet-Lite0: the bench case (tiny sizes)', function () {
  this.timeout(300000);
  it('fine-tunes and predicts Lite0 with a 10-way head through the library, leaking no tensors', async () => {
    const c = await expectNoLeakedTensors(
      () => measureLite0({ batch: 2, steps: 1, inferSteps: 1, repeats: 1, warmupSteps: 0, seed: 1, size: 64 }),
      'measureLite0',
    );
    assert.strictEqual(c.weights, 'imagenet');
    assert.strictEqual(c.params, 4652008 - 1280 * 1000 - 1000 + 1280 * 10 + 10);
    assert.ok(c.train.sps > 0 && c.infer.sps > 0, JSON.stringify(c));
    assert.ok(['graph', 'eager'].includes(c.train.engine));
    console.log(`      64x64, batch 2: fine-tune ${c.train.sps.toFixed(1)} samples/s (${c.train.engine}), predict ${c.infer.sps.toFixed(1)} samples/s`);
  });
});
