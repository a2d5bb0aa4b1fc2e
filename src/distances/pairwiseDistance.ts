import * as tf from "@tensorflow/tfjs";
import { assertSameShape, booleanOption, checkOptions, numberOption, toFloatTensor, type TensorInput } from "../internal/validate";
import { lpNorm } from "./lpNorm";

/** Options of {@link pairwiseDistance}. */
export interface PairwiseDistanceOptions {
  /** The norm degree (default 2). */
  p?: number;
  /** Added to every component of the difference before the norm (default 1e-6, as PyTorch). */
  eps?: number;
  /** Keep a trailing dimension of size 1: shape [N, 1] instead of [N] (default false). */
  keepdim?: boolean;
}

const FN = "pairwiseDistance";

/**
 * Row-wise distance between two batches: `out[i] = ‖x1[i] − x2[i] + eps‖_p`.
 *
 * Note PyTorch's detail, kept here: `eps` is **added to the difference**, it is not a clamp,
 * so two identical rows are `eps·D^(1/p)` apart, not 0.
 *
 * @param x1 [N, D] tensor or nested array.
 * @param x2 [N, D], same shape as `x1`.
 * @returns [N] (or [N, 1] with `keepdim`) float32 distances.
 * @throws TypeError / RangeError naming the argument on bad shapes, NaN, or bad options.
 * @see torch.nn.functional.pairwise_distance — mirrored exactly, values and gradients
 *   (https://pytorch.org/docs/stable/generated/torch.nn.functional.pairwise_distance.html).
 *   Differs in that only rank-2 inputs are accepted.
 * @example
 * pairwiseDistance([[0.9, 0.8, 0.1]], [[0.85, 0.75, 0.2]]).dataSync()[0]; // => 0.12247447669506073
 */
export function pairwiseDistance(x1: TensorInput, x2: TensorInput, options?: PairwiseDistanceOptions): tf.Tensor {
  const o = checkOptions(FN, options, ["p", "eps", "keepdim"]);
  const p = numberOption(FN, "p", o.p, 2, { above: 0 });
  const eps = numberOption(FN, "eps", o.eps, 1e-6, { min: 0 });
  const keepdim = booleanOption(FN, "keepdim", o.keepdim, false);
  return tf.tidy(() => {
    const a = toFloatTensor(FN, "x1", x1, { rank: 2 });
    const b = toFloatTensor(FN, "x2", x2, { rank: 2 });
    assertSameShape(FN, "x2", b, "x1", a);
    return rowDistance(a, b, p, eps, keepdim);
  });
}

/** The unchecked kernel of {@link pairwiseDistance}, for use inside other ops. */
export function rowDistance(a: tf.Tensor, b: tf.Tensor, p: number, eps: number, keepdim = false): tf.Tensor {
  const diff = eps === 0 ? tf.sub(a, b) : tf.add(tf.sub(a, b), eps);
  return lpNorm(diff, p, -1, keepdim);
}
