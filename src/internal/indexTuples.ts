/**
 * Index tuples: which rows of a batch form the pairs or triplets a loss is computed on.
 *
 * pytorch-metric-learning passes these around as tuples of index tensors, `(a, p, n)` for
 * triplets and `(a1, p, a2, n)` for positive + negative pairs. Here they are plain objects of
 * `Int32Array`s with a `kind` tag, so that miners can build them in plain JS and losses can read
 * them without a round trip through tensors:
 *
 *     { kind: "triplets", anchors, positives, negatives }   // triplet k = (anchors[k], positives[k], negatives[k])
 *     { kind: "pairs", a1, p, a2, n }                       // positive pair k = (a1[k], p[k]); negative pair l = (a2[l], n[l])
 *
 * Anchors (`anchors`, `a1`, `a2`) index the query batch (`embeddings`); the others (`positives`,
 * `negatives`, `p`, `n`) index the reference batch, which is the query batch itself unless a
 * loss is given `refEmbeddings`.
 */
import * as tf from "@tensorflow/tfjs";
import { argError, describeValue, toLabels, type TensorInput } from "./validate";

/** Triplets (anchor, positive, negative), one per index k. */
export interface TripletIndices {
  readonly kind: "triplets";
  readonly anchors: Int32Array;
  readonly positives: Int32Array;
  readonly negatives: Int32Array;
}

/** Positive pairs (a1[k], p[k]) and negative pairs (a2[l], n[l]); the two lists may differ in length. */
export interface PairIndices {
  readonly kind: "pairs";
  readonly a1: Int32Array;
  readonly p: Int32Array;
  readonly a2: Int32Array;
  readonly n: Int32Array;
}

/** Either kind of index tuple, as miners return and losses accept. */
export type IndexTuple = TripletIndices | PairIndices;

/** Anything a loss accepts as `indicesTuple`: an {@link IndexTuple}, or PML's `[a, p, n]` / `[a1, p, a2, n]` as arrays or rank-1 tensors. */
export type IndexTupleInput = IndexTuple | readonly (ArrayLike<number> | tf.Tensor1D)[];

/**
 * The most triplets {@link allTripletsIndices} will list (3 × 4 bytes each, so 400 MB at this
 * bound). Above it a loss should reduce without listing (the triplet loss does for its
 * built-in reducers) or the batch should be mined.
 */
export const MAX_LISTED_TRIPLETS = 2 ** 25;

function labelsPair(fn: string, labels: unknown, refLabels: unknown): { y: Int32Array; ry: Int32Array; self: boolean } {
  const y = toLabels(fn, "labels", labels);
  if (refLabels === undefined || refLabels === null) return { y, ry: y, self: true };
  return { y, ry: toLabels(fn, "refLabels", refLabels), self: false };
}

/**
 * Every positive pair (same label) and every negative pair (different labels).
 *
 * Without `refLabels`: positive pairs (i, j) with i ≠ j and y_i = y_j, negative pairs (i, j) with
 * y_i ≠ y_j, both in row-major order (i, then j). With `refLabels`, j indexes `refLabels` and
 * there is no i ≠ j exclusion: query and reference are different sets.
 *
 * @param labels [N] integer labels (array, typed array or rank-1 tensor).
 * @param refLabels optional [R] labels of a separate reference set.
 * @see pytorch-metric-learning `loss_and_miner_utils.get_all_pairs_indices` — same pairs, same
 *   order. PML drops the i ≠ j exclusion only when `ref_labels is labels` (object identity);
 *   here it is dropped whenever `refLabels` is given.
 * @example
 * const t = allPairsIndices([0, 0, 1]);
 * [Array.from(t.a1), Array.from(t.p)]; // => [[0, 1], [1, 0]]
 * [Array.from(t.a2), Array.from(t.n)]; // => [[0, 1, 2, 2], [2, 2, 0, 1]]
 */
export function allPairsIndices(labels: TensorInput | ArrayLike<number>, refLabels?: TensorInput | ArrayLike<number>): PairIndices {
  const { y, ry, self } = labelsPair("allPairsIndices", labels, refLabels);
  return pairsFromLabels(y, ry, self);
}

/** The unchecked kernel of {@link allPairsIndices}. */
export function pairsFromLabels(y: Int32Array, ry: Int32Array, self: boolean): PairIndices {
  let nPos = 0;
  let nNeg = 0;
  for (let i = 0; i < y.length; i++) {
    for (let j = 0; j < ry.length; j++) {
      if (y[i] === ry[j]) {
        if (!self || i !== j) nPos++;
      } else nNeg++;
    }
  }
  const a1 = new Int32Array(nPos);
  const p = new Int32Array(nPos);
  const a2 = new Int32Array(nNeg);
  const n = new Int32Array(nNeg);
  let k = 0;
  let l = 0;
  for (let i = 0; i < y.length; i++) {
    for (let j = 0; j < ry.length; j++) {
      if (y[i] === ry[j]) {
        if (!self || i !== j) {
          a1[k] = i;
          p[k++] = j;
        }
      } else {
        a2[l] = i;
        n[l++] = j;
      }
    }
  }
  return { kind: "pairs", a1, p, a2, n };
}

/** How many triplets {@link allTripletsIndices} would list, without listing them. */
export function countAllTriplets(y: Int32Array, ry: Int32Array, self: boolean): number {
  const refCount = new Map<number, number>();
  for (const label of ry) refCount.set(label, (refCount.get(label) ?? 0) + 1);
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const same = refCount.get(y[i] as number) ?? 0;
    const positives = self ? same - 1 : same;
    total += positives * (ry.length - same);
  }
  return total;
}

/**
 * Every valid triplet (a, p, n): (a, p) a positive pair and (a, n) a negative pair, ordered by
 * a, then p, then n. Without `refLabels`, p ≠ a; with `refLabels`, p and n index the reference
 * set and there is no exclusion.
 *
 * There are up to N³ of them. They are listed with loops over each anchor's positives and
 * negatives (memory proportional to the output, never an N × N × N mask); more than
 * {@link MAX_LISTED_TRIPLETS} is refused with a RangeError.
 *
 * @see pytorch-metric-learning `loss_and_miner_utils.get_all_triplets_indices` — same triplets,
 *   same order (PML builds the N×N×N mask and calls `torch.where`).
 * @example
 * const t = allTripletsIndices([0, 0, 1]);
 * [Array.from(t.anchors), Array.from(t.positives), Array.from(t.negatives)]; // => [[0, 1], [1, 0], [2, 2]]
 */
export function allTripletsIndices(labels: TensorInput | ArrayLike<number>, refLabels?: TensorInput | ArrayLike<number>): TripletIndices {
  const fn = "allTripletsIndices";
  const { y, ry, self } = labelsPair(fn, labels, refLabels);
  const total = countAllTriplets(y, ry, self);
  if (total > MAX_LISTED_TRIPLETS) {
    throw argError(fn, "labels", `a batch with at most ${MAX_LISTED_TRIPLETS} triplets to list`, `${total} triplets (mine a subset, e.g. with a miner)`);
  }
  return tripletsFromLabels(y, ry, self, total);
}

/** The unchecked kernel of {@link allTripletsIndices}; `total` from {@link countAllTriplets}. */
export function tripletsFromLabels(y: Int32Array, ry: Int32Array, self: boolean, total = countAllTriplets(y, ry, self)): TripletIndices {
  const anchors = new Int32Array(total);
  const positives = new Int32Array(total);
  const negatives = new Int32Array(total);
  const neg = new Int32Array(ry.length);
  let k = 0;
  for (let a = 0; a < y.length; a++) {
    const label = y[a];
    let nNeg = 0;
    for (let j = 0; j < ry.length; j++) if (ry[j] !== label) neg[nNeg++] = j;
    if (nNeg === 0) continue;
    for (let p = 0; p < ry.length; p++) {
      if (ry[p] !== label || (self && p === a)) continue;
      anchors.fill(a, k, k + nNeg);
      positives.fill(p, k, k + nNeg);
      negatives.set(neg.subarray(0, nNeg), k);
      k += nNeg;
    }
  }
  return { kind: "triplets", anchors, positives, negatives };
}

/**
 * Pairs from any index tuple: pairs are returned as they are; each triplet (a, p, n) gives the
 * positive pair (a, p) and the negative pair (a, n). Duplicates are kept.
 *
 * @see pytorch-metric-learning `loss_and_miner_utils.convert_to_pairs` — same output.
 * @example
 * const t = convertToPairs({ kind: "triplets", anchors: Int32Array.of(0), positives: Int32Array.of(1), negatives: Int32Array.of(2) });
 * [Array.from(t.a1), Array.from(t.p), Array.from(t.a2), Array.from(t.n)]; // => [[0], [1], [0], [2]]
 */
export function convertToPairs(tuple: IndexTupleInput): PairIndices {
  const t = toIndexTuple("convertToPairs", "tuple", tuple);
  if (t.kind === "pairs") return t;
  return { kind: "pairs", a1: t.anchors.slice(), p: t.positives.slice(), a2: t.anchors.slice(), n: t.negatives.slice() };
}

/**
 * Triplets from any index tuple: triplets are returned as they are; pairs give one triplet
 * (a1[k], p[k], n[l]) for every positive pair k and negative pair l that share their anchor
 * (a1[k] = a2[l]), ordered by k, then l. Duplicates are kept.
 *
 * @see pytorch-metric-learning `loss_and_miner_utils.convert_to_triplets` — same output and order.
 * @example
 * const t = convertToTriplets({ kind: "pairs", a1: Int32Array.of(0, 1), p: Int32Array.of(1, 0), a2: Int32Array.of(0, 0), n: Int32Array.of(2, 3) });
 * [Array.from(t.anchors), Array.from(t.positives), Array.from(t.negatives)]; // => [[0, 0], [1, 1], [2, 3]]
 */
export function convertToTriplets(tuple: IndexTupleInput): TripletIndices {
  const t = toIndexTuple("convertToTriplets", "tuple", tuple);
  return t.kind === "triplets" ? t : pairsToTriplets(t);
}

/** The unchecked kernel of {@link convertToTriplets} for pairs. */
export function pairsToTriplets(t: PairIndices): TripletIndices {
  // Negative pairs grouped by anchor, keeping their order.
  const byAnchor = new Map<number, number[]>();
  for (let l = 0; l < t.a2.length; l++) {
    const a = t.a2[l] as number;
    let list = byAnchor.get(a);
    if (list === undefined) byAnchor.set(a, (list = []));
    list.push(l);
  }
  let total = 0;
  for (let k = 0; k < t.a1.length; k++) total += byAnchor.get(t.a1[k] as number)?.length ?? 0;
  const anchors = new Int32Array(total);
  const positives = new Int32Array(total);
  const negatives = new Int32Array(total);
  let m = 0;
  for (let k = 0; k < t.a1.length; k++) {
    const a = t.a1[k] as number;
    for (const l of byAnchor.get(a) ?? []) {
      anchors[m] = a;
      positives[m] = t.p[k] as number;
      negatives[m++] = t.n[l] as number;
    }
  }
  return { kind: "triplets", anchors, positives, negatives };
}

function toIndexArray(fn: string, arg: string, value: unknown, bound?: number, boundArg?: string): Int32Array {
  let data: ArrayLike<number>;
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) throw argError(fn, arg, "a live tensor", "a disposed tensor", "type");
    if (value.rank !== 1) throw argError(fn, arg, "a rank-1 array of indices", describeValue(value), "type");
    data = value.dataSync();
  } else if (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    data = value as ArrayLike<number>;
  } else {
    throw argError(fn, arg, "an array of indices", describeValue(value), "type");
  }
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    const inRange = typeof v === "number" && Number.isInteger(v) && v >= 0 && (bound === undefined || v < bound);
    if (!inRange) {
      const expected = bound === undefined ? "non-negative integer indices" : `integer indices in [0, ${bound}) (rows of '${boundArg}')`;
      throw argError(fn, arg, expected, `${describeValue(v)} at [${i}]`, typeof v === "number" ? "range" : "type");
    }
    out[i] = v;
  }
  return out;
}

/**
 * Checks and converts an index tuple. Anchors must be < `nQuery` and the others < `nRef` when
 * those are given; the arrays of one list must have equal lengths.
 */
export function toIndexTuple(
  fn: string,
  arg: string,
  value: unknown,
  nQuery?: number,
  nRef?: number,
  queryArg = "embeddings",
  refArg = "embeddings",
): IndexTuple {
  let parts: unknown[];
  let kind: "triplets" | "pairs";
  let names: string[];
  if (Array.isArray(value)) {
    if (value.length !== 3 && value.length !== 4) {
      throw argError(fn, arg, "[anchors, positives, negatives] or [a1, p, a2, n]", `an array of length ${value.length}`, "type");
    }
    parts = value;
    kind = value.length === 3 ? "triplets" : "pairs";
    names = kind === "triplets" ? ["[0]", "[1]", "[2]"] : ["[0]", "[1]", "[2]", "[3]"];
  } else if (value !== null && typeof value === "object" && (value as { kind?: unknown }).kind === "triplets") {
    const v = value as Record<string, unknown>;
    kind = "triplets";
    names = [".anchors", ".positives", ".negatives"];
    parts = [v.anchors, v.positives, v.negatives];
  } else if (value !== null && typeof value === "object" && (value as { kind?: unknown }).kind === "pairs") {
    const v = value as Record<string, unknown>;
    kind = "pairs";
    names = [".a1", ".p", ".a2", ".n"];
    parts = [v.a1, v.p, v.a2, v.n];
  } else {
    throw argError(fn, arg, "an index tuple ({ kind: \"triplets\" | \"pairs\", … } or an array of 3 or 4 index arrays)", describeValue(value), "type");
  }
  const isAnchor = kind === "triplets" ? [true, false, false] : [true, false, true, false];
  const arrays = parts.map((p, i) =>
    toIndexArray(fn, `${arg}${names[i]}`, p, isAnchor[i] ? nQuery : nRef, isAnchor[i] ? queryArg : refArg),
  );
  const sameLength = (i: number, j: number): void => {
    const a = arrays[i] as Int32Array;
    const b = arrays[j] as Int32Array;
    if (a.length !== b.length) {
      throw argError(fn, `${arg}${names[j]}`, `the same length as '${arg}${names[i]}' (${a.length})`, `length ${b.length}`);
    }
  };
  if (kind === "triplets") {
    sameLength(0, 1);
    sameLength(0, 2);
    const [anchors, positives, negatives] = arrays as [Int32Array, Int32Array, Int32Array];
    return { kind, anchors, positives, negatives };
  }
  sameLength(0, 1);
  sameLength(2, 3);
  const [a1, p, a2, n] = arrays as [Int32Array, Int32Array, Int32Array, Int32Array];
  return { kind, a1, p, a2, n };
}
