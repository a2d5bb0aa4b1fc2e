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
import { heapView, peekValues } from "./peek";
import { heapOffset, heapScratch, heapTensor, wasmKernels } from "./simd";

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

/** dst[d .. d + h) += v · src[s .. s + h), unrolled by four (V8 inlines it into the loops below). */
function addScaledRow(dst: Float32Array, d: number, src: ArrayLike<number>, s: number, v: number, h: number): void {
  const h4 = h - (h % 4);
  let c = 0;
  for (; c < h4; c += 4) {
    dst[d + c] = (dst[d + c] as number) + v * (src[s + c] as number);
    dst[d + c + 1] = (dst[d + c + 1] as number) + v * (src[s + c + 1] as number);
    dst[d + c + 2] = (dst[d + c + 2] as number) + v * (src[s + c + 2] as number);
    dst[d + c + 3] = (dst[d + c + 3] as number) + v * (src[s + c + 3] as number);
  }
  for (; c < h; c++) dst[d + c] = (dst[d + c] as number) + v * (src[s + c] as number);
}

/** out[r, :] += Σ_k x[r, k] · w[k, :] for every row r (out starts at zero). */
function sparseTimesDense(x: CsrMatrix, w: ArrayLike<number>, h: number, out: Float32Array): void {
  for (let r = 0; r < x.rows; r++) {
    for (let k = x.indptr[r] as number; k < (x.indptr[r + 1] as number); k++) addScaledRow(out, r * h, w, (x.indices[k] as number) * h, x.values[k] as number, h);
  }
}

/** out[k, :] += Σ_r x[r, k] · dy[r, :] — xᵀ · dy without forming xᵀ (out starts at zero). */
function sparseTransposedTimesDense(x: CsrMatrix, dy: ArrayLike<number>, h: number, out: Float32Array): void {
  for (let r = 0; r < x.rows; r++) {
    for (let k = x.indptr[r] as number; k < (x.indptr[r + 1] as number); k++) addScaledRow(out, (x.indices[k] as number) * h, dy, r * h, x.values[k] as number, h);
  }
}

/** The activation a {@link sparseAffine} layer applies. */
export type SparseActivation = "linear" | "relu" | "tanh";

/**
 * `act(x · w + b)` for sparse data `x` [N, K], a weight `w` [K, H] and a bias `b` [H], as one
 * op differentiable in `w` and `b`: the bias, the activation and their gradients run in the
 * same JS passes as the sparse product, instead of an add, an activation and, backward, a
 * broadcast sum and a mask — five small backend ops per step with a dispatch cost each.
 * Gradients as PyTorch takes them: ReLU passes where its output is > 0, tanh scales by 1 − y².
 */
export function sparseAffine(x: CsrMatrix, w: tf.Tensor2D, b: tf.Tensor1D, activation: SparseActivation): tf.Tensor2D {
  const h = w.shape[1];
  if (h % 4 === 0 && wasmKernels() !== null) return sparseAffineInHeap(x, w, b, activation);
  const op = tf.customGrad(((wv: tf.Tensor, bv: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    const n = x.rows;
    const y = new Float32Array(n * h);
    sparseTimesDense(x, peekValues(wv), h, y);
    const bias = peekValues(bv);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < h; c++) {
        const z = (y[r * h + c] as number) + (bias[c] as number);
        y[r * h + c] = activation === "relu" ? (z > 0 ? z : 0) : activation === "tanh" ? Math.tanh(z) : z;
      }
    }
    return {
      value: tf.tensor2d(y, [n, h]),
      gradFunc: (dy: tf.Tensor) => {
        const g = peekValues(dy);
        const dz = new Float32Array(n * h);
        const db = new Float64Array(h);
        for (let k = 0; k < n * h; k++) {
          const yk = y[k] as number;
          const d = activation === "relu" ? (yk > 0 ? (g[k] as number) : 0) : activation === "tanh" ? (g[k] as number) * (1 - yk * yk) : (g[k] as number);
          dz[k] = d;
          db[k % h] = (db[k % h] as number) + (dz[k] as number);
        }
        const dw = uploadBuffer(x.cols * h);
        sparseTransposedTimesDense(x, dz, h, dw);
        const dwT = tf.tensor2d(dw, [x.cols, h]);
        return [dwT, tf.tensor1d(Float32Array.from(db))];
      },
    };
  }) as unknown as CustomFn);
  return op(w, b) as tf.Tensor2D;
}

/**
 * {@link sparseAffine} on tfjs-backend-wasm with the vectorised kernels of ./simd: the product,
 * bias and activation are written straight into the output tensor's memory, and backward the
 * activation's gradient, the bias gradient and xᵀ·dz into theirs (no JS buffers, no copies).
 */
function sparseAffineInHeap(x: CsrMatrix, w: tf.Tensor2D, b: tf.Tensor1D, activation: SparseActivation): tf.Tensor2D {
  const [n, h, k] = [x.rows, w.shape[1], x.cols];
  const csr = (): number[] => heapScratch([x.indptr, x.indices, x.values]);
  const op = tf.customGrad(((wv: tf.Tensor, bv: tf.Tensor, save: tf.GradSaveFunc) => {
    const kernels = wasmKernels() as NonNullable<ReturnType<typeof wasmKernels>>;
    const y = heapTensor([n, h]);
    const [indptr, indices, values] = csr();
    (activation === "relu" ? kernels.spmm_relu : kernels.spmm_linear)(indptr as number, indices as number, values as number, n, heapOffset(wv), h, heapOffset(bv), heapOffset(y));
    if (activation === "tanh") {
      const out = heapView(y) as Float32Array;
      for (let i = 0; i < out.length; i++) out[i] = Math.tanh(out[i] as number);
    }
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        // Made in the heap: tf.zeros would allocate and upload a JS array (~0.2 ms for dw).
        const dz = heapTensor([n, h]);
        const db = heapTensor([h]);
        const dw = heapTensor([k, h]);
        (heapView(dw) as Float32Array).fill(0); // the product adds into it
        kernels[`actGrad_${activation}`](heapOffset(saved[0] as tf.Tensor), heapOffset(dy), heapOffset(dz), n, h, heapOffset(db));
        const [ip, ix, iv] = csr();
        kernels.spmmT(ip as number, ix as number, iv as number, n, heapOffset(dz), h, heapOffset(dw));
        dz.dispose();
        return [dw, db];
      },
    };
  }) as unknown as CustomFn);
  return op(w, b) as tf.Tensor2D;
}
