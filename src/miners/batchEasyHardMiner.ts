import { LpDistance } from "../distances/LpDistance";
import { argError, describeValue, enumOption } from "../internal/validate";
import type { TensorInput } from "../internal/validate";
import {
  DEFAULT_ZONE_MARGIN,
  finishPairs,
  IndexList,
  isNegative,
  isPositive,
  prepareMining,
  type MinedPairs,
  type MinerOptions,
  type MiningContext,
} from "./mining";

/** How a batch miner picks one positive or one negative per anchor. */
export type BatchStrategy = "easy" | "semihard" | "hard" | "all";

/** Options of {@link batchEasyHardMiner}. */
export interface BatchEasyHardMinerOptions extends MinerOptions {
  /** Which positive per anchor (default "easy": the closest). */
  posStrategy?: BatchStrategy;
  /** Which negative per anchor (default "semihard": the closest one farther than the positive). */
  negStrategy?: BatchStrategy;
  /** Only positives whose raw distance (or similarity) value lies in [lo, hi]. */
  allowedPosRange?: readonly [number, number];
  /** Only negatives whose raw value lies in [lo, hi]. */
  allowedNegRange?: readonly [number, number];
}

const FN = "batchEasyHardMiner";
const STRATEGIES: readonly BatchStrategy[] = ["easy", "semihard", "hard", "all"];

/** Strategy and range for one side, as {@link selectOne} takes them. */
export interface SideRule {
  /** true: pick the farthest candidate; false: the closest. */
  farthest: boolean;
  range?: readonly [number, number];
}

/**
 * Picks, for anchor i, one reference row among those `accept` lets through: the closest or the
 * farthest (first index on ties, as torch.min/max). Returns −1 when there is none.
 */
export function selectOne(ctx: MiningContext, i: number, rule: SideRule, accept: (j: number, v: number) => boolean): number {
  const { mat, nR } = ctx;
  let best = -1;
  let bestValue = 0;
  for (let j = 0; j < nR; j++) {
    const v = mat[i * nR + j] as number;
    if (rule.range && (v < rule.range[0] || v > rule.range[1])) continue;
    if (!accept(j, v)) continue;
    if (best < 0 || (rule.farthest ? ctx.closer(bestValue, v) : ctx.closer(v, bestValue))) {
      best = j;
      bestValue = v;
    }
  }
  return best;
}

function rangeOption(value: unknown, name: string): readonly [number, number] | undefined {
  if (value === undefined || value === null) return undefined;
  const ok = Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === "number" && !Number.isNaN(v)) && value[0] <= value[1];
  if (!ok) throw argError(FN, name, "[lo, hi] with lo <= hi", describeValue(value), Array.isArray(value) ? "range" : "type");
  return value as unknown as readonly [number, number];
}

/** The per-anchor selection shared by {@link batchEasyHardMiner} and `batchHardMiner`. */
export function mineEasyHard(
  ctx: MiningContext,
  pos: BatchStrategy,
  neg: BatchStrategy,
  posRange?: readonly [number, number],
  negRange?: readonly [number, number],
): { a1: IndexList; p: IndexList; a2: IndexList; n: IndexList } {
  const { mat, nR, nQ } = ctx;
  // Hard and semi-hard positives are the farthest; hard and semi-hard negatives the closest.
  const posRule: SideRule = { farthest: pos !== "easy", range: posRange };
  const negRule: SideRule = { farthest: neg === "easy", range: negRange };
  const a1 = new IndexList();
  const p = new IndexList();
  const a2 = new IndexList();
  const n = new IndexList();
  for (let i = 0; i < nQ; i++) {
    let pi = -1;
    let ni = -1;
    if (pos === "semihard") {
      // Negative first, then the farthest positive still strictly closer than it.
      ni = selectOne(ctx, i, negRule, (j) => isNegative(ctx, i, j));
      if (ni >= 0) {
        const nv = mat[i * nR + ni] as number;
        pi = selectOne(ctx, i, posRule, (j, v) => isPositive(ctx, i, j) && ctx.closer(v, nv));
      }
    } else if (neg === "semihard") {
      // Positive first, then the closest negative strictly farther than it.
      pi = selectOne(ctx, i, posRule, (j) => isPositive(ctx, i, j));
      if (pi >= 0) {
        const pv = mat[i * nR + pi] as number;
        ni = selectOne(ctx, i, negRule, (j, v) => isNegative(ctx, i, j) && ctx.closer(pv, v));
      }
    } else {
      if (pos !== "all") pi = selectOne(ctx, i, posRule, (j) => isPositive(ctx, i, j));
      if (neg !== "all") ni = selectOne(ctx, i, negRule, (j) => isNegative(ctx, i, j));
    }
    if (pos !== "all" && neg !== "all") {
      if (pi >= 0 && ni >= 0) (a1.push(i), p.push(pi), a2.push(i), n.push(ni));
      continue;
    }
    // "all" on a side lists every pair of that side (no range applies, as PML).
    if (pos === "all") {
      for (let j = 0; j < nR; j++) if (isPositive(ctx, i, j)) (a1.push(i), p.push(j));
    } else if (pi >= 0) (a1.push(i), p.push(pi));
    if (neg === "all") {
      for (let j = 0; j < nR; j++) if (isNegative(ctx, i, j)) (a2.push(i), n.push(j));
    } else if (ni >= 0) (a2.push(i), n.push(ni));
  }
  return { a1, p, a2, n };
}

/**
 * One positive and one negative per anchor, each chosen by a strategy (Xuan et al. 2020,
 * "Improved embeddings with easy positive triplet mining"):
 *
 * - positive: "easy" = the closest positive, "hard" = the farthest, "semihard" = the farthest
 *   positive that is still strictly closer than the chosen negative, "all" = every positive;
 * - negative: "hard" = the closest negative, "easy" = the farthest, "semihard" = the closest
 *   negative strictly farther than the chosen positive, "all" = every negative.
 *
 * `allowedPosRange` / `allowedNegRange` keep only candidates whose raw matrix value lies in
 * [lo, hi] (distance units, or similarity units for a similarity). An anchor is kept only when
 * both of its picks exist. With a similarity, "closest" means most similar: no strategy changes.
 *
 * Output: positive pairs (a, p*) and negative pairs (a, n*), or every pair on an "all" side.
 *
 * @throws RangeError for an unknown strategy, both "semihard", or "semihard" with "all" (as PML).
 * @see pytorch-metric-learning 2.8 `miners.BatchEasyHardMiner(pos_strategy="easy",
 *   neg_strategy="semihard", allowed_pos_range=None, allowed_neg_range=None)` — same picks.
 *   Ties take the first index (torch.min/max). Where PML takes the maximum of `mat * mask`, a row
 *   whose valid values are all ≤ 0 (possible for similarities) can make PML return a masked-out
 *   index; here the pick is always a valid candidate.
 * @example
 * // 1-D points, labels 0 0 1 1: anchor 0 at 0 gets its closest positive (0.1), then the closest
 * // negative farther than that (1.0).
 * const t = batchEasyHardMiner([[0], [0.1], [1], [1.2]], [0, 0, 1, 1], { distance: new LpDistance({ normalizeEmbeddings: false }) });
 * [t.p[0], t.n[0]]; // => [1, 2]
 */
export function batchEasyHardMiner(embeddings: TensorInput, labels: TensorInput | ArrayLike<number>, options?: BatchEasyHardMinerOptions): MinedPairs {
  const { ctx, opts } = prepareMining(FN, embeddings, labels, options, ["posStrategy", "negStrategy", "allowedPosRange", "allowedNegRange"], () => new LpDistance());
  const pos = enumOption(FN, "posStrategy", opts.posStrategy, STRATEGIES, "easy");
  const neg = enumOption(FN, "negStrategy", opts.negStrategy, STRATEGIES, "semihard");
  if (pos === "semihard" && neg === "semihard") {
    throw argError(FN, "negStrategy", 'not "semihard" when posStrategy is "semihard" (one side must be fixed first)', '"semihard"');
  }
  if ((pos === "semihard" && neg === "all") || (pos === "all" && neg === "semihard")) {
    throw argError(FN, pos === "all" ? "negStrategy" : "posStrategy", 'not "semihard" when the other strategy is "all"', '"semihard"');
  }
  const posRange = rangeOption(opts.allowedPosRange, "allowedPosRange");
  const negRange = rangeOption(opts.allowedNegRange, "allowedNegRange");
  const r = mineEasyHard(ctx, pos, neg, posRange, negRange);
  return finishPairs(ctx, FN, r.a1.toArray(), r.p.toArray(), r.a2.toArray(), r.n.toArray(), DEFAULT_ZONE_MARGIN);
}
