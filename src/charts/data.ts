/**
 * Charts of data sets, as plain plotly figures: a grid of sample images per class and
 * a class-count bar chart. Pure functions: they read the bytes and return a Figure.
 */
import { ImageDataset, imageSize } from '../data/dataset';
import { pngDataUri } from '../data/png';
import { classCounts, indicesByClass } from '../data/split';
import { Figure, Trace } from '../plot/figure';
import { SeedLike, rng, sample } from '../random';

/** Options for {@link sampleGridChart}. */
export interface SampleGridOptions {
  /** Images per class (one row per class). Default 8. */
  perClass?: number;
  /** Seed for which images are shown. Default 0. */
  seed?: SeedLike;
  /** Screen pixels per image pixel. Default 2 for images up to 64 px, else 1. */
  scale?: number;
  /** Gap between images, in image pixels. Default 2. */
  gap?: number;
  /** Chart title. Default: the data set's name. */
  title?: string;
}

/**
 * A grid of sample images, one row per class labelled with its name: a single plotly
 * `image` trace of one PNG mosaic (a few tens of KB for 10x8 28x28 images).
 * Classes with fewer images than `perClass` show all they have.
 *
 * @returns a Figure to display with the plot module
 * @example
 * const fig = sampleGridChart(loadFashionMnist('test'), { perClass: 8, seed: 1 });
 */
export function sampleGridChart(ds: ImageDataset, opts: SampleGridOptions = {}): Figure {
  const perClass = opts.perClass ?? 8;
  if (!Number.isInteger(perClass) || perClass < 1)
    throw new Error(`sampleGridChart: perClass must be a positive integer, got ${perClass}. Fix: pass e.g. { perClass: 8 }.`);
  const gap = opts.gap ?? 2;
  const { height: h, width: w, channels: c } = ds;
  if (c !== 1 && c !== 3) throw new Error(`sampleGridChart of ${ds.name}: ${c} channels cannot be drawn. Fix: use a 1- or 3-channel data set.`);
  // Up to perClass images per class, seeded; a class with no images is an empty row.
  const r = rng(opts.seed ?? 0);
  const rows = indicesByClass(ds).map((idx) => sample(idx, Math.min(perClass, idx.length), r).sort((a, b) => a - b));
  const cols = perClass;
  const H = ds.classNames.length * (h + gap) - gap;
  const W = cols * (w + gap) - gap;
  const mosaic = new Uint8Array(H * W * c).fill(255);
  const size = imageSize(ds);
  rows.forEach((idx, r) =>
    idx.forEach((i, col) => {
      const img = ds.images.subarray(i * size, (i + 1) * size);
      for (let y = 0; y < h; y++) {
        mosaic.set(img.subarray(y * w * c, (y + 1) * w * c), ((r * (h + gap) + y) * W + col * (w + gap)) * c);
      }
    }),
  );
  const scale = opts.scale ?? (Math.max(h, w) <= 64 ? 2 : 1);
  const trace: Trace = { type: 'image', source: pngDataUri(mosaic, H, W, c as 1 | 3), hoverinfo: 'skip' };
  return {
    data: [trace],
    layout: {
      title: { text: opts.title ?? `${ds.name}: samples per class` },
      width: W * scale + 160,
      height: H * scale + 80,
      margin: { l: 120, r: 20, t: 50, b: 20 },
      xaxis: { visible: false },
      yaxis: {
        tickvals: ds.classNames.map((_, r) => r * (h + gap) + h / 2),
        ticktext: ds.classNames,
        showgrid: false,
        zeroline: false,
        ticks: '',
      },
    },
  };
}

/** Options for {@link classCountChart}. */
export interface ClassCountOptions {
  /** Chart title. Default `Images per class`. */
  title?: string;
}

/**
 * A bar chart of images per class; several data sets (e.g. train and test, or a k-shot
 * sample beside its pool) become grouped bars, one colour each.
 *
 * @example
 * const fig = classCountChart([loadFashionMnist('train'), loadFashionMnist('test')]);
 */
export function classCountChart(datasets: ImageDataset | ImageDataset[], opts: ClassCountOptions = {}): Figure {
  const list = Array.isArray(datasets) ? datasets : [datasets];
  if (list.length === 0) throw new Error('classCountChart: no data sets given. Fix: pass one data set or an array of them.');
  return {
    data: list.map((ds) => ({ type: 'bar', name: ds.name, x: ds.classNames, y: classCounts(ds) })),
    layout: {
      title: { text: opts.title ?? 'Images per class' },
      barmode: 'group',
      xaxis: { title: { text: 'class' }, type: 'category' },
      yaxis: { title: { text: 'images' } },
      showlegend: list.length > 1,
    },
  };
}
