/**
 * Charts of the synthesis (notebook 10): the best transfer strategy's paired gain over
 * scratch per (source, target) and size, the seconds each strategy needs to reach a target
 * accuracy at each size (the probe's feature extraction drawn apart), and a backbone's
 * pretraining cost amortised over N reuses. Pure functions: results in, Figure out.
 */
import { Figure, Trace } from '../plot/figure';
import { STRATEGY_COLORS, sizeAxis } from './results';
import { amortisedCost } from '../experiment/time-to-accuracy';
import type { TimeToTargetCell } from '../experiment/time-to-accuracy';
import type { TransferVerdict } from '../experiment/synthesis';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

/** One line of {@link transferGainChart}: a (source, target) pair and its verdicts. */
export interface GainLine {
  /** Legend label, e.g. 'fashion-a-cnn -> fashion 5-9'. */
  label: string;
  verdicts: TransferVerdict[];
}

/** Options for {@link transferGainChart}. */
export interface TransferGainChartOptions {
  title?: string;
}

/**
 * The best transfer strategy's paired gain over scratch (test accuracy points, mean over
 * seeds, error bar one std of the paired differences) against labels per class, one line
 * per (source, target) pair; above the dashed zero line, transfer won.
 *
 * @example
 * tl.show(transferGainChart([{ label: 'fashion-cnn -> digits', verdicts: transferVerdicts(result.rows) }]));
 */
export function transferGainChart(lines: GainLine[], opts: TransferGainChartOptions = {}): Figure {
  const isVerdict = (v: TransferVerdict) => !!v && typeof v.size === 'number' && typeof v.gain === 'number' && typeof v.gainStd === 'number';
  if (
    !Array.isArray(lines) ||
    lines.length === 0 ||
    lines.some((l) => !l || typeof l.label !== 'string' || !Array.isArray(l.verdicts) || !l.verdicts.every(isVerdict))
  )
    throw new Error(
      'transferGainChart: expected a list of { label, verdicts } lines. Fix: pass [{ label: "source -> target", verdicts: transferVerdicts(result.rows) }, ...].',
    );
  const sizes = [...new Set(lines.flatMap((l) => l.verdicts.map((v) => v.size)))].sort((a, b) => a - b);
  if (!sizes.length) throw new Error('transferGainChart: no verdicts to draw. Fix: pass the verdicts of sweeps that ran scratch and a transfer strategy.');
  const data: Trace[] = lines.map((l, i) => ({
    type: 'scatter',
    mode: 'lines+markers',
    name: l.label,
    x: l.verdicts.map((v) => v.size * (1 + 0.04 * (i - (lines.length - 1) / 2))),
    y: l.verdicts.map((v) => 100 * v.gain),
    error_y: { type: 'data', array: l.verdicts.map((v) => 100 * v.gainStd), visible: true, thickness: 1 },
    customdata: l.verdicts.map((v) => [v.size, v.best, v.verdict, v.seeds]),
    line: { color: PALETTE[i % PALETTE.length] },
    marker: { size: 8 },
    hovertemplate: `${l.label}<br>%{customdata[0]} labels/class: %{customdata[1]} %{y:+.1f} points<br>%{customdata[2]} (%{customdata[3]} seeds)<extra></extra>`,
  }));
  return {
    data,
    layout: {
      title: { text: opts.title ?? 'Best transfer strategy minus scratch (test accuracy, paired by seed)' },
      xaxis: { title: { text: 'labels per class' }, type: 'log', tickvals: sizes },
      yaxis: { title: { text: 'gain over scratch (points)' }, zeroline: true, zerolinewidth: 2, zerolinecolor: '#888' },
      height: 450,
    },
  };
}

function checkTable(table: TimeToTargetCell[], where: string): void {
  if (!Array.isArray(table) || table.length === 0 || table.some((c) => !c || typeof c.runSeconds !== 'number' || typeof c.strategy !== 'string'))
    throw new Error(`${where}: expected the cells of timeToTargetTable. Fix: pass timeToTargetTable(result.rows, { target }).`);
}

/** Options for {@link timeToTargetChart}. */
export interface TimeToTargetChartOptions {
  title?: string;
}

/**
 * Seconds to the target validation accuracy against labels per class (both log axes), one
 * line per strategy (mean over the runs that reached it). A hollow marker is a cell where
 * no run reached the target, drawn at its whole run's seconds (a lower bound); a dotted line
 * is the linear probe's feature-extraction share of its time.
 *
 * @example
 * tl.show(timeToTargetChart(timeToTargetTable(result.rows, { target: 0.8 })));
 */
export function timeToTargetChart(table: TimeToTargetCell[], opts: TimeToTargetChartOptions = {}): Figure {
  checkTable(table, 'timeToTargetChart');
  const strategies = [...new Set(table.map((c) => c.strategy))];
  const data: Trace[] = [];
  strategies.forEach((s, i) => {
    const cs = table.filter((c) => c.strategy === s).sort((a, b) => a.size - b.size);
    const color = STRATEGY_COLORS[s] ?? PALETTE[i % PALETTE.length];
    // A strategy that never reached the target at any size has no line (all its y values
    // would be null: a trace that draws nothing); its hollow markers stand for it instead.
    const reachedAny = cs.some((c) => c.secondsToTarget !== null);
    if (reachedAny)
      data.push({
        type: 'scatter',
        mode: 'lines+markers',
        name: s,
        legendgroup: s,
        x: cs.map((c) => c.size),
        y: cs.map((c) => c.secondsToTarget),
        customdata: cs.map((c) => [c.reached, c.runs, c.samplesToTarget === null ? 0 : Math.round(c.samplesToTarget)]),
        line: { color },
        marker: { color, size: 8 },
        hovertemplate: `${s}, %{x}/class<br>%{y:.1f} s to target (%{customdata[0]}/%{customdata[1]} runs), %{customdata[2]} samples<extra></extra>`,
      });
    const missed = cs.filter((c) => c.reached === 0);
    if (missed.length)
      data.push({
        type: 'scatter',
        mode: 'markers',
        name: reachedAny ? `${s}: never reached (whole run)` : `${s}: never reached (whole run, every size)`,
        legendgroup: s,
        showlegend: !reachedAny,
        x: missed.map((c) => c.size),
        y: missed.map((c) => c.runSeconds),
        marker: { color, size: 10, symbol: 'circle-open', line: { width: 2 } },
        hovertemplate: `${s}, %{x}/class<br>never reached the target; the whole run took %{y:.1f} s<extra></extra>`,
      });
    if (cs.some((c) => c.extractionSeconds > 0))
      data.push({
        type: 'scatter',
        mode: 'lines+markers',
        name: `${s}: feature extraction`,
        legendgroup: s,
        x: cs.map((c) => c.size),
        y: cs.map((c) => c.extractionSeconds),
        line: { color, dash: 'dot' },
        marker: { color, size: 6, symbol: 'diamond' },
        hovertemplate: `${s}, %{x}/class<br>of which feature extraction %{y:.1f} s<extra></extra>`,
      });
  });
  const target = table[0].target;
  return {
    data,
    layout: {
      title: { text: opts.title ?? `Seconds to ${target} validation accuracy (hollow: never reached, drawn at the whole run)` },
      xaxis: sizeAxis(table.map((c) => c.size)),
      yaxis: { title: { text: 'training seconds (evaluation excluded)' }, type: 'log' },
      height: 450,
    },
  };
}

/** Options for {@link amortisedCostChart}. */
export interface AmortisedCostChartOptions {
  /** Labels per class of the cells used. Default: the largest size in the table. */
  size?: number;
  /** The backbone's pretraining seconds (e.g. `pretrainingSeconds('fashion-cnn')`); 0 for one pretrained elsewhere. */
  pretrainSeconds: number;
  /** Numbers of reuses on the x axis. Default 1 to 1000. */
  reuses?: number[];
  title?: string;
}

/**
 * Seconds per task against the number of tasks sharing one pretraining (log axes): for
 * each transfer strategy that reached the target at `size`, pretrainSeconds / N plus its
 * seconds to target; scratch is flat (dashed when it never reached the target: its whole
 * run, a lower bound). The legend gives each strategy's break-even number of reuses.
 *
 * @example
 * tl.show(amortisedCostChart(table, { pretrainSeconds: tl.pretrainingSeconds('fashion-cnn')!, size: 20 }));
 */
export function amortisedCostChart(table: TimeToTargetCell[], opts: AmortisedCostChartOptions): Figure {
  checkTable(table, 'amortisedCostChart');
  if (!opts || !(typeof opts.pretrainSeconds === 'number' && opts.pretrainSeconds >= 0))
    throw new Error(
      `amortisedCostChart: pretrainSeconds must be a number of seconds >= 0, got ${String(opts?.pretrainSeconds)}. Fix: pass { pretrainSeconds: pretrainingSeconds('fashion-cnn') } (0 for a backbone pretrained elsewhere).`,
    );
  const size = opts.size ?? Math.max(...table.map((c) => c.size));
  const cells = table.filter((c) => c.size === size);
  const scratch = cells.find((c) => c.strategy === 'scratch');
  if (!scratch)
    throw new Error(
      `amortisedCostChart: no scratch cell at ${size} labels per class. Fix: pass a table of a sweep with 'scratch', and a size it ran (sizes: ${[...new Set(table.map((c) => c.size))].join(', ')}).`,
    );
  const scratchSeconds = scratch.secondsToTarget ?? scratch.runSeconds;
  const reached = scratch.secondsToTarget !== null;
  const data: Trace[] = [];
  let reuses: number[] = [];
  cells.forEach((c, i) => {
    if (c.strategy === 'scratch' || c.secondsToTarget === null) return;
    const a = amortisedCost({ pretrainSeconds: opts.pretrainSeconds, transferSeconds: c.secondsToTarget, scratchSeconds, reuses: opts.reuses });
    reuses = a.reuses;
    const even = a.breakEven === null ? 'never cheaper' : `cheaper from ${a.breakEven} reuse${a.breakEven > 1 ? 's' : ''}${reached ? '' : ' (or sooner)'}`;
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: `${c.strategy}: ${even}`,
      x: a.reuses,
      y: a.transferPerTask,
      line: { color: STRATEGY_COLORS[c.strategy] ?? PALETTE[i % PALETTE.length], width: 2 },
      hovertemplate: `${c.strategy}<br>%{x} reuses: %{y:.1f} s per task<extra></extra>`,
    });
  });
  if (!reuses.length) reuses = opts.reuses ?? [1, 1000];
  data.push({
    type: 'scatter',
    mode: 'lines',
    name: reached ? `scratch: ${scratchSeconds.toFixed(1)} s` : `scratch: never reached (whole run ${scratchSeconds.toFixed(1)} s, a lower bound)`,
    x: [reuses[0], reuses[reuses.length - 1]],
    y: [scratchSeconds, scratchSeconds],
    line: { color: STRATEGY_COLORS.scratch, width: 2, dash: reached ? 'solid' : 'dash' },
    hovertemplate: `scratch: %{y:.1f} s per task<extra></extra>`,
  });
  return {
    data,
    layout: {
      title: {
        text:
          opts.title ??
          `Seconds per task to ${cells[0].target} validation accuracy, ${size} labels per class, pretraining (${Math.round(opts.pretrainSeconds)} s) shared by N tasks`,
      },
      xaxis: { title: { text: 'tasks sharing one pretraining (N)' }, type: 'log' },
      yaxis: { title: { text: 'seconds per task' }, type: 'log' },
      height: 450,
    },
  };
}
