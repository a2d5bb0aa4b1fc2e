/**
 * Principal component analysis in plain JavaScript, for 2-D and 3-D pictures of embeddings.
 * Our own small implementation (no tfjs, no external package): centre the rows, take the
 * eigenvectors of the covariance matrix (Jacobi, see internal/eigen) and project.
 */
import { symmetricEigen } from "../internal/eigen";

/** A fitted projection: mean, components and how much variance each keeps. */
export interface Pca {
  /** Mean of the rows the projection was fitted on. */
  mean: number[];
  /** Principal directions, one unit vector per component. */
  components: number[][];
  /** Variance along each component. */
  variances: number[];
  /** Fraction of the total variance each component keeps (0…1). */
  explainedRatio: number[];
  /** Projects rows (of the same dimension) onto the components. */
  project(rows: readonly (readonly number[])[]): number[][];
}

/**
 * Fits a PCA with `k` components on `rows` (N × D, N ≥ 1). Directions have a fixed sign
 * (largest entry positive), so the same data give the same picture.
 *
 * @throws RangeError when rows are empty, ragged or non-finite, or k is not in 1…D.
 * @example
 * pcaFit([[1, 0], [-1, 0], [0, 0.1]], 1).components; // => [[1, 0]]
 */
export function pcaFit(rows: readonly (readonly number[])[], k: number): Pca {
  const n = rows.length;
  const d = rows[0]?.length ?? 0;
  if (n === 0 || d === 0) throw new RangeError(`pcaFit: 'rows' must be non-empty, but got ${n} rows of ${d} numbers`);
  rows.forEach((r, i) => {
    if (r.length !== d || r.some((x) => !Number.isFinite(x))) throw new RangeError(`pcaFit: 'rows' must all have ${d} finite numbers, but row ${i} does not`);
  });
  if (!Number.isInteger(k) || k < 1 || k > d) throw new RangeError(`pcaFit: 'k' must be an integer in 1…${d}, but got ${k}`);
  const mean = new Array<number>(d).fill(0);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (r[j] as number) / n;
  const cov = new Float64Array(d * d);
  for (const r of rows) {
    for (let a = 0; a < d; a++) {
      const ca = (r[a] as number) - (mean[a] as number);
      for (let b = a; b < d; b++) cov[a * d + b] = (cov[a * d + b] as number) + ca * ((r[b] as number) - (mean[b] as number));
    }
  }
  const denom = Math.max(n - 1, 1);
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const c = (cov[a * d + b] as number) / denom;
      cov[a * d + b] = c;
      cov[b * d + a] = c;
    }
  }
  const eig = symmetricEigen(cov, d);
  const variances = eig.values.slice(0, k).map((v) => Math.max(v, 0));
  const total = eig.values.reduce((s, v) => s + Math.max(v, 0), 0);
  const components = eig.vectors.slice(0, k);
  return {
    mean,
    components,
    variances,
    explainedRatio: variances.map((v) => (total > 0 ? v / total : 0)),
    project(data) {
      return data.map((r, i) => {
        if (r.length !== d) throw new RangeError(`Pca.project: rows must have ${d} numbers, but row ${i} has ${r.length}`);
        return components.map((c) => c.reduce((s, cj, j) => s + cj * ((r[j] as number) - (mean[j] as number)), 0));
      });
    },
  };
}

/** Fits a PCA on `rows` and returns their own projection: N rows of k coordinates. */
export function pca(rows: readonly (readonly number[])[], k = 2): { points: number[][]; explainedRatio: number[] } {
  const fit = pcaFit(rows, Math.min(k, rows[0]?.length ?? k));
  const points = fit.project(rows).map((p) => (p.length < k ? [...p, ...new Array<number>(k - p.length).fill(0)] : p));
  return { points, explainedRatio: fit.explainedRatio };
}
