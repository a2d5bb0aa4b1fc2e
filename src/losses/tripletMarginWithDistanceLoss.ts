import * as tf from "@tensorflow/tfjs";
import { reduce, reductionOption, type Reduction } from "../internal/reduction";
import { argError, assertSameShape, booleanOption, checkOptions, describeValue, numberOption, toFloatTensor, type TensorInput } from "../internal/validate";
import { rowDistance } from "../distances/pairwiseDistance";
import type { LossExplanation, TripletRow } from "./explain";
import { explainExplicitTriplets } from "./explainTorch";

/** A row-wise distance: [N, D] and [N, D] → [N], built from differentiable tf ops. */
export type RowDistanceFunction = (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor;

/** Options of {@link tripletMarginWithDistanceLoss}. */
export interface TripletMarginWithDistanceLossOptions {
  /**
   * The distance between matching rows (default `pairwiseDistance` with p 2 and eps 1e-6, as
   * PyTorch). Any function of two [N, D] tensors returning [N] distances — smaller means closer —
   * e.g. `(x, y) => tf.sub(1, cosineSimilarity(x, y))`.
   */
  distanceFunction?: RowDistanceFunction;
  /** How much farther the negative must be than the positive (default 1.0, as PyTorch; must be > 0). */
  margin?: number;
  /** Also measure positive→negative and use the smaller distance (default false). */
  swap?: boolean;
  /** "mean" (default), "sum" or "none" (one loss per triplet). */
  reduction?: Reduction;
}

const FN = "tripletMarginWithDistanceLoss";
/** PyTorch's default distance: `F.pairwise_distance(x, y)`, p = 2, eps = 1e-6. */
const DEFAULT_P = 2;
const DEFAULT_EPS = 1e-6;

/**
 * The triplet margin loss with a distance of your choice:
 *
 *     loss[i] = max(d(a[i], p[i]) − d(a[i], n[i]) + margin, 0)
 *
 * then reduced. With `swap`, d(a, n) is replaced by min(d(a, n), d(p, n)).
 *
 * @param anchor [N, D] tensor or nested array.
 * @param positive [N, D], same shape as `anchor`.
 * @param negative [N, D], same shape as `anchor`.
 * @returns a scalar (mean, sum) or an [N] tensor (none).
 * @throws RangeError when `margin` ≤ 0 (as PyTorch), shapes differ, inputs hold NaN, or
 *   `distanceFunction` returns anything but N finite distances; TypeError when it is not a function.
 * @see torch.nn.TripletMarginWithDistanceLoss / torch.nn.functional.triplet_margin_with_distance_loss
 *   (https://pytorch.org/docs/stable/generated/torch.nn.TripletMarginWithDistanceLoss.html) —
 *   mirrored in value and gradient. Only rank-2 inputs.
 * @example
 * // d = 1 − cos: d(a, p) = 0, d(a, n) = 1 (orthogonal), so max(0 − 1 + 1.5, 0) = 0.5
 * const oneMinusCos = (x, y) => tf.sub(1, cosineSimilarity(x, y));
 * tripletMarginWithDistanceLoss([[1, 0]], [[2, 0]], [[0, 1]], { distanceFunction: oneMinusCos, margin: 1.5 }).dataSync()[0];
 * // => 0.5
 */
export function tripletMarginWithDistanceLoss(
  anchor: TensorInput,
  positive: TensorInput,
  negative: TensorInput,
  options?: TripletMarginWithDistanceLossOptions,
): tf.Tensor {
  const o = checkOptions(FN, options, ["distanceFunction", "margin", "swap", "reduction"]);
  if (o.distanceFunction !== undefined && typeof o.distanceFunction !== "function") {
    throw argError(FN, "distanceFunction", "a function (x, y) => row distances", describeValue(o.distanceFunction), "type");
  }
  const distanceFunction = o.distanceFunction as RowDistanceFunction | undefined;
  const margin = numberOption(FN, "margin", o.margin, 1.0, { above: 0 });
  const swap = booleanOption(FN, "swap", o.swap, false);
  const reduction = reductionOption(FN, o.reduction);
  return tf.tidy(() => {
    const a = toFloatTensor(FN, "anchor", anchor, { rank: 2 }) as tf.Tensor2D;
    const pos = toFloatTensor(FN, "positive", positive, { rank: 2 }) as tf.Tensor2D;
    const neg = toFloatTensor(FN, "negative", negative, { rank: 2 }) as tf.Tensor2D;
    assertSameShape(FN, "positive", pos, "anchor", a);
    assertSameShape(FN, "negative", neg, "anchor", a);
    const n = a.shape[0];
    const dist = (x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor => {
      if (distanceFunction === undefined) return rowDistance(x, y, DEFAULT_P, DEFAULT_EPS);
      const d = distanceFunction(x, y);
      if (!(d instanceof tf.Tensor) || d.size !== n || d.rank > 2 || (d.rank === 2 && d.shape[1] !== 1)) {
        throw argError(FN, "distanceFunction", `a function returning ${n} row distances (shape [${n}])`, `a function returning ${describeValue(d)}`);
      }
      const values = d.dataSync();
      for (let i = 0; i < values.length; i++) {
        if (!Number.isFinite(values[i] as number)) {
          throw argError(FN, "distanceFunction", "a function returning finite distances", `${values[i]} at [${i}]`);
        }
      }
      return d.rank === 1 ? d : tf.reshape(d, [n]);
    };
    const dAP = dist(a, pos);
    let dAN = dist(a, neg);
    if (swap) dAN = tf.minimum(dAN, dist(pos, neg));
    // PyTorch uses clamp_min(…, 0); the fixtures keep every hinge away from exactly 0.
    return reduce(tf.relu(tf.add(tf.sub(dAP, dAN), margin)), reduction);
  });
}

/**
 * The breakdown of {@link tripletMarginWithDistanceLoss} for the same arguments: its value
 * (equal to the loss), one row per triplet with d(a,p), d(a,n), the violation, its category and
 * its share of the value, and a one-line verdict. Shows itself as a table in a notebook.
 */
tripletMarginWithDistanceLoss.explain = (anchor: TensorInput, positive: TensorInput, negative: TensorInput, options?: TripletMarginWithDistanceLossOptions): LossExplanation<TripletRow> => {
  const custom = options?.distanceFunction;
  const rowDist = (x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor => (custom === undefined ? rowDistance(x, y, DEFAULT_P, DEFAULT_EPS) : tf.reshape(custom(x, y), [-1]));
  return explainExplicitTriplets(FN, tripletMarginWithDistanceLoss, anchor, positive, negative, options, rowDist, custom === undefined ? "pairwiseDistance (p 2)" : "distanceFunction");
};
