import * as tf from "@tensorflow/tfjs";
import { matMul } from "../internal/linalg";
import { argError, checkOptions, numberOption, toFloatTensor, type TensorInput } from "../internal/validate";
import { lpNorm } from "./lpNorm";

/** Options of {@link cdist}. */
export interface CdistOptions {
  /** The norm degree (default 2). Must be ≥ 1. */
  p?: number;
}

const FN = "cdist";

/**
 * Below this ratio d² / (‖x‖² + ‖y‖²), the Gram formula ‖x‖² + ‖y‖² − 2·x·y has cancelled away
 * more than about 1e-5 of relative accuracy in float32 (its error is a few units of 2⁻²⁴ times
 * ‖x‖² + ‖y‖², i.e. ≈ 1e-7 relative to that sum, and the relative error of d is half the error of d²
 * divided by d²). Entries under it are recomputed from direct differences, so near-duplicates and
 * exact self-pairs get the direct kernel's numbers (0 for d(x, x)).
 */
const GRAM_REFINE_RATIO = 1e-2;

/**
 * All distances between the rows of two batches: `out[i, j] = ‖x1[i] − x2[j]‖_p`, with no eps.
 * When `x2` is left out, `x2 = x1` (the same tensor: its gradient collects both uses).
 *
 * The gradient of each entry is (x1[i] − x2[j]) / d_ij for p = 2 and **0 where d_ij = 0**, so
 * the diagonal of a self-distance matrix has finite (zero) gradients.
 *
 * How it is computed (p = 2): the matrix comes from one matrix product, d² = ‖x‖² + ‖y‖² − 2·x·y,
 * and every entry where that formula loses accuracy (d² below 1 % of ‖x‖² + ‖y‖²: near-duplicates
 * and self-pairs) is recomputed from the direct difference. The values are therefore those of
 * PyTorch's direct kernel, and the backward pass is two more matrix products. Other p use the
 * direct broadcast difference, which takes N·M·D memory.
 *
 * @param x1 [N, D] tensor or nested array.
 * @param x2 [M, D] (optional; default `x1`).
 * @returns [N, M] float32 distances.
 * @throws TypeError / RangeError naming the argument on bad ranks, NaN, empty batches, a
 *   dimension mismatch, or p < 1.
 * @see torch.cdist (https://pytorch.org/docs/stable/generated/torch.cdist.html) — mirrored in value
 *   and gradient. PyTorch switches to the matrix-product formula when a batch has more than 25
 *   rows and then returns ~1e-4…1e-3 instead of 0 for d(x, x); here self-pairs and near-duplicates
 *   always get the direct difference. Only rank-2 inputs, p ≥ 1 finite.
 * @example
 * cdist([[0, 0], [3, 4]]).arraySync(); // => [[0, 5], [5, 0]]
 */
export function cdist(x1: TensorInput, x2?: TensorInput, options?: CdistOptions): tf.Tensor2D {
  const o = checkOptions(FN, options, ["p"]);
  const p = numberOption(FN, "p", o.p, 2, { min: 1 });
  return tf.tidy(() => {
    const a = toFloatTensor(FN, "x1", x1, { rank: 2 }) as tf.Tensor2D;
    const b = x2 === undefined ? a : (toFloatTensor(FN, "x2", x2, { rank: 2 }) as tf.Tensor2D);
    if (b.shape[1] !== a.shape[1]) {
      throw argError(FN, "x2", `rows of the same length as 'x1' (${a.shape[1]})`, `shape [${b.shape.join(",")}]`);
    }
    return pairDistances(a, b, p);
  });
}

/** The unchecked kernel of {@link cdist}: float32 [N, D] and [M, D] → [N, M]. */
export function pairDistances(a: tf.Tensor2D, b: tf.Tensor2D, p = 2): tf.Tensor2D {
  if (p !== 2) {
    // [N, 1, D] − [1, M, D] → [N, M, D]; lpNorm has PyTorch's gradient (0 at a zero norm).
    return lpNorm(tf.sub(tf.expandDims(a, 1), tf.expandDims(b, 0)), p, -1) as tf.Tensor2D;
  }
  return euclidean(a, b) as tf.Tensor2D;
}

type CustomFn = Parameters<typeof tf.customGrad>[0];

const euclidean = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  const { d, inverse } = refinedDistances(a as tf.Tensor2D, b as tf.Tensor2D);
  save([a, b, inverse]);
  return {
    value: d,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb, inv] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      // W = dy / d (0 where d = 0). ∂/∂a[i] = Σ_j W_ij (a[i] − b[j]) = a[i]·Σ_j W_ij − (W·b)[i], and
      // ∂/∂b[j] = b[j]·Σ_i W_ij − (Wᵀ·a)[j] = b[j]·(1ᵀW)_j − ((aᵀ·W)ᵀ)[j]: matrix products only, and
      // no transpose of an N×M matrix (on wasm that costs more than the products).
      const w = tf.mul(dy, inv) as tf.Tensor2D;
      const ga = tf.sub(tf.mul(sa, tf.sum(w, 1, true)), matMul(w, sb));
      const colSums = tf.transpose(matMul(tf.ones([1, w.shape[0]]) as tf.Tensor2D, w));
      const gb = tf.sub(tf.mul(sb, colSums), tf.transpose(matMul(tf.transpose(sa) as tf.Tensor2D, w)));
      return [ga, gb];
    },
  };
}) as unknown as CustomFn);

/**
 * Gram-formula distances, with the ill-conditioned entries recomputed from direct differences;
 * also 1/d (0 where d = 0) for the backward pass.
 */
function refinedDistances(a: tf.Tensor2D, b: tf.Tensor2D): { d: tf.Tensor2D; inverse: tf.Tensor2D } {
  const [n, dim] = a.shape;
  const m = b.shape[0];
  const gram = tf.tidy(() => matMul(a, tf.transpose(b) as tf.Tensor2D));
  const g = gram.dataSync();
  const av = a.dataSync();
  const bv = b.dataSync();
  const sqNorms = (v: ArrayLike<number>, rows: number): Float64Array => {
    const out = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let c = 0; c < dim; c++) s += (v[i * dim + c] as number) ** 2;
      out[i] = s;
    }
    return out;
  };
  const na = sqNorms(av, n);
  const nb = sqNorms(bv, m);
  const out = new Float32Array(n * m);
  const inv = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    const ni = na[i] as number;
    for (let j = 0; j < m; j++) {
      const k = i * m + j;
      const sum = ni + (nb[j] as number);
      let sq = sum - 2 * (g[k] as number);
      if (sq < GRAM_REFINE_RATIO * sum) {
        sq = 0;
        for (let c = 0; c < dim; c++) sq += ((av[i * dim + c] as number) - (bv[j * dim + c] as number)) ** 2;
      }
      const d = Math.sqrt(sq);
      out[k] = d;
      inv[k] = d > 0 ? 1 / Math.fround(d) : 0;
    }
  }
  gram.dispose();
  return { d: tf.tensor2d(out, [n, m], "float32"), inverse: tf.tensor2d(inv, [n, m], "float32") };
}
