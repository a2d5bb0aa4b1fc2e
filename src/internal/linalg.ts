/**
 * Matrix products and row gathers whose backward passes stay on the fast paths of every backend.
 *
 * Measured on tfjs-backend-wasm 4.22 (see the Performance section of the README):
 * - `matMul` reaches XNNPACK only when neither operand is transposed; `matMul(a, b, false, true)`
 *   and the transposed products that autodiff emits for any `matMul` run ~100× slower.
 *   So every product here transposes explicitly and has a custom gradient that does the same.
 * - `tf.gather` has no gradient on wasm (`UnsortedSegmentSum` is not registered); the custom
 *   gradient below scatters with `scatterND`, which sums duplicate indices.
 * Values are identical to the plain ops; only the formulation differs.
 */
import * as tf from "@tensorflow/tfjs";
import { heapView, peekValues } from "./peek";
import { heapOffset, heapTensor, wasmKernels } from "./simd";

type CustomFn = Parameters<typeof tf.customGrad>[0];

const matMulPlain = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, transpose2d(sb)), tf.matMul(transpose2d(sa), dy as tf.Tensor2D)];
    },
  };
}) as unknown as CustomFn);

const matMulBTOp = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, transpose2d(b as tf.Tensor2D)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, sb), dyTransposedTimes(dy as tf.Tensor2D, sa)];
    },
  };
}) as unknown as CustomFn);

/**
 * Tile edge of the JS transposes: 8 × 8 floats. Wider tiles lose to the cache when the row
 * length is a power of two (rows 16 KB apart all map to the same L1 sets): transposing 4096 × 128
 * took 3.0 ms with 32-wide tiles, 1.35 ms with 16, 0.69 ms with 8; folding a 4096² matrix with its
 * transpose 69, 31 and 30 ms (measured, Node 20).
 */
const TRANSPOSE_TILE = 8;

/**
 * The transpose of a float32 matrix, without a gradient (for the forward and backward passes
 * below). wasm's Transpose kernel runs at ~17 ns per element (18 ms for 1024², 2 ms for a
 * 1024 × 128 operand, measured). On wasm, sides that are multiples of 4 go through the
 * vectorised kernel of internal/simd (0.7 ms for 1024², 10 ms for 4096²); other shapes through
 * a JS loop over the heap's values (2.3 and 50 ms). Elsewhere `tf.transpose`.
 */
export function transpose2d(x: tf.Tensor2D): tf.Tensor2D {
  if (tf.getBackend() !== "wasm" || x.dtype !== "float32") return tf.transpose(x);
  const [rows, cols] = x.shape;
  const kernels = wasmKernels();
  if (kernels !== null && rows % 4 === 0 && cols % 4 === 0) {
    const out = heapTensor([cols, rows]) as tf.Tensor2D;
    kernels.transpose(heapOffset(x), heapOffset(out), rows, cols);
    return out;
  }
  // Filled in place in the heap (no JS buffer per call); views taken after the allocation.
  const result = tf.fill([cols, rows], 0) as tf.Tensor2D;
  const out = heapView(result);
  const v = heapView(x);
  if (out === null || v === null) {
    result.dispose();
    return tf.transpose(x);
  }
  // In tiles, so that both the reads and the strided writes stay in cache.
  for (let i0 = 0; i0 < rows; i0 += TRANSPOSE_TILE) {
    const i1 = Math.min(rows, i0 + TRANSPOSE_TILE);
    for (let j0 = 0; j0 < cols; j0 += TRANSPOSE_TILE) {
      const j1 = Math.min(cols, j0 + TRANSPOSE_TILE);
      for (let i = i0; i < i1; i++) {
        const row = i * cols;
        for (let j = j0; j < j1; j++) out[j * rows + i] = v[row + j] as number;
      }
    }
  }
  return result;
}

/**
 * dyᵀ · a for dy [N, M] and a [N, D] (no gradient). With the vectorised transpose (wasm, sides
 * multiples of 4) dy is transposed: XNNPACK repacks a product's right operand on every call, and
 * repacking a fresh N × M dy costs more than transposing it (aᵀ · dy took 8.0 ms at 1024² and
 * 213 ms at 4096², against 6 and 104 ms for dyᵀ · a plus 0.7 and 10 ms for the transpose,
 * measured). Otherwise the smaller side is transposed: for a large dy the product is taken as
 * (aᵀ · dy)ᵀ, which transposes only [N, D] and [D, M].
 */
export function dyTransposedTimes(dy: tf.Tensor2D, a: tf.Tensor2D): tf.Tensor2D {
  const [n, m] = dy.shape;
  const d = a.shape[1];
  const fastTranspose = wasmKernels() !== null && n % 4 === 0 && m % 4 === 0;
  if (fastTranspose || n * m <= (n + m) * d) {
    const dyT = transpose2d(dy);
    const product = tf.matMul(dyT, a) as tf.Tensor2D;
    dyT.dispose(); // the heap's peak holds one N × M copy for no longer than the product
    return product;
  }
  return transpose2d(tf.matMul(transpose2d(a), dy) as tf.Tensor2D);
}

/**
 * Column sums of an [N, M] matrix as [M, 1], without a gradient. wasm's Sum over axis 0
 * transposes first; a product with a row of ones does not (8 ms vs 0.3 ms at 1024², measured).
 */
export function columnSums(x: tf.Tensor2D): tf.Tensor2D {
  return tf.reshape(tf.matMul(tf.ones([1, x.shape[0]]), x), [x.shape[1], 1]);
}

/** `a · b` for [N, K] × [K, M], forward and backward without transpose flags. */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return matMulPlain(a, b) as tf.Tensor2D;
}

/**
 * `x · w` for data `x` [N, K] (input features: never differentiated) and a weight `w` [K, M]:
 * the backward pass computes only xᵀ · dy. The general {@link matMul} also returns dy · wᵀ for
 * `x`, which for a 2048-wide input layer is a third of a training step's work, thrown away.
 */
export function matMulData(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad(((wv: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    return {
      value: tf.matMul(x, wv as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor) => tf.matMul(transpose2d(x), dy as tf.Tensor2D),
    };
  }) as unknown as CustomFn);
  return op(w) as tf.Tensor2D;
}

/**
 * `a · bᵀ` for [N, D] and [M, D] → [N, M] (a Gram or similarity matrix), forward and backward
 * without transpose flags. Passing the same tensor twice (a batch against itself) takes one
 * product backward instead of two: ∂/∂a = (dy + dyᵀ) · a.
 */
export function matMulBT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return (a === b ? gramSelfOp(a) : matMulBTOp(a, b)) as tf.Tensor2D;
}

const gramSelfOp = tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a]);
  return {
    value: tf.matMul(a as tf.Tensor2D, transpose2d(a as tf.Tensor2D)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const { sum, rowSums } = symmetrize(dy as tf.Tensor2D);
      rowSums.dispose();
      const g = tf.matMul(sum, saved[0] as tf.Tensor2D);
      sum.dispose();
      return g;
    },
  };
}) as unknown as CustomFn);

/**
 * dy + dyᵀ for a square matrix, and its row sums as [N, 1] (no gradient): the backward pass of
 * a matrix of a batch against itself. The alternative, dy · a plus dyᵀ · a, is two products, and
 * the second has the fresh N × N gradient on its right, which XNNPACK repacks on every call (8.6
 * ms against 6.4 ms at 1024², 177 against 96 ms at 4096², measured). On wasm dy is folded with its
 * transpose in place, in tiles, in one JS pass — in dy itself when the caller `owns` it (a tensor
 * it just made and hands to no one: then `sum` is dy, and the heap holds no second N × N
 * matrix), else in a copy made on the backend; elsewhere tf ops.
 */
export function symmetrize(dy: tf.Tensor2D, owns = false): { sum: tf.Tensor2D; rowSums: tf.Tensor2D } {
  const n = dy.shape[0];
  const withOps = (): { sum: tf.Tensor2D; rowSums: tf.Tensor2D } =>
    tf.tidy(() => {
      const sum = tf.add(dy, tf.transpose(dy)) as tf.Tensor2D;
      return { sum, rowSums: tf.sum(sum, 1, true) as tf.Tensor2D };
    });
  if (tf.getBackend() !== "wasm" || dy.dtype !== "float32") return withOps();
  // dy itself, or a copy made on the backend (one vectorised pass): written in place, ours alone.
  const sum = owns ? dy : (tf.add(dy, 0) as tf.Tensor2D);
  const kernels = wasmKernels();
  if (kernels !== null && n % 4 === 0) {
    // The vectorised kernels (internal/simd): 4 × 4 block pairs in L1-sized tiles (1.0 ms for
    // 1024², 12.6 ms for 4096², against 2.4 and 34 ms for the JS tiles below), then the row sums.
    kernels.symmetrize(heapOffset(sum), n);
    const rowSums = heapTensor([n, 1]) as tf.Tensor2D;
    kernels.rowSums(heapOffset(sum), n, n, heapOffset(rowSums));
    return { sum, rowSums };
  }
  const v = heapView(sum);
  if (v === null) {
    if (!owns) sum.dispose();
    return withOps();
  }
  const rows = new Float64Array(n);
  for (let i0 = 0; i0 < n; i0 += TRANSPOSE_TILE) {
    const i1 = Math.min(n, i0 + TRANSPOSE_TILE);
    for (let j0 = i0; j0 < n; j0 += TRANSPOSE_TILE) {
      const j1 = Math.min(n, j0 + TRANSPOSE_TILE);
      for (let i = i0; i < i1; i++) {
        const row = i * n;
        let acc = 0;
        for (let j = j0 === i0 ? i : j0; j < j1; j++) {
          // One float32 sum per pair, written to both halves (the diagonal doubles).
          const s = Math.fround((v[row + j] as number) + (v[j * n + i] as number));
          v[row + j] = s;
          v[j * n + i] = s;
          acc += s;
          if (j !== i) rows[j] = (rows[j] as number) + s;
        }
        rows[i] = (rows[i] as number) + acc;
      }
    }
  }
  return { sum, rowSums: tf.tensor2d(Float32Array.from(rows), [n, 1]) };
}

/**
 * wasm's GatherV2 costs ~30 ns per gathered element (3.4 ms for 1024 rows of 128, measured),
 * while reading a tensor back costs ~1 ns per element. So when the source holds at most this
 * many times the gathered elements, the rows are read back and picked in JS.
 */
const JS_GATHER_MAX_SOURCE_RATIO = 8;

function gatherValue(src: tf.Tensor2D, indices: Int32Array | number[] | tf.Tensor1D, idx: tf.Tensor): tf.Tensor {
  const [rows, width] = src.shape;
  const k = idx.size;
  if (src.size > JS_GATHER_MAX_SOURCE_RATIO * k * width) return tf.gather(src, idx);
  const at = indices instanceof tf.Tensor ? idx.dataSync() : indices;
  const values = peekValues(src);
  const out = new Float32Array(k * width);
  for (let i = 0; i < k; i++) {
    const r = at[i] as number;
    if (!(r >= 0 && r < rows)) throw new RangeError(`gatherRows: index ${r} at [${i}] is outside [0, ${rows})`);
    for (let c = 0; c < width; c++) out[i * width + c] = values[r * width + c] as number;
  }
  return tf.tensor2d(out, [k, width]);
}

/**
 * Rows `x[indices[k]]` of a rank-2 tensor, differentiable on every backend (duplicate indices
 * accumulate their gradients, as `torch.index_select` does).
 */
export function gatherRows(x: tf.Tensor2D, indices: Int32Array | number[] | tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => {
    const idx = indices instanceof tf.Tensor ? tf.cast(indices, "int32") : tf.tensor1d(Array.from(indices), "int32");
    const f = tf.customGrad(((src: tf.Tensor, save: tf.GradSaveFunc) => {
      save([idx]);
      return {
        value: gatherValue(src as tf.Tensor2D, indices, idx),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
          tf.scatterND(tf.expandDims(saved[0] as tf.Tensor, 1), dy, src.shape),
      };
    }) as unknown as CustomFn);
    return f(x) as tf.Tensor2D;
  });
}
