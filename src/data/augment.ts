/**
 * The geometric and photometric parts of on-the-fly augmentation (Keras's RandomZoom,
 * RandomRotation, RandomBrightness, RandomContrast; fastai's aug_transforms), working on
 * image bytes before they become a batch tensor: the training step (compiled or eager)
 * sees an ordinary batch. `augmentBytes` (batches.ts) draws the random numbers and calls
 * these; shift and flip alone keep their exact whole-pixel path there.
 */
import type { AugmentOptions } from './batches';

/** Whether an augmentation does anything (every default leaves images unchanged). */
export function augmentActive(aug: AugmentOptions | undefined | false): boolean {
  if (!aug) return false;
  return (aug.shift ?? 0) > 0 || !!aug.flip || (aug.rotate ?? 0) > 0 || (aug.zoom ?? 0) > 0 || (aug.brightness ?? 0) > 0 || (aug.contrast ?? 0) > 0;
}

/**
 * Check augmentation options, naming the bad field and the fix.
 *
 * @example
 * checkAugment({ rotate: 10, zoom: 0.1 });
 */
export function checkAugment(aug: AugmentOptions): void {
  if (aug === null || typeof aug !== 'object')
    throw new Error(`augment: expected options like { shift: 2, rotate: 10 }, got ${aug === null ? 'null' : typeof aug}. Fix: pass an object, or {} for none.`);
  const known = ['shift', 'flip', 'rotate', 'zoom', 'brightness', 'contrast'];
  for (const k of Object.keys(aug)) if (!known.includes(k)) throw new Error(`augment: unknown option '${k}'. Fix: use ${known.join(', ')}.`);
  const s = aug.shift ?? 0;
  if (!Number.isInteger(s) || s < 0) throw new Error(`augment: shift ${s} is not a whole number of pixels >= 0. Fix: pass e.g. { shift: 2 }.`);
  const range = (name: 'rotate' | 'zoom' | 'brightness' | 'contrast', max: number, eg: number): void => {
    const v = aug[name] ?? 0;
    if (typeof v !== 'number' || !(v >= 0 && v <= max))
      throw new Error(`augment: ${name} ${String(v)} is not a number in [0, ${max}]. Fix: pass e.g. { ${name}: ${eg} }, or 0 for none.`);
  };
  range('rotate', 180, 10);
  range('zoom', 0.9, 0.1);
  range('brightness', 1, 0.2);
  range('contrast', 0.9, 0.2);
}

/** One image's random draw of the geometric transform. */
export interface Warp {
  dx: number;
  dy: number;
  flip: boolean;
  /** Radians; positive turns the image clockwise on screen (y points down). */
  angle: number;
  /** > 1 zooms in (a random crop), < 1 zooms out (borders filled with 0). */
  scale: number;
}

/**
 * Resample one image (height x width x channels bytes) through `w`, in place: output pixel p
 * reads the source at c + R(-angle)(p - c - t) / scale, mirrored when flipped, with
 * bilinear interpolation; outside the source reads 0 (as the shift does).
 *
 * @example
 * warpImage(img, 28, 28, 1, { dx: 1, dy: 0, flip: false, angle: 0.1, scale: 1.1 }, scratch);
 */
export function warpImage(img: Uint8Array, h: number, w: number, c: number, t: Warp, src: Uint8Array): void {
  src.set(img);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const cos = Math.cos(t.angle) / t.scale;
  const sin = Math.sin(t.angle) / t.scale;
  for (let y = 0; y < h; y++) {
    const py = y - cy - t.dy;
    for (let x = 0; x < w; x++) {
      const px = x - cx - t.dx;
      let sx = cos * px + sin * py + cx;
      const sy = -sin * px + cos * py + cy;
      if (t.flip) sx = w - 1 - sx;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      // The four neighbours' weights; a neighbour outside the image reads 0 (weight 0).
      const inX0 = x0 >= 0 && x0 < w;
      const inX1 = x0 + 1 >= 0 && x0 + 1 < w;
      const inY0 = y0 >= 0 && y0 < h;
      const inY1 = y0 + 1 >= 0 && y0 + 1 < h;
      const w00 = inY0 && inX0 ? (1 - fx) * (1 - fy) : 0;
      const w01 = inY0 && inX1 ? fx * (1 - fy) : 0;
      const w10 = inY1 && inX0 ? (1 - fx) * fy : 0;
      const w11 = inY1 && inX1 ? fx * fy : 0;
      const o = (y * w + x) * c;
      if (w00 + w01 + w10 + w11 === 0) {
        for (let k = 0; k < c; k++) img[o + k] = 0;
        continue;
      }
      const i00 = (y0 * w + x0) * c;
      const i10 = i00 + w * c;
      for (let k = 0; k < c; k++) {
        const v = (w00 && src[i00 + k] * w00) + (w01 && src[i00 + c + k] * w01) + (w10 && src[i10 + k] * w10) + (w11 && src[i10 + c + k] * w11);
        img[o + k] = v > 255 ? 255 : (v + 0.5) | 0;
      }
    }
  }
}

/**
 * Brightness and contrast on one image, in place: each channel is moved toward or away
 * from its mean by `contrast` (a factor), then `brightness` (in 0-255 units) is added;
 * results are clipped to 0-255.
 *
 * @example
 * adjustImage(img, 28 * 28, 1, 1.2, -10);
 */
export function adjustImage(img: Uint8Array, pixels: number, c: number, contrast: number, brightness: number): void {
  for (let k = 0; k < c; k++) {
    let mean = 0;
    for (let p = 0; p < pixels; p++) mean += img[p * c + k];
    mean /= pixels;
    for (let p = 0; p < pixels; p++) {
      const v = (img[p * c + k] - mean) * contrast + mean + brightness;
      img[p * c + k] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
    }
  }
}
