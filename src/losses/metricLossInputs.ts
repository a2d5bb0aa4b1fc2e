/**
 * The machinery shared by the label-based losses that mirror pytorch-metric-learning
 * (contrastiveLoss, tripletLoss, ntXentLoss, supConLoss, multiSimilarityLoss, circleLoss):
 * argument checks, the reference set, index tuples turned into N × R pair weights, and PML's
 * zero-loss rule. Not exported from the package.
 */
import * as tf from "@tensorflow/tfjs";
import type { Distance } from "../distances/distance";
import { toIndexTuple, type IndexTuple, type IndexTupleInput } from "../internal/indexTuples";
import { argError, checkOptions, describeValue, toFloatTensor, toLabels, type TensorInput } from "../internal/validate";
import { reducerOption, type Reducer } from "../reducers/reducer";

/** Options every label-based loss takes. */
export interface MetricLossOptions {
  /**
   * Mined pairs or triplets to use instead of every valid pair/triplet of the batch (an
   * {@link IndexTuple} from a miner, or PML's `[a, p, n]` / `[a1, p, a2, n]` as arrays).
   * Pair losses given triplets use (a, p) and (a, n) of each; the triplet loss given pairs
   * combines every positive and negative pair that share an anchor.
   */
  indicesTuple?: IndexTupleInput;
  /** A separate reference batch [R, D]: anchors come from `embeddings`, positives and negatives from here. */
  refEmbeddings?: TensorInput;
  /** Labels of `refEmbeddings` (required with it, unless `indicesTuple` is given). */
  refLabels?: TensorInput | ArrayLike<number>;
  /** How closeness is measured (each loss documents its default). */
  distance?: Distance;
  /** How per-element losses become the value (each loss documents its default). */
  reducer?: Reducer;
}

export const METRIC_LOSS_KEYS = ["indicesTuple", "refEmbeddings", "refLabels", "distance", "reducer"] as const;

/** PyTorch's `torch.finfo(torch.float32).tiny`, PML's `c_f.small_val` guard against log(0) and 0/0. */
export const FLOAT32_TINY = 1.1754943508222875e-38;

/** Everything a loss body needs, checked. */
export interface MetricLossInputs {
  options: Record<string, unknown>;
  /** [N, D] query embeddings. */
  emb: tf.Tensor2D;
  /** [R, D] reference embeddings, or undefined when the reference set is the batch itself. */
  ref: tf.Tensor2D | undefined;
  n: number;
  r: number;
  labels: Int32Array | null;
  refLabels: Int32Array | null;
  tuple: IndexTuple | undefined;
  distance: Distance;
  reducer: Reducer;
}

function distanceOption(fn: string, value: unknown, fallback: () => Distance): Distance {
  if (value === undefined) return fallback();
  const v = value as Partial<Distance> | null;
  if (v === null || typeof v !== "object" || typeof v.matrix !== "function" || typeof v.isInverted !== "boolean") {
    throw argError(fn, "distance", "a distance object (e.g. new LpDistance(), new CosineSimilarityDistance())", describeValue(value), "type");
  }
  return v as Distance;
}

/**
 * Checks the arguments of a label-based loss. Call inside `tf.tidy` (arrays become tensors).
 * `extraKeys` are the loss's own options.
 */
export function metricLossInputs(
  fn: string,
  embeddings: TensorInput,
  labels: TensorInput | ArrayLike<number> | null | undefined,
  options: unknown,
  extraKeys: readonly string[],
  defaults: { distance: () => Distance; reducer: () => Reducer },
): MetricLossInputs {
  const o = checkOptions(fn, options, [...METRIC_LOSS_KEYS, ...extraKeys]);
  const distance = distanceOption(fn, o.distance, defaults.distance);
  const reducer = reducerOption(fn, o.reducer, defaults.reducer());
  const emb = toFloatTensor(fn, "embeddings", embeddings, { rank: 2 }) as tf.Tensor2D;
  const [n, dim] = emb.shape;
  let ref: tf.Tensor2D | undefined;
  if (o.refEmbeddings !== undefined) {
    ref = toFloatTensor(fn, "refEmbeddings", o.refEmbeddings, { rank: 2 }) as tf.Tensor2D;
    if (ref.shape[1] !== dim) {
      throw argError(fn, "refEmbeddings", `made of rows of the same length as 'embeddings' (${dim})`, `shape [${ref.shape.join(",")}]`);
    }
  }
  const r = ref === undefined ? n : ref.shape[0];
  const tuple =
    o.indicesTuple === undefined
      ? undefined
      : toIndexTuple(fn, "indicesTuple", o.indicesTuple, n, r, "embeddings", ref === undefined ? "embeddings" : "refEmbeddings");
  const y = labels === null || labels === undefined ? null : toLabels(fn, "labels", labels, n);
  if (y === null && tuple === undefined) {
    throw argError(fn, "labels", "integer labels (they may be left out only when 'indicesTuple' is given)", describeValue(labels), "type");
  }
  let ry: Int32Array | null = null;
  if (o.refLabels !== undefined) {
    if (ref === undefined) throw argError(fn, "refLabels", "given together with 'refEmbeddings'", "refLabels without refEmbeddings");
    ry = toLabels(fn, "refLabels", o.refLabels, r, "refEmbeddings");
  } else if (ref !== undefined && tuple === undefined) {
    throw argError(fn, "refLabels", "given with 'refEmbeddings' (or pass 'indicesTuple')", "undefined", "type");
  }
  return { options: o, emb, ref, n, r, labels: y, refLabels: ref === undefined ? y : ry, tuple, distance, reducer };
}

/** PML's `zero_loss`: 0 with a (zero) gradient path to every embedding input. */
export function zeroLoss(inp: MetricLossInputs): tf.Scalar {
  const z = tf.mul(tf.sum(inp.emb), 0);
  return (inp.ref === undefined ? z : tf.add(z, tf.mul(tf.sum(inp.ref), 0))) as tf.Scalar;
}

/** Positive and negative pairs as N × R multiplicity matrices (row-major), with the list lengths. */
export interface PairWeights {
  readonly pos: Float32Array;
  readonly neg: Float32Array;
  /** Length of the positive-pair list (counting duplicates). */
  nPos: number;
  /** Length of the negative-pair list (counting duplicates). */
  nNeg: number;
  /**
   * Set when the pairs are all pairs by label (no tuple): then pos[i·R + j] is 1 exactly when
   * refLabels[j] = labels[i] (and i ≠ j for one batch), neg[i·R + j] when they differ. Loops
   * that test the labels themselves never build `pos` and `neg` (two N × R arrays, 128 MB at
   * N = 4096), which are only made on first access.
   */
  readonly byLabel?: { labels: Int32Array; refLabels: Int32Array; self: boolean };
}

/**
 * The pairs a pair loss works on: all pairs from the labels (self-pairs excluded unless a
 * reference set is given), or the given tuple (triplets give (a, p) and (a, n) each; duplicates
 * add up).
 */
export function pairWeights(inp: MetricLossInputs): PairWeights {
  const { n, r, tuple } = inp;
  if (tuple === undefined) {
    const y = inp.labels as Int32Array;
    const ry = inp.refLabels as Int32Array;
    const self = inp.ref === undefined;
    // The counts from the class sizes; the matrices only when someone reads them.
    const refCount = new Map<number, number>();
    for (let j = 0; j < r; j++) refCount.set(ry[j] as number, (refCount.get(ry[j] as number) ?? 0) + 1);
    let same = 0;
    for (let i = 0; i < n; i++) same += refCount.get(y[i] as number) ?? 0;
    const nPos = self ? same - n : same;
    const nNeg = n * r - same;
    let built: { pos: Float32Array; neg: Float32Array } | null = null;
    const build = (): { pos: Float32Array; neg: Float32Array } => {
      const pos = new Float32Array(n * r);
      const neg = new Float32Array(n * r);
      for (let i = 0; i < n; i++) {
        const yi = y[i];
        const row = i * r;
        for (let j = 0; j < r; j++) {
          if (ry[j] === yi) {
            if (!self || i !== j) pos[row + j] = 1;
          } else neg[row + j] = 1;
        }
      }
      return { pos, neg };
    };
    return {
      get pos() {
        return (built ??= build()).pos;
      },
      get neg() {
        return (built ??= build()).neg;
      },
      nPos,
      nNeg,
      byLabel: { labels: y, refLabels: ry, self },
    };
  }
  const pos = new Float32Array(n * r);
  const neg = new Float32Array(n * r);
  const add = (w: Float32Array, a: Int32Array, o: Int32Array): void => {
    for (let k = 0; k < a.length; k++) w[(a[k] as number) * r + (o[k] as number)]! += 1;
  };
  if (tuple.kind === "triplets") {
    add(pos, tuple.anchors, tuple.positives);
    add(neg, tuple.anchors, tuple.negatives);
    return { pos, neg, nPos: tuple.anchors.length, nNeg: tuple.anchors.length };
  }
  add(pos, tuple.a1, tuple.p);
  add(neg, tuple.a2, tuple.n);
  return { pos, neg, nPos: tuple.a1.length, nNeg: tuple.a2.length };
}

/**
 * Row i of the pair weights into `pos` and `neg` (length R): from the labels when the pairs
 * are all pairs by label (the N × R matrices are then never built), else copied.
 */
export function pairRow(w: PairWeights, i: number, r: number, pos: Float32Array, neg: Float32Array): void {
  const b = w.byLabel;
  if (b === undefined) {
    pos.set(w.pos.subarray(i * r, (i + 1) * r));
    neg.set(w.neg.subarray(i * r, (i + 1) * r));
    return;
  }
  const yi = b.labels[i];
  const ry = b.refLabels;
  for (let j = 0; j < r; j++) {
    const same = ry[j] === yi;
    pos[j] = same ? 1 : 0;
    neg[j] = same ? 0 : 1;
  }
  if (b.self) pos[i] = 0;
}

/** PML's rule for pair losses: when both lists have at most one pair, the loss is 0. */
export function tooFewPairs(w: PairWeights): boolean {
  return w.nPos <= 1 && w.nNeg <= 1;
}

/** 0/1 masks from multiplicities (mask-based losses collapse duplicates). */
export function toMask(w: Float32Array): Float32Array {
  const m = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) m[i] = (w[i] as number) > 0 ? 1 : 0;
  return m;
}

/** Whether any entry of a mask is set. */
export function anySet(w: Float32Array): boolean {
  for (let i = 0; i < w.length; i++) if ((w[i] as number) > 0) return true;
  return false;
}

/**
 * Per row i of an [n, r] matrix: max over the masked entries of `values`, and whether the row
 * has any. Rows without entries get `empty`.
 */
export function maskedRowMax(values: ArrayLike<number>, mask: Float32Array, n: number, r: number, empty = 0): { max: Float32Array; has: Float32Array } {
  const max = new Float32Array(n);
  const has = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let j = 0; j < r; j++) {
      const k = i * r + j;
      if ((mask[k] as number) > 0 && (values[k] as number) > m) m = values[k] as number;
    }
    if (m === -Infinity) max[i] = empty;
    else {
      max[i] = m;
      has[i] = 1;
    }
  }
  return { max, has };
}

/**
 * Row-wise log Σ_j mask_ij · exp(x_ij), stable: with m_i the masked row max (a constant),
 * m_i + log Σ_j mask_ij · exp(min(x_ij − m_i, 0)). Rows with an empty mask give 0, as PML's
 * `lmu.logsumexp(…, keep_mask)`. With `addOne`, log(1 + Σ …) instead (PML's `add_one=True`).
 * `xValues` must be `x`'s own values (`x.dataSync()`): the clamp at 0 keeps masked-out entries
 * from overflowing, and only an exact shift keeps the largest term's gradient.
 */
export function maskedLogSumExp(x: tf.Tensor2D, xValues: ArrayLike<number>, mask: Float32Array, addOne: boolean): tf.Tensor1D {
  const [n, r] = x.shape;
  const { max, has } = maskedRowMax(xValues, mask, n, r);
  if (addOne) for (let i = 0; i < n; i++) max[i] = Math.max(max[i] as number, 0);
  return tf.tidy(() => {
    const m = tf.tensor2d(max, [n, 1]);
    const terms = tf.mul(tf.tensor2d(mask, [n, r]), tf.exp(tf.minimum(tf.sub(x, m), 0)));
    let inside = tf.sum(terms, 1);
    const extra = new Float32Array(n);
    for (let i = 0; i < n; i++) extra[i] = addOne ? Math.exp(-(max[i] as number)) : 1 - (has[i] as number);
    inside = tf.add(inside, tf.tensor1d(extra));
    return tf.add(tf.log(inside), tf.reshape(m, [n])) as tf.Tensor1D;
  });
}
