/**
 * The protocol-buffer writer (src/graph/proto.ts) against TensorFlow's own schema: a
 * SavedModel encoded here is parsed by the Python protobuf classes of the tensorflow
 * wheel in .venv (tests/workers/parse-savedmodel.py), and every field must come back as
 * written, with no field the schema does not know.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { GraphBuilder } from '../src/graph/builder';
import { GraphWeights, LayerGraph, emitForward, layerGraph } from '../src/graph/forward';
import { Message } from '../src/graph/proto';
import { tmpDir } from './helpers';
import { tinyNet } from './fixtures';

const root = path.resolve(__dirname, '..');
const python = path.join(root, '.venv', 'bin', 'python');

interface Parsed {
  schemaVersion: number;
  metaGraphs: number;
  tags: string[];
  producer: number;
  nodes: { name: string; op: string; input: string[]; attr: Record<string, Record<string, unknown>> }[];
  unknownFields: string[];
  reserialisedBytes: number;
  bytes: number;
}

/** Encode with proto.ts, parse with TensorFlow's Python classes. */
function parse(g: GraphBuilder): Parsed {
  const dir = tmpDir('transfer-lab-proto-');
  try {
    const file = path.join(dir, 'saved_model.pb');
    fs.writeFileSync(file, g.savedModel());
    const r = spawnSync(python, [path.join(__dirname, 'workers', 'parse-savedmodel.py'), file], { encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr.slice(-2000));
    return JSON.parse(r.stdout) as Parsed;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("protobuf encoding (src/graph/proto.ts) against TensorFlow's Python protobuf classes", function () {
  this.timeout(120000);
  before(function () {
    if (!fs.existsSync(python)) throw new Error(`${python} is missing. Fix: run 'npm run setup' (it creates .venv with the tensorflow wheel).`);
  });

  it('round-trips every attribute kind, constants, control inputs and resource variables', () => {
    const g = new GraphBuilder('proto_test');
    const x = g.placeholder('x', 'float', [-1, 12, 12, 1]);
    const c = g.constant({ dtype: 'float', shape: [2, 2], values: [1.5, -2, 3.25, 1e-7] }, 'weights');
    const ints = g.ints([-1, 7, 2147483647, -2147483648], 'ints');
    const a = g.op(
      'Conv2D',
      [x, c],
      {
        T: { type: 'float' },
        strides: { ints: [1, 2, 2, 1] },
        padding: { s: 'SAME' },
        data_format: { s: 'NHWC' },
        use_cudnn_on_gpu: { b: true },
        flag_off: { b: false },
        epsilon: { f: 1e-3 },
        axis: { i: -1 },
        big: { i: 2 ** 40 },
        label: { s: 'héllo ✓' },
        empty_ints: { ints: [] },
        empty: { list: 'empty' },
        out_type: { type: 'int32' },
        cond: { type: 'bool' },
        shape: { shape: [-1, 3] },
        scalar_shape: { shape: [] },
      },
      'conv',
    );
    const v = g.variable('w0', [3, 3]);
    g.op('Identity', [a], { T: { type: 'float' } }, 'done', [v.assign, `${ints}:0`]);
    const p = parse(g);

    assert.deepStrictEqual(p.unknownFields, []);
    assert.strictEqual(p.schemaVersion, 1);
    assert.strictEqual(p.metaGraphs, 1);
    assert.deepStrictEqual(p.tags, ['serve']);
    assert.strictEqual(p.producer, 2474);
    assert.strictEqual(p.reserialisedBytes, p.bytes, 'Python re-encodes the message to the same size');
    assert.strictEqual(p.nodes.length, g.size);
    const node = (name: string) => {
      const n = p.nodes.find((m) => m.name === name);
      assert.ok(n, `node ${name}`);
      return n;
    };

    assert.deepStrictEqual(node('x').attr, { dtype: { type: 'DT_FLOAT' }, shape: { shape: [-1, 12, 12, 1] } });
    assert.deepStrictEqual(node('weights').attr.value, { tensor: { dtype: 'DT_FLOAT', shape: [2, 2], values: [1.5, -2, 3.25, Math.fround(1e-7)] } });
    assert.deepStrictEqual(node('ints').attr.value, { tensor: { dtype: 'DT_INT32', shape: [4], values: [-1, 7, 2147483647, -2147483648] } });
    const conv = node('conv');
    assert.strictEqual(conv.op, 'Conv2D');
    assert.deepStrictEqual(conv.input, ['x', 'weights']);
    assert.deepStrictEqual(conv.attr, {
      T: { type: 'DT_FLOAT' },
      axis: { i: -1 },
      big: { i: 2 ** 40 },
      cond: { type: 'DT_BOOL' },
      data_format: { s: 'NHWC' },
      empty: { list: { i: [], f: [], s: [] } },
      empty_ints: { list: { i: [], f: [], s: [] } },
      epsilon: { f: Math.fround(1e-3) },
      flag_off: { b: false },
      label: { s: 'héllo ✓' },
      out_type: { type: 'DT_INT32' },
      padding: { s: 'SAME' },
      scalar_shape: { shape: [] },
      shape: { shape: [-1, 3] },
      strides: { list: { i: [1, 2, 2, 1], f: [], s: [] } },
      use_cudnn_on_gpu: { b: true },
    });
    // The resource-variable recipe: handle, init placeholder, copy + assignment, read.
    assert.deepStrictEqual(node('w0').attr, {
      container: { s: '' },
      dtype: { type: 'DT_FLOAT' },
      shape: { shape: [3, 3] },
      shared_name: { s: 'proto_test_w0' },
    });
    assert.deepStrictEqual(node('init_assign_w0').input, ['w0', 'init_assign_w0_copy']);
    assert.deepStrictEqual(node('read_w0').input, ['w0']);
    // Control inputs: '^name', after the data inputs, without an output index.
    assert.deepStrictEqual(node('done').input, ['conv', '^init_assign_w0', '^ints']);
  });

  it('parses a compiled forward pass (a BatchNorm net) node for node', () => {
    const net = tinyNet(3, 1);
    const g = new GraphBuilder('proto_fwd');
    const weights = new GraphWeights(g, () => ({ role: 'frozen' }));
    const x = g.placeholder('x', 'float', [-1, 12, 12, 1]);
    const { out } = emitForward(g, layerGraph(net.model) as LayerGraph, x, { mode: 'infer', weights });
    const p = parse(g);
    assert.deepStrictEqual(p.unknownFields, []);
    assert.strictEqual(p.nodes.length, g.size);
    assert.strictEqual(new Set(p.nodes.map((n) => n.name)).size, g.size, 'node names are unique');
    assert.ok(p.nodes.some((n) => n.name === out));
    const bn = p.nodes.find((n) => n.op === 'FusedBatchNormV3');
    assert.ok(bn);
    assert.strictEqual(bn.attr.is_training.b, false);
    assert.strictEqual(bn.attr.epsilon.f, Math.fround(1e-3));
    net.model.dispose();
  });

  it("writes varints as protobuf does (negative numbers as 10-byte two's complement)", () => {
    const hex = (m: Message) => Buffer.from(m.finish()).toString('hex');
    assert.strictEqual(hex(new Message().int(1, 1)), '0801');
    assert.strictEqual(hex(new Message().int(1, 300)), '08ac02');
    assert.strictEqual(hex(new Message().int(1, -1)), '08ffffffffffffffffff01');
    assert.strictEqual(hex(new Message().bytes(2, 'ab')), '12026162');
  });
});
