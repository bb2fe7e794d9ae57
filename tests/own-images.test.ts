/**
 * The pieces of notebook 06 beyond the folder writer: classifying image files with a
 * (saved and reloaded) net, and loading a remote backbone with a plain fallback when it
 * cannot be downloaded (loopback servers and a closed port stand in for the internet).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { tf, tinyNet, toyImages } from './fixtures';
import { expectError, expectNoLeakedTensors, tmpDir } from './helpers';
import { encodePngSync } from '../src/data/png';
import { resizePixels } from '../src/data/resize';
import { imageSource } from '../src/train/source';
import { cut } from '../src/transfer/head';
import { saveNet, loadNet } from '../src/transfer/io';
import { predictImageFiles } from '../src/transfer/predict';
import { loadBackboneOrFallback } from '../src/backbone/fallback';
import { ModelDownloadError, fetchModel } from '../src/backbone/zoo';

describe('transfer: classifying image files', () => {
  const net = tinyNet(3, 2);
  const toy = toyImages(6, 3, 9);
  let dir: string;
  let files: string[];

  before(() => {
    dir = tmpDir('transfer-lab-predict-');
    files = [];
    for (let i = 0; i < toy.count; i++) {
      const px = toy.images.subarray(i * 144, (i + 1) * 144);
      const f = path.join(dir, `img${i}.png`);
      fs.writeFileSync(f, encodePngSync(px, 12, 12, 1));
      files.push(f);
    }
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gives the same probabilities as the net on the same pixels, top classes sorted, without leaks', async () => {
    const preds = await expectNoLeakedTensors(() => predictImageFiles(net, files, { topK: 2, batchSize: 4 }), 'predictImageFiles');
    const { xs, ys } = imageSource(toy, net.preprocessing).batch([0, 1, 2, 3, 4, 5]);
    const want = (net.model.predict(xs) as tf.Tensor).arraySync() as number[][];
    tf.dispose([xs, ys]);
    preds.forEach((p, i) => {
      assert.strictEqual(p.file, files[i]);
      assert.strictEqual(p.top.length, 2);
      const best = want[i].indexOf(Math.max(...want[i]));
      assert.strictEqual(p.label, best);
      assert.strictEqual(p.className, `c${best}`);
      assert.ok(Math.abs(p.probability - want[i][best]) < 1e-6);
      assert.ok(p.top[0].probability >= p.top[1].probability);
      assert.deepStrictEqual({ label: p.label, className: p.className, probability: p.probability }, p.top[0]);
    });
  });

  it('resizes and converts files of other sizes and channels, and works on a net saved and loaded back', async () => {
    const rgb = path.join(dir, 'big-rgb.png');
    const gray = toy.images.subarray(0, 144);
    const big = resizePixels(gray, 12, 12, 1, 30, 20);
    const px = new Uint8Array(30 * 20 * 3).map((_, i) => big[Math.floor(i / 3)]);
    fs.writeFileSync(rgb, encodePngSync(px, 30, 20, 3));
    const saved = path.join(dir, 'saved-net');
    await saveNet(net, saved);
    const reloaded = await loadNet(saved);
    const [a] = await predictImageFiles(reloaded, rgb);
    const [b] = await predictImageFiles(net, rgb);
    assert.strictEqual(a.top.length, 3);
    assert.deepStrictEqual(
      a.top.map((t) => t.label),
      b.top.map((t) => t.label),
    );
    assert.ok(Math.abs(a.probability - b.probability) < 1e-6);
    reloaded.model.dispose();
  });

  it('names the file that is missing or not an image, and refuses a net without a classifier', async () => {
    const missing = path.join(dir, 'nope.png');
    await expectError(() => predictImageFiles(net, missing), /nope\.png does not exist/);
    const junk = path.join(dir, 'junk.png');
    fs.writeFileSync(junk, 'not a png');
    await expectNoLeakedTensors(
      () => expectError(() => predictImageFiles(net, [files[0], junk]), /junk\.png cannot be read as an image/, /Fix:/),
      'a failed prediction',
    );
    await expectError(() => predictImageFiles(cut(net, 'features'), files[0]), /not a classifier/, /withHead/);
    await expectError(() => predictImageFiles(net, files[0], { topK: 0 }), /topK 0/);
    assert.deepStrictEqual(await predictImageFiles(net, []), []);
  });
});

describe('backbone: load a remote backbone, or fall back plainly when it cannot be downloaded', function () {
  this.timeout(60000);
  const served = tinyNet(3, 4);
  let modelDir: string;

  before(async () => {
    modelDir = path.join(tmpDir('transfer-lab-fallback-'), 'model');
    await saveNet(served, modelDir);
  });

  /** A loopback server: 'serve' answers files from modelDir, 'hang' never answers, '404' always 404s. */
  async function server(mode: 'serve' | 'hang' | '404') {
    const server = http.createServer((req, res) => {
      if (mode === 'hang') return; // keep the connection open, say nothing
      const f = path.join(modelDir, (req.url ?? '/').split('?')[0]);
      if (mode === '404' || !fs.existsSync(f)) {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.end(fs.readFileSync(f));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/model.json`;
    return {
      url,
      close: () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    };
  }

  it('no connection: falls back to the bundled backbone and says so plainly, with the URL and the reason', async () => {
    const srv = await server('serve');
    await srv.close(); // nothing listens on that port any more
    const choice = await loadBackboneOrFallback(srv.url, { cacheDir: tmpDir() });
    assert.strictEqual(choice.fellBack, true);
    assert.strictEqual(choice.name, 'fashion-cnn');
    assert.strictEqual(choice.requested, srv.url);
    assert.strictEqual(choice.cutLayer, 'features');
    assert.match(choice.reason ?? '', /fetch failed: .*ECONNREFUSED/);
    assert.strictEqual(
      choice.message,
      `offline: could not download ${srv.url} from ${srv.url} (${choice.reason}); using the bundled fashion-cnn backbone instead`,
    );
    assert.deepStrictEqual(choice.net.model.inputs[0].shape, [null, 28, 28, 1]);
    choice.net.model.dispose();
  });

  it('a server that does not answer: gives up after timeoutMs and falls back', async () => {
    const srv = await server('hang');
    const t0 = Date.now();
    const choice = await loadBackboneOrFallback(srv.url, { cacheDir: tmpDir(), timeoutMs: 300 });
    await srv.close();
    assert.ok(Date.now() - t0 < 10000, `took ${Date.now() - t0} ms`);
    assert.strictEqual(choice.fellBack, true);
    assert.match(choice.reason ?? '', /timeout|abort/i);
    choice.net.model.dispose();
  });

  it('an HTTP error falls back too, without claiming to be offline', async () => {
    const srv = await server('404');
    const choice = await loadBackboneOrFallback(srv.url, { cacheDir: tmpDir() });
    await srv.close();
    assert.strictEqual(choice.fellBack, true);
    assert.strictEqual(choice.reason, 'HTTP 404');
    assert.match(choice.message, /^could not download .* \(HTTP 404\); using the bundled fashion-cnn backbone instead$/);
    choice.net.model.dispose();
  });

  it('when the download works, loads the requested backbone (and the error class carries the reason)', async () => {
    const srv = await server('serve');
    const cache = tmpDir();
    const choice = await loadBackboneOrFallback(srv.url, { cacheDir: cache });
    assert.strictEqual(choice.fellBack, false);
    assert.strictEqual(choice.name, srv.url);
    assert.strictEqual(choice.reason, null);
    assert.deepStrictEqual(choice.net.model.inputs[0].shape, [null, 12, 12, 1]);
    choice.net.model.dispose();
    await srv.close();
    const err = await expectError(() => fetchModel(srv.url.replace('/model.json', '/other.json'), cache), /cannot download/);
    assert.ok(err instanceof ModelDownloadError);
    assert.strictEqual(err.url, srv.url.replace('/model.json', '/other.json'));
  });

  it('does not hide other problems: a corrupt cached copy, an unknown name and a bad fallback are errors', async () => {
    const srv = await server('serve');
    const cache = tmpDir();
    await fetchModel(srv.url, cache);
    await srv.close();
    const entry = fs.readdirSync(cache)[0];
    fs.appendFileSync(path.join(cache, entry, 'weights.bin'), Buffer.from([1]));
    await expectError(() => loadBackboneOrFallback(srv.url, { cacheDir: cache }), /cached copy .* is corrupt/);
    await expectError(() => loadBackboneOrFallback('no-such-backbone'), /no backbone 'no-such-backbone'/);
    await expectError(() => loadBackboneOrFallback(srv.url, { fallback: 'mobilenet-v1-0.25' }), /not a bundled backbone/, /fashion-cnn/);
    await expectError(() => loadBackboneOrFallback(srv.url, { timeoutMs: 0 }), /timeoutMs 0/);
  });
});
