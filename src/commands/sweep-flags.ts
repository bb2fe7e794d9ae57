/**
 * The sweep-scaling options of `run` and `main`, kept in one file so the commands only pass
 * them through: `--workers N` (N worker processes on this machine) and `--shard i/n|auto
 * --out DIR` (one shard of the plan into a shared results folder; `transfer-lab merge DIR`
 * joins them). Also the progress lines of a sweep whose runs finish out of order.
 */
import * as path from 'path';
import type { ExperimentConfig, RunProgress } from '../experiment/results';
import { runShard, ScaleOptions } from '../sweep/parallel';
import { parseShard, Shard } from '../sweep/shard';
import { CliError } from './command';

/** The option names, for the commands' argument parsers. */
export const SWEEP_VALUED = ['workers', 'shard', 'out'] as const;

/** The usage lines of the options. */
export const SWEEP_USAGE = '[--workers N] [--shard i/n|auto --out DIR]';

/** Parsed sweep options. */
export interface SweepFlags {
  workers: number;
  shard: Shard | null;
  out: string | null;
}

/**
 * Read `--workers`, `--shard` and `--out` from parsed option values; bad values are a CliError (exit 2).
 *
 * @example
 * sweepFlags(new Map([['workers', '2']])); // { workers: 2, shard: null, out: null }
 */
export function sweepFlags(values: { get(k: string): string | undefined }): SweepFlags {
  const w = values.get('workers');
  const workers = w === undefined ? 1 : Number(w);
  if (!Number.isInteger(workers) || workers < 1 || !/^\d+$/.test(w ?? '1'))
    throw new CliError(`--workers must be a whole number >= 1, got '${w}'. Fix: use e.g. --workers 2 (about one per 1-2 cores).`, 2);
  const s = values.get('shard');
  const out = values.get('out') ?? null;
  let shard: Shard | null = null;
  if (s !== undefined) {
    try {
      shard = parseShard(s);
    } catch (e) {
      throw new CliError((e as Error).message, 2);
    }
    if (!out)
      throw new CliError(
        '--shard needs --out DIR: the shared results folder every shard writes into (merge it with transfer-lab merge DIR). Fix: add --out /shared/folder.',
        2,
      );
  } else if (out) {
    throw new CliError(
      '--out is the shared results folder of a sharded sweep and needs --shard i/n. Fix: add --shard (e.g. --shard 0/1 for one shard), or use --reports-dir for a whole sweep.',
      2,
    );
  }
  return { workers, shard, out: out ? path.resolve(out) : null };
}

function secs(s: number): string {
  return s < 90 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/**
 * Progress for runs that finish out of order (workers): one whole line per finished run, and
 * one per dead worker.
 *
 * @example
 * const p = parallelProgress((l) => console.error(l));
 */
export function parallelProgress(log: (line: string) => void): Required<Pick<ScaleOptions, 'onWorkerExit'>> & { onRun: (p: RunProgress) => void } {
  const t0 = Date.now();
  return {
    onRun: (p) => {
      const r = p.row;
      const what = `[${p.index}/${p.total}] ${r.strategy} ${r.size}/class seed ${r.seed}`;
      const line = `test acc ${r.accuracy.toFixed(3)}, macro-F1 ${r.macroF1.toFixed(3)}, train ${r.wallSeconds.toFixed(1)} s`;
      log(p.resumed ? `${what}: resumed (${line})` : `${what}: ${line}, ${secs((Date.now() - t0) / 1000)} so far`);
    },
    onWorkerExit: (e) =>
      log(
        `[run] worker ${e.worker} (pid ${e.pid}) exited (${e.signal ?? `code ${e.code}`})${e.key ? ` while running ${e.key}: that run goes back to the queue` : ''}; starting another`,
      ),
  };
}

/**
 * `run ... --shard i/n --out DIR`: run one shard, print where its rows went and how to merge.
 *
 * @example
 * await runShardCommand(config, { workers: 1, shard: { index: 0, count: 2 }, out: '/shared/x' }, { fresh: false });
 */
export async function runShardCommand(
  config: ExperimentConfig,
  flags: SweepFlags,
  opts: { fresh?: boolean; json?: boolean; backbone?: string },
): Promise<void> {
  const log = (s: string) => process.stderr.write(s + '\n');
  const shard = flags.shard!;
  const cfg = opts.backbone ? { ...config, backbone: opts.backbone } : config;
  log(
    `[run] ${cfg.name}: shard ${shard.index}/${shard.count} into ${flags.out}${flags.workers > 1 ? ` on ${flags.workers} workers` : ''} (finished runs of this shard are kept and not redone${opts.fresh ? '; --fresh: starting over' : ''})`,
  );
  const r = await runShard(cfg, { outDir: flags.out!, shard, workers: flags.workers, resume: !opts.fresh, ...parallelProgress(log) });
  if (opts.json)
    process.stdout.write(
      JSON.stringify(
        {
          experiment: r.experiment,
          shard: r.shard,
          file: r.file,
          runs: r.rows.length,
          resumedRuns: r.resumedRuns,
          planned: r.planned,
          wallSeconds: r.wallSeconds,
        },
        null,
        2,
      ) + '\n',
    );
  else
    process.stdout.write(
      `Shard ${shard.index}/${shard.count}: ${r.rows.length} of ${r.planned} runs (${r.resumedRuns} resumed) in ${secs(r.wallSeconds)} -> ${r.file}\nWhen every shard is done: transfer-lab merge ${flags.out}\n`,
    );
}
