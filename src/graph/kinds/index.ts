/**
 * The table of layer kinds the graph compiler supports: class name -> entry. A new kind
 * is one entry (support check, forward, backward: see ../registry.ts) and one line here.
 */
import { RegisteredKind } from '../registry';
import { conv2d } from './conv';
import { dense } from './dense';
import { averagePooling2d, globalAveragePooling2d, maxPooling2d } from './pool';
import { batchNormalization } from './batchnorm';
import { activation, dropout, flatten, seededDropout } from './simple';

const KINDS: RegisteredKind[] = [
  conv2d, dense, maxPooling2d, averagePooling2d, globalAveragePooling2d, batchNormalization,
  activation, flatten, dropout, seededDropout,
];

/** Layer kinds by class name. */
export const REGISTRY: ReadonlyMap<string, RegisteredKind> = new Map(KINDS.flatMap((k) => k.classes.map((c) => [c, k] as [string, RegisteredKind])));
