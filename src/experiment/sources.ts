/**
 * "What you pretrain on matters": sweeps of one target task from several source backbones,
 * joined into one table and one learning-curve chart with a line per (source, strategy).
 *
 * Two sweeps compare run for run when they share the target split (task, test and
 * validation sizes, split seed) and the seeds: k-shot samples are index functions of the
 * pool and the seed (src/data/split.ts), so the run of size k and seed s trains on the same
 * images in both, and every run is scored on the same test images. `joinSources` checks
 * exactly that and labels every cell and row with its source; nothing is re-run.
 *
 * From the command line, a config's `sources` (imagenet-to-digits lists fashion-to-digits)
 * makes `transfer-lab run` repeat each named experiment on the config's own split, sizes
 * and seeds (an ordinary, resumable sweep in `<reports>/<name>/sources/<experiment>`), then
 * write the joined chart (`sources.html`) and cells (`sources.json`) beside the report.
 */
import * as path from 'path';
import type { ExperimentConfig, ExperimentResult, CellSummary, RunRow, RunProgress, RunStart } from './results';
import { experimentConfig } from './experiments';
import { resolveConfig } from './config';
import { runSweep } from './sweep';
import { jsonDigest } from '../util/digest';
import { learningCurveChart, LearningCurveOptions } from '../charts/results';
import type { Figure } from '../plot/figure';
import { writeFigureHtml } from '../plot/html';
import { writeAtomic } from '../util/atomic';
import { bestPerSize, formatSpread, textTable } from './report';
import { reportsRoot } from '../paths';

/** One source's finished sweep, and its name in the joined chart and table. */
export interface SourceResult {
  /** The source's name, e.g. 'ImageNet Lite0' or the backbone name. */
  source: string;
  /** What `runSweep`/`compare` returned for it. */
  result: ExperimentResult;
}

/** A (strategy, size) cell of one source. */
export type SourceCell = CellSummary & { source: string };

/** A run of one source. */
export type SourceRow = RunRow & { source: string };

/** Sweeps of one target from several sources (see {@link joinSources}). */
export interface SourceComparison {
  /** The target task, as the first sweep describes it. */
  task: string;
  classNames: string[];
  /** The source names, in the order given. */
  sources: string[];
  /** The experiment of each source. */
  experiments: string[];
  /** Labels per class present in any source, ascending. */
  sizes: number[];
  seeds: number[];
  testImages: number;
  /** Every cell of every source (mean and spread over seeds). */
  cells: SourceCell[];
  rows: SourceRow[];
}

/** The fields that fix a sweep's target split: equal fields, equal pool, validation and test sets. */
function splitOf(r: ExperimentResult): Record<string, unknown> {
  const c = r.resolved;
  return { task: c.task, testSize: c.testSize, validationSize: c.validationSize, splitSeed: c.splitSeed };
}

/**
 * Join the finished sweeps of several source backbones on one target into one comparison:
 * every cell and run labelled with its source. Checks that they share the target split
 * (task, testSize, validationSize, splitSeed, class names) and the seeds, so that they
 * compare run for run.
 *
 * @throws Error naming the part that differs and the fix
 * @example
 * const lite = await compare(experimentConfig('imagenet-to-digits'));
 * const fashion = await compare(experimentConfig('fashion-to-digits'));
 * const both = joinSources([{ source: 'ImageNet Lite0', result: lite }, { source: 'fashion-cnn', result: fashion }]);
 * show(sourcesChart(both));
 */
export function joinSources(parts: SourceResult[]): SourceComparison {
  const example = "Fix: pass e.g. [{ source: 'ImageNet', result: a }, { source: 'fashion-cnn', result: b }] (what compare() returned for each).";
  if (!Array.isArray(parts) || parts.length < 2)
    throw new Error(
      `joinSources: expected at least two {source, result} parts, got ${Array.isArray(parts) ? parts.length : parts === null ? 'null' : typeof parts}. ${example}`,
    );
  parts.forEach((p, i) => {
    if (!p || typeof p.source !== 'string' || !p.source.trim()) throw new Error(`joinSources: part ${i} has no source name. ${example}`);
    const r = p.result;
    if (!r || !r.resolved || !Array.isArray(r.rows) || !Array.isArray(r.cells) || r.rows.length === 0)
      throw new Error(`joinSources: part '${p.source}' is not a finished sweep with runs. ${example}`);
  });
  const names = parts.map((p) => p.source);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`joinSources: two parts are named '${dup}'. Fix: give every source its own name.`);
  const [first, ...rest] = parts;
  const split0 = splitOf(first.result);
  const seeds0 = [...first.result.resolved.seeds].sort((a, b) => a - b);
  for (const p of rest) {
    const split = splitOf(p.result);
    const diff = Object.keys(split0).filter((k) => jsonDigest(split0[k]) !== jsonDigest(split[k]));
    if (diff.length)
      throw new Error(
        `joinSources: '${p.source}' (${p.result.experiment}) is not on the same target split as '${first.source}' (${first.result.experiment}): ${diff.map((k) => `${k} ${JSON.stringify(split[k])} vs ${JSON.stringify(split0[k])}`).join(', ')}. Fix: run both with the same task, testSize, validationSize and splitSeed (a config's sources do).`,
      );
    if (jsonDigest(p.result.task.classNames) !== jsonDigest(first.result.task.classNames))
      throw new Error(`joinSources: '${p.source}' has other class names than '${first.source}'. Fix: join sweeps of the same task.`);
    const seeds = [...p.result.resolved.seeds].sort((a, b) => a - b);
    if (jsonDigest(seeds) !== jsonDigest(seeds0))
      throw new Error(
        `joinSources: '${p.source}' ran seeds ${seeds.join(', ')}, '${first.source}' seeds ${seeds0.join(', ')}. Fix: run both with the same seeds.`,
      );
  }
  return {
    task: first.result.task.description,
    classNames: first.result.task.classNames,
    sources: names,
    experiments: parts.map((p) => p.result.experiment),
    sizes: [...new Set(parts.flatMap((p) => p.result.cells.map((c) => c.size)))].sort((a, b) => a - b),
    seeds: seeds0,
    testImages: first.result.task.testImages,
    cells: parts.flatMap((p) => p.result.cells.map((c) => ({ ...c, source: p.source }))),
    rows: parts.flatMap((p) => p.result.rows.map((r) => ({ ...r, source: p.source }))),
  };
}

function checkComparison(c: SourceComparison, where: string): void {
  if (!c || !Array.isArray(c.sources) || !Array.isArray(c.cells) || !Array.isArray(c.sizes))
    throw new Error(
      `${where}: expected what joinSources() returns {sources, cells, sizes, ...}, got ${Array.isArray(c) ? 'an array' : c === null ? 'null' : typeof c}. Fix: pass joinSources([...]) (a single compare() result has no sources).`,
    );
}

/**
 * The joined table for a terminal: one line per (source, strategy), test accuracy mean
 * +- std over seeds per labels-per-class column, then the best source and strategy per size.
 *
 * @example
 * console.log(formatSourcesTable(joinSources([{ source: 'ImageNet', result: a }, { source: 'fashion-cnn', result: b }])));
 */
export function formatSourcesTable(c: SourceComparison): string {
  checkComparison(c, 'formatSourcesTable');
  const head = ['source', 'strategy', ...c.sizes.map((k) => `${k}/class`)];
  const lines: string[][] = [];
  for (const source of c.sources) {
    const own = c.cells.filter((x) => x.source === source);
    for (const strategy of [...new Set(own.map((x) => x.strategy))]) {
      lines.push([
        source,
        strategy,
        ...c.sizes.map((k) => {
          const x = own.find((y) => y.strategy === strategy && y.size === k);
          return x ? formatSpread(x.accuracy) : '-';
        }),
      ]);
    }
  }
  const best = [...bestPerSize(c.cells, c.sizes)].map(([k, b]) => `${k}/class: ${b.source} ${b.strategy} ${b.accuracy.mean.toFixed(3)}`);
  return [
    `${c.task}: test accuracy by source (mean +- std over seeds ${c.seeds.join(', ')}; ${c.testImages} test examples)`,
    ...textTable(head, lines, 2),
    '',
    `Best per size: ${best.join('; ')}.`,
  ].join('\n');
}

/**
 * One learning-curve chart of every source: a line per (source, strategy), colour by
 * strategy, dash and marker by source, band mean +- std over seeds.
 *
 * @example
 * show(sourcesChart(joinSources([{ source: 'ImageNet', result: a }, { source: 'fashion-cnn', result: b }])));
 */
export function sourcesChart(c: SourceComparison, opts: LearningCurveOptions = {}): Figure {
  checkComparison(c, 'sourcesChart');
  return learningCurveChart(c.cells, {
    ...opts,
    title:
      opts.title ??
      `What you pretrain on matters: ${c.sources.join(' vs ')} (test ${opts.metric === 'macroF1' ? 'macro-F1' : 'accuracy'}, mean +- std over ${c.seeds.length} seed(s))`,
  });
}

/** Options for {@link sourceConfigs} and {@link runSources}. */
export interface SourceOptions {
  /** The config is a quick one: its sources run in their quick versions too (then on its split). Default false. */
  quick?: boolean;
}

/**
 * The configs of a config's `sources`: each named experiment (quick when asked) on this
 * config's task split, sizes and seeds, with its own backbone and recipe, and only the
 * strategies its entry names. Checked before anything runs.
 *
 * @throws Error naming an unknown experiment, or one with another task
 * @example
 * sourceConfigs(experimentConfig('imagenet-to-digits')).map((c) => c.backbone); // ['fashion-cnn']
 */
export function sourceConfigs(config: ExperimentConfig, opts: SourceOptions = {}): ExperimentConfig[] {
  if (!config || typeof config !== 'object' || Array.isArray(config))
    throw new Error(
      `sourceConfigs: expected an experiment config, got ${config === null ? 'null' : Array.isArray(config) ? 'an array' : typeof config}. Fix: pass e.g. experimentConfig('imagenet-to-digits').`,
    );
  const r = resolveConfig(config);
  return (config.sources ?? []).map((spec) => {
    const base = experimentConfig<ExperimentConfig>(spec.experiment, { quick: opts.quick });
    if (jsonDigest(base.task) !== jsonDigest(config.task))
      throw new Error(
        `experiment '${config.name}': source '${spec.experiment}' has task ${JSON.stringify(base.task)}, not ${JSON.stringify(config.task)}. Fix: list experiments on the same target task in sources.`,
      );
    const derived: ExperimentConfig = {
      ...base,
      strategies: spec.strategies ?? base.strategies,
      sizes: r.sizes,
      seeds: r.seeds,
      testSize: r.testSize,
      validationSize: r.validationSize,
      splitSeed: r.splitSeed,
      sources: undefined,
    };
    resolveConfig(derived);
    return derived;
  });
}

/** Options for {@link runSources}. */
export interface RunSourcesOptions extends SourceOptions {
  /** The reports folder: the sweeps go to `<reportsDir>/<name>/sources/<experiment>`. Default: `reportsRoot()`. */
  reportsDir?: string;
  /** Reuse finished runs of the source sweeps. Default true. */
  resume?: boolean;
  /** The name of `config`'s own source. Default: its backbone. */
  label?: string;
  /** Called before each run of a source sweep is trained. */
  onStart?: (p: RunStart) => void;
  /** Called after each run of a source sweep (trained or resumed). */
  onRun?: (p: RunProgress) => void;
}

/**
 * Run the `sources` of a config whose own sweep has finished, join them with it, and
 * write `<reportsDir>/<name>/sources.html` (the chart) and `sources.json` (the cells).
 *
 * @returns the comparison and the files written
 * @example
 * const cfg = experimentConfig('imagenet-to-digits', { quick: true });
 * const { comparison } = await runSources(cfg, await compare(cfg), { quick: true });
 * console.log(formatSourcesTable(comparison));
 */
export async function runSources(
  config: ExperimentConfig,
  result: ExperimentResult,
  opts: RunSourcesOptions = {},
): Promise<{ comparison: SourceComparison; html: string; json: string }> {
  const specs = config?.sources ?? [];
  if (specs.length === 0)
    throw new Error(
      `runSources: experiment '${config?.name}' lists no sources. Fix: add e.g. "sources": [{"experiment": "fashion-to-digits"}] to its config, or call joinSources on results you have.`,
    );
  if (!result || !result.resolved || !Array.isArray(result.rows) || result.rows.length === 0)
    throw new Error(
      `runSources: the result of '${config.name}' is not a finished sweep with runs. Fix: pass what compare(config) or runSweep(config) returned for this config (its own source), before the other sources train.`,
    );
  const configs = sourceConfigs(config, opts);
  const dir = path.join(opts.reportsDir ?? reportsRoot(), config.name);
  const parts: SourceResult[] = [{ source: opts.label ?? config.backbone, result }];
  for (let i = 0; i < configs.length; i++) {
    const c = configs[i];
    const out = await runSweep(c, { outDir: path.join(dir, 'sources', c.name), resume: opts.resume, onStart: opts.onStart, onRun: opts.onRun });
    parts.push({ source: specs[i].label ?? c.backbone, result: out });
  }
  const comparison = joinSources(parts);
  const html = writeFigureHtml(path.join(dir, 'sources.html'), sourcesChart(comparison), { title: `${config.name}: what you pretrain on matters` });
  const json = writeAtomic(path.join(dir, 'sources.json'), JSON.stringify({ ...comparison, rows: undefined }, null, 1) + '\n');
  return { comparison, html, json };
}
