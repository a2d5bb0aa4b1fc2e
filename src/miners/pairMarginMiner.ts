import { LpDistance } from "../distances/LpDistance";
import { numberOption, type TensorInput } from "../internal/validate";
import { DEFAULT_ZONE_MARGIN, finishPairs, IndexList, isNegative, isPositive, prepareMining, type MinedPairs, type MinerOptions } from "./mining";

/** Options of {@link pairMarginMiner}. */
export interface PairMarginMinerOptions extends MinerOptions {
  /** Positive pairs farther than this are kept (default 0.2, as PML). */
  posMargin?: number;
  /** Negative pairs closer than this are kept (default 0.8, as PML). */
  negMargin?: number;
}

const FN = "pairMarginMiner";
/** PML's PairMarginMiner defaults. */
const DEFAULT_POS_MARGIN = 0.2;
const DEFAULT_NEG_MARGIN = 0.8;

/**
 * The pairs a contrastive loss with these margins would still push on: positive pairs that are
 * farther apart than `posMargin` and negative pairs that are closer than `negMargin`
 * (d > posMargin and d < negMargin for a distance; s < posMargin and s > negMargin for a similarity).
 *
 * @see pytorch-metric-learning 2.8 `miners.PairMarginMiner(pos_margin=0.2, neg_margin=0.8)` — same
 *   pairs in the same (row-major) order.
 * @example
 * // 1-D, labels 0 0 1: the positive pair at distance 0.5 (> 0.2) and the negative pairs closer than 0.8.
 * const t = pairMarginMiner([[0], [0.5], [1]], [0, 0, 1], { distance: new LpDistance({ normalizeEmbeddings: false }) });
 * [Array.from(t.a1), Array.from(t.p), Array.from(t.a2), Array.from(t.n)]; // => [[0, 1], [1, 0], [1, 2], [2, 1]]
 */
export function pairMarginMiner(embeddings: TensorInput, labels: TensorInput | ArrayLike<number>, options?: PairMarginMinerOptions): MinedPairs {
  const { ctx, opts } = prepareMining(FN, embeddings, labels, options, ["posMargin", "negMargin"], () => new LpDistance());
  const posMargin = numberOption(FN, "posMargin", opts.posMargin, DEFAULT_POS_MARGIN);
  const negMargin = numberOption(FN, "negMargin", opts.negMargin, DEFAULT_NEG_MARGIN);
  const { mat, nR, nQ } = ctx;
  const a1 = new IndexList();
  const p = new IndexList();
  const a2 = new IndexList();
  const n = new IndexList();
  for (let i = 0; i < nQ; i++) {
    for (let j = 0; j < nR; j++) {
      const v = mat[i * nR + j] as number;
      // The positive is farther than posMargin; the negative is closer than negMargin.
      if (isPositive(ctx, i, j) && ctx.closer(posMargin, v)) (a1.push(i), p.push(j));
      else if (isNegative(ctx, i, j) && ctx.closer(v, negMargin)) (a2.push(i), n.push(j));
    }
  }
  return finishPairs(ctx, FN, a1.toArray(), p.toArray(), a2.toArray(), n.toArray(), DEFAULT_ZONE_MARGIN);
}
