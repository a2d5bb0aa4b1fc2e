import * as tf from "@tensorflow/tfjs";
import { columnSums, dyTransposedTimes, matMul, matMulBT, symmetrize } from "../internal/linalg";
import { heapView, peekValues } from "../internal/peek";
import { heapOffset, wasmKernels } from "../internal/simd";
import { booleanOption, checkOptions, numberOption } from "../internal/validate";
import type { Distance } from "./distance";
import { lpNorm } from "./lpNorm";
import { normalizeRows } from "./normalize";

/** Options of {@link LpDistance}. */
export interface LpDistanceOptions {
  /** L_p-normalise each row (with the same p) before measuring (default true, as PML). */
  normalizeEmbeddings?: boolean;
  /** The norm degree (default 2). */
  p?: number;
  /** Raise every distance to this power (default 1; 2 gives squared distances). */
  power?: number;
}

/**
 * PyTorch's `torch.cdist` (default `compute_mode`) uses direct differences when both batches have
 * at most this many rows, and the matrix-product formula otherwise (ATen `cdist_impl`).
 * LpDistance follows the same rule so that its numbers round as PML's do.
 */
export const CDIST_DIRECT_MAX_ROWS = 25;

/** Direct differences for p ≠ 2 are built in slices of at most this many [rows, R, D] elements. */
const DIRECT_CHUNK_ELEMENTS = 2 ** 24;

const FN = "LpDistance";

/**
 * The L_p distance between embeddings, as an object losses and miners can be given:
 *
 *     matrix(Q, R)[i, j] = ‖q'_i − r'_j‖_p ^ power,   q' = Q[i] / max(‖Q[i]‖_p, 1e-12) if normalizeEmbeddings
 *
 * `isInverted` is false: smaller means closer. The defaults (normalised Euclidean, values in
 * [0, 2]) are the default distance of PML's ContrastiveLoss, TripletMarginLoss and most miners.
 *
 * Gradients are finite everywhere: the gradient of a zero distance (the diagonal of
 * `matrix(x)`, identical embeddings) is 0, as PyTorch's `cdist` backward defines it.
 *
 * How `matrix` computes (p = 2): with at most {@link CDIST_DIRECT_MAX_ROWS} rows on both sides,
 * from direct differences; otherwise from one Gram matrix (`matMulBT`),
 * d² = ‖q‖² + ‖r‖² − 2 q·r, with a backward pass of two matrix products. Both are
 * `torch.cdist`'s choices. On the Gram path d(x, x) of `matrix(x)` is set to exactly 0 (PyTorch
 * leaves ~1e-4 of rounding there); other near-duplicates keep the formula's rounding.
 * Other p always use direct differences, in row slices so memory stays bounded.
 *
 * @see pytorch-metric-learning `distances.LpDistance(normalize_embeddings=True, p=2, power=1)`
 *   (https://kevinmusgrave.github.io/pytorch-metric-learning/distances/#lpdistance) — mirrored.
 *   `pairs` differs from PML's `pairwise_distance`: it normalises and applies `power` like
 *   `matrix`, and adds no eps, so `pairs(q, r)[i]` equals `matrix(q, r)[i, i]`.
 * @example
 * new LpDistance({ normalizeEmbeddings: false }).matrix(tf.tensor2d([[0, 0], [3, 4]])).arraySync();
 * // => [[0, 5], [5, 0]]
 */
export class LpDistance implements Distance {
  readonly name: string;
  readonly isInverted = false;
  readonly normalizeEmbeddings: boolean;
  readonly p: number;
  readonly power: number;

  constructor(options?: LpDistanceOptions) {
    const o = checkOptions(FN, options, ["normalizeEmbeddings", "p", "power"]);
    this.normalizeEmbeddings = booleanOption(FN, "normalizeEmbeddings", o.normalizeEmbeddings, true);
    this.p = numberOption(FN, "p", o.p, 2, { above: 0 });
    this.power = numberOption(FN, "power", o.power, 1, { above: 0 });
    const parts = [`p=${this.p}`];
    if (this.power !== 1) parts.push(`power=${this.power}`);
    parts.push(this.normalizeEmbeddings ? "normalized" : "unnormalized");
    this.name = `LpDistance(${parts.join(", ")})`;
  }

  private prepare(x: tf.Tensor2D): tf.Tensor2D {
    return this.normalizeEmbeddings ? (normalizeRows(x, this.p) as tf.Tensor2D) : x;
  }

  private raise(d: tf.Tensor): tf.Tensor {
    return this.power === 1 ? d : tf.pow(d, this.power);
  }

  matrix(query: tf.Tensor2D, ref?: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const q = this.prepare(query);
      const r = ref === undefined ? q : this.prepare(ref);
      const small = q.shape[0] <= CDIST_DIRECT_MAX_ROWS && r.shape[0] <= CDIST_DIRECT_MAX_ROWS;
      const d = this.p === 2 && !small ? gramEuclidean(q, r, ref === undefined) : directDistances(q, r, this.p);
      return this.raise(d) as tf.Tensor2D;
    });
  }

  /**
   * The values of `matrix(query, ref)`, row-major, for code that only reads them (miners): the
   * same float32 numbers bit for bit. On the Gram path (p = 2, power 1) only the product and the
   * squared norms come from the backend; ‖q‖² + ‖r‖² − 2 q·r, the clamp at 0 and the square root
   * are finished in the same pass that reads them, each step rounded to float32 as the backend
   * rounds (IEEE single precision, no fused operations). That skips seven N × R backend passes.
   * On wasm the pass is the vectorised kernel of internal/simd (the same bits).
   */
  matrixValues(query: tf.Tensor2D, ref?: tf.Tensor2D): Float32Array {
    const small = query.shape[0] <= CDIST_DIRECT_MAX_ROWS && (ref ?? query).shape[0] <= CDIST_DIRECT_MAX_ROWS;
    if (this.p !== 2 || this.power !== 1 || small) {
      const m = this.matrix(query, ref);
      const values = Float32Array.from(m.dataSync());
      m.dispose();
      return values;
    }
    const parts = tf.tidy(() => {
      const q = this.prepare(query);
      const r = ref === undefined ? q : this.prepare(ref);
      // One batch against itself: its squared norms once.
      return ref === undefined ? [matMulBT(q, r), tf.sum(tf.square(q), 1)] : [matMulBT(q, r), tf.sum(tf.square(q), 1), tf.sum(tf.square(r), 1)];
    });
    const kernels = wasmKernels();
    if (kernels !== null) {
      // The same roundings in one vectorised pass over the Gram matrix (ours), then one copy out.
      const [gram, sqQt, sqRt] = parts as [tf.Tensor, tf.Tensor, tf.Tensor | undefined];
      kernels.gramToDistance(heapOffset(gram), heapOffset(sqQt), heapOffset(sqRt ?? sqQt), gram.shape[0] as number, gram.shape[1] as number, ref === undefined ? 1 : 0);
      const values = (heapView(gram) as Float32Array).slice();
      tf.dispose(parts);
      return values;
    }
    const sqQ = (parts[1] as tf.Tensor).dataSync() as Float32Array;
    const sqR = parts.length === 3 ? ((parts[2] as tf.Tensor).dataSync() as Float32Array) : sqQ;
    // Read in place (no tf call until the loop below is done), then released.
    const gram = peekValues(parts[0] as tf.Tensor);
    const nq = sqQ.length;
    const nr = sqR.length;
    const out = new Float32Array(nq * nr);
    const f = Math.fround;
    for (let i = 0; i < nq; i++) {
      const a = sqQ[i] as number;
      const row = i * nr;
      for (let j = 0; j < nr; j++) {
        const sq = f(f(a + (sqR[j] as number)) - 2 * (gram[row + j] as number));
        out[row + j] = sq > 0 ? f(Math.sqrt(sq)) : 0;
      }
    }
    tf.dispose(parts);
    if (ref === undefined) for (let i = 0; i < nq; i++) out[i * nr + i] = 0;
    return out;
  }

  pairs(query: tf.Tensor2D, ref: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => this.raise(lpNorm(tf.sub(this.prepare(query), this.prepare(ref)), this.p, -1)) as tf.Tensor1D);
  }

  margin(x: number, y: number): number {
    return y - x;
  }

  marginTensor(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
    return tf.sub(y, x);
  }
}

/** ‖q_i − r_j‖_p from direct differences, [Q, R, D] at a time per row slice; gradient 0 at d = 0. */
function directDistances(q: tf.Tensor2D, r: tf.Tensor2D, p: number): tf.Tensor2D {
  const [nq, dim] = q.shape;
  const rows = Math.max(1, Math.floor(DIRECT_CHUNK_ELEMENTS / Math.max(1, r.shape[0] * dim)));
  const rr = tf.expandDims(r, 0);
  if (rows >= nq) return lpNorm(tf.sub(tf.expandDims(q, 1), rr), p, -1) as tf.Tensor2D;
  const parts: tf.Tensor[] = [];
  for (let start = 0; start < nq; start += rows) {
    const slice = tf.slice(q, [start, 0], [Math.min(rows, nq - start), dim]);
    parts.push(lpNorm(tf.sub(tf.expandDims(slice, 1), rr), p, -1));
  }
  return tf.concat(parts, 0) as tf.Tensor2D;
}

type CustomFn = Parameters<typeof tf.customGrad>[0];

function euclideanFromGram(q: tf.Tensor2D, r: tf.Tensor2D, zeroDiagonal: boolean): tf.Tensor2D {
  const sqQ = tf.sum(tf.square(q), 1, true);
  const sqR = tf.reshape(tf.sum(tf.square(r), 1), [1, r.shape[0]]);
  const kernels = wasmKernels();
  if (kernels !== null) {
    // One vectorised pass (internal/simd) turns the Gram matrix into distances in place, with
    // the same float32 roundings as the ops below (the same bits), and no N × R temporary.
    const gram = matMulBT(q, r);
    kernels.gramToDistance(heapOffset(gram), heapOffset(sqQ), heapOffset(sqR), q.shape[0], r.shape[0], zeroDiagonal ? 1 : 0);
    return gram;
  }
  // The same ops as sqrt(relu((sqQ + sqR − 2·q·rᵀ) ⊙ (1 − I))), each N × R temporary released
  // as soon as the next exists: wasm's heap never shrinks, so its high-water mark is the cost.
  const step = (next: tf.Tensor, ...done: tf.Tensor[]): tf.Tensor => {
    tf.dispose(done);
    return next;
  };
  const gram = matMulBT(q, r);
  const twice = step(tf.mul(gram, 2), gram);
  const sum = tf.add(sqQ, sqR);
  let sq = step(tf.sub(sum, twice), sum, twice);
  if (zeroDiagonal) {
    // 1 − identity, made on the backend (tf.eye fills N² values in JS: 8 ms at N = 1024). int32
    // then cast: wasm 4.22 writes a float32 oneHot as integer bit patterns.
    const hot = tf.oneHot(tf.range(0, q.shape[0], 1, "int32"), q.shape[0], 0, 1);
    const mask = step(tf.cast(hot, "float32"), hot);
    sq = step(tf.mul(sq, mask), sq, mask);
  }
  const clamped = step(tf.relu(sq), sq);
  return step(tf.sqrt(clamped), clamped) as tf.Tensor2D;
}

/**
 * W = dy ⊙ live / (d + 1 − live), live = step(d) (1 where d > 0, else 0): the factor of both
 * gradients of the Gram-path distances, 0 where d = 0. Temporaries released as they are used
 * (the wasm heap never shrinks). `d` must be the caller's own saved copy: on wasm W is written
 * over it and returned.
 */
function inverseDistanceWeights(dy: tf.Tensor, d: tf.Tensor2D): tf.Tensor2D {
  const kernels = wasmKernels();
  if (kernels !== null) {
    // dy / d where d > 0, else 0, in one vectorised pass (the same bits), written over d: the
    // callers pass the copy they saved for this backward pass and never read it again, so the
    // heap holds one N × R matrix fewer (64 MB at 4096²).
    kernels.invDistWeights(heapOffset(dy), heapOffset(d), heapOffset(d), d.size);
    return d;
  }
  const live = tf.step(d);
  const num = tf.mul(dy, live);
  const off = tf.sub(1, live);
  live.dispose();
  const den = tf.add(d, off);
  off.dispose();
  const w = tf.div(num, den) as tf.Tensor2D;
  tf.dispose([num, den]);
  return w;
}

/**
 * d_ij = sqrt(max(‖q_i‖² + ‖r_j‖² − 2 q_i·r_j, 0)) with the gradient (q_i − r_j)/d_ij (0 where
 * d_ij = 0), written as two matrix products: ∂/∂q = q ⊙ rowsum(W) − W·r, ∂/∂r = r ⊙ colsum(W) − Wᵀ·q,
 * W = dy / d. For a query set against a separate reference set (see gramOpSelfOne for one batch).
 */
const gramOpCross = tf.customGrad(((q: tf.Tensor, r: tf.Tensor, save: tf.GradSaveFunc) => {
  const d = tf.tidy(() => euclideanFromGram(q as tf.Tensor2D, r as tf.Tensor2D, false));
  save([q, r, d]);
  return {
    value: d,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sq, sr, sd] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      // No N × N transpose or column Sum: both are slow on wasm.
      const w = inverseDistanceWeights(dy, sd);
      const gq = tf.sub(tf.mul(sq, tf.sum(w, 1, true)), matMul(w, sr));
      const gr = tf.sub(tf.mul(sr, columnSums(w)), dyTransposedTimes(w, sq));
      return [gq, gr];
    },
  };
}) as unknown as CustomFn);

/**
 * The same distances for a batch against itself, as an op of one input: the two gradients add
 * up to q ⊙ rowsum(S) − S·q with S = W + Wᵀ — one product instead of two plus the column sums
 * (whose ones-row product, like any product with the fresh N × N matrix on its right, makes
 * XNNPACK repack it), S and its row sums from one JS pass (see symmetrize).
 */
const gramOpSelfOne = tf.customGrad(((q: tf.Tensor, save: tf.GradSaveFunc) => {
  const d = tf.tidy(() => euclideanFromGram(q as tf.Tensor2D, q as tf.Tensor2D, true));
  save([q, d]);
  return {
    value: d,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sq, sd] = saved as [tf.Tensor2D, tf.Tensor2D];
      const w = inverseDistanceWeights(dy, sd);
      // w is ours: symmetrised in place (no second N × N matrix on the heap).
      const { sum, rowSums } = symmetrize(w, true);
      if (sum !== w) w.dispose();
      const sTimesQ = matMul(sum, sq);
      sum.dispose();
      const g = tf.sub(tf.mul(sq, rowSums), sTimesQ);
      tf.dispose([rowSums, sTimesQ]);
      return g;
    },
  };
}) as unknown as CustomFn);

/** Euclidean distance matrix on the Gram path; `self` zeroes the diagonal (q and r are one batch). */
function gramEuclidean(q: tf.Tensor2D, r: tf.Tensor2D, self: boolean): tf.Tensor2D {
  return (self ? gramOpSelfOne(q) : gramOpCross(q, r)) as tf.Tensor2D;
}
