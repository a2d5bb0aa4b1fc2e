import * as tf from "@tensorflow/tfjs";
import { matMulBT } from "../internal/linalg";
import { argError, assertSameShape, checkOptions, numberOption, toFloatTensor, type TensorInput } from "../internal/validate";
import { lpNorm } from "./lpNorm";
import { normalizeRows } from "./normalize";

/** Options of {@link cosineSimilarity}. */
export interface CosineSimilarityOptions {
  /** The dimension along which the cosine is taken (default 1: each row of a batch). */
  dim?: number;
  /** Lower bound of each norm (default 1e-8, as PyTorch). */
  eps?: number;
}

const FN = "cosineSimilarity";
const FN_MATRIX = "cosineSimilarityMatrix";

/**
 * The cosine of the angle between matching slices of two tensors:
 *
 *     out[i] = Σ_k (x1[i,k] / max(‖x1[i]‖, eps)) · (x2[i,k] / max(‖x2[i]‖, eps))
 *
 * Each norm is clamped separately and the clamp carries no gradient (the gradient goes through
 * ‖·‖ as if unclamped), which is what PyTorch ≥ 1.12 does. A zero row gives 0, never NaN.
 *
 * @param x1 a tensor or nested array (rank ≥ 1), e.g. [N, D].
 * @param x2 the same shape as `x1`.
 * @returns the input shape without `dim`, e.g. [N].
 * @throws TypeError / RangeError naming the argument on different shapes, NaN, an empty input or
 *   a bad `dim` / `eps`.
 * @see torch.nn.functional.cosine_similarity
 *   (https://pytorch.org/docs/stable/generated/torch.nn.functional.cosine_similarity.html) —
 *   mirrored in value and gradient (PyTorch ≥ 1.12 semantics; older versions clamped the product
 *   ‖x1‖·‖x2‖). Differs in that the shapes must be equal (no broadcasting).
 * @example
 * cosineSimilarity([[1, 0], [1, 1]], [[0, 1], [2, 2]]).arraySync(); // => [0, 0.9999999403953552]
 */
export function cosineSimilarity(x1: TensorInput, x2: TensorInput, options?: CosineSimilarityOptions): tf.Tensor {
  const o = checkOptions(FN, options, ["dim", "eps"]);
  const dimRaw = numberOption(FN, "dim", o.dim, 1, { integer: true });
  const eps = numberOption(FN, "eps", o.eps, 1e-8, { min: 0 });
  return tf.tidy(() => {
    const a = toFloatTensor(FN, "x1", x1);
    const b = toFloatTensor(FN, "x2", x2);
    assertSameShape(FN, "x2", b, "x1", a);
    if (dimRaw >= a.rank || dimRaw < -a.rank) {
      throw argError(FN, "dim", `an axis of 'x1' (between ${-a.rank} and ${a.rank - 1})`, String(dimRaw));
    }
    return cosineAlong(a, b, dimRaw < 0 ? a.rank + dimRaw : dimRaw, eps);
  });
}

type CustomFn = Parameters<typeof tf.customGrad>[0];

/** max(x, eps) in value, identity in gradient: PyTorch's clamp under `no_grad`. */
function clampMinNoGrad(x: tf.Tensor, eps: number): tf.Tensor {
  const f = tf.customGrad(((t: tf.Tensor) => ({
    value: tf.maximum(t, eps),
    gradFunc: (dy: tf.Tensor) => dy,
  })) as unknown as CustomFn);
  return f(x);
}

/** The unchecked kernel of {@link cosineSimilarity}: same-shape float32 tensors, a valid axis. */
export function cosineAlong(a: tf.Tensor, b: tf.Tensor, dim = 1, eps = 1e-8): tf.Tensor {
  const na = clampMinNoGrad(lpNorm(a, 2, dim, true), eps);
  const nb = clampMinNoGrad(lpNorm(b, 2, dim, true), eps);
  return tf.sum(tf.mul(tf.div(a, na), tf.div(b, nb)), dim);
}

/**
 * Every cosine between the rows of two batches: `out = normalize(a) · normalize(b)ᵀ`, [N, M].
 * When `b` is left out, `b = a` (the same tensor: its gradient collects both uses).
 *
 * @param a [N, D] tensor or nested array.
 * @param b [M, D] (optional; default `a`).
 * @returns [N, M] float32 similarities in [−1, 1].
 * @throws TypeError / RangeError naming the argument on bad ranks, NaN, empty batches or a
 *   dimension mismatch.
 * @see sentence-transformers `util.cos_sim` and pytorch-metric-learning `CosineSimilarity()` — the
 *   same formula, `F.normalize(a) @ F.normalize(b).T` (normalize with eps 1e-12). Note that this is
 *   not `F.cosine_similarity` broadcast over pairs: that one clamps each norm at 1e-8.
 * @example
 * cosineSimilarityMatrix([[1, 0], [0, 2]]).arraySync(); // => [[1, 0], [0, 1]]
 */
export function cosineSimilarityMatrix(a: TensorInput, b?: TensorInput): tf.Tensor2D {
  return tf.tidy(() => {
    const x = toFloatTensor(FN_MATRIX, "a", a, { rank: 2 }) as tf.Tensor2D;
    if (b === undefined) {
      const xn = normalizeRows(x) as tf.Tensor2D;
      return matMulBT(xn, xn);
    }
    const y = toFloatTensor(FN_MATRIX, "b", b, { rank: 2 }) as tf.Tensor2D;
    if (y.shape[1] !== x.shape[1]) {
      throw argError(FN_MATRIX, "b", `rows of the same length as 'a' (${x.shape[1]})`, `shape [${y.shape.join(",")}]`);
    }
    return matMulBT(normalizeRows(x) as tf.Tensor2D, normalizeRows(y) as tf.Tensor2D);
  });
}
