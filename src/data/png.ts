/**
 * A small synchronous PNG encoder for 8-bit grayscale or RGB bytes, so that chart
 * builders stay pure synchronous functions (tf.node.encodePng is asynchronous).
 */
import * as zlib from 'zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * Encode height x width x channels bytes (row-major, channels 1 or 3) as a PNG file.
 *
 * @example
 * const png = encodePngSync(bytes, 28, 28, 1);
 * fs.writeFileSync('digit.png', png);
 */
export function encodePngSync(pixels: Uint8Array, height: number, width: number, channels: 1 | 3): Buffer {
  if (channels !== 1 && channels !== 3)
    throw new Error(`encodePngSync: channels ${channels} is not supported. Fix: pass 1 (grayscale) or 3 (RGB) bytes per pixel.`);
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1)
    throw new Error(`encodePngSync: size ${height}x${width} is not two positive integers. Fix: pass the image's height and width in pixels.`);
  if (pixels.length !== height * width * channels) {
    throw new Error(`encodePngSync: ${pixels.length} bytes is not ${height}x${width}x${channels}. Fix: pass exactly height*width*channels bytes.`);
  }
  const row = width * channels;
  const raw = Buffer.alloc((row + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (row + 1)] = 0; // filter: none
    raw.set(pixels.subarray(y * row, (y + 1) * row), y * (row + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 1 ? 0 : 2; // colour type: grayscale or RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/**
 * The same PNG as a `data:image/png;base64,...` URI (for plotly image traces and HTML).
 *
 * @example
 * const uri = pngDataUri(bytes, 28, 28, 1);
 */
export function pngDataUri(pixels: Uint8Array, height: number, width: number, channels: 1 | 3): string {
  return `data:image/png;base64,${encodePngSync(pixels, height, width, channels).toString('base64')}`;
}
