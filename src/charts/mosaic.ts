/**
 * The framed image mosaic under the image-grid charts (top losses, prediction grid): each
 * picked image in a coloured frame, in cells of a white RGB canvas with room for a caption.
 */
import { ImageDataset, imageSize } from '../data/dataset';

/** One cell of a {@link framedMosaic}: which image of the data set, and its frame's RGB colour. */
export interface MosaicCell {
  index: number;
  frame: number[];
}

/** How a {@link framedMosaic} lays its cells out. */
export interface MosaicLayout {
  /** Cells per row. */
  cols: number;
  /** Width of a cell in pixels (at least the framed image's). */
  cellWidth: number;
  /** Pixels under each framed image, for its caption. */
  label: number;
  /** Frame width in pixels. */
  border: number;
  /** Centre each framed image in its cell (else it starts at the cell's left edge). Default false. */
  center?: boolean;
}

/** A plotly annotation's position, centred in the room under a cell's framed image; the chart adds text and font. */
export interface MosaicCaption {
  x: number;
  y: number;
  xref: 'x';
  yref: 'y';
  showarrow: false;
}

/**
 * Paint `cells` (images of a 1- or 3-channel `ds`, each in its frame) into a white RGB mosaic.
 *
 * @returns the mosaic (H x W x 3 bytes), its size, and where each cell's caption goes
 * @example
 * const { mosaic, W, H, captions } = framedMosaic(ds, [{ index: 0, frame: [214, 39, 40] }], { cols: 1, cellWidth: 36, label: 12, border: 2 });
 */
export function framedMosaic(
  ds: ImageDataset,
  cells: MosaicCell[],
  layout: MosaicLayout,
): { mosaic: Uint8Array; W: number; H: number; captions: MosaicCaption[] } {
  const { height: h, width: w, channels: c } = ds;
  const { cols, cellWidth: cw, label, border: b } = layout;
  const ch = h + 2 * b + label;
  const rows = Math.ceil(cells.length / cols);
  const W = cols * cw;
  const H = rows * ch;
  const mosaic = new Uint8Array(W * H * 3).fill(255);
  const size = imageSize(ds);
  const captions = cells.map((cell, n): MosaicCaption => {
    const ox = (n % cols) * cw + (layout.center ? Math.floor((cw - w - 2 * b) / 2) : 0);
    const oy = Math.floor(n / cols) * ch;
    const frame = cell.frame;
    for (let y = 0; y < h + 2 * b; y++) {
      for (let x = 0; x < w + 2 * b; x++) {
        const o = ((oy + y) * W + ox + x) * 3;
        if (y < b || y >= h + b || x < b || x >= w + b) {
          mosaic[o] = frame[0];
          mosaic[o + 1] = frame[1];
          mosaic[o + 2] = frame[2];
          continue;
        }
        const p = cell.index * size + ((y - b) * w + (x - b)) * c;
        mosaic[o] = ds.images[p];
        mosaic[o + 1] = ds.images[c === 3 ? p + 1 : p];
        mosaic[o + 2] = ds.images[c === 3 ? p + 2 : p];
      }
    }
    return { x: ox + (w + 2 * b) / 2, y: oy + h + 2 * b + label / 2, xref: 'x', yref: 'y', showarrow: false };
  });
  return { mosaic, W, H, captions };
}
