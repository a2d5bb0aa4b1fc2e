import * as tf from "@tensorflow/tfjs";
import { LpDistance } from "../distances/LpDistance";
import type { TensorInput } from "../internal/validate";
import { numberOption } from "../internal/validate";
import { avgNonZeroReducer } from "../reducers/avgNonZeroReducer";
import { metricLossInputs, pairWeights, tooFewPairs, zeroLoss, type MetricLossOptions } from "./metricLossInputs";
import type { LossExplanation, PairRow } from "./explain";
import { explainContrastiveLoss } from "./explainMetric";

/** Options of {@link contrastiveLoss}. */
export interface ContrastiveLossOptions extends MetricLossOptions {
  /** Positive pairs farther apart than this are penalised (default 0). */
  posMargin?: number;
  /** Negative pairs closer than this are penalised (default 1). */
  negMargin?: number;
}

const FN = "contrastiveLoss";

/**
 * The contrastive (pair) loss over every positive and negative pair of the batch, or over
 * mined pairs:
 *
 *     pos_loss[k] = relu(d(a_k, p_k) − posMargin)      for each positive pair
 *     neg_loss[l] = relu(negMargin − d(a_l, n_l))      for each negative pair
 *     loss = reducer(pos_loss) + reducer(neg_loss)     (default: each the mean of its non-zero terms)
 *
 * For a similarity (`isInverted` distance) the hinges flip: relu(posMargin − s) and
 * relu(s − negMargin). Defaults: `distance` = new LpDistance() (normalised Euclidean),
 * `reducer` = avgNonZeroReducer(). A pair repeated in `indicesTuple` counts repeatedly.
 * When both pair lists have at most one pair the loss is 0 (PML's rule), with a zero gradient.
 *
 * @param embeddings [N, D] tensor or nested array.
 * @param labels [N] integer labels (may be null when `indicesTuple` is given).
 * @returns a scalar, or (with noReducer) the positive-pair losses followed by the negative-pair losses.
 * @throws TypeError / RangeError naming the argument: labels of the wrong length or not integers,
 *   rank ≠ 2, NaN, an empty batch, indices out of range, unknown options.
 * @see pytorch-metric-learning `losses.ContrastiveLoss(pos_margin=0, neg_margin=1)`
 *   (https://kevinmusgrave.github.io/pytorch-metric-learning/losses/#contrastiveloss) — mirrored,
 *   values and gradients. Not PyTorch's `CosineEmbeddingLoss`, nor sentence-transformers'
 *   `ContrastiveLoss` (label 1 = similar, squared hinges, margin 0.5).
 * @example
 * // 1-D points 0, 0.3 (class 0) and 1 (class 1), unnormalised: positive pairs (0,1), (1,0) at
 * // distance 0.3; negative pairs at 1 and 0.7 (each twice); only 0.7 < 1 is active: 1 − 0.7 = 0.3.
 * // loss = mean(0.3, 0.3) + mean(0.3, 0.3) = 0.6
 * contrastiveLoss([[0], [0.3], [1]], [0, 0, 1], { distance: new LpDistance({ normalizeEmbeddings: false }) }).dataSync()[0];
 * // => 0.6
 */
export function contrastiveLoss(
  embeddings: TensorInput,
  labels: TensorInput | ArrayLike<number> | null,
  options?: ContrastiveLossOptions,
): tf.Tensor {
  return tf.tidy(() => {
    const inp = metricLossInputs(FN, embeddings, labels, options, ["posMargin", "negMargin"], {
      distance: () => new LpDistance(),
      reducer: avgNonZeroReducer,
    });
    const posMargin = numberOption(FN, "posMargin", inp.options.posMargin, 0);
    const negMargin = numberOption(FN, "negMargin", inp.options.negMargin, 1);
    const w = pairWeights(inp);
    if (tooFewPairs(w)) return zeroLoss(inp);
    const mat = inp.distance.matrix(inp.emb, inp.ref);
    const inverted = inp.distance.isInverted;
    const posLoss = tf.relu(inverted ? tf.sub(posMargin, mat) : tf.sub(mat, posMargin));
    const negLoss = tf.relu(inverted ? tf.sub(mat, negMargin) : tf.sub(negMargin, mat));
    const info = { rowLength: inp.r, numAnchors: inp.n };
    const pos = inp.reducer.reduce(tf.reshape(posLoss, [-1]), { ...info, kind: "pos_pair", weights: w.pos });
    const neg = inp.reducer.reduce(tf.reshape(negLoss, [-1]), { ...info, kind: "neg_pair", weights: w.neg });
    return pos.rank === 0 && neg.rank === 0 ? tf.add(pos, neg) : tf.concat([tf.reshape(pos, [-1]), tf.reshape(neg, [-1])]);
  });
}

/**
 * The breakdown of {@link contrastiveLoss} for the same arguments: its value (equal to the loss), one row per positive pair, then per negative pair, with the distance, the violation of its margin, its category and its share of the value, and a one-line verdict.
 * Shows itself as a table in a notebook (most violating rows first) and as text elsewhere.
 */
contrastiveLoss.explain = (embeddings: TensorInput, labels: TensorInput | ArrayLike<number> | null, options?: ContrastiveLossOptions): LossExplanation<PairRow> =>
  explainContrastiveLoss(contrastiveLoss, embeddings, labels, options);
