/**
 * `transfer-lab export <net-dir> --web <dir>`: the exported page, served over a loopback
 * http server with every other origin blocked, loads the model with its local tf.min.js
 * and classifies (1) a Fashion-MNIST test image at the net's input size, (2) a larger RGB
 * image it must resize, and (3) a drawing made with the mouse: each time the class shown
 * equals the library's prediction for the same image file (predictImageFiles), and the
 * probabilities agree. A second export whose class names hold markup shows them as text.
 * Screenshot: out/screenshots/export-web.png.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import type { AddressInfo } from 'net';
import type { Browser } from 'playwright-core';
import { ROOT, browserTestsEnabled, launchBrowser, openPage, screenshot, WatchedPage } from './page-check';

/** A static file server on 127.0.0.1 (a random free port) for one folder. */
function serve(dir: string): Promise<{ origin: string; close: () => Promise<void> }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.bin': 'application/octet-stream' };
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.resolve(dir, rel);
    if (!file.startsWith(path.resolve(dir) + path.sep) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ origin: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) });
    }),
  );
}

describe('transfer-lab export --web: the page in Chromium classifies like the library', function () {
  this.timeout(600_000);
  let browser: Browser | undefined;
  let dir: string;
  // The library, loaded only when the tests run (TensorFlow starts with it).
  let tl: typeof import('../../src/index');

  before(async function () {
    if (!browserTestsEnabled()) {
      console.log('    (TRANSFER_LAB_BROWSER_TESTS=0: browser tests skipped)');
      this.skip();
    }
    assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'cli.js')), "dist/ is not built: run 'npm run build'");

    tl = require('../../src/index') as typeof import('../../src/index');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'transfer-lab-export-'));
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Pick a file in the page, wait for its prediction. */
  async function classifyFile(w: WatchedPage, file: string): Promise<{ shown: string; probs: number[] }> {
    await w.page.evaluate(() => {
      document.getElementById('predicted-class')!.dataset.ready = 'false';
    });
    await w.page.setInputFiles('#file', file);
    return readPrediction(w);
  }

  async function readPrediction(w: WatchedPage): Promise<{ shown: string; probs: number[] }> {
    await w.page.waitForSelector('#predicted-class[data-ready="true"]', { timeout: 60_000 });
    return w.page.evaluate(() => {
      const el = document.getElementById('predicted-class')!;
      return { shown: el.textContent ?? '', probs: JSON.parse(el.dataset.probs ?? '[]') as number[] };
    });
  }

  function assertSame(page: { shown: string; probs: number[] }, lib: { className: string; label: number }, libProbs: number[], what: string): void {
    assert.strictEqual(page.shown, lib.className, `${what}: the page shows '${page.shown}', the library predicts '${lib.className}'`);
    const diff = Math.max(...libProbs.map((p, i) => Math.abs(p - page.probs[i])));
    assert.ok(diff < 2e-3, `${what}: probabilities differ by up to ${diff}`);
  }

  it("exports with the CLI, serves over 127.0.0.1, and the picked and drawn images get the library's class", async () => {
    const out = path.join(dir, 'web');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'export', path.join(ROOT, 'models', 'fashion-cnn'), '--web', out, '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.strictEqual(r.status, 0, `export failed: ${r.stderr}`);
    const report = JSON.parse(r.stdout) as { files: string[]; replaced: string[]; maxAbsDiff: number };
    assert.ok(report.maxAbsDiff < 1e-4, `plain tfjs vs library: ${report.maxAbsDiff}`);
    for (const f of report.files) assert.ok(fs.existsSync(path.join(out, f)), `${f} written`);
    assert.ok(!fs.readFileSync(path.join(out, 'model', 'model.json'), 'utf8').includes('SeededDropout'), 'no custom layer class left');

    const net = await tl.loadNet(path.join(ROOT, 'models', 'fashion-cnn'));
    const test = tl.loadFashionMnist('test');
    // (1) a test image at the input size, (2) the same kind of image larger and in colour (the page resizes it)
    const i = 17;
    const px = test.images.subarray(i * 784, (i + 1) * 784);
    const small = path.join(dir, 'test-17.png');
    fs.writeFileSync(small, tl.encodePngSync(px, 28, 28, 1));
    const big = path.join(dir, 'test-17-big.png');
    const rgb = tl.resizePixels(new Uint8Array(Array.from(px).flatMap((v) => [v, Math.round(v * 0.8), 255 - Math.round(v * 0.5)])), 28, 28, 3, 61, 47);
    fs.writeFileSync(big, tl.encodePngSync(rgb, 61, 47, 3));

    const server = await serve(out);
    const w = await openPage(browser!, `${server.origin}/index.html`, { allowOrigins: [server.origin] });
    try {
      await w.page.waitForSelector('body[data-model-ready="true"]', { timeout: 60_000 });
      for (const [file, what] of [
        [small, 'a 28x28 test image'],
        [big, 'a 61x47 RGB image (resized in the page)'],
      ] as const) {
        const [lib] = await tl.predictImageFiles(net, file, { topK: 10 });
        const libProbs = Array.from({ length: 10 }, (_, c) => lib.top.find((t) => t.label === c)!.probability);
        assertSame(await classifyFile(w, file), lib, libProbs, what);
      }
      // (3) draw a stroke with the mouse; the library classifies the canvas's own pixels
      const box = (await w.page.locator('#draw').boundingBox())!;
      await w.page.evaluate(() => {
        document.getElementById('predicted-class')!.dataset.ready = 'false';
      });
      await w.page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2);
      await w.page.mouse.down();
      for (const [fx, fy] of [
        [0.7, 0.2],
        [0.7, 0.8],
        [0.3, 0.8],
        [0.3, 0.2],
      ])
        await w.page.mouse.move(box.x + box.width * fx, box.y + box.height * fy, { steps: 8 });
      await w.page.mouse.up();
      const drawn = await readPrediction(w);
      const dataUrl = await w.page.evaluate(() => (document.getElementById('draw') as HTMLCanvasElement).toDataURL('image/png'));
      const drawing = path.join(dir, 'drawing.png');
      fs.writeFileSync(drawing, Buffer.from(dataUrl.split(',')[1], 'base64'));
      const [lib] = await tl.predictImageFiles(net, drawing, { topK: 10 });
      assertSame(
        drawn,
        lib,
        Array.from({ length: 10 }, (_, c) => lib.top.find((t) => t.label === c)!.probability),
        'a mouse drawing',
      );
      await screenshot(w.page, 'export-web');
      assert.deepStrictEqual(w.blocked, [], 'no request left 127.0.0.1');
      assert.deepStrictEqual([...w.consoleErrors, ...w.pageErrors], [], 'no errors in the page');
    } finally {
      await w.close();
      await server.close();
      tl.disposeModels(net.model);
    }
  });

  it('shows class names with markup characters as text (API export)', async () => {
    const net = await tl.loadNet(path.join(ROOT, 'models', 'fashion-cnn'));
    const names = net.classNames.map((c, i) => (i === 0 ? `<b>bold</b> & "q" 'a'` : i === 1 ? 'Größe ä' : c));
    const out = path.join(dir, 'web-markup');
    try {
      await tl.exportWeb({ ...net, classNames: names }, out, { verify: false });
    } finally {
      tl.disposeModels(net.model);
    }
    const server = await serve(out);
    const w = await openPage(browser!, `${server.origin}/index.html`, { allowOrigins: [server.origin] });
    try {
      await w.page.waitForSelector('body[data-model-ready="true"]', { timeout: 60_000 });
      const first = path.join(dir, 'test-17.png');
      await classifyFile(w, first);
      const texts = await w.page.locator('#scores li').allTextContents();
      assert.ok(
        texts.some((t) => t.startsWith(`<b>bold</b> & "q" 'a': `)),
        `markup shown as text: ${texts.join(' | ')}`,
      );
      assert.strictEqual(await w.page.locator('#scores b').count(), 0, 'no <b> element was made');
      assert.ok((await w.page.locator('#title').textContent())!.includes('<b>bold</b>'));
    } finally {
      await w.close();
      await server.close();
    }
  });
});
