import { checkOptions } from "../internal/validate";
import { DotProductSimilarity } from "./DotProductSimilarity";

const FN = "CosineSimilarityDistance";

/**
 * Cosine similarity as a distance object: `matrix(Q, R)[i, j] = q_i·r_j / (‖q_i‖ ‖r_j‖)`
 * (each norm clamped at 1e-12, as `F.normalize`). `isInverted` is true: larger means closer.
 * It is the default distance of PML's NTXentLoss, SupConLoss, MultiSimilarityLoss, CircleLoss
 * and MultiSimilarityMiner.
 *
 * Named `CosineSimilarityDistance` because `cosineSimilarity(x1, x2)` is the row-wise function
 * mirroring `F.cosine_similarity`. It takes no options (PML's asserts normalisation).
 *
 * @see pytorch-metric-learning `distances.CosineSimilarity()`
 *   (https://kevinmusgrave.github.io/pytorch-metric-learning/distances/#cosinesimilarity) — mirrored.
 * @example
 * new CosineSimilarityDistance().matrix(tf.tensor2d([[1, 0], [1, 1]])).arraySync();
 * // => [[1, 0.70710677], [0.70710677, 1]]
 */
export class CosineSimilarityDistance extends DotProductSimilarity {
  override readonly name = "CosineSimilarity";

  constructor(options?: Record<string, never>) {
    checkOptions(FN, options, []);
    super({ normalizeEmbeddings: true });
  }
}
