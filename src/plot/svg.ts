/**
 * A tiny static line chart as inline SVG, for live displays: a few KB per update, no
 * scripts (update_display_data resends the whole output on every update, so the live
 * view must be light; the final view is an interactive plotly chart).
 */

/** One line of a {@link svgLines} panel. */
export interface SvgSeries {
  name: string;
  xs: number[];
  ys: number[];
}

/** One panel: a title and its lines. */
export interface SvgPanel {
  title: string;
  series: SvgSeries[];
  /** Vertical markers: x and a short label. */
  marks?: { x: number; label: string }[];
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 0.01 || a >= 1e4) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

/**
 * Draw panels side by side as one SVG string.
 *
 * @param panels the panels (each with its own y scale)
 * @param opts panel `width` (default 340) and `height` (default 220) in pixels
 * @returns the `<svg>` markup
 * @example
 * svgLines([{ title: 'loss', series: [{ name: 'loss', xs: [1, 2], ys: [0.9, 0.5] }] }]);
 */
export function svgLines(panels: SvgPanel[], opts: { width?: number; height?: number } = {}): string {
  if (!Array.isArray(panels))
    throw new Error(
      `svgLines: expected an array of panels {title, series}, got ${panels === null ? 'null' : typeof panels}. Fix: pass e.g. [{ title: 'loss', series: [{ name: 'loss', xs, ys }] }].`,
    );
  const w = opts.width ?? 340;
  const h = opts.height ?? 220;
  const m = { l: 44, r: 10, t: 22, b: 34 };
  const parts: string[] = [];
  panels.forEach((p, pi) => {
    const ox = pi * w;
    const pts = p.series.flatMap((s) => s.xs.map((x, i) => [x, s.ys[i]] as const)).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    const xr = pts.length ? [Math.min(...pts.map((q) => q[0])), Math.max(...pts.map((q) => q[0]))] : [0, 1];
    const x0 = xr[0];
    let x1 = xr[1];
    let [y0, y1] = pts.length ? [Math.min(...pts.map((q) => q[1])), Math.max(...pts.map((q) => q[1]))] : [0, 1];
    if (x1 === x0) x1 = x0 + 1;
    if (y1 === y0) {
      y0 -= 0.5;
      y1 += 0.5;
    }
    const sx = (x: number) => ox + m.l + ((x - x0) / (x1 - x0)) * (w - m.l - m.r);
    const sy = (y: number) => m.t + (1 - (y - y0) / (y1 - y0)) * (h - m.t - m.b);
    parts.push(`<text x="${ox + w / 2}" y="14" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`);
    parts.push(`<rect x="${ox + m.l}" y="${m.t}" width="${w - m.l - m.r}" height="${h - m.t - m.b}" fill="none" stroke="#ccc"/>`);
    parts.push(`<text x="${ox + m.l - 4}" y="${m.t + 8}" text-anchor="end">${fmt(y1)}</text>`);
    parts.push(`<text x="${ox + m.l - 4}" y="${h - m.b}" text-anchor="end">${fmt(y0)}</text>`);
    parts.push(`<text x="${ox + m.l}" y="${h - m.b + 14}">${fmt(x0)}</text>`);
    parts.push(`<text x="${ox + w - m.r}" y="${h - m.b + 14}" text-anchor="end">${fmt(x1)}</text>`);
    for (const mk of p.marks ?? []) {
      if (mk.x < x0 || mk.x > x1) continue;
      parts.push(`<line x1="${sx(mk.x).toFixed(1)}" x2="${sx(mk.x).toFixed(1)}" y1="${m.t}" y2="${h - m.b}" stroke="#999" stroke-dasharray="4 3"/>`);
      parts.push(`<text x="${(sx(mk.x) + 3).toFixed(1)}" y="${m.t + 10}" fill="#666">${esc(mk.label)}</text>`);
    }
    p.series.forEach((s, si) => {
      const color = COLORS[si % COLORS.length];
      const d = s.xs
        .map((x, i) => [x, s.ys[i]] as const)
        .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
        .map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
        .join(' ');
      if (d) parts.push(`<polyline points="${d}" fill="none" stroke="${color}" stroke-width="1.6"/>`);
      parts.push(`<text x="${ox + m.l + 6 + si * 80}" y="${h - 6}" fill="${color}">${esc(s.name)}</text>`);
    });
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w * Math.max(1, panels.length)}" height="${h}" font-family="sans-serif" font-size="11">${parts.join('')}</svg>`;
}
