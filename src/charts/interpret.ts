/**
 * The top-losses grid of an interpretation (fastai's `plot_top_losses`): the images the
 * net got most wrong, each captioned "predicted / actual / loss / probability".
 */
import { thumbnails } from '../data/resize';
import { pngDataUri } from '../data/png';
import { framedMosaic } from './mosaic';
import { Figure } from '../plot/figure';
import { Interpretation, topLosses } from '../experiment/interpret';

/** Options for {@link topLossesChart}. */
export interface TopLossesChartOptions {
  /** Images shown, highest loss first. Default 12. */
  count?: number;
  /** Images per row. Default 6. */
  columns?: number;
  /** Larger images are shrunk to this many pixels on their longer side. Default 64. */
  maxSide?: number;
  title?: string;
}

/**
 * A grid of the examples with the highest loss: wrong predictions framed in red, right
 * (but unsure) ones in grey; each captioned "predicted / actual" and "loss / p(predicted)".
 *
 * @example
 * tl.show(topLossesChart(await interpret(net, test), { count: 12 }));
 * // introduced in notebooks/06-your-own-images.ipynb
 */
export function topLossesChart(interp: Interpretation, opts: TopLossesChartOptions = {}): Figure {
  const count = opts.count ?? 12;
  const top = topLosses(interp, count);
  const cols = Math.min(opts.columns ?? 6, top.length);
  if (!Number.isInteger(cols) || cols < 1)
    throw new Error(`topLossesChart: columns must be a positive integer, got ${opts.columns}. Fix: pass e.g. { columns: 6 }.`);
  const ds = thumbnails(interp.dataset, opts.maxSide ?? 64);
  const { height: h, width: w, channels: c } = ds;
  if (c !== 1 && c !== 3) throw new Error(`topLossesChart: ${c} channels cannot be drawn. Fix: interpret a 1- or 3-channel data set.`);
  const b = 2;
  const label = 24; // two caption lines under each image, in image pixels
  const cw = Math.max(w + 2 * b + 4, 44);
  const cells = top.map((t) => ({ index: t.index, frame: t.predicted !== t.actual ? [214, 39, 40] : [170, 170, 170] }));
  const { mosaic, W, H, captions } = framedMosaic(ds, cells, { cols, cellWidth: cw, label, border: b, center: true });
  const annotations: Record<string, unknown>[] = [];
  top.forEach((t, n) => {
    const wrong = t.predicted !== t.actual;
    annotations.push({
      ...captions[n],
      // Class names are user data (folder names): plotly renders a small HTML subset, so escape them.
      text: `${escapeText(t.predicted)} / ${escapeText(t.actual)}<br>${t.loss.toFixed(2)} / ${t.probability.toFixed(2)}`,
      font: { size: 9, color: wrong ? '#d62728' : '#333' },
    });
  });
  const scale = Math.max(h, w) <= 32 ? 3 : 2;
  return {
    data: [{ type: 'image', source: pngDataUri(mosaic, H, W, 3), hoverinfo: 'skip' }],
    layout: {
      title: { text: opts.title ?? `Top ${top.length} losses on ${escapeText(interp.dataset.name)}: predicted / actual, loss / probability of the prediction` },
      width: W * scale + 40,
      height: H * scale + 90,
      margin: { l: 20, r: 20, t: 60, b: 20 },
      xaxis: { visible: false, range: [0, W] },
      yaxis: { visible: false, range: [H, 0] },
      annotations,
    },
  };
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
