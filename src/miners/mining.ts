/**
 * What every online miner shares: argument checks, the one distance matrix read into JS, the
 * statistics every call reports, and the per-anchor `explain` table.
 *
 * Mining needs no gradient, so a miner computes `distance.matrix(embeddings, ref)` once, reads it
 * with `dataSync`, disposes it, and selects indices in plain loops. Comparisons go through
 * `distance.margin(x, y)` ("how much closer x is than y"), so a similarity flips every
 * inequality without the miner knowing which metric it has.
 */
import * as tf from "@tensorflow/tfjs";
import type { Distance } from "../distances/distance";
import type { PairIndices, TripletIndices } from "../internal/indexTuples";
import { Table } from "../internal/table";
import { argError, checkOptions, describeValue, numberOption, toFloatTensor, toLabels, type TensorInput } from "../internal/validate";

/** Options every miner accepts. */
export interface MinerOptions {
  /** A separate reference set: positives and negatives are rows of it (give `refLabels` too). */
  refEmbeddings?: TensorInput;
  /** Labels of `refEmbeddings`. */
  refLabels?: TensorInput | ArrayLike<number>;
  /** How closeness is measured (default: each miner's PML default, see its doc). */
  distance?: Distance;
}

/** Statistics every miner reports on every call, as plain numbers (NaN where there is nothing to average). */
export interface MinerStats {
  /** The miner's name. */
  miner: string;
  /** The distance's name and whether it is a similarity (then "d" below means similarity). */
  distance: string;
  isInverted: boolean;
  /** Triplets, or positive + negative pairs. */
  numTuples: number;
  numTriplets: number;
  numPosPairs: number;
  numNegPairs: number;
  /** Rows of `embeddings` (the anchors). */
  anchors: number;
  /** Anchors with no positive (no other reference row shares their label). */
  anchorsWithoutPositive: number;
  /** Anchors with no negative (every reference row shares their label). */
  anchorsWithoutNegative: number;
  /** Anchors that have a positive and a negative but appear in no mined tuple (nothing valid was found). */
  anchorsWithoutValidTuple: number;
  /** d(a, p) over the mined triplets or positive pairs. */
  apMean: number;
  apMin: number;
  apMax: number;
  /** d(a, n) over the mined triplets or negative pairs. */
  anMean: number;
  anMin: number;
  anMax: number;
  /** Triplets that used a fallback negative (only the FaceNet / TF Similarity semi-hard variants). */
  fallbacks: number;
}

/** Easy, semi-hard or hard — see {@link ZONE_DEFINITIONS}. */
export type Zone = "easy" | "semi-hard" | "hard";

/** One row of a miner's `explain` table: one anchor. */
export interface MinerExplainRow {
  anchor: number;
  label: number;
  /** Tuples this anchor takes part in (triplets, or positive + negative pairs). */
  tuples: number;
  /** The positive and negative shown: the hardest of this anchor's mined tuples. */
  positive: number | null;
  negative: number | null;
  ap: number | null;
  an: number | null;
  /** How much closer the positive is than the negative (d(a,n) − d(a,p), or s(a,p) − s(a,n)). */
  gap: number | null;
  zone: Zone | null;
  note: string;
}

/** Options of `explain()`. */
export interface ExplainOptions {
  /** The margin that separates semi-hard from easy (default: the miner's margin, else 0.2). */
  margin?: number;
}

/** A mined index tuple that also carries its statistics and can explain itself. */
export type Mined<T> = T & {
  readonly stats: MinerStats;
  /** One row per anchor: which positive and negative it got, their distances and zone. */
  explain(options?: ExplainOptions): Table<MinerExplainRow>;
};
export type MinedTriplets = Mined<TripletIndices>;
export type MinedPairs = Mined<PairIndices>;

/**
 * The margin used for zones when a miner has none: pytorch-metric-learning's TripletMarginMiner
 * default (0.2).
 */
export const DEFAULT_ZONE_MARGIN = 0.2;

/** The zones in words, shown under every explain table. */
export const ZONE_DEFINITIONS = [
  "gap = how much closer the positive is than the negative: d(a,n) − d(a,p) for a distance, s(a,p) − s(a,n) for a similarity.",
  "hard: gap ≤ 0 — the negative is at least as close as the positive (the embedding is wrong for this triplet).",
  "semi-hard: 0 < gap ≤ margin — the order is right but by less than the margin (the loss is still active).",
  "easy: gap > margin — already separated by more than the margin (zero triplet loss, nothing to learn).",
];

/** The zone of a triplet whose positive is `gap` closer than its negative. */
export function zoneOf(gap: number, margin: number): Zone {
  if (gap <= 0) return "hard";
  return gap <= margin ? "semi-hard" : "easy";
}

/** The batch as miners see it: the distance matrix in JS and both label vectors. */
export interface MiningContext {
  fn: string;
  distance: Distance;
  /** Row-major [nQ, nR] values of `distance.matrix(embeddings, ref)`. */
  mat: ArrayLike<number>;
  nQ: number;
  nR: number;
  /** Embedding width. */
  dim: number;
  y: Int32Array;
  ry: Int32Array;
  /** True when the reference set is the batch itself (then a row is never its own positive). */
  self: boolean;
  /** Per anchor: number of positives and of negatives in the reference set. */
  posCount: Int32Array;
  negCount: Int32Array;
  /** `distance.margin(x, y) > 0`: x is strictly closer than y. */
  closer(x: number, y: number): boolean;
}

function isDistance(value: unknown): value is Distance {
  if (value === null || typeof value !== "object") return false;
  const d = value as Partial<Distance>;
  return typeof d.matrix === "function" && typeof d.margin === "function" && typeof d.isInverted === "boolean";
}

/**
 * Validates a miner's arguments, computes the distance matrix once and reads it into JS.
 * Returns the context and the miner-specific options (already checked for unknown keys).
 */
export function prepareMining(
  fn: string,
  embeddings: TensorInput,
  labels: TensorInput | ArrayLike<number>,
  options: unknown,
  ownKeys: readonly string[],
  defaultDistance: () => Distance,
): { ctx: MiningContext; opts: Record<string, unknown> } {
  const opts = checkOptions(fn, options, ["refEmbeddings", "refLabels", "distance", ...ownKeys]);
  let distance: Distance;
  if (opts.distance === undefined) distance = defaultDistance();
  else if (isDistance(opts.distance)) distance = opts.distance;
  else throw argError(fn, "distance", "a Distance object (e.g. new LpDistance() or new CosineSimilarity())", describeValue(opts.distance), "type");
  const hasRef = opts.refEmbeddings !== undefined;
  if (hasRef !== (opts.refLabels !== undefined)) {
    const [given, missing] = hasRef ? ["refEmbeddings", "refLabels"] : ["refLabels", "refEmbeddings"];
    throw argError(fn, missing, `given together with '${given}'`, "undefined", "type");
  }
  let shape = { nQ: 0, nR: 0, dim: 0 };
  let y = new Int32Array(0);
  let ry = y;
  const read: { values?: ArrayLike<number> } = {};
  // tidy returns only the matrix tensor (a container with typed arrays would be walked element by element).
  const matrix = tf.tidy(() => {
    const e = toFloatTensor(fn, "embeddings", embeddings, { rank: 2 }) as tf.Tensor2D;
    const [n, d] = e.shape;
    y = toLabels(fn, "labels", labels, n);
    ry = y;
    let r: tf.Tensor2D | undefined;
    if (hasRef) {
      r = toFloatTensor(fn, "refEmbeddings", opts.refEmbeddings, { rank: 2 }) as tf.Tensor2D;
      if (r.shape[1] !== d) throw argError(fn, "refEmbeddings", `rows of the same width as 'embeddings' (${d})`, `width ${r.shape[1]}`);
      ry = toLabels(fn, "refLabels", opts.refLabels, r.shape[0], "refEmbeddings");
    }
    shape = { nQ: n, nR: r ? r.shape[0] : n, dim: d };
    // A distance that can hand over the matrix's values directly (LpDistance: the same numbers
    // without seven N × R backend passes) is asked for them; no tensor leaves the tidy then.
    if (distance.matrixValues !== undefined) {
      read.values = distance.matrixValues(e, r);
      return undefined;
    }
    return distance.matrix(e, r);
  });
  // Read once; on the cpu backend this is the tensor's own buffer, which is only ever read.
  const mat = read.values ?? (matrix as tf.Tensor).dataSync();
  matrix?.dispose();
  const { nQ, nR, dim } = shape;
  const self = !hasRef;
  const count = new Map<number, number>();
  for (const label of ry) count.set(label, (count.get(label) ?? 0) + 1);
  const posCount = new Int32Array(nQ);
  const negCount = new Int32Array(nQ);
  for (let i = 0; i < nQ; i++) {
    const same = count.get(y[i] as number) ?? 0;
    posCount[i] = self ? same - 1 : same;
    negCount[i] = nR - same;
  }
  const ctx: MiningContext = {
    fn,
    distance,
    mat,
    nQ,
    nR,
    dim,
    y,
    ry,
    self,
    posCount,
    negCount,
    closer: (a, b) => distance.margin(a, b) > 0,
  };
  return { ctx, opts };
}

/** Reads a seed option (any finite number; default 0). */
export function seedOption(fn: string, value: unknown): number {
  return numberOption(fn, "seed", value, 0);
}

/** Whether reference row j is a positive of anchor i. */
export function isPositive(ctx: MiningContext, i: number, j: number): boolean {
  return ctx.ry[j] === ctx.y[i] && !(ctx.self && i === j);
}

/** Whether reference row j is a negative of anchor i. */
export function isNegative(ctx: MiningContext, i: number, j: number): boolean {
  return ctx.ry[j] !== ctx.y[i];
}

/** A growable list of int32 values (mined indices), without boxing. */
export class IndexList {
  private data = new Int32Array(64);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

interface Extremes {
  sum: number;
  min: number;
  max: number;
  n: number;
}
const emptyExtremes = (): Extremes => ({ sum: 0, min: Infinity, max: -Infinity, n: 0 });
function add(e: Extremes, v: number): void {
  e.sum += v;
  if (v < e.min) e.min = v;
  if (v > e.max) e.max = v;
  e.n++;
}

/** Per-anchor record of the hardest mined tuple, kept for `explain` (O(anchors) memory). */
interface AnchorRecord {
  tuples: Int32Array;
  pos: Int32Array;
  neg: Int32Array;
}

function newRecord(n: number): AnchorRecord {
  return { tuples: new Int32Array(n), pos: new Int32Array(n).fill(-1), neg: new Int32Array(n).fill(-1) };
}

function baseStats(ctx: MiningContext, miner: string): MinerStats {
  let noPos = 0;
  let noNeg = 0;
  for (let i = 0; i < ctx.nQ; i++) {
    if (ctx.posCount[i] === 0) noPos++;
    if (ctx.negCount[i] === 0) noNeg++;
  }
  return {
    miner,
    distance: ctx.distance.name,
    isInverted: ctx.distance.isInverted,
    numTuples: 0,
    numTriplets: 0,
    numPosPairs: 0,
    numNegPairs: 0,
    anchors: ctx.nQ,
    anchorsWithoutPositive: noPos,
    anchorsWithoutNegative: noNeg,
    anchorsWithoutValidTuple: 0,
    apMean: NaN,
    apMin: NaN,
    apMax: NaN,
    anMean: NaN,
    anMin: NaN,
    anMax: NaN,
    fallbacks: 0,
  };
}

function fillExtremes(stats: MinerStats, ap: Extremes, an: Extremes): void {
  if (ap.n > 0) Object.assign(stats, { apMean: ap.sum / ap.n, apMin: ap.min, apMax: ap.max });
  if (an.n > 0) Object.assign(stats, { anMean: an.sum / an.n, anMin: an.min, anMax: an.max });
}

function countUnserved(ctx: MiningContext, rec: AnchorRecord): number {
  let n = 0;
  for (let i = 0; i < ctx.nQ; i++) if (ctx.posCount[i]! > 0 && ctx.negCount[i]! > 0 && rec.tuples[i] === 0) n++;
  return n;
}

/** Wraps mined triplets with their statistics and explain table. */
export function finishTriplets(
  ctx: MiningContext,
  miner: string,
  anchors: Int32Array,
  positives: Int32Array,
  negatives: Int32Array,
  zoneMargin: number,
  fallbacks = 0,
): MinedTriplets {
  const { mat, nR } = ctx;
  const ap = emptyExtremes();
  const an = emptyExtremes();
  const rec = newRecord(ctx.nQ);
  for (let k = 0; k < anchors.length; k++) {
    const a = anchors[k] as number;
    const p = positives[k] as number;
    const n = negatives[k] as number;
    const dp = mat[a * nR + p] as number;
    const dn = mat[a * nR + n] as number;
    add(ap, dp);
    add(an, dn);
    rec.tuples[a]!++;
    // Keep the hardest triplet of each anchor: the smallest gap.
    const prev = rec.pos[a] as number;
    if (prev < 0 || ctx.distance.margin(dp, dn) < ctx.distance.margin(mat[a * nR + prev] as number, mat[a * nR + (rec.neg[a] as number)] as number)) {
      rec.pos[a] = p;
      rec.neg[a] = n;
    }
  }
  const stats = baseStats(ctx, miner);
  stats.numTuples = stats.numTriplets = anchors.length;
  stats.fallbacks = fallbacks;
  stats.anchorsWithoutValidTuple = countUnserved(ctx, rec);
  fillExtremes(stats, ap, an);
  const tuple: TripletIndices = { kind: "triplets", anchors, positives, negatives };
  return attach(tuple, ctx, stats, rec, zoneMargin);
}

/** Wraps mined pairs with their statistics and explain table. */
export function finishPairs(
  ctx: MiningContext,
  miner: string,
  a1: Int32Array,
  p: Int32Array,
  a2: Int32Array,
  n: Int32Array,
  zoneMargin: number,
): MinedPairs {
  const { mat, nR } = ctx;
  const ap = emptyExtremes();
  const an = emptyExtremes();
  const rec = newRecord(ctx.nQ);
  const served = new Uint8Array(ctx.nQ);
  // The hardest positive pair (farthest) and hardest negative pair (closest) of each anchor.
  for (let k = 0; k < a1.length; k++) {
    const a = a1[k] as number;
    const j = p[k] as number;
    const v = mat[a * nR + j] as number;
    add(ap, v);
    rec.tuples[a]!++;
    served[a]! |= 1;
    const prev = rec.pos[a] as number;
    if (prev < 0 || ctx.closer(mat[a * nR + prev] as number, v)) rec.pos[a] = j;
  }
  for (let l = 0; l < a2.length; l++) {
    const a = a2[l] as number;
    const j = n[l] as number;
    const v = mat[a * nR + j] as number;
    add(an, v);
    rec.tuples[a]!++;
    served[a]! |= 2;
    const prev = rec.neg[a] as number;
    if (prev < 0 || ctx.closer(v, mat[a * nR + prev] as number)) rec.neg[a] = j;
  }
  const stats = baseStats(ctx, miner);
  stats.numPosPairs = a1.length;
  stats.numNegPairs = a2.length;
  stats.numTuples = a1.length + a2.length;
  stats.anchorsWithoutValidTuple = countUnserved(ctx, rec);
  fillExtremes(stats, ap, an);
  const tuple: PairIndices = { kind: "pairs", a1, p, a2, n };
  return attach(tuple, ctx, stats, rec, zoneMargin);
}

function attach<T extends TripletIndices | PairIndices>(tuple: T, ctx: MiningContext, stats: MinerStats, rec: AnchorRecord, zoneMargin: number): Mined<T> {
  // Only O(anchors) numbers are kept for explain, never the distance matrix.
  const { nQ, y, posCount, negCount, distance } = ctx;
  const apOf = new Float64Array(nQ).fill(NaN);
  const anOf = new Float64Array(nQ).fill(NaN);
  for (let i = 0; i < nQ; i++) {
    if ((rec.pos[i] as number) >= 0) apOf[i] = ctx.mat[i * ctx.nR + (rec.pos[i] as number)] as number;
    if ((rec.neg[i] as number) >= 0) anOf[i] = ctx.mat[i * ctx.nR + (rec.neg[i] as number)] as number;
  }
  const labels = Int32Array.from(y);
  const pc = Int32Array.from(posCount);
  const nc = Int32Array.from(negCount);
  const explain = (options?: ExplainOptions): Table<MinerExplainRow> => {
    const o = checkOptions(`${stats.miner}.explain`, options, ["margin"]);
    const margin = numberOption(`${stats.miner}.explain`, "margin", o.margin, zoneMargin);
    return explainTable(stats, labels, pc, nc, rec, apOf, anOf, margin, distance);
  };
  Object.defineProperty(tuple, "stats", { value: stats, enumerable: false });
  Object.defineProperty(tuple, "explain", { value: explain, enumerable: false });
  return tuple as Mined<T>;
}

function explainTable(
  stats: MinerStats,
  y: Int32Array,
  posCount: Int32Array,
  negCount: Int32Array,
  rec: AnchorRecord,
  apOf: Float64Array,
  anOf: Float64Array,
  margin: number,
  distance: Distance,
): Table<MinerExplainRow> {
  const rows: MinerExplainRow[] = [];
  const zones = { easy: 0, "semi-hard": 0, hard: 0 };
  for (let i = 0; i < y.length; i++) {
    const p = rec.pos[i] as number;
    const n = rec.neg[i] as number;
    const ap = p >= 0 ? (apOf[i] as number) : null;
    const an = n >= 0 ? (anOf[i] as number) : null;
    const gap = ap !== null && an !== null ? distance.margin(ap, an) : null;
    const zone = gap === null ? null : zoneOf(gap, margin);
    if (zone) zones[zone]++;
    let note = "";
    if (posCount[i] === 0) note = "no positive in the reference set";
    else if (negCount[i] === 0) note = "no negative in the reference set";
    else if (rec.tuples[i] === 0) note = "nothing selected for this anchor";
    else if (p < 0) note = "no positive pair selected";
    else if (n < 0) note = "no negative pair selected";
    rows.push({ anchor: i, label: y[i] as number, tuples: rec.tuples[i] as number, positive: p >= 0 ? p : null, negative: n >= 0 ? n : null, ap, an, gap, zone, note });
  }
  const d = stats.isInverted ? "s" : "d";
  const what = stats.numTriplets > 0 || stats.numPosPairs + stats.numNegPairs === 0 ? `${stats.numTriplets} triplets` : `${stats.numPosPairs} positive and ${stats.numNegPairs} negative pairs`;
  const verdict =
    `${stats.miner}: ${what} from ${stats.anchors} anchors (${stats.distance}); ` +
    `shown per anchor, its hardest tuple — ${zones.hard} hard, ${zones["semi-hard"]} semi-hard, ${zones.easy} easy at margin ${margin}` +
    (stats.anchorsWithoutPositive ? `; ${stats.anchorsWithoutPositive} anchors have no positive` : "") +
    (stats.anchorsWithoutNegative ? `; ${stats.anchorsWithoutNegative} have no negative` : "") +
    (stats.anchorsWithoutValidTuple ? `; ${stats.anchorsWithoutValidTuple} got nothing` : "") +
    (stats.fallbacks ? `; ${stats.fallbacks} triplets used the fallback negative` : "") +
    ".";
  return new Table<MinerExplainRow>(
    [
      { label: "anchor", value: (r) => r.anchor, digits: 0 },
      { label: "label", value: (r) => r.label, digits: 0 },
      { label: "tuples", value: (r) => r.tuples, digits: 0 },
      { label: "positive", value: (r) => r.positive, digits: 0 },
      { label: "negative", value: (r) => r.negative, digits: 0 },
      { label: `${d}(a,p)`, value: (r) => r.ap },
      { label: `${d}(a,n)`, value: (r) => r.an },
      { label: "gap", value: (r) => r.gap },
      { label: "zone", value: (r) => r.zone },
      { label: "note", value: (r) => r.note },
    ],
    rows,
    { title: verdict, notes: [...ZONE_DEFINITIONS, `margin = ${margin}.`] },
  );
}
