/**
 * `explain` for the label-based losses that mirror pytorch-metric-learning: one small function
 * per loss. Each reads the distance matrix once into JS, takes the per-element losses from the
 * loss itself (called with `noReducer()`, so the numbers are the loss's own), lists the
 * elements in the loss's order, and lets the loss's reducer say how much each one weighs.
 * Comparisons go through `distance.margin`, so a similarity flips every inequality without a
 * branch here.
 *
 * The loss function is passed in (each loss file attaches `loss.explain`), so this module
 * never imports a loss and there is no import cycle.
 */
import * as tf from "@tensorflow/tfjs";
import { CosineSimilarityDistance } from "../distances/CosineSimilarityDistance";
import type { Distance } from "../distances/distance";
import { LpDistance } from "../distances/LpDistance";
import { countAllTriplets, pairsToTriplets, tripletsFromLabels, type TripletIndices } from "../internal/indexTuples";
import type { Column } from "../internal/table";
import { argError, booleanOption, numberOption, type TensorInput } from "../internal/validate";
import { avgNonZeroReducer } from "../reducers/avgNonZeroReducer";
import { meanReducer } from "../reducers/meanReducer";
import { noReducer } from "../reducers/noReducer";
import type { Reducer } from "../reducers/reducer";
import {
  assignShares,
  countRows,
  EASY_PROBABILITY,
  LossExplanation,
  marginCategory,
  MAX_EXPLAINED_ELEMENTS,
  reduceWithWeights,
  reductionPhrase,
  categoryPhrase,
  labelText,
  summarizeReducer,
  formatLoss,
  verdictLine,
  SHARE_DEFINITION,
  type AnchorRow,
  type Category,
  type PairRow,
  type TripletRow,
} from "./explain";
import { metricLossInputs, pairWeights, toMask, type MetricLossOptions, type PairWeights } from "./metricLossInputs";
import { PML_DEFAULTS } from "./defaults";

type Labels = TensorInput | ArrayLike<number> | null;

/** A label-based loss as its `explain` calls it. */
export type MetricLossFunction<O extends MetricLossOptions> = (embeddings: TensorInput, labels: Labels, options?: O) => tf.Tensor;

/** The batch as the explainers see it: everything in plain JS. */
interface MetricBatch {
  n: number;
  r: number;
  labels: Int32Array | null;
  refLabels: Int32Array | null;
  self: boolean;
  distance: Distance;
  reducer: Reducer;
  options: Record<string, unknown>;
  tuple: ReturnType<typeof metricLossInputs>["tuple"];
  /** distance.matrix(embeddings, ref), row-major [n, r]. */
  mat: Float32Array;
  /** distance.matrix(ref) [r, r], when asked for and a reference set is given. */
  refMat: Float32Array | undefined;
  weights: PairWeights;
}

interface LossDefaults {
  distance: () => Distance;
  reducer: () => Reducer;
}

/** Checks the arguments as the loss does and reads the distance matrix (and pair weights) into JS. */
function readBatch(fn: string, embeddings: TensorInput, labels: Labels, options: unknown, keys: readonly string[], defaults: LossDefaults, refMatrix = false): MetricBatch {
  let batch: MetricBatch | undefined;
  tf.tidy(() => {
    const inp = metricLossInputs(fn, embeddings, labels, options, keys, defaults);
    if (inp.n * inp.r > MAX_EXPLAINED_ELEMENTS) {
      throw argError(`${fn}.explain`, "embeddings", `a batch with at most ${MAX_EXPLAINED_ELEMENTS} (query, reference) pairs to explain`, `${inp.n} × ${inp.r}`);
    }
    const mat = Float32Array.from(inp.distance.matrix(inp.emb, inp.ref).dataSync());
    const refMat = refMatrix && inp.ref !== undefined ? Float32Array.from(inp.distance.matrix(inp.ref).dataSync()) : undefined;
    batch = {
      n: inp.n,
      r: inp.r,
      labels: inp.labels,
      refLabels: inp.refLabels,
      self: inp.ref === undefined,
      distance: inp.distance,
      reducer: inp.reducer,
      options: inp.options,
      tuple: inp.tuple,
      mat,
      refMat,
      weights: pairWeights(inp),
    };
  });
  return batch as unknown as MetricBatch;
}

/** The loss's own per-element losses (it is called with `noReducer()`), or null when it returned its zero loss. */
function elementLosses<O extends MetricLossOptions>(lossFn: MetricLossFunction<O>, embeddings: TensorInput, labels: Labels, options: O | undefined): Float32Array | null {
  const out = lossFn(embeddings, labels, { ...(options ?? {}), reducer: noReducer() } as O);
  try {
    return out.rank === 0 ? null : Float32Array.from(out.dataSync());
  } finally {
    out.dispose();
  }
}

function labelOf(labels: Int32Array | null, i: number): number | null {
  return labels === null ? null : (labels[i] as number);
}

/** "d" for a distance, "s" for a similarity: the letter the column names use. */
function letter(distance: Distance): string {
  return distance.isInverted ? "s" : "d";
}

/** How close a value is, larger = closer, for softmax logits: the value itself for a similarity, −d for a distance. */
function closeness(distance: Distance, v: number): number {
  return distance.margin(v, 0);
}

/** An explanation of a loss that returned PML's zero loss: no elements to show, and why. */
function zeroExplanation<Row extends TripletRow | PairRow | AnchorRow>(fn: string, title: string, columns: Column<Row>[], definitions: string[], reason: string): LossExplanation<Row> {
  return new LossExplanation<Row>({ fn, title, value: 0, rows: [], weights: [], columns, definitions, verdict: `loss 0: ${reason}` });
}

function checkLength(fn: string, losses: Float32Array, expected: number): void {
  if (losses.length !== expected) throw new Error(`${fn}.explain: the loss listed ${losses.length} elements, expected ${expected}`);
}

// ---------------------------------------------------------------------------------------------
// Triplet losses

const TRIPLET_KEYS = ["margin", "swap", "smoothLoss", "tripletsPerAnchor"];

/** The triplets tripletLoss works on, in its order. */
function tripletsOf(fn: string, b: MetricBatch): TripletIndices {
  const t = b.tuple;
  if (t !== undefined) return t.kind === "triplets" ? t : pairsToTriplets(t);
  const y = b.labels as Int32Array;
  const ry = b.refLabels as Int32Array;
  const total = countAllTriplets(y, ry, b.self);
  if (total > MAX_EXPLAINED_ELEMENTS) {
    throw argError(`${fn}.explain`, "embeddings", `a batch with at most ${MAX_EXPLAINED_ELEMENTS} triplets to explain one by one`, `${total} triplets (pass mined 'indicesTuple')`);
  }
  return tripletsFromLabels(y, ry, b.self, total);
}

function tripletColumns(distance: Distance): Column<TripletRow>[] {
  const l = letter(distance);
  return [
    { label: "anchor", value: (r) => r.anchor, digits: 0 },
    { label: "positive", value: (r) => r.positive, digits: 0 },
    { label: "negative", value: (r) => r.negative, digits: 0 },
    { label: "labels a/p/n", value: (r) => labelText(r.anchorLabel, r.positiveLabel, r.negativeLabel) },
    { label: `${l}(a,p)`, value: (r) => r.ap },
    { label: `${l}(a,n)`, value: (r) => r.an },
  ];
}

function tripletDefinitions(distance: Distance, margin: number, swap: boolean, smooth: boolean): string[] {
  const l = letter(distance);
  const gap = distance.isInverted ? "s(a,p) − s(a,n)" : "d(a,n) − d(a,p)";
  return [
    `${l}(a,p), ${l}(a,n): ${distance.isInverted ? "similarities (larger is closer)" : "distances"} from ${distance.name}${swap ? `; with swap, ${l}(a,n) is the closer of ${l}(a,n) and ${l}(p,n)` : ""}.`,
    `gap = how much closer the positive is than the negative = ${gap}; violation = margin − gap = ${margin} − gap, the hinge's argument.`,
    "hard: gap ≤ 0 — the negative is at least as close as the positive.",
    `semi-hard: 0 < gap < ${margin} — the right order, but by less than the margin: the triplet still costs.`,
    `easy: gap ≥ ${margin} — separated by the margin: ${smooth ? "only softplus's small tail is left" : "zero loss, nothing to learn"}.`,
    SHARE_DEFINITION,
  ];
}

/**
 * The breakdown of {@link tripletLoss}: one row per triplet (all valid ones, or the mined ones),
 * in the loss's order.
 */
export function explainTripletLoss<O extends MetricLossOptions & { margin?: number; swap?: boolean; smoothLoss?: boolean }>(
  lossFn: MetricLossFunction<O>,
  embeddings: TensorInput,
  labels: Labels,
  options?: O,
): LossExplanation<TripletRow> {
  const fn = "tripletLoss";
  const b = readBatch(fn, embeddings, labels, options, TRIPLET_KEYS, { distance: () => new LpDistance(), reducer: avgNonZeroReducer }, options?.swap === true);
  const margin = numberOption(fn, "margin", b.options.margin, PML_DEFAULTS.triplet.margin);
  const swap = booleanOption(fn, "swap", b.options.swap, false);
  const smooth = booleanOption(fn, "smoothLoss", b.options.smoothLoss, false);
  const d = b.distance;
  const title = `${fn}: ${d.name}, margin ${margin}${swap ? ", swap" : ""}${smooth ? ", smooth" : ""}, ${b.reducer.name}`;
  const columns = tripletColumns(d);
  const definitions = tripletDefinitions(d, margin, swap, smooth);
  const t = tripletsOf(fn, b);
  const losses = t.anchors.length === 0 ? null : elementLosses(lossFn, embeddings, labels, options);
  if (losses === null) return zeroExplanation(fn, title, columns, definitions, "no triplet — no anchor has both a positive and a negative");
  checkLength(fn, losses, t.anchors.length);
  const { r, mat } = b;
  const pnMat = b.refMat ?? mat;
  const rows: TripletRow[] = [];
  for (let k = 0; k < t.anchors.length; k++) {
    const a = t.anchors[k] as number;
    const p = t.positives[k] as number;
    const q = t.negatives[k] as number;
    const ap = mat[a * r + p] as number;
    let an = mat[a * r + q] as number;
    if (swap) {
      const pn = pnMat[p * r + q] as number;
      if (d.margin(pn, an) > 0) an = pn;
    }
    const gap = d.margin(ap, an);
    rows.push({
      index: k,
      count: 1,
      anchor: a,
      positive: p,
      negative: q,
      anchorLabel: labelOf(b.labels, a),
      positiveLabel: labelOf(b.refLabels, p),
      negativeLabel: labelOf(b.refLabels, q),
      ap,
      an,
      violation: margin - gap,
      loss: losses[k] as number,
      category: marginCategory(gap, margin),
      contribution: 0,
      share: 0,
    });
  }
  const { value, weights, unreduced } = reduceWithWeights(b.reducer, losses, { kind: "triplet", anchors: t.anchors, numAnchors: b.n });
  assignShares(rows, weights, value);
  const summary = summarizeReducer(b.reducer, unreduced);
  return new LossExplanation({ fn, title, value, rows, weights, columns, definitions, verdict: (c) => verdictLine(value, summary, c, "triplet") });
}

// ---------------------------------------------------------------------------------------------
// Pair losses

/** Per anchor: its farthest positive and its closest negative among the pairs in play (−1 when none). */
function anchorExtremes(b: MetricBatch, pos: Float32Array, neg: Float32Array): { farPos: Int32Array; closeNeg: Int32Array } {
  const { n, r, mat, distance: d } = b;
  const farPos = new Int32Array(n).fill(-1);
  const closeNeg = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < r; j++) {
      const k = i * r + j;
      const v = mat[k] as number;
      const fp = farPos[i] as number;
      if ((pos[k] as number) > 0 && (fp < 0 || d.margin(mat[i * r + fp] as number, v) > 0)) farPos[i] = j;
      const cn = closeNeg[i] as number;
      if ((neg[k] as number) > 0 && (cn < 0 || d.margin(v, mat[i * r + cn] as number) > 0)) closeNeg[i] = j;
    }
  }
  return { farPos, closeNeg };
}

/** The unique pairs of a weight matrix, row-major, with their multiplicity. */
function pairList(w: Float32Array, n: number, r: number): { anchors: Int32Array; others: Int32Array; counts: Float32Array } {
  let m = 0;
  for (let k = 0; k < w.length; k++) if ((w[k] as number) > 0) m++;
  const anchors = new Int32Array(m);
  const others = new Int32Array(m);
  const counts = new Float32Array(m);
  let i = 0;
  for (let k = 0; k < n * r; k++) {
    if ((w[k] as number) > 0) {
      anchors[i] = Math.floor(k / r);
      others[i] = k % r;
      counts[i++] = w[k] as number;
    }
  }
  return { anchors, others, counts };
}

/** Reads one loss per unique pair from a list where each pair appears `count` times, starting at `offset`. */
function perPair(losses: Float32Array, counts: Float32Array, offset: number): Float32Array {
  const out = new Float32Array(counts.length);
  let at = offset;
  for (let i = 0; i < counts.length; i++) {
    out[i] = losses[at] as number;
    at += counts[i] as number;
  }
  return out;
}

function pairColumns(distance: Distance, withProbability: boolean): Column<PairRow>[] {
  const l = letter(distance);
  const cols: Column<PairRow>[] = [
    { label: "pair", value: (r) => r.pair },
    { label: "anchor", value: (r) => r.anchor, digits: 0 },
    { label: "other", value: (r) => r.other, digits: 0 },
    { label: "labels", value: (r) => labelText(r.anchorLabel, r.otherLabel) },
    { label: "count", value: (r) => r.count, digits: 0 },
    { label: `${l}(a,other)`, value: (r) => r.d },
    { label: "rival", value: (r) => r.rival, digits: 0 },
    { label: `${l}(a,rival)`, value: (r) => r.rivalValue },
  ];
  if (withProbability) cols.push({ label: "p(positive)", value: (r) => r.probability });
  return cols;
}

/**
 * The breakdown of {@link contrastiveLoss}: one row per positive pair, then one per negative
 * pair (a pair listed twice in a mined tuple is one row with count 2).
 */
export function explainContrastiveLoss<O extends MetricLossOptions & { posMargin?: number; negMargin?: number }>(
  lossFn: MetricLossFunction<O>,
  embeddings: TensorInput,
  labels: Labels,
  options?: O,
): LossExplanation<PairRow> {
  const fn = "contrastiveLoss";
  const b = readBatch(fn, embeddings, labels, options, ["posMargin", "negMargin"], { distance: () => new LpDistance(), reducer: avgNonZeroReducer });
  const posMargin = numberOption(fn, "posMargin", b.options.posMargin, PML_DEFAULTS.contrastive.posMargin);
  const negMargin = numberOption(fn, "negMargin", b.options.negMargin, PML_DEFAULTS.contrastive.negMargin);
  const d = b.distance;
  const l = letter(d);
  const title = `${fn}: ${d.name}, posMargin ${posMargin}, negMargin ${negMargin}, ${b.reducer.name}`;
  const columns = pairColumns(d, false);
  const near = d.isInverted ? "above" : "below";
  const far = d.isInverted ? "below" : "above";
  const definitions = [
    `${l}(a,other): the pair's ${d.isInverted ? "similarity" : "distance"} (${d.name}); rival: the anchor's closest negative (for a positive pair) or farthest positive (for a negative pair).`,
    `violation: how far the pair is on the wrong side of its margin — a positive pair should be ${near} posMargin ${posMargin}, a negative pair ${far} negMargin ${negMargin}; > 0 costs.`,
    "easy: on the right side of its margin — zero loss.",
    "hard: costs, and the order is wrong too — a positive pair is no closer than the anchor's closest negative, or a negative pair is at least as close as its farthest positive.",
    "semi-hard: costs, but the order is right.",
    SHARE_DEFINITION,
  ];
  const { n, r, mat } = b;
  const w = b.weights;
  const losses = elementLosses(lossFn, embeddings, labels, options);
  if (losses === null) return zeroExplanation(fn, title, columns, definitions, "at most one positive and one negative pair (pytorch-metric-learning returns 0 then)");
  checkLength(fn, losses, w.nPos + w.nNeg);
  const { farPos, closeNeg } = anchorExtremes(b, w.pos, w.neg);
  const build = (kind: "positive" | "negative", list: ReturnType<typeof pairList>, pairLosses: Float32Array): PairRow[] =>
    Array.from(list.anchors, (a, i) => {
      const o = list.others[i] as number;
      const v = mat[a * r + o] as number;
      const rival = kind === "positive" ? (closeNeg[a] as number) : (farPos[a] as number);
      const rivalValue = rival < 0 ? null : (mat[a * r + rival] as number);
      const violation = kind === "positive" ? -d.margin(v, posMargin) : -d.margin(negMargin, v);
      const wrongOrder = rivalValue !== null && (kind === "positive" ? d.margin(v, rivalValue) <= 0 : d.margin(rivalValue, v) <= 0);
      const category: Category = violation <= 0 ? "easy" : wrongOrder ? "hard" : "semi-hard";
      return {
        index: 0,
        count: list.counts[i] as number,
        pair: kind,
        anchor: a,
        other: o,
        anchorLabel: labelOf(b.labels, a),
        otherLabel: labelOf(b.refLabels, o),
        d: v,
        probability: null,
        rival: rival < 0 ? null : rival,
        rivalValue,
        violation,
        loss: pairLosses[i] as number,
        category,
        contribution: 0,
        share: 0,
      };
    });
  const posList = pairList(w.pos, n, r);
  const negList = pairList(w.neg, n, r);
  const posRows = build("positive", posList, perPair(losses, posList.counts, 0));
  const negRows = build("negative", negList, perPair(losses, negList.counts, w.nPos));
  const posRed = reduceWithWeights(b.reducer, Float32Array.from(posRows, (x) => x.loss), { kind: "pos_pair", weights: posList.counts, anchors: posList.anchors, numAnchors: n });
  const negRed = reduceWithWeights(b.reducer, Float32Array.from(negRows, (x) => x.loss), { kind: "neg_pair", weights: negList.counts, anchors: negList.anchors, numAnchors: n });
  const value = posRed.value + negRed.value;
  const rows = [...posRows, ...negRows];
  rows.forEach((row, i) => (row.index = i));
  const weights = [...posRed.weights, ...negRed.weights];
  assignShares(rows, weights, value);
  const unreduced = posRed.unreduced || negRed.unreduced;
  const summary = summarizeReducer(b.reducer, unreduced);
  const posPhrase = reductionPhrase(summary, countRows(posRows, posRed.weights), "positive pair");
  const negPhrase = reductionPhrase(summary, countRows(negRows, negRed.weights), "negative pair");
  const verdict = (c: ReturnType<typeof countRows>): string =>
    `${unreduced ? "losses adding up to" : "loss"} ${formatLoss(value)} = ${formatLoss(posRed.value)} (${posPhrase}) + ${formatLoss(negRed.value)} (${negPhrase}); ${categoryPhrase(c)}`;
  return new LossExplanation({ fn, title, value, rows, weights, columns, definitions, verdict });
}

/**
 * The breakdown of {@link ntXentLoss}: one row per positive pair, with the probability the
 * softmax over it and the anchor's negatives gives it.
 */
export function explainNtXentLoss<O extends MetricLossOptions & { temperature?: number }>(
  lossFn: MetricLossFunction<O>,
  embeddings: TensorInput,
  labels: Labels,
  options?: O,
): LossExplanation<PairRow> {
  const fn = "ntXentLoss";
  const b = readBatch(fn, embeddings, labels, options, ["temperature"], { distance: () => new CosineSimilarityDistance(), reducer: meanReducer });
  const temperature = numberOption(fn, "temperature", b.options.temperature, PML_DEFAULTS.ntXent.temperature, { above: 0 });
  const d = b.distance;
  const l = letter(d);
  const title = `${fn}: ${d.name}, temperature ${temperature}, ${b.reducer.name}`;
  const columns = pairColumns(d, true);
  const definitions = [
    `${l}(a,other): the positive pair's ${d.isInverted ? "similarity" : "distance"} (${d.name}); rival: the anchor's closest negative.`,
    `p(positive): the softmax probability of the positive against the anchor's negatives, at temperature ${temperature}; the pair's loss is −log p.`,
    `violation = how much closer the closest negative is than the positive (${d.isInverted ? "s(a,rival) − s(a,other)" : "d(a,other) − d(a,rival)"}); > 0 means a negative outranks the positive.`,
    "hard: violation ≥ 0 — a negative is at least as close as the positive.",
    `easy: the right order and p(positive) ≥ ${EASY_PROBABILITY}.`,
    `semi-hard: the right order, but p(positive) < ${EASY_PROBABILITY}.`,
    SHARE_DEFINITION,
  ];
  const { n, r, mat } = b;
  const w = b.weights;
  const losses = elementLosses(lossFn, embeddings, labels, options);
  if (losses === null) return zeroExplanation(fn, title, columns, definitions, "no positive pair, no negative pair, or at most one of each (pytorch-metric-learning returns 0 then)");
  checkLength(fn, losses, w.nPos);
  const { closeNeg } = anchorExtremes(b, w.pos, w.neg);
  const list = pairList(w.pos, n, r);
  const pairLosses = perPair(losses, list.counts, 0);
  const rows: PairRow[] = Array.from(list.anchors, (a, i) => {
    const o = list.others[i] as number;
    const v = mat[a * r + o] as number;
    const z = closeness(d, v) / temperature;
    // p = e^z / (e^z + Σ_neg w·e^{z_n}), shifted by the largest exponent.
    let shift = z;
    for (let j = 0; j < r; j++) if ((w.neg[a * r + j] as number) > 0) shift = Math.max(shift, closeness(d, mat[a * r + j] as number) / temperature);
    let negSum = 0;
    for (let j = 0; j < r; j++) {
      const wn = w.neg[a * r + j] as number;
      if (wn > 0) negSum += wn * Math.exp(closeness(d, mat[a * r + j] as number) / temperature - shift);
    }
    const own = Math.exp(z - shift);
    const probability = own / (own + negSum);
    const rival = closeNeg[a] as number;
    const rivalValue = rival < 0 ? null : (mat[a * r + rival] as number);
    const violation = rivalValue === null ? -Infinity : d.margin(rivalValue, v);
    const category: Category = violation >= 0 ? "hard" : probability >= EASY_PROBABILITY ? "easy" : "semi-hard";
    return {
      index: i,
      count: list.counts[i] as number,
      pair: "positive",
      anchor: a,
      other: o,
      anchorLabel: labelOf(b.labels, a),
      otherLabel: labelOf(b.refLabels, o),
      d: v,
      probability,
      rival: rival < 0 ? null : rival,
      rivalValue,
      violation,
      loss: pairLosses[i] as number,
      category,
      contribution: 0,
      share: 0,
    };
  });
  const { value, weights, unreduced } = reduceWithWeights(b.reducer, pairLosses, { kind: "pos_pair", weights: list.counts, anchors: list.anchors, numAnchors: n });
  assignShares(rows, weights, value);
  const summary = summarizeReducer(b.reducer, unreduced);
  return new LossExplanation({ fn, title, value, rows, weights, columns, definitions, verdict: (c) => verdictLine(value, summary, c, "positive pair") });
}

// ---------------------------------------------------------------------------------------------
// Losses with one term per anchor row

/** Per anchor row: counts, farthest positive, closest negative (0/1 masks: mined pairs listed twice count once). */
interface RowSides {
  pos: Float32Array;
  neg: Float32Array;
  farPos: Int32Array;
  closeNeg: Int32Array;
  posCount: Int32Array;
  negCount: Int32Array;
}

function rowSides(b: MetricBatch): RowSides {
  const pos = toMask(b.weights.pos);
  const neg = toMask(b.weights.neg);
  const { farPos, closeNeg } = anchorExtremes(b, pos, neg);
  const posCount = new Int32Array(b.n);
  const negCount = new Int32Array(b.n);
  for (let k = 0; k < pos.length; k++) {
    const i = Math.floor(k / b.r);
    posCount[i]! += pos[k] as number;
    negCount[i]! += neg[k] as number;
  }
  return { pos, neg, farPos, closeNeg, posCount, negCount };
}

function anchorColumns(distance: Distance, withProbability: boolean): Column<AnchorRow>[] {
  const l = letter(distance);
  const cols: Column<AnchorRow>[] = [
    { label: "anchor", value: (r) => r.anchor, digits: 0 },
    { label: "label", value: (r) => r.label, digits: 0 },
    { label: "#pos", value: (r) => r.positives, digits: 0 },
    { label: "#neg", value: (r) => r.negatives, digits: 0 },
    { label: "farthest pos", value: (r) => r.positive, digits: 0 },
    { label: `${l}(a,p)`, value: (r) => r.ap },
    { label: "closest neg", value: (r) => r.negative, digits: 0 },
    { label: `${l}(a,n)`, value: (r) => r.an },
  ];
  if (withProbability) cols.push({ label: "p(positives)", value: (r) => r.probability });
  return cols;
}

/** The anchor-row fields every per-row loss shares. */
function anchorBase(b: MetricBatch, s: RowSides, i: number, loss: number): AnchorRow {
  const fp = s.farPos[i] as number;
  const cn = s.closeNeg[i] as number;
  return {
    index: i,
    count: 1,
    anchor: i,
    label: labelOf(b.labels, i),
    direction: null,
    positives: s.posCount[i] as number,
    negatives: s.negCount[i] as number,
    positive: fp < 0 ? null : fp,
    ap: fp < 0 ? null : (b.mat[i * b.r + fp] as number),
    negative: cn < 0 ? null : cn,
    an: cn < 0 ? null : (b.mat[i * b.r + cn] as number),
    probability: null,
    violation: -Infinity,
    loss,
    category: "easy",
    contribution: 0,
    share: 0,
  };
}

/** How much closer the closest negative is than the farthest positive; −∞ when a side is missing. */
function rankingViolation(d: Distance, row: AnchorRow): number {
  return row.ap === null || row.an === null ? -Infinity : d.margin(row.an, row.ap);
}

function finishAnchorRows(fn: string, b: MetricBatch, rows: AnchorRow[], losses: Float32Array, title: string, columns: Column<AnchorRow>[], definitions: string[]): LossExplanation<AnchorRow> {
  const { value, weights, unreduced } = reduceWithWeights(b.reducer, losses, { kind: "element", numAnchors: b.n });
  assignShares(rows, weights, value);
  const summary = summarizeReducer(b.reducer, unreduced);
  return new LossExplanation({ fn, title, value, rows, weights, columns, definitions, verdict: (c) => verdictLine(value, summary, c, "anchor") });
}

const RANKING_WORDS = (d: Distance): string =>
  `violation = how much closer the closest negative is than the farthest positive (${d.isInverted ? "s(a,n) − s(a,p)" : "d(a,p) − d(a,n)"}); > 0 means a negative outranks a positive.`;

/** The breakdown of {@link supConLoss}: one row per anchor. */
export function explainSupConLoss<O extends MetricLossOptions & { temperature?: number }>(
  lossFn: MetricLossFunction<O>,
  embeddings: TensorInput,
  labels: Labels,
  options?: O,
): LossExplanation<AnchorRow> {
  const fn = "supConLoss";
  const b = readBatch(fn, embeddings, labels, options, ["temperature"], { distance: () => new CosineSimilarityDistance(), reducer: avgNonZeroReducer });
  const temperature = numberOption(fn, "temperature", b.options.temperature, PML_DEFAULTS.supCon.temperature, { above: 0 });
  const d = b.distance;
  const title = `${fn}: ${d.name}, temperature ${temperature}, ${b.reducer.name}`;
  const columns = anchorColumns(d, true);
  const definitions = [
    `farthest pos / closest neg: the anchor's hardest positive and negative under ${d.name}.`,
    `p(positives): the softmax probability (temperature ${temperature}) all the anchor's positives hold together among its positives and negatives.`,
    RANKING_WORDS(d),
    "hard: violation ≥ 0 — some negative is at least as close as some positive.",
    `easy: the right order and p(positives) ≥ ${EASY_PROBABILITY}; an anchor with no positive takes no part (loss 0) and counts as easy.`,
    `semi-hard: the right order, but p(positives) < ${EASY_PROBABILITY}.`,
    SHARE_DEFINITION,
  ];
  const losses = elementLosses(lossFn, embeddings, labels, options);
  if (losses === null) return zeroExplanation(fn, title, columns, definitions, "no positive pair or no negative pair (pytorch-metric-learning returns 0 then)");
  checkLength(fn, losses, b.n);
  const s = rowSides(b);
  const { r, mat } = b;
  const rows = Array.from(losses, (loss, i) => {
    const row = anchorBase(b, s, i, loss);
    if (row.positives === 0) return row;
    let shift = -Infinity;
    for (let j = 0; j < r; j++) if ((s.pos[i * r + j] as number) + (s.neg[i * r + j] as number) > 0) shift = Math.max(shift, closeness(d, mat[i * r + j] as number) / temperature);
    let posMass = 0;
    let all = 0;
    for (let j = 0; j < r; j++) {
      const e = Math.exp(closeness(d, mat[i * r + j] as number) / temperature - shift);
      if ((s.pos[i * r + j] as number) > 0) posMass += e;
      if ((s.pos[i * r + j] as number) + (s.neg[i * r + j] as number) > 0) all += e;
    }
    row.probability = posMass / all;
    row.violation = rankingViolation(d, row);
    row.category = row.violation >= 0 ? "hard" : row.probability >= EASY_PROBABILITY ? "easy" : "semi-hard";
    return row;
  });
  return finishAnchorRows(fn, b, rows, losses, title, columns, definitions);
}

/**
 * Rows for the losses with thresholds on both sides (multi-similarity: `base`; circle:
 * 1 − m and m): violation = how far the worst pair is on the wrong side of its threshold.
 */
function thresholdRow(d: Distance, row: AnchorRow, posThreshold: number, negThreshold: number): AnchorRow {
  const sides: number[] = [];
  if (row.ap !== null) sides.push(-d.margin(row.ap, posThreshold));
  if (row.an !== null) sides.push(-d.margin(negThreshold, row.an));
  row.violation = sides.length === 0 ? -Infinity : Math.max(...sides);
  const wrongOrder = row.ap !== null && row.an !== null && d.margin(row.ap, row.an) <= 0;
  row.category = wrongOrder ? "hard" : row.violation > 0 ? "semi-hard" : "easy";
  return row;
}

/** The breakdown of {@link multiSimilarityLoss}: one row per anchor. */
export function explainMultiSimilarityLoss<O extends MetricLossOptions & { alpha?: number; beta?: number; base?: number }>(
  lossFn: MetricLossFunction<O>,
  embeddings: TensorInput,
  labels: Labels,
  options?: O,
): LossExplanation<AnchorRow> {
  const fn = "multiSimilarityLoss";
  const b = readBatch(fn, embeddings, labels, options, ["alpha", "beta", "base"], { distance: () => new CosineSimilarityDistance(), reducer: meanReducer });
  const alpha = numberOption(fn, "alpha", b.options.alpha, PML_DEFAULTS.multiSimilarity.alpha, { above: 0 });
  const beta = numberOption(fn, "beta", b.options.beta, PML_DEFAULTS.multiSimilarity.beta, { above: 0 });
  const base = numberOption(fn, "base", b.options.base, PML_DEFAULTS.multiSimilarity.base);
  const d = b.distance;
  const l = letter(d);
  const title = `${fn}: ${d.name}, alpha ${alpha}, beta ${beta}, base ${base}, ${b.reducer.name}`;
  const columns = anchorColumns(d, false);
  const definitions = [
    `farthest pos / closest neg: the anchor's hardest positive and negative under ${d.name}.`,
    `violation = how far the worst pair is on the wrong side of base ${base}: positives should have ${l} ${d.isInverted ? "above" : "below"} it, negatives ${d.isInverted ? "below" : "above"}.`,
    "hard: some negative is at least as close as some positive.",
    "semi-hard: the right order, but a pair is on the wrong side of base (violation > 0).",
    "easy: every pair on its side of base (the loss is then only the soft tails).",
    SHARE_DEFINITION,
  ];
  const losses = elementLosses(lossFn, embeddings, labels, options);
  if (losses === null) return zeroExplanation(fn, title, columns, definitions, "at most one positive and one negative pair (pytorch-metric-learning returns 0 then)");
  checkLength(fn, losses, b.n);
  const s = rowSides(b);
  const rows = Array.from(losses, (loss, i) => thresholdRow(d, anchorBase(b, s, i, loss), base, base));
  return finishAnchorRows(fn, b, rows, losses, title, columns, definitions);
}

/** The breakdown of {@link circleLoss}: one row per anchor. */
export function explainCircleLoss<O extends MetricLossOptions & { m?: number; gamma?: number }>(
  lossFn: MetricLossFunction<O>,
  embeddings: TensorInput,
  labels: Labels,
  options?: O,
): LossExplanation<AnchorRow> {
  const fn = "circleLoss";
  const b = readBatch(fn, embeddings, labels, options, ["m", "gamma"], { distance: () => new CosineSimilarityDistance(), reducer: avgNonZeroReducer });
  const m = numberOption(fn, "m", b.options.m, PML_DEFAULTS.circle.m);
  const gamma = numberOption(fn, "gamma", b.options.gamma, PML_DEFAULTS.circle.gamma, { above: 0 });
  const d = b.distance;
  const title = `${fn}: ${d.name}, m ${m}, gamma ${gamma}, ${b.reducer.name}`;
  const columns = anchorColumns(d, false);
  const definitions = [
    "farthest pos / closest neg: the anchor's hardest positive and negative (cosine similarity).",
    `violation = how far the worst pair is on the wrong side of its decision threshold: positives should be above 1 − m = ${formatLoss(1 - m)}, negatives below m = ${m}.`,
    "hard: some negative is at least as similar as some positive.",
    "semi-hard: the right order, but a pair is on the wrong side of its threshold (violation > 0).",
    "easy: every pair on its side; an anchor without a positive or a negative takes no part (loss 0) and counts as easy.",
    SHARE_DEFINITION,
  ];
  const losses = elementLosses(lossFn, embeddings, labels, options);
  if (losses === null) return zeroExplanation(fn, title, columns, definitions, "at most one positive and one negative pair (pytorch-metric-learning returns 0 then)");
  checkLength(fn, losses, b.n);
  const s = rowSides(b);
  const rows = Array.from(losses, (loss, i) => {
    const row = anchorBase(b, s, i, loss);
    return row.positives === 0 || row.negatives === 0 ? row : thresholdRow(d, row, 1 - m, m);
  });
  return finishAnchorRows(fn, b, rows, losses, title, columns, definitions);
}
