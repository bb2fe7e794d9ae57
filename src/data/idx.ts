/**
 * The IDX file format (MNIST, Fashion-MNIST): a 4-byte magic number (two zero bytes,
 * a dtype code, the number of dimensions), the dimensions as big-endian uint32, then
 * the values. Files may be gzip-compressed (`.gz`).
 */
import * as fs from 'fs';
import * as zlib from 'zlib';

/** A decoded IDX file: its shape and its values (uint8 for the image/label files). */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/** What the caller expects of a file; a mismatch is an error naming the file. */
export interface IdxExpect {
  /** Number of dimensions (3 for images, 1 for labels). */
  rank?: number;
  /** Required sizes per dimension; `null` leaves a dimension free. */
  shape?: (number | null)[];
}

/** An IDX file that is missing, truncated or not what it claims to be. */
export class IdxError extends Error {
  constructor(
    readonly file: string,
    problem: string,
    fix: string,
  ) {
    super(`${file}: ${problem}. Fix: ${fix}`);
    this.name = 'IdxError';
  }
}

const FIX_CORRUPT = 'delete the file and fetch it again (npx transfer-lab datasets --fetch <name>), or reinstall its package';

/**
 * Decode an IDX buffer (already decompressed). Only unsigned-byte data (dtype 0x08),
 * the type every MNIST-family file uses, is accepted.
 *
 * @param buf the raw bytes
 * @param file a name for error messages
 * @param expect optional rank/shape the caller requires
 * @example
 * const { shape, data } = decodeIdx(fs.readFileSync('t10k-labels-idx1-ubyte'), 'labels');
 */
export function decodeIdx(buf: Uint8Array, file: string, expect: IdxExpect = {}): IdxArray {
  if (buf.length < 4) throw new IdxError(file, `only ${buf.length} bytes, too short for an IDX header`, FIX_CORRUPT);
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new IdxError(file, `bad magic number 0x${hex(buf, 0, 4)} (an IDX file starts with two zero bytes)`, FIX_CORRUPT);
  }
  const dtype = buf[2];
  const rank = buf[3];
  if (dtype !== 0x08) {
    throw new IdxError(file, `unsupported IDX data type 0x${dtype.toString(16).padStart(2, '0')} (only unsigned bytes, 0x08, are read)`, FIX_CORRUPT);
  }
  if (rank < 1 || rank > 4) throw new IdxError(file, `implausible number of dimensions ${rank} in the magic number`, FIX_CORRUPT);
  const headerBytes = 4 + 4 * rank;
  if (buf.length < headerBytes) throw new IdxError(file, `truncated header: ${buf.length} bytes, need ${headerBytes}`, FIX_CORRUPT);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    count *= d;
  }
  if (expect.rank !== undefined && rank !== expect.rank) {
    throw new IdxError(
      file,
      `has ${rank} dimensions [${shape.join(', ')}], expected ${expect.rank}`,
      `check that this is the right file (images are rank 3, labels rank 1)`,
    );
  }
  if (expect.shape) {
    expect.shape.forEach((want, i) => {
      if (want !== null && shape[i] !== want) {
        throw new IdxError(file, `dimension ${i} is ${shape[i]}, expected ${want} (shape [${shape.join(', ')}])`, FIX_CORRUPT);
      }
    });
  }
  const have = buf.length - headerBytes;
  if (have < count) {
    throw new IdxError(file, `truncated: the header promises ${count} values [${shape.join(', ')}] but only ${have} bytes follow`, FIX_CORRUPT);
  }
  if (have > count) {
    throw new IdxError(file, `${have - count} unexpected bytes after the ${count} values the header declares`, FIX_CORRUPT);
  }
  return { shape, data: buf.subarray(headerBytes, headerBytes + count) };
}

/**
 * Read an IDX file from disk, gunzipping it when it is gzip-compressed (by content,
 * not by name).
 *
 * @example
 * const labels = readIdx('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz', { rank: 1 });
 * labels.shape; // [10000]
 */
export function readIdx(file: string, expect: IdxExpect = {}): IdxArray {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new IdxError(file, 'is a folder, not an IDX file', 'pass the path of the *-ubyte or *-ubyte.gz file inside it');
    throw new IdxError(
      file,
      code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? String(err)})`,
      code === 'ENOENT' ? 'check the path, or run npx transfer-lab datasets to see where data sets are looked for' : 'check the file permissions',
    );
  }
  return decodeIdx(gunzipIfNeeded(raw, file), file, expect);
}

/** Gunzip a buffer if it starts with the gzip magic bytes; a broken gzip stream is an IdxError. */
export function gunzipIfNeeded(raw: Buffer, file: string): Buffer {
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return zlib.gunzipSync(raw);
    } catch (err) {
      throw new IdxError(file, `corrupt or truncated gzip data (${(err as Error).message})`, FIX_CORRUPT);
    }
  }
  return raw;
}

function hex(buf: Uint8Array, start: number, end: number): string {
  return Array.from(buf.subarray(start, end), (b) => b.toString(16).padStart(2, '0')).join('');
}
