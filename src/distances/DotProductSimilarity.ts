import * as tf from "@tensorflow/tfjs";
import { matMulBT } from "../internal/linalg";
import { booleanOption, checkOptions } from "../internal/validate";
import type { Distance } from "./distance";
import { normalizeRows } from "./normalize";

/** Options of {@link DotProductSimilarity}. */
export interface DotProductSimilarityOptions {
  /** L2-normalise each row before the dot product (default true, as PML — which makes it cosine). */
  normalizeEmbeddings?: boolean;
}

const FN = "DotProductSimilarity";

/**
 * The dot product between embeddings: `matrix(Q, R) = Q' · R'ᵀ`, where Q', R' are L2-normalised
 * rows when `normalizeEmbeddings` (the default). `isInverted` is true: larger means closer.
 *
 * Note PML's default, kept here: `DotProductSimilarity()` normalises, so it equals
 * {@link CosineSimilarityDistance}; pass `{ normalizeEmbeddings: false }` for the raw dot product.
 *
 * @see pytorch-metric-learning `distances.DotProductSimilarity`
 *   (https://kevinmusgrave.github.io/pytorch-metric-learning/distances/#dotproductsimilarity) — mirrored.
 * @example
 * new DotProductSimilarity({ normalizeEmbeddings: false }).matrix(tf.tensor2d([[1, 2], [3, 4]])).arraySync();
 * // => [[5, 11], [11, 25]]
 */
export class DotProductSimilarity implements Distance {
  readonly name: string;
  readonly isInverted = true;
  readonly normalizeEmbeddings: boolean;

  constructor(options?: DotProductSimilarityOptions) {
    const o = checkOptions(FN, options, ["normalizeEmbeddings"]);
    this.normalizeEmbeddings = booleanOption(FN, "normalizeEmbeddings", o.normalizeEmbeddings, true);
    this.name = `DotProductSimilarity(${this.normalizeEmbeddings ? "normalized" : "unnormalized"})`;
  }

  protected prepare(x: tf.Tensor2D): tf.Tensor2D {
    return this.normalizeEmbeddings ? (normalizeRows(x, 2) as tf.Tensor2D) : x;
  }

  matrix(query: tf.Tensor2D, ref?: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const q = this.prepare(query);
      return matMulBT(q, ref === undefined ? q : this.prepare(ref));
    });
  }

  pairs(query: tf.Tensor2D, ref: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => tf.sum(tf.mul(this.prepare(query), this.prepare(ref)), 1) as tf.Tensor1D);
  }

  margin(x: number, y: number): number {
    return x - y;
  }

  marginTensor(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
    return tf.sub(x, y);
  }
}
