import * as tf from "@tensorflow/tfjs";
import { assertSameShape, checkOptions, type TensorInput } from "../internal/validate";
import { crossEntropyRows } from "./crossEntropy";
import { assertSameWidth, detach, diagonalTargets, embeddingBatch, logitScaling, scaledCosineLogits, type TemperatureInput } from "./infoNceLoss";
import type { AnchorRow, LossExplanation } from "./explain";
import { explainMultipleNegativesRanking, readLogits } from "./explainTorch";

/** Options of {@link multipleNegativesRankingLoss}. */
export interface MultipleNegativesRankingLossOptions {
  /** [K, D] hard negatives, appended to the candidates of every anchor (typically K = N, one per anchor). */
  negative?: TensorInput;
  /** Multiplies the cosine similarities (default 20, as sentence-transformers). */
  scale?: TemperatureInput;
  /** Alternatively, divides them (temperature = 1/scale). Not together with `scale`. */
  temperature?: TemperatureInput;
}

/** What {@link multipleNegativesRankingLoss.parts} returns; dispose it with `tf.dispose(parts)`. */
export type MultipleNegativesRankingParts = {
  /** The loss, differentiable. */
  loss: tf.Scalar;
  /** [N, N + K] scaled similarities of each anchor to every candidate, detached. */
  scores: tf.Tensor2D;
};

const FN = "multipleNegativesRankingLoss";
/** sentence-transformers' `MultipleNegativesRankingLoss(scale=20.0)`. */
const SENTENCE_TRANSFORMERS_SCALE = 20;

function mnrlParts(anchor: TensorInput, positive: TensorInput, options?: MultipleNegativesRankingLossOptions): MultipleNegativesRankingParts {
  return mnrlCompute(anchor, positive, options, true) as MultipleNegativesRankingParts;
}

/** The loss, and (withScores) the detached scores: a copy of the N × (N + K) matrix, made only when asked for. */
function mnrlCompute(anchor: TensorInput, positive: TensorInput, options: MultipleNegativesRankingLossOptions | undefined, withScores: boolean): { loss: tf.Scalar; scores?: tf.Tensor2D } {
  const o = checkOptions(FN, options, ["negative", "scale", "temperature"]);
  return tf.tidy(() => {
    const a = embeddingBatch(FN, "anchor", anchor);
    const p = embeddingBatch(FN, "positive", positive);
    assertSameShape(FN, "positive", p, "anchor", a);
    let docs = p;
    if (o.negative !== undefined) {
      const neg = embeddingBatch(FN, "negative", o.negative);
      assertSameWidth(FN, "negative", neg, "anchor", a);
      docs = tf.concat([p, neg], 0);
    }
    const scores = scaledCosineLogits(a, docs, logitScaling(FN, o, { multiply: SENTENCE_TRANSFORMERS_SCALE }));
    // Without .parts the scores are ours alone: the cross-entropy may write its exps over them.
    const loss = tf.mean(crossEntropyRows(scores, diagonalTargets(a.shape[0]), !withScores)) as tf.Scalar;
    if (withScores) return { loss, scores: detach(scores) };
    // The backward pass needs none of the N × (N + K) scores (the cross-entropy saved its own
    // exps): freed now rather than at the end of the caller's gradient scope, so the wasm heap's
    // peak holds one such matrix fewer (64 MB at 4096).
    scores.dispose();
    return { loss };
  });
}

/**
 * sentence-transformers' MultipleNegativesRankingLoss: for each (anchor, positive) pair, every
 * other positive in the batch (and every hard negative) is a negative.
 *
 *     docs   = positive                       [N, D]  (or concat(positive, negative): [N + K, D])
 *     scores = cos_sim(anchor, docs) · scale  [N, N + K]
 *     loss   = mean_i ( logsumexp_j scores[i, j] − scores[i, i] )
 *
 * One direction only (anchors against docs), like the library's default. With scale = 1/τ it is
 * {@link infoNceLoss}.
 *
 * Companion: `multipleNegativesRankingLoss.parts(anchor, positive, options)` returns
 * `{ loss, scores }` (scores detached); dispose it with `tf.dispose(parts)`.
 *
 * @param anchor [N, D] tensor or nested array.
 * @param positive [N, D], same shape; row i is the positive of anchor i.
 * @returns a scalar.
 * @throws TypeError when both `scale` and `temperature` are given; RangeError when one is ≤ 0,
 *   when inputs are not rank 2, are empty, hold NaN, or differ in shape/width.
 * @see sentence-transformers `losses.MultipleNegativesRankingLoss`
 *   (https://sbert.net/docs/package_reference/sentence_transformer/losses.html#multiplenegativesrankingloss)
 *   with its defaults: scale 20, `util.cos_sim`, direction query→doc. Several columns of hard
 *   negatives are passed stacked as one [N·k, D] `negative`.
 * @example
 * // scale 1, two orthogonal pairs: log(e¹ + e⁰) − 1 = 0.3133
 * multipleNegativesRankingLoss([[1, 0], [0, 1]], [[1, 0], [0, 1]], { scale: 1 }).dataSync()[0]; // => 0.31326165795326233
 */
export function multipleNegativesRankingLoss(anchor: TensorInput, positive: TensorInput, options?: MultipleNegativesRankingLossOptions): tf.Scalar {
  return tf.tidy(() => mnrlCompute(anchor, positive, options, false).loss);
}

/** `{ loss, scores }` of {@link multipleNegativesRankingLoss}; `scores` is detached. */
multipleNegativesRankingLoss.parts = mnrlParts;

/**
 * The breakdown of {@link multipleNegativesRankingLoss} for the same arguments: its value (equal
 * to the loss), one row per anchor with its positive's score, the strongest other candidate,
 * p(positive), the category and the share of the value, and a one-line verdict. Shows itself as
 * a table in a notebook.
 */
multipleNegativesRankingLoss.explain = (anchor: TensorInput, positive: TensorInput, options?: MultipleNegativesRankingLossOptions): LossExplanation<AnchorRow> =>
  explainMultipleNegativesRanking(readLogits(mnrlParts(anchor, positive, options), "scores"));
