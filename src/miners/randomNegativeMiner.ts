import { LpDistance } from "../distances/LpDistance";
import type { TensorInput } from "../internal/validate";
import { DEFAULT_ZONE_MARGIN, finishTriplets, IndexList, isNegative, isPositive, prepareMining, seedOption, type MinedTriplets, type MinerOptions } from "./mining";
import { createRng } from "./random";

/** Options of {@link randomNegativeMiner}. */
export interface RandomNegativeMinerOptions extends MinerOptions {
  /** Seed of the draws (default 0). */
  seed?: number;
}

const FN = "randomNegativeMiner";

/**
 * The naive baseline: for every (anchor, positive) pair, one negative drawn uniformly at random
 * from the anchor's negatives, ignoring distances. Most such negatives are already far away
 * (easy), so the loss is mostly zero and training stalls — the reason hard-negative mining exists.
 * Compare its `stats` and `explain()` zones with {@link batchHardMiner}'s.
 *
 * The distance is used only for the statistics and `explain`, never for the choice.
 *
 * @see the "random triplets" baseline of Schroff et al. 2015 and Hermans et al. 2017; PML's
 *   equivalent is `get_random_triplet_indices(labels, t_per_anchor=1)` per positive. Draws come
 *   from a seeded generator (mulberry32).
 * @example
 * randomNegativeMiner([[0], [0.1], [1], [2]], [0, 0, 1, 1], { seed: 3 }).anchors.length;
 * // => 4
 */
export function randomNegativeMiner(embeddings: TensorInput, labels: TensorInput | ArrayLike<number>, options?: RandomNegativeMinerOptions): MinedTriplets {
  const { ctx, opts } = prepareMining(FN, embeddings, labels, options, ["seed"], () => new LpDistance());
  const rng = createRng(seedOption(FN, opts.seed));
  const { nR, nQ } = ctx;
  const a = new IndexList();
  const p = new IndexList();
  const n = new IndexList();
  const negs = new Int32Array(nR);
  for (let i = 0; i < nQ; i++) {
    let nNeg = 0;
    for (let j = 0; j < nR; j++) if (isNegative(ctx, i, j)) negs[nNeg++] = j;
    if (nNeg === 0) continue;
    for (let j = 0; j < nR; j++) {
      if (!isPositive(ctx, i, j)) continue;
      a.push(i);
      p.push(j);
      n.push(negs[rng.int(nNeg)] as number);
    }
  }
  return finishTriplets(ctx, FN, a.toArray(), p.toArray(), n.toArray(), DEFAULT_ZONE_MARGIN);
}
