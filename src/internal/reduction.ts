import * as tf from "@tensorflow/tfjs";
import { enumOption } from "./validate";

/** PyTorch's `reduction` argument. */
export type Reduction = "mean" | "sum" | "none";
export const REDUCTIONS: readonly Reduction[] = ["mean", "sum", "none"];

/** Reads a `reduction` option (default "mean"). */
export function reductionOption(fn: string, value: unknown): Reduction {
  return enumOption(fn, "reduction", value, REDUCTIONS, "mean");
}

/** Applies a PyTorch-style reduction to per-element losses. */
export function reduce(losses: tf.Tensor, reduction: Reduction): tf.Tensor {
  if (reduction === "none") return losses;
  return reduction === "sum" ? tf.sum(losses) : tf.mean(losses);
}
