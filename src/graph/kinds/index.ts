/**
 * The table of layer kinds the graph compiler supports: class name -> entry. A new kind
 * is one entry (support check, forward, backward: see ../registry.ts) and one line here.
 */
import { RegisteredKind } from '../registry';
import { conv2d, depthwiseConv2d } from './conv';
import { dense } from './dense';
import { averagePooling2d, globalAveragePooling2d, maxPooling2d } from './pool';
import { batchNormalization } from './batchnorm';
import { activation, add, dropout, flatten, relu, seededDropout } from './simple';
import { bertEmbeddings, bertLayerNorm, l2Normalize, maskedMeanPooling, paddingMask, selfAttention } from './text';

const KINDS: RegisteredKind[] = [
  conv2d,
  depthwiseConv2d,
  dense,
  maxPooling2d,
  averagePooling2d,
  globalAveragePooling2d,
  batchNormalization,
  activation,
  relu,
  flatten,
  dropout,
  seededDropout,
  add,
  paddingMask,
  bertEmbeddings,
  bertLayerNorm,
  selfAttention,
  maskedMeanPooling,
  l2Normalize,
];

/** Layer kinds by class name. */
export const REGISTRY: ReadonlyMap<string, RegisteredKind> = new Map(KINDS.flatMap((k) => k.classes.map((c) => [c, k] as [string, RegisteredKind])));
