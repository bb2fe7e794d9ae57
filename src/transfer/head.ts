/**
 * Cutting a backbone at a named layer, and putting a new classifier head on it. The new
 * model reuses the backbone's layer objects, so it shares their weights (no copies):
 * training the new model changes the backbone's weights too, unless they are frozen.
 */
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { Net, LayerGroup, getLayer, checkNet } from './net';
import { seededDropout } from './layers';
import { patchBatchNorm, markChanged, setBatchNormMode } from './freeze';
import { tfSeed } from '../random';

/** The groups of `net` that lie before (and including) `layerName`, trimmed to it. */
function groupsUpTo(net: Net, model: tfn.LayersModel): LayerGroup[] {
  const present = new Set(model.layers.map((l) => l.name));
  return net.groups.map((g) => ({ name: g.name, layers: g.layers.filter((l) => present.has(l)) })).filter((g) => g.layers.length > 0);
}

/**
 * Cut a net at a named layer: a feature extractor from the input to that layer's output.
 * Layers and weights are shared with `net`.
 *
 * @param layerName the last layer kept, e.g. 'features' or 'block2_pool'
 * @example
 * const body = cut(backbone, 'block2_pool');
 * body.model.outputs[0].shape; // [null, 7, 7, 64]
 */
export function cut(net: Net, layerName: string): Net {
  checkNet(net, 'cut');
  const layer = getLayer(net.model, layerName);
  const model = tf.model({ inputs: net.model.inputs, outputs: layer.output as tfn.SymbolicTensor, name: `${net.model.name}-to-${layerName}` });
  patchBatchNorm(model);
  return { model, groups: groupsUpTo(net, model), classNames: [], preprocessing: net.preprocessing, origin: `${net.origin}|cut:${layerName}` };
}

/** Options for {@link withHead}. */
export interface HeadOptions {
  /** Number of output classes (required). */
  classes: number;
  /** Class names; default '0'..'classes-1'. */
  classNames?: string[];
  /** Cut the backbone at this layer first. Default: use the backbone's output as is. */
  cutAt?: string;
  /** Units of an optional hidden dense layer (ReLU). Default 0 (none). */
  hidden?: number;
  /** Dropout before the classifier. Default 0. */
  dropout?: number;
  /** Seed of the head's initial weights and dropout. Default 0. */
  seed?: number;
  /** Name of the head's layer group. Default 'head'. */
  groupName?: string;
}

/**
 * Put a new classifier head (optional hidden layer and dropout, then a softmax dense
 * layer) on a backbone. The result shares the backbone's layers and weights. Spatial
 * outputs (conv maps) are global-average-pooled first. The body's BatchNorm layers are
 * set to inference mode (the Keras fine-tuning rule: keep the pretrained statistics even
 * when the layers are later unfrozen); `setBatchNormMode(net, 'train')` opts out.
 *
 * @example
 * const net = withHead(await loadBackbone('fashion-cnn'), { cutAt: 'features', classes: 5 });
 */
export function withHead(backbone: Net, opts: HeadOptions): Net {
  checkNet(backbone, 'withHead');
  const { classes } = opts ?? ({} as HeadOptions);
  if (!Number.isInteger(classes) || classes < 2)
    throw new Error(`a head needs an integer number of classes >= 2, got ${classes}. Fix: pass { classes: <number of classes of the new task> }.`);
  if (opts.seed !== undefined && !Number.isInteger(opts.seed))
    throw new Error(`withHead: seed ${opts.seed} is not an integer. Fix: pass an integer seed, e.g. seed: 0.`);
  if (opts.dropout !== undefined && !(opts.dropout >= 0 && opts.dropout < 1))
    throw new Error(`withHead: dropout ${opts.dropout} is not a fraction in [0, 1). Fix: pass e.g. dropout: 0.2.`);
  if (opts.classNames && opts.classNames.length !== classes) {
    throw new Error(`the head has ${classes} classes but ${opts.classNames.length} class names were given. Fix: pass one name per class.`);
  }
  const body = opts.cutAt ? cut(backbone, opts.cutAt) : backbone;
  const seed = opts.seed ?? 0;
  const prefix = opts.groupName ?? 'head';
  const taken = new Set(body.model.layers.map((l) => l.name));
  const name = (n: string) => {
    let k = `${prefix}_${n}`;
    for (let i = 2; taken.has(k); i++) k = `${prefix}_${n}_${i}`;
    taken.add(k);
    return k;
  };
  let x = body.model.outputs[0];
  const layers: string[] = [];
  const add = (layer: tfn.layers.Layer) => {
    x = layer.apply(x) as tfn.SymbolicTensor;
    layers.push(layer.name);
  };
  if (x.shape.length === 4) add(tf.layers.globalAveragePooling2d({ name: name('pool') }));
  else if (x.shape.length !== 2) add(tf.layers.flatten({ name: name('flatten') }));
  if (opts.hidden) {
    if (!Number.isInteger(opts.hidden) || opts.hidden < 1) throw new Error(`hidden must be a positive integer number of units, got ${opts.hidden}.`);
    add(
      tf.layers.dense({
        units: opts.hidden,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: tfSeed(seed * 31 + 1) }),
        name: name('hidden'),
      }),
    );
  }
  if (opts.dropout) add(seededDropout({ rate: opts.dropout, seed: seed * 31 + 2, name: name('dropout') }));
  add(
    tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 31 + 3 }), name: name('logits') }),
  );
  const model = tf.model({ inputs: body.model.inputs, outputs: x, name: `${body.model.name}+head${classes}` });
  markChanged(model);
  const classNames = opts.classNames ?? Array.from({ length: classes }, (_, i) => String(i));
  const bodyGroups = body.groups.filter((g) => g.name !== prefix);
  const net: Net = {
    model,
    groups: [...bodyGroups, { name: prefix, layers }],
    classNames,
    preprocessing: body.preprocessing,
    origin: `${body.origin}|head:${classes}`,
  };
  return setBatchNormMode(net, 'inference');
}
