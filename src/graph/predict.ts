/**
 * Compiled inference: a model's forward pass in inference mode as one TensorFlow graph
 * (Grappler fuses conv + bias + ReLU and runs independent work in parallel), used by the
 * library's evaluation, prediction and feature extraction. The graph holds the weights in
 * variables, assigned from the model at the start of each call, so one compilation
 * serves every call on the same model while it trains.
 */
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { GraphBuilder, GraphSession, Ref, Feed } from './builder';
import { AnyLayer, F, chainOf, emitForward, graphUnsupported, T } from './forward';
import { GRAPH_ENV } from './trainer';
import { checkModel } from '../transfer/net';

/** A model's inference pass compiled into one graph. */
export class CompiledForward {
  disposed = false;

  /** @internal use {@link predictor}. */
  constructor(
    private readonly session: GraphSession,
    private readonly weights: { variable: tfn.Variable; feed: string }[],
    private readonly weightsDone: Ref,
    private readonly out: Ref,
    /** Graph size (nodes). */
    readonly nodes: number,
  ) {}

  /** Copy the model's current weights into the graph. */
  pushWeights(): void {
    tf.dispose(this.session.run(this.weights.map((w) => [w.feed, w.variable] as Feed), [this.weightsDone]));
  }

  /** The model's output for a batch (a new tensor). */
  predict(xs: tfn.Tensor): tfn.Tensor {
    return this.session.run([['x', xs]], [this.out])[0];
  }

  /** Close the session. */
  dispose(): void {
    this.session.dispose();
    this.disposed = true;
  }
}

let compiledCount = 0;

/**
 * Compile a model's forward pass (inference mode). Returns the reason when unsupported.
 *
 * @example
 * const f = compileForward(net.model);
 * if (typeof f !== 'string') { f.pushWeights(); const probs = f.predict(xs); f.dispose(); }
 */
export function compileForward(model: tfn.LayersModel): CompiledForward | string {
  if (tf.getBackend() !== 'tensorflow') return `the '${tf.getBackend()}' backend`;
  if (process.env[GRAPH_ENV] === '0') return `${GRAPH_ENV}=0`;
  const why = graphUnsupported(model, 'infer');
  if (why) return why;
  const layers = chainOf(model) as AnyLayer[];
  const g = new GraphBuilder();
  const tag = `tlf${++compiledCount}`;
  const x0 = g.placeholder('x', 'float', model.inputs[0].shape.map((d) => (d === null ? -1 : d)));
  const weights: { variable: tfn.Variable; feed: string }[] = [];
  const assigns: Ref[] = [];
  const seen = new Map<string, { ref: Ref; handle: Ref }>();
  const weight = (lv: { val: tfn.Variable; name: string }) => {
    const known = seen.get(lv.val.name);
    if (known) return known;
    const i = weights.length;
    const handle = g.op('VarHandleOp', [], { dtype: F, shape: { shape: lv.val.shape }, shared_name: { s: `${tag}_w${i}` }, container: { s: '' } }, `w${i}`);
    const feed = g.placeholder(`init_w${i}`, 'float', lv.val.shape);
    assigns.push(g.assignCopy(handle, feed, `assign_w${i}`));
    weights.push({ variable: lv.val, feed });
    const r = { ref: g.op('ReadVariableOp', [handle], { dtype: F }, `read_w${i}`), handle };
    seen.set(lv.val.name, r);
    return r;
  };
  const { out } = emitForward(g, layers, x0, { mode: 'infer', weight, stateUpdates: [] });
  const y = g.op('Identity', [out], T, 'y');
  const done = g.op('Identity', [g.scalar(0)], T, 'weights_done', assigns);
  return new CompiledForward(new GraphSession(g), weights, done, y, g.size);
}

let cache: { model: tfn.LayersModel; key: string; fwd: CompiledForward } | null = null;

function structureKey(model: tfn.LayersModel): string {
  return JSON.stringify(model.layers.map((l) => [l.name, l.getClassName(), l.weights.map((w) => (w as unknown as { val: tfn.Variable }).val.name)]));
}

/**
 * A function that runs a model's forward pass in inference mode on one batch: the compiled
 * graph when the model is supported (weights copied in now; get a new predictor after the
 * weights change), else `model.predict`. One compiled model is kept between calls.
 *
 * @example
 * const predict = predictor(net.model);
 * const probs = tf.tidy(() => predict(xs));
 */
export function predictor(model: tfn.LayersModel): (xs: tfn.Tensor) => tfn.Tensor {
  checkModel(model, 'predictor');
  const key = structureKey(model);
  let fwd = cache && cache.model === model && cache.key === key && !cache.fwd.disposed ? cache.fwd : null;
  if (!fwd) {
    const made = compileForward(model);
    if (typeof made === 'string') return (xs) => model.predict(xs) as tfn.Tensor;
    releaseCachedForward();
    fwd = made;
    cache = { model, key, fwd };
  }
  fwd.pushWeights();
  const f = fwd;
  return (xs) => f.predict(xs);
}

/**
 * Close the cached compiled forward pass (its session holds a copy of the weights).
 *
 * @example
 * releaseCachedForward();
 */
export function releaseCachedForward(): void {
  if (cache) cache.fwd.dispose();
  cache = null;
}
