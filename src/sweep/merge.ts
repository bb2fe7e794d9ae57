/**
 * The merge of a sharded sweep: every shard's results file in a shared folder (written by
 * `runShard`, e.g. from a Slurm array job) becomes one table (results.json, results.csv),
 * its charts and its report, in plan order, exactly as one process would have made it; runs
 * that no shard finished are listed, with the command that redoes their shard.
 */
import * as fs from 'fs';
import * as path from 'path';
import { openSweep } from '../experiment/sweep';
import { ExperimentResult, RunRow } from '../experiment/results';
import { readRuns, saveResults } from '../experiment/table';
import { writeReport } from '../experiment/report';
import { MANIFEST_FILE, SweepManifest } from './parallel';
import { SHARD_FILE } from './shard';

/** Options for {@link mergeShards}. */
export interface MergeOptions {
  /** Write the table and report even when runs are missing. Default false (nothing is written). */
  partial?: boolean;
  /** Where the report goes: `<reportsDir>/<experiment>/index.html`. Default: the results folder itself. */
  reportsDir?: string;
}

/** A run of the plan that no shard finished. */
export interface MissingRun {
  key: string;
  /** The shard (of the shard count found in the folder) that should have run it, when one count was used. */
  shard: { index: number; count: number } | null;
}

/** What {@link mergeShards} returns. */
export interface MergeResult {
  /** The merged result, or null when runs are missing and `partial` is false. */
  result: ExperimentResult | null;
  missing: MissingRun[];
  /** The shard files read. */
  shardFiles: string[];
  /** Files written (results.json, results.csv, the report), when any. */
  files: { json: string; csv: string; html: string } | null;
}

/**
 * Merge the shards in a shared results folder into one table, charts and report (written
 * into the folder), in plan order; says which runs are missing.
 *
 * @example
 * const m = await mergeShards('/shared/ftd');
 * if (m.missing.length) console.error(`missing: ${m.missing.map((r) => r.key).join(', ')}`);
 */
export async function mergeShards(folder: string, opts: MergeOptions = {}): Promise<MergeResult> {
  if (typeof folder !== 'string' || !folder)
    throw new Error(`mergeShards: expected the shared results folder of a sharded sweep, got ${JSON.stringify(folder)}. Fix: pass the folder given to --out.`);
  const dir = path.resolve(folder);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new Error(`merge: ${dir} is not a folder. Fix: pass the folder the shards wrote (their --out).`);
  const mf = path.join(dir, MANIFEST_FILE);
  if (!fs.existsSync(mf))
    throw new Error(
      `merge: ${dir} has no ${MANIFEST_FILE}, so no shard ran into it. Fix: run the shards first (transfer-lab run <experiment> --shard i/n --out ${folder}), or pass the folder they wrote.`,
    );
  let manifest: SweepManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(mf, 'utf8')) as SweepManifest;
  } catch (e) {
    throw new Error(
      `merge: ${mf} is not valid JSON (${(e as Error).message}). Fix: delete it and run one shard again (it is rewritten; finished runs are kept).`,
    );
  }
  if (!manifest || !manifest.config || !Array.isArray(manifest.plan))
    throw new Error(`merge: ${mf} does not describe a sweep (no config or plan). Fix: delete it and run one shard again.`);
  const shardFiles = fs
    .readdirSync(dir)
    .filter((f) => SHARD_FILE.test(f))
    .sort()
    .map((f) => path.join(dir, f));
  const found = new Map<string, RunRow>();
  for (const f of shardFiles) for (const [k, row] of readRuns(f)) found.set(k, row);
  const counts = new Set(
    shardFiles
      .map((f) => SHARD_FILE.exec(path.basename(f))?.[2])
      .filter((c): c is string => !!c)
      .map(Number),
  );
  const count = counts.size === 1 ? [...counts][0] : null;

  const sweep = await openSweep(manifest.config, {});
  try {
    const plan = sweep.plan.map((p) => p.key);
    if (JSON.stringify(plan) !== JSON.stringify(manifest.plan)) {
      throw new Error(
        `merge: the plan of ${manifest.experiment} here differs from the one the shards ran (${manifest.plan.length} runs recorded, ${plan.length} now): the backbone or the code changed since. Fix: merge where the shards ran, with the same version and backbone, or run the shards again into a new folder.`,
      );
    }
    const rows = sweep.plan.filter((p) => found.has(p.key)).map((p) => found.get(p.key)!);
    const missing: MissingRun[] = sweep.plan
      .filter((p) => !found.has(p.key))
      .map((p) => ({ key: p.key, shard: count ? { index: (p.index - 1) % count, count } : null }));
    if (missing.length && !opts.partial) return { result: null, missing, shardFiles, files: null };
    if (!rows.length) return { result: null, missing, shardFiles, files: null };
    const result = sweep.result(rows, rows.length);
    const saved = saveResults(result, dir);
    const report = writeReport(result, { reportsDir: opts.reportsDir ?? dir, latest: false });
    result.files = saved;
    return { result, missing, shardFiles, files: { json: saved.json, csv: saved.csv, html: report.html } };
  } finally {
    sweep.close();
  }
}
