/**
 * A small reader for (gzipped) tar archives: v7, ustar and GNU headers, regular files only,
 * read whole into memory. Enough for the data archives shipped in packages (e.g. the
 * sentiment ground truth inside vaderSentiment's source distribution); not a general
 * archiver (no links, no sparse files, no writing).
 */
import * as fs from 'fs';
import * as zlib from 'zlib';

function field(h: Buffer, start: number, len: number): string {
  const b = h.subarray(start, start + len);
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? len : end).toString('utf8');
}

function octal(h: Buffer, start: number, len: number, what: string): number {
  const s = field(h, start, len).trim();
  if (!/^[0-7]*$/.test(s)) throw new Error(`${what}: bad octal number '${s}' in a tar header`);
  return s ? parseInt(s, 8) : 0;
}

/**
 * The regular files of a tar archive (gzipped or not), by path inside the archive.
 *
 * @param file the archive (`.tar` or `.tar.gz`)
 * @param want only keep these paths (all files when omitted)
 * @throws Error naming the archive when it is missing, truncated or not a tar archive
 * @example
 * const files = readTar('hutto_ICWSM_2014.tar.gz');
 * files.get('hutto_ICWSM_2014/tweets_GroundTruth.txt')?.toString('utf8');
 */
export function readTar(file: string, want?: (path: string) => boolean): Map<string, Buffer> {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let data = raw;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      data = zlib.gunzipSync(raw);
    } catch (err) {
      throw new Error(`${file}: corrupt or truncated gzip data (${(err as Error).message})`);
    }
  }
  const out = new Map<string, Buffer>();
  let off = 0;
  let longName: string | null = null;
  while (off + 512 <= data.length) {
    const h = data.subarray(off, off + 512);
    if (h.every((b) => b === 0)) return out;
    // Old (v7) archives have no 'ustar' magic: the header checksum is what identifies a header.
    const ustar = field(h, 257, 6).startsWith('ustar');
    let sum: number;
    try {
      sum = octal(h, 148, 8, file);
    } catch {
      throw new Error(`${file}: not a tar archive (no valid header at byte ${off})`);
    }
    let check = 0;
    for (let i = 0; i < 512; i++) check += i >= 148 && i < 156 ? 32 : h[i];
    if (check !== sum) throw new Error(`${file}: tar header checksum mismatch at byte ${off} (corrupt archive)`);
    const size = octal(h, 124, 12, file);
    const type = String.fromCharCode(h[156] || 48);
    const prefix = ustar ? field(h, 345, 155) : '';
    let name = longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    longName = null;
    const body = off + 512;
    if (body + size > data.length) throw new Error(`${file}: truncated tar archive ('${name}' needs ${size} bytes, ${data.length - body} left)`);
    const content = data.subarray(body, body + size);
    if (type === 'L') longName = field(content, 0, size);
    else if (type === '0' || type === '7') {
      name = name.replace(/^\.\//, '');
      if (!want || want(name)) out.set(name, Buffer.from(content));
    }
    off = body + Math.ceil(size / 512) * 512;
  }
  if (out.size === 0 && off === 0) throw new Error(`${file}: empty or not a tar archive`);
  return out;
}
