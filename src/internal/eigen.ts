/**
 * Eigen-decomposition of a small symmetric matrix in plain JavaScript (no tfjs), for PCA and
 * effective rank. Cyclic Jacobi rotations (Golub & Van Loan, "Matrix Computations", §8.5):
 * slow in theory (O(n³) per sweep) but exact to float64 rounding and plenty fast for the
 * covariance of embeddings (n = dimension, a few dozen to a few hundred).
 */

/** Eigenvalues (descending) and unit eigenvectors (`vectors[k]` belongs to `values[k]`). */
export interface Eigen {
  values: number[];
  vectors: number[][];
}

/** Sweeps after which Jacobi has converged for any matrix we meet (it converges quadratically). */
const MAX_SWEEPS = 100;

/**
 * Eigenvalues and eigenvectors of the symmetric n×n matrix `a` (row-major, length n²; only
 * read, never written). Each eigenvector's sign is fixed so that its largest-magnitude entry is
 * positive, so results are deterministic.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): Eigen {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(m[i] as number));
  const tiny = scale * Number.EPSILON * 1e-3;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off = Math.max(off, Math.abs(m[p * n + q] as number));
    if (off <= tiny) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q] as number;
        if (Math.abs(apq) <= tiny) continue;
        const app = m[p * n + p] as number;
        const aqq = m[q * n + q] as number;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p] as number;
          const mkq = m[k * n + q] as number;
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k] as number;
          const mqk = m[q * n + k] as number;
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p] as number;
          const vkq = v[k * n + q] as number;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (m[j * n + j] as number) - (m[i * n + i] as number) || i - j);
  const values = order.map((i) => m[i * n + i] as number);
  const vectors = order.map((col) => {
    const vec = Array.from({ length: n }, (_, k) => v[k * n + col] as number);
    let big = 0;
    for (const x of vec) if (Math.abs(x) > Math.abs(big)) big = x;
    return big < 0 ? vec.map((x) => -x) : vec;
  });
  return { values, vectors };
}
