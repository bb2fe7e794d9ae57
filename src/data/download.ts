/**
 * The Fashion-MNIST download for online users: each file is streamed to a temporary
 * name, checked (SHA-256 of the decompressed bytes, as in FASHION_FILES, and the byte
 * count), retried a couple of times, and only then renamed into place. A truncated or
 * wrong file is reported by name and never left behind.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';
import * as zlib from 'zlib';
import { pipeline } from 'stream/promises';
import { FASHION_FILES, cacheDir } from './fashion';
import { tempNameFor } from '../util/atomic';

/** The official Fashion-MNIST location (Zalando Research's S3 website). */
export const FASHION_BASE_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/** The environment variable that overrides {@link FASHION_BASE_URL} (mirrors, tests). */
export const FASHION_URL_ENV = 'TRANSFER_LAB_FASHION_MNIST_URL';

/** Options for {@link downloadFashionMnist} and {@link downloadVerified}. */
export interface DownloadOptions {
  /** Destination folder. Default `~/.cache/transfer-lab/fashion-mnist`. */
  dir?: string;
  /** Base URL the file names are appended to. Default: `$TRANSFER_LAB_FASHION_MNIST_URL`, else {@link FASHION_BASE_URL}. */
  baseUrl?: string;
  /** Extra attempts after a failed one. Default 2. */
  retries?: number;
  /** Wait between attempts, in ms. Default 1000. */
  retryDelayMs?: number;
  /** Give up on a connection silent for this long, in ms. Default 60000. */
  timeoutMs?: number;
  /** Progress messages (one line each). Default: none. */
  log?: (message: string) => void;
}

/** What a file must decompress to. */
export interface Expected {
  /** SHA-256 (hex) of the decompressed bytes. */
  sha256: string;
  /** Decompressed size in bytes. */
  bytes: number;
}

/**
 * Download the four Fashion-MNIST files into the cache (files already there and valid
 * are kept) and return the folder.
 *
 * @throws Error naming the file that could not be fetched or failed its checksum, and the fix
 * @example
 * const dir = await downloadFashionMnist({ log: console.log });
 * loadFashionMnist('train', { dir });
 */
export async function downloadFashionMnist(opts: DownloadOptions = {}): Promise<string> {
  const dir = opts.dir ?? path.join(cacheDir(), 'fashion-mnist');
  const base = opts.baseUrl ?? process.env[FASHION_URL_ENV] ?? FASHION_BASE_URL;
  fs.mkdirSync(dir, { recursive: true });
  for (const f of Object.values(FASHION_FILES)) {
    const dest = path.join(dir, f.file);
    if (fs.existsSync(dest)) {
      try {
        await verifyFile(dest, f);
        opts.log?.(`${f.file}: already present and verified`);
        continue;
      } catch (err) {
        opts.log?.(`${(err as Error).message.split('. Fix:')[0]}; downloading it again`);
      }
    }
    await downloadVerified(joinUrl(base, f.file), dest, f, opts);
  }
  return dir;
}

/**
 * Download one file to `dest` atomically: stream to a temporary file, verify it, rename.
 * Retries on any failure; on the last failure the temporary file is removed and the
 * error names the file, the URL and what was wrong.
 *
 * @example
 * await downloadVerified(url, '~/.cache/transfer-lab/x.gz', { sha256: '...', bytes: 10008 });
 */
export async function downloadVerified(url: string, dest: string, expected: Expected, opts: DownloadOptions = {}): Promise<void> {
  const retries = opts.retries ?? 2;
  const delay = opts.retryDelayMs ?? 1000;
  let last: Error | null = null;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, delay));
    const tmp = tempNameFor(dest);
    try {
      opts.log?.(`${path.basename(dest)}: downloading ${url}${attempt ? ` (attempt ${attempt + 1} of ${retries + 1})` : ''}`);
      await fetchToFile(url, tmp, opts.timeoutMs ?? 60000);
      await verifyFile(tmp, expected, path.basename(dest));
      fs.renameSync(tmp, dest);
      return;
    } catch (err) {
      last = err as Error;
      opts.log?.(`${path.basename(dest)}: ${last.message}`);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  throw new Error(
    `${dest}: download from ${url} failed after ${retries + 1} attempt(s): ${last?.message}. ` +
      `Fix: check the network (or ${FASHION_URL_ENV}), then run 'npx transfer-lab datasets --fetch fashion-mnist' again; ` +
      `or copy the four *-ubyte.gz files into ${path.dirname(dest)}.`,
  );
}

/**
 * Check a (gzip or plain) file against its expected decompressed size and SHA-256,
 * streaming (the file is never held in memory).
 *
 * @param name the name used in error messages; default the path
 * @throws Error naming the file: truncated/corrupt gzip, wrong size, or wrong checksum
 * @example
 * await verifyFile('~/.cache/transfer-lab/fashion-mnist/t10k-labels-idx1-ubyte.gz', FASHION_FILES.testLabels);
 */
export async function verifyFile(file: string, expected: Expected, name = file): Promise<void> {
  const head = Buffer.alloc(2);
  let got: number;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      got = fs.readSync(fd, head, 0, 2, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      `${name}: ${code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? (err as Error).message})`}. Fix: check the path; download the file again with 'npx transfer-lab datasets --fetch fashion-mnist'`,
    );
  }
  const gz = got === 2 && head[0] === 0x1f && head[1] === 0x8b;
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  try {
    const consume = async (source: AsyncIterable<Buffer>): Promise<void> => {
      for await (const chunk of source) {
        hash.update(chunk);
        bytes += chunk.length;
      }
    };
    if (gz) await pipeline(fs.createReadStream(file), zlib.createGunzip(), consume);
    else await pipeline(fs.createReadStream(file), consume);
  } catch (err) {
    throw new Error(`${name}: corrupt or truncated gzip data (${(err as Error).message})`);
  }
  if (bytes !== expected.bytes)
    throw new Error(`${name}: wrong size, ${bytes} bytes decompressed, expected ${expected.bytes} (truncated or not the right file)`);
  const sha = hash.digest('hex');
  if (sha !== expected.sha256) throw new Error(`${name}: SHA-256 mismatch, got ${sha}, expected ${expected.sha256} (not the right file)`);
}

function joinUrl(base: string, file: string): string {
  return base.endsWith('/') ? base + file : `${base}/${file}`;
}

function fetchToFile(url: string, dest: string, timeoutMs: number, redirects = 5): Promise<void> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    // Once the body is being written, only the pipeline settles the promise: it waits for
    // the file stream to close, so the caller's clean-up never races a late write.
    let piping = false;
    const req = get(url, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location && redirects > 0) {
        res.resume();
        fetchToFile(new URL(res.headers.location, url).toString(), dest, timeoutMs, redirects - 1).then(resolve, reject);
        return;
      }
      if (status !== 200) {
        res.resume();
        reject(new Error(`HTTP ${status} from ${url}`));
        return;
      }
      const declared = Number(res.headers['content-length'] ?? NaN);
      let received = 0;
      res.on('data', (c: Buffer) => {
        received += c.length;
      });
      piping = true;
      // Open synchronously: a stream that opens its file later could re-create it after a
      // failed transfer's clean-up removed it.
      pipeline(res, fs.createWriteStream(dest, { fd: fs.openSync(dest, 'w') })).then(
        () => {
          if (Number.isFinite(declared) && received !== declared) reject(new Error(`connection closed after ${received} of ${declared} bytes`));
          else resolve();
        },
        (err: Error) => reject(new Error(`transfer interrupted (${err.message})`)),
      );
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no data for ${timeoutMs} ms`)));
    req.on('error', (err) => {
      if (!piping) reject(new Error(`cannot fetch ${url} (${err.message})`));
    });
  });
}
