/** Shared utilities: atomic writes, the weights digest, the feature cache. Re-exported by src/index.ts. */
export { writeAtomic } from './atomic';
export { weightsHash } from './digest';
export { CacheMode, clearFeatureCache } from './cache';
