import { filterReducer, type Reducer } from "./reducer";

/**
 * The plain mean of all elements (each counted with its multiplicity); 0, with a gradient, when
 * there is none.
 *
 * @see pytorch-metric-learning `reducers.MeanReducer` — mirrored; the default reducer of
 *   NTXentLoss and MultiSimilarityLoss.
 * @example
 * meanReducer().reduce(tf.tensor1d([0, 1, 2])).dataSync()[0]; // => 1
 */
export function meanReducer(): Reducer {
  return filterReducer("MeanReducer", { divide: "count" });
}
