/**
 * Step engines: how one optimizer step runs. The eager engine runs it op by op with tfjs
 * optimizers (one per layer group); the compiled engine runs it as one native TensorFlow
 * graph (src/graph). Both sit behind {@link StepEngine}: the training loop never knows
 * which one it drives, and both capture and restore the same {@link TrainState} layout.
 */
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import type { TrainState } from './history';
import { GroupSlots, OptimizerKind, ParamGroup, packTrainState, unpackTrainState } from './state';
import { CompiledTrainStep, cachedTrainStep, hasCachedTrainStep, trainStepUnsupported } from '../graph/trainer';
import { adamBetaPowers, optimizerIterations, setLearningRate } from '../internals/tfjs';

/** What a step returns: the batch's mean loss and its correct predictions (scalars the caller disposes). */
export interface StepOutput {
  loss: tfn.Tensor;
  hits: tfn.Tensor;
}

/** One optimizer step at a time, whatever runs it. */
export interface StepEngine {
  /** `graph` (compiled) or `eager`. */
  readonly kind: 'graph' | 'eager';
  /** Train on one batch; `lrs[g]` is group g's learning rate for this step. */
  step(xs: tfn.Tensor, ys: tfn.Tensor, lrs: number[]): StepOutput;
  /** Take in weights the model's owner may have changed since {@link StepEngine.syncOut} (callbacks). */
  syncIn(): void;
  /** Make the model's variables hold the trained weights (epoch ends, the end of a run). */
  syncOut(): void;
  /** The optimizer state and dropout counters now. */
  capture(): Promise<TrainState>;
  /** Start from `state` (captured by either engine, checked against this run), or without one from fresh optimizer state. */
  restore(state?: TrainState): Promise<void>;
  /** Release what the engine holds. */
  dispose(): void;
}

/** Sparse categorical cross-entropy of softmax outputs, averaged over the batch. */
export function sparseCrossEntropy(probs: tfn.Tensor, labels: tfn.Tensor1D, numClasses: number): tfn.Scalar {
  if (probs.rank !== 2 || labels.rank !== 1 || probs.shape[0] !== labels.shape[0] || probs.shape[1] !== numClasses) {
    throw new Error(
      `sparseCrossEntropy: probabilities of shape [${probs.shape}] do not match ${labels.shape[0]} labels of ${numClasses} classes. Fix: pass [n, numClasses] probabilities and n integer labels.`,
    );
  }
  return tf.tidy(() => tf.oneHot(labels, numClasses).mul(probs.clipByValue(1e-7, 1).log()).sum(1).neg().mean() as tfn.Scalar);
}

/** What an engine needs to know about the run. */
export interface EngineConfig {
  model: tfn.LayersModel;
  groups: ParamGroup[];
  optimizer: OptimizerKind;
  numClasses: number;
  /** Optimizer steps this run plans (epochs x batches), for engine 'auto'; unknown when left out (then 'auto' compiles). */
  plannedSteps?: number;
}

/**
 * Engine 'auto' compiles the step only for a run of at least this many planned steps (or
 * when the step for this net and trainable set is compiled already); shorter runs go eager.
 *
 * Compiling is paid once per trainable set: building the graph and loading it (0.1-0.6 s),
 * copying the weights in (0.4-1.6 s) and TensorFlow optimizing it on the first run
 * (0.4-3.5 s). Measured on all-MiniLM-L6-v2 (32 tokens) and EfficientNet-Lite0 at 64x64,
 * batch 16, 2 cores at load 2-6: the compiled step saves 0.08-1.3 s a step, so it repays
 * itself after 2 (everything trainable) to 12 (head only) steps, and every epoch end of a
 * compiled run also copies the trained weights back. Under load (~20 on 2 cores) compiling
 * costs far more (gradual unfreezing at 1 text per class: 229 s compiled, 39 s eager). 16
 * keeps that margin: the short stages of gradual unfreezing with few labels (1-8 steps) run
 * eager, long runs compile. The price on an idle machine: a short run with the whole body
 * trainable (fine-tuning at 1-4 texts per class, about 12 steps) is a few seconds slower.
 *
 * @example
 * AUTO_COMPILE_MIN_STEPS; // 16: train(net, src, { epochs: 2, batchSize: 16 }) on 64 examples (8 steps) runs eager
 */
export const AUTO_COMPILE_MIN_STEPS = 16;

/** The eager engine: tfjs's variableGrads and one tfjs optimizer per group. */
class EagerEngine implements StepEngine {
  readonly kind = 'eager';
  private readonly optimizers: tfn.Optimizer[];
  private readonly allVars: tfn.Variable[];

  constructor(
    private readonly cfg: EngineConfig,
    lr: number,
  ) {
    this.optimizers = cfg.groups.map((g) => (cfg.optimizer === 'sgd' ? tf.train.momentum(lr * g.multiplier, 0.9) : tf.train.adam(lr * g.multiplier)));
    this.allVars = cfg.groups.flatMap((g) => g.vars);
  }

  step(xs: tfn.Tensor, ys: tfn.Tensor, lrs: number[]): StepOutput {
    const { model, groups, numClasses } = this.cfg;
    this.optimizers.forEach((o, i) => setLearningRate(o, lrs[i]));
    return tf.tidy(() => {
      const held: { hits?: tfn.Tensor } = {};
      const { value, grads } = tf.variableGrads(() => {
        const probs = model.apply(xs, { training: true }) as tfn.Tensor;
        held.hits = tf.keep(probs.argMax(-1).equal(ys).sum());
        return sparseCrossEntropy(probs, ys as tfn.Tensor1D, numClasses);
      }, this.allVars);
      groups.forEach((g, i) => {
        const gg: Record<string, tfn.Tensor> = {};
        for (const v of g.vars) gg[v.name] = grads[v.name];
        this.optimizers[i].applyGradients(gg);
      });
      return { loss: value, hits: held.hits as tfn.Tensor };
    });
  }

  syncIn(): void {} // the model's variables are the trained ones
  syncOut(): void {}

  async capture(): Promise<TrainState> {
    const slots: GroupSlots[] = [];
    for (const o of this.optimizers) {
      const ws = await o.getWeights();
      ws[0].tensor.dispose(); // the step count, made fresh by getWeights
      const beta = adamBetaPowers(o);
      const g: GroupSlots = {
        iterations: optimizerIterations(o),
        slots: ws.slice(1).map((w) => ({ shape: w.tensor.shape.slice(), values: w.tensor.dataSync() as Float32Array })),
      };
      if (beta) g.accBeta = [beta[0].dataSync()[0], beta[1].dataSync()[0]];
      slots.push(g);
    }
    return packTrainState(this.cfg.model, this.cfg.optimizer, this.cfg.groups, slots);
  }

  async restore(state?: TrainState): Promise<void> {
    if (!state) return; // the optimizers are fresh
    const groups = unpackTrainState(this.cfg.model, this.cfg.optimizer, this.cfg.groups, state);
    for (let i = 0; i < groups.length; i++) {
      const sg = groups[i];
      if (sg.slots.length === 0) continue;
      const tensors = sg.slots.map((s) => tf.tensor(s.values, s.shape, 'float32'));
      const iter = tf.scalar(sg.iterations, 'int32');
      await this.optimizers[i].setWeights([{ name: 'iter', tensor: iter }, ...tensors.map((tensor, j) => ({ name: `slot${j}`, tensor }))]);
      tf.dispose([iter, ...tensors]);
      // setWeights recomputes Adam's running beta powers with pow(); put back the exact values.
      const beta = adamBetaPowers(this.optimizers[i]);
      if (sg.accBeta && beta) {
        const [b1, b2] = [tf.scalar(sg.accBeta[0]), tf.scalar(sg.accBeta[1])];
        beta[0].assign(b1);
        beta[1].assign(b2);
        tf.dispose([b1, b2]);
      }
    }
  }

  dispose(): void {
    for (const o of this.optimizers) o.dispose();
  }
}

/**
 * The compiled engine: the whole step in one TensorFlow graph that holds the weights while
 * it trains. They are copied back into the model at every epoch end ({@link syncOut}, only
 * when a step ran) and in again before the next step ({@link syncIn}, after a syncOut).
 */
class CompiledEngine implements StepEngine {
  readonly kind = 'graph';
  private dirty = false; // the session's weights are ahead of the model's
  private stale = false; // the model's weights may be ahead of the session's

  constructor(
    private readonly cfg: EngineConfig,
    private readonly compiled: CompiledTrainStep,
  ) {}

  step(xs: tfn.Tensor, ys: tfn.Tensor, lrs: number[]): StepOutput {
    const out = this.compiled.step(xs, ys, lrs);
    this.dirty = true;
    return out;
  }

  syncIn(): void {
    if (this.stale) this.compiled.pushWeights();
    this.stale = false;
  }

  syncOut(): void {
    if (this.dirty) this.compiled.pullWeights();
    this.dirty = false;
    this.stale = true;
  }

  async capture(): Promise<TrainState> {
    return packTrainState(this.cfg.model, this.cfg.optimizer, this.cfg.groups, this.compiled.state());
  }

  async restore(state?: TrainState): Promise<void> {
    // Weights from the model; slots from the state, or fresh (zeros, Adam's beta powers at beta1/beta2).
    const groups = state ? unpackTrainState(this.cfg.model, this.cfg.optimizer, this.cfg.groups, state) : undefined;
    this.compiled.init(groups?.some((g) => g.iterations > 0) ? groups : undefined);
  }

  dispose(): void {
    // The compiled step stays cached for the next train() on this net (releaseCachedTrainStep closes it).
  }
}

/** How to choose the engine (see `TrainOptions.engine`). */
export type EngineChoice = 'auto' | 'graph' | 'eager';

/**
 * Open the engine for a run: compiled when asked for and supported (for 'auto', also only
 * when the run is long enough to repay compiling, see {@link AUTO_COMPILE_MIN_STEPS}), else
 * eager (with the reason); restored from `state` when given. The one place a run's resources are acquired:
 * on any failure here nothing is left held.
 *
 * @returns the engine, and why it is eager (when it is)
 */
export async function openEngine(
  cfg: EngineConfig,
  choice: EngineChoice,
  lr: number,
  state?: TrainState,
): Promise<{ engine: StepEngine; eagerReason?: string }> {
  let eagerReason: string | undefined = "engine 'eager'";
  let engine: StepEngine | null = null;
  const opts = { optimizer: cfg.optimizer, numClasses: cfg.numClasses };
  const steps = cfg.plannedSteps;
  if (
    choice === 'auto' &&
    steps !== undefined &&
    steps < AUTO_COMPILE_MIN_STEPS &&
    !trainStepUnsupported(cfg.model, opts) &&
    !hasCachedTrainStep(cfg.model, cfg.groups, opts)
  ) {
    eagerReason = `engine 'auto': ${steps} planned step${steps === 1 ? '' : 's'}, fewer than the ${AUTO_COMPILE_MIN_STEPS} that repay compiling the step`;
  } else if (choice !== 'eager') {
    const made = cachedTrainStep(cfg.model, cfg.groups, opts);
    if (typeof made === 'string') {
      if (choice === 'graph')
        throw new Error(
          `engine 'graph': the training step of '${cfg.model.name}' cannot be compiled: ${made}. Fix: use engine 'auto' (falls back to the eager loop) or 'eager'.`,
        );
      eagerReason = made;
    } else {
      engine = new CompiledEngine(cfg, made);
      eagerReason = undefined;
    }
  }
  engine ??= new EagerEngine(cfg, lr);
  try {
    await engine.restore(state);
  } catch (e) {
    engine.dispose();
    throw e;
  }
  return { engine, eagerReason };
}
