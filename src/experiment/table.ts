/**
 * The tidy table on disk and in summary: runs.jsonl (one finished run per line, read back
 * when resuming), results.json and results.csv (written atomically), and the mean and
 * spread of every (strategy, size) cell.
 */
import * as fs from 'fs';
import * as path from 'path';
import { STRATEGY_NAMES } from './strategy-names';
import { meanStd } from './metrics';
import type { RunRow, CellSummary, ExperimentResult } from './results';
import { writeAtomic } from '../util/atomic';

export { writeAtomic };

/**
 * The finished runs recorded in a runs.jsonl file, by key. A torn last line (a sweep
 * killed mid-write) is skipped.
 *
 * @example
 * readRuns('reports/fashion-to-digits/runs.jsonl').size;
 */
export function readRuns(file: string): Map<string, RunRow> {
  const out = new Map<string, RunRow>();
  if (!fs.existsSync(file)) return out;
  if (fs.statSync(file).isDirectory())
    throw new Error(`readRuns: ${file} is a folder, not a runs.jsonl file. Fix: pass the path of runs.jsonl (inside the experiment's folder).`);
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const row = JSON.parse(line) as RunRow;
      if (row && typeof row.key === 'string') out.set(row.key, row);
    } catch {
      // torn line: that run is redone
    }
  }
  return out;
}

/**
 * Mean and spread over seeds of every (strategy, size) cell, in config order.
 *
 * @example
 * summarize(result.rows).find((c) => c.strategy === 'scratch' && c.size === 1)?.accuracy.mean;
 */
export function summarize(rows: RunRow[]): CellSummary[] {
  if (!Array.isArray(rows))
    throw new Error(`summarize: expected the rows of a compare() result (an array), got ${rows === null ? 'null' : typeof rows}. Fix: pass result.rows.`);
  const cells = new Map<string, RunRow[]>();
  for (const r of rows) {
    const k = `${r.strategy}|${r.size}`;
    if (!cells.has(k)) cells.set(k, []);
    cells.get(k)!.push(r);
  }
  const out: CellSummary[] = [];
  for (const strategy of STRATEGY_NAMES) {
    const sizes = [...new Set(rows.filter((r) => r.strategy === strategy).map((r) => r.size))].sort((a, b) => a - b);
    for (const size of sizes) {
      const rs = cells.get(`${strategy}|${size}`)!;
      const reached = rs.filter((r) => r.timeToTarget);
      out.push({
        strategy,
        size,
        runs: rs.length,
        accuracy: meanStd(rs.map((r) => r.accuracy)),
        macroF1: meanStd(rs.map((r) => r.macroF1)),
        wallSeconds: meanStd(rs.map((r) => r.wallSeconds)),
        samplesSeen: rs[0].samplesSeen,
        trainableParams: rs[0].trainableParams,
        reachedTarget: reached.length,
        secondsToTarget: reached.length ? meanStd(reached.map((r) => r.timeToTarget!.wallSeconds)).mean : null,
        samplesToTarget: reached.length ? meanStd(reached.map((r) => r.timeToTarget!.samplesSeen)).mean : null,
      });
    }
  }
  return out;
}

/**
 * The tidy table as CSV (one row per run; no curves, confusion matrices or predictions).
 *
 * @example
 * fs.writeFileSync('runs.csv', rowsToCsv(result.rows));
 */
export function rowsToCsv(rows: RunRow[]): string {
  if (!Array.isArray(rows))
    throw new Error(`rowsToCsv: expected the rows of a compare() result (an array), got ${rows === null ? 'null' : typeof rows}. Fix: pass result.rows.`);
  const cols = [
    'experiment',
    'strategy',
    'size',
    'seed',
    'trainImages',
    'epochs',
    'accuracy',
    'macroF1',
    'topK',
    'topKAccuracy',
    'valAccuracy',
    'wallSeconds',
    'samplesSeen',
    'trainableParams',
    'targetAccuracy',
    'secondsToTarget',
    'samplesToTarget',
    'key',
  ];
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = rows.map((r) => {
    const flat: Record<string, unknown> = { ...r, secondsToTarget: r.timeToTarget?.wallSeconds ?? null, samplesToTarget: r.timeToTarget?.samplesSeen ?? null };
    return cols.map((c) => cell(flat[c])).join(',');
  });
  return [cols.join(','), ...lines].join('\n') + '\n';
}

/**
 * Write a result as results.json (everything but the test images) and results.csv (the
 * tidy table), atomically, into a folder; runs.jsonl is left as it is.
 *
 * @example
 * saveResults(result, 'reports/fashion-to-digits');
 */
export function saveResults(result: ExperimentResult, dir: string): { runs: string; json: string; csv: string } {
  const d = path.resolve(dir);
  const json = writeAtomic(path.join(d, 'results.json'), JSON.stringify({ ...result, files: undefined, test: undefined }, null, 1) + '\n');
  const csv = writeAtomic(path.join(d, 'results.csv'), rowsToCsv(result.rows));
  return { runs: path.join(d, 'runs.jsonl'), json, csv };
}

/**
 * Make a runs.jsonl file hold whole runs only: a sweep killed mid-write leaves a torn last
 * line (or a corrupt one); the file is rewritten (atomically) with the runs `readRuns`
 * found, so it never keeps a corrupt line and the next run starts a line of its own.
 *
 * @returns true when the file was rewritten
 * @example
 * repairRuns(file, readRuns(file));
 */
export function repairRuns(file: string, runs: Map<string, RunRow>): boolean {
  if (!fs.existsSync(file)) return false;
  const text = fs.readFileSync(file, 'utf8');
  const whole = [...runs.values()].map((row) => JSON.stringify(row) + '\n').join('');
  if (text === whole || (text.endsWith('\n') && text.split('\n').filter((l) => l.trim()).length === runs.size)) return false;
  writeAtomic(file, whole);
  return true;
}
