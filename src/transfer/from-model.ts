/**
 * Any tfjs layers model as a `Net` (fastai's `Learner(dls, model, splitter=...)`): the
 * layer groups come from a splitter function, explicit names, or the layers at which
 * new groups start; class names and preprocessing are checked against the model's
 * output and input shapes. `loadModelAsNet` does the same for a model.json on disk
 * (e.g. one converted from Keras with tensorflowjs_converter), turning tfjs's
 * "Unknown layer" into an error that says what to do.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { Net, LayerGroup, Preprocessing, checkModel } from './net';
import { patchBatchNorm } from './freeze';
import { loadLayersModelClean, modelFilesProblem } from './io';
import './layers';

/** Options for {@link netFromModel}. Give at most one of `splitter`, `groups`, `splitAt`. */
export interface NetFromModelOptions {
  /** A function from the model to its layer groups, input to output (like the zoo's `mobilenetSplitter`). */
  splitter?: (model: tfn.LayersModel) => LayerGroup[];
  /** The groups by name, input to output: `{ body: ['conv1', 'conv2'], head: ['dense'] }` or a LayerGroup list. */
  groups?: Record<string, string[]> | LayerGroup[];
  /**
   * Layer names at which a new group starts: `['block2_conv', 'dense']` makes groups
   * `group1` (input to before block2_conv), `group2`, and `head` (from 'dense' on).
   */
  splitAt?: string[];
  /**
   * Class names of the outputs. Default '0'..'k-1' for a [batch, k] output; pass `[]` for a
   * feature extractor.
   */
  classNames?: string[];
  /** How raw 0-255 pixels become inputs. Default: size and channels from the input shape, pixels / 255. */
  preprocessing?: Preprocessing;
  /**
   * Append a softmax when the last layer outputs raw scores (a Dense without activation,
   * common in Keras models trained `from_logits`). Default false: such a model is an error,
   * since the library's loss and predictions read probabilities.
   */
  addSoftmax?: boolean;
  /** Where the weights came from, for reports. Default `model:<model name>`. */
  origin?: string;
}

/**
 * The default split: `body` (every layer before the last layer with weights) and `head`
 * (that layer and what follows), so `freeze(net)` trains only the classifier.
 *
 * @example
 * bodyHeadSplitter(model); // [{ name: 'body', layers: [...] }, { name: 'head', layers: ['dense_2'] }]
 */
export function bodyHeadSplitter(model: tfn.LayersModel): LayerGroup[] {
  checkModel(model, 'bodyHeadSplitter');
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  let last = -1;
  layers.forEach((l, i) => {
    if (l.weights.length > 0) last = i;
  });
  if (last < 0)
    throw new Error(
      `model '${model.name}' has no layer with weights: there is nothing to train or transfer. Fix: pass a model with at least one Dense or Conv layer.`,
    );
  const groups = [
    { name: 'body', layers: layers.slice(0, last).map((l) => l.name) },
    { name: 'head', layers: layers.slice(last).map((l) => l.name) },
  ];
  return groups.filter((g) => g.layers.length > 0);
}

function splitAtGroups(model: tfn.LayersModel, at: string[]): LayerGroup[] {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name);
  const starts = at.map((name) => {
    const i = layers.indexOf(name);
    if (i < 0)
      throw new Error(
        `netFromModel: splitAt names layer '${name}', which model '${model.name}' does not have. Known layers: ${layers.join(', ')}. Fix: use names from that list.`,
      );
    return i;
  });
  if (starts.some((s, i) => i > 0 && s <= starts[i - 1]))
    throw new Error(
      `netFromModel: splitAt layers must be in model order (input to output) without repeats, got ${at.join(', ')}. Fix: sort them by their position in model.layers.`,
    );
  const bounds = [0, ...starts.filter((s) => s > 0), layers.length];
  const n = bounds.length - 1;
  return Array.from({ length: n }, (_, g) => ({ name: g === n - 1 ? 'head' : `group${g + 1}`, layers: layers.slice(bounds[g], bounds[g + 1]) }));
}

function checkGroups(model: tfn.LayersModel, groups: unknown, where: string): LayerGroup[] {
  if (!Array.isArray(groups) || groups.length === 0)
    throw new Error(
      `netFromModel: ${where} gave ${Array.isArray(groups) ? 'no groups' : typeof groups}, not a list of { name, layers }. Fix: return e.g. [{ name: 'body', layers: [...] }, { name: 'head', layers: ['dense'] }].`,
    );
  const known = new Map(model.layers.map((l) => [l.name, l]));
  const owner = new Map<string, string>();
  const names = new Set<string>();
  for (const g of groups as LayerGroup[]) {
    if (!g || typeof g.name !== 'string' || g.name === '' || !Array.isArray(g.layers))
      throw new Error(
        `netFromModel: ${where} gave a group that is not { name, layers: string[] } (${JSON.stringify(g)}). Fix: give every group a name and a list of layer names.`,
      );
    if (names.has(g.name)) throw new Error(`netFromModel: group name '${g.name}' appears twice. Fix: give each group its own name.`);
    names.add(g.name);
    for (const l of g.layers) {
      if (!known.has(l))
        throw new Error(
          `netFromModel: group '${g.name}' names layer '${l}', which model '${model.name}' does not have. Known layers: ${[...known.keys()].join(', ')}. Fix: use names from that list.`,
        );
      if (owner.has(l)) throw new Error(`netFromModel: layer '${l}' is in two groups ('${owner.get(l)}' and '${g.name}'). Fix: put each layer in one group.`);
      owner.set(l, g.name);
    }
  }
  const loose = model.layers.filter((l) => l.weights.length > 0 && !owner.has(l.name)).map((l) => l.name);
  if (loose.length)
    throw new Error(
      `netFromModel: layers with weights ${loose.join(', ')} are in no group, so freeze/unfreeze could not reach them. Fix: add them to a group (or use splitAt, which covers every layer).`,
    );
  return (groups as LayerGroup[]).map((g) => ({ name: g.name, layers: [...g.layers] }));
}

function defaultPreprocessing(model: tfn.LayersModel): Preprocessing {
  const shape = model.inputs[0].shape;
  const [h, w, c] = [shape[1], shape[2], shape[3]];
  if (shape.length !== 4 || !Number.isInteger(h) || !Number.isInteger(w) || (c !== 1 && c !== 3)) {
    throw new Error(
      `netFromModel: cannot infer the preprocessing of model '${model.name}' from its input shape [${shape.map(String)}] (not [batch, height, width, 1 or 3]). Fix: pass { preprocessing: { height, width, channels, mean, std } }.`,
    );
  }
  return { height: h as number, width: w as number, channels: c as number };
}

function isSoftmax(model: tfn.LayersModel): boolean {
  const last = model.getLayer(model.outputNames[0]);
  const cfg = last.getConfig() as { activation?: unknown };
  return last.getClassName() === 'Softmax' || cfg.activation === 'softmax' || (last.getClassName() === 'Activation' && cfg.activation === 'softmax');
}

/**
 * Make a Net (model + layer groups + class names + preprocessing) of any tfjs layers
 * model, e.g. one built with `tf.sequential`/`tf.model` or loaded from a converted Keras
 * model. The Net shares the model's layers and weights. Groups come from `splitter`,
 * `groups` or `splitAt`; by default {@link bodyHeadSplitter}. Every layer with weights must
 * be in a group.
 *
 * @example
 * const net = netFromModel(model, { groups: { body: ['conv1', 'conv2'], head: ['logits'] }, classNames: ['cat', 'dog'] });
 * freeze(net); await train(net, imageSource(ds, net.preprocessing));
 * // introduced in notebooks/06-your-own-images.ipynb
 */
export function netFromModel(model: tfn.LayersModel, opts: NetFromModelOptions = {}): Net {
  checkModel(model, 'netFromModel');
  if (opts === null || typeof opts !== 'object')
    throw new Error(
      `netFromModel: options must be an object, got ${opts === null ? 'null' : typeof opts}. Fix: pass e.g. { classNames: ['cat', 'dog'] } or nothing.`,
    );
  const given = (['splitter', 'groups', 'splitAt'] as const).filter((k) => opts[k] !== undefined);
  if (given.length > 1)
    throw new Error(`netFromModel: give one of splitter, groups and splitAt, got ${given.join(' and ')}. Fix: keep the one that describes the groups.`);
  if (opts.splitter !== undefined && typeof opts.splitter !== 'function')
    throw new Error(
      `netFromModel: splitter must be a function (model) => LayerGroup[], got ${typeof opts.splitter}. Fix: pass e.g. { splitter: mobilenetSplitter }, or use groups.`,
    );
  if (opts.splitAt !== undefined && (!Array.isArray(opts.splitAt) || opts.splitAt.some((s) => typeof s !== 'string')))
    throw new Error(
      `netFromModel: splitAt must be a list of layer names, got ${JSON.stringify(opts.splitAt)}. Fix: pass e.g. { splitAt: ['block2_conv', 'dense'] }.`,
    );
  const out = model.outputs[0].shape;
  const classifier = out.length === 2 && Number.isInteger(out[1]);
  const classNames = opts.classNames ?? (classifier ? Array.from({ length: out[1] as number }, (_, i) => String(i)) : []);
  if (!Array.isArray(classNames) || classNames.some((c) => typeof c !== 'string'))
    throw new Error(
      `netFromModel: classNames must be a list of strings, got ${JSON.stringify(opts.classNames)}. Fix: pass e.g. { classNames: ['cat', 'dog'] }.`,
    );
  if (classNames.length > 0 && (!classifier || classNames.length !== out[1])) {
    throw new Error(
      `netFromModel: ${classNames.length} class names for a model whose output has shape [${out.map(String)}]. Fix: pass one name per output unit (${classifier ? out[1] : 'the output is not [batch, classes]'}), or [] for a feature extractor.`,
    );
  }
  if (model.inputs.length !== 1 || model.outputs.length !== 1)
    throw new Error(
      `netFromModel: model '${model.name}' has ${model.inputs.length} inputs and ${model.outputs.length} outputs; a Net has one of each. Fix: build a single-input, single-output model (tf.model({ inputs, outputs })).`,
    );
  const pre = opts.preprocessing ?? defaultPreprocessing(model);
  if (!pre || !Number.isInteger(pre.height) || !Number.isInteger(pre.width) || (pre.channels !== 1 && pre.channels !== 3))
    throw new Error(
      `netFromModel: preprocessing must be { height, width, channels: 1 | 3, mean?, std? }, got ${JSON.stringify(pre)}. Fix: pass the input size the model expects.`,
    );
  let groups: LayerGroup[];
  if (opts.splitter) groups = checkGroups(model, opts.splitter(model), 'the splitter');
  else if (opts.splitAt) groups = checkGroups(model, splitAtGroups(model, opts.splitAt), 'splitAt');
  else if (opts.groups)
    groups = checkGroups(model, Array.isArray(opts.groups) ? opts.groups : Object.entries(opts.groups).map(([name, layers]) => ({ name, layers })), 'groups');
  else groups = bodyHeadSplitter(model);
  const logits = classifier && classNames.length > 0 && !isSoftmax(model);
  if (logits && !opts.addSoftmax)
    throw new Error(
      `netFromModel: the last layer of model '${model.name}' ('${model.outputNames[0]}') does not end in a softmax, so its outputs are not class probabilities. Fix: pass { addSoftmax: true } to append one (for a Keras model trained from_logits), or give the last layer activation 'softmax'.`,
    );
  let m = model;
  if (logits) {
    const softmax = tf.layers.activation({ activation: 'softmax', name: `${model.name}_softmax` });
    m = tf.model({ inputs: model.inputs, outputs: softmax.apply(model.outputs[0]) as tfn.SymbolicTensor, name: model.name });
    groups[groups.length - 1].layers.push(softmax.name);
  }
  patchBatchNorm(m);
  return { model: m, groups, classNames, preprocessing: { ...pre }, origin: opts.origin ?? `model:${model.name}` };
}

/**
 * Load a tfjs layers model.json from disk (e.g. the output of `tensorflowjs_converter
 * --input_format keras`) and make it a Net with {@link netFromModel}. A layer class tfjs
 * does not know (a Keras custom layer or Lambda) is named with the fix.
 *
 * @example
 * const net = await loadModelAsNet('converted/model.json', { splitAt: ['block5_conv1', 'predictions'], classNames });
 */
export async function loadModelAsNet(file: string, opts: NetFromModelOptions = {}): Promise<Net> {
  if (typeof file !== 'string' || file === '')
    throw new Error(`loadModelAsNet: expected the path of a model.json file, got ${JSON.stringify(file)}. Fix: pass e.g. 'converted/model.json'.`);
  const f = fs.existsSync(file) && fs.statSync(file).isDirectory() ? path.join(file, 'model.json') : file;
  if (!fs.existsSync(f))
    throw new Error(`loadModelAsNet: ${f} does not exist. Fix: pass the model.json written by tensorflowjs_converter or model.save('file://...').`);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(f, 'utf8'));
  } catch (e) {
    throw new Error(`loadModelAsNet: ${f} is not valid JSON (${(e as Error).message}). Fix: convert or save the model again.`);
  }
  const problem = modelFilesProblem(json, path.dirname(path.resolve(f)));
  if (problem) throw new Error(`loadModelAsNet: ${f}: ${problem}. Fix: convert or save the model again, keeping model.json and its .bin files together.`);
  let model: tfn.LayersModel;
  try {
    model = await loadLayersModelClean(`file://${path.resolve(f)}`);
  } catch (e) {
    const unknown = /Unknown layer: (\w+)/.exec((e as Error).message);
    if (unknown)
      throw new Error(
        `loadModelAsNet: ${f} uses layer class '${unknown[1]}', which tfjs does not know (a custom Keras layer or a Lambda). Fix: register a tfjs implementation first (class ${unknown[1]} extends tf.layers.Layer { static className = '${unknown[1]}' ... }; tf.serialization.registerClass(${unknown[1]})), or replace the layer with built-in ones in Keras before converting.`,
      );
    throw e;
  }
  try {
    return netFromModel(model, { origin: path.resolve(f), ...opts });
  } catch (e) {
    model.dispose();
    throw e;
  }
}
