import { CosineSimilarityDistance } from "../distances/CosineSimilarityDistance";
import { numberOption, type TensorInput } from "../internal/validate";
import { selectOne } from "./batchEasyHardMiner";
import { DEFAULT_ZONE_MARGIN, finishPairs, IndexList, isNegative, isPositive, prepareMining, type MinedPairs, type MinerOptions } from "./mining";

/** Options of {@link multiSimilarityMiner}. */
export interface MultiSimilarityMinerOptions extends MinerOptions {
  /** Slack ε of both rules (default 0.1, as PML). */
  epsilon?: number;
}

const FN = "multiSimilarityMiner";
/** PML's MultiSimilarityMiner default ε. */
const DEFAULT_EPSILON = 0.1;

/**
 * The pair mining step of the Multi-Similarity loss (Wang et al. 2019): for anchor i, with
 * S = cosine similarity by default,
 *
 * - keep positive pair (i, j) when S[i,j] − ε < max_{k ∈ N_i} S[i,k] (the positive is not clearly
 *   more similar than the hardest negative);
 * - keep negative pair (i, j) when S[i,j] + ε > min_{k ∈ P_i} S[i,k] (the negative is not clearly
 *   less similar than the hardest positive).
 *
 * An anchor without negatives keeps no positive and vice versa; a batch without any positive or
 * any negative pair yields nothing. With a distance every inequality flips (d + ε > min negative
 * distance, d − ε < max positive distance).
 *
 * @see pytorch-metric-learning 2.8 `miners.MultiSimilarityMiner(epsilon=0.1)` (default distance
 *   CosineSimilarity) — same pairs. Order differs: row-major here, PML lists each row's pairs in
 *   sorted-value order (compare after sorting).
 * @example
 * // Unit vectors at 0°, 10° (label 0) and 30° (label 1): the positive pair is 0.985 similar,
 * // the hardest negative of anchor 0 only 0.866, so 0.985 − 0.1 < 0.866 is false: nothing from anchor 0's positive.
 * multiSimilarityMiner([[1, 0], [0.985, 0.174], [0.866, 0.5]], [0, 0, 1]).a1.length;
 * // => 1
 */
export function multiSimilarityMiner(embeddings: TensorInput, labels: TensorInput | ArrayLike<number>, options?: MultiSimilarityMinerOptions): MinedPairs {
  const { ctx, opts } = prepareMining(FN, embeddings, labels, options, ["epsilon"], () => new CosineSimilarityDistance());
  const eps = numberOption(FN, "epsilon", opts.epsilon, DEFAULT_EPSILON);
  const { mat, nR, nQ, distance } = ctx;
  const a1 = new IndexList();
  const p = new IndexList();
  const a2 = new IndexList();
  const n = new IndexList();
  let anyPos = false;
  let anyNeg = false;
  for (let i = 0; i < nQ; i++) (anyPos ||= ctx.posCount[i]! > 0), (anyNeg ||= ctx.negCount[i]! > 0);
  if (anyPos && anyNeg) {
    for (let i = 0; i < nQ; i++) {
      const row = i * nR;
      const hardNeg = selectOne(ctx, i, { farthest: false }, (j) => isNegative(ctx, i, j));
      const hardPos = selectOne(ctx, i, { farthest: true }, (j) => isPositive(ctx, i, j));
      if (hardNeg >= 0) {
        const nv = mat[row + hardNeg] as number;
        for (let j = 0; j < nR; j++) {
          if (isPositive(ctx, i, j) && distance.margin(nv, mat[row + j] as number) > -eps) (a1.push(i), p.push(j));
        }
      }
      if (hardPos >= 0) {
        const pv = mat[row + hardPos] as number;
        for (let j = 0; j < nR; j++) {
          if (isNegative(ctx, i, j) && distance.margin(mat[row + j] as number, pv) > -eps) (a2.push(i), n.push(j));
        }
      }
    }
  }
  return finishPairs(ctx, FN, a1.toArray(), p.toArray(), a2.toArray(), n.toArray(), DEFAULT_ZONE_MARGIN);
}
