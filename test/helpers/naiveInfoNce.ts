/**
 * Slow, obviously-correct float64 loops for the InfoNCE family: cosine logits, row-wise
 * cross-entropy against the diagonal, and the gradients chained back through the cosines.
 */

const norm = (v: number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

/** logits[i][j] = cos(q_i, k_j) · scale. */
export function naiveLogits(q: number[][], k: number[][], scale: number): number[][] {
  return q.map((u) => k.map((v) => (u.reduce((s, x, c) => s + x * v[c]!, 0) / (norm(u) * norm(v))) * scale));
}

/** Row-wise softmax. */
export function softmaxRows(z: number[][]): number[][] {
  return z.map((row) => {
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
}

/** mean_i (logsumexp_j z[i][j] − z[i][i]) over the first rows(z) rows. */
export function diagonalCrossEntropy(z: number[][]): number {
  return (
    z.reduce((acc, row, i) => {
      const m = Math.max(...row);
      return acc + m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0)) - row[i]!;
    }, 0) / z.length
  );
}

export function transpose(z: number[][]): number[][] {
  return z[0]!.map((_, j) => z.map((row) => row[j]!));
}

/** ∂cos(u, v)/∂u. */
function cosGrad(u: number[], v: number[]): number[] {
  const nu = norm(u);
  const nv = norm(v);
  const c = u.reduce((s, x, k) => s + x * v[k]!, 0) / (nu * nv);
  return u.map((x, k) => v[k]! / (nu * nv) - (c * x) / (nu * nu));
}

/**
 * Given G = ∂L/∂logits ([N, M]) for logits = cos(q, k)·scale, the gradients of L with respect
 * to q and k.
 */
export function chainThroughCosines(q: number[][], k: number[][], g: number[][], scale: number): { gq: number[][]; gk: number[][] } {
  const gq = q.map((r) => r.map(() => 0));
  const gk = k.map((r) => r.map(() => 0));
  q.forEach((u, i) =>
    k.forEach((v, j) => {
      const w = g[i]![j]! * scale;
      cosGrad(u, v).forEach((d, c) => (gq[i]![c]! += w * d));
      cosGrad(v, u).forEach((d, c) => (gk[j]![c]! += w * d));
    }),
  );
  return { gq, gk };
}

/** ∂/∂z of diagonalCrossEntropy(z): (softmax(z) − onehot(i))/N per row. */
export function diagonalCrossEntropyGrad(z: number[][]): number[][] {
  return softmaxRows(z).map((row, i) => row.map((p, j) => (p - (i === j ? 1 : 0)) / z.length));
}
