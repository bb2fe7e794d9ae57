import * as assert from 'assert';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import * as zlib from 'zlib';
import { FASHION_FILES, FASHION_URL_ENV, downloadFashionMnist, downloadVerified, loadFashionMnist } from '../src/data';
import { expectError, tmpDir } from './helpers';

const DEBIAN = '/usr/share/datasets/fashion-mnist';
const LABELS = FASHION_FILES.testLabels;

/**
 * A loopback server (127.0.0.1 only) serving the real Debian files under /good/, and
 * broken variants: /trunc/ (first half), /wrong/ (another file), /altered/ (same size,
 * one byte changed), /cut/ (connection dropped mid-body), /flaky/ (HTTP 500 once, then good).
 */
function startServer(): Promise<{ url: string; hits: Map<string, number>; close: () => Promise<void> }> {
  const hits = new Map<string, number>();
  const altered = (() => {
    const raw = Buffer.from(zlib.gunzipSync(fs.readFileSync(path.join(DEBIAN, LABELS.file))));
    raw[100] ^= 1;
    return zlib.gzipSync(raw);
  })();
  const server = http.createServer((req, res) => {
    const [, mode, file] = (req.url ?? '').split('/');
    hits.set(mode, (hits.get(mode) ?? 0) + 1);
    const real = path.join(DEBIAN, file);
    if (!fs.existsSync(real)) {
      res.writeHead(404).end();
      return;
    }
    const body = fs.readFileSync(real);
    const send = (b: Buffer): void => {
      res.writeHead(200, { 'content-length': b.length }).end(b);
    };
    if (mode === 'good') send(body);
    else if (mode === 'trunc') send(body.subarray(0, body.length >> 1));
    else if (mode === 'wrong') send(fs.readFileSync(path.join(DEBIAN, FASHION_FILES.trainLabels.file)));
    else if (mode === 'altered') send(altered);
    else if (mode === 'cut') {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 1000), () => res.destroy());
    } else if (mode === 'flaky') {
      if (hits.get(mode) === 1) res.writeHead(500).end();
      else send(body);
    } else res.writeHead(404).end();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, hits, close: () => new Promise((r) => server.close(() => r())) });
    }),
  );
}

describe('data: Fashion-MNIST download (loopback server)', () => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  let dir: string;
  const fast = { retries: 2, retryDelayMs: 10, timeoutMs: 5000 };
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.close();
  });
  beforeEach(() => {
    dir = tmpDir('transfer-lab-dl-');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const leftovers = (): string[] => fs.readdirSync(dir);

  it('downloads, verifies and installs all four files from the URL in the environment variable', async () => {
    const saved = process.env[FASHION_URL_ENV];
    process.env[FASHION_URL_ENV] = `${srv.url}/good/`;
    try {
      const out = await downloadFashionMnist({ dir, ...fast });
      assert.strictEqual(out, dir);
    } finally {
      if (saved === undefined) delete process.env[FASHION_URL_ENV];
      else process.env[FASHION_URL_ENV] = saved;
    }
    assert.deepStrictEqual(
      leftovers().sort(),
      Object.values(FASHION_FILES)
        .map((f) => f.file)
        .sort(),
    );
    assert.strictEqual(loadFashionMnist('test', { dir, onlyDir: true }).count, 10000);
    // A second run keeps the verified files and fetches nothing.
    const before = srv.hits.get('good');
    const log: string[] = [];
    await downloadFashionMnist({ dir, baseUrl: `${srv.url}/good`, log: (m) => log.push(m), ...fast });
    assert.strictEqual(srv.hits.get('good'), before);
    assert.strictEqual(log.filter((m) => /already present and verified/.test(m)).length, 4);
  });

  it('a truncated file is retried, reported by name, and never left in place', async () => {
    const dest = path.join(dir, LABELS.file);
    await expectError(
      () => downloadVerified(`${srv.url}/trunc/${LABELS.file}`, dest, LABELS, fast),
      new RegExp(dest),
      /after 3 attempt/,
      /corrupt or truncated gzip/,
      /Fix:/,
    );
    assert.strictEqual(srv.hits.get('trunc'), 3);
    assert.deepStrictEqual(leftovers(), []);
  });

  it('a wrong file (other size, or same size but other bytes) fails its check and is removed', async () => {
    const dest = path.join(dir, LABELS.file);
    await expectError(() => downloadVerified(`${srv.url}/wrong/${LABELS.file}`, dest, LABELS, fast), new RegExp(dest), /wrong size, 60008 bytes/);
    await expectError(() => downloadVerified(`${srv.url}/altered/${LABELS.file}`, dest, LABELS, fast), /SHA-256 mismatch/, /not the right file/);
    assert.deepStrictEqual(leftovers(), []);
  });

  it('a dropped connection and a 404 are errors; a server error once is retried', async () => {
    const dest = path.join(dir, LABELS.file);
    await expectError(
      () => downloadVerified(`${srv.url}/cut/${LABELS.file}`, dest, LABELS, { ...fast, retries: 0 }),
      new RegExp(dest),
      /(interrupted|closed|aborted|corrupt)/,
    );
    await expectError(() => downloadVerified(`${srv.url}/good/nope.gz`, dest, LABELS, { ...fast, retries: 0 }), /HTTP 404/);
    assert.deepStrictEqual(leftovers(), []);
    await downloadVerified(`${srv.url}/flaky/${LABELS.file}`, dest, LABELS, fast);
    assert.deepStrictEqual(leftovers(), [LABELS.file]);
  });

  it('replaces a corrupt file already in the cache', async () => {
    for (const f of Object.values(FASHION_FILES)) fs.copyFileSync(path.join(DEBIAN, f.file), path.join(dir, f.file));
    fs.writeFileSync(path.join(dir, LABELS.file), 'garbage');
    await downloadFashionMnist({ dir, baseUrl: `${srv.url}/good/`, ...fast });
    assert.strictEqual(loadFashionMnist('test', { dir, onlyDir: true }).count, 10000);
  });

  it('transfer-lab datasets --fetch fashion-mnist downloads into the cache', async () => {
    const cache = tmpDir('transfer-lab-cache-');
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        path.resolve('node_modules/.bin/tsx'),
        ['src/cli.ts', 'datasets', '--fetch', 'fashion-mnist'],
        { env: { ...process.env, TRANSFER_LAB_CACHE: cache, [FASHION_URL_ENV]: `${srv.url}/good/` } },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      ),
    );
    assert.match(out, new RegExp(`fashion-mnist: ${path.join(cache, 'fashion-mnist')}`));
    assert.strictEqual(fs.readdirSync(path.join(cache, 'fashion-mnist')).length, 4);
    fs.rmSync(cache, { recursive: true, force: true });
  });
});
