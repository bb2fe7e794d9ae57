/**
 * A reader for the safetensors format (Hugging Face): 8 bytes little-endian header length
 * n, n bytes of JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?}`,
 * then the raw little-endian tensor bytes; offsets are relative to the end of the header.
 * Simple enough to read directly, so TypeScript needs no conversion step and no Python.
 */
import * as fs from 'fs';

/** One tensor of a safetensors file, as plain numbers on the JavaScript side. */
export interface SafeTensor {
  dtype: string;
  shape: number[];
  /** Values in row-major order (float32 for F32/F16/F64, int32 for I32, float64 for I64 as numbers). */
  data: Float32Array | Int32Array | Float64Array;
}

/** The contents of a safetensors file. */
export interface SafeTensors {
  /** Tensors by name, in file order. */
  tensors: Map<string, SafeTensor>;
  /** The `__metadata__` strings (e.g. `{ format: 'pt' }`). */
  metadata: Record<string, string>;
  /** The file read. */
  file: string;
}

const BYTES: Record<string, number> = { F32: 4, F16: 2, F64: 8, I32: 4, I64: 8 };

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * Math.pow(2, -14) * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * Math.pow(2, e - 15) * (1 + f / 1024);
}

function decode(buf: Buffer, dtype: string, count: number): SafeTensor['data'] {
  switch (dtype) {
    case 'F32': {
      // Copy into an aligned buffer: the data section need not start at a multiple of 4.
      const out = new Float32Array(count);
      new Uint8Array(out.buffer).set(buf);
      return out;
    }
    case 'I32': {
      const out = new Int32Array(count);
      new Uint8Array(out.buffer).set(buf);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = buf.readDoubleLE(i * 8);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(buf.readUInt16LE(i * 2));
      return out;
    }
    case 'I64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = Number(buf.readBigInt64LE(i * 8));
      return out;
    }
    default:
      throw new Error(`safetensors dtype '${dtype}' is not supported (supported: ${Object.keys(BYTES).join(', ')}).`);
  }
}

/**
 * Read a safetensors file: every tensor (or only those `wanted` says), checked against
 * its declared shape and byte range.
 *
 * @param wanted keep only tensors for which this returns true. Default: all.
 * @throws Error naming the file and the problem (missing, truncated, bad header, bad offsets)
 * @example
 * const st = readSafetensors('model.safetensors');
 * st.tensors.get('embeddings.word_embeddings.weight')?.shape; // [30522, 384]
 */
export function readSafetensors(file: string, wanted: (name: string) => boolean = () => true): SafeTensors {
  if (!fs.existsSync(file)) throw new Error(`safetensors file ${file} does not exist.`);
  const buf = fs.readFileSync(file);
  const bad = (msg: string): never => {
    throw new Error(`${file} is not a valid safetensors file: ${msg}.`);
  };
  if (buf.length < 8) bad(`it has ${buf.length} bytes, fewer than the 8-byte header length`);
  const n = Number(buf.readBigUInt64LE(0));
  if (n < 2 || 8 + n > buf.length) bad(`its header length ${n} does not fit in ${buf.length} bytes`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    return bad(`its JSON header does not parse (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) bad('its header is not a JSON object');
  const start = 8 + n;
  const dataLength = buf.length - start;
  const tensors = new Map<string, SafeTensor>();
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!t || typeof t.dtype !== 'string' || !Array.isArray(t.shape) || !Array.isArray(t.data_offsets) || t.data_offsets.length !== 2)
      bad(`tensor '${name}' has no dtype, shape and data_offsets`);
    const shape = t.shape as number[];
    const [b, e] = t.data_offsets as number[];
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) bad(`tensor '${name}' has a malformed shape ${JSON.stringify(shape)}`);
    if (!Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e < b || e > dataLength)
      bad(`tensor '${name}' has data offsets [${b}, ${e}] outside the ${dataLength} data bytes (truncated file?)`);
    if (!wanted(name)) continue;
    const size = BYTES[t.dtype as string];
    if (size === undefined) bad(`tensor '${name}' has dtype '${String(t.dtype)}', which this reader does not support (${Object.keys(BYTES).join(', ')})`);
    const count = shape.reduce((a, d) => a * d, 1);
    if (e - b !== count * size) bad(`tensor '${name}' of shape [${shape}] and dtype ${t.dtype} needs ${count * size} bytes, its offsets span ${e - b}`);
    tensors.set(name, { dtype: t.dtype as string, shape, data: decode(buf.subarray(start + b, start + e), t.dtype as string, count) });
  }
  return { tensors, metadata, file };
}
