import { filterReducer, type Reducer } from "./reducer";

/**
 * The mean of the elements that are **> 0**; 0 when none is, and that 0 still has a gradient
 * path (all zeros), so training code never sees NaN or a disconnected graph.
 *
 * @see pytorch-metric-learning `reducers.AvgNonZeroReducer` (= `ThresholdReducer(low=0)`) —
 *   mirrored; the default reducer of ContrastiveLoss (per sub-loss), TripletMarginLoss,
 *   SupConLoss and CircleLoss.
 * @example
 * // (0.5 + 1.5) / 2 active elements; the zeros do not dilute the mean
 * avgNonZeroReducer().reduce(tf.tensor1d([0, 0.5, 0, 1.5])).dataSync()[0]; // => 1
 */
export function avgNonZeroReducer(): Reducer {
  return filterReducer("AvgNonZeroReducer", { low: 0, divide: "count" });
}
