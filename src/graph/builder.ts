/**
 * A TensorFlow graph built node by node in TypeScript, loaded into a native TensorFlow
 * session through tfjs-node's SavedModel loader, and run with feeds and fetches.
 *
 * Why: tfjs-node runs every operation eagerly, one kernel call at a time from JavaScript.
 * A whole training step as one graph runs inside TensorFlow's executor instead (Grappler
 * optimisations, independent operations in parallel, buffer reuse): what Keras gets from
 * `tf.function`. The graph is written as a SavedModel (no variables file: its variables are
 * assigned by an init run) to a temporary folder that is removed once the session holds it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { Attr, DType, Message, TensorValue, attrProto } from './proto';
import { NodeBackend, nodeBackendOf } from '../internals/tfjs';

/** TensorFlow's GraphDef version of the bundled runtime (2.21). */
const GRAPH_DEF_VERSION = 2474;

/** An output of a node: `name` or `name:i`. */
export type Ref = string;

/** A resource variable in a graph: its handle, its value, and the placeholder and assignment that set it. */
export interface ResourceVar {
  handle: Ref;
  read: Ref;
  /** Placeholder fed with the value to store. */
  init: string;
  /** The assignment of `init` (run it to store the value). */
  assign: Ref;
}

/** A graph under construction. */
export class GraphBuilder {
  private readonly nodes: Message[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  /**
   * @param tag prefix of the shared names of this graph's variables (unique per compiled
   *   graph, so two sessions never share a variable)
   */
  constructor(readonly tag = 'graph') {}

  /** A fresh node name from a prefix. */
  unique(prefix: string): string {
    let name = prefix;
    while (this.names.has(name)) name = `${prefix}_${++this.counter}`;
    return name;
  }

  /**
   * Add a node; returns its name (= its output 0).
   *
   * @param control nodes that must run first (control inputs)
   */
  op(op: string, inputs: Ref[], attrs: Record<string, Attr> = {}, name?: string, control: Ref[] = []): Ref {
    const n = this.unique(name ?? op);
    this.names.add(n);
    const m = new Message().bytes(1, n).bytes(2, op);
    for (const i of inputs) m.bytes(3, i);
    for (const c of control) m.bytes(3, `^${c.split(':')[0]}`);
    for (const [k, v] of Object.entries(attrs)) m.mapEntry(5, k, attrProto(v));
    this.nodes.push(m);
    return n;
  }

  /** A constant tensor. */
  constant(t: TensorValue, name?: string): Ref {
    return this.op('Const', [], { dtype: { type: t.dtype }, value: { tensor: t } }, name ?? 'const');
  }

  /** A float32 scalar constant. */
  scalar(v: number, name?: string): Ref {
    return this.constant({ dtype: 'float', shape: [], values: [v] }, name);
  }

  /** An int32 vector constant. */
  ints(vs: number[], name?: string): Ref {
    return this.constant({ dtype: 'int32', shape: [vs.length], values: vs }, name);
  }

  /** A placeholder fed at run time (-1 = any size). */
  placeholder(name: string, dtype: DType, shape: number[]): Ref {
    if (this.names.has(name)) throw new Error(`graph: placeholder name '${name}' is taken`);
    return this.op('Placeholder', [], { dtype: { type: dtype }, shape: { shape } }, name);
  }

  /**
   * Store a fed value in a resource variable. The value is copied first (DeepCopy): a fed
   * tfjs tensor may share memory with a JavaScript ArrayBuffer, and a variable that kept
   * that buffer would release it later on a TensorFlow worker thread, where tfjs-node's
   * release callback (a Node-API call) must not run. Seen as segfaults and misaligned
   * pointers before this copy.
   */
  assignCopy(handle: Ref, value: Ref, name?: string): Ref {
    const copy = this.op('DeepCopy', [value], { T: { type: 'float' } }, name ? `${name}_copy` : undefined);
    return this.op('AssignVariableOp', [handle, copy], { dtype: { type: 'float' } }, name);
  }

  /**
   * A float resource variable `name` (shared name `<tag>_<name>`), set by feeding
   * `init_<name>` and running `init_assign_<name>`, read by `read_<name>`.
   */
  variable(name: string, shape: number[]): ResourceVar {
    const handle = this.op(
      'VarHandleOp',
      [],
      { dtype: { type: 'float' }, shape: { shape }, shared_name: { s: `${this.tag}_${name}` }, container: { s: '' } },
      name,
    );
    const init = this.placeholder(`init_${name}`, 'float', shape);
    const assign = this.assignCopy(handle, init, `init_assign_${name}`);
    return { handle, init, assign, read: this.op('ReadVariableOp', [handle], { dtype: { type: 'float' } }, `read_${name}`) };
  }

  /** The serialised SavedModel (one meta graph, tag `serve`). */
  savedModel(): Uint8Array {
    const graph = new Message();
    for (const n of this.nodes) graph.bytes(1, n);
    graph.bytes(4, new Message().int(1, GRAPH_DEF_VERSION));
    const meta = new Message().bytes(1, new Message().bytes(4, 'serve')).bytes(2, graph);
    return new Message().int(1, 1).bytes(2, meta).finish();
  }

  /** Number of nodes so far. */
  get size(): number {
    return this.nodes.length;
  }
}

function nodeBackend(): NodeBackend {
  if (tf.getBackend() !== 'tensorflow') throw new Error(`compiled graphs need the native TensorFlow backend, the active backend is '${tf.getBackend()}'.`);
  return nodeBackendOf(tf);
}

/**
 * Environment variable: a folder where every compiled graph is also written, as
 * `<tag>.pb` (the SavedModel bytes TensorFlow loads), for profiling it outside Node
 * (bench/profile/graph_stats.py). Unset (the default): nothing is written.
 */
export const GRAPH_DUMP_ENV = 'TRANSFER_LAB_GRAPH_DUMP';

/** A feed: placeholder name and the tensor to feed it. */
export type Feed = [name: string, value: tfn.Tensor];

/** A loaded graph in a TensorFlow session. */
export class GraphSession {
  private id: number | null;

  /** Load a built graph into a new session. */
  constructor(graph: GraphBuilder) {
    const be = nodeBackend();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'transfer-lab-graph-'));
    try {
      const tmp = path.join(dir, 'saved_model.pb.tmp');
      fs.writeFileSync(tmp, graph.savedModel());
      fs.renameSync(tmp, path.join(dir, 'saved_model.pb'));
      const dump = process.env[GRAPH_DUMP_ENV];
      if (dump) {
        fs.mkdirSync(dump, { recursive: true });
        fs.copyFileSync(path.join(dir, 'saved_model.pb'), path.join(dump, `${graph.tag}.pb.tmp`));
        fs.renameSync(path.join(dump, `${graph.tag}.pb.tmp`), path.join(dump, `${graph.tag}.pb`));
      }
      this.id = be.loadSavedModelMetaGraph(dir, 'serve');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Run: feed placeholders, fetch outputs (new tensors, owned by the caller). */
  run(feeds: Feed[], fetches: Ref[]): tfn.Tensor[] {
    if (this.id === null) throw new Error('this compiled graph was disposed.');
    const infos = feeds.map(([name, t]) => ({
      name: name.includes(':') ? name : `${name}:0`,
      tfDtype: t.dtype === 'int32' ? 'DT_INT32' : t.dtype === 'bool' ? 'DT_BOOL' : 'DT_FLOAT',
    }));
    return nodeBackend().runSavedModel(
      this.id,
      feeds.map((f) => f[1]),
      infos,
      fetches.map((f) => (f.includes(':') ? f : `${f}:0`)),
    );
  }

  /** Close the session (frees its variables). */
  dispose(): void {
    if (this.id !== null) nodeBackend().deleteSavedModel(this.id);
    this.id = null;
  }
}
