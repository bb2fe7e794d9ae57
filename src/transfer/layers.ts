/**
 * Custom layers. `SeededDropout` exists because tfjs's Dropout with a `seed` draws the
 * same mask on every call (the seed is reused), and without a seed it is not
 * reproducible. This one draws a fresh mask per call from `seed + callCount`.
 */
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';

/** Options for {@link SeededDropout}. */
export interface SeededDropoutArgs {
  /** Fraction of units dropped during training, in [0, 1). */
  rate: number;
  /** Base seed; call k uses seed + k. Default 0. */
  seed?: number;
  name?: string;
}

/**
 * Dropout that is reproducible and still varies from batch to batch.
 *
 * @example
 * const drop = new SeededDropout({ rate: 0.3, seed: 7 });
 */
export class SeededDropout extends tf.layers.Layer {
  static className = 'SeededDropout';
  readonly rate: number;
  readonly seed: number;
  /** Calls so far in training mode (call k uses seed + k); a resumed run restores it. */
  calls = 0;

  constructor(args: SeededDropoutArgs) {
    super({ name: args.name });
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${args.rate}. Fix: pass a fraction, e.g. rate: 0.2.`);
    if (args.seed !== undefined && !Number.isInteger(args.seed))
      throw new Error(`dropout seed ${args.seed} is not an integer. Fix: pass an integer seed, e.g. seed: 0.`);
    this.rate = args.rate;
    this.seed = args.seed ?? 0;
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: tfn.Shape | tfn.Shape[]): tfn.Shape | tfn.Shape[] {
    return inputShape;
  }

  override call(inputs: tfn.Tensor | tfn.Tensor[], kwargs: Record<string, unknown>): tfn.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs['training'] || this.rate === 0) return tf.clone(x);
    const seed = this.seed + this.calls++;
    return tf.tidy(() => {
      const keep = tf.randomUniform(x.shape, 0, 1, 'float32', seed).greaterEqual(this.rate).toFloat();
      return x.mul(keep).div(1 - this.rate);
    });
  }

  override getConfig(): tfn.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
tf.serialization.registerClass(SeededDropout);

/**
 * Create a {@link SeededDropout} layer.
 *
 * @example
 * const x = seededDropout({ rate: 0.5, seed: 1 }).apply(input);
 */
export function seededDropout(args: SeededDropoutArgs): SeededDropout {
  return new SeededDropout(args);
}
