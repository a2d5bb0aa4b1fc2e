import { LpDistance } from "../distances/LpDistance";
import { heapFloats, heapScratch, wasmKernels } from "../internal/simd";
import type { TensorInput } from "../internal/validate";
import { DEFAULT_ZONE_MARGIN, finishTriplets, IndexList, prepareMining, type MinedTriplets, type MinerOptions, type MiningContext } from "./mining";

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
  const r = hardestPerAnchor(ctx);
  return finishTriplets(ctx, FN, r.anchors, r.positives, r.negatives, DEFAULT_ZONE_MARGIN);
}

/**
 * `mineEasyHard(ctx, "hard", "hard")` in one pass per row with plain comparisons instead of a
 * callback per entry (the same triplets; ties keep the first index): N × R entries are read
 * once, which matters at N = 4096 (16 M entries).
 */
function hardestPerAnchor(ctx: MiningContext): { anchors: Int32Array; positives: Int32Array; negatives: Int32Array } {
  const { mat, nQ, nR, y, ry, self } = ctx;
  const inverted = ctx.distance.isInverted;
  const a = new IndexList();
  const p = new IndexList();
  const n = new IndexList();
  const kernels = wasmKernels();
  if (kernels !== null && nR % 4 === 0 && mat instanceof Float32Array) {
    // The vectorised scan (internal/simd) over blocks of rows copied into the heap (bounded
    // scratch), then the four lanes of each row merged here: the same picks, ties included.
    const rows = Math.max(1, Math.min(nQ, Math.floor(KERNEL_BLOCK_ENTRIES / nR)));
    const lanes = new Float32Array(16 * rows);
    for (let i0 = 0; i0 < nQ; i0 += rows) {
      const m = Math.min(rows, nQ - i0);
      const [dAt, yAt, ryAt, outAt] = heapScratch([mat.subarray(i0 * nR, (i0 + m) * nR), y.subarray(i0, i0 + m), ry, lanes]) as [number, number, number, number];
      // Row k of the block is anchor i0 + k; with one batch, column i0 + k is itself.
      (inverted ? kernels.hardest_min : kernels.hardest_max)(dAt, yAt, ryAt, m, nR, self ? i0 : -(2 ** 30), outAt);
      const out = heapFloats(outAt, 16 * m);
      const cols = new Int32Array(out.buffer, out.byteOffset, 16 * m);
      for (let k = 0; k < m; k++) {
        const pi = bestLane(out, cols, 16 * k, !inverted);
        const ni = bestLane(out, cols, 16 * k + 8, inverted);
        if (pi >= 0 && ni >= 0) (a.push(i0 + k), p.push(pi), n.push(ni));
      }
    }
    return { anchors: a.toArray(), positives: p.toArray(), negatives: n.toArray() };
  }
  for (let i = 0; i < nQ; i++) {
    const label = y[i];
    const row = i * nR;
    let pi = -1;
    let pv = 0;
    let ni = -1;
    let nv = 0;
    for (let j = 0; j < nR; j++) {
      const v = mat[row + j] as number;
      if (ry[j] === label) {
        if (self && j === i) continue;
        // The farthest positive: larger distance, or smaller similarity.
        if (pi < 0 || (inverted ? v < pv : v > pv)) (pi = j), (pv = v);
      } else if (ni < 0 || (inverted ? v > nv : v < nv)) (ni = j), (nv = v);
    }
    if (pi >= 0 && ni >= 0) (a.push(i), p.push(pi), n.push(ni));
  }
  return { anchors: a.toArray(), positives: p.toArray(), negatives: n.toArray() };
}

/** Entries of the matrix scanned per kernel call (1 MB of float32): the heap's scratch stays small. */
const KERNEL_BLOCK_ENTRIES = 1 << 18;

/**
 * The column of the best of four lane results at `at` (values at at..at+3, columns at at+4..at+7;
 * −1 for none): the largest value when `max`, else the smallest; equal values take the smaller
 * column. Returns −1 when no lane found one.
 */
function bestLane(values: Float32Array, cols: Int32Array, at: number, max: boolean): number {
  let best = -1;
  let bestValue = 0;
  for (let k = 0; k < 4; k++) {
    const col = cols[at + 4 + k] as number;
    if (col < 0) continue;
    const v = values[at + k] as number;
    if (best < 0 || (max ? v > bestValue : v < bestValue) || (v === bestValue && col < best)) (best = col), (bestValue = v);
  }
  return best;
}
