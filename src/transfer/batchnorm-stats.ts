/**
 * Re-estimating BatchNorm moving statistics after training ("precise BN", Wu & Johnson
 * 2021; PyTorch's `torch.optim.swa_utils.update_bn`): a net trained with BatchNorm in
 * training mode normalises every batch with that batch's statistics, while at test time it
 * uses the moving averages. After a few dozen steps (small data) those averages are still
 * near their initial values (mean 0, variance 1), so the test-time net computes a different
 * function from the one that was trained. One forward pass over the training data, in
 * training mode, measures what the trained weights actually produce and stores it.
 */
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { Net, checkNet } from './net';
import { batchNormInInference, patchBatchNorm } from './freeze';
import { BatchSource } from '../train/source';
import { Random } from '../random';
import { checkPositiveInt } from '../util/args';

/** Options for {@link recomputeBatchNormStats}. */
export interface RecomputeBatchNormOptions {
  /**
   * Examples per forward pass. Default 64 (train()'s default). Use the training batch size:
   * training-mode BatchNorm normalised batches of that size, and the variance stored is the
   * average within-batch variance.
   */
  batchSize?: number;
  /** Seed of the order the examples are batched in (shuffled, as in training). Default 0. */
  seed?: number;
}

/** What {@link recomputeBatchNormStats} did. */
export interface BatchNormStatsReport {
  /** The BatchNorm layers whose moving statistics were replaced (those in training mode). */
  layers: string[];
  /** Forward passes made. */
  batches: number;
  /** Examples seen. */
  samples: number;
}

/**
 * Layers whose output depends on `training` other than BatchNorm: noise that training adds
 * and inference leaves out. The statistics pass runs them in inference mode.
 */
const TRAINING_NOISE = new Set(['Dropout', 'SeededDropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

/**
 * Run `fn` with every noise layer of `model` (dropout, Gaussian noise) in inference mode,
 * whatever `training` its caller passes; their `call` is put back afterwards. A
 * SeededDropout layer then neither draws a mask nor advances its call counter.
 */
function withoutTrainingNoise<T>(model: tfn.LayersModel, fn: () => T): T {
  const patched = model.layers.filter((l) => TRAINING_NOISE.has(l.getClassName()));
  const own = patched.map((l) => Object.prototype.hasOwnProperty.call(l, 'call'));
  const calls = patched.map((l) => l.call);
  patched.forEach((l, i) => {
    l.call = (inputs, kwargs) => calls[i].call(l, inputs, { ...(kwargs ?? {}), training: false });
  });
  try {
    return fn();
  } finally {
    patched.forEach((l, i) => {
      if (own[i]) l.call = calls[i];
      else delete (l as { call?: unknown }).call;
    });
  }
}

/**
 * The BatchNorm layers of a model that run in training mode (trainable and not set to inference).
 *
 * @example
 * trainingModeBatchNorms((await scratch(net)).model).map((l) => l.name); // every BatchNorm layer
 */
export function trainingModeBatchNorms(model: tfn.LayersModel): tfn.layers.Layer[] {
  return model.layers.filter((l) => l.getClassName() === 'BatchNormalization' && !batchNormInInference(l));
}

function checkSource(net: Net, data: BatchSource): void {
  if (!data || typeof data.batch !== 'function' || !Array.isArray(data.inputShape) || !Number.isInteger(data.count)) {
    throw new Error(
      'recomputeBatchNormStats: the data is not a BatchSource. Fix: pass the training images as imageSource(train, net.preprocessing) (the data the net was trained on).',
    );
  }
  if (data.count < 1) throw new Error('recomputeBatchNormStats: the data has no examples. Fix: pass the training set the net was trained on.');
  const inShape = net.model.inputs[0].shape.slice(1);
  if (inShape.length !== data.inputShape.length || inShape.some((d, i) => d !== null && d !== data.inputShape[i])) {
    throw new Error(
      `recomputeBatchNormStats: the data has inputs of shape [${data.inputShape}] but model '${net.model.name}' expects [${inShape}]. Fix: use the net's preprocessing (imageSource(train, net.preprocessing)).`,
    );
  }
}

/**
 * Replace the moving mean and variance of every BatchNorm layer that trains in training
 * mode with statistics measured on `data` by the trained weights: one pass in training mode
 * (each batch normalised by its own statistics, exactly as in training), then per layer the
 * sample-weighted average of the batch means and of the batch variances, as
 * PyTorch's `update_bn` and precise BN do. The variances are the biased ones (divided by the
 * batch size), those training mode normalised by; PyTorch averages the unbiased ones, larger
 * by batchSize / (batchSize - 1) (3% at 32). Afterwards inference mode computes, on average,
 * the function that was trained. Layers in inference mode (frozen, or
 * `setBatchNormMode(net, 'inference')`) keep their statistics; a net with none in training
 * mode is left unchanged (`layers` is empty). The pass runs eagerly (forward only, once);
 * the compiled predictor and the next `train()` call read the new values. No augmentation,
 * and no dropout: a dropout layer before a BatchNorm layer runs in inference mode, so the
 * statistics are those of the inputs the layer sees at test time (training-time dropout
 * would inflate the variance: the "variance shift" of Li et al. 2019), the pass is
 * deterministic, and it leaves the dropout layers' call counters (the next masks) alone.
 *
 * Batches: the examples in an order shuffled by `seed`, cut into batches of `batchSize`
 * with a smaller last one, as `train()` batches an epoch; the statistics do not use the
 * layers' momentum (they are a plain average over the whole pass, not a moving one).
 *
 * @param net a net trained with BatchNorm in training mode (e.g. from {@link scratch})
 * @param data the data it was trained on, as a batch source
 * @returns the layers updated, the batches and examples used
 * @example
 * const net = await scratch(withHead(backbone, { cutAt: 'features', classes: 10 }), 0);
 * const src = imageSource(train, net.preprocessing);
 * await train(net, src, { epochs: 10, batchSize: 32 });
 * await recomputeBatchNormStats(net, src, { batchSize: 32 }); // see notebook 04
 */
export async function recomputeBatchNormStats(net: Net, data: BatchSource, opts: RecomputeBatchNormOptions = {}): Promise<BatchNormStatsReport> {
  checkNet(net, 'recomputeBatchNormStats');
  checkSource(net, data);
  const batchSize = opts.batchSize ?? 64;
  checkPositiveInt(batchSize, 'batchSize', { where: 'recomputeBatchNormStats', fix: 'pass the training batch size, e.g. 32, or leave it out (64).' });
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed)) throw new Error(`recomputeBatchNormStats: seed ${seed} is not an integer. Fix: pass an integer seed, e.g. seed: 0.`);
  patchBatchNorm(net.model);
  const layers = trainingModeBatchNorms(net.model);
  if (layers.length === 0) return { layers: [], batches: 0, samples: 0 };
  const axes = layers.map((l) => {
    const rank = (l.input as tfn.SymbolicTensor).shape.length;
    const axis = Number((l.getConfig() as { axis?: number }).axis ?? -1);
    const a = axis < 0 ? axis + rank : axis;
    return Array.from({ length: rank }, (_, i) => i).filter((i) => i !== a);
  });
  // The inputs of every such layer, computed as in training (earlier BatchNorm layers in training mode too).
  const probe = tf.model({ inputs: net.model.inputs, outputs: layers.map((l) => l.input as tfn.SymbolicTensor), name: `${net.model.name}-bn-inputs` });
  const stats = layers.map((l) => {
    const find = (suffix: string) => {
      const w = l.weights.find((v) => v.originalName.endsWith(suffix));
      if (!w)
        throw new Error(
          `recomputeBatchNormStats: BatchNorm layer '${l.name}' has no ${suffix} weight. Fix: pass a net built with tf.layers.batchNormalization.`,
        );
      return w;
    };
    const mean = find('moving_mean');
    const variance = find('moving_variance');
    const c = mean.shape[0] as number;
    return { mean, variance, sumMean: new Float64Array(c), sumVar: new Float64Array(c) };
  });
  // Training mode also runs each layer's moving-average update: the values are replaced at the
  // end, or put back if the pass fails.
  const saved = stats.map((s) => [tf.clone(s.mean.read()), tf.clone(s.variance.read())]);
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  new Random(seed).shuffleInPlace(order);
  let batches = 0;
  try {
    for (let s = 0; s < data.count; s += batchSize) {
      const { xs, ys } = data.batch(order.subarray(s, Math.min(data.count, s + batchSize)));
      const n = xs.shape[0];
      let moments: tfn.Tensor[];
      try {
        moments = tf.tidy(() => {
          const outs = withoutTrainingNoise(net.model, () => probe.apply(xs, { training: true })) as tfn.Tensor | tfn.Tensor[];
          return (Array.isArray(outs) ? outs : [outs]).flatMap((x, i) => {
            const m = tf.moments(x, axes[i]);
            return [m.mean, m.variance];
          });
        });
      } finally {
        tf.dispose([xs, ys]);
      }
      const values = await Promise.all(moments.map((t) => t.data()));
      tf.dispose(moments);
      stats.forEach((st, i) => {
        const [m, v] = [values[2 * i], values[2 * i + 1]];
        for (let c = 0; c < st.sumMean.length; c++) {
          st.sumMean[c] += n * m[c];
          st.sumVar[c] += n * v[c];
        }
      });
      batches++;
    }
    for (const st of stats) {
      for (const [w, sum] of [
        [st.mean, st.sumMean],
        [st.variance, st.sumVar],
      ] as const) {
        const t = tf.tensor1d(Float32Array.from(sum, (v) => v / data.count));
        w.write(t);
        t.dispose();
      }
    }
  } catch (e) {
    stats.forEach((st, i) => {
      st.mean.write(saved[i][0]);
      st.variance.write(saved[i][1]);
    });
    throw e;
  } finally {
    tf.dispose(saved.flat());
  }
  return { layers: layers.map((l) => l.name), batches, samples: data.count };
}
