import * as tf from "@tensorflow/tfjs";
import { argError, checkOptions, numberOption, toFloatTensor, type TensorInput } from "../internal/validate";
import { peekValues } from "../internal/peek";
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

/**
 * Largest float32 matrix whose rows are L2-normalised in one JS pass each way: below this size
 * the ~6 backend ops forward and ~20 backward (each with its dispatch cost, ~10–20 µs on wasm)
 * dominate; a batch of 64 × 32 embeddings took ~0.35 ms through the ops, measured.
 */
const JS_NORMALIZE_MAX_SIZE = 32768;

/** The unchecked kernel of {@link normalize}. */
export function normalizeRows(t: tf.Tensor, p = 2, eps = 1e-12, dim = 1): tf.Tensor {
  if (p === 2 && dim === 1 && t.rank === 2 && t.dtype === "float32" && t.size <= JS_NORMALIZE_MAX_SIZE) return normalizeRowsJs(t as tf.Tensor2D, eps);
  return tf.div(t, tf.maximum(lpNorm(t, p, dim, true), eps));
}

/**
 * `x / max(‖x‖₂, eps)` per row, with the gradient autodiff takes through the ops above:
 * dx = dy / d − [n ≥ eps][n > 0] · (dy · x) · x / (d² n), d = max(n, eps) — so a zero row gets
 * a zero gradient through its norm (lpNorm's rule) and rows below eps are scaled by 1 / eps.
 */
function normalizeRowsJs(x: tf.Tensor2D, eps: number): tf.Tensor2D {
  const [rows, cols] = x.shape;
  const e = Math.fround(eps);
  const op = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
    save([input]);
    const v = peekValues(input);
    const norms = new Float32Array(rows);
    const out = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += (v[r * cols + c] as number) ** 2;
      const n = Math.fround(Math.sqrt(s));
      norms[r] = n;
      const d = n >= e ? n : e;
      for (let c = 0; c < cols; c++) out[r * cols + c] = (v[r * cols + c] as number) / d;
    }
    return {
      value: tf.tensor2d(out, [rows, cols]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const g = peekValues(dy);
        const xs = peekValues(saved[0] as tf.Tensor);
        const dx = new Float32Array(rows * cols);
        for (let r = 0; r < rows; r++) {
          const n = norms[r] as number;
          const d = n >= e ? n : e;
          let dot = 0;
          if (n >= e && n > 0) for (let c = 0; c < cols; c++) dot += (g[r * cols + c] as number) * (xs[r * cols + c] as number);
          const k = n >= e && n > 0 ? dot / (d * d * n) : 0;
          for (let c = 0; c < cols; c++) dx[r * cols + c] = (g[r * cols + c] as number) / d - k * (xs[r * cols + c] as number);
        }
        return tf.tensor2d(dx, [rows, cols]);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as tf.Tensor2D;
}
