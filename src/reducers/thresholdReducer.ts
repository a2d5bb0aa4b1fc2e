import { argError, checkOptions, numberOption } from "../internal/validate";
import { filterReducer, type Reducer } from "./reducer";

/** Options of {@link thresholdReducer}; at least one bound is required. */
export interface ThresholdReducerOptions {
  /** Keep elements with loss > low (strict). */
  low?: number;
  /** Keep elements with loss < high (strict). */
  high?: number;
}

const FN = "thresholdReducer";

/**
 * The mean of the elements strictly between `low` and `high`; 0 (with a gradient) when none is.
 *
 * @throws RangeError when neither bound is given, or low ≥ high.
 * @see pytorch-metric-learning `reducers.ThresholdReducer(low, high)` — mirrored.
 * @example
 * thresholdReducer({ low: 0.1, high: 2 }).reduce(tf.tensor1d([0.05, 0.5, 1.5, 3])).dataSync()[0]; // => 1
 */
export function thresholdReducer(options: ThresholdReducerOptions): Reducer {
  const o = checkOptions(FN, options, ["low", "high"]);
  const low = o.low === undefined ? undefined : numberOption(FN, "low", o.low, 0);
  const high = o.high === undefined ? undefined : numberOption(FN, "high", o.high, 0);
  if (low === undefined && high === undefined) throw argError(FN, "options", "an object with 'low', 'high' or both", "neither");
  if (low !== undefined && high !== undefined && !(low < high)) throw argError(FN, "high", `greater than 'low' (${low})`, String(high));
  const bounds = [low === undefined ? "" : `low=${low}`, high === undefined ? "" : `high=${high}`].filter(Boolean).join(", ");
  return filterReducer(`ThresholdReducer(${bounds})`, { ...(low === undefined ? {} : { low }), ...(high === undefined ? {} : { high }), divide: "count" });
}
