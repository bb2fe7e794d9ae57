/**
 * `Net`: a tfjs layers model together with what transfer learning needs to know about
 * it: its named layer groups (input to output), its class names, and how its inputs
 * are preprocessed. Every verb of the library takes and returns a Net.
 */
import type * as tfn from '@tensorflow/tfjs-node';

/** How raw 0-255 pixels become model inputs. */
export interface Preprocessing {
  height: number;
  width: number;
  /** 1 (grayscale) or 3 (RGB). */
  channels: number;
  /** Pixels are divided by 255, then `(x - mean) / std`: one value, or one per channel (e.g. ImageNet's). Default mean 0, std 1. */
  mean?: number | number[];
  std?: number | number[];
  /**
   * Resize images of another size to height x width (bilinear) as batches are made, so
   * 28x28 digits or a folder of photos feed a 224x224 net directly. Default false: a size
   * mismatch is an error (the bundled 28x28 backbones keep their exact inputs). The
   * image-folder data kind resizes its stored bytes once per net size instead, for any net
   * (src/experiment/own-data.ts; the two differ in numbers, see tests/image-fit.test.ts).
   */
  resize?: boolean;
}

/** A named, ordered set of layers that are frozen and trained together. */
export interface LayerGroup {
  name: string;
  layers: string[];
}

/** A model with its layer groups, class names and preprocessing. */
export interface Net {
  model: tfn.LayersModel;
  /** Layer groups from input to output; the last one is the head. */
  groups: LayerGroup[];
  /** Class names of the classifier's outputs (empty for a feature extractor). */
  classNames: string[];
  preprocessing: Preprocessing;
  /** Where the weights came from, e.g. `fashion-mnist-cnn` or `scratch(seed=3)`. */
  origin: string;
}

function isModel(x: unknown): x is tfn.LayersModel {
  return !!x && typeof x === 'object' && Array.isArray((x as { layers?: unknown }).layers) && typeof (x as { predict?: unknown }).predict === 'function';
}

function isNet(x: unknown): x is Net {
  return !!x && typeof x === 'object' && isModel((x as { model?: unknown }).model) && Array.isArray((x as { groups?: unknown }).groups);
}

function describe(x: unknown): string {
  if (isNet(x)) return 'a Net';
  if (isModel(x)) return 'a tf.LayersModel';
  return x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x;
}

/**
 * Throw a clear error unless `x` is a Net ({model, groups, ...}); the usual mistake,
 * passing `net.model`, is named. Used by every verb that takes a Net.
 *
 * @example
 * checkNet(net, 'freeze');
 */
export function checkNet(x: unknown, where: string): asserts x is Net {
  if (isNet(x)) return;
  throw new Error(
    `${where} expects a Net ({ model, groups, classNames, preprocessing }), got ${describe(x)}. Fix: ${isModel(x) ? 'pass the Net itself, not net.model' : 'pass a Net from loadBackbone, withHead or loadNet'}.`,
  );
}

/**
 * Throw a clear error unless `x` is a tfjs LayersModel; passing a Net is named.
 *
 * @example
 * checkModel(net.model, 'getLayer');
 */
export function checkModel(x: unknown, where: string): asserts x is tfn.LayersModel {
  if (isModel(x)) return;
  throw new Error(`${where} expects a tf.LayersModel, got ${describe(x)}. Fix: ${isNet(x) ? 'pass net.model' : 'pass a layers model (e.g. net.model)'}.`);
}

/**
 * Find a layer by name, with an error that lists the names there are.
 *
 * @example
 * const layer = getLayer(net.model, 'block2_conv');
 */
export function getLayer(model: tfn.LayersModel, name: string): tfn.layers.Layer {
  checkModel(model, 'getLayer');
  const layer = model.layers.find((l) => l.name === name);
  if (!layer) {
    const names = model.layers.map((l) => l.name);
    throw new Error(`unknown layer '${name}' in model '${model.name}'. Known layers: ${names.join(', ')}`);
  }
  return layer;
}

/**
 * Find a layer group by name or by index (negative counts from the end).
 *
 * @example
 * findGroup(net, 'head'); findGroup(net, -1);
 */
export function findGroup(net: Net, group: string | number): LayerGroup {
  checkNet(net, 'findGroup');
  if (typeof group === 'number') {
    const i = group < 0 ? net.groups.length + group : group;
    const g = net.groups[i];
    if (!Number.isInteger(group) || !g)
      throw new Error(`layer group index ${group} is out of range: this net has ${net.groups.length} groups (${groupNames(net)}).`);
    return g;
  }
  const g = net.groups.find((x) => x.name === group);
  if (!g) throw new Error(`unknown layer group '${group}'. Known groups: ${groupNames(net)}`);
  return g;
}

function groupNames(net: Net): string {
  return net.groups.map((g) => g.name).join(', ');
}

/** Number of trainable parameters of a model (those `fit` would update). */
export function trainableParams(model: tfn.LayersModel): number {
  checkModel(model, 'trainableParams');
  return model.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
}
