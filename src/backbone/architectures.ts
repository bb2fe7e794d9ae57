/**
 * The architectures of the bundled backbones, built with named layers so that cuts,
 * layer groups and heads refer to names, never to indices.
 */
import { tf } from '../backend';
import { seededDropout } from '../transfer/layers';
import { tfSeed } from '../random';

/** Options for {@link buildSmallCnn}. */
export interface SmallCnnArgs {
  /** Input height, width, channels. Default [28, 28, 1]. */
  inputShape?: [number, number, number];
  /** Number of output classes of the classifier. Default 10. */
  classes?: number;
  /** Filters of the three conv blocks. Default [32, 64, 128]. */
  filters?: [number, number, number];
  /** Units of the embedding layer (the `features` cut). Default 256. */
  embedUnits?: number;
  /** Dropout before the classifier. Default 0.3. */
  dropout?: number;
  /** Seed for the initial weights (and dropout). Default 0. */
  seed?: number;
  /** Model name. Default 'small-cnn'. */
  name?: string;
}

/** The layer groups of {@link buildSmallCnn}, in order from input to output. */
export const SMALL_CNN_GROUPS: Record<string, string[]> = {
  block1: ['block1_conv', 'block1_bn', 'block1_relu', 'block1_pool'],
  block2: ['block2_conv', 'block2_bn', 'block2_relu', 'block2_pool'],
  block3: ['block3_conv', 'block3_bn', 'block3_relu', 'block3_pool'],
  embed: ['flatten', 'embed_dense', 'embed_bn', 'features'],
  head: ['head_dropout', 'logits'],
};

/**
 * A small BatchNorm CNN: three conv blocks (conv 3x3 'same' -> BatchNorm -> ReLU ->
 * max-pool 2x2), a dense embedding (`features`, after BatchNorm and ReLU), dropout and a
 * softmax classifier (`logits`). 28x28x1 -> 14 -> 7 -> 3 -> 256 -> classes.
 *
 * @returns an uncompiled functional model whose layer names match {@link SMALL_CNN_GROUPS}
 * @example
 * const model = buildSmallCnn({ classes: 10, seed: 1 });
 * model.getLayer('features').outputShape; // [null, 256]
 */
export function buildSmallCnn(args: SmallCnnArgs = {}): import('@tensorflow/tfjs-node').LayersModel {
  const inputShape = args.inputShape ?? [28, 28, 1];
  const classes = args.classes ?? 10;
  const filters = args.filters ?? [32, 64, 128];
  const embedUnits = args.embedUnits ?? 256;
  const dropout = args.dropout ?? 0.3;
  const seed = args.seed ?? 0;
  if (!Number.isInteger(classes) || classes < 2) throw new Error(`classes must be an integer >= 2, got ${classes}`);
  let s = seed * 1000;
  const init = () => tf.initializers.heNormal({ seed: tfSeed(s++) });
  const input = tf.input({ shape: inputShape, name: 'input' });
  let x: import('@tensorflow/tfjs-node').SymbolicTensor = input;
  filters.forEach((f, i) => {
    const b = `block${i + 1}`;
    x = tf.layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init(), name: `${b}_conv` }).apply(x) as typeof x;
    x = tf.layers.batchNormalization({ name: `${b}_bn` }).apply(x) as typeof x;
    x = tf.layers.activation({ activation: 'relu', name: `${b}_relu` }).apply(x) as typeof x;
    x = tf.layers.maxPooling2d({ poolSize: 2, name: `${b}_pool` }).apply(x) as typeof x;
  });
  x = tf.layers.flatten({ name: 'flatten' }).apply(x) as typeof x;
  x = tf.layers.dense({ units: embedUnits, useBias: false, kernelInitializer: init(), name: 'embed_dense' }).apply(x) as typeof x;
  x = tf.layers.batchNormalization({ name: 'embed_bn' }).apply(x) as typeof x;
  x = tf.layers.activation({ activation: 'relu', name: 'features' }).apply(x) as typeof x;
  x = seededDropout({ rate: dropout, seed: s++, name: 'head_dropout' }).apply(x) as typeof x;
  const out = tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: tfSeed(s++) }), name: 'logits' }).apply(x) as typeof x;
  return tf.model({ inputs: input, outputs: out, name: args.name ?? 'small-cnn' });
}
