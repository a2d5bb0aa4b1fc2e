import * as tf from "@tensorflow/tfjs";
import { CosineSimilarityDistance } from "../distances/CosineSimilarityDistance";
import { argError, numberOption, type TensorInput } from "../internal/validate";
import { avgNonZeroReducer } from "../reducers/avgNonZeroReducer";
import { maskedLogSumExp, metricLossInputs, pairWeights, toMask, tooFewPairs, zeroLoss, type MetricLossOptions } from "./metricLossInputs";
import type { LossExplanation, AnchorRow } from "./explain";
import { explainCircleLoss } from "./explainMetric";
import { PML_DEFAULTS } from "./defaults";

/** Options of {@link circleLoss}. */
export interface CircleLossOptions extends MetricLossOptions {
  /** The relaxation margin (default 0.4). */
  m?: number;
  /** The scale (default 80). */
  gamma?: number;
}

const FN = "circleLoss";

/**
 * The circle loss (Sun et al. 2020) on cosine similarities s, one term per anchor row i that has
 * at least one positive and one negative:
 *
 *     lp_j = −γ · [relu(1 + m − s_ij)] · (s_ij − (1 − m))     for j ∈ P_i
 *     ln_j =  γ · [relu(s_ij + m)]     · (s_ij − m)           for j ∈ N_i
 *     ℓ_i  = softplus( logsumexp_j lp_j + logsumexp_j ln_j )
 *     loss = reducer over rows                               (default: mean of the non-zero ℓ_i)
 *
 * The bracketed weights are constants for the gradient (detached, as in the paper and PML).
 * Mined pairs act as a 0/1 mask. Defaults: m = 0.4, γ = 80. The distance must be a
 * {@link CosineSimilarityDistance} (the default), as PML requires.
 *
 * @param embeddings [N, D] tensor or nested array.
 * @param labels [N] integer labels (may be null when `indicesTuple` is given).
 * @returns a scalar (or, with noReducer, ℓ_i for each row).
 * @throws TypeError / RangeError naming the argument (labels, rank ≠ 2, NaN, empty batch,
 *   indices out of range, γ ≤ 0, another distance, unknown options).
 * @see pytorch-metric-learning `losses.CircleLoss(m=0.4, gamma=80)`
 *   (https://kevinmusgrave.github.io/pytorch-metric-learning/losses/#circleloss) — mirrored,
 *   values and gradients.
 * @example
 * // Orthogonal classes: s = 1 for positives, 0 for negatives. Each row:
 * // lp = −80·0.4·(1 − 0.6) = −12.8; two negatives with ln = 80·0.4·(0 − 0.4) = −12.8 each,
 * // so softplus(−12.8 + (−12.8 + log 2)) = 1.52e-11: already a near-perfect batch.
 * circleLoss([[1, 0], [1, 0], [0, 1], [0, 1]], [0, 0, 1, 1]).dataSync()[0];
 * // => 1.5244e-11
 */
export function circleLoss(
  embeddings: TensorInput,
  labels: TensorInput | ArrayLike<number> | null,
  options?: CircleLossOptions,
): tf.Tensor {
  return tf.tidy(() => {
    const inp = metricLossInputs(FN, embeddings, labels, options, ["m", "gamma"], {
      distance: () => new CosineSimilarityDistance(),
      reducer: avgNonZeroReducer,
    });
    if (!(inp.distance instanceof CosineSimilarityDistance)) {
      throw argError(FN, "distance", "a CosineSimilarityDistance (circle loss is defined on cosine similarities)", inp.distance.name, "type");
    }
    const m = numberOption(FN, "m", inp.options.m, PML_DEFAULTS.circle.m);
    const gamma = numberOption(FN, "gamma", inp.options.gamma, PML_DEFAULTS.circle.gamma, { above: 0 });
    const w = pairWeights(inp);
    if (tooFewPairs(w)) return zeroLoss(inp);
    const { n, r } = inp;
    const pos = toMask(w.pos);
    const neg = toMask(w.neg);
    const s = inp.distance.matrix(inp.emb, inp.ref);
    const sv = s.dataSync();
    // The detached weights, read from the similarities.
    const weightPos = new Float32Array(n * r);
    const weightNeg = new Float32Array(n * r);
    for (let k = 0; k < sv.length; k++) {
      weightPos[k] = Math.max(1 + m - (sv[k] as number), 0);
      weightNeg[k] = Math.max((sv[k] as number) + m, 0);
    }
    const lp = tf.mul(tf.tensor2d(weightPos, [n, r]), tf.mul(tf.sub(s, 1 - m), -gamma)) as tf.Tensor2D;
    const ln = tf.mul(tf.tensor2d(weightNeg, [n, r]), tf.mul(tf.sub(s, m), gamma)) as tf.Tensor2D;
    // The shifts must come from the tensors' own values, so that the largest term is shifted to exactly 0.
    const lse = tf.add(maskedLogSumExp(lp, lp.dataSync(), pos, false), maskedLogSumExp(ln, ln.dataSync(), neg, false));
    const valid = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let hasPos = false;
      let hasNeg = false;
      for (let j = 0; j < r; j++) {
        hasPos ||= (pos[i * r + j] as number) > 0;
        hasNeg ||= (neg[i * r + j] as number) > 0;
      }
      valid[i] = hasPos && hasNeg ? 1 : 0;
    }
    const losses = tf.mul(tf.softplus(lse), tf.tensor1d(valid));
    return inp.reducer.reduce(losses as tf.Tensor1D, { kind: "element", numAnchors: n });
  });
}

/**
 * The breakdown of {@link circleLoss} for the same arguments: its value (equal to the loss), one row per anchor, with its hardest positive and negative, how far it is on the wrong side of its thresholds, its category and its share of the value, and a one-line verdict.
 * Shows itself as a table in a notebook (most violating rows first) and as text elsewhere.
 */
circleLoss.explain = (embeddings: TensorInput, labels: TensorInput | ArrayLike<number> | null, options?: CircleLossOptions): LossExplanation<AnchorRow> =>
  explainCircleLoss(circleLoss, embeddings, labels, options);
