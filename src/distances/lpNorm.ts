import * as tf from "@tensorflow/tfjs";

/**
 * The p-norm of `x` along `axis`, with PyTorch's gradient: ∂‖x‖/∂x = sign(x)·|x|^(p−1) / ‖x‖^(p−1),
 * and **0 where the norm is 0** (tf.sqrt alone would give NaN there — identical embeddings,
 * the diagonal of a distance matrix).
 *
 * Internal building block of {@link pairwiseDistance}, {@link normalize} and the distance objects.
 * `x` must be float32; no validation here.
 */
export function lpNorm(x: tf.Tensor, p: number, axis = -1, keepDims = false): tf.Tensor {
  const ax = axis < 0 ? x.rank + axis : axis;
  const norm = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
    const n = tf.tidy(() => {
      if (p === 2) return tf.sqrt(tf.sum(tf.square(input), ax, true));
      if (p === 1) return tf.sum(tf.abs(input), ax, true);
      return tf.pow(tf.sum(tf.pow(tf.abs(input), p), ax, true), 1 / p);
    });
    save([input, n]);
    return {
      value: keepDims ? n.clone() : tf.squeeze(n, [ax]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ns] = saved as [tf.Tensor, tf.Tensor];
        const g = keepDims ? dy : tf.expandDims(dy, ax);
        const live = tf.cast(tf.greater(ns, 0), "float32");
        const safe = tf.add(ns, tf.sub(1, live)); // 1 where the norm is 0, so nothing divides by 0
        let dir: tf.Tensor;
        if (p === 2) dir = tf.div(xs, safe);
        else if (p === 1) dir = tf.sign(xs);
        else dir = tf.div(tf.mul(tf.sign(xs), tf.pow(tf.abs(xs), p - 1)), tf.pow(safe, p - 1));
        return tf.mul(tf.mul(g, live), dir);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return norm(x);
}
