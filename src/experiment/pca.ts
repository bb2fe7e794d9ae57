/**
 * Principal component analysis in plain JavaScript, for 2-D pictures of feature spaces.
 * The covariance matrix (dim x dim) is built once and its top components are found by
 * power iteration with deflation: exact enough for a scatter plot, deterministic, and
 * no tensors to manage.
 */

/** Points projected on their top two principal components. */
export interface Projection {
  /** First and second coordinate per point. */
  x: number[];
  y: number[];
  /** Class index per point. */
  labels: number[];
  /** Fraction of the total variance along each of the two components. */
  explained: [number, number];
}

/** Options for {@link pca2d}. */
export interface PcaOptions {
  /** Power-iteration steps per component. Default 200. */
  iterations?: number;
  /** Use at most this many points (the first ones). Default all. */
  maxPoints?: number;
}

/**
 * Project row-major vectors (count x dim) on their top two principal components. Signs
 * are fixed so that the largest-magnitude loading of each component is positive: the
 * same data always gives the same picture.
 *
 * @param data count x dim values, row-major (e.g. a FeatureSet's `features`)
 * @param labels class per row (kept for colouring)
 * @example
 * const p = pca2d(feats.features, feats.count, feats.dim, feats.labels);
 * p.explained; // e.g. [0.31, 0.12]
 */
export function pca2d(data: ArrayLike<number>, count: number, dim: number, labels: ArrayLike<number>, opts: PcaOptions = {}): Projection {
  if (data.length !== count * dim) throw new Error(`pca2d: ${data.length} values is not ${count} x ${dim}. Fix: pass row-major count x dim data.`);
  if (labels.length < count) throw new Error(`pca2d: ${labels.length} labels for ${count} points. Fix: pass one label per row.`);
  const n = Math.min(count, opts.maxPoints ?? count);
  if (n < 2 || dim < 1) throw new Error(`pca2d: needs at least 2 points and 1 dimension, got ${n} x ${dim}.`);
  const iters = opts.iterations ?? 200;
  for (let i = 0; i < n * dim; i++) {
    if (!Number.isFinite(data[i]))
      throw new Error(
        `pca2d: value ${i} (point ${Math.floor(i / dim)}) is ${data[i]}. Fix: check the features for NaN/Inf (NaN weights?) before projecting them.`,
      );
  }
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += data[i * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= n;
  const centered = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) centered[i * dim + d] = data[i * dim + d] - mean[d];
  // Covariance, upper triangle then mirrored.
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < n; i++) {
    const row = i * dim;
    for (let a = 0; a < dim; a++) {
      const va = centered[row + a];
      if (va === 0) continue;
      for (let b = a; b < dim; b++) cov[a * dim + b] += va * centered[row + b];
    }
  }
  let trace = 0;
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      cov[a * dim + b] /= n - 1;
      cov[b * dim + a] = cov[a * dim + b];
    }
    trace += cov[a * dim + a];
  }
  const components: Float64Array[] = [];
  const values: number[] = [];
  for (let k = 0; k < Math.min(2, dim); k++) {
    // A fixed, non-degenerate start vector keeps the result deterministic.
    let v = new Float64Array(dim).map((_, d) => 1 + ((d * 7919) % 13) / 13);
    let lambda = 0;
    for (let it = 0; it < iters; it++) {
      const w = new Float64Array(dim);
      for (let a = 0; a < dim; a++) {
        let s = 0;
        for (let b = 0; b < dim; b++) s += cov[a * dim + b] * v[b];
        w[a] = s;
      }
      for (const c of components) {
        // deflate: stay orthogonal to earlier components
        let dot = 0;
        for (let d = 0; d < dim; d++) dot += w[d] * c[d];
        for (let d = 0; d < dim; d++) w[d] -= dot * c[d];
      }
      const norm = Math.sqrt(w.reduce((s, x) => s + x * x, 0));
      if (norm === 0) {
        lambda = 0;
        break;
      }
      lambda = norm;
      v = w.map((x) => x / norm);
    }
    let big = 0;
    for (let d = 0; d < dim; d++) if (Math.abs(v[d]) > Math.abs(v[big])) big = d;
    if (v[big] < 0) v = v.map((x) => -x);
    components.push(v);
    values.push(lambda);
  }
  const project = (c: Float64Array | undefined) =>
    Array.from({ length: n }, (_, i) => {
      if (!c) return 0;
      let s = 0;
      for (let d = 0; d < dim; d++) s += centered[i * dim + d] * c[d];
      return s;
    });
  return {
    x: project(components[0]),
    y: project(components[1]),
    labels: Array.from({ length: n }, (_, i) => labels[i]),
    explained: [trace ? values[0] / trace : 0, trace && values[1] !== undefined ? values[1] / trace : 0],
  };
}
