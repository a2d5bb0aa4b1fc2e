/**
 * Retrieval metrics exact to pytorch-metric-learning's `AccuracyCalculator`: every query ranks
 * the reference set by distance and we ask where the items of its own class land.
 */
import * as tf from "@tensorflow/tfjs";
import type { Distance } from "../distances/distance";
import { DISPLAY_SYMBOL, Table, type MimeBundle } from "../internal/table";
import { argError, checkOptions, describeValue, toLabels, type TensorInput } from "../internal/validate";
import { normalizedRows, readMatrix, rowDistance, rowDot, type Matrix } from "./matrix";

/** How neighbours are ranked: plain Euclidean, cosine similarity, or any distance object. */
export type KnnDistance = "euclidean" | "cosine" | Distance;

/** Options of {@link retrievalMetrics} and the single-metric functions. */
export interface RetrievalOptions {
  /** Reference embeddings [R, D]. Default: the queries themselves, each query's own row left out. */
  reference?: TensorInput | number[][];
  /** Labels of the reference rows (required with `reference`). */
  referenceLabels?: TensorInput | ArrayLike<number>;
  /**
   * "euclidean" (default; the ranking of PML's default FaissKNN, IndexFlatL2), "cosine" (by
   * descending cosine similarity), or a distance object such as `new LpDistance()` (measured with
   * its own `matrix`, descending when `isInverted`).
   */
  distance?: KnnDistance;
  /** Scale rows to unit length before a "euclidean" ranking (default false). */
  normalize?: boolean;
  /** Neighbours retrieved per query (default null: every reference, as PML's `k=None`). */
  k?: number | null;
}

/** The five metrics of PML's AccuracyCalculator, plus what they were computed from. */
export interface RetrievalMetrics {
  precisionAt1: number;
  rPrecision: number;
  mapAtR: number;
  meanAveragePrecision: number;
  meanReciprocalRank: number;
}

/** Metric names in PML's spelling → ours. */
export const PML_METRIC_NAMES: Record<string, keyof RetrievalMetrics> = {
  precision_at_1: "precisionAt1",
  r_precision: "rPrecision",
  mean_average_precision_at_r: "mapAtR",
  mean_average_precision: "meanAveragePrecision",
  mean_reciprocal_rank: "meanReciprocalRank",
};

/** The result of {@link retrievalMetrics}; shows as a table in a notebook. */
export class RetrievalReport implements RetrievalMetrics {
  readonly precisionAt1: number;
  readonly rPrecision: number;
  readonly mapAtR: number;
  readonly meanAveragePrecision: number;
  readonly meanReciprocalRank: number;
  /** Reference indices of each query's neighbours, nearest first ([Q][K]). */
  readonly knnIndices: Int32Array[];
  /** Queries that count (their label has at least one other reference). */
  readonly queriesUsed: number;
  /** Indices of the queries left out because their label has no other reference. */
  readonly loneQueries: number[];
  /** Whether the queries were their own reference set. */
  readonly queryIsReference: boolean;

  constructor(m: RetrievalMetrics, extra: { knnIndices: Int32Array[]; queriesUsed: number; loneQueries: number[]; queryIsReference: boolean }) {
    this.precisionAt1 = m.precisionAt1;
    this.rPrecision = m.rPrecision;
    this.mapAtR = m.mapAtR;
    this.meanAveragePrecision = m.meanAveragePrecision;
    this.meanReciprocalRank = m.meanReciprocalRank;
    this.knnIndices = extra.knnIndices;
    this.queriesUsed = extra.queriesUsed;
    this.loneQueries = extra.loneQueries;
    this.queryIsReference = extra.queryIsReference;
  }

  /** The five numbers only. */
  toJSON(): RetrievalMetrics {
    return { precisionAt1: this.precisionAt1, rPrecision: this.rPrecision, mapAtR: this.mapAtR, meanAveragePrecision: this.meanAveragePrecision, meanReciprocalRank: this.meanReciprocalRank };
  }

  /** A table: metric, value, what it means. */
  table(): Table<{ name: string; value: number; meaning: string }> {
    const rows = [
      { name: "precision@1", value: this.precisionAt1, meaning: "the nearest neighbour has the query's label" },
      { name: "R-precision", value: this.rPrecision, meaning: "share of the query's R classmates among its R nearest" },
      { name: "MAP@R", value: this.mapAtR, meaning: "R-precision that also rewards putting classmates first" },
      { name: "MAP", value: this.meanAveragePrecision, meaning: "mean average precision over the whole ranking" },
      { name: "MRR", value: this.meanReciprocalRank, meaning: "1 / rank of the first classmate" },
    ];
    const notes = [`${this.queriesUsed} queries${this.queryIsReference ? " (each against the others)" : ""}${this.loneQueries.length ? `; ${this.loneQueries.length} left out (no other item of their label)` : ""}.`];
    return new Table(
      [
        { label: "metric", value: (r) => r.name },
        { label: "value", value: (r) => r.value, digits: 4 },
        { label: "meaning", value: (r) => r.meaning },
      ],
      rows,
      { title: "Retrieval metrics", notes },
    );
  }

  toString(): string {
    return this.table().toText();
  }

  [DISPLAY_SYMBOL](): MimeBundle {
    return this.table()[DISPLAY_SYMBOL]();
  }
}

interface Ranked {
  knn: Int32Array[];
  queryLabels: Int32Array;
  refLabels: Int32Array;
  sameSource: boolean;
}

/** Validates the inputs and ranks every reference for every query. */
function rank(fn: string, query: TensorInput | number[][], queryLabels: unknown, options: RetrievalOptions | undefined, known: string[]): Ranked {
  const o = checkOptions(fn, options, known);
  const q = readMatrix(fn, "query", query);
  const ql = toLabels(fn, "queryLabels", queryLabels, q.rows, "query");
  const sameSource = o.reference === undefined;
  if (sameSource && o.referenceLabels !== undefined) throw argError(fn, "reference", "given together with 'referenceLabels'", "undefined", "type");
  let r = q;
  let rl = ql;
  if (!sameSource) {
    if (o.referenceLabels === undefined) throw argError(fn, "referenceLabels", "given together with 'reference'", "undefined", "type");
    r = readMatrix(fn, "reference", o.reference as TensorInput);
    rl = toLabels(fn, "referenceLabels", o.referenceLabels, r.rows, "reference");
    if (r.cols !== q.cols) throw argError(fn, "reference", `rows of the query's dimension (${q.cols})`, `rows of ${r.cols}`);
  }
  const kMax = r.rows - (sameSource ? 1 : 0);
  if (kMax < 1) throw argError(fn, "query", "at least 2 rows when it is its own reference", `${q.rows} row`);
  let k = kMax;
  if (o.k !== undefined && o.k !== null) {
    if (typeof o.k !== "number" || !Number.isInteger(o.k) || o.k < 1) throw argError(fn, "k", "a positive integer or null", describeValue(o.k), typeof o.k === "number" ? "range" : "type");
    k = Math.min(o.k, kMax);
  }
  const dist = o.distance ?? "euclidean";
  if (typeof dist === "string" && dist !== "euclidean" && dist !== "cosine") {
    throw argError(fn, "distance", '"euclidean", "cosine" or a distance object', describeValue(dist));
  }
  if (typeof dist !== "string" && (typeof dist !== "object" || dist === null || typeof (dist as Distance).matrix !== "function")) {
    throw argError(fn, "distance", '"euclidean", "cosine" or a distance object', describeValue(dist), "type");
  }
  if (o.normalize !== undefined && typeof o.normalize !== "boolean") throw argError(fn, "normalize", "a boolean", describeValue(o.normalize), "type");
  const scores = scoreMatrix(q, r, dist as KnnDistance, o.normalize === true, sameSource);
  const knn: Int32Array[] = [];
  for (let i = 0; i < q.rows; i++) {
    const row = scores.values.subarray(i * r.rows, (i + 1) * r.rows);
    const order: number[] = [];
    for (let j = 0; j < r.rows; j++) if (!(sameSource && j === i)) order.push(j);
    // Ascending distance (descending similarity); equal values keep index order.
    order.sort(scores.descending ? (a, b) => (row[b] as number) - (row[a] as number) || a - b : (a, b) => (row[a] as number) - (row[b] as number) || a - b);
    knn.push(Int32Array.from(order.slice(0, k)));
  }
  return { knn, queryLabels: ql, refLabels: rl, sameSource };
}

/** Distances (or similarities) of every query to every reference, row-major [Q, R]. */
function scoreMatrix(q: Matrix, r: Matrix, dist: KnnDistance, normalize: boolean, sameSource: boolean): { values: Float64Array; descending: boolean } {
  if (typeof dist !== "string") {
    const m = tf.tidy(() => {
      const qt = tf.tensor2d(Float32Array.from(q.data), [q.rows, q.cols]);
      const rt = sameSource ? undefined : tf.tensor2d(Float32Array.from(r.data), [r.rows, r.cols]);
      return dist.matrix(qt, rt);
    });
    const values = Float64Array.from(m.dataSync() as ArrayLike<number>);
    m.dispose();
    return { values, descending: dist.isInverted };
  }
  const cosine = dist === "cosine";
  const qa = cosine || normalize ? normalizedRows(q) : q;
  const ra = sameSource ? qa : cosine || normalize ? normalizedRows(r) : r;
  const values = new Float64Array(q.rows * r.rows);
  for (let i = 0; i < q.rows; i++) {
    for (let j = 0; j < r.rows; j++) values[i * r.rows + j] = cosine ? rowDot(qa, i, ra, j) : rowDistance(qa, i, ra, j);
  }
  return { values, descending: cosine };
}

/** Per-query relevance and R (the number of other references sharing the query's label); R = 0 → lone. */
function relevance(ranked: Ranked): { rel: Uint8Array[]; R: number[] } {
  const counts = new Map<number, number>();
  for (const l of ranked.refLabels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const rel: Uint8Array[] = [];
  const R: number[] = [];
  ranked.knn.forEach((row, i) => {
    const label = ranked.queryLabels[i] as number;
    rel.push(Uint8Array.from(row, (j) => (ranked.refLabels[j] === label ? 1 : 0)));
    R.push((counts.get(label) ?? 0) - (ranked.sameSource ? 1 : 0));
  });
  return { rel, R };
}

function computeMetrics(ranked: Ranked): { metrics: RetrievalMetrics; used: number; lone: number[] } {
  const { rel, R } = relevance(ranked);
  const sums = { precisionAt1: 0, rPrecision: 0, mapAtR: 0, meanAveragePrecision: 0, meanReciprocalRank: 0 };
  let used = 0;
  const lone: number[] = [];
  rel.forEach((row, i) => {
    const r = R[i] as number;
    if (r <= 0) {
      lone.push(i);
      return;
    }
    used++;
    const K = row.length;
    // PML's relevance mask covers the first R positions of the retrieved list (fewer if k < R).
    const window = Math.min(r, K);
    let hits = 0;
    let hitsInWindow = 0;
    let apAtR = 0;
    let ap = 0;
    let firstHit = -1;
    for (let j = 0; j < K; j++) {
      if (row[j] !== 1) continue;
      hits++;
      const precision = hits / (j + 1);
      ap += precision;
      if (j < window) {
        hitsInWindow++;
        apAtR += precision;
      }
      if (firstHit < 0) firstHit = j;
    }
    sums.precisionAt1 += row[0] === 1 ? 1 : 0;
    sums.rPrecision += hitsInWindow / window;
    sums.mapAtR += apAtR / window;
    // PML divides by the relevant items actually retrieved (1 when none is).
    sums.meanAveragePrecision += ap / Math.max(hits, 1);
    // PML computes 1 / (rank) in float32 (argmax + 1.0 promotes to float32).
    sums.meanReciprocalRank += firstHit < 0 ? 0 : Math.fround(1 / (firstHit + 1));
  });
  const mean = (s: number): number => (used === 0 ? 0 : s / used);
  return {
    metrics: {
      precisionAt1: mean(sums.precisionAt1),
      rPrecision: mean(sums.rPrecision),
      mapAtR: mean(sums.mapAtR),
      meanAveragePrecision: mean(sums.meanAveragePrecision),
      meanReciprocalRank: mean(sums.meanReciprocalRank),
    },
    used,
    lone,
  };
}

const KNOWN = ["reference", "referenceLabels", "distance", "normalize", "k"];

/**
 * Precision@1, R-precision, MAP@R, MAP and MRR of a retrieval: each query ranks the references
 * (nearest first) and the items with the query's label are the relevant ones.
 *
 * - Without `reference`, the queries are their own reference set and each query's own row is
 *   removed from its ranking (by index, not by position).
 * - R_q = the references with the query's label (minus the query itself when query = reference).
 *   Queries with R_q = 0 ("lone" labels) are left out of every mean.
 * - precision@1 = mean rel(1); R-precision = mean (1/R) Σ_{k≤R} rel(k);
 *   MAP@R = mean (1/R) Σ_{k≤R} rel(k)·P(k); MAP = mean (Σ_k rel(k)·P(k)) / (relevant retrieved);
 *   MRR = mean 1/(rank of the first relevant), 0 when none is retrieved.
 *
 * @param query embeddings [Q, D] (tensor or nested array).
 * @param queryLabels [Q] integer labels.
 * @see pytorch-metric-learning `AccuracyCalculator(include=…, k=None, avg_of_avgs=False,
 *   knn_func=CustomKNN(distance)).get_accuracy(query, query_labels[, reference, reference_labels,
 *   ref_includes_query=False])` — mirrored exactly (all of metrics.json, including the neighbour
 *   lists). MRR takes PML's float32 reciprocal per query. Not supported: `avg_of_avgs`, NMI/AMI
 *   (clustering), custom label comparison, `ref_includes_query=True` with a separate reference.
 * @example
 * // Two tight classes: every nearest neighbour is a classmate.
 * retrievalMetrics([[0, 0], [0, 0.1], [5, 5], [5, 5.1]], [0, 0, 1, 1]).precisionAt1; // => 1
 */
export function retrievalMetrics(query: TensorInput | number[][], queryLabels: TensorInput | ArrayLike<number>, options?: RetrievalOptions): RetrievalReport {
  const ranked = rank("retrievalMetrics", query, queryLabels, options, KNOWN);
  const { metrics, used, lone } = computeMetrics(ranked);
  return new RetrievalReport(metrics, { knnIndices: ranked.knn, queriesUsed: used, loneQueries: lone, queryIsReference: ranked.sameSource });
}

function single(fn: string, key: keyof RetrievalMetrics) {
  return (query: TensorInput | number[][], queryLabels: TensorInput | ArrayLike<number>, options?: RetrievalOptions): number =>
    computeMetrics(rank(fn, query, queryLabels, options, KNOWN)).metrics[key];
}

/** Fraction of queries whose nearest neighbour shares their label (see {@link retrievalMetrics}). */
export const precisionAt1 = single("precisionAt1", "precisionAt1");
/** Mean share of a query's R classmates among its R nearest neighbours (see {@link retrievalMetrics}). */
export const rPrecision = single("rPrecision", "rPrecision");
/** Mean average precision within the first R neighbours (see {@link retrievalMetrics}). */
export const mapAtR = single("mapAtR", "mapAtR");
/** Mean average precision over the whole ranking (see {@link retrievalMetrics}). */
export const meanAveragePrecision = single("meanAveragePrecision", "meanAveragePrecision");
/** Mean reciprocal rank of the first classmate (see {@link retrievalMetrics}). */
export const meanReciprocalRank = single("meanReciprocalRank", "meanReciprocalRank");

/**
 * Recall@K as deep-metric-learning papers report it: the fraction of queries with at least one
 * item of their label among their K nearest neighbours (queries with a lone label left out, as in
 * {@link retrievalMetrics}). With an array of K, one value per K.
 *
 * @see Song et al. 2016, "Deep Metric Learning via Lifted Structured Feature Embedding"
 *   (https://arxiv.org/abs/1511.06452), §5. Not a PML AccuracyCalculator metric; "recall" in
 *   information retrieval (found / all relevant) is a different number.
 * @example
 * recallAtK([[0, 0], [0, 0.1], [5, 5], [5, 5.1]], [0, 0, 1, 1], 1); // => 1
 */
export function recallAtK(query: TensorInput | number[][], queryLabels: TensorInput | ArrayLike<number>, k: number, options?: Omit<RetrievalOptions, "k">): number;
export function recallAtK(query: TensorInput | number[][], queryLabels: TensorInput | ArrayLike<number>, k: number[], options?: Omit<RetrievalOptions, "k">): number[];
export function recallAtK(query: TensorInput | number[][], queryLabels: TensorInput | ArrayLike<number>, k: number | number[], options?: Omit<RetrievalOptions, "k">): number | number[] {
  const FN = "recallAtK";
  const ks = Array.isArray(k) ? k : [k];
  if (ks.length === 0 || ks.some((v) => typeof v !== "number" || !Number.isInteger(v) || v < 1)) {
    throw argError(FN, "k", "a positive integer or an array of them", describeValue(k), typeof k === "number" || Array.isArray(k) ? "range" : "type");
  }
  const ranked = rank(FN, query, queryLabels, options, ["reference", "referenceLabels", "distance", "normalize"]);
  const { rel, R } = relevance(ranked);
  const out = ks.map((kk) => {
    let used = 0;
    let found = 0;
    rel.forEach((row, i) => {
      if ((R[i] as number) <= 0) return;
      used++;
      for (let j = 0; j < Math.min(kk, row.length); j++) {
        if (row[j] === 1) {
          found++;
          break;
        }
      }
    });
    return used === 0 ? 0 : found / used;
  });
  return Array.isArray(k) ? out : (out[0] as number);
}
