/**
 * When does transfer pay? The answer for one (source, target) sweep at each training-set
 * size: the best transfer strategy (chosen on validation accuracy, never on the test set)
 * against scratch on the same seeds and images, its paired gain in test accuracy, the gain
 * in units of the seed-to-seed spread, and a verdict. Also the driver the synthesis
 * notebook uses to read a stored sweep, or to run a cheaper share of it when the stored
 * runs are incomplete.
 */
import { meanStd, Spread } from './metrics';
import { checkScoredRows, pairedGaps } from './paired';
import { formatFindingValue } from './narrate';
import { isBaseline, NetStrategyName, STRATEGY_NAMES, StrategyName } from './strategy-names';
import * as fs from 'fs';
import * as path from 'path';
import { openSweep, runSweep, SweepOptions } from './sweep';
import type { ExperimentConfig, ExperimentResult, RunRow } from './results';

/** What the paired comparison says at one size. */
export type Verdict = 'pays' | 'hurts' | 'within noise' | 'ahead (1 seed)' | 'behind (1 seed)' | 'tie';

/** The best transfer strategy against scratch at one size. */
export interface TransferVerdict {
  /** Labels per class. */
  size: number;
  /** The transfer strategy with the highest mean validation accuracy at this size. */
  best: NetStrategyName;
  /** Seeds where both scratch and `best` ran (the pairs). */
  seeds: number;
  /** Test accuracy over those seeds. */
  scratch: Spread;
  bestAccuracy: Spread;
  /** Mean paired difference in test accuracy, best minus scratch (0.05 = 5 points). */
  gain: number;
  /** Sample standard deviation of the paired differences (0 for one seed). */
  gainStd: number;
  /** The gain in units of the pooled seed-to-seed std of the two arms' accuracies; null with one seed or no spread. */
  effect: number | null;
  /** Seeds where best beat scratch. */
  wins: number;
  /** 'pays' / 'hurts': the mean gain is more than two standard errors of the paired differences above / below zero. */
  verdict: Verdict;
}

/**
 * Does transfer beat scratch, size by size? At each size where scratch and at least one
 * transfer strategy ran, the transfer strategy with the best mean validation accuracy is
 * compared with scratch seed by seed (same images) on test accuracy.
 *
 * @returns one verdict per size, ascending
 * @throws Error when the rows hold no scratch runs or no transfer runs
 * @example
 * transferVerdicts(result.rows).map((v) => `${v.size}/class: ${v.best} ${v.verdict}`);
 */
export function transferVerdicts(rows: RunRow[]): TransferVerdict[] {
  checkScoredRows(rows, 'transferVerdicts');
  const scratchRows = rows.filter((r) => r.strategy === 'scratch');
  const transfer = rows.filter((r) => r.strategy !== 'scratch' && !isBaseline(r.strategy));
  if (!scratchRows.length || !transfer.length)
    throw new Error(
      `transferVerdicts: the rows hold ${scratchRows.length} scratch run(s) and ${transfer.length} transfer run(s); both are needed. Fix: sweep 'scratch' and at least one transfer strategy (e.g. strategies: ['scratch', 'linear-probe']).`,
    );
  const out: TransferVerdict[] = [];
  for (const size of [...new Set(scratchRows.map((r) => r.size))].sort((a, b) => a - b)) {
    const base = new Map(scratchRows.filter((r) => r.size === size).map((r) => [r.seed, r]));
    let best: { s: NetStrategyName; val: number } | null = null;
    for (const s of STRATEGY_NAMES) {
      if (s === 'scratch' || isBaseline(s)) continue;
      const rs = transfer.filter((r) => r.strategy === s && r.size === size && base.has(r.seed));
      if (!rs.length) continue;
      const val = meanStd(rs.map((r) => r.valAccuracy ?? 0)).mean;
      if (!best || val > best.val) best = { s: s as NetStrategyName, val };
    }
    if (!best) continue;
    // The paired comparison itself (differences, spread, standard error, effect) is pairedGaps'.
    const [g] = pairedGaps(
      rows.filter((r) => r.size === size),
      { baseline: 'scratch', strategies: [best.s] },
    );
    const se = g.stdError;
    const verdict: Verdict =
      se === null
        ? g.mean > 0
          ? 'ahead (1 seed)'
          : g.mean < 0
            ? 'behind (1 seed)'
            : 'tie'
        : g.mean > 2 * se && g.mean > 0
          ? 'pays'
          : g.mean < -2 * se && g.mean < 0
            ? 'hurts'
            : 'within noise';
    out.push({
      size,
      best: best.s,
      seeds: g.seeds.length,
      scratch: g.baselineAccuracy,
      bestAccuracy: g.accuracy,
      gain: g.mean,
      gainStd: g.std,
      effect: g.effect,
      wins: g.wins,
      verdict,
    });
  }
  return out;
}

/**
 * One verdict as a short phrase for a table.
 *
 * @example
 * formatVerdict(transferVerdicts(result.rows)[0]); // 'gradual +12.3 points (+2.1 sd), 3/3 seeds: pays'
 */
export function formatVerdict(v: TransferVerdict): string {
  if (
    !v ||
    typeof v.gain !== 'number' ||
    typeof v.best !== 'string' ||
    typeof v.seeds !== 'number' ||
    typeof v.wins !== 'number' ||
    typeof v.verdict !== 'string'
  )
    throw new Error(`formatVerdict: expected one verdict of transferVerdicts, got ${v === null ? 'null' : typeof v}. Fix: pass transferVerdicts(rows)[i].`);
  const sd = v.effect === null ? '' : ` (${v.effect >= 0 ? '+' : '−'}${Math.abs(v.effect).toFixed(1)} sd)`;
  return `${v.best} ${formatFindingValue(v.gain, 'points')}${sd}, ${v.wins}/${v.seeds} seed${v.seeds > 1 ? 's' : ''}: ${v.verdict}`;
}

/** The share of a sweep to run when its stored runs are incomplete. */
export interface SweepShare {
  /** Default: the config's strategies. */
  strategies?: StrategyName[];
  /** Default: the config's sizes. */
  sizes?: number[];
  /** Default: the config's seeds. */
  seeds?: number[];
}

/** Options for {@link storedOrShare}. */
export interface StoredOrShareOptions extends Pick<SweepOptions, 'onRun' | 'onStart'> {
  /** The sweep's folder (runs.jsonl), e.g. reports/<name> as `transfer-lab run <name>` writes it. */
  outDir: string;
  /** What to run when not every run of the plan is stored. Default: the whole sweep. */
  share?: SweepShare;
}

/** What {@link storedOrShare} returns. */
export interface StoredOrShare {
  result: ExperimentResult;
  /** True when every run of the full plan was stored (nothing trained, the share not used). */
  complete: boolean;
  /** Runs of the full plan stored when it was opened, and its size. */
  stored: number;
  planned: number;
  /** Runs trained now (stored too, so they count toward the full sweep). */
  trained: number;
}

/**
 * The full sweep's result when `outDir` holds every run of its plan (nothing trains); else
 * the result of a share of the same sweep (same name, folder and run keys), reusing the
 * stored runs of that share and training the rest, which are stored and count toward the
 * full sweep (`transfer-lab run <name>` resumes them). The backbone and the data are loaded once.
 *
 * @example
 * const s = await storedOrShare(experimentConfig('imagenet-to-digits'), { outDir: '../reports/imagenet-to-digits', share: { strategies: ['scratch', 'linear-probe'], seeds: [0] } });
 * s.complete ? 'full sweep' : `a share: ${s.result.rows.length} runs`;
 */
export async function storedOrShare(config: ExperimentConfig, opts: StoredOrShareOptions): Promise<StoredOrShare> {
  if (!opts || typeof opts.outDir !== 'string' || !opts.outDir)
    throw new Error(`storedOrShare: no outDir. Fix: pass { outDir: 'reports/<name>' }, the folder \`transfer-lab run <name>\` writes.`);
  const sweep = await openSweep(config, { outDir: opts.outDir });
  try {
    const stored = sweep.plan.filter((p) => sweep.finished.has(p.key)).length;
    const complete = stored === sweep.plan.length;
    const cfg = complete ? config : { ...config, ...(opts.share ?? {}) };
    let trained = 0;
    const result = await runSweep(cfg, {
      outDir: opts.outDir,
      backbone: sweep.backbone,
      data: sweep.data,
      onStart: opts.onStart,
      onRun: (p) => {
        if (!p.resumed) trained++;
        opts.onRun?.(p);
      },
    });
    return { result, complete, stored, planned: sweep.plan.length, trained };
  } finally {
    sweep.close();
  }
}

/**
 * The whole sweep read from `outDir` when every run of its plan is stored there (as
 * `transfer-lab run <name>` leaves it), else undefined; nothing trains and nothing in the
 * folder is written either way (the backbone is loaded to compute the run keys). For a
 * notebook that shows a long sweep when it has been run and falls back to something
 * cheaper when not (notebooks/09-sentiment.ipynb).
 *
 * @example
 * const full = await storedSweep(experimentConfig('minilm-movies-to-amazon'), { outDir: 'reports/minilm-movies-to-amazon' });
 * full ? full.cells : 'not run yet';
 */
export async function storedSweep(config: ExperimentConfig, opts: { outDir: string }): Promise<ExperimentResult | undefined> {
  if (!opts || typeof opts.outDir !== 'string' || !opts.outDir)
    throw new Error(`storedSweep: no outDir. Fix: pass { outDir: 'reports/<name>' }, the folder \`transfer-lab run <name>\` writes.`);
  if (!fs.existsSync(path.join(opts.outDir, 'runs.jsonl'))) return undefined;
  const sweep = await openSweep(config, { outDir: opts.outDir, readOnly: true });
  try {
    const rows = sweep.plan.map((p) => sweep.finished.get(p.key));
    return rows.every((r) => r !== undefined) ? sweep.result(rows as RunRow[], rows.length) : undefined;
  } finally {
    sweep.close();
  }
}
