/**
 * Paired comparison of two strategies, seed by seed: runs of the same seed train on the
 * same examples (k-shot samples are index functions of the pool and the seed), so the
 * difference of their test accuracies removes the luck of the draw that both share. The
 * one place the library computes a paired gap, its spread, its standard error and its size
 * in units of the seed-to-seed spread; the findings of a notebook (src/experiment/narrate.ts)
 * and the transfer verdicts (src/experiment/synthesis.ts) read them from here.
 * Introduced in notebooks/04-versus-scratch.ipynb.
 */
import { STRATEGY_NAMES } from './strategy-names';
import { meanStd, Spread } from './metrics';
import type { RunRow } from './results';

/** A run's identity and score: what {@link pairedGaps} reads of a row. */
export type ScoredRun = Pick<RunRow, 'strategy' | 'size' | 'seed' | 'accuracy'>;

/** Options for {@link pairedGaps}. */
export interface PairedGapOptions {
  /** The strategy every other one is compared with. Default `'scratch'`. */
  baseline?: string;
  /** The strategies compared with it. Default: every other strategy in the rows, in display order. */
  strategies?: string[];
}

/** One strategy against the baseline at one size, seed by seed (same seed: same training examples). */
export interface PairedGap {
  strategy: string;
  baseline: string;
  /** Labels per class. */
  size: number;
  /** The seeds both ran, ascending. */
  seeds: number[];
  /** Test accuracy of the strategy minus the baseline's, per seed (same order as `seeds`). */
  diffs: number[];
  /** Mean of `diffs`. */
  mean: number;
  /** Sample standard deviation of `diffs` (n - 1; 0 with one seed). */
  std: number;
  /** Standard error of the mean (sample std / sqrt(n)); null with one seed. */
  stdError: number | null;
  min: number;
  max: number;
  /** Seeds where the strategy scored higher than the baseline. */
  wins: number;
  /** The strategy's test accuracy over the paired seeds. */
  accuracy: Spread;
  /** The baseline's test accuracy over the paired seeds. */
  baselineAccuracy: Spread;
  /**
   * The mean gap in units of the pooled seed-to-seed std of the two arms' accuracies
   * (sqrt((std_a² + std_b²) / 2)); null with one seed or when neither arm varies.
   */
  effect: number | null;
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/** Throw unless `rows` are runs of a sweep (strategy, size, seed and accuracy each). */
export function checkScoredRows(rows: readonly ScoredRun[], where: string): void {
  if (!Array.isArray(rows))
    throw new Error(
      `${where}: expected the rows of a sweep (an array), got ${typeName(rows)}. Fix: pass result.rows (what compare() or compareText() returns has them).`,
    );
  rows.forEach((r, i) => {
    if (!r || typeof r.strategy !== 'string' || !Number.isFinite(r.size) || !Number.isFinite(r.seed) || typeof r.accuracy !== 'number')
      throw new Error(`${where}: row ${i} is not a run (it needs strategy, size, seed and accuracy). Fix: pass result.rows of a sweep.`);
  });
}

/** Display order: the library's strategy order, then any other name alphabetically. */
export function displayOrder(names: Iterable<string>): string[] {
  const known = STRATEGY_NAMES as readonly string[];
  const rank = (s: string) => (known.includes(s) ? known.indexOf(s) : known.length);
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * Each strategy against a baseline, seed by seed at every size: runs of the same seed
 * trained on the same examples, so the difference removes the luck of the draw that both
 * share. Seeds that only one of the two ran are left out; a size where they share no
 * seed gives no entry.
 *
 * @throws Error when the rows are not a sweep's, the baseline or a named strategy has no runs, or an accuracy is not finite
 * @example
 * const gaps = pairedGaps(result.rows); // every strategy minus scratch
 * gaps.find((g) => g.strategy === 'gradual' && g.size === 1)?.mean;
 */
export function pairedGaps(rows: readonly ScoredRun[], opts: PairedGapOptions = {}): PairedGap[] {
  checkScoredRows(rows, 'pairedGaps');
  if (opts === null || typeof opts !== 'object')
    throw new Error(`pairedGaps: options must be an object, got ${typeName(opts)}. Fix: pass e.g. { baseline: 'scratch' }, or nothing.`);
  const baseline = opts.baseline ?? 'scratch';
  if (typeof baseline !== 'string')
    throw new Error(`pairedGaps: baseline must be a strategy name, got ${typeName(baseline)}. Fix: pass e.g. { baseline: 'scratch' }.`);
  if (opts.strategies !== undefined && (!Array.isArray(opts.strategies) || !opts.strategies.every((s) => typeof s === 'string')))
    throw new Error(
      `pairedGaps: strategies must be a list of strategy names, got ${JSON.stringify(opts.strategies)}. Fix: pass e.g. { strategies: ['gradual'] }, or leave it out for every strategy.`,
    );
  const present = displayOrder(rows.map((r) => r.strategy));
  if (!present.includes(baseline))
    throw new Error(
      `pairedGaps: the baseline '${baseline}' has no runs here (strategies: ${present.join(', ') || 'none'}). Fix: pass { baseline } naming one of them, or include it in the sweep.`,
    );
  const strategies = opts.strategies ?? present.filter((s) => s !== baseline);
  const missing = strategies.filter((s) => !present.includes(s));
  if (missing.length) throw new Error(`pairedGaps: no runs of ${missing.join(', ')} (strategies: ${present.join(', ')}). Fix: name strategies the sweep ran.`);
  const acc = new Map(rows.map((r) => [`${r.strategy}|${r.size}|${r.seed}`, r.accuracy]));
  const sizes = [...new Set(rows.map((r) => r.size))].sort((a, b) => a - b);
  const out: PairedGap[] = [];
  for (const strategy of strategies) {
    for (const size of sizes) {
      const seeds = [...new Set(rows.filter((r) => r.size === size && r.strategy === strategy).map((r) => r.seed))]
        .filter((seed) => acc.has(`${baseline}|${size}|${seed}`))
        .sort((a, b) => a - b);
      if (!seeds.length) continue;
      const mine = seeds.map((seed) => acc.get(`${strategy}|${size}|${seed}`)!);
      const theirs = seeds.map((seed) => acc.get(`${baseline}|${size}|${seed}`)!);
      const diffs = mine.map((a, i) => a - theirs[i]);
      const d = meanStd(diffs);
      const accuracy = meanStd(mine);
      const baselineAccuracy = meanStd(theirs);
      const pooled = Math.sqrt((accuracy.std ** 2 + baselineAccuracy.std ** 2) / 2);
      out.push({
        strategy,
        baseline,
        size,
        seeds,
        diffs,
        mean: d.mean,
        std: d.std,
        stdError: d.n > 1 ? d.std / Math.sqrt(d.n) : null,
        min: d.min,
        max: d.max,
        wins: diffs.filter((x) => x > 0).length,
        accuracy,
        baselineAccuracy,
        effect: d.n > 1 && pooled > 0 ? d.mean / pooled : null,
      });
    }
  }
  return out;
}
