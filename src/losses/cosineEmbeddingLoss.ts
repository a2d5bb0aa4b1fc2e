import * as tf from "@tensorflow/tfjs";
import { reduce, reductionOption, type Reduction } from "../internal/reduction";
import { argError, assertSameShape, checkOptions, numberOption, toFloatTensor, type TensorInput } from "../internal/validate";
import type { LossExplanation, PairRow } from "./explain";
import { explainCosineEmbeddingLoss } from "./explainTorch";

/** Options of {@link cosineEmbeddingLoss}. */
export interface CosineEmbeddingLossOptions {
  /** The cosine below which a dissimilar pair (target −1) costs nothing (default 0, as PyTorch; in [−1, 1]). */
  margin?: number;
  /** "mean" (default), "sum" or "none" (one loss per pair). */
  reduction?: Reduction;
}

const FN = "cosineEmbeddingLoss";
/** Added to each squared norm before the square root, as PyTorch's `EPSILON` in `cosine_embedding_loss`. */
const SQUARED_NORM_EPS = 1e-12;

/**
 * A pair loss on cosines: pull similar pairs (target 1) to cosine 1, push dissimilar pairs
 * (target −1) below `margin`.
 *
 *     cos[i]  = Σ_k x1[i,k]·x2[i,k] / sqrt((‖x1[i]‖² + 1e-12)·(‖x2[i]‖² + 1e-12))
 *     loss[i] = 1 − cos[i]                  if target[i] = 1
 *             = max(0, cos[i] − margin)     if target[i] = −1
 *
 * then reduced. This cosine is the loss's own (eps added to squared norms), not `cosineSimilarity`.
 *
 * @param x1 [N, D] tensor or nested array.
 * @param x2 [N, D], same shape as `x1`.
 * @param target [N] of 1 (similar) and −1 (dissimilar). No gradient flows into it.
 * @returns a scalar (mean, sum) or an [N] tensor (none).
 * @throws RangeError when a target is neither 1 nor −1 (0/1 labels are the usual slip), when
 *   `target` does not have one entry per row, shapes differ, or inputs hold NaN.
 * @see torch.nn.CosineEmbeddingLoss / torch.nn.functional.cosine_embedding_loss
 *   (https://pytorch.org/docs/stable/generated/torch.nn.CosineEmbeddingLoss.html) — mirrored in
 *   value and gradient. Differs in refusing targets other than ±1 (PyTorch silently gives them
 *   loss 0) and margins outside [−1, 1] (PyTorch's documented range); only rank-2 inputs.
 * @example
 * // same direction: 1 − 1 = 0; orthogonal with target −1: max(0, 0 − 0) = 0; mean 0
 * cosineEmbeddingLoss([[1, 0], [1, 0]], [[3, 0], [0, 1]], [1, -1]).dataSync()[0]; // => 0
 */
export function cosineEmbeddingLoss(x1: TensorInput, x2: TensorInput, target: TensorInput, options?: CosineEmbeddingLossOptions): tf.Tensor {
  const o = checkOptions(FN, options, ["margin", "reduction"]);
  const margin = numberOption(FN, "margin", o.margin, 0, { min: -1, max: 1 });
  const reduction = reductionOption(FN, o.reduction);
  return tf.tidy(() => {
    const a = toFloatTensor(FN, "x1", x1, { rank: 2 });
    const b = toFloatTensor(FN, "x2", x2, { rank: 2 });
    assertSameShape(FN, "x2", b, "x1", a);
    const n = a.shape[0] as number;
    const t = toFloatTensor(FN, "target", target, { rank: 1 });
    if (t.shape[0] !== n) throw argError(FN, "target", `one entry per row of 'x1' (${n})`, `${t.shape[0]} entries`);
    const tv = t.dataSync();
    const pos = new Float32Array(n);
    const neg = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = tv[i] as number;
      if (v === 1) pos[i] = 1;
      else if (v === -1) neg[i] = 1;
      else throw argError(FN, "target", "1 (similar) or -1 (dissimilar)", `${v} at [${i}]`);
    }
    const dot = tf.sum(tf.mul(a, b), 1);
    const magA = tf.add(tf.sum(tf.square(a), 1), SQUARED_NORM_EPS);
    const magB = tf.add(tf.sum(tf.square(b), 1), SQUARED_NORM_EPS);
    const cos = tf.div(dot, tf.sqrt(tf.mul(magA, magB)));
    const lossPos = tf.mul(tf.tensor1d(pos), tf.sub(1, cos));
    const lossNeg = tf.mul(tf.tensor1d(neg), tf.relu(tf.sub(cos, margin)));
    return reduce(tf.add(lossPos, lossNeg), reduction);
  });
}

/**
 * The breakdown of {@link cosineEmbeddingLoss} for the same arguments: its value (equal to the
 * loss), one row per pair with its cosine, target, violation, category and share of the value,
 * and a one-line verdict. Shows itself as a table in a notebook.
 */
cosineEmbeddingLoss.explain = (x1: TensorInput, x2: TensorInput, target: TensorInput, options?: CosineEmbeddingLossOptions): LossExplanation<PairRow> =>
  explainCosineEmbeddingLoss(cosineEmbeddingLoss, x1, x2, target, options);
