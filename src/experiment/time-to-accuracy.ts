/**
 * "Less time", measured: how many seconds each strategy needs to reach a target
 * validation accuracy at each training-set size (from the learning curves a sweep
 * records, so any target can be asked after the fact), the feature-extraction share of
 * the linear probe's time, and the pretraining cost of a backbone amortised over N reuses.
 * Pure functions on a sweep's rows; the charts are in src/charts/synthesis.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { meanStd, timeToAccuracy } from './metrics';
import { isBaseline, StrategyName, STRATEGY_NAMES } from './strategy-names';
import type { RunRow } from './results';
import { readNetMeta } from '../transfer/io';
import { modelsDir } from '../backbone/pretrain';
import { ZOO } from '../backbone/zoo';

/** Time to a target accuracy of one (strategy, size) cell, over its seeds. */
export interface TimeToTargetCell {
  strategy: StrategyName;
  /** Labels per class. */
  size: number;
  /** The validation accuracy asked for. */
  target: number;
  runs: number;
  /** Runs whose validation curve reached the target. */
  reached: number;
  /** Mean training seconds to the target over the runs that reached it (null: none did). Includes the probe's feature extraction. */
  secondsToTarget: number | null;
  /** Mean training samples seen to the target over the runs that reached it. */
  samplesToTarget: number | null;
  /** Mean seconds of the whole training run (evaluation excluded). */
  runSeconds: number;
  /**
   * The linear probe's feature extraction (mean seconds per run; 0 for the other
   * strategies): its first recorded epoch minus a typical later epoch. Part of
   * `secondsToTarget` and `runSeconds`, shown apart.
   */
  extractionSeconds: number;
}

/** Options for {@link timeToTargetTable}. */
export interface TimeToTargetOptions {
  /** Validation accuracy to reach. Default: the rows' own `targetAccuracy`. */
  target?: number;
}

function checkRows(rows: RunRow[], where: string): void {
  if (!Array.isArray(rows))
    throw new Error(`${where}: expected the rows of a sweep (an array), got ${rows === null ? 'null' : typeof rows}. Fix: pass result.rows.`);
  if (rows.length === 0) throw new Error(`${where}: no runs. Fix: pass the rows of a finished sweep (result.rows).`);
  const bad = rows.findIndex((r) => !r || !Array.isArray(r.history) || typeof r.strategy !== 'string' || typeof r.size !== 'number');
  if (bad >= 0)
    throw new Error(
      `${where}: row ${bad} is not a run of a sweep (no strategy, size or history). Fix: pass result.rows (or the rows of readRuns), not cells or summaries.`,
    );
}

/**
 * The feature-extraction seconds inside a linear-probe run: its first epoch's clock (which
 * started before the features were read) minus the mean of its later epochs. 0 for the
 * other strategies, and for a probe run of a single epoch (nothing to subtract from).
 *
 * @example
 * extractionSeconds(result.rows.find((r) => r.strategy === 'linear-probe')!); // e.g. 1.8
 */
export function extractionSeconds(row: RunRow): number {
  if (!row || !Array.isArray(row.history))
    throw new Error(
      `extractionSeconds: expected one run of a sweep (a row with a history), got ${row === null ? 'null' : typeof row}. Fix: pass one of result.rows.`,
    );
  const h = row.history;
  if (row.strategy !== 'linear-probe' || h.length < 2) return 0;
  const perEpoch = (h[h.length - 1].wallSeconds - h[0].wallSeconds) / (h.length - 1);
  return Math.max(0, h[0].wallSeconds - perEpoch);
}

/**
 * Seconds (and samples) to a target validation accuracy for every strategy at every size
 * of a sweep, read from each run's learning curve (validation is evaluated at a few
 * epochs, so a time is the end of the first evaluated epoch at or above the target).
 * Baselines without a curve (e.g. 'tfidf') are left out.
 *
 * @returns one cell per (strategy, size), strategies in display order, sizes ascending
 * @example
 * const t = timeToTargetTable(result.rows, { target: 0.8 });
 * t.find((c) => c.strategy === 'linear-probe' && c.size === 20)?.secondsToTarget;
 */
export function timeToTargetTable(rows: RunRow[], opts: TimeToTargetOptions = {}): TimeToTargetCell[] {
  checkRows(rows, 'timeToTargetTable');
  const target = opts.target ?? rows[0].targetAccuracy;
  if (!(typeof target === 'number' && target > 0 && target <= 1))
    throw new Error(
      `timeToTargetTable: target must be an accuracy in (0, 1], got ${String(target)}. Fix: pass e.g. { target: 0.8 } (a fraction, not a percentage).`,
    );
  const out: TimeToTargetCell[] = [];
  for (const strategy of STRATEGY_NAMES) {
    if (isBaseline(strategy)) continue;
    const mine = rows.filter((r) => r.strategy === strategy);
    for (const size of [...new Set(mine.map((r) => r.size))].sort((a, b) => a - b)) {
      const rs = mine.filter((r) => r.size === size);
      const hits = rs.map((r) => timeToAccuracy({ epochs: r.history }, target)).filter((t): t is NonNullable<typeof t> => t !== null);
      out.push({
        strategy,
        size,
        target,
        runs: rs.length,
        reached: hits.length,
        secondsToTarget: hits.length ? meanStd(hits.map((t) => t.wallSeconds)).mean : null,
        samplesToTarget: hits.length ? meanStd(hits.map((t) => t.samplesSeen)).mean : null,
        runSeconds: meanStd(rs.map((r) => r.wallSeconds)).mean,
        extractionSeconds: meanStd(rs.map(extractionSeconds)).mean,
      });
    }
  }
  return out;
}

/**
 * The pretraining seconds recorded in a saved net's net.json (`info.trainedWith.seconds`,
 * written by `transfer-lab pretrain`), or null when the net records none: a
 * converted or downloaded backbone of the zoo was pretrained elsewhere, at a cost that is not ours.
 *
 * @param nameOrDir a bundled backbone's name (looked up in the models folder) or a saved net's folder
 * @example
 * pretrainingSeconds('fashion-cnn'); // 3769.094
 * pretrainingSeconds('efficientnet-lite0'); // null (converted from a published checkpoint)
 * @throws Error for an unknown name, or a folder without net.json
 */
export function pretrainingSeconds(nameOrDir: string): number | null {
  if (typeof nameOrDir !== 'string' || !nameOrDir)
    throw new Error(`pretrainingSeconds: expected a backbone name or a saved net's folder, got ${JSON.stringify(nameOrDir)}. Fix: pass e.g. 'fashion-cnn'.`);
  const isPath = /[\\/]/.test(nameOrDir);
  if (!isPath && ZOO[nameOrDir] && ZOO[nameOrDir].kind !== 'bundled') return null; // pretrained elsewhere: its cost is not ours
  const dir = isPath ? nameOrDir : path.join(modelsDir(), nameOrDir);
  if (!fs.existsSync(path.join(dir, 'net.json')))
    throw new Error(
      isPath
        ? `pretrainingSeconds: ${dir} holds no net.json. Fix: pass the folder of a saved net (saveNet / transfer-lab pretrain), or a backbone name.`
        : `pretrainingSeconds: unknown backbone '${nameOrDir}' (no ${path.join(dir, 'net.json')}). Fix: use a backbone of the zoo (${Object.keys(ZOO).join(', ')}) or a saved net's folder.`,
    );
  const s = (readNetMeta(dir).info?.trainedWith as { seconds?: unknown } | undefined)?.seconds;
  return typeof s === 'number' && s > 0 ? s : null;
}

/** Options for {@link amortisedCost}. */
export interface AmortisedCostOptions {
  /** Seconds spent once to pretrain the backbone (0 for one pretrained elsewhere). */
  pretrainSeconds: number;
  /** Seconds of one transfer to a new task (e.g. a cell's `secondsToTarget`). */
  transferSeconds: number;
  /** Seconds of the same task from scratch. */
  scratchSeconds: number;
  /** Numbers of reuses (tasks sharing one pretraining). Default 1, 2, 5, 10, ..., 1000. */
  reuses?: number[];
}

/** The pretraining cost spread over N reuses, against training from scratch. */
export interface AmortisedCost {
  reuses: number[];
  /** Seconds per task with transfer: pretrainSeconds / N + transferSeconds. */
  transferPerTask: number[];
  scratchPerTask: number;
  /** The smallest whole number of reuses at which transfer costs less per task than scratch; null if never. */
  breakEven: number | null;
}

/**
 * The cost per task of a transfer strategy when one pretraining serves N tasks, and the
 * number of reuses from which it beats training from scratch.
 *
 * @example
 * amortisedCost({ pretrainSeconds: 3769, transferSeconds: 4, scratchSeconds: 30 }).breakEven; // 145
 */
export function amortisedCost(opts: AmortisedCostOptions): AmortisedCost {
  const { pretrainSeconds: p, transferSeconds: t, scratchSeconds: s } = opts ?? ({} as AmortisedCostOptions);
  for (const [k, v] of Object.entries({ pretrainSeconds: p, transferSeconds: t, scratchSeconds: s })) {
    if (!(typeof v === 'number' && v >= 0 && Number.isFinite(v)))
      throw new Error(
        `amortisedCost: ${k} must be a number of seconds >= 0, got ${String(v)}. Fix: pass measured seconds (a cell's secondsToTarget, or its runSeconds when the target was never reached).`,
      );
  }
  const reuses = opts.reuses ?? [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
  if (!Array.isArray(reuses) || reuses.length === 0 || reuses.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`amortisedCost: reuses must be whole numbers >= 1, got ${JSON.stringify(reuses)}. Fix: pass e.g. [1, 10, 100].`);
  return {
    reuses,
    transferPerTask: reuses.map((n) => p / n + t),
    scratchPerTask: s,
    breakEven: t >= s ? null : Math.max(1, Math.floor(p / (s - t)) + 1),
  };
}

/**
 * A {@link timeToTargetTable} as plain text, one line per strategy and size: seconds and
 * samples to the target (or the whole run's seconds when no run reached it), and the
 * probe's feature-extraction share.
 *
 * @example
 * console.log(formatTimeToTarget(timeToTargetTable(result.rows, { target: 0.8 })));
 * // linear-probe  20/class:   1.9 s, 3/3 runs, 2667 samples (feature extraction 0.6 s of it)
 */
export function formatTimeToTarget(table: TimeToTargetCell[]): string {
  if (!Array.isArray(table) || table.some((c) => !c || typeof c.runSeconds !== 'number'))
    throw new Error('formatTimeToTarget: expected the cells of timeToTargetTable. Fix: pass timeToTargetTable(result.rows, { target }).');
  const w = Math.max(8, ...table.map((c) => c.strategy.length));
  return table
    .map((c) => {
      const head = `${c.strategy.padEnd(w)} ${String(c.size).padStart(3)}/class: `;
      const body =
        c.secondsToTarget === null
          ? `never reached ${c.target} (whole run ${c.runSeconds.toFixed(1)} s)`
          : `${c.secondsToTarget.toFixed(1).padStart(5)} s, ${c.reached}/${c.runs} runs, ${Math.round(c.samplesToTarget as number)} samples`;
      return head + body + (c.extractionSeconds > 0 ? ` (feature extraction ${c.extractionSeconds.toFixed(1)} s of it)` : '');
    })
    .join('\n');
}
