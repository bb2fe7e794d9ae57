/**
 * A reader for TensorBoard event files, written from the formats themselves (no
 * TensorFlow): TFRecord framing (length, masked CRC-32C of the length, data, masked
 * CRC-32C of the data) around `tensorflow.Event` protos, of which we read wall_time (1),
 * step (2) and summary (5) -> value (1) -> tag (1), simple_value (2).
 */
import * as fs from 'fs';
import * as path from 'path';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1; // Castagnoli, reflected
    t[i] = c >>> 0;
  }
  return t;
})();

function crc32c(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function masked(b: Uint8Array): number {
  const c = crc32c(b);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** A protobuf field: number, wire type, and value (varint as bigint, fixed as bytes, or a length-delimited slice). */
interface Field {
  no: number;
  wire: number;
  varint?: bigint;
  bytes?: Uint8Array;
}

function fields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const x = b[i++];
      v |= BigInt(x & 0x7f) << shift;
      if (!(x & 0x80)) return v;
      shift += 7n;
    }
  };
  while (i < b.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ no, wire, varint: varint() });
    else if (wire === 1) {
      out.push({ no, wire, bytes: b.subarray(i, i + 8) });
      i += 8;
    } else if (wire === 5) {
      out.push({ no, wire, bytes: b.subarray(i, i + 4) });
      i += 4;
    } else if (wire === 2) {
      const n = Number(varint());
      out.push({ no, wire, bytes: b.subarray(i, i + n) });
      i += n;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

/** One scalar point of an event file. */
export interface ScalarPoint {
  tag: string;
  step: number;
  value: number;
  wallTime: number;
}

/** Every scalar in one events file; throws on a bad CRC or a truncated record. */
export function readEventFile(file: string): ScalarPoint[] {
  const buf = fs.readFileSync(file);
  const out: ScalarPoint[] = [];
  let off = 0;
  while (off < buf.length) {
    if (off + 12 > buf.length) throw new Error(`${file}: truncated record header at ${off}`);
    const lenBytes = buf.subarray(off, off + 8);
    if (buf.readUInt32LE(off + 8) !== masked(lenBytes)) throw new Error(`${file}: bad length CRC at ${off}`);
    const len = Number(buf.readBigUInt64LE(off));
    const data = buf.subarray(off + 12, off + 12 + len);
    if (data.length !== len || buf.readUInt32LE(off + 12 + len) !== masked(data)) throw new Error(`${file}: bad data CRC at ${off}`);
    off += 16 + len;
    let wallTime = 0;
    let step = 0;
    for (const f of fields(data)) {
      if (f.no === 1 && f.wire === 1) wallTime = Buffer.from(f.bytes!).readDoubleLE(0);
      if (f.no === 2 && f.wire === 0) step = Number(f.varint);
      if (f.no === 5 && f.wire === 2) {
        for (const v of fields(f.bytes!).filter((x) => x.no === 1)) {
          let tag = '';
          let value: number | undefined;
          for (const g of fields(v.bytes!)) {
            if (g.no === 1) tag = Buffer.from(g.bytes!).toString('utf8');
            if (g.no === 2 && g.wire === 5) value = Buffer.from(g.bytes!).readFloatLE(0);
          }
          if (value !== undefined) out.push({ tag, step, value, wallTime });
        }
      }
    }
  }
  return out;
}

/** Every scalar under a run folder, by sub-folder ('train', 'validation'). */
export function readRun(dir: string): Record<string, ScalarPoint[]> {
  const out: Record<string, ScalarPoint[]> = {};
  for (const sub of fs.readdirSync(dir)) {
    const d = path.join(dir, sub);
    if (!fs.statSync(d).isDirectory()) continue;
    out[sub] = fs
      .readdirSync(d)
      .filter((f) => f.startsWith('events.out.tfevents'))
      .sort()
      .flatMap((f) => readEventFile(path.join(d, f)));
  }
  return out;
}
