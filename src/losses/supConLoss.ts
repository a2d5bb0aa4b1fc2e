import * as tf from "@tensorflow/tfjs";
import { CosineSimilarityDistance } from "../distances/CosineSimilarityDistance";
import { numberOption, type TensorInput } from "../internal/validate";
import { avgNonZeroReducer } from "../reducers/avgNonZeroReducer";
import { anySet, FLOAT32_TINY, maskedLogSumExp, metricLossInputs, pairWeights, toMask, tooFewPairs, zeroLoss, type MetricLossOptions } from "./metricLossInputs";
import type { LossExplanation, AnchorRow } from "./explain";
import { explainSupConLoss } from "./explainMetric";
import { PML_DEFAULTS } from "./defaults";

/** Options of {@link supConLoss}. */
export interface SupConLossOptions extends MetricLossOptions {
  /** Divides every similarity (default 0.1, as PML); must be > 0. */
  temperature?: number;
}

const FN = "supConLoss";

/**
 * The supervised contrastive loss (Khosla et al. 2020), one term per anchor row i:
 *
 *     z_ij = s(i, j) / τ
 *     ℓ_i  = − Σ_{j ∈ P_i} ( z_ij − log Σ_{k ∈ P_i ∪ N_i} e^{z_ik} ) / |P_i|
 *     loss = reducer over rows                      (default: mean of the non-zero ℓ_i)
 *
 * P_i and N_i are the anchor's positives and negatives (all of them, or the mined pairs as a
 * 0/1 mask: a pair listed twice counts once); i itself is in neither. Rows without positives
 * give 0 and drop out of the default reducer. For a distance s = −d. Defaults:
 * `distance` = new CosineSimilarityDistance(), τ = 0.1.
 *
 * @param embeddings [N, D] tensor or nested array.
 * @param labels [N] integer labels (may be null when `indicesTuple` is given).
 * @returns a scalar (or, with noReducer, ℓ_i for each row).
 * @throws TypeError / RangeError naming the argument (labels, rank ≠ 2, NaN, empty batch,
 *   indices out of range, temperature ≤ 0, unknown options).
 * @see pytorch-metric-learning `losses.SupConLoss(temperature=0.1)`
 *   (https://kevinmusgrave.github.io/pytorch-metric-learning/losses/#supconloss) — mirrored,
 *   values and gradients.
 * @example
 * supConLoss([[1, 0], [0.8, 0.6], [0, 1], [-0.6, 0.8]], [0, 0, 1, 1], { temperature: 0.5 }).dataSync()[0];
 * // => 0.43019 (with one positive per anchor, SupCon equals NT-Xent)
 */
export function supConLoss(
  embeddings: TensorInput,
  labels: TensorInput | ArrayLike<number> | null,
  options?: SupConLossOptions,
): tf.Tensor {
  return tf.tidy(() => {
    const inp = metricLossInputs(FN, embeddings, labels, options, ["temperature"], {
      distance: () => new CosineSimilarityDistance(),
      reducer: avgNonZeroReducer,
    });
    const temperature = numberOption(FN, "temperature", inp.options.temperature, PML_DEFAULTS.supCon.temperature, { above: 0 });
    const w = pairWeights(inp);
    const pos = toMask(w.pos);
    const neg = toMask(w.neg);
    if (tooFewPairs(w) || !anySet(pos) || !anySet(neg)) return zeroLoss(inp);
    const { n, r } = inp;
    const mat = inp.distance.matrix(inp.emb, inp.ref);
    const z = tf.mul(mat, (inp.distance.isInverted ? 1 : -1) / temperature) as tf.Tensor2D;
    const union = new Float32Array(n * r);
    for (let k = 0; k < union.length; k++) union[k] = Math.max(pos[k] as number, neg[k] as number);
    const lse = maskedLogSumExp(z, z.dataSync(), union, false);
    const counts = new Float32Array(n);
    for (let k = 0; k < pos.length; k++) counts[Math.floor(k / r)]! += pos[k] as number;
    const logProb = tf.sub(z, tf.reshape(lse, [n, 1]));
    const meanLogProbPos = tf.div(tf.sum(tf.mul(tf.tensor2d(pos, [n, r]), logProb), 1), tf.add(tf.tensor1d(counts), FLOAT32_TINY));
    return inp.reducer.reduce(tf.neg(meanLogProbPos) as tf.Tensor1D, { kind: "element", numAnchors: n });
  });
}

/**
 * The breakdown of {@link supConLoss} for the same arguments: its value (equal to the loss), one row per anchor, with its hardest positive and negative, the probability its positives hold, its category and its share of the value, and a one-line verdict.
 * Shows itself as a table in a notebook (most violating rows first) and as text elsewhere.
 */
supConLoss.explain = (embeddings: TensorInput, labels: TensorInput | ArrayLike<number> | null, options?: SupConLossOptions): LossExplanation<AnchorRow> =>
  explainSupConLoss(supConLoss, embeddings, labels, options);
