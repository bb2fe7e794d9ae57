/**
 * The top-losses grid of an interpretation (fastai's `plot_top_losses`): the images the
 * net got most wrong, each captioned "predicted / actual / loss / probability".
 */
import { imageSize } from '../data/dataset';
import { thumbnails } from '../data/resize';
import { pngDataUri } from '../data/png';
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
  const ch = h + 2 * b + label;
  const rows = Math.ceil(top.length / cols);
  const W = cols * cw;
  const H = rows * ch;
  const mosaic = new Uint8Array(W * H * 3).fill(255);
  const size = imageSize(ds);
  const annotations: Record<string, unknown>[] = [];
  top.forEach((t, n) => {
    const ox = (n % cols) * cw + Math.floor((cw - w - 2 * b) / 2);
    const oy = Math.floor(n / cols) * ch;
    const wrong = t.predicted !== t.actual;
    const frame = wrong ? [214, 39, 40] : [170, 170, 170];
    for (let y = 0; y < h + 2 * b; y++) {
      for (let x = 0; x < w + 2 * b; x++) {
        const o = ((oy + y) * W + ox + x) * 3;
        if (y < b || y >= h + b || x < b || x >= w + b) {
          mosaic[o] = frame[0];
          mosaic[o + 1] = frame[1];
          mosaic[o + 2] = frame[2];
          continue;
        }
        const p = t.index * size + ((y - b) * w + (x - b)) * c;
        mosaic[o] = ds.images[p];
        mosaic[o + 1] = ds.images[c === 3 ? p + 1 : p];
        mosaic[o + 2] = ds.images[c === 3 ? p + 2 : p];
      }
    }
    annotations.push({
      x: ox + (w + 2 * b) / 2,
      y: oy + h + 2 * b + label / 2,
      xref: 'x',
      yref: 'y',
      showarrow: false,
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
