/**
 * What an augmentation does, as a chart: a few images, each next to several seeded
 * augmented copies, exactly as the training loop would make them (same `augmentBytes`).
 */
import { ImageDataset, imageSize, checkDataset } from '../data/dataset';
import { AugmentOptions, augmentBytes } from '../data/batches';
import { checkAugment } from '../data/augment';
import { pngDataUri } from '../data/png';
import { Figure } from '../plot/figure';
import { Random, sample } from '../random';

/** Options for {@link augmentationChart}. */
export interface AugmentationChartOptions {
  /** Images shown (one row each). Default 4. */
  images?: number;
  /** Augmented copies per image, after the original. Default 7. */
  copies?: number;
  /** Seed of which images and of the augmentation. Default 0. */
  seed?: number;
  /** Screen pixels per image pixel. Default 3 for images up to 32 px, 2 up to 64, else 1. */
  scale?: number;
  title?: string;
}

/**
 * A grid: each row one image of `ds`, first as it is, then `copies` augmented versions
 * (a single PNG mosaic).
 *
 * @example
 * tl.show(augmentationChart(train, { flip: true, rotate: 15, zoom: 0.15, brightness: 0.2, contrast: 0.2 }));
 * // introduced in notebooks/06-your-own-images.ipynb
 */
export function augmentationChart(ds: ImageDataset, aug: AugmentOptions, opts: AugmentationChartOptions = {}): Figure {
  checkDataset(ds, 'augmentationChart');
  checkAugment(aug);
  const rows = Math.min(opts.images ?? 4, ds.count);
  const copies = opts.copies ?? 7;
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(copies) || copies < 1)
    throw new Error(
      `augmentationChart: images and copies must be positive integers, got ${opts.images} and ${opts.copies}. Fix: pass e.g. { images: 4, copies: 7 } (and a data set with images).`,
    );
  const { height: h, width: w, channels: c } = ds;
  if (c !== 1 && c !== 3) throw new Error(`augmentationChart of ${ds.name}: ${c} channels cannot be drawn. Fix: use a 1- or 3-channel data set.`);
  const r = new Random(opts.seed ?? 0);
  const pick = sample(
    Array.from({ length: ds.count }, (_, i) => i),
    rows,
    r,
  );
  const gap = 2;
  const cols = copies + 1;
  const H = rows * (h + gap) - gap;
  const W = cols * (w + gap) + gap * 2 - gap; // a wider gap after the original
  const mosaic = new Uint8Array(H * W * c).fill(255);
  const size = imageSize(ds);
  pick.forEach((i, row) => {
    const orig = ds.images.subarray(i * size, (i + 1) * size);
    const tiles = new Uint8Array(cols * size);
    for (let k = 0; k < cols; k++) tiles.set(orig, k * size);
    augmentBytes(tiles.subarray(size), copies, ds, aug, r);
    for (let k = 0; k < cols; k++) {
      const ox = k * (w + gap) + (k > 0 ? gap * 2 : 0);
      for (let y = 0; y < h; y++) mosaic.set(tiles.subarray(k * size + y * w * c, k * size + (y + 1) * w * c), ((row * (h + gap) + y) * W + ox) * c);
    }
  });
  const scale = opts.scale ?? (Math.max(h, w) <= 32 ? 3 : Math.max(h, w) <= 64 ? 2 : 1);
  const desc =
    Object.entries(aug)
      .filter(([, v]) => v !== undefined && v !== false && v !== 0)
      .map(([k, v]) => (v === true ? k : `${k} ${v}`))
      .join(', ') || 'none';
  return {
    data: [{ type: 'image', source: pngDataUri(mosaic, H, W, c), hoverinfo: 'skip' }],
    layout: {
      title: { text: opts.title ?? `Augmentation (${desc}): original, then ${copies} seeded copies` },
      width: W * scale + 40,
      height: H * scale + 80,
      margin: { l: 20, r: 20, t: 50, b: 20 },
      xaxis: { visible: false },
      yaxis: { visible: false },
    },
  };
}
