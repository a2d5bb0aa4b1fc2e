import { LpDistance } from "../distances/LpDistance";
import type { TensorInput } from "../internal/validate";
import { mineEasyHard } from "./batchEasyHardMiner";
import { DEFAULT_ZONE_MARGIN, finishTriplets, prepareMining, type MinedTriplets, type MinerOptions } from "./mining";

/** Options of {@link batchHardMiner}: only the shared ones. */
export type BatchHardMinerOptions = MinerOptions;

const FN = "batchHardMiner";

/**
 * For every anchor, the hardest triplet of the batch (Hermans et al. 2017, "In Defense of the
 * Triplet Loss"): its farthest positive and its closest negative,
 *
 *     (i, argmax_{j ∈ P_i} d(i, j), argmin_{j ∈ N_i} d(i, j))
 *
 * one triplet per anchor that has both a positive and a negative. With a similarity, the
 * farthest positive is the least similar and the closest negative the most similar.
 *
 * @see pytorch-metric-learning 2.8 `miners.BatchHardMiner()` (a BatchEasyHardMiner with both
 *   strategies "hard") — same triplets; ties take the first index (torch.max/min).
 * @example
 * // 1-D points 0, 0.1, 0.3 (label 0) and 0.5, 2 (label 1), plain Euclidean distance:
 * // anchor 0's farthest positive is row 2 (0.3), its closest negative row 3 (0.5).
 * const t = batchHardMiner([[0], [0.1], [0.3], [0.5], [2]], [0, 0, 0, 1, 1], { distance: new LpDistance({ normalizeEmbeddings: false }) });
 * [t.anchors[0], t.positives[0], t.negatives[0]]; // => [0, 2, 3]
 */
export function batchHardMiner(embeddings: TensorInput, labels: TensorInput | ArrayLike<number>, options?: BatchHardMinerOptions): MinedTriplets {
  const { ctx } = prepareMining(FN, embeddings, labels, options, [], () => new LpDistance());
  const r = mineEasyHard(ctx, "hard", "hard");
  return finishTriplets(ctx, FN, r.a1.toArray(), r.p.toArray(), r.n.toArray(), DEFAULT_ZONE_MARGIN);
}
