import * as tf from "@tensorflow/tfjs";
import { reduce, reductionOption, type Reduction } from "../internal/reduction";
import { argError, assertSameShape, checkOptions, numberOption, toFloatTensor, type TensorInput } from "../internal/validate";
import type { AnchorRow, LossExplanation } from "./explain";
import { explainMarginRankingLoss } from "./explainTorch";

/** Options of {@link marginRankingLoss}. */
export interface MarginRankingLossOptions {
  /** How far apart the two scores must be in the right order (default 0, as PyTorch). */
  margin?: number;
  /** "mean" (default), "sum" or "none" (one loss per pair). */
  reduction?: Reduction;
}

const FN = "marginRankingLoss";

/**
 * A ranking hinge on pairs of scores: target 1 says `x1` should be larger, −1 says `x2` should.
 *
 *     loss[i] = max(0, −target[i]·(x1[i] − x2[i]) + margin)
 *
 * then reduced.
 *
 * @param x1 [N] scores, a tensor or array.
 * @param x2 [N] scores.
 * @param target [N] of 1 or −1. No gradient flows into it.
 * @returns a scalar (mean, sum) or an [N] tensor (none).
 * @throws RangeError when a target is neither 1 nor −1, when the lengths differ, or inputs hold NaN.
 * @see torch.nn.MarginRankingLoss / torch.nn.functional.margin_ranking_loss
 *   (https://pytorch.org/docs/stable/generated/torch.nn.MarginRankingLoss.html) — mirrored in value
 *   and gradient. Differs in refusing targets other than ±1 (PyTorch uses any number as a weight)
 *   and in requiring rank-1 inputs of equal length (no broadcasting).
 * @example
 * // max(0, −1·(0.8 − 0.5) + 0.5) = 0.2
 * marginRankingLoss([0.8], [0.5], [1], { margin: 0.5 }).dataSync()[0]; // => 0.19999998807907104
 */
export function marginRankingLoss(x1: TensorInput, x2: TensorInput, target: TensorInput, options?: MarginRankingLossOptions): tf.Tensor {
  const o = checkOptions(FN, options, ["margin", "reduction"]);
  const margin = numberOption(FN, "margin", o.margin, 0);
  const reduction = reductionOption(FN, o.reduction);
  return tf.tidy(() => {
    const a = toFloatTensor(FN, "x1", x1, { rank: 1 });
    const b = toFloatTensor(FN, "x2", x2, { rank: 1 });
    assertSameShape(FN, "x2", b, "x1", a);
    const t = toFloatTensor(FN, "target", target, { rank: 1 });
    assertSameShape(FN, "target", t, "x1", a);
    const tv = t.dataSync();
    for (let i = 0; i < tv.length; i++) {
      const v = tv[i] as number;
      if (v !== 1 && v !== -1) throw argError(FN, "target", "1 (x1 ranks higher) or -1 (x2 ranks higher)", `${v} at [${i}]`);
    }
    return reduce(tf.relu(tf.add(tf.mul(tf.neg(t), tf.sub(a, b)), margin)), reduction);
  });
}

/**
 * The breakdown of {@link marginRankingLoss} for the same arguments: its value (equal to the
 * loss), one row per pair of scores with the violation, category and share of the value, and a
 * one-line verdict. Shows itself as a table in a notebook.
 */
marginRankingLoss.explain = (x1: TensorInput, x2: TensorInput, target: TensorInput, options?: MarginRankingLossOptions): LossExplanation<AnchorRow> =>
  explainMarginRankingLoss(marginRankingLoss, x1, x2, target, options);
