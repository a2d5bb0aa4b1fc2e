import * as tf from "@tensorflow/tfjs";
import type { Distance } from "../distances/distance";
import { LpDistance } from "../distances/LpDistance";
import { countAllTriplets, MAX_LISTED_TRIPLETS, pairsToTriplets, tripletsFromLabels, type TripletIndices } from "../internal/indexTuples";
import { gatherRows } from "../internal/linalg";
import { argError, booleanOption, enumOption, numberOption, type TensorInput } from "../internal/validate";
import { avgNonZeroReducer } from "../reducers/avgNonZeroReducer";
import type { ReducerFilter } from "../reducers/reducer";
import { metricLossInputs, zeroLoss, type MetricLossInputs, type MetricLossOptions } from "./metricLossInputs";
import type { LossExplanation, TripletRow } from "./explain";
import { explainTripletLoss } from "./explainMetric";
import { PML_DEFAULTS } from "./defaults";

/** Options of {@link tripletLoss}. */
export interface TripletLossOptions extends MetricLossOptions {
  /** How much closer the positive must be than the negative (default 0.05, as PML). */
  margin?: number;
  /** Also measure positive→negative and use whichever of d(a, n), d(p, n) is closer (default false). */
  swap?: boolean;
  /** softplus(violation) instead of relu(violation) (default false). */
  smoothLoss?: boolean;
  /** Which triplets to use when no `indicesTuple` is given: "all" valid triplets (the default and only choice). */
  tripletsPerAnchor?: "all";
}

const FN = "tripletLoss";

/**
 * The triplet margin loss of pytorch-metric-learning, over every valid triplet of the batch
 * (or over mined ones):
 *
 *     violation = d(a, p) − d(a, n) + margin        (a distance; with swap d(a, n) → min(d(a, n), d(p, n)))
 *     violation = s(a, n) − s(a, p) + margin        (a similarity; with swap s(a, n) → max(s(a, n), s(p, n)))
 *     loss = reducer(relu(violation))               (default: the mean over triplets with a non-zero loss)
 *
 * Defaults: `distance` = new LpDistance() (normalised Euclidean), margin 0.05,
 * `reducer` = avgNonZeroReducer(). Given pairs as `indicesTuple`, every positive pair (a, p) and
 * negative pair (a, n) with the same anchor make a triplet (a, p, n). With no triplet at all
 * (e.g. no positive pair in the batch) the loss is 0, with a zero gradient.
 *
 * All valid triplets number up to N³. With a filtering reducer (mean, sum, avgNonZero,
 * threshold — the default) they are never listed: a plain loop over each anchor's positives and
 * negatives reads the distance matrix, accumulates the value and the gradient with respect to
 * the matrix, and only the matrix goes through autodiff. Other reducers (none, perAnchor) list
 * the triplets (up to {@link MAX_LISTED_TRIPLETS}).
 *
 * @param embeddings [N, D] tensor or nested array.
 * @param labels [N] integer labels (may be null when `indicesTuple` is given).
 * @returns a scalar (or, with noReducer, one loss per triplet in (a, p, n) order).
 * @throws TypeError / RangeError naming the argument (labels length or kind, rank ≠ 2, NaN, an
 *   empty batch, indices out of range, unknown options).
 * @see pytorch-metric-learning `losses.TripletMarginLoss(margin=0.05, swap=False,
 *   smooth_loss=False, triplets_per_anchor="all")`
 *   (https://kevinmusgrave.github.io/pytorch-metric-learning/losses/#tripletmarginloss) — mirrored,
 *   values and gradients. Named `tripletLoss` because {@link tripletMarginLoss} is PyTorch's
 *   loss on explicit (anchor, positive, negative) rows (margin 1, unnormalised). Differences:
 *   PML's integer `triplets_per_anchor` (random sampling) is not offered; with `refEmbeddings`
 *   and `swap`, d(p, n) is measured between reference rows (PML reads the query × reference
 *   matrix at [p, n]).
 * @example
 * // 1-D points 0, 0.1 (class 0) and 0.3 (class 1), unnormalised, margin 0.5. Triplets:
 * // (0,1,2): 0.1 − 0.3 + 0.5 = 0.3;  (1,0,2): 0.1 − 0.2 + 0.5 = 0.4  → mean 0.35
 * tripletLoss([[0], [0.1], [0.3]], [0, 0, 1], { margin: 0.5, distance: new LpDistance({ normalizeEmbeddings: false }) }).dataSync()[0];
 * // => 0.35
 */
export function tripletLoss(
  embeddings: TensorInput,
  labels: TensorInput | ArrayLike<number> | null,
  options?: TripletLossOptions,
): tf.Tensor {
  return tf.tidy(() => {
    const inp = metricLossInputs(FN, embeddings, labels, options, ["margin", "swap", "smoothLoss", "tripletsPerAnchor"], {
      distance: () => new LpDistance(),
      reducer: avgNonZeroReducer,
    });
    const settings: TripletSettings = {
      margin: numberOption(FN, "margin", inp.options.margin, PML_DEFAULTS.triplet.margin),
      swap: booleanOption(FN, "swap", inp.options.swap, false),
      smooth: booleanOption(FN, "smoothLoss", inp.options.smoothLoss, false),
      inverted: inp.distance.isInverted,
    };
    enumOption(FN, "tripletsPerAnchor", inp.options.tripletsPerAnchor, ["all"], "all");
    const filter = inp.reducer.filter;
    const info = { kind: "triplet" as const, numAnchors: inp.n };
    if (inp.tuple === undefined && filter !== undefined) {
      const mat = inp.distance.matrix(inp.emb, inp.ref);
      return allTripletsFused(inp, mat, settings.swap ? pnMatrix(inp.distance, mat, inp.ref) : undefined, settings, filter);
    }
    const t = tripletsOf(inp);
    if (t.anchors.length === 0) return zeroLoss(inp);
    const k = t.anchors.length;
    const big = inp.n * inp.r >= ROW_PAIRS_MIN_MATRIX;
    const few = k * inp.emb.shape[1] <= inp.n * inp.r;
    const d = inp.distance;
    if (few && filter !== undefined && !settings.swap && d instanceof LpDistance && d.p === 2 && d.power === 1) {
      return euclideanTripletsInJs(inp, t, settings, filter, d.normalizeEmbeddings);
    }
    if (big && few) return inp.reducer.reduce(rowPairTripletLosses(inp, t, settings), { ...info, anchors: t.anchors });
    const mat = inp.distance.matrix(inp.emb, inp.ref);
    const pnMat = settings.swap ? pnMatrix(inp.distance, mat, inp.ref) : undefined;
    if (big && filter !== undefined) return listedTripletsFused(inp, mat, pnMat, t, settings, filter);
    const losses = listedTripletLosses(mat, pnMat, t, inp.r, settings);
    return inp.reducer.reduce(losses, { ...info, anchors: t.anchors });
  });
}

interface TripletSettings {
  margin: number;
  swap: boolean;
  smooth: boolean;
  inverted: boolean;
}

/** The matrix d(p, n) is read from: the batch's own matrix, or reference × reference. */
function pnMatrix(distance: Distance, mat: tf.Tensor2D, ref: tf.Tensor2D | undefined): tf.Tensor2D {
  return ref === undefined ? mat : distance.matrix(ref);
}

function tripletsOf(inp: MetricLossInputs): TripletIndices {
  const { tuple } = inp;
  if (tuple !== undefined) return tuple.kind === "triplets" ? tuple : pairsToTriplets(tuple);
  const y = inp.labels as Int32Array;
  const ry = inp.refLabels as Int32Array;
  const self = inp.ref === undefined;
  const total = countAllTriplets(y, ry, self);
  if (total > MAX_LISTED_TRIPLETS) {
    throw argError(
      FN,
      "reducer",
      `a filtering reducer (mean, sum, avgNonZero, threshold) when the batch has more than ${MAX_LISTED_TRIPLETS} triplets`,
      `${total} triplets to list for ${inp.reducer.name} (or pass mined 'indicesTuple')`,
    );
  }
  return tripletsFromLabels(y, ry, self, total);
}

/**
 * From this many matrix entries (N · R) on, mined triplets skip the entry-by-entry gather from
 * the whole matrix: few triplets (K · D ≤ N · R, e.g. one per anchor from batch-hard mining) are
 * measured row by row with `distance.pairs` on the gathered rows, O(K · D) instead of
 * O(N · R · D) forward and backward; many triplets with a filtering reducer are reduced in one
 * plain-JS pass over the matrix ({@link listedTripletsFused}). Below it the matrix is cheap and
 * the listed path is kept. The row-wise distances equal the matrix entries up to float32
 * rounding (the Gram formula vs direct differences).
 */
const ROW_PAIRS_MIN_MATRIX = 2 ** 14;

/** PyTorch's `F.normalize` eps (normalizeRows' default). */
const NORMALIZE_EPS = 1e-12;

/**
 * Few mined triplets (K · D ≤ N · R) under the (normalised) Euclidean distance and a filtering
 * reducer — the batch-hard case, and every step of a training loop — at any batch size,
 * computed in plain JS: the embeddings are
 * read once, each triplet's two distances, its loss and its gradient are taken in float64, and
 * the gradient goes back through the row normalisation by hand. One custom-gradient op instead of
 * some two hundred small backend ops (gathers, norms and their gradients, scatters), whose
 * dispatch dominates at these sizes. Gradient 0 at zero distance, as everywhere else.
 */
function euclideanTripletsInJs(inp: MetricLossInputs, t: TripletIndices, s: TripletSettings, filter: ReducerFilter, normalize: boolean): tf.Scalar {
  const dim = inp.emb.shape[1];
  const self = inp.ref === undefined;
  const prep = (x: tf.Tensor2D): { v: Float64Array; norm: Float64Array } => {
    const raw = x.dataSync();
    const rows = x.shape[0];
    const v = new Float64Array(raw.length);
    const norm = new Float64Array(rows).fill(1);
    for (let i = 0; i < rows; i++) {
      let sq = 0;
      for (let c = 0; c < dim; c++) sq += (raw[i * dim + c] as number) ** 2;
      if (normalize) norm[i] = Math.max(Math.sqrt(sq), NORMALIZE_EPS);
      for (let c = 0; c < dim; c++) v[i * dim + c] = (raw[i * dim + c] as number) / (norm[i] as number);
    }
    return { v, norm };
  };
  const q = prep(inp.emb);
  const r = self ? q : prep(inp.ref as tf.Tensor2D);
  const gq = new Float64Array(q.v.length);
  const gr = self ? gq : new Float64Array(r.v.length);
  const { low, high } = filter;
  let sum = 0;
  let count = 0;
  const diffA = new Float64Array(dim);
  const diffB = new Float64Array(dim);
  const distance = (a: number, b: number, out: Float64Array): number => {
    let sq = 0;
    for (let c = 0; c < dim; c++) {
      const d = (q.v[a * dim + c] as number) - (r.v[b * dim + c] as number);
      out[c] = d;
      sq += d * d;
    }
    return Math.sqrt(sq);
  };
  for (let i = 0; i < t.anchors.length; i++) {
    const a = t.anchors[i] as number;
    const p = t.positives[i] as number;
    const n = t.negatives[i] as number;
    const ap = distance(a, p, diffA);
    const an = distance(a, n, diffB);
    const v = ap - an + s.margin;
    const loss = s.smooth ? softplus(v) : v > 0 ? v : 0;
    const l32 = Math.fround(loss);
    if ((low !== undefined && !(l32 > low)) || (high !== undefined && !(l32 < high))) continue;
    sum += loss;
    count++;
    const dv = s.smooth ? 1 / (1 + Math.exp(-v)) : v > 0 ? 1 : 0;
    if (dv === 0) continue;
    // ∂d(a,b)/∂q_a = (q_a − r_b)/d, ∂d(a,b)/∂r_b = −(q_a − r_b)/d; 0 at d = 0.
    const cp = ap > 0 ? dv / ap : 0;
    const cn = an > 0 ? dv / an : 0;
    for (let c = 0; c < dim; c++) {
      const da = (diffA[c] as number) * cp;
      const dn = (diffB[c] as number) * cn;
      gq[a * dim + c]! += da - dn;
      gr[p * dim + c]! -= da;
      gr[n * dim + c]! += dn;
    }
  }
  const scale = filter.divide === "count" ? (count > 0 ? 1 / count : 0) : count > 0 ? 1 : 0;
  const value = sum * scale;
  // Back through x̂ = x / max(‖x‖, eps): (g − x̂ (x̂·g)) / ‖x‖, or g / eps below eps.
  const toInput = (g: Float64Array, x: { v: Float64Array; norm: Float64Array }): Float32Array => {
    const out = new Float32Array(g.length);
    for (let i = 0; i < x.norm.length; i++) {
      const nrm = x.norm[i] as number;
      let dot = 0;
      if (normalize && nrm > NORMALIZE_EPS) for (let c = 0; c < dim; c++) dot += (g[i * dim + c] as number) * (x.v[i * dim + c] as number);
      for (let c = 0; c < dim; c++) out[i * dim + c] = (((g[i * dim + c] as number) - dot * (x.v[i * dim + c] as number)) / nrm) * scale;
    }
    return out;
  };
  if (self) {
    const op = tf.customGrad(((e: tf.Tensor, save: tf.GradSaveFunc) => {
      save([]);
      return { value: tf.scalar(value), gradFunc: (dy: tf.Tensor) => tf.mul(dy, tf.tensor2d(toInput(gq, q), e.shape as [number, number])) };
    }) as unknown as CustomFn);
    return op(inp.emb) as tf.Scalar;
  }
  const op = tf.customGrad(((e: tf.Tensor, ref: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    return {
      value: tf.scalar(value),
      gradFunc: (dy: tf.Tensor) => [
        tf.mul(dy, tf.tensor2d(toInput(gq, q), e.shape as [number, number])),
        tf.mul(dy, tf.tensor2d(toInput(gr, r), ref.shape as [number, number])),
      ],
    };
  }) as unknown as CustomFn);
  return op(inp.emb, inp.ref as tf.Tensor2D) as tf.Scalar;
}

/** One loss per listed triplet, from distances measured row by row on the gathered rows. */
function rowPairTripletLosses(inp: MetricLossInputs, t: TripletIndices, s: TripletSettings): tf.Tensor1D {
  const ref = inp.ref ?? inp.emb;
  const anchors = gatherRows(inp.emb, t.anchors);
  const pos = gatherRows(ref, t.positives);
  const negs = gatherRows(ref, t.negatives);
  const ap = inp.distance.pairs(anchors, pos);
  let an = inp.distance.pairs(anchors, negs);
  if (s.swap) {
    const pn = inp.distance.pairs(pos, negs);
    an = s.inverted ? tf.maximum(an, pn) : tf.minimum(an, pn);
  }
  const violation = tf.add(s.inverted ? tf.sub(an, ap) : tf.sub(ap, an), s.margin);
  return (s.smooth ? tf.softplus(violation) : tf.relu(violation)) as tf.Tensor1D;
}

/** One loss per listed triplet, gathered from the distance matrix. */
function listedTripletLosses(mat: tf.Tensor2D, pnMat: tf.Tensor2D | undefined, t: TripletIndices, r: number, s: TripletSettings): tf.Tensor1D {
  const k = t.anchors.length;
  const apIdx = new Int32Array(k);
  const anIdx = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    apIdx[i] = (t.anchors[i] as number) * r + (t.positives[i] as number);
    anIdx[i] = (t.anchors[i] as number) * r + (t.negatives[i] as number);
  }
  const flat = tf.reshape(mat, [-1, 1]) as tf.Tensor2D;
  const ap = tf.reshape(gatherRows(flat, apIdx), [k]);
  let an = tf.reshape(gatherRows(flat, anIdx), [k]);
  if (pnMat !== undefined) {
    const pnIdx = new Int32Array(k);
    for (let i = 0; i < k; i++) pnIdx[i] = (t.positives[i] as number) * r + (t.negatives[i] as number);
    const pn = tf.reshape(gatherRows(tf.reshape(pnMat, [-1, 1]) as tf.Tensor2D, pnIdx), [k]);
    an = s.inverted ? tf.maximum(an, pn) : tf.minimum(an, pn);
  }
  const violation = tf.add(s.inverted ? tf.sub(an, ap) : tf.sub(ap, an), s.margin);
  return (s.smooth ? tf.softplus(violation) : tf.relu(violation)) as tf.Tensor1D;
}

/** log(1 + e^v) without overflow. */
function softplus(v: number): number {
  return v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
}

type CustomFn = Parameters<typeof tf.customGrad>[0];

/**
 * Listed (mined) triplets reduced by a filtering reducer in one plain-JS pass over the matrix:
 * the value and ∂loss/∂matrix, handed to autodiff by a custom-gradient op (as
 * {@link allTripletsFused}), with no [K]-long gather or scatter on the backend.
 */
function listedTripletsFused(
  inp: MetricLossInputs,
  mat: tf.Tensor2D,
  pnMat: tf.Tensor2D | undefined,
  t: TripletIndices,
  s: TripletSettings,
  filter: ReducerFilter,
): tf.Scalar {
  const { n, r } = inp;
  const sharedPn = pnMat === mat;
  const mv = mat.dataSync();
  const pv = pnMat === undefined ? undefined : sharedPn ? mv : pnMat.dataSync();
  const g = new Float64Array(n * r);
  const gpn = pnMat === undefined || sharedPn ? g : new Float64Array(r * r);
  const sign = s.inverted ? -1 : 1;
  const { low, high } = filter;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < t.anchors.length; i++) {
    const a = t.anchors[i] as number;
    const p = t.positives[i] as number;
    const q = t.negatives[i] as number;
    const ap = mv[a * r + p] as number;
    let an = mv[a * r + q] as number;
    let fromPn = false;
    if (pv !== undefined) {
      const pn = pv[p * r + q] as number;
      if (s.inverted ? pn > an : pn < an) {
        an = pn;
        fromPn = true;
      }
    }
    const v = s.inverted ? an - ap + s.margin : ap - an + s.margin;
    const loss = s.smooth ? softplus(v) : v > 0 ? v : 0;
    if ((low !== undefined && !(loss > low)) || (high !== undefined && !(loss < high))) continue;
    sum += loss;
    count++;
    const dv = s.smooth ? 1 / (1 + Math.exp(-v)) : v > 0 ? 1 : 0;
    if (dv === 0) continue;
    g[a * r + p]! += sign * dv;
    if (fromPn) (gpn as Float64Array)[p * r + q]! -= sign * dv;
    else g[a * r + q]! -= sign * dv;
  }
  return matrixGradientOp(mat, pnMat, sharedPn, g, gpn, n, r, filter, sum, count);
}

/** The scalar `value` with the gradient `g` (and `gpn` for the p–n matrix), scaled by the reducer's divisor. */
function matrixGradientOp(
  mat: tf.Tensor2D,
  pnMat: tf.Tensor2D | undefined,
  sharedPn: boolean,
  g: Float64Array,
  gpn: Float64Array,
  n: number,
  r: number,
  filter: ReducerFilter,
  sum: number,
  count: number,
): tf.Scalar {
  const scale = filter.divide === "count" ? (count > 0 ? 1 / count : 0) : 1;
  const value = count === 0 ? 0 : sum * scale;
  const toTensor = (buf: Float64Array, rows: number, cols: number): tf.Tensor2D => {
    const out = new Float32Array(buf.length);
    for (let i = 0; i < buf.length; i++) out[i] = (buf[i] as number) * scale;
    return tf.tensor2d(out, [rows, cols]);
  };
  if (pnMat === undefined || sharedPn) {
    const op = tf.customGrad(((m: tf.Tensor, save: tf.GradSaveFunc) => {
      save([]);
      return { value: tf.scalar(value), gradFunc: (dy: tf.Tensor) => tf.mul(dy, toTensor(g, n, r)) };
    }) as unknown as CustomFn);
    return op(mat) as tf.Scalar;
  }
  const op = tf.customGrad(((m: tf.Tensor, m2: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    return {
      value: tf.scalar(value),
      gradFunc: (dy: tf.Tensor) => [tf.mul(dy, toTensor(g, n, r)), tf.mul(dy, toTensor(gpn, r, r))],
    };
  }) as unknown as CustomFn);
  return op(mat, pnMat) as tf.Scalar;
}

/**
 * Every valid triplet, reduced by a filtering reducer without listing the triplets: one pass
 * over (anchor, positive, negative) in plain JS computes the value and ∂loss/∂matrix, and a
 * custom-gradient op hands that to autodiff.
 */
function allTripletsFused(inp: MetricLossInputs, mat: tf.Tensor2D, pnMat: tf.Tensor2D | undefined, s: TripletSettings, filter: ReducerFilter): tf.Scalar {
  const { n, r } = inp;
  const y = inp.labels as Int32Array;
  const ry = inp.refLabels as Int32Array;
  const self = inp.ref === undefined;
  const sharedPn = pnMat === mat;
  const mv = mat.dataSync();
  const pv = pnMat === undefined ? undefined : sharedPn ? mv : pnMat.dataSync();
  const g = new Float64Array(n * r);
  const gpn = pnMat === undefined || sharedPn ? g : new Float64Array(r * r);
  const sign = s.inverted ? -1 : 1; // ∂violation/∂d(a,p); ∂violation/∂d(a,n) is −sign
  const { low, high } = filter;
  const neg = new Int32Array(r);
  const pos = new Int32Array(r);
  let sum = 0;
  let count = 0;
  for (let a = 0; a < n; a++) {
    const label = y[a];
    let nNeg = 0;
    let nPos = 0;
    for (let j = 0; j < r; j++) {
      if (ry[j] !== label) neg[nNeg++] = j;
      else if (!self || j !== a) pos[nPos++] = j;
    }
    const row = a * r;
    for (let ip = 0; ip < nPos; ip++) {
      const p = pos[ip] as number;
      const ap = mv[row + p] as number;
      let gap = 0;
      for (let iN = 0; iN < nNeg; iN++) {
        const q = neg[iN] as number;
        let an = mv[row + q] as number;
        let fromPn = false;
        if (pv !== undefined) {
          const pn = pv[p * r + q] as number;
          if (s.inverted ? pn > an : pn < an) {
            an = pn;
            fromPn = true;
          }
        }
        const v = s.inverted ? an - ap + s.margin : ap - an + s.margin;
        const loss = s.smooth ? softplus(v) : v > 0 ? v : 0;
        if ((low !== undefined && !(loss > low)) || (high !== undefined && !(loss < high))) continue;
        sum += loss;
        count++;
        const dv = s.smooth ? 1 / (1 + Math.exp(-v)) : v > 0 ? 1 : 0;
        if (dv === 0) continue;
        gap += sign * dv;
        if (fromPn) (gpn as Float64Array)[p * r + q]! -= sign * dv;
        else g[row + q]! -= sign * dv;
      }
      g[row + p]! += gap;
    }
  }
  return matrixGradientOp(mat, pnMat, sharedPn, g, gpn as Float64Array, n, r, filter, sum, count);
}

/**
 * The breakdown of {@link tripletLoss} for the same arguments: its value (equal to the loss), one row per triplet (every valid one, or the mined ones) with d(a,p), d(a,n), the violation, its category and its share of the value, and a one-line verdict.
 * Shows itself as a table in a notebook (most violating rows first) and as text elsewhere.
 */
tripletLoss.explain = (embeddings: TensorInput, labels: TensorInput | ArrayLike<number> | null, options?: TripletLossOptions): LossExplanation<TripletRow> =>
  explainTripletLoss(tripletLoss, embeddings, labels, options);
