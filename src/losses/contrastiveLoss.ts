import * as tf from "@tensorflow/tfjs";
import { peekValues } from "../internal/peek";
import { LpDistance } from "../distances/LpDistance";
import type { TensorInput } from "../internal/validate";
import { numberOption } from "../internal/validate";
import { avgNonZeroReducer } from "../reducers/avgNonZeroReducer";
import type { ReducerFilter } from "../reducers/reducer";
import { metricLossInputs, pairRow, pairWeights, tooFewPairs, zeroLoss, type MetricLossOptions, type PairWeights } from "./metricLossInputs";
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
  const [n, r] = mat.shape;
  const hasLow = filter.low !== undefined;
  const hasHigh = filter.high !== undefined;
  const low = filter.low ?? 0;
  const high = filter.high ?? 0;
  // Each side's loss at entry (i, j) (positive pairs: sign · (d − posMargin), negative pairs:
  // −sign · (d − negMargin), sign = −1 for a similarity), rounded to float32 as the backend
  // would, then relu; a loss the reducer filters out (not > low, not < high) counts for nothing.
  const posSign = inverted ? -1 : 1;
  const negSign = -posSign;
  const f = Math.fround;
  const wp = new Float32Array(r);
  const wn = new Float32Array(r);
  // Read in place: no tf call until the value and the gradient are done.
  const mv = peekValues(mat);
  let pSum = 0;
  let pCount = 0;
  let nSum = 0;
  let nCount = 0;
  for (let i = 0; i < n; i++) {
    pairRow(w, i, r, wp, wn);
    const row = i * r;
    for (let j = 0; j < r; j++) {
      const d = mv[row + j] as number;
      const a = wp[j] as number;
      if (a !== 0) {
        const v = f(posSign * (d - posMargin));
        const loss = v > 0 ? v : 0;
        if (!((hasLow && !(loss > low)) || (hasHigh && !(loss < high)))) (pSum += a * loss), (pCount += a);
      }
      const b = wn[j] as number;
      if (b !== 0) {
        const v = f(negSign * (d - negMargin));
        const loss = v > 0 ? v : 0;
        if (!((hasLow && !(loss > low)) || (hasHigh && !(loss < high)))) (nSum += b * loss), (nCount += b);
      }
    }
  }
  const div = (c: number): number => (filter.divide === "count" ? (c > 0 ? 1 / c : 0) : c > 0 ? 1 : 0);
  // Second pass, now that the divisors are known: the gradient of the entries whose loss is
  // positive and kept.
  const gp = posSign * div(pCount);
  const gn = posSign * div(nCount);
  const grad = new Float32Array(n * r);
  for (let i = 0; i < n; i++) {
    pairRow(w, i, r, wp, wn);
    const row = i * r;
    for (let j = 0; j < r; j++) {
      const d = mv[row + j] as number;
      let gk = 0;
      const a = wp[j] as number;
      if (a !== 0) {
        const loss = f(posSign * (d - posMargin));
        if (loss > 0 && !((hasLow && !(loss > low)) || (hasHigh && !(loss < high)))) gk += a * gp;
      }
      const b = wn[j] as number;
      if (b !== 0) {
        const loss = f(negSign * (d - negMargin));
        if (loss > 0 && !((hasLow && !(loss > low)) || (hasHigh && !(loss < high)))) gk -= b * gn;
      }
      grad[row + j] = gk;
    }
  }
  const value = pSum * div(pCount) + nSum * div(nCount);
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
