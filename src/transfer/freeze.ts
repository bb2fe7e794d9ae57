/**
 * Freezing by layer group, name or pattern, with the consequences handled here so a
 * notebook never has to remember them:
 * - a frozen BatchNormalization layer runs in inference mode (uses and keeps its moving
 *   statistics), as in Keras 2+; stock tfjs normalises it with batch statistics and
 *   keeps updating them during `fit`, whatever `trainable` says;
 * - the set of trainable weights is re-read by the library's training loop on every call,
 *   and `markChanged` tells it to reset optimizer state; a model compiled for `fit` is
 *   recompiled with its previous settings.
 */
import type * as tfn from '@tensorflow/tfjs-node';
import { Net, LayerGroup, findGroup, getLayer, checkNet, checkModel } from './net';
import { compiledMetrics, layerFlags } from '../internals/tfjs';

const PATCHED = Symbol('transfer-lab.bnPatched');
const BN_INFERENCE = Symbol('transfer-lab.bnInference');
const VERSION = Symbol('transfer-lab.trainableVersion');

/**
 * Make every BatchNormalization layer of a model honour `trainable`: when the layer is
 * frozen it runs in inference mode during training (moving statistics used and not
 * updated). Idempotent; the library calls it for every Net it builds or loads.
 *
 * @example
 * patchBatchNorm(net.model);
 */
export function patchBatchNorm(model: tfn.LayersModel): void {
  checkModel(model, 'patchBatchNorm');
  for (const layer of model.layers) {
    const flags = layerFlags(layer);
    if (layer.getClassName() !== 'BatchNormalization' || flags[PATCHED]) continue;
    const call = layer.call.bind(layer);
    layer.call = (inputs, kwargs) => call(inputs, layer.trainable && !flags[BN_INFERENCE] ? kwargs : { ...(kwargs ?? {}), training: false });
    flags[PATCHED] = true;
  }
}

/**
 * Whether a BatchNorm layer runs in inference mode while training (frozen, or set by
 * `setBatchNormMode(net, 'inference')`): it then uses and keeps its moving statistics.
 *
 * @example
 * batchNormInInference(net.model.getLayer('block1_bn')); // true after freeze(net)
 */
export function batchNormInInference(layer: tfn.layers.Layer): boolean {
  return !layer.trainable || layerFlags(layer)[BN_INFERENCE] === true;
}

/** How BatchNorm layers behave while their group trains. */
export type BatchNormMode = 'train' | 'inference';

/**
 * Choose how the BatchNorm layers of a net behave when they are trainable:
 * `'train'` (normalise with batch statistics and update the moving ones: training from
 * scratch) or `'inference'` (use and keep the pretrained moving statistics while gamma and
 * beta still learn: the Keras rule for fine-tuning, and what keeps small-data fine-tuning
 * stable). Frozen BatchNorm layers are always in inference mode.
 *
 * @example
 * setBatchNormMode(net, 'inference');
 */
export function setBatchNormMode(net: Net, mode: BatchNormMode): Net {
  checkNet(net, 'setBatchNormMode');
  if (mode !== 'train' && mode !== 'inference') throw new Error(`BatchNorm mode must be 'train' or 'inference', got '${String(mode)}'.`);
  patchBatchNorm(net.model);
  for (const layer of net.model.layers) {
    if (layer.getClassName() === 'BatchNormalization') layerFlags(layer)[BN_INFERENCE] = mode === 'inference';
  }
  return net;
}

/** The layer names a selector picks: a group name/index, a layer name, or a RegExp on layer names. */
export type LayerSelector = string | number | RegExp | (string | number | RegExp)[];

function selectLayers(net: Net, sel: LayerSelector): string[] {
  checkNet(net, 'freeze/unfreeze');
  const parts = Array.isArray(sel) ? sel : [sel];
  const names: string[] = [];
  for (const p of parts) {
    if (p instanceof RegExp) {
      const hit = net.model.layers.filter((l) => p.test(l.name)).map((l) => l.name);
      if (hit.length === 0) throw new Error(`pattern ${p} matches no layer. Known layers: ${net.model.layers.map((l) => l.name).join(', ')}`);
      names.push(...hit);
    } else if (typeof p === 'number' || net.groups.some((g) => g.name === p)) {
      names.push(...findGroup(net, p).layers);
    } else {
      names.push(getLayer(net.model, p).name);
    }
  }
  return names;
}

function setTrainable(net: Net, names: string[], trainable: boolean): void {
  patchBatchNorm(net.model);
  for (const n of names) getLayer(net.model, n).trainable = trainable;
  markChanged(net.model);
}

/**
 * Record that the trainable set changed: the training loop resets its optimizer state,
 * and a model compiled for tfjs `fit` is recompiled (tfjs fixes the trainable weights at
 * compile time).
 */
export function markChanged(model: tfn.LayersModel): void {
  checkModel(model, 'markChanged');
  const m = model as tfn.LayersModel & { [VERSION]?: number };
  m[VERSION] = (m[VERSION] ?? 0) + 1;
  if (model.optimizer && model.loss) {
    model.compile({ optimizer: model.optimizer, loss: model.loss, metrics: compiledMetrics(model) });
  }
}

/** A counter that changes whenever the model's trainable set changes (see markChanged). */
export function trainableVersion(model: tfn.LayersModel): number {
  return (model as tfn.LayersModel & { [VERSION]?: number })[VERSION] ?? 0;
}

/**
 * Freeze layers: by group name or index, layer name, or RegExp. With no selector, freeze
 * every group but the last (the head), as fastai's `freeze()`.
 *
 * @example
 * freeze(net);               // everything but the head
 * freeze(net, 'block1');     // one group
 * freeze(net, /_bn$/);       // every BatchNorm layer
 */
export function freeze(net: Net, sel?: LayerSelector): Net {
  checkNet(net, 'freeze');
  if (sel === undefined) return freezeTo(net, -1);
  setTrainable(net, selectLayers(net, sel), false);
  return net;
}

/**
 * Unfreeze layers (same selectors as {@link freeze}); with no selector, everything.
 *
 * @example
 * unfreeze(net, 'block3');
 */
export function unfreeze(net: Net, sel?: LayerSelector): Net {
  checkNet(net, 'unfreeze');
  const names = sel === undefined ? net.model.layers.map((l) => l.name) : selectLayers(net, sel);
  setTrainable(net, names, true);
  return net;
}

/**
 * Freeze the groups before group `n` and unfreeze group `n` and after (fastai's
 * `freeze_to`): `freezeTo(net, -1)` trains only the head, `freezeTo(net, 0)` everything.
 *
 * @example
 * freezeTo(net, -2); // train the last body group and the head
 */
export function freezeTo(net: Net, n: number): Net {
  checkNet(net, 'freezeTo');
  if (!Number.isInteger(n) || n < -net.groups.length || n >= net.groups.length) {
    throw new Error(
      `freezeTo(${n}): this net has ${net.groups.length} groups (${net.groups.map((g) => g.name).join(', ')}); use an index from ${-net.groups.length} to ${net.groups.length - 1}.`,
    );
  }
  const k = n < 0 ? net.groups.length + n : n;
  const frozen = net.groups.slice(0, k).flatMap((g) => g.layers);
  const open = net.groups.slice(k).flatMap((g) => g.layers);
  patchBatchNorm(net.model);
  for (const name of frozen) getLayer(net.model, name).trainable = false;
  for (const name of open) getLayer(net.model, name).trainable = true;
  markChanged(net.model);
  return net;
}

/**
 * Which groups are trainable: a map from group name to true/false/'partial'.
 *
 * @example
 * trainableGroups(net); // { block1: false, ..., head: true }
 */
export function trainableGroups(net: Net): Record<string, boolean | 'partial'> {
  checkNet(net, 'trainableGroups');
  const out: Record<string, boolean | 'partial'> = {};
  for (const g of net.groups) {
    const flags = g.layers.map((n) => getLayer(net.model, n).trainable);
    out[g.name] = flags.every(Boolean) ? true : flags.some(Boolean) ? 'partial' : false;
  }
  return out;
}

/** The group a layer belongs to, or undefined. */
export function groupOf(net: Net, layerName: string): LayerGroup | undefined {
  checkNet(net, 'groupOf');
  return net.groups.find((g) => g.layers.includes(layerName));
}
