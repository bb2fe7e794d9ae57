/**
 * `transfer-lab run <name|config.json> [--json] [--quick] [--fresh] [--backbone B] [--reports-dir DIR] [--workers N] [--shard i/n --out DIR]`:
 * run an experiment (a compare sweep; a text experiment such as minilm-to-fortunes runs compareText), resuming finished runs, then write its report
 * (reports/<name>/index.html) and reports/latest/summary.json. Progress goes to stderr;
 * stdout has the summary table, or only the summary JSON with --json.
 */
import * as path from 'path';
import { backendInfo } from '../backend';
import { CompareConfig, RunProgress } from '../experiment/compare';
import { runSweep } from '../experiment/sweep';
import { withVerbose } from '../train/progress';
import { experimentConfig } from '../experiment/experiments';
import { writeReport, formatSummaryTable, reportsDir, ExperimentSummary } from '../experiment/report';
import { isTextExperiment, textExperimentConfig, TextExperimentConfig } from '../text/experiment';
import { runSweepParallel } from '../sweep/parallel';
import { sourceConfigs, runSources, formatSourcesTable, RunSourcesOptions } from '../experiment/sources';
import { Command, CliError, parseArgs } from './command';
import { RUN, experimentNames } from './specs';
import { sweepFlags, runShardCommand, parallelProgress, SWEEP_USAGE } from './sweep-flags';

/** Options for {@link runExperiment}. */
export interface RunExperimentOptions {
  /** Print only the summary JSON on stdout. Default false. */
  json?: boolean;
  /** Redo every run instead of resuming. Default false. */
  fresh?: boolean;
  /** Use this backbone (zoo name or folder) instead of the config's. */
  backbone?: string;
  /** Reports folder. Default `<project>/reports`. */
  reportsDir?: string;
  /** Worker processes (`--workers`, src/sweep). Default 1: the runs are trained in this process. */
  workers?: number;
  /** The config is a quick one (`--quick`): its `sources` run quick too. Default false. */
  quick?: boolean;
}

function secs(s: number): string {
  return s < 90 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/**
 * Run an experiment from the command line: the sweep with progress on stderr, the report,
 * the summary. Shared by `run` and `main`.
 *
 * @returns the summary written to reports/latest/summary.json
 * @example
 * await runExperiment(experimentConfig('fashion-a-to-b', { quick: true }));
 */
export async function runExperiment(config: CompareConfig | TextExperimentConfig, opts: RunExperimentOptions = {}): Promise<ExperimentSummary> {
  const log = (s: string) => process.stderr.write(s + '\n');
  const b = backendInfo();
  const root = opts.reportsDir ?? reportsDir();
  const outDir = path.join(root, config.name);
  const cfg = opts.backbone ? { ...config, backbone: opts.backbone } : config;
  log(
    `[run] ${cfg.name}: ${cfg.strategies.length} strategies x sizes ${cfg.sizes.join(', ')} labels/class x seeds ${cfg.seeds.join(', ')} on ${b.backend}${b.label ? ` [${b.label}]` : ''}`,
  );
  log(
    `[run] backbone ${cfg.backbone}; results in ${outDir} (finished runs are kept in runs.jsonl and not redone${opts.fresh ? '; --fresh: starting over' : ''})`,
  );
  const sources = sourceConfigs(cfg, { quick: opts.quick }); // checked before anything trains
  if (sources.length) log(`[run] then its sources on the same split: ${sources.map((s) => `${s.name} (${s.backbone})`).join(', ')}`);
  if ((opts.workers ?? 1) > 1) {
    // Workers load their own backbone; runs finish out of order, so progress is one line per run.
    log(`[run] on ${opts.workers} worker processes`);
    const result = (await runSweepParallel(cfg, { outDir, resume: !opts.fresh, workers: opts.workers, ...parallelProgress(log) })) as Parameters<
      typeof writeReport
    >[0];
    return finishSources(cfg, result, finish(result, root, opts), root, opts, {});
  }
  const t0 = Date.now();
  const progress = {
    onStart: (p: { index: number; total: number; strategy: string; size: number; seed: number; epochs: number }) =>
      process.stderr.write(`[${p.index}/${p.total}] ${p.strategy} ${p.size}/class seed ${p.seed} (${p.epochs} epochs) ... `),
    onRun: (p: RunProgress) => {
      const r = p.row;
      const eta = p.resumed ? '' : `, ${secs((Date.now() - t0) / 1000)} so far`;
      const line = `test acc ${r.accuracy.toFixed(3)}, macro-F1 ${r.macroF1.toFixed(3)}, train ${r.wallSeconds.toFixed(1)} s${eta}`;
      if (p.resumed) log(`[${p.index}/${p.total}] ${r.strategy} ${r.size}/class seed ${r.seed}: resumed (${line})`);
      else log(line);
    },
  };
  // Any task kind of the registry (images, fortunes, sentiment, an image folder, a text file):
  // the sweep loads its data and backbone through the kind. One line per run is the progress;
  // the trainings inside a run stay quiet (withVerbose(0)) so the lines are not interleaved.
  const result = await withVerbose(0, () => runSweep(cfg, { outDir, resume: !opts.fresh, ...progress }));
  return finishSources(cfg, result, finish(result, root, opts), root, opts, progress);
}

/** Run a config's `sources` (if any) after its own sweep; print the joined table. */
async function finishSources(
  cfg: CompareConfig | TextExperimentConfig,
  result: Parameters<typeof writeReport>[0],
  summary: ExperimentSummary,
  root: string,
  opts: RunExperimentOptions,
  progress: Pick<RunSourcesOptions, 'onStart' | 'onRun'>,
): Promise<ExperimentSummary> {
  if (!cfg.sources?.length) return summary;
  const s = await withVerbose(0, () => runSources(cfg, result, { reportsDir: root, resume: !opts.fresh, quick: opts.quick, ...progress }));
  if (!opts.json) process.stdout.write(`\n${formatSourcesTable(s.comparison)}\nSources: ${s.html}\n`);
  return summary;
}

/** Write the report and print the summary of a finished sweep. */
function finish(result: Parameters<typeof writeReport>[0], root: string, opts: RunExperimentOptions): ExperimentSummary {
  const files = writeReport(result, { reportsDir: root });
  if (opts.json) {
    process.stdout.write(JSON.stringify(files.data, null, 2) + '\n');
  } else {
    process.stdout.write(formatSummaryTable(result) + '\n\n');
    process.stdout.write(`${result.rows.length} runs (${result.resumedRuns} resumed) in ${secs(result.wallSeconds)}.\n`);
    process.stdout.write(`Report:  ${files.html}\n         (open in a browser: file://${files.html})\n`);
    process.stdout.write(`Summary: ${files.latest ?? files.summary}\nTable:   ${result.files?.csv}\n`);
  }
  return files.data;
}

/**
 * The `run` command.
 *
 * @example
 * await command.run(['fashion-a-to-b', '--quick']);
 */
export const command: Command = {
  async run(args) {
    const opts = parseArgs(args, RUN);
    const sweep = sweepFlags(opts.values);
    const name = opts.positional[0];
    if (!name || opts.positional.length > 1) {
      throw new CliError(
        `run needs exactly one experiment name or config file, got ${opts.positional.length ? opts.positional.map((p) => `'${p}'`).join(' ') : 'none'}. Fix: transfer-lab run <${experimentNames().names.join('|')}|config.json> [--json] [--quick] [--fresh] [--backbone NAME|DIR] [--reports-dir DIR] ${SWEEP_USAGE}`,
        2,
      );
    }
    let config: CompareConfig | TextExperimentConfig;
    try {
      config = isTextExperiment(name)
        ? textExperimentConfig(name, { quick: opts.flags.has('quick') })
        : experimentConfig(name, { quick: opts.flags.has('quick') });
    } catch (e) {
      const m = (e as Error).message;
      throw new CliError(m, 2);
    }
    const rd = opts.values.get('reports-dir');
    if (sweep.shard) {
      await runShardCommand(config, sweep, { json: opts.flags.has('json'), fresh: opts.flags.has('fresh'), backbone: opts.values.get('backbone') });
      return 0;
    }
    await runExperiment(config, {
      json: opts.flags.has('json'),
      fresh: opts.flags.has('fresh'),
      backbone: opts.values.get('backbone'),
      reportsDir: rd ? path.resolve(rd) : undefined,
      workers: sweep.workers,
      quick: opts.flags.has('quick'),
    });
    return 0;
  },
};
