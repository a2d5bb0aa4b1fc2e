/**
 * Reducers turn the per-element losses of a metric loss (one per pair, triplet or anchor) into
 * the value that is minimised, after pytorch-metric-learning's `reducers`.
 *
 * A reducer is an object with a `name` and `reduce(losses, info?)`. `losses` is a rank-1 tensor;
 * `info` says what its elements are:
 *
 * - `kind`: "element" (one per anchor row), "pos_pair", "neg_pair" or "triplet";
 * - `weights`: how many times each element counts (a pair mined twice counts twice); 0 means the
 *   entry is not an element at all. The pair losses pass their full N × R matrix flattened, with
 *   weights marking the pairs, so nothing has to be gathered;
 * - `anchors` (one per element) or `rowLength` (the losses are a flattened [anchors, rowLength]
 *   matrix): which anchor each element belongs to, for per-anchor reduction;
 * - `numAnchors`: how many anchors (query rows) there are.
 *
 * Reducers whose value is "a (filtered) mean or sum" also expose that as `filter`, which lets a
 * loss reduce all N·P·N triplets without listing them (see `tripletLoss`).
 */
import * as tf from "@tensorflow/tfjs";
import { argError, describeValue } from "../internal/validate";

/** What one loss element is (PML's `reduction_type`). */
export type ReductionKind = "element" | "pos_pair" | "neg_pair" | "triplet";

/** Describes the elements of a loss vector; every field is optional. */
export interface ReductionInfo {
  /** Default "element". */
  kind?: ReductionKind;
  /** Multiplicity of each element, [K]; 0 excludes the entry. Default: every element once. */
  weights?: Float32Array;
  /** The anchor (query row) of each element, [K]. */
  anchors?: Int32Array;
  /** The losses are a flattened [numAnchors, rowLength] matrix: element k belongs to anchor ⌊k / rowLength⌋. */
  rowLength?: number;
  /** Number of anchors (query rows). Default: from `anchors`/`rowLength`, else K. */
  numAnchors?: number;
}

/** The closed form of a filtering reducer: mean (or sum) of the elements with low < loss < high. */
export interface ReducerFilter {
  /** Keep elements with loss > low (strict), when given. */
  readonly low?: number;
  /** Keep elements with loss < high (strict), when given. */
  readonly high?: number;
  /** "count": divide the sum of kept elements by how many there are (0 when none); "none": their sum. */
  readonly divide: "count" | "none";
}

/** A reducer: `reduce(losses, info)` returns a scalar (or, for `noReducer`, the losses). */
export interface Reducer {
  /** A short description for tables, e.g. "AvgNonZeroReducer". */
  readonly name: string;
  reduce(losses: tf.Tensor1D, info?: ReductionInfo): tf.Tensor;
  /** Present on reducers that are a filtered mean or sum (mean, sum, avgNonZero, threshold). */
  readonly filter?: ReducerFilter;
}

/** A zero that keeps a gradient path to `losses` (gradient 0), as PML's `zero_loss`. */
export function zeroWithGradient(losses: tf.Tensor): tf.Scalar {
  return tf.mul(tf.sum(losses), 0) as tf.Scalar;
}

/** Applies a {@link ReducerFilter} to losses with optional multiplicities. */
export function filteredReduce(losses: tf.Tensor1D, info: ReductionInfo | undefined, filter: ReducerFilter): tf.Scalar {
  return tf.tidy(() => {
    const w = info?.weights;
    const k = losses.shape[0];
    if (w !== undefined && w.length !== k) throw new RangeError(`reduce: 'info.weights' must have one entry per loss (${k}), but got ${w.length}`);
    const filters = filter.low !== undefined || filter.high !== undefined;
    if (!filters && w === undefined) {
      if (k === 0) return zeroWithGradient(losses);
      return (filter.divide === "count" ? tf.mean(losses) : tf.sum(losses)) as tf.Scalar;
    }
    const mask = new Float32Array(k);
    let count = 0;
    const values = filters ? losses.dataSync() : undefined;
    for (let i = 0; i < k; i++) {
      const weight = w === undefined ? 1 : (w[i] as number);
      if (weight === 0) continue;
      if (values !== undefined) {
        const v = values[i] as number;
        if (filter.low !== undefined && !(v > filter.low)) continue;
        if (filter.high !== undefined && !(v < filter.high)) continue;
      }
      mask[i] = weight;
      count += weight;
    }
    if (count === 0) return zeroWithGradient(losses);
    const total = tf.sum(tf.mul(losses, tf.tensor1d(mask)));
    return (filter.divide === "count" ? tf.div(total, count) : total) as tf.Scalar;
  });
}

/** Builds a filtering reducer from its closed form. */
export function filterReducer(name: string, filter: ReducerFilter): Reducer {
  return { name, filter, reduce: (losses, info) => filteredReduce(losses, info, filter) };
}

/** Checks a `reducer` option (an object with a `reduce` function). */
export function reducerOption(fn: string, value: unknown, fallback: Reducer): Reducer {
  if (value === undefined) return fallback;
  if (value === null || typeof value !== "object" || typeof (value as { reduce?: unknown }).reduce !== "function") {
    throw argError(fn, "reducer", "a reducer (e.g. meanReducer(), avgNonZeroReducer())", describeValue(value), "type");
  }
  return value as Reducer;
}
