/**
 * `transplant`: the operation of Yosinski et al. (2014), "How transferable are features in
 * deep neural networks?": copy the weights of the first n layer groups of a trained net
 * into a freshly initialised net of the same architecture, re-initialise everything above
 * them with a seed, and either freeze the copied groups (AnB) or let them train too (AnB+).
 * With the source trained on the target task itself it builds the self-transfer control
 * (BnB, BnB+).
 */
import { Net, LayerGroup, checkNet } from './net';
import { scratch } from './finetune';
import { freeze } from './freeze';

/** Options for {@link transplant}. */
export interface TransplantOptions {
  /**
   * Which layer groups to copy: a number n copies the first n groups of the source (0 copies
   * nothing, which is `scratch`); a list copies those groups by name. Required.
   */
  groups: number | string[];
  /** Seed of the fresh weights of every layer that is not copied (as `scratch(net, seed)`). Default 0. */
  seed?: number;
  /** Freeze the copied groups (Yosinski's AnB) instead of leaving every layer trainable (AnB+). Default false. */
  freeze?: boolean;
  /**
   * The architecture to build: a net whose layers have the source's names and shapes in the
   * copied groups (e.g. a `withHead` net with a different number of classes). Default: the
   * source's own architecture. Never modified.
   */
  into?: Net;
}

function copiedGroups(source: Net, groups: number | string[]): LayerGroup[] {
  const known = source.groups.map((g) => g.name).join(', ');
  if (typeof groups === 'number') {
    if (!Number.isInteger(groups) || groups < 0 || groups > source.groups.length) {
      throw new Error(
        `transplant: groups must be a whole number from 0 to ${source.groups.length} (this net's groups: ${known}), got ${groups}. Fix: pass e.g. groups: 2 to copy ${source.groups
          .slice(0, 2)
          .map((g) => g.name)
          .join(' and ')}.`,
      );
    }
    return source.groups.slice(0, groups);
  }
  if (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string')) {
    throw new Error(
      `transplant: groups must be a number or a list of group names, got ${JSON.stringify(groups)}. Fix: pass e.g. groups: 2 or groups: ['block1', 'block2'].`,
    );
  }
  return [...new Set(groups)].map((name) => {
    const g = source.groups.find((x) => x.name === name);
    if (!g)
      throw new Error(
        `transplant: unknown layer group '${name}' in the source net. Known groups: ${known}. Fix: use one of these names, or a number of groups.`,
      );
    return g;
  });
}

/**
 * A fresh net whose first layer groups carry a trained net's weights: the copied groups'
 * weights (BatchNorm moving statistics included) come from `source`; every other layer is
 * re-initialised exactly as `scratch(net, seed)` would (so two transplants with the same
 * seed share their fresh upper layers). With `freeze: true` the copied groups are frozen.
 * The result shares nothing with `source`. BatchNorm layers are in the default 'train' mode
 * when trainable (frozen ones run in inference mode); call `setBatchNormMode` to change it.
 *
 * @param source the trained net (e.g. `await loadBackbone('fashion-a-cnn')`)
 * @param opts which groups to copy, the seed of the rest, whether to freeze, the architecture
 * @returns a new Net with origin `transplant(<source origin>: <groups>, seed=<seed>[, frozen])`
 * @throws Error naming an unknown group, a layer missing from the architecture, or weight shapes that differ
 * @example
 * // Yosinski's A3B (frozen) and A3B+ (fine-tuned), introduced in notebooks/05-how-transferable-are-features.ipynb
 * const baseA = await loadBackbone('fashion-a-cnn');
 * const a3b = await transplant(baseA, { groups: 3, seed: 1, freeze: true });   // block1-3 copied and frozen
 * const a3bPlus = await transplant(baseA, { groups: 3, seed: 1 });             // copied, everything trains
 * const b2b = await transplant(baseB, { groups: ['block1', 'block2'], seed: 1, freeze: true });
 */
export async function transplant(source: Net, opts: TransplantOptions): Promise<Net> {
  checkNet(source, 'transplant');
  if (!opts || typeof opts !== 'object') {
    throw new Error(`transplant: options are required, got ${String(opts)}. Fix: pass e.g. transplant(net, { groups: 2, seed: 0, freeze: true }).`);
  }
  const into = opts.into ?? source;
  checkNet(into, 'transplant (into)');
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`transplant: seed must be a non-negative integer, got ${seed}. Fix: pass e.g. seed: 0.`);
  const groups = copiedGroups(source, opts.groups);
  // Check everything before building anything: a failed call leaves no model behind.
  const plan: { name: string; group: string }[] = [];
  for (const g of groups) {
    if (!into.groups.some((x) => x.name === g.name)) {
      throw new Error(
        `transplant: the target architecture has no layer group '${g.name}' (its groups: ${into.groups.map((x) => x.name).join(', ')}). Fix: pass an 'into' net with the same architecture as the source in the copied groups.`,
      );
    }
    for (const name of g.layers) {
      const from = source.model.layers.find((l) => l.name === name);
      const to = into.model.layers.find((l) => l.name === name);
      if (!from)
        throw new Error(
          `transplant: layer '${name}' of group '${g.name}' is not in the source model '${source.model.name}'. Fix: the net's groups must name its own layers (load it with loadBackbone or loadNet).`,
        );
      if (!to) {
        throw new Error(
          `transplant: layer '${name}' of group '${g.name}' is not in the target architecture '${into.model.name}' (mismatched architectures). Fix: pass an 'into' net built from the same backbone (e.g. withHead(backbone, ...)), or copy fewer groups.`,
        );
      }
      const a = from.weights.map((w) => JSON.stringify(w.shape));
      const b = to.weights.map((w) => JSON.stringify(w.shape));
      if (a.length !== b.length || a.some((s, i) => s !== b[i])) {
        throw new Error(
          `transplant: layer '${name}' of group '${g.name}' has weights of shapes [${a.join(', ')}] in the source but [${b.join(', ')}] in the target (mismatched architectures). Fix: build the target with the same filters/units as the source, or copy fewer groups.`,
        );
      }
      plan.push({ name, group: g.name });
    }
  }
  const net = await scratch(into, seed);
  for (const { name } of plan) {
    // Layer.setWeights writes each value into the target's own variables: nothing is shared.
    net.model.getLayer(name).setWeights(source.model.getLayer(name).getWeights());
  }
  if (opts.freeze && groups.length > 0)
    freeze(
      net,
      groups.map((g) => g.name),
    );
  const what = groups.length ? groups.map((g) => g.name).join('+') : 'nothing';
  net.origin = `transplant(${source.origin}: ${what}, seed=${seed}${opts.freeze && groups.length ? ', frozen' : ''})`;
  return net;
}
