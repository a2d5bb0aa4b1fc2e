import * as tf from "@tensorflow/tfjs";
import { peekValues } from "../internal/peek";
import { LpDistance } from "../distances/LpDistance";
import type { TensorInput } from "../internal/validate";
import { numberOption } from "../internal/validate";
import { avgNonZeroReducer } from "../reducers/avgNonZeroReducer";
import type { ReducerFilter } from "../reducers/reducer";
import { metricLossInputs, pairWeights, tooFewPairs, zeroLoss, type MetricLossOptions, type PairWeights } from "./metricLossInputs";
import type { LossExplanation, PairRow } from "./explain";
import { explainContrastiveLoss } from "./explainMetric";
import { PML_DEFAULTS } from "./defaults";

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
    const posMargin = numberOption(FN, "posMargin", inp.options.posMargin, PML_DEFAULTS.contrastive.posMargin);
    const negMargin = numberOption(FN, "negMargin", inp.options.negMargin, PML_DEFAULTS.contrastive.negMargin);
    const w = pairWeights(inp);
    if (tooFewPairs(w)) return zeroLoss(inp);
    const mat = inp.distance.matrix(inp.emb, inp.ref);
    const inverted = inp.distance.isInverted;
    const filter = inp.reducer.filter;
    if (filter !== undefined && inp.n * inp.r >= FUSED_MIN_MATRIX) return fusedContrastive(mat, w, posMargin, negMargin, inverted, filter);
    const posLoss = tf.relu(inverted ? tf.sub(posMargin, mat) : tf.sub(mat, posMargin));
    const negLoss = tf.relu(inverted ? tf.sub(mat, negMargin) : tf.sub(negMargin, mat));
    const info = { rowLength: inp.r, numAnchors: inp.n };
    const pos = inp.reducer.reduce(tf.reshape(posLoss, [-1]), { ...info, kind: "pos_pair", weights: w.pos });
    const neg = inp.reducer.reduce(tf.reshape(negLoss, [-1]), { ...info, kind: "neg_pair", weights: w.neg });
    return pos.rank === 0 && neg.rank === 0 ? tf.add(pos, neg) : tf.concat([tf.reshape(pos, [-1]), tf.reshape(neg, [-1])]);
  });
}

/**
 * From this many matrix entries (N · R) on, a filtering reducer (mean, sum, avgNonZero,
 * threshold — the default) is applied in one plain-JS pass over the distance matrix that yields
 * the value and ∂loss/∂matrix, instead of two N × R loss tensors, two read-backs and two mask
 * uploads. The same numbers (each loss rounded to float32 as the backend would; sums in float64).
 */
const FUSED_MIN_MATRIX = 2 ** 14;

type CustomFn = Parameters<typeof tf.customGrad>[0];

function fusedContrastive(mat: tf.Tensor2D, w: PairWeights, posMargin: number, negMargin: number, inverted: boolean, filter: ReducerFilter): tf.Scalar {
  // Read in place: no tf call until the value and the gradient are done.
  const mv = peekValues(mat);
  const size = mv.length;
  const grad = new Float32Array(size);
  const { low, high } = filter;
  const keep = (loss: number): boolean => !((low !== undefined && !(loss > low)) || (high !== undefined && !(loss < high)));
  // One side (positive or negative pairs): its loss at entry k (sign +1: relu(d − margin);
  // −1: relu(margin − d)), or −1 when the entry is not on this side or the reducer drops it.
  const lossAt = (weights: Float32Array, margin: number, sign: number, k: number): number => {
    if ((weights[k] as number) === 0) return -1;
    const v = Math.fround(sign * ((mv[k] as number) - margin));
    const loss = v > 0 ? v : 0;
    return keep(loss) ? loss : -1;
  };
  const side = (weights: Float32Array, margin: number, sign: number): { sum: number; count: number } => {
    let sum = 0;
    let count = 0;
    for (let k = 0; k < size; k++) {
      const loss = lossAt(weights, margin, sign, k);
      if (loss < 0) continue;
      sum += (weights[k] as number) * loss;
      count += weights[k] as number;
    }
    return { sum, count };
  };
  const posSign = inverted ? -1 : 1;
  const p = side(w.pos, posMargin, posSign);
  const q = side(w.neg, negMargin, -posSign);
  const div = (c: number): number => (filter.divide === "count" ? (c > 0 ? 1 / c : 0) : c > 0 ? 1 : 0);
  const sp = div(p.count);
  const sn = div(q.count);
  // Second pass, now that the divisors are known: one float32 gradient, no per-side buffers.
  for (let k = 0; k < size; k++) {
    let gk = 0;
    if (lossAt(w.pos, posMargin, posSign, k) > 0) gk += (w.pos[k] as number) * posSign * sp;
    if (lossAt(w.neg, negMargin, -posSign, k) > 0) gk -= (w.neg[k] as number) * posSign * sn;
    grad[k] = gk;
  }
  const value = p.sum * sp + q.sum * sn;
  const op = tf.customGrad(((m: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    return { value: tf.scalar(value), gradFunc: (dy: tf.Tensor) => tf.mul(dy, tf.tensor(grad, m.shape)) };
  }) as unknown as CustomFn);
  return op(mat) as tf.Scalar;
}

/**
 * The breakdown of {@link contrastiveLoss} for the same arguments: its value (equal to the loss), one row per positive pair, then per negative pair, with the distance, the violation of its margin, its category and its share of the value, and a one-line verdict.
 * Shows itself as a table in a notebook (most violating rows first) and as text elsewhere.
 */
contrastiveLoss.explain = (embeddings: TensorInput, labels: TensorInput | ArrayLike<number> | null, options?: ContrastiveLossOptions): LossExplanation<PairRow> =>
  explainContrastiveLoss(contrastiveLoss, embeddings, labels, options);
