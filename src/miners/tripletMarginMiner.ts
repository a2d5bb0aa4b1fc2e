import { LpDistance } from "../distances/LpDistance";
import { enumOption, numberOption, type TensorInput } from "../internal/validate";
import { selectOne } from "./batchEasyHardMiner";
import { finishTriplets, IndexList, isNegative, isPositive, prepareMining, type MinedTriplets, type MinerOptions, type MiningContext } from "./mining";

/** Which triplets {@link tripletMarginMiner} keeps. */
export type TripletType = "all" | "hard" | "semihard" | "easy";
/** Which meaning of "semi-hard" `type: "semihard"` uses (see {@link tripletMarginMiner}). */
export type SemihardVariant = "pml" | "facenet" | "tfSimilarity";

/** Options of {@link tripletMarginMiner}. */
export interface TripletMarginMinerOptions extends MinerOptions {
  /** The margin (default 0.2, as PML's TripletMarginMiner; PML's TripletMarginLoss uses 0.05). */
  margin?: number;
  /** "all" (default): every triplet violating the margin; "hard", "semihard", "easy": see below. */
  type?: TripletType;
  /** With `type: "semihard"`: "pml" (default), "facenet" (TF Addons) or "tfSimilarity". */
  semihardVariant?: SemihardVariant;
}

const FN = "tripletMarginMiner";
/** PML's TripletMarginMiner default margin. */
const DEFAULT_MARGIN = 0.2;

/**
 * Triplets selected by how much closer the positive is than the negative. With
 * gap = d(a,n) − d(a,p) for a distance (s(a,p) − s(a,n) for a similarity), over all valid triplets:
 *
 * - "all":      gap ≤ margin        (every triplet with a non-zero triplet loss)
 * - "hard":     gap ≤ 0             (the negative is at least as close as the positive)
 * - "semihard": 0 < gap ≤ margin    (right order, but inside the margin)
 * - "easy":     gap > margin        (nothing to learn)
 *
 * **Three meanings of "semi-hard"** are in circulation; `semihardVariant` picks one:
 *
 * | variant | source | which negatives | per |
 * |---|---|---|---|
 * | "pml" (default) | pytorch-metric-learning TripletMarginMiner | every n with 0 < d(a,n) − d(a,p) ≤ margin | every (a, p, n) |
 * | "facenet" | FaceNet (Schroff et al. 2015) as implemented by TF Addons `triplet_semihard_loss` | the closest n with d(a,n) > d(a,p); if none, the farthest negative (fallback) | one per (a, p) |
 * | "tfSimilarity" | TF Similarity `negative_mining_strategy="semi-hard"` | the closest n farther than the anchor's *hardest* (farthest) positive; if none, the farthest negative | one per anchor, with its hardest positive |
 *
 * FaceNet's paper also asks d(a,n) < d(a,p) + margin; TF Addons drops that bound (the loss is zero
 * there anyway), and so do both non-PML variants here: they ignore `margin`. Fallback triplets are
 * counted in `stats.fallbacks`. Anchors without a negative get no triplet in any variant.
 *
 * @see pytorch-metric-learning 2.8 `miners.TripletMarginMiner(margin=0.2, type_of_triplets="all")` —
 *   same triplets in the same order (a, then p, then n). TF Addons
 *   `losses.triplet_semihard_loss` and TF Similarity `losses.TripletLoss` for the variants.
 * @example
 * // 1-D, labels 0 0 1: (0,1,2) has gap |0−1| − |0−0.1| = 0.9 > 0.2 → easy; (1,0,2) gap 0.9 − 0.1 = 0.8 → easy.
 * tripletMarginMiner([[0], [0.1], [1]], [0, 0, 1], { type: "easy", distance: new LpDistance({ normalizeEmbeddings: false }) }).anchors.length;
 * // => 2
 */
export function tripletMarginMiner(embeddings: TensorInput, labels: TensorInput | ArrayLike<number>, options?: TripletMarginMinerOptions): MinedTriplets {
  const { ctx, opts } = prepareMining(FN, embeddings, labels, options, ["margin", "type", "semihardVariant"], () => new LpDistance());
  const margin = numberOption(FN, "margin", opts.margin, DEFAULT_MARGIN);
  const type = enumOption<TripletType>(FN, "type", opts.type, ["all", "hard", "semihard", "easy"], "all");
  const variant = enumOption<SemihardVariant>(FN, "semihardVariant", opts.semihardVariant, ["pml", "facenet", "tfSimilarity"], "pml");
  if (type === "semihard" && variant !== "pml") return fallbackSemihard(ctx, variant, margin);

  const { mat, nR, nQ, distance } = ctx;
  const keep = (gap: number): boolean => {
    if (type === "easy") return gap > margin;
    if (gap > margin) return false;
    if (type === "hard") return gap <= 0;
    if (type === "semihard") return gap > 0;
    return true;
  };
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
      const dp = mat[i * nR + j] as number;
      for (let t = 0; t < nNeg; t++) {
        const k = negs[t] as number;
        if (keep(distance.margin(dp, mat[i * nR + k] as number))) (a.push(i), p.push(j), n.push(k));
      }
    }
  }
  return finishTriplets(ctx, FN, a.toArray(), p.toArray(), n.toArray(), margin);
}

/**
 * The FaceNet / TF Addons and TF Similarity semi-hard negatives, with their fallback. Each
 * anchor's negatives are sorted once from closest to farthest (ties by index), so the closest
 * negative farther than a positive is a binary search: O(R log R) per anchor, not O(P·R).
 */
function fallbackSemihard(ctx: MiningContext, variant: "facenet" | "tfSimilarity", margin: number): MinedTriplets {
  const { mat, nR, nQ, distance } = ctx;
  const a = new IndexList();
  const p = new IndexList();
  const n = new IndexList();
  let fallbacks = 0;
  for (let i = 0; i < nQ; i++) {
    if (ctx.negCount[i] === 0 || ctx.posCount[i] === 0) continue;
    const row = i * nR;
    const negs: number[] = [];
    for (let j = 0; j < nR; j++) if (isNegative(ctx, i, j)) negs.push(j);
    negs.sort((x, y) => -distance.margin(mat[row + x] as number, mat[row + y] as number) || x - y);
    // The farthest negative (first index among equals), the fallback.
    const last = mat[row + (negs[negs.length - 1] as number)] as number;
    let farthest = negs.length - 1;
    while (farthest > 0 && !ctx.closer(mat[row + (negs[farthest - 1] as number)] as number, last)) farthest--;
    const fallback = negs[farthest] as number;
    const pickNegative = (pv: number): number => {
      // First position whose value is strictly farther than pv.
      let lo = 0;
      let hi = negs.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ctx.closer(pv, mat[row + (negs[mid] as number)] as number)) hi = mid;
        else lo = mid + 1;
      }
      if (lo < negs.length) return negs[lo] as number;
      fallbacks++;
      return fallback;
    };
    if (variant === "tfSimilarity") {
      const hardest = selectOne(ctx, i, { farthest: true }, (j) => isPositive(ctx, i, j));
      a.push(i);
      p.push(hardest);
      n.push(pickNegative(mat[row + hardest] as number));
      continue;
    }
    for (let j = 0; j < nR; j++) {
      if (!isPositive(ctx, i, j)) continue;
      a.push(i);
      p.push(j);
      n.push(pickNegative(mat[row + j] as number));
    }
  }
  return finishTriplets(ctx, FN, a.toArray(), p.toArray(), n.toArray(), margin, fallbacks);
}
