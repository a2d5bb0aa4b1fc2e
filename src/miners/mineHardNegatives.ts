import * as tf from "@tensorflow/tfjs";
import { normalizeRows } from "../distances/normalize";
import { transpose2d } from "../internal/linalg";
import { heapView, peekValues } from "../internal/peek";
import { Table } from "../internal/table";
import {
  argError,
  booleanOption,
  checkOptions,
  describeValue,
  enumOption,
  numberOption,
  toFloatTensor,
  type TensorInput,
} from "../internal/validate";
import { createRng, DEFAULT_SEED, sampleWithoutReplacement } from "./random";

/** How {@link mineHardNegatives} picks negatives among the candidates that survive the filters. */
export type NegativeSampling = "top" | "random";
/** Output layout of {@link mineHardNegatives}. */
export type MinedFormat = "triplet" | "n-tuple";
/** The similarity {@link mineHardNegatives} ranks by. */
export type CorpusSimilarity = "cosine" | "dot";

/** Options of {@link mineHardNegatives}. Rules are applied in the order listed. */
export interface MineHardNegativesOptions {
  /** Negatives per (query, positive) (default 3). */
  numNegatives?: number;
  /** Skip the first `rangeMin` surviving candidates, the closest ones (default 0). */
  rangeMin?: number;
  /**
   * Consider only the `rangeMax` best-ranked candidates (default as sentence-transformers:
   * rangeMin + numNegatives + maxPositives, or rangeMin + 10·numNegatives + maxPositives when a
   * margin or maxScore is given). Must be ≥ rangeMin + numNegatives.
   */
  rangeMax?: number;
  /** Drop a candidate when score + absoluteMargin > (its query's lowest positive score). */
  absoluteMargin?: number;
  /**
   * Drop a candidate when score > (lowest positive score)·(1 − relativeMargin): with 0.05 a negative
   * is at most 95 % as similar to the query as the positive (NV-Retriever's TopK-PercPos).
   */
  relativeMargin?: number;
  /** Drop candidates scoring above this (too similar: likely unlabelled positives). */
  maxScore?: number;
  /** Drop candidates scoring below this (too easy). */
  minScore?: number;
  /** "top" (default): the best-ranked survivors; "random": a seeded uniform draw among them. */
  sampling?: NegativeSampling;
  /** Seed for `sampling: "random"` (default 0). */
  seed?: number;
  /** "triplet" (default): one row per negative; "n-tuple": one row per (query, positive) with all negatives. */
  format?: MinedFormat;
  /** "cosine" (default, as sentence-transformers, which normalises embeddings) or "dot". */
  similarity?: CorpusSimilarity;
  /** Query rows per similarity block (default 256). */
  queryChunkSize?: number;
  /** Corpus rows per similarity block (default 8192). Memory is O(queryChunkSize · corpusChunkSize). */
  corpusChunkSize?: number;
  /** Called after each block of queries with (queries done, total queries). */
  onProgress?: (done: number, total: number) => void;
  /** Print a progress line to stderr (default false). */
  progress?: boolean;
}

/** Score statistics as sentence-transformers prints them. NaN / ±Infinity when there is no score. */
export interface ScoreStats {
  count: number;
  mean: number;
  /** torch.median: the lower of the two middle values for an even count. */
  median: number;
  /** torch.std: unbiased (n − 1). */
  std: number;
  min: number;
  /** torch.quantile, linear interpolation. */
  q25: number;
  q50: number;
  q75: number;
  max: number;
}

/** How many candidates one rule removed, and the share of the candidates still in play before it. */
export interface SkipCount {
  skipped: number;
  ratio: number;
}

/** The summary sentence-transformers prints after mining, as numbers. */
export interface MiningSummary {
  positive: ScoreStats;
  negative: ScoreStats;
  difference: ScoreStats;
  /** Per rule; present only for rules that were given. */
  skipped: { absoluteMargin?: SkipCount; relativeMargin?: SkipCount; maxScore?: SkipCount; minScore?: SkipCount };
  /** Rows that could have been produced (triplet: pairs × numNegatives; n-tuple: pairs). */
  maximumPossible: number;
  /** maximumPossible − rows produced. */
  missing: number;
  /** The (query, positive) pairs that got fewer than numNegatives negatives. */
  pairsWithTooFew: number;
  rangeMin: number;
  rangeMax: number;
}

/** The result of {@link mineHardNegatives}. */
export interface MinedNegatives {
  format: MinedFormat;
  /** triplet: [query, positive, negative]; n-tuple: [query, positive, negative1, …, negativeN] (corpus indices). */
  rows: number[][];
  /** Parallel to rows: [positiveScore, negativeScore(s)…]. */
  scores: number[][];
  summary: MiningSummary;
  /** The summary as a table (the one sentence-transformers prints), with the skip lines as notes. */
  report(): Table<SummaryRow>;
}

/** One line of the {@link MinedNegatives.report} table. */
export interface SummaryRow {
  metric: string;
  positive: number | string;
  negative: number | string;
  difference: number | string;
}

const FN = "mineHardNegatives";
const DEFAULT_QUERY_CHUNK = 256;
const DEFAULT_CORPUS_CHUNK = 8192;
/** sentence-transformers widens the default window 10× when filters may discard candidates. */
const FILTER_WINDOW_FACTOR = 10;

/**
 * Offline hard-negative mining over a corpus, after sentence-transformers' `mine_hard_negatives`:
 * for each query and each of its positives (corpus indices), rank the corpus by similarity to the
 * query, remove the query's own positives, filter the candidates, and keep `numNegatives` of those
 * that survive in the rank window [rangeMin, rangeMax).
 *
 * Candidate rule order (as the reference): only the `rangeMax + maxPositives` most similar corpus
 * rows are candidates; positives removed; then absoluteMargin, relativeMargin, maxScore, minScore;
 * the survivors keep their rank order, the first `rangeMin` are skipped, and "top" takes the next
 * `numNegatives` while "random" draws them uniformly (seeded) from the survivors in the window,
 * sorted again by score. Margins compare with the query's *lowest* positive score.
 *
 * Memory: the similarity matrix is never built. Blocks of `queryChunkSize × corpusChunkSize`
 * similarities are computed (matMul) and merged into a running top-k per query in one plain-JS
 * pass that reads the block in place (on wasm, in the heap), so memory beyond the inputs is
 * O(block + queries · k). Corpus rows are normalised block by block, and the corpus is never
 * copied into JS (even the NaN check runs on the backend).
 *
 * @param queries [Q, D] query embeddings (one row per distinct query).
 * @param corpus [C, D] corpus embeddings.
 * @param positives for each query, the corpus index of its positive, or an array of indices.
 * @returns a promise (blocks yield to the event loop so progress displays can update).
 * @throws RangeError for mismatched shapes, positives outside the corpus, rangeMax < rangeMin + numNegatives.
 * @see sentence-transformers `util.mine_hard_negatives` (v5, non-FAISS path) — mirrored on
 *   embeddings instead of texts: no de-duplication of texts, no cross-encoder rescoring. Differences:
 *   the margin uses the true lowest positive score of each query (the reference's running offset is
 *   wrong when queries have different numbers of positives); the minScore count excludes candidates
 *   already removed (the reference also counts them, since −∞ < minScore); the candidate count is
 *   capped at the corpus size; ties rank the lower corpus index first.
 * @example
 * const mined = await mineHardNegatives([[1, 0]], [[1, 0], [0.9, 0.1], [0, 1]], [0], { numNegatives: 1 });
 * mined.rows; // => [[0, 0, 1]]
 */
export async function mineHardNegatives(
  queries: TensorInput,
  corpus: TensorInput,
  positives: ArrayLike<number | ArrayLike<number>>,
  options?: MineHardNegativesOptions,
): Promise<MinedNegatives> {
  const o = checkOptions(FN, options, [
    "numNegatives",
    "rangeMin",
    "rangeMax",
    "absoluteMargin",
    "relativeMargin",
    "maxScore",
    "minScore",
    "sampling",
    "seed",
    "format",
    "similarity",
    "queryChunkSize",
    "corpusChunkSize",
    "onProgress",
    "progress",
  ]);
  const numNegatives = numberOption(FN, "numNegatives", o.numNegatives, 3, { integer: true, min: 1 });
  const rangeMin = numberOption(FN, "rangeMin", o.rangeMin, 0, { integer: true, min: 0 });
  const absoluteMargin = o.absoluteMargin === undefined ? undefined : numberOption(FN, "absoluteMargin", o.absoluteMargin, 0);
  const relativeMargin = o.relativeMargin === undefined ? undefined : numberOption(FN, "relativeMargin", o.relativeMargin, 0);
  const maxScore = o.maxScore === undefined ? undefined : numberOption(FN, "maxScore", o.maxScore, 0);
  const minScore = o.minScore === undefined ? undefined : numberOption(FN, "minScore", o.minScore, 0);
  const sampling = enumOption<NegativeSampling>(FN, "sampling", o.sampling, ["top", "random"], "top");
  const seed = numberOption(FN, "seed", o.seed, DEFAULT_SEED);
  const format = enumOption<MinedFormat>(FN, "format", o.format, ["triplet", "n-tuple"], "triplet");
  const similarity = enumOption<CorpusSimilarity>(FN, "similarity", o.similarity, ["cosine", "dot"], "cosine");
  const queryChunk = numberOption(FN, "queryChunkSize", o.queryChunkSize, DEFAULT_QUERY_CHUNK, { integer: true, min: 1 });
  const corpusChunk = numberOption(FN, "corpusChunkSize", o.corpusChunkSize, DEFAULT_CORPUS_CHUNK, { integer: true, min: 1 });
  const progress = booleanOption(FN, "progress", o.progress, false);
  if (o.onProgress !== undefined && typeof o.onProgress !== "function") {
    throw argError(FN, "onProgress", "a function (done, total) => void", describeValue(o.onProgress), "type");
  }
  const onProgress = o.onProgress as ((done: number, total: number) => void) | undefined;

  // Finiteness is checked on the backend, so the corpus is never copied into JS.
  const q = toFloatTensor(FN, "queries", queries, { rank: 2, finite: false }) as tf.Tensor2D;
  const c = toFloatTensor(FN, "corpus", corpus, { rank: 2, finite: false }) as tf.Tensor2D;
  const owned = [q, c].filter((t) => t !== queries && t !== corpus);
  try {
    assertFinite(q, "queries");
    assertFinite(c, "corpus");
    const [nQ, dim] = q.shape;
    const [nC, dimC] = c.shape;
    if (dimC !== dim) throw argError(FN, "corpus", `rows of the same width as 'queries' (${dim})`, `width ${dimC}`);
    const pos = readPositives(positives, nQ, nC);
    const maxPositives = Math.max(...pos.map((p) => p.length));
    const filtering = absoluteMargin !== undefined || relativeMargin !== undefined || maxScore !== undefined;
    const rangeMax = numberOption(
      FN,
      "rangeMax",
      o.rangeMax,
      rangeMin + (filtering ? FILTER_WINDOW_FACTOR * numNegatives : numNegatives) + maxPositives,
      { integer: true, min: rangeMin + numNegatives },
    );
    const k = Math.min(nC, rangeMax + maxPositives);

    // 1. Running top-k per query over corpus blocks, and the positive scores.
    const topScore = new Float64Array(nQ * k).fill(-Infinity);
    const topIndex = new Int32Array(nQ * k).fill(-1);
    const positiveScores = pos.map((p) => new Float64Array(p.length));
    const report = progressReporter(progress, onProgress, nQ);
    for (let q0 = 0; q0 < nQ; q0 += queryChunk) {
      const q1 = Math.min(nQ, q0 + queryChunk);
      const qBlock = tf.tidy(() => {
        const rows = rowRange(q, q0, q1);
        return similarity === "cosine" ? (normalizeRows(rows) as tf.Tensor2D) : rows;
      });
      // The queries as columns: each block is corpus rows × queries, c·qᵀ, a product without
      // transpose flags (XNNPACK; the same sums as q·cᵀ) whose corpus side needs no transpose.
      const qColumns = transpose2d(qBlock);
      try {
        for (let c0 = 0; c0 < nC; c0 += corpusChunk) {
          const c1 = Math.min(nC, c0 + corpusChunk);
          const scores = tf.tidy(() => {
            const rows = rowRange(c, c0, c1);
            return tf.matMul(similarity === "cosine" ? (normalizeRows(rows) as tf.Tensor2D) : rows, qColumns);
          });
          try {
            mergeBlock(peekValues(scores), q0, q1, c0, c1, k, topScore, topIndex);
          } finally {
            scores.dispose();
          }
        }
        const flat: number[] = [];
        const qRows: number[] = [];
        for (let i = q0; i < q1; i++) for (const p of pos[i] as number[]) (flat.push(p), qRows.push(i - q0));
        const ps = tf.tidy(() => {
          const pRows = tf.gather(c, tf.tensor1d(flat, "int32")) as tf.Tensor2D;
          const pNorm = similarity === "cosine" ? normalizeRows(pRows) : pRows;
          return tf.sum(tf.mul(tf.gather(qBlock, tf.tensor1d(qRows, "int32")), pNorm), 1);
        });
        const psValues = await ps.data();
        ps.dispose();
        let at = 0;
        for (let i = q0; i < q1; i++) {
          const out = positiveScores[i] as Float64Array;
          for (let j = 0; j < out.length; j++) out[j] = psValues[at++] as number;
        }
      } finally {
        qBlock.dispose();
        qColumns.dispose();
      }
      report(q1);
      // Let progress displays and other callbacks run between blocks of queries.
      await tf.nextFrame();
    }

    // 2. Filters, in the reference's order, with its counters.
    let candidates = nQ * k;
    const skipped: MiningSummary["skipped"] = {};
    const minPositive = positiveScores.map((s) => Math.min(...s));
    const apply = (rule: (score: number, query: number) => boolean): number => {
      let removed = 0;
      for (let i = 0; i < nQ; i++) {
        for (let j = 0; j < k; j++) {
          const s = topScore[i * k + j] as number;
          if (s !== -Infinity && rule(s, i)) {
            topScore[i * k + j] = -Infinity;
            removed++;
          }
        }
      }
      return removed;
    };
    // The query's own positives are never negatives.
    for (let i = 0; i < nQ; i++) {
      const own = new Set(pos[i]);
      for (let j = 0; j < k; j++) if (own.has(topIndex[i * k + j] as number)) topScore[i * k + j] = -Infinity;
    }
    if (absoluteMargin !== undefined) {
      const removed = apply((s, i) => s + absoluteMargin > (minPositive[i] as number));
      skipped.absoluteMargin = { skipped: removed, ratio: removed / candidates };
      candidates -= removed;
    }
    if (relativeMargin !== undefined) {
      const removed = apply((s, i) => s > (minPositive[i] as number) * (1 - relativeMargin));
      skipped.relativeMargin = { skipped: removed, ratio: removed / candidates };
      candidates -= removed;
    }
    if (maxScore !== undefined) {
      const removed = apply((s) => s > maxScore);
      skipped.maxScore = { skipped: removed, ratio: removed / candidates };
    }
    if (minScore !== undefined) {
      const removed = apply((s) => s < minScore);
      skipped.minScore = { skipped: removed, ratio: removed / candidates };
    }

    // 3. Survivors in rank order, the window [rangeMin, rangeMax), then top or random.
    const rng = createRng(seed);
    const chosen: { index: number[]; score: number[] }[] = [];
    for (let i = 0; i < nQ; i++) {
      const order: number[] = [];
      for (let j = 0; j < k; j++) order.push(j);
      // Stable: equal scores (e.g. all −∞) keep rank order, as the candidates came sorted.
      order.sort((a, b) => (topScore[i * k + b] as number) - (topScore[i * k + a] as number) || a - b);
      const window = order.slice(0, rangeMax).slice(rangeMin);
      let picked: number[];
      if (sampling === "top") {
        picked = window.slice(0, numNegatives);
      } else {
        const finite = window.filter((j) => topScore[i * k + j] !== -Infinity).length;
        const options = Math.min(window.length, Math.max(finite, numNegatives));
        picked = sampleWithoutReplacement(options, Math.min(numNegatives, options), rng).map((t) => window[t] as number);
        picked.sort((a, b) => (topScore[i * k + b] as number) - (topScore[i * k + a] as number) || a - b);
      }
      chosen.push({
        index: picked.map((j) => topIndex[i * k + j] as number),
        score: picked.map((j) => topScore[i * k + j] as number),
      });
    }

    // 4. Rows in the requested format, and the statistics the reference prints.
    const rows: number[][] = [];
    const scores: number[][] = [];
    const posAll: number[] = [];
    const negKept: number[] = [];
    const diff: number[] = [];
    let pairsWithTooFew = 0;
    let maximumPossible = 0;
    for (let i = 0; i < nQ; i++) {
      const { index, score } = chosen[i] as { index: number[]; score: number[] };
      const finite = score.filter((s) => s !== -Infinity).length;
      (pos[i] as number[]).forEach((p, t) => {
        const ps = (positiveScores[i] as Float64Array)[t] as number;
        posAll.push(ps);
        if (finite < numNegatives) pairsWithTooFew++;
        if (format === "triplet") {
          maximumPossible += numNegatives;
          index.forEach((n, r) => {
            const ns = score[r] as number;
            if (ns === -Infinity) return;
            rows.push([i, p, n]);
            scores.push([ps, ns]);
            negKept.push(ns);
            diff.push(ps - ns);
          });
        } else {
          maximumPossible += 1;
          if (finite < numNegatives) return;
          rows.push([i, p, ...index]);
          scores.push([ps, ...score]);
          for (const ns of score) (negKept.push(ns), diff.push(ps - ns));
        }
      });
    }
    const summary: MiningSummary = {
      positive: scoreStats(posAll),
      negative: scoreStats(negKept),
      difference: scoreStats(diff),
      skipped,
      maximumPossible,
      missing: maximumPossible - rows.length,
      pairsWithTooFew,
      rangeMin,
      rangeMax,
    };
    const given = { absoluteMargin, relativeMargin, maxScore, minScore };
    return { format, rows, scores, summary, report: () => summaryTable(summary, given) };
  } finally {
    for (const t of owned) t.dispose();
  }
}

function readPositives(positives: ArrayLike<number | ArrayLike<number>>, nQ: number, nC: number): number[][] {
  if (positives === null || typeof positives !== "object" || typeof (positives as ArrayLike<unknown>).length !== "number") {
    throw argError(FN, "positives", "an array with one corpus index (or array of indices) per query", describeValue(positives), "type");
  }
  if (positives.length !== nQ) {
    throw argError(FN, "positives", `one entry per row of 'queries' (${nQ})`, `${positives.length} entries`);
  }
  const out: number[][] = [];
  for (let i = 0; i < nQ; i++) {
    const entry = positives[i];
    const list = typeof entry === "number" ? [entry] : Array.from(entry as ArrayLike<number>);
    if (list.length === 0) throw argError(FN, "positives", "a non-empty list of positives for every query", `an empty list at [${i}]`);
    for (const p of list) {
      if (typeof p !== "number" || !Number.isInteger(p) || p < 0 || p >= nC) {
        throw argError(FN, "positives", `corpus indices (integers in [0, ${nC}))`, `${describeValue(p)} at [${i}]`);
      }
    }
    out.push(list);
  }
  return out;
}

/**
 * Rows start..end of a matrix. Not `tf.slice`: on tfjs-backend-wasm 4.22 the Slice kernel first
 * copies the *whole* source tensor into JS (`readSync`), which per block would cost a corpus-sized
 * copy. On wasm the rows are copied within the heap into a fresh tensor (0.2 ms for 8192 × 128,
 * against 27 ms for GatherV2, measured); elsewhere a gather of the row range reads only the rows.
 */
function rowRange(t: tf.Tensor2D, start: number, end: number): tf.Tensor2D {
  const width = t.shape[1];
  if (tf.getBackend() === "wasm" && t.dtype === "float32") {
    const out = tf.fill([end - start, width], 0) as tf.Tensor2D;
    // Views taken after the allocation, which may grow the heap.
    const target = heapView(out);
    const source = heapView(t);
    if (target !== null && source !== null) {
      target.set(source.subarray(start * width, end * width));
      return out;
    }
    out.dispose();
  }
  return tf.tidy(() => tf.gather(t, tf.range(start, end, 1, "int32")) as tf.Tensor2D);
}

/** Refuses NaN and ±Infinity, checked on the backend; the offending row is located only on failure. */
function assertFinite(t: tf.Tensor2D, arg: string): void {
  const ok = tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0] === 1);
  if (ok) return;
  const [n, d] = t.shape;
  const rows = Math.max(1, Math.floor(DEFAULT_CORPUS_CHUNK * 16 / Math.max(d, 1)));
  for (let start = 0; start < n; start += rows) {
    const values = tf.tidy(() => rowRange(t, start, Math.min(n, start + rows)).dataSync());
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (!Number.isFinite(v)) throw argError(FN, arg, "finite (no NaN or Infinity)", `${v} at [${start + Math.floor(i / d)},${i % d}]`);
    }
  }
}

/**
 * Merges one block of similarities into the running top-k of each query, in one pass over the
 * block. `scores` is [c1 − c0, q1 − q0] row-major: corpus rows c0..c1 against queries q0..q1.
 * Each query's list stays sorted best first; corpus rows arrive in increasing index order and
 * only a strictly greater score enters, so on a tie the lower corpus index keeps its place.
 * Most scores are rejected by one comparison with the query's current k-th best.
 */
function mergeBlock(
  scores: ArrayLike<number>,
  q0: number,
  q1: number,
  c0: number,
  c1: number,
  k: number,
  topScore: Float64Array,
  topIndex: Int32Array,
): void {
  const nq = q1 - q0;
  // The score a candidate must beat: the query's k-th best, or −∞ while its list is not full.
  const bar = new Float64Array(nq);
  for (let j = 0; j < nq; j++) {
    const last = (q0 + j) * k + k - 1;
    bar[j] = topIndex[last] === -1 ? -Infinity : (topScore[last] as number);
  }
  for (let r = c0; r < c1; r++) {
    const row = (r - c0) * nq;
    for (let j = 0; j < nq; j++) {
      const s = scores[row + j] as number;
      if (!(s > (bar[j] as number))) continue;
      const base = (q0 + j) * k;
      let at = k - 1;
      while (at > 0 && (topIndex[base + at - 1] === -1 || s > (topScore[base + at - 1] as number))) {
        topScore[base + at] = topScore[base + at - 1] as number;
        topIndex[base + at] = topIndex[base + at - 1] as number;
        at--;
      }
      topScore[base + at] = s;
      topIndex[base + at] = r;
      if (topIndex[base + k - 1] !== -1) bar[j] = topScore[base + k - 1] as number;
    }
  }
}

/** sentence-transformers' statistics: torch mean, median (lower), std (unbiased), quantiles (linear). */
export function scoreStats(values: readonly number[]): ScoreStats {
  const n = values.length;
  if (n === 0) {
    return { count: 0, mean: NaN, median: NaN, std: NaN, min: Infinity, q25: Infinity, q50: Infinity, q75: Infinity, max: -Infinity };
  }
  const sorted = Float64Array.from(values).sort();
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = n > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) : NaN;
  const quantile = (q: number): number => {
    const pos = q * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(n - 1, lo + 1);
    return (sorted[lo] as number) + (pos - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
  };
  return {
    count: n,
    mean,
    median: sorted[Math.floor((n - 1) / 2)] as number,
    std: Math.sqrt(variance),
    min: sorted[0] as number,
    q25: quantile(0.25),
    q50: quantile(0.5),
    q75: quantile(0.75),
    max: sorted[n - 1] as number,
  };
}

function summaryTable(
  s: MiningSummary,
  given: { absoluteMargin?: number; relativeMargin?: number; maxScore?: number; minScore?: number },
): Table<SummaryRow> {
  const metrics: [string, keyof ScoreStats][] = [
    ["Mean", "mean"],
    ["Median", "median"],
    ["Std", "std"],
    ["Min", "min"],
    ["25%", "q25"],
    ["50%", "q50"],
    ["75%", "q75"],
    ["Max", "max"],
  ];
  const rows: SummaryRow[] = [
    { metric: "Count", positive: s.positive.count.toLocaleString("en-US"), negative: s.negative.count.toLocaleString("en-US"), difference: "" },
    ...metrics.map(([label, key]) => ({ metric: label, positive: s.positive[key], negative: s.negative[key], difference: s.difference[key] })),
  ];
  const notes: string[] = [];
  const names: [keyof MiningSummary["skipped"], string][] = [
    ["absoluteMargin", "absoluteMargin"],
    ["relativeMargin", "relativeMargin"],
    ["maxScore", "maxScore"],
    ["minScore", "minScore"],
  ];
  for (const [key, label] of names) {
    const count = s.skipped[key];
    if (count && count.skipped > 0) {
      notes.push(`Skipped ${count.skipped.toLocaleString("en-US")} potential negatives (${(100 * count.ratio).toFixed(2)}%) due to the ${label} of ${given[key]}.`);
    }
  }
  if (s.missing > 0) {
    const knobs = ["rangeMax", ...(s.rangeMin > 0 ? ["rangeMin"] : []), ...names.filter(([k]) => k !== "minScore" && given[k] !== undefined).map(([, l]) => l)];
    const list = knobs.length > 1 ? `${knobs.slice(0, -1).join(", ")} and ${knobs[knobs.length - 1]}` : knobs[0];
    notes.push(
      `Could not find enough negatives for ${s.missing} samples (${((100 * s.missing) / s.maximumPossible).toFixed(2)}%). ` +
        `Consider adjusting ${list} to find more valid negatives.`,
    );
  }
  return new Table<SummaryRow>(
    [
      { label: "Metric", value: (r) => r.metric },
      { label: "Positive", value: (r) => r.positive, align: "right" },
      { label: "Negative", value: (r) => r.negative, align: "right" },
      { label: "Difference", value: (r) => r.difference, align: "right" },
    ],
    rows,
    { title: "mineHardNegatives summary (similarity scores)", notes },
  );
}

function progressReporter(progress: boolean, onProgress: ((done: number, total: number) => void) | undefined, total: number): (done: number) => void {
  return (done) => {
    onProgress?.(done, total);
    const stderr = (globalThis as { process?: { stderr?: { write(s: string): unknown } } }).process?.stderr;
    if (progress && stderr) {
      stderr.write(`\r${FN}: ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} queries (${Math.floor((100 * done) / total)}%)`);
      if (done === total) stderr.write("\n");
    }
  };
}
