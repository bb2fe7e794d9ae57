/**
 * The chart of a learning-rate range test: loss against rate (log scale), with the
 * suggested rates marked. A pure function of what `lrFind` returned.
 */
import { Figure, Trace } from '../plot/figure';
import type { LrFindResult } from '../train/lr-find';

/** Options for {@link lrFindChart}. */
export interface LrFindChartOptions {
  /** Chart title. Default: names the suggested rate and its rule. */
  title?: string;
  /** Also draw the raw (unsmoothed) batch losses, faintly. Default true. */
  raw?: boolean;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

function isResult(x: unknown): x is LrFindResult {
  const r = x as LrFindResult;
  return !!r && typeof r === 'object' && Array.isArray(r.lrs) && Array.isArray(r.smoothed) && r.lrs.length === r.smoothed.length && !!r.valley;
}

/**
 * Loss against learning rate (log x axis): the smoothed loss as a line, the raw batch
 * losses faintly, and markers at the valley, steepest and minimum/10 suggestions. Several
 * named results (e.g. a pretrained and a scratch net) share one chart, each with its
 * smoothed curve and its valley.
 *
 * @example
 * tl.show(lrFindChart(await lrFind(net, src)));
 * tl.show(lrFindChart({ pretrained: a, scratch: b }));
 * // introduced in notebooks/04-versus-scratch.ipynb
 */
export function lrFindChart(result: LrFindResult | Record<string, LrFindResult>, opts: LrFindChartOptions = {}): Figure {
  const named: [string, LrFindResult][] = isResult(result) ? [['', result]] : result && typeof result === 'object' ? Object.entries(result) : [];
  if (named.length === 0 || named.some(([, r]) => !isResult(r))) {
    throw new Error(
      `lrFindChart: expected what lrFind returns ({ lrs, losses, smoothed, valley, steep, ... }) or an object of them by name, got ${result === null ? 'null' : typeof result}. Fix: pass the result of await lrFind(net, source).`,
    );
  }
  const single = named.length === 1 && named[0][0] === '';
  const data: Trace[] = [];
  named.forEach(([name, r], i) => {
    const color = COLORS[i % COLORS.length];
    const label = (s: string) => (single ? s : `${name}: ${s}`);
    if ((opts.raw ?? true) && single) {
      data.push({
        type: 'scatter',
        mode: 'lines',
        name: 'batch loss',
        x: r.lrs,
        y: r.losses,
        line: { color: 'rgba(31,119,180,0.25)', width: 1 },
        hovertemplate: 'rate %{x:.2e}<br>loss %{y:.3f}<extra>batch</extra>',
      });
    }
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: label('smoothed loss'),
      x: r.lrs,
      y: r.smoothed,
      line: { color, width: 2 },
      hovertemplate: `rate %{x:.2e}<br>loss %{y:.3f}<extra>${single ? 'smoothed' : name}</extra>`,
    });
    const marks: [string, { lr: number; loss: number }, string, string][] = single
      ? [
          ['valley', r.valley, '#d62728', 'circle'],
          ['steep', r.steep, '#ff7f0e', 'diamond'],
          ['minimum / 10', r.minimum, '#2ca02c', 'square'],
        ]
      : [['valley', r.valley, color, 'circle']];
    for (const [m, p, c, symbol] of marks) {
      data.push({
        type: 'scatter',
        mode: 'markers',
        name: label(`${m} ${p.lr.toExponential(1)}`),
        x: [p.lr],
        y: [p.loss],
        marker: { color: c, size: 11, symbol, line: { color: '#fff', width: 1 } },
      });
    }
  });
  const finite = named.flatMap(([, r]) => r.smoothed.filter(Number.isFinite));
  const lo = Math.min(...finite);
  const first = Math.max(...named.map(([, r]) => r.smoothed.find(Number.isFinite) ?? lo));
  const title = single
    ? `Learning-rate finder: suggested ${named[0][1].suggested.toExponential(1)} (${named[0][1].rule})${named[0][1].diverged ? ', stopped when the loss diverged' : ''}`
    : `Learning-rate finder: ${named.map(([n, r]) => `${n} ${r.suggested.toExponential(1)}`).join(', ')} (suggested)`;
  return {
    data,
    layout: {
      title: { text: opts.title ?? title },
      xaxis: { title: { text: 'learning rate (head group)' }, type: 'log', exponentformat: 'power' },
      // Clip the divergence so the useful part of the curve fills the chart.
      yaxis: { title: { text: 'training loss' }, range: [Math.max(0, lo - 0.1 * (first - lo)), first + 0.5 * Math.max(1e-3, first - lo)] },
      height: 420,
      legend: { x: 0.01, y: 0.01, xanchor: 'left', yanchor: 'bottom' },
    },
  };
}
