import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { tf, tinyNet, toyImages } from './fixtures';
import { expectError, expectNoLeakedTensors, tmpDir } from './helpers';
import { saveNet } from '../src/transfer/io';
import { loadBackbone, fetchModel, mobilenetSplitter, ZOO } from '../src/backbone/zoo';
import { imageSource } from '../src/train/source';

/** Serve a folder on 127.0.0.1; `mutate` may rewrite a file's bytes per request path. */
async function serve(dir: string, mutate: (p: string, b: Buffer) => Buffer | null = (_p, b) => b) {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent((req.url ?? '/').split('?')[0]);
    hits.push(p);
    const f = path.join(dir, p);
    if (!f.startsWith(dir) || !fs.existsSync(f)) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    const body = mutate(p, fs.readFileSync(f));
    if (body === null) {
      res.statusCode = 500;
      res.end();
      return;
    }
    res.setHeader('content-length', body.length);
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, hits, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('backbone zoo: remote models (loopback server)', () => {
  let modelDir: string;
  const net = tinyNet(3, 5);

  before(async () => {
    modelDir = path.join(tmpDir(), 'served');
    await saveNet(net, modelDir);
  });

  it('downloads a tfjs layers model once, caches it with an integrity record, and loads it offline after', async () => {
    const cache = tmpDir();
    const srv = await serve(modelDir);
    const loaded = await loadBackbone(`${srv.url}/model.json`, { cacheDir: cache });
    assert.deepStrictEqual(srv.hits.sort(), ['/model.json', '/weights.bin']);
    await srv.close();
    const again = await loadBackbone(`${srv.url}/model.json`, { cacheDir: cache });
    const { xs } = imageSource(toyImages(4), net.preprocessing).batch([0, 1, 2, 3]);
    const want = (net.model.predict(xs) as tf.Tensor).arraySync();
    assert.deepStrictEqual((loaded.model.predict(xs) as tf.Tensor).arraySync(), want);
    assert.deepStrictEqual((again.model.predict(xs) as tf.Tensor).arraySync(), want);
    xs.dispose();
    const entry = fs.readdirSync(cache)[0];
    const integrity = JSON.parse(fs.readFileSync(path.join(cache, entry, 'integrity.json'), 'utf8'));
    assert.match(integrity.sha256['weights.bin'], /^[0-9a-f]{64}$/);
    // A corrupted cache is detected on the next load.
    fs.appendFileSync(path.join(cache, entry, 'weights.bin'), Buffer.from([1]));
    await expectError(() => loadBackbone(`${srv.url}/model.json`, { cacheDir: cache }), /cached copy .* is corrupt/, /delete/);
  });

  it('rejects truncated weights, a manifest pointing outside its folder, and a pinned checksum mismatch, leaving nothing behind', async () => {
    const cache = tmpDir();
    const trunc = await serve(modelDir, (p, b) => (p === '/weights.bin' ? b.subarray(0, b.length - 12) : b));
    await expectError(() => fetchModel(`${trunc.url}/model.json`, cache), /truncated or corrupt/);
    await trunc.close();
    const evil = await serve(modelDir, (p, b) => {
      if (p !== '/model.json') return b;
      const m = JSON.parse(b.toString());
      m.weightsManifest[0].paths = ['../../secret.bin'];
      return Buffer.from(JSON.stringify(m));
    });
    await expectError(() => fetchModel(`${evil.url}/model.json`, cache), /points outside the model folder/);
    await evil.close();
    const ok = await serve(modelDir);
    await expectError(() => fetchModel(`${ok.url}/model.json`, cache, { 'weights.bin': '0'.repeat(64) }), /SHA-256/, /expected 0000/);
    const down = await serve(modelDir, () => null);
    await expectError(() => fetchModel(`${down.url}/model.json`, cache), /HTTP 500/);
    await ok.close();
    await down.close();
    assert.deepStrictEqual(fs.readdirSync(cache), [], 'no partial downloads left in the cache');
  });

  it('loads a local model.json or saved folder, and names what is wrong with a bad path', async () => {
    const local = await loadBackbone(modelDir);
    assert.deepStrictEqual(local.groups, net.groups);
    await expectError(() => loadBackbone('/no/such/model'), /no backbone '\/no\/such\/model'/, /fashion-cnn/);
  });
});

describe('backbone zoo: entries', () => {
  it('knows the bundled backbones and ImageNet MobileNet with its cut layer and preprocessing', () => {
    assert.strictEqual(ZOO['fashion-cnn'].cutLayer, 'features');
    assert.strictEqual(ZOO['mobilenet-v1-0.25'].cutLayer, 'conv_pw_13_relu');
    assert.match(ZOO['mobilenet-v1-0.25'].url ?? '', /^https:\/\/storage\.googleapis\.com\/tfjs-models\/tfjs\/mobilenet_v1_0\.25_224\/model\.json$/);
    assert.deepStrictEqual(ZOO['mobilenet-v1-0.25'].preprocessing, { height: 224, width: 224, channels: 3, mean: 0.5, std: 0.5 });
  });

  it('splits a MobileNet-shaped model into stem, three block ranges and head', async () => {
    await expectNoLeakedTensors(() => {
      const input = tf.input({ shape: [32, 32, 3] });
      let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, name: 'conv1' }).apply(input) as tf.SymbolicTensor;
      x = tf.layers.activation({ activation: 'relu', name: 'conv1_relu' }).apply(x) as tf.SymbolicTensor;
      for (let b = 1; b <= 13; b++) {
        x = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', name: `conv_dw_${b}` }).apply(x) as tf.SymbolicTensor;
        x = tf.layers.conv2d({ filters: 4, kernelSize: 1, name: `conv_pw_${b}` }).apply(x) as tf.SymbolicTensor;
        x = tf.layers.activation({ activation: 'relu', name: `conv_pw_${b}_relu` }).apply(x) as tf.SymbolicTensor;
      }
      x = tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d_1' }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.dense({ units: 5, name: 'conv_preds' }).apply(x) as tf.SymbolicTensor;
      const model = tf.model({ inputs: input, outputs: x });
      const groups = mobilenetSplitter(model);
      assert.deepStrictEqual(
        groups.map((g) => [g.name, g.layers.length]),
        [
          ['stem', 2],
          ['blocks1-5', 15],
          ['blocks6-11', 18],
          ['blocks12-13', 6],
          ['head', 2],
        ],
      );
      assert.ok(groups[3].layers.includes('conv_pw_13_relu'));
      model.dispose();
    }, 'a MobileNet-shaped model');
  });
});
