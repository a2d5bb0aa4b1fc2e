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

type CustomFn = Parameters<typeof tf.customGrad>[0];

const matMulPlain = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy as tf.Tensor2D)];
    },
  };
}) as unknown as CustomFn);

const matMulBTOp = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, tf.transpose(b as tf.Tensor2D)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, sb), dyTransposedTimes(dy as tf.Tensor2D, sa)];
    },
  };
}) as unknown as CustomFn);

/**
 * dyᵀ · a for dy [N, M] and a [N, D] (no gradient), transposing whichever side is smaller: wasm's Transpose
 * of an N × M matrix costs far more than the product itself (18 ms at 1024², 0.5 s at 4096²,
 * measured), so for a large dy the product is taken as (aᵀ · dy)ᵀ, which transposes only
 * [N, D] and [D, M].
 */
export function dyTransposedTimes(dy: tf.Tensor2D, a: tf.Tensor2D): tf.Tensor2D {
  const [n, m] = dy.shape;
  const d = a.shape[1];
  if (n * m <= (n + m) * d) return tf.matMul(tf.transpose(dy), a) as tf.Tensor2D;
  return tf.transpose(tf.matMul(tf.transpose(a), dy)) as tf.Tensor2D;
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
 * `a · bᵀ` for [N, D] and [M, D] → [N, M] (a Gram or similarity matrix), forward and backward
 * without transpose flags. Passing the same tensor twice is fine: both gradients add up.
 */
export function matMulBT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return matMulBTOp(a, b) as tf.Tensor2D;
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
        value: tf.gather(src, idx),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
          tf.scatterND(tf.expandDims(saved[0] as tf.Tensor, 1), dy, src.shape),
      };
    }) as unknown as CustomFn);
    return f(x) as tf.Tensor2D;
  });
}
