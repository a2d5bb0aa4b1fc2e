/**
 * A product of a sparse data matrix (compressed sparse rows, never differentiated) and a dense
 * weight, with its gradient for the weight, done in JS.
 *
 * Why: the course encoder's input layer multiplies ~50 non-zero hashed features per text by a
 * 2048 × 128 weight. As a dense product on tfjs-backend-wasm it costs ~0.76 ms per batch of 64,
 * ~1.4 ms when the weight is new (XNNPACK repacks it, which happens after every optimiser step),
 * and as much again for the weight's gradient; the sparse loops do the ~0.4 M multiply-adds
 * that are not multiplications by zero in ~0.3 ms each (measured, README Performance).
 * Sums run in float32 in column order, so values differ from a dense product by rounding only.
 */
import * as tf from "@tensorflow/tfjs";
import { peekValues } from "./peek";

/** Compressed sparse rows: row r holds columns `indices[indptr[r] .. indptr[r + 1])` with their `values`. */
export interface CsrMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

type CustomFn = Parameters<typeof tf.customGrad>[0];

/**
 * A zeroed buffer of `size` floats for values about to be uploaded. The wasm backend copies a
 * new tensor's values into its heap, so one buffer is reused there: a fresh 1 MB array costs
 * ~0.3 ms of page faults per call, more than the loop that fills it (measured). Other backends
 * keep the array they are given, so they get a new one.
 */
let uploadScratch: Float32Array | null = null;
function uploadBuffer(size: number): Float32Array {
  if (tf.getBackend() !== "wasm") return new Float32Array(size);
  if (uploadScratch === null || uploadScratch.length < size) {
    uploadScratch = new Float32Array(size);
    return uploadScratch;
  }
  const b = uploadScratch.subarray(0, size);
  b.fill(0);
  return b;
}

/** out[r, :] += Σ_k x[r, k] · w[k, :] for every row r (out starts at zero). */
function sparseTimesDense(x: CsrMatrix, w: ArrayLike<number>, h: number, out: Float32Array): void {
  const { indptr, indices, values } = x;
  const h4 = h - (h % 4);
  for (let r = 0; r < x.rows; r++) {
    const o = r * h;
    for (let k = indptr[r] as number; k < (indptr[r + 1] as number); k++) {
      const v = values[k] as number;
      const wr = (indices[k] as number) * h;
      let c = 0;
      for (; c < h4; c += 4) {
        out[o + c] = (out[o + c] as number) + v * (w[wr + c] as number);
        out[o + c + 1] = (out[o + c + 1] as number) + v * (w[wr + c + 1] as number);
        out[o + c + 2] = (out[o + c + 2] as number) + v * (w[wr + c + 2] as number);
        out[o + c + 3] = (out[o + c + 3] as number) + v * (w[wr + c + 3] as number);
      }
      for (; c < h; c++) out[o + c] = (out[o + c] as number) + v * (w[wr + c] as number);
    }
  }
}

/** out[k, :] += Σ_r x[r, k] · dy[r, :] — xᵀ · dy without forming xᵀ (out starts at zero). */
function sparseTransposedTimesDense(x: CsrMatrix, dy: ArrayLike<number>, h: number, out: Float32Array): void {
  const { indptr, indices, values } = x;
  const h4 = h - (h % 4);
  for (let r = 0; r < x.rows; r++) {
    const o = r * h;
    for (let k = indptr[r] as number; k < (indptr[r + 1] as number); k++) {
      const v = values[k] as number;
      const wr = (indices[k] as number) * h;
      let c = 0;
      for (; c < h4; c += 4) {
        out[wr + c] = (out[wr + c] as number) + v * (dy[o + c] as number);
        out[wr + c + 1] = (out[wr + c + 1] as number) + v * (dy[o + c + 1] as number);
        out[wr + c + 2] = (out[wr + c + 2] as number) + v * (dy[o + c + 2] as number);
        out[wr + c + 3] = (out[wr + c + 3] as number) + v * (dy[o + c + 3] as number);
      }
      for (; c < h; c++) out[wr + c] = (out[wr + c] as number) + v * (dy[o + c] as number);
    }
  }
}

/**
 * `x · w` for sparse data `x` [N, K] and a weight `w` [K, H]; differentiable in `w` only
 * (∂/∂w = xᵀ · dy, computed from the non-zeros). The caller checks that `x.cols` equals K.
 */
export function sparseMatMul(x: CsrMatrix, w: tf.Tensor2D): tf.Tensor2D {
  const h = w.shape[1];
  const op = tf.customGrad(((wv: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    const out = new Float32Array(x.rows * h);
    // The view of w is read before any other TensorFlow.js call (which could move the heap).
    sparseTimesDense(x, peekValues(wv), h, out);
    return {
      value: tf.tensor2d(out, [x.rows, h]),
      gradFunc: (dy: tf.Tensor) => {
        const dw = uploadBuffer(x.cols * h);
        sparseTransposedTimesDense(x, peekValues(dy), h, dw);
        return tf.tensor2d(dw, [x.cols, h]);
      },
    };
  }) as unknown as CustomFn);
  return op(w) as tf.Tensor2D;
}
