import * as tf from "@tensorflow/tfjs";
import { reduce, reductionOption, type Reduction } from "../internal/reduction";
import { assertSameShape, booleanOption, checkOptions, numberOption, toFloatTensor, type TensorInput } from "../internal/validate";
import { rowDistance } from "../distances/pairwiseDistance";
import type { LossExplanation, TripletRow } from "./explain";
import { explainExplicitTriplets } from "./explainTorch";

/** Options of {@link tripletMarginLoss}. */
export interface TripletMarginLossOptions {
  /** How much farther the negative must be than the positive (default 1.0, as PyTorch; must be > 0). */
  margin?: number;
  /** The norm degree of the distance (default 2). */
  p?: number;
  /** Added to each difference before the norm, as in `pairwiseDistance` (default 1e-6). */
  eps?: number;
  /** Also measure positive→negative and use the smaller distance (default false). */
  swap?: boolean;
  /** "mean" (default), "sum" or "none" (one loss per triplet). */
  reduction?: Reduction;
}

const FN = "tripletMarginLoss";

/**
 * The triplet margin loss on explicit (anchor, positive, negative) rows:
 *
 *     loss[i] = max(d(a[i], p[i]) − d(a[i], n[i]) + margin, 0),   d = pairwiseDistance(·, ·, {p, eps})
 *
 * then reduced. With `swap`, d(a, n) is replaced by min(d(a, n), d(p, n)).
 *
 * @param anchor [N, D] tensor or nested array.
 * @param positive [N, D], same shape as `anchor`.
 * @param negative [N, D], same shape as `anchor`.
 * @returns a scalar (mean, sum) or an [N] tensor (none).
 * @throws RangeError when `margin` ≤ 0 (as current PyTorch), shapes differ, or inputs hold NaN.
 * @see torch.nn.TripletMarginLoss / torch.nn.functional.triplet_margin_loss — mirrored exactly,
 *   values and gradients (https://pytorch.org/docs/stable/generated/torch.nn.TripletMarginLoss.html).
 *   pytorch-metric-learning's `TripletMarginLoss` is a different function: see `pmlTripletMarginLoss`.
 * @example
 * // The tutorial's "bad" negative: 0.12247 − 0.34641 + 0.5
 * tripletMarginLoss([[0.9, 0.8, 0.1]], [[0.85, 0.75, 0.2]], [[0.7, 0.6, 0.3]], { margin: 0.5 }).dataSync()[0];
 * // => 0.27606377
 */
export function tripletMarginLoss(
  anchor: TensorInput,
  positive: TensorInput,
  negative: TensorInput,
  options?: TripletMarginLossOptions,
): tf.Tensor {
  const o = checkOptions(FN, options, ["margin", "p", "eps", "swap", "reduction"]);
  const margin = numberOption(FN, "margin", o.margin, 1.0, { above: 0 });
  const p = numberOption(FN, "p", o.p, 2, { above: 0 });
  const eps = numberOption(FN, "eps", o.eps, 1e-6, { min: 0 });
  const swap = booleanOption(FN, "swap", o.swap, false);
  const reduction = reductionOption(FN, o.reduction);
  return tf.tidy(() => {
    const a = toFloatTensor(FN, "anchor", anchor, { rank: 2 });
    const pos = toFloatTensor(FN, "positive", positive, { rank: 2 });
    const neg = toFloatTensor(FN, "negative", negative, { rank: 2 });
    assertSameShape(FN, "positive", pos, "anchor", a);
    assertSameShape(FN, "negative", neg, "anchor", a);
    const dAP = rowDistance(a, pos, p, eps);
    let dAN = rowDistance(a, neg, p, eps);
    if (swap) dAN = tf.minimum(dAN, rowDistance(pos, neg, p, eps));
    // PyTorch uses clamp_min(…, 0); the fixtures keep every hinge away from exactly 0.
    return reduce(tf.relu(tf.add(tf.sub(dAP, dAN), margin)), reduction);
  });
}

/**
 * The breakdown of {@link tripletMarginLoss} for the same arguments: its value (equal to the
 * loss), one row per triplet with d(a,p), d(a,n), the violation, its category and its share of
 * the value, and a one-line verdict. Shows itself as a table in a notebook.
 */
tripletMarginLoss.explain = (anchor: TensorInput, positive: TensorInput, negative: TensorInput, options?: TripletMarginLossOptions): LossExplanation<TripletRow> =>
  explainExplicitTriplets(FN, tripletMarginLoss, anchor, positive, negative, options, (x, y) => rowDistance(x, y, options?.p ?? 2, options?.eps ?? 1e-6), `pairwiseDistance (p ${options?.p ?? 2})`);
