/** Sweeps that scale out: worker processes, shards of the plan, the merge. Re-exported by src/index.ts. */
export { Shard, ShardEnv, parseShard, shardFromEnv, shardOf, shardFileName, SHARD_FILE } from './shard';
export { ScaleOptions, ShardResult, SweepManifest, MANIFEST_FILE, runSweepParallel, runShard } from './parallel';
export { MergeOptions, MergeResult, MissingRun, mergeShards } from './merge';
