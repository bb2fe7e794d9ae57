/**
 * Copies of a net and freeing them: `cloneNet` (same weights, own layers, so a run can
 * train it without touching the original), the rebuild it shares with `scratch` (same
 * architecture, fresh weights), and `disposeModels` (free models that share layers).
 */
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { Net, checkNet, checkModel } from './net';
import { patchBatchNorm, markChanged } from './freeze';
import { disposeLayerFully } from '../internals/tfjs';

/**
 * A net with the same architecture and its own, new layers: `init` sets the new model's
 * weights and trainable flags; BatchNorm patching and the change mark follow.
 *
 * @example
 * const copy = await rebuildNet(net, (m) => m.setWeights(net.model.getWeights()));
 */
export async function rebuildNet(net: Net, init: (model: tfn.LayersModel) => void, origin = net.origin): Promise<Net> {
  // returnString false gives the dict; toJSON's typings do not narrow on that argument.
  const topology = net.model.toJSON(undefined, false) as Exclude<ReturnType<tfn.LayersModel['toJSON']>, string>;
  const model = await tf.models.modelFromJSON({ modelTopology: topology });
  init(model);
  patchBatchNorm(model);
  markChanged(model);
  return { ...net, model, origin, groups: net.groups.map((g) => ({ ...g, layers: [...g.layers] })) };
}

/**
 * A copy of a net with its own layers and weights (same topology, same values), so a run
 * can train it without touching the original.
 *
 * @example
 * const copy = await cloneNet(backbone);
 */
export async function cloneNet(net: Net): Promise<Net> {
  checkNet(net, 'cloneNet');
  return rebuildNet(net, (model) => {
    model.setWeights(net.model.getWeights());
    for (const l of model.layers) l.trainable = net.model.getLayer(l.name).trainable;
  });
}

/**
 * Free the weights of models that may share layers (a head net and its backbone, a cut):
 * each layer is disposed once, whichever models use it.
 *
 * @example
 * disposeModels(headNet.model, backbone.model);
 */
export function disposeModels(...models: tfn.LayersModel[]): void {
  models.forEach((m, i) => checkModel(m, `disposeModels (argument ${i + 1})`));
  const seen = new Set<unknown>();
  for (const m of models) {
    for (const layer of m.layers) {
      if (seen.has(layer)) continue;
      seen.add(layer);
      disposeLayerFully(layer);
    }
  }
}
