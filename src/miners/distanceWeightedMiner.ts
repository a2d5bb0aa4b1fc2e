import { LpDistance } from "../distances/LpDistance";
import { argError, numberOption, type TensorInput } from "../internal/validate";
import { DEFAULT_ZONE_MARGIN, finishTriplets, IndexList, prepareMining, seedOption, type MinedTriplets, type MinerOptions } from "./mining";
import { createRng, weightedIndex } from "./random";

/** Options of {@link distanceWeightedMiner}. */
export interface DistanceWeightedMinerOptions extends MinerOptions {
  /** Distances below this are raised to it before weighting, to avoid high variance (default 0.5). */
  cutoff?: number;
  /** Negatives at this distance or farther get weight 0 (default 1.4). */
  nonzeroLossCutoff?: number;
  /** Seed of the sampler (default 0): same inputs and seed, same triplets. */
  seed?: number;
}

const FN = "distanceWeightedMiner";
/** Wu et al. 2017 / PML defaults. */
const DEFAULT_CUTOFF = 0.5;
const DEFAULT_NONZERO_LOSS_CUTOFF = 1.4;

/**
 * Distance-weighted sampling (Wu et al. 2017, "Sampling Matters in Deep Embedding Learning"):
 * negatives are drawn with probability proportional to the inverse of the density of distances
 * between random points on the unit sphere in D dimensions,
 *
 *     w(d) ∝ d^(2−D) · (1 − d²/4)^(−(D−3)/2),   d ← max(d, cutoff),   w = 0 when d ≥ nonzeroLossCutoff
 *
 * so every distance range is sampled about equally often instead of mostly the far (easy) ones.
 * Sampling follows PML's `get_random_triplet_indices`: labels in ascending order; every anchor of a
 * class with m members (m ≥ 2, or ≥ 1 with a separate reference set) gets m triplets, each with a
 * uniformly drawn positive (never itself) and a weighted negative; anchors whose weights are all
 * zero get none. Needs the normalised Euclidean distance (the weights assume points on the sphere).
 *
 * @throws TypeError when given a similarity or an unnormalised distance.
 * @see pytorch-metric-learning 2.8 `miners.DistanceWeightedMiner(cutoff=0.5, nonzero_loss_cutoff=1.4)`
 *   — same weights and the same sampling scheme, but draws come from a seeded generator
 *   (mulberry32), not torch's, so individual triplets differ; the distribution is the same. The
 *   weights are normalised per row in float64 (PML subtracts the global maximum of the log-weights
 *   in float32, which changes nothing but underflow).
 * @example
 * const t = distanceWeightedMiner([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], [0, 0, 1, 1], { seed: 1 });
 * t.anchors.length; // => 8
 */
export function distanceWeightedMiner(embeddings: TensorInput, labels: TensorInput | ArrayLike<number>, options?: DistanceWeightedMinerOptions): MinedTriplets {
  const { ctx, opts } = prepareMining(FN, embeddings, labels, options, ["cutoff", "nonzeroLossCutoff", "seed"], () => new LpDistance());
  const cutoff = numberOption(FN, "cutoff", opts.cutoff, DEFAULT_CUTOFF, { above: 0 });
  const nonzero = numberOption(FN, "nonzeroLossCutoff", opts.nonzeroLossCutoff, DEFAULT_NONZERO_LOSS_CUTOFF, { above: 0 });
  const rng = createRng(seedOption(FN, opts.seed));
  const { distance } = ctx;
  const lp = distance as Partial<LpDistance>;
  if (distance.isInverted || !distance.normalizeEmbeddings || (lp.p !== undefined && lp.p !== 2) || (lp.power !== undefined && lp.power !== 1)) {
    throw argError(FN, "distance", "LpDistance with p = 2, power = 1 and normalizeEmbeddings (points on the unit sphere)", distance.name, "type");
  }
  const { mat, nR, nQ, dim, y, ry, self } = ctx;

  // Weights of every (anchor, reference) pair: zero for same-label rows and beyond the cutoff.
  const weights = new Float64Array(nQ * nR);
  const logW = new Float64Array(nR);
  for (let i = 0; i < nQ; i++) {
    let max = -Infinity;
    for (let j = 0; j < nR; j++) {
      logW[j] = -Infinity;
      const raw = mat[i * nR + j] as number;
      if (ry[j] === y[i] || !(raw < nonzero)) continue;
      const d = Math.max(raw, cutoff);
      const lw = (2 - dim) * Math.log(d) - ((dim - 3) / 2) * Math.log(1 - 0.25 * d * d);
      if (!Number.isFinite(lw)) continue;
      logW[j] = lw;
      if (lw > max) max = lw;
    }
    for (let j = 0; j < nR; j++) weights[i * nR + j] = logW[j] === -Infinity ? 0 : Math.exp((logW[j] as number) - max);
  }

  const a = new IndexList();
  const p = new IndexList();
  const n = new IndexList();
  const refByLabel = new Map<number, number[]>();
  ry.forEach((label, j) => {
    const list = refByLabel.get(label);
    if (list) list.push(j);
    else refByLabel.set(label, [j]);
  });
  const labelsAsc = [...new Set(y)].sort((u, v) => u - v);
  for (const label of labelsAsc) {
    const members = refByLabel.get(label) ?? [];
    if (members.length < (self ? 2 : 1) || members.length === nR) continue;
    const k = members.length;
    for (let i = 0; i < nQ; i++) {
      if (y[i] !== label) continue;
      const others = self ? members.filter((j) => j !== i) : members;
      for (let t = 0; t < k; t++) {
        const pos = others[rng.int(others.length)] as number;
        const neg = weightedIndex(weights, i * nR, nR, rng);
        if (neg < 0) break; // all weights zero: this anchor gets no triplet
        a.push(i);
        p.push(pos);
        n.push(neg);
      }
    }
  }
  return finishTriplets(ctx, FN, a.toArray(), p.toArray(), n.toArray(), DEFAULT_ZONE_MARGIN);
}
