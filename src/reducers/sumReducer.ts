import { filterReducer, type Reducer } from "./reducer";

/**
 * The sum of all elements (each counted with its multiplicity).
 *
 * @see pytorch-metric-learning `reducers.SumReducer` — mirrored.
 * @example
 * sumReducer().reduce(tf.tensor1d([0, 1, 2])).dataSync()[0]; // => 3
 */
export function sumReducer(): Reducer {
  return filterReducer("SumReducer", { divide: "none" });
}
