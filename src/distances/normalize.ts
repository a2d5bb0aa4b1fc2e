import * as tf from "@tensorflow/tfjs";
import { argError, checkOptions, numberOption, toFloatTensor, type TensorInput } from "../internal/validate";
import { lpNorm } from "./lpNorm";

/** Options of {@link normalize}. */
export interface NormalizeOptions {
  /** The norm degree (default 2). */
  p?: number;
  /** The dimension to normalise along (default 1: each row of a batch). */
  dim?: number;
  /** Lower bound of the divisor (default 1e-12). */
  eps?: number;
}

const FN = "normalize";

/**
 * Scales each slice along `dim` to unit p-norm: `out = x / max(‖x‖_p, eps)`.
 * The gradient flows through the norm; a zero row stays zero (no NaN).
 *
 * @param x a tensor or nested array of rank ≥ 1.
 * @see torch.nn.functional.normalize — mirrored exactly, values and gradients
 *   (https://pytorch.org/docs/stable/generated/torch.nn.functional.normalize.html).
 * @example
 * normalize([[3, 4]]).arraySync(); // => [[0.6, 0.8]]
 */
export function normalize(x: TensorInput, options?: NormalizeOptions): tf.Tensor {
  const o = checkOptions(FN, options, ["p", "dim", "eps"]);
  const p = numberOption(FN, "p", o.p, 2, { above: 0 });
  const eps = numberOption(FN, "eps", o.eps, 1e-12, { min: 0 });
  const dimRaw = numberOption(FN, "dim", o.dim, 1, { integer: true });
  return tf.tidy(() => {
    const t = toFloatTensor(FN, "x", x);
    if (dimRaw >= t.rank || dimRaw < -t.rank) {
      throw argError(FN, "dim", `an axis of 'x' (between ${-t.rank} and ${t.rank - 1})`, String(dimRaw));
    }
    return normalizeRows(t, p, eps, dimRaw < 0 ? t.rank + dimRaw : dimRaw);
  });
}

/** The unchecked kernel of {@link normalize}. */
export function normalizeRows(t: tf.Tensor, p = 2, eps = 1e-12, dim = 1): tf.Tensor {
  return tf.div(t, tf.maximum(lpNorm(t, p, dim, true), eps));
}
