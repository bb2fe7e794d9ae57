/**
 * Compiled inference: a model's forward pass in inference mode as one TensorFlow graph
 * (Grappler fuses conv + bias + ReLU and runs independent work in parallel), used by the
 * library's evaluation, prediction and feature extraction. The graph holds the weights in
 * variables, assigned from the model at the start of each call, so one compilation
 * serves every call on the same model while it trains.
 */
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { GraphBuilder, GraphSession, Ref } from './builder';
import { GraphWeights, LayerGraph, WeightSync, emitForward, graphUnsupported, inputDtype, layerGraph } from './forward';
import { T } from './registry';
import { graphDisabled } from './env';
import { checkModel } from '../transfer/net';
import { variableOf } from '../internals/tfjs';

/** A model's inference pass compiled into one graph. */
export class CompiledForward {
  disposed = false;

  /** @internal use {@link predictor}. */
  constructor(
    private readonly session: GraphSession,
    private readonly weights: GraphWeights,
    private readonly weightsDone: Ref,
    private readonly out: Ref,
    /** Graph size (nodes). */
    readonly nodes: number,
    /** The input's dtype (int32 for token ids); a batch of the other dtype is cast. */
    private readonly xDtype: 'int32' | 'float' = 'float',
    /** Whether the per-token layers run on the real tokens only (./packing.ts). */
    readonly packed = false,
  ) {
    this.sync = new WeightSync(weights.all.map((w) => w.variable));
  }

  /** Whether the session holds the model's current weights. */
  private readonly sync: WeightSync;

  /** Copy the model's current weights into the graph (nothing to do when it holds them already). */
  pushWeights(): void {
    if (this.sync.current) return;
    tf.dispose(this.session.run(this.weights.feeds(), [this.weightsDone]));
    this.sync.mark();
  }

  /** The model's output for a batch (a new tensor). */
  predict(xs: tfn.Tensor): tfn.Tensor {
    const want = this.xDtype === 'int32' ? 'int32' : 'float32';
    if (xs.dtype === want) return this.session.run([['x', xs]], [this.out])[0];
    const cast = xs.cast(want);
    try {
      return this.session.run([['x', cast]], [this.out])[0];
    } finally {
      cast.dispose();
    }
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
 * `packTokens` (default true): a text encoder's per-token layers run on its real tokens
 * only when that is exact (./packing.ts); false computes every padded position.
 *
 * @example
 * const f = compileForward(net.model);
 * if (typeof f !== 'string') { f.pushWeights(); const probs = f.predict(xs); f.dispose(); }
 */
export function compileForward(model: tfn.LayersModel, opts: { packTokens?: boolean } = {}): CompiledForward | string {
  const why = graphDisabled() ?? graphUnsupported(model, 'infer');
  if (why) return why;
  const g = new GraphBuilder(`tlf${++compiledCount}`);
  const x = g.placeholder(
    'x',
    inputDtype(model),
    model.inputs[0].shape.map((d) => (d === null ? -1 : d)),
  );
  const weights = new GraphWeights(g, () => ({ role: 'frozen' }));
  const { out, packed } = emitForward(g, layerGraph(model) as LayerGraph, x, { mode: 'infer', weights, packTokens: opts.packTokens ?? true });
  const y = g.op('Identity', [out], T, 'y');
  const done = g.op('Identity', [g.scalar(0)], T, 'weights_done', weights.assigns);
  return new CompiledForward(new GraphSession(g), weights, done, y, g.size, inputDtype(model), packed);
}

let cache: { model: tfn.LayersModel; key: string; fwd: CompiledForward } | null = null;

function structureKey(model: tfn.LayersModel): string {
  return JSON.stringify(model.layers.map((l) => [l.name, l.getClassName(), l.weights.map((w) => variableOf(w).name)]));
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
