import * as tf from "@tensorflow/tfjs";
import { CosineSimilarityDistance } from "../distances/CosineSimilarityDistance";
import { numberOption, type TensorInput } from "../internal/validate";
import { meanReducer } from "../reducers/meanReducer";
import { maskedLogSumExp, metricLossInputs, pairWeights, toMask, tooFewPairs, zeroLoss, type MetricLossOptions } from "./metricLossInputs";
import type { LossExplanation, AnchorRow } from "./explain";
import { explainMultiSimilarityLoss } from "./explainMetric";
import { PML_DEFAULTS } from "./defaults";

/** Options of {@link multiSimilarityLoss}. */
export interface MultiSimilarityLossOptions extends MetricLossOptions {
  /** Weight of the positive term (default 2). */
  alpha?: number;
  /** Weight of the negative term (default 50). */
  beta?: number;
  /** The similarity both terms are measured from (default 0.5). */
  base?: number;
}

const FN = "multiSimilarityLoss";

/**
 * The multi-similarity loss (Wang et al. 2019), one term per anchor row i:
 *
 *     pos_i = (1/α) · log(1 + Σ_{j ∈ P_i} e^{−α (s_ij − base)})
 *     neg_i = (1/β) · log(1 + Σ_{j ∈ N_i} e^{ β (s_ij − base)})
 *     loss  = reducer(pos_i + neg_i)                 (default: the mean over all N rows)
 *
 * An empty P_i or N_i contributes 0. Mined pairs act as a 0/1 mask. For a distance the signs
 * flip (e^{α (d − base)}, e^{−β (d − base)}). Defaults: `distance` = new CosineSimilarityDistance(),
 * α = 2, β = 50, base = 0.5.
 *
 * @param embeddings [N, D] tensor or nested array.
 * @param labels [N] integer labels (may be null when `indicesTuple` is given).
 * @returns a scalar (or, with noReducer, one value per row).
 * @throws TypeError / RangeError naming the argument (labels, rank ≠ 2, NaN, empty batch,
 *   indices out of range, α or β ≤ 0, unknown options).
 * @see pytorch-metric-learning `losses.MultiSimilarityLoss(alpha=2, beta=50, base=0.5)`
 *   (https://kevinmusgrave.github.io/pytorch-metric-learning/losses/#multisimilarityloss) — mirrored,
 *   values and gradients.
 * @example
 * // Orthogonal classes: positives at s = 1, negatives at s = 0. Each row:
 * // (1/2)·log(1 + e^{−1}) + (1/50)·log(1 + 2·e^{−25}) = 0.15663
 * multiSimilarityLoss([[1, 0], [1, 0], [0, 1], [0, 1]], [0, 0, 1, 1]).dataSync()[0];
 * // => 0.15663
 */
export function multiSimilarityLoss(
  embeddings: TensorInput,
  labels: TensorInput | ArrayLike<number> | null,
  options?: MultiSimilarityLossOptions,
): tf.Tensor {
  return tf.tidy(() => {
    const inp = metricLossInputs(FN, embeddings, labels, options, ["alpha", "beta", "base"], {
      distance: () => new CosineSimilarityDistance(),
      reducer: meanReducer,
    });
    const alpha = numberOption(FN, "alpha", inp.options.alpha, PML_DEFAULTS.multiSimilarity.alpha, { above: 0 });
    const beta = numberOption(FN, "beta", inp.options.beta, PML_DEFAULTS.multiSimilarity.beta, { above: 0 });
    const base = numberOption(FN, "base", inp.options.base, PML_DEFAULTS.multiSimilarity.base);
    const w = pairWeights(inp);
    if (tooFewPairs(w)) return zeroLoss(inp);
    const mat = inp.distance.matrix(inp.emb, inp.ref);
    // How far each entry is on the "far" side of base: base − s for a similarity, d − base for a distance.
    const far = (inp.distance.isInverted ? tf.sub(base, mat) : tf.sub(mat, base)) as tf.Tensor2D;
    const xPos = tf.mul(far, alpha) as tf.Tensor2D;
    const xNeg = tf.mul(far, -beta) as tf.Tensor2D;
    const posTerm = tf.div(maskedLogSumExp(xPos, xPos.dataSync(), toMask(w.pos), true), alpha);
    const negTerm = tf.div(maskedLogSumExp(xNeg, xNeg.dataSync(), toMask(w.neg), true), beta);
    return inp.reducer.reduce(tf.add(posTerm, negTerm) as tf.Tensor1D, { kind: "element", numAnchors: inp.n });
  });
}

/**
 * The breakdown of {@link multiSimilarityLoss} for the same arguments: its value (equal to the loss), one row per anchor, with its hardest positive and negative, how far it is on the wrong side of base, its category and its share of the value, and a one-line verdict.
 * Shows itself as a table in a notebook (most violating rows first) and as text elsewhere.
 */
multiSimilarityLoss.explain = (embeddings: TensorInput, labels: TensorInput | ArrayLike<number> | null, options?: MultiSimilarityLossOptions): LossExplanation<AnchorRow> =>
  explainMultiSimilarityLoss(multiSimilarityLoss, embeddings, labels, options);
