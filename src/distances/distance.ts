import type * as tf from "@tensorflow/tfjs";

/**
 * A way of measuring closeness between embeddings, after pytorch-metric-learning's BaseDistance.
 * A distance knows whether it is a similarity (`isInverted`: larger means closer), so loss and
 * miner code never branch on the metric: they ask the distance object instead.
 *
 * Methods take already-validated float32 rank-2 tensors and are differentiable.
 */
export interface Distance {
  /** A short name for tables and errors, e.g. "LpDistance(p=2, normalized)". */
  readonly name: string;
  /** `true` for similarities (cosine, dot product): larger means closer. */
  readonly isInverted: boolean;
  /** Whether embeddings are L2-normalised before measuring. */
  readonly normalizeEmbeddings: boolean;
  /** The full query × reference matrix [Q, R]; `ref` defaults to `query` (the same tensor). */
  matrix(query: tf.Tensor2D, ref?: tf.Tensor2D): tf.Tensor2D;
  /**
   * Optional: the values of `matrix(query, ref)` as a row-major array, bit for bit, for code that
   * only reads them (miners). A distance offers it when it can produce them faster than
   * `matrix(...).dataSync()`.
   */
  matrixValues?(query: tf.Tensor2D, ref?: tf.Tensor2D): Float32Array;
  /** Row-wise values [N]: `out[i] = d(query[i], ref[i])`. */
  pairs(query: tf.Tensor2D, ref: tf.Tensor2D): tf.Tensor1D;
  /**
   * How much closer `x` is than `y` in this metric's sense: `y − x` for a distance, `x − y` for a
   * similarity. Positive means x is the closer one. This is the **negative** of PML's
   * `BaseDistance.margin(x, y)` (`x − y` for a distance), chosen so that the sign reads the same
   * for every metric; a triplet's violation is `margin − distance.margin(ap, an)` either way.
   */
  margin(x: number, y: number): number;
  /** The same as {@link margin}, elementwise on tensors. */
  marginTensor(x: tf.Tensor, y: tf.Tensor): tf.Tensor;
}
