/**
 * Property-based fuzzing (fast-check) of the two readers that take files from outside:
 * the IDX reader and the model loader. Random and mutated inputs must either load or
 * throw the library's clear error; never crash, hang, or throw something else.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import fc from 'fast-check';
import { decodeIdx, readIdx, IdxError } from '../src/data/idx';
import { saveNet, loadNet } from '../src/transfer/io';
import { FASHION_DEBIAN_DIR } from '../src/data/fashion';
import { tf, tinyNet } from './fixtures';
import { tmpDir } from './helpers';

const IDX_RUNS = 3000;
const MODEL_RUNS = 150;

function validIdx(dims: number[], fill = 7): Buffer {
  const n = dims.reduce((a, b) => a * b, 1);
  const b = Buffer.alloc(4 + 4 * dims.length + n, fill);
  b.writeUInt32BE(0x00000800 | dims.length, 0);
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  return b;
}

describe('fuzz: IDX reader', () => {
  it(`random bytes either decode or throw IdxError (${IDX_RUNS} cases)`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          const out = decodeIdx(bytes, 'fuzz');
          assert.strictEqual(
            out.data.length,
            out.shape.reduce((a, b) => a * b, 1),
          );
        } catch (e) {
          assert.ok(e instanceof IdxError, `not an IdxError: ${String(e)}`);
          assert.match((e as Error).message, /^fuzz: .*Fix: /);
        }
      }),
      { numRuns: IDX_RUNS, seed: 42 },
    );
  });

  it(`mutated valid files (flipped, cut, extended bytes) either decode consistently or throw IdxError (${IDX_RUNS} cases)`, () => {
    const arb = fc.record({
      dims: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 }),
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      cut: fc.integer({ min: -8, max: 8 }),
    });
    fc.assert(
      fc.property(arb, ({ dims, flips, cut }) => {
        let b = validIdx(dims);
        for (const [pos, v] of flips) b[pos % b.length] = v;
        b = cut < 0 ? b.subarray(0, Math.max(0, b.length + cut)) : Buffer.concat([b, Buffer.alloc(cut, 1)]);
        try {
          const out = decodeIdx(b, 'fuzz');
          assert.strictEqual(
            out.data.length,
            out.shape.reduce((x, y) => x * y, 1),
          );
        } catch (e) {
          assert.ok(e instanceof IdxError, `not an IdxError: ${String(e)}`);
        }
      }),
      { numRuns: IDX_RUNS, seed: 7 },
    );
  });

  it('gzip files cut anywhere give a clear error naming the file', () => {
    const dir = tmpDir();
    const gz = fs.readFileSync(path.join(FASHION_DEBIAN_DIR, 't10k-labels-idx1-ubyte.gz'));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: gz.length - 1 }), (n) => {
        const f = path.join(dir, 'cut.gz');
        fs.writeFileSync(f, gz.subarray(0, n));
        assert.throws(
          () => readIdx(f, { rank: 1 }),
          (e: unknown) => e instanceof IdxError && (e as Error).message.startsWith(f),
        );
      }),
      { numRuns: 200, seed: 3 },
    );
    // and the whole file decodes
    assert.deepStrictEqual(readIdx(path.join(FASHION_DEBIAN_DIR, 't10k-labels-idx1-ubyte.gz'), { rank: 1 }).shape, [10000]);
    assert.ok(zlib.gunzipSync(gz).length === 10008);
  });
});

describe('fuzz: model loader', () => {
  let good: string;
  let modelJson: string;
  let weights: Buffer;

  before(async () => {
    good = path.join(tmpDir(), 'net');
    await saveNet(tinyNet(), good);
    modelJson = fs.readFileSync(path.join(good, 'model.json'), 'utf8');
    weights = fs.readFileSync(path.join(good, 'weights.bin'));
  });

  it(`mutated model.json text or weight files load or throw 'cannot load the model' (${MODEL_RUNS} cases)`, async () => {
    const dir = path.join(tmpDir(), 'net');
    fs.cpSync(good, dir, { recursive: true });
    const before = tf.memory().numTensors;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          target: fc.constantFrom('model.json', 'weights.bin'),
          edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
          cut: fc.integer({ min: -40, max: 4 }),
        }),
        async ({ target, edits, cut }) => {
          let b = Buffer.from(target === 'model.json' ? modelJson : weights);
          for (const [pos, v] of edits) b[pos % b.length] = v;
          if (cut < 0) b = b.subarray(0, b.length + cut);
          fs.writeFileSync(path.join(dir, 'model.json'), target === 'model.json' ? b : modelJson);
          fs.writeFileSync(path.join(dir, 'weights.bin'), target === 'weights.bin' ? b : weights);
          try {
            const net = await loadNet(dir);
            net.model.dispose();
          } catch (e) {
            assert.ok(e instanceof Error, String(e));
            assert.match((e as Error).message, /^cannot load the model in .*: .*Fix: /s);
          }
        },
      ),
      { numRuns: MODEL_RUNS, seed: 11 },
    );
    assert.strictEqual(tf.memory().numTensors, before, 'no tensors left behind by failed loads');
  });
});
