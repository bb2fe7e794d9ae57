/**
 * A minimal protocol-buffer writer for the few TensorFlow messages the compiled training
 * step needs (SavedModel, MetaGraphDef, GraphDef, NodeDef, AttrValue, TensorProto,
 * SignatureDef). Field numbers follow tensorflow/core/framework/*.proto and
 * tensorflow/core/protobuf/{saved_model,meta_graph}.proto (TensorFlow 2.21).
 *
 * Only writing is needed: TensorFlow parses the bytes when the session loads, and
 * `tests/proto.test.ts` checks the encoding against TensorFlow's own Python protobuf
 * classes (the tensorflow wheel in .venv): every field read back as written, none unknown.
 */

/** TensorFlow DataType enum values used here. */
export const DT = { float: 1, int32: 3, int64: 9, bool: 10, resource: 20 } as const;
/** A TensorFlow data type this writer handles. */
export type DType = keyof typeof DT;

/** Bytes of one protobuf message, written field by field. */
export class Message {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }

  private varint(v: bigint | number): void {
    let n = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    do {
      let byte = Number(n & 0x7fn);
      n >>= 7n;
      if (n !== 0n) byte |= 0x80;
      out.push(byte);
    } while (n !== 0n);
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** An integer field (int32/int64/enum/bool), varint-encoded; negative values as 64-bit two's complement. */
  int(field: number, v: number | boolean): this {
    this.tag(field, 0);
    this.varint(typeof v === 'boolean' ? (v ? 1 : 0) : v);
    return this;
  }

  /** A float field (fixed 32-bit). */
  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  /** A length-delimited field: raw bytes, a string (UTF-8) or a nested message. */
  bytes(field: number, v: Uint8Array | string | Message): this {
    const b = typeof v === 'string' ? new TextEncoder().encode(v) : v instanceof Message ? v.finish() : v;
    this.tag(field, 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  /** A packed repeated integer field. */
  packedInts(field: number, vs: number[]): this {
    const inner = new Message();
    for (const v of vs) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  /** A map<string, M> entry (key 1, value 2). */
  mapEntry(field: number, key: string, value: Message): this {
    return this.bytes(field, new Message().bytes(1, key).bytes(2, value));
  }

  /** The encoded bytes. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

/** TensorShapeProto: dims (-1 = unknown). */
export function shapeProto(dims: number[]): Message {
  const m = new Message();
  for (const d of dims) m.bytes(2, new Message().int(1, d));
  return m;
}

/** An attribute value of a NodeDef. */
export type Attr =
  | { s: string }
  | { i: number }
  | { f: number }
  | { b: boolean }
  | { type: DType }
  | { shape: number[] }
  | { ints: number[] }
  | { tensor: TensorValue }
  | { list: 'empty' };

/** A constant tensor for a Const node. */
export interface TensorValue {
  dtype: 'float' | 'int32';
  shape: number[];
  values: number[] | Float32Array | Int32Array;
}

/** TensorProto of a constant. */
export function tensorProto(t: TensorValue): Message {
  const m = new Message().int(1, DT[t.dtype]).bytes(2, shapeProto(t.shape));
  const arr = t.dtype === 'float' ? Float32Array.from(t.values) : Int32Array.from(t.values);
  return m.bytes(4, new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength)); // tensor_content, little-endian
}

/** AttrValue message. */
export function attrProto(a: Attr): Message {
  const m = new Message();
  if ('s' in a) return m.bytes(2, a.s);
  if ('i' in a) return m.int(3, a.i);
  if ('f' in a) return m.float(4, a.f);
  if ('b' in a) return m.int(5, a.b);
  if ('type' in a) return m.int(6, DT[a.type]);
  if ('shape' in a) return m.bytes(7, shapeProto(a.shape));
  if ('tensor' in a) return m.bytes(8, tensorProto(a.tensor));
  if ('ints' in a) return m.bytes(1, a.ints.length ? new Message().packedInts(3, a.ints) : new Message());
  return m.bytes(1, new Message());
}
