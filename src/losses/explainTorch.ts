/**
 * `explain` for the losses on explicit inputs that mirror PyTorch and sentence-transformers:
 * one small function per loss. Per-element losses come from the loss itself
 * (`reduction: "none"`) where it has one, or from its own detached logits (`.parts`) for the
 * InfoNCE family; a PyTorch `reduction` gives every element the weight 1/N (mean) or 1 (sum).
 *
 * The loss function is passed in (each loss file attaches `loss.explain`), so this module
 * never imports a loss and there is no import cycle.
 */
import * as tf from "@tensorflow/tfjs";
import type { Reduction } from "../internal/reduction";
import type { Column } from "../internal/table";
import { toFloatTensor, toLabels, type TensorInput } from "../internal/validate";
import {
  assignShares,
  countRows,
  DISTANCE_ORDER,
  EASY_PROBABILITY,
  formatLoss,
  LossExplanation,
  marginCategory,
  reductionPhrase,
  reductionWeights,
  SCORE_ORDER,
  SHARE_DEFINITION,
  summarizeReduction,
  verdictLine,
  categoryPhrase,
  type AnchorRow,
  type Category,
  type PairRow,
  type TripletRow,
} from "./explain";

/** The loss's own per-element losses, copied to JS; the tensor is disposed. */
function unreduced(out: tf.Tensor): Float32Array {
  try {
    return Float32Array.from(out.dataSync());
  } finally {
    out.dispose();
  }
}

/** Σ weight·loss in float64: the reduced value the rows add up to. */
function weightedSum(losses: ArrayLike<number>, weights: ArrayLike<number>): number {
  let v = 0;
  for (let i = 0; i < losses.length; i++) v += (weights[i] as number) * (losses[i] as number);
  return v;
}

/** A per-element verdict for a PyTorch `reduction`. */
function reductionVerdict(value: number, reduction: Reduction, noun: string): (c: ReturnType<typeof countRows>) => string {
  return (c) => verdictLine(value, summarizeReduction(reduction), c, noun);
}

// ---------------------------------------------------------------------------------------------
// Triplets on explicit rows

/** A loss on explicit (anchor, positive, negative) rows, as its `explain` calls it. */
export type ExplicitTripletLossFunction<O> = (anchor: TensorInput, positive: TensorInput, negative: TensorInput, options?: O) => tf.Tensor;

/** The options the explicit triplet losses share. */
export interface ExplicitTripletOptions {
  margin?: number;
  swap?: boolean;
  reduction?: Reduction;
}

/** PyTorch's default triplet margin (`TripletMarginLoss`, `TripletMarginWithDistanceLoss`). */
const TORCH_TRIPLET_MARGIN = 1.0;

/**
 * The breakdown of a PyTorch triplet loss on explicit rows ({@link tripletMarginLoss},
 * {@link tripletMarginWithDistanceLoss}): one row per triplet i = (anchor[i], positive[i],
 * negative[i]). `rowDistance` is the loss's distance between matching rows.
 */
export function explainExplicitTriplets<O extends ExplicitTripletOptions>(
  fn: string,
  lossFn: ExplicitTripletLossFunction<O>,
  anchor: TensorInput,
  positive: TensorInput,
  negative: TensorInput,
  options: O | undefined,
  rowDistance: (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor,
  distanceName: string,
): LossExplanation<TripletRow> {
  const losses = unreduced(lossFn(anchor, positive, negative, { ...(options ?? {}), reduction: "none" } as O));
  const margin = options?.margin ?? TORCH_TRIPLET_MARGIN;
  const swap = options?.swap ?? false;
  const reduction = options?.reduction ?? "mean";
  let ap = new Float32Array(0);
  let an = new Float32Array(0);
  let pn: Float32Array | undefined;
  tf.tidy(() => {
    const a = toFloatTensor(fn, "anchor", anchor, { rank: 2 }) as tf.Tensor2D;
    const p = toFloatTensor(fn, "positive", positive, { rank: 2 }) as tf.Tensor2D;
    const q = toFloatTensor(fn, "negative", negative, { rank: 2 }) as tf.Tensor2D;
    ap = Float32Array.from(rowDistance(a, p).dataSync());
    an = Float32Array.from(rowDistance(a, q).dataSync());
    if (swap) pn = Float32Array.from(rowDistance(p, q).dataSync());
  });
  const rows: TripletRow[] = Array.from(losses, (loss, i) => {
    let dan = an[i] as number;
    if (pn !== undefined && DISTANCE_ORDER.margin(pn[i] as number, dan) > 0) dan = pn[i] as number;
    const gap = DISTANCE_ORDER.margin(ap[i] as number, dan);
    return {
      index: i,
      count: 1,
      anchor: i,
      positive: i,
      negative: i,
      anchorLabel: null,
      positiveLabel: null,
      negativeLabel: null,
      ap: ap[i] as number,
      an: dan,
      violation: margin - gap,
      loss,
      category: marginCategory(gap, margin),
      contribution: 0,
      share: 0,
    };
  });
  const weights = reductionWeights(reduction, rows.length);
  const value = weightedSum(losses, weights);
  assignShares(rows, weights, value);
  const columns: Column<TripletRow>[] = [
    { label: "row", value: (r) => r.anchor, digits: 0 },
    { label: "d(a,p)", value: (r) => r.ap },
    { label: "d(a,n)", value: (r) => r.an },
  ];
  const definitions = [
    `d(a,p), d(a,n): ${distanceName} between row i of anchor and row i of positive / negative${swap ? "; with swap, d(a,n) is the smaller of d(a,n) and d(p,n)" : ""}.`,
    `gap = d(a,n) − d(a,p); violation = margin − gap = ${margin} − gap, the hinge's argument.`,
    "hard: gap ≤ 0 — the negative is at least as close as the positive.",
    `semi-hard: 0 < gap < ${margin} — the right order, but by less than the margin: the triplet still costs.`,
    `easy: gap ≥ ${margin} — zero loss, nothing to learn.`,
    SHARE_DEFINITION,
  ];
  const title = `${fn}: ${distanceName}, margin ${margin}${swap ? ", swap" : ""}, reduction ${reduction}`;
  return new LossExplanation({ fn, title, value, rows, weights, columns, definitions, verdict: reductionVerdict(value, reduction, "triplet") });
}

// ---------------------------------------------------------------------------------------------
// Pairs with a target: cosineEmbeddingLoss, marginRankingLoss

/** A loss on two inputs and ±1 targets, as its `explain` calls it. */
export type TargetPairLossFunction<O> = (x1: TensorInput, x2: TensorInput, target: TensorInput, options?: O) => tf.Tensor;

/** PyTorch's `EPSILON` in `cosine_embedding_loss`, added to each squared norm (as the loss does). */
const COSINE_EMBEDDING_EPS = 1e-12;

/** The breakdown of {@link cosineEmbeddingLoss}: one row per pair i = (x1[i], x2[i]). */
export function explainCosineEmbeddingLoss<O extends { margin?: number; reduction?: Reduction }>(
  lossFn: TargetPairLossFunction<O>,
  x1: TensorInput,
  x2: TensorInput,
  target: TensorInput,
  options?: O,
): LossExplanation<PairRow> {
  const fn = "cosineEmbeddingLoss";
  const losses = unreduced(lossFn(x1, x2, target, { ...(options ?? {}), reduction: "none" } as O));
  const margin = options?.margin ?? 0;
  const reduction = options?.reduction ?? "mean";
  let a = new Float32Array(0);
  let b = new Float32Array(0);
  let t = new Float32Array(0);
  let dim = 0;
  tf.tidy(() => {
    const ta = toFloatTensor(fn, "x1", x1, { rank: 2 });
    dim = ta.shape[1] as number;
    a = Float32Array.from(ta.dataSync());
    b = Float32Array.from(toFloatTensor(fn, "x2", x2, { rank: 2 }).dataSync());
    t = Float32Array.from(toFloatTensor(fn, "target", target, { rank: 1 }).dataSync());
  });
  const rows: PairRow[] = Array.from(losses, (loss, i) => {
    let dot = 0;
    let na = COSINE_EMBEDDING_EPS;
    let nb = COSINE_EMBEDDING_EPS;
    for (let k = i * dim; k < (i + 1) * dim; k++) {
      dot += (a[k] as number) * (b[k] as number);
      na += (a[k] as number) ** 2;
      nb += (b[k] as number) ** 2;
    }
    const cos = dot / Math.sqrt(na * nb);
    const similar = t[i] === 1;
    const violation = similar ? 1 - cos : cos - margin;
    const category: Category = similar ? (violation <= 0 ? "easy" : cos <= margin ? "hard" : "semi-hard") : violation <= 0 ? "easy" : "hard";
    return {
      index: i,
      count: 1,
      pair: similar ? "positive" : "negative",
      anchor: i,
      other: i,
      anchorLabel: null,
      otherLabel: null,
      d: cos,
      probability: null,
      rival: null,
      rivalValue: null,
      violation,
      loss,
      category,
      contribution: 0,
      share: 0,
    };
  });
  const weights = reductionWeights(reduction, rows.length);
  const value = weightedSum(losses, weights);
  assignShares(rows, weights, value);
  const columns: Column<PairRow>[] = [
    { label: "row", value: (r) => r.anchor, digits: 0 },
    { label: "target", value: (r) => (r.pair === "positive" ? 1 : -1), digits: 0 },
    { label: "cos(x1,x2)", value: (r) => r.d },
  ];
  const definitions = [
    "cos(x1,x2): the loss's cosine, x1·x2 / sqrt((‖x1‖² + 1e-12)(‖x2‖² + 1e-12)); target 1 = similar pair, −1 = dissimilar.",
    `violation: for a similar pair 1 − cos (its loss); for a dissimilar pair cos − margin (margin ${margin}); > 0 costs.`,
    "easy: zero loss — a similar pair at cos = 1, a dissimilar pair at cos ≤ margin.",
    "semi-hard: a similar pair that costs but is more similar than the margin.",
    "hard: a similar pair at cos ≤ margin (it looks dissimilar), or a dissimilar pair above the margin.",
    SHARE_DEFINITION,
  ];
  const title = `${fn}: margin ${margin}, reduction ${reduction}`;
  return new LossExplanation({ fn, title, value, rows, weights, columns, definitions, verdict: reductionVerdict(value, reduction, "pair") });
}

/** The breakdown of {@link marginRankingLoss}: one row per pair of scores. */
export function explainMarginRankingLoss<O extends { margin?: number; reduction?: Reduction }>(
  lossFn: TargetPairLossFunction<O>,
  x1: TensorInput,
  x2: TensorInput,
  target: TensorInput,
  options?: O,
): LossExplanation<AnchorRow> {
  const fn = "marginRankingLoss";
  const losses = unreduced(lossFn(x1, x2, target, { ...(options ?? {}), reduction: "none" } as O));
  const margin = options?.margin ?? 0;
  const reduction = options?.reduction ?? "mean";
  let s1 = new Float32Array(0);
  let s2 = new Float32Array(0);
  let t = new Float32Array(0);
  tf.tidy(() => {
    s1 = Float32Array.from(toFloatTensor(fn, "x1", x1, { rank: 1 }).dataSync());
    s2 = Float32Array.from(toFloatTensor(fn, "x2", x2, { rank: 1 }).dataSync());
    t = Float32Array.from(toFloatTensor(fn, "target", target, { rank: 1 }).dataSync());
  });
  const rows: AnchorRow[] = Array.from(losses, (loss, i) => {
    // ap: the score that should be higher, an: the other one.
    const [hi, lo] = t[i] === 1 ? [s1[i] as number, s2[i] as number] : [s2[i] as number, s1[i] as number];
    const gap = SCORE_ORDER.margin(hi, lo);
    return {
      index: i,
      count: 1,
      anchor: i,
      label: t[i] as number,
      direction: null,
      positives: 1,
      negatives: 1,
      positive: null,
      ap: hi,
      negative: null,
      an: lo,
      probability: null,
      violation: margin - gap,
      loss,
      category: marginCategory(gap, margin),
      contribution: 0,
      share: 0,
    };
  });
  const weights = reductionWeights(reduction, rows.length);
  const value = weightedSum(losses, weights);
  assignShares(rows, weights, value);
  const columns: Column<AnchorRow>[] = [
    { label: "row", value: (r) => r.anchor, digits: 0 },
    { label: "x1", value: (r) => s1[r.anchor] },
    { label: "x2", value: (r) => s2[r.anchor] },
    { label: "target", value: (r) => r.label, digits: 0 },
  ];
  const definitions = [
    "target 1: x1 should score higher; −1: x2 should. gap = target·(x1 − x2), how far the right one leads.",
    `violation = margin − gap (margin ${margin}), the hinge's argument.`,
    "hard: gap ≤ 0 — the wrong order (or a tie).",
    `semi-hard: 0 < gap < ${margin} — the right order, but by less than the margin.`,
    `easy: gap ≥ ${margin} — zero loss.`,
    SHARE_DEFINITION,
  ];
  const title = `${fn}: margin ${margin}, reduction ${reduction}`;
  return new LossExplanation({ fn, title, value, rows, weights, columns, definitions, verdict: reductionVerdict(value, reduction, "pair") });
}

// ---------------------------------------------------------------------------------------------
// Softmax rows: crossEntropy and the InfoNCE family

/**
 * One softmax row: logits z[0…m−1] (row-major in `z` from `offset` with `stride`) and its
 * target: the target's logit, the best other logit, p(target) and the loss
 * logsumexp(z) − z[target], in float64.
 */
function softmaxRow(z: Float32Array, offset: number, stride: number, m: number, target: number, anchor: number, direction: string | null): AnchorRow {
  let best = -1;
  let max = -Infinity;
  for (let j = 0; j < m; j++) {
    const v = z[offset + j * stride] as number;
    max = Math.max(max, v);
    if (j !== target && (best < 0 || SCORE_ORDER.margin(v, z[offset + best * stride] as number) > 0)) best = j;
  }
  let sum = 0;
  for (let j = 0; j < m; j++) sum += Math.exp((z[offset + j * stride] as number) - max);
  const zt = z[offset + target * stride] as number;
  const loss = Math.log(sum) + max - zt;
  const probability = Math.exp(-loss);
  const an = best < 0 ? null : (z[offset + best * stride] as number);
  const violation = an === null ? -Infinity : SCORE_ORDER.margin(an, zt);
  const category: Category = violation >= 0 ? "hard" : probability >= EASY_PROBABILITY ? "easy" : "semi-hard";
  return {
    index: 0,
    count: 1,
    anchor,
    label: target,
    direction,
    positives: 1,
    negatives: m - 1,
    positive: target,
    ap: zt,
    negative: best < 0 ? null : best,
    an,
    probability,
    violation,
    loss,
    category,
    contribution: 0,
    share: 0,
  };
}

function softmaxColumns(rowLabel: string, positiveLabel: string, negativeLabel: string, withDirection = false): Column<AnchorRow>[] {
  const cols: Column<AnchorRow>[] = [];
  if (withDirection) cols.push({ label: "direction", value: (r) => r.direction });
  cols.push(
    { label: rowLabel, value: (r) => r.anchor, digits: 0 },
    { label: positiveLabel, value: (r) => r.positive, digits: 0 },
    { label: "logit(+)", value: (r) => r.ap },
    { label: negativeLabel, value: (r) => r.negative, digits: 0 },
    { label: "logit(−)", value: (r) => r.an },
    { label: "p(+)", value: (r) => r.probability },
  );
  return cols;
}

function softmaxDefinitions(logits: string, positive: string, negative: string): string[] {
  return [
    `logit(+): ${logits} of the ${positive}; logit(−): the largest among the ${negative}; p(+): the softmax probability of the ${positive}; loss = −log p(+).`,
    "violation = logit(−) − logit(+); ≥ 0 means something else outranks the right answer.",
    "hard: violation ≥ 0.",
    `easy: the right answer ranks first and holds p(+) ≥ ${EASY_PROBABILITY}.`,
    `semi-hard: it ranks first, but p(+) < ${EASY_PROBABILITY}.`,
    SHARE_DEFINITION,
  ];
}

/** A loss of logits and integer targets, as its `explain` calls it. */
export type LogitLossFunction<O> = (logits: TensorInput, targets: TensorInput, options?: O) => tf.Tensor;

/** The breakdown of {@link crossEntropy}: one row per example. */
export function explainCrossEntropy<O extends { reduction?: Reduction }>(
  lossFn: LogitLossFunction<O>,
  logits: TensorInput,
  targets: TensorInput,
  options?: O,
): LossExplanation<AnchorRow> {
  const fn = "crossEntropy";
  const losses = unreduced(lossFn(logits, targets, { ...(options ?? {}), reduction: "none" } as O));
  const reduction = options?.reduction ?? "mean";
  let z = new Float32Array(0);
  let c = 0;
  let t = new Int32Array(0);
  tf.tidy(() => {
    const l = toFloatTensor(fn, "logits", logits, { rank: 2 });
    c = l.shape[1] as number;
    z = Float32Array.from(l.dataSync());
    t = toLabels(fn, "targets", targets, l.shape[0] as number, "logits");
  });
  const rows = Array.from(losses, (loss, i) => {
    const row = softmaxRow(z, i * c, 1, c, t[i] as number, i, null);
    row.index = i;
    row.loss = loss;
    return row;
  });
  const weights = reductionWeights(reduction, rows.length);
  const value = weightedSum(losses, weights);
  assignShares(rows, weights, value);
  const columns = softmaxColumns("row", "target", "best other");
  const definitions = softmaxDefinitions("the logit", "target class", "other classes");
  return new LossExplanation({ fn, title: `${fn}: reduction ${reduction}`, value, rows, weights, columns, definitions, verdict: reductionVerdict(value, reduction, "row") });
}

/** Logits [n, m] of the InfoNCE family, read from a loss's `.parts` (and disposed). */
export interface SoftmaxLogits {
  values: Float32Array;
  n: number;
  m: number;
}

/** Reads a detached logits tensor from a `.parts` result and disposes every part. */
export function readLogits(parts: Record<string, tf.Tensor>, key: string): SoftmaxLogits {
  const t = parts[key] as tf.Tensor2D;
  const out = { values: Float32Array.from(t.dataSync()), n: t.shape[0], m: t.shape[1] };
  tf.dispose(parts);
  return out;
}

/** Rows i = 0…n−1 of a logits matrix, each with target i (the diagonal). */
function diagonalRows(l: SoftmaxLogits, direction: string | null, transpose = false): AnchorRow[] {
  return Array.from({ length: l.n }, (_, i) => (transpose ? softmaxRow(l.values, i, l.m, l.n, i, i, direction) : softmaxRow(l.values, i * l.m, 1, l.m, i, i, direction)));
}

function meanOfRows(fn: string, title: string, rows: AnchorRow[], columns: Column<AnchorRow>[], definitions: string[], noun: string): LossExplanation<AnchorRow> {
  rows.forEach((r, i) => (r.index = i));
  const weights = reductionWeights("mean", rows.length);
  const value = weightedSum(rows.map((r) => r.loss), weights);
  assignShares(rows, weights, value);
  return new LossExplanation({ fn, title, value, rows, weights, columns, definitions, verdict: reductionVerdict(value, "mean", noun) });
}

/** The breakdown of {@link infoNceLoss} from its logits: one row per query. */
export function explainInfoNce(logits: SoftmaxLogits): LossExplanation<AnchorRow> {
  const fn = "infoNceLoss";
  const rows = diagonalRows(logits, null);
  const columns = softmaxColumns("query", "key(+)", "key(−)");
  const definitions = softmaxDefinitions("cos(query, key)/temperature", "query's own key (key i)", "other keys");
  return meanOfRows(fn, `${fn}: ${logits.n} queries × ${logits.m} keys`, rows, columns, definitions, "query");
}

/** The breakdown of {@link multipleNegativesRankingLoss} from its scores: one row per anchor. */
export function explainMultipleNegativesRanking(scores: SoftmaxLogits): LossExplanation<AnchorRow> {
  const fn = "multipleNegativesRankingLoss";
  const rows = diagonalRows(scores, null);
  const columns = softmaxColumns("anchor", "candidate(+)", "candidate(−)");
  const definitions = softmaxDefinitions("scale·cos(anchor, candidate)", "anchor's own positive (candidate i)", "other candidates");
  definitions.splice(1, 0, `candidates 0…${scores.n - 1} are the positives of the batch; ${scores.m > scores.n ? `${scores.n}…${scores.m - 1} the hard negatives (candidate j is negative j − ${scores.n})` : "no hard negatives were given"}.`);
  return meanOfRows(fn, `${fn}: ${scores.n} anchors × ${scores.m} candidates`, rows, columns, definitions, "anchor");
}

/** The breakdown of {@link clipInfoNceLoss} from its logits: one row per row (a→b) and per column (b→a). */
export function explainClipInfoNce(logits: SoftmaxLogits): LossExplanation<AnchorRow> {
  const fn = "clipInfoNceLoss";
  const aToB = diagonalRows(logits, "a→b");
  const bToA = diagonalRows(logits, "b→a", true);
  const rows = [...aToB, ...bToA];
  rows.forEach((r, i) => (r.index = i));
  const weights = reductionWeights("mean", rows.length);
  const value = weightedSum(rows.map((r) => r.loss), weights);
  assignShares(rows, weights, value);
  const mean = (rs: AnchorRow[]): number => rs.reduce((s, r) => s + r.loss, 0) / Math.max(rs.length, 1);
  const summary = summarizeReduction("mean");
  const one = (rs: AnchorRow[]): string => reductionPhrase(summary, countRows(rs, reductionWeights("mean", rs.length)), "row");
  const columns = softmaxColumns("row", "match(+)", "other(−)", true);
  const definitions = softmaxDefinitions("cos(a_i, b_j)/temperature", "matching item (a_i with b_i)", "other items of the batch");
  definitions.splice(1, 0, "a→b: row i of a picks its match among all of b; b→a: row i of b picks its match among all of a.");
  const verdict = (c: ReturnType<typeof countRows>): string =>
    `loss ${formatLoss(value)} = (a→b ${formatLoss(mean(aToB))} + b→a ${formatLoss(mean(bToA))}) / 2, each the ${one(aToB)}; ${categoryPhrase(c)}`;
  return new LossExplanation({ fn, title: `${fn}: ${logits.n} pairs`, value, rows, weights, columns, definitions, verdict });
}
