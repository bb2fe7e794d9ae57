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
  // Check everything before the first layer exists, so a bad argument leaves no weights behind.
  const bad = (what: string, fix: string): never => {
    throw new Error(`buildSmallCnn: ${what}. Fix: ${fix}.`);
  };
  if (!Number.isInteger(classes) || classes < 2) bad(`classes must be an integer >= 2, got ${classes}`, 'pass the number of classes, e.g. classes: 10');
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d > 0))
    bad(`inputShape ${JSON.stringify(inputShape)} is not [height, width, channels] of positive integers`, 'pass e.g. inputShape: [28, 28, 1]');
  if (inputShape[0] < 8 || inputShape[1] < 8)
    bad(
      `inputShape ${JSON.stringify(inputShape)} is too small: three 2x2 poolings need at least 8x8 pixels`,
      'use images of 8x8 pixels or more (resize them when loading)',
    );
  if (!Array.isArray(filters) || filters.length !== 3 || !filters.every((f) => Number.isInteger(f) && f > 0))
    bad(`filters ${JSON.stringify(filters)} is not three positive integers`, 'pass e.g. filters: [32, 64, 128]');
  if (!Number.isInteger(embedUnits) || embedUnits < 1) bad(`embedUnits ${embedUnits} is not a positive integer`, 'pass e.g. embedUnits: 256');
  if (!(dropout >= 0 && dropout < 1)) bad(`dropout ${dropout} is not a fraction in [0, 1)`, 'pass e.g. dropout: 0.3');
  if (!Number.isInteger(seed)) bad(`seed ${seed} is not an integer`, 'pass an integer seed, e.g. seed: 0');
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
  const out = tf.layers
    .dense({ units: classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: tfSeed(s++) }), name: 'logits' })
    .apply(x) as typeof x;
  return tf.model({ inputs: input, outputs: out, name: args.name ?? 'small-cnn' });
}
