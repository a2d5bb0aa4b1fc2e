/**
 * `explain`: what every loss can say about its own value. A loss's companion
 * `loss.explain(...same arguments)` returns a {@link LossExplanation}: the value, one row per
 * element the loss is made of (a triplet, a pair, an anchor row, a query), each with its
 * distances, how much it violates what the loss asks, its category (easy / semi-hard / hard)
 * and its share of the value, plus a one-line verdict. It shows itself as a table.
 *
 * This module holds what the explanations share: the row types, the categories, the share of
 * each element (read off the reducer's own gradient, so any reducer works), the verdict and the
 * display. The per-loss functions live in `explainMetric.ts` (pytorch-metric-learning losses)
 * and `explainTorch.ts` (PyTorch and sentence-transformers losses).
 */
import * as tf from "@tensorflow/tfjs";
import type { Distance } from "../distances/distance";
import type { Reduction } from "../internal/reduction";
import { DISPLAY_SYMBOL, Table, type Column, type MimeBundle } from "../internal/table";
import type { Reducer, ReductionInfo } from "../reducers/reducer";

/** How far an element is from costing nothing: see each explanation's definitions. */
export type Category = "easy" | "semi-hard" | "hard";

/** What every explained element (row) has. */
export interface ExplainedElement {
  /** Position of the element in the loss's own order (the order `noReducer()` / `reduction: "none"` lists them). */
  index: number;
  /** How many times the element is counted (a pair listed twice in a mined tuple counts twice). */
  count: number;
  /** How badly the element breaks what the loss asks for; larger is worse (each loss defines it). */
  violation: number;
  /** The element's own loss, as the loss computes it. */
  loss: number;
  category: Category;
  /** The element's part of the value: its loss times the weight the reduction gives it. Contributions add up to the value. */
  contribution: number;
  /** contribution / value (0 when the value is 0). */
  share: number;
}

/** One triplet (anchor, positive, negative). */
export interface TripletRow extends ExplainedElement {
  anchor: number;
  positive: number;
  negative: number;
  /** Labels of the three rows, when known. */
  anchorLabel: number | null;
  positiveLabel: number | null;
  negativeLabel: number | null;
  /** d(a, p), or s(a, p) for a similarity. */
  ap: number;
  /** d(a, n) (with swap: the closer of d(a, n) and d(p, n)), or s(a, n) for a similarity. */
  an: number;
}

/** One positive or negative pair (anchor, other). */
export interface PairRow extends ExplainedElement {
  pair: "positive" | "negative";
  anchor: number;
  other: number;
  anchorLabel: number | null;
  otherLabel: number | null;
  /** d(anchor, other), or the similarity. */
  d: number;
  /** For a softmax pair loss (NT-Xent): the pair's probability against the anchor's negatives; otherwise null. */
  probability: number | null;
  /** The anchor's closest negative (for a positive pair) or farthest positive (for a negative pair), and its value. */
  rival: number | null;
  rivalValue: number | null;
}

/** One anchor row, query or classification row. */
export interface AnchorRow extends ExplainedElement {
  /** The row (anchor, query, or for CLIP's b→a direction the column). */
  anchor: number;
  /** Its label or target class, when there is one. */
  label: number | null;
  /** "a→b" or "b→a" for CLIP's two directions; otherwise null. */
  direction: string | null;
  /** How many positives and negatives the row is compared with. */
  positives: number;
  negatives: number;
  /** The positive shown (the farthest one, or the target) and its value. */
  positive: number | null;
  ap: number | null;
  /** The closest negative and its value. */
  negative: number | null;
  an: number | null;
  /** For softmax losses, the probability the positive(s) get; otherwise null. */
  probability: number | null;
}

/** Options of {@link LossExplanation.table}. */
export interface ExplainTableOptions {
  /** Show at most this many rows, most violating first (default {@link EXPLAIN_ROWS_SHOWN}). */
  maxRows?: number;
}

/** Rows an explanation table shows by default; the rest are counted below it. */
export const EXPLAIN_ROWS_SHOWN = 20;

/**
 * The most elements an explanation lists (2²⁰ ≈ 1 M rows, ~100 MB of row objects). Larger
 * batches should be mined first (pass `indicesTuple`).
 */
export const MAX_EXPLAINED_ELEMENTS = 2 ** 20;

/**
 * Softmax losses (NT-Xent, SupCon, InfoNCE, cross-entropy) call an element easy when its
 * positive(s) already hold at least this much of the probability (a loss of at most log 2 per positive).
 */
export const EASY_PROBABILITY = 0.5;

/** The order of a plain distance (smaller is closer), in {@link Distance.margin}'s terms. */
export const DISTANCE_ORDER: Pick<Distance, "margin"> = { margin: (x, y) => y - x };
/** The order of scores, logits and similarities (larger is closer), in {@link Distance.margin}'s terms. */
export const SCORE_ORDER: Pick<Distance, "margin"> = { margin: (x, y) => x - y };

/**
 * The category of a margin element whose positive is `gap` closer than its negative
 * (`distance.margin(ap, an)`): hard when gap ≤ 0, semi-hard when 0 < gap < margin, easy when
 * gap ≥ margin (the hinge is at or below 0).
 */
export function marginCategory(gap: number, margin: number): Category {
  if (gap <= 0) return "hard";
  return gap < margin ? "semi-hard" : "easy";
}

/** Thousands separators, independent of the locale: 2160 → "2,160". */
export function groupThousands(n: number): string {
  const [int, frac] = String(Math.abs(n)).split(".");
  const grouped = (int ?? "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return (n < 0 ? "−" : "") + grouped + (frac === undefined ? "" : `.${frac}`);
}

/** A loss value for a sentence: 4 decimals, or 4 significant digits when tiny. */
export function formatLoss(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6 ? v.toFixed(4) : v.toPrecision(4);
}

/** How a loss reduces its elements, for the verdict. */
export interface ReductionSummary {
  kind: "mean" | "sum" | "avgNonZero" | "threshold" | "none" | "other";
  /** The reducer's name, for "other". */
  name: string;
  low?: number;
  high?: number;
}

/** Summarises a pytorch-metric-learning-style reducer; `unreduced` when it returned a vector. */
export function summarizeReducer(reducer: Reducer, unreduced: boolean): ReductionSummary {
  const name = reducer.name;
  if (unreduced) return { kind: "none", name };
  const f = reducer.filter;
  if (f === undefined) return { kind: "other", name };
  if (f.low === undefined && f.high === undefined) return { kind: f.divide === "count" ? "mean" : "sum", name };
  if (f.divide === "count" && f.low === 0 && f.high === undefined) return { kind: "avgNonZero", name };
  return { kind: "threshold", name, ...(f.low === undefined ? {} : { low: f.low }), ...(f.high === undefined ? {} : { high: f.high }) };
}

/** Summarises a PyTorch `reduction`. */
export function summarizeReduction(reduction: Reduction): ReductionSummary {
  return { kind: reduction, name: reduction };
}

/** Counts of a set of rows, each weighted by its multiplicity. */
export interface ExplanationCounts {
  /** Elements (with multiplicity). */
  total: number;
  /** Elements with a loss > 0. */
  active: number;
  /** Elements the reduction actually weighs (non-zero weight), e.g. the non-zero ones for avgNonZero. */
  counted: number;
  easy: number;
  semiHard: number;
  hard: number;
}

/** Counts rows by category and activity; `weights` are the rows' weights in the value. */
export function countRows(rows: readonly ExplainedElement[], weights: ArrayLike<number>): ExplanationCounts {
  const c: ExplanationCounts = { total: 0, active: 0, counted: 0, easy: 0, semiHard: 0, hard: 0 };
  rows.forEach((row, i) => {
    const k = row.count;
    c.total += k;
    if (row.loss > 0) c.active += k;
    if ((weights[i] as number) !== 0) c.counted += k;
    if (row.category === "easy") c.easy += k;
    else if (row.category === "semi-hard") c.semiHard += k;
    else c.hard += k;
  });
  return c;
}

/** The plural of a noun as used in verdicts ("triplet" → "triplets", "query" → "queries"). */
function plural(noun: string, n: number): string {
  if (n === 1) return noun;
  return noun.endsWith("y") ? `${noun.slice(0, -1)}ies` : `${noun}s`;
}

/**
 * How the reduction made the value from the elements, e.g. "mean of 17 active triplets out of
 * 2,160" or "mean over 32 queries (32 active)".
 */
export function reductionPhrase(summary: ReductionSummary, c: ExplanationCounts, noun: string): string {
  const total = `${groupThousands(c.total)} ${plural(noun, c.total)}`;
  const active = `${groupThousands(c.active)} active`;
  switch (summary.kind) {
    case "avgNonZero":
      return `mean of ${groupThousands(c.counted)} active ${plural(noun, c.counted)} out of ${groupThousands(c.total)}`;
    case "mean":
      return `mean over ${total} (${active})`;
    case "sum":
      return `sum over ${total} (${active})`;
    case "threshold": {
      const bounds = [summary.low === undefined ? "" : `${summary.low} <`, "loss", summary.high === undefined ? "" : `< ${summary.high}`].filter(Boolean).join(" ");
      return `mean of ${groupThousands(c.counted)} ${plural(noun, c.counted)} with ${bounds} out of ${groupThousands(c.total)}`;
    }
    case "none":
      return `no reduction: ${total} (${active}), one loss each`;
    default:
      return `${summary.name} over ${total} (${active})`;
  }
}

/** "2,143 already easy, 14 semi-hard, 3 hard". */
export function categoryPhrase(c: ExplanationCounts): string {
  return `${groupThousands(c.easy)} already easy, ${groupThousands(c.semiHard)} semi-hard, ${groupThousands(c.hard)} hard`;
}

/**
 * The one-line verdict: "loss 0.0503 = mean of 17 active triplets out of 2,160; 2,143 already
 * easy, 14 semi-hard, 3 hard". Without reduction: "losses adding up to 0.7 — no reduction: …".
 */
export function verdictLine(value: number, summary: ReductionSummary, c: ExplanationCounts, noun: string): string {
  const how = reductionPhrase(summary, c, noun);
  const head = summary.kind === "none" ? `losses adding up to ${formatLoss(value)} — ${how}` : `loss ${formatLoss(value)} = ${how}`;
  return `${head}; ${categoryPhrase(c)}`;
}

/**
 * The value of `reducer` on per-element losses and each element's weight in it,
 * ∂value/∂loss_k, read off the reducer's gradient (any reducer; the filtering ones give
 * 1/count for kept elements and 0 for the rest). For a reducer that returns a vector (no
 * reduction) the value is its sum. Leaves no tensors behind.
 */
export function reduceWithWeights(reducer: Reducer, losses: Float32Array, info: ReductionInfo): { value: number; weights: Float32Array; unreduced: boolean } {
  let value = 0;
  let weights = new Float32Array(losses.length);
  let unreduced = false;
  tf.tidy(() => {
    const x = tf.tensor1d(losses);
    const f = (t: tf.Tensor): tf.Scalar => {
      const out = reducer.reduce(t as tf.Tensor1D, info);
      unreduced = out.rank !== 0;
      return tf.sum(out);
    };
    const { value: v, grad } = tf.valueAndGrad(f)(x);
    value = v.dataSync()[0] as number;
    weights = Float32Array.from(grad.dataSync());
  });
  return { value, weights, unreduced };
}

/** The weight of each element under a PyTorch `reduction` over `n` elements. */
export function reductionWeights(reduction: Reduction, n: number): Float64Array {
  return new Float64Array(n).fill(reduction === "mean" ? 1 / n : 1);
}

/** Sets `contribution` and `share` of rows from their weights (`weights[i]` already includes multiplicity). */
export function assignShares<Row extends ExplainedElement>(rows: Row[], weights: ArrayLike<number>, value: number): void {
  rows.forEach((row, i) => {
    row.contribution = (weights[i] as number) * row.loss;
    row.share = value !== 0 ? row.contribution / value : 0;
  });
}

/** What {@link LossExplanation}'s constructor takes. */
export interface LossExplanationInit<Row extends ExplainedElement> {
  /** The loss's name, e.g. "tripletLoss". */
  fn: string;
  /** The table's title (loss, distance, settings). */
  title: string;
  value: number;
  rows: Row[];
  /** The weight each row has in the value (∂value/∂loss, multiplicity included), for the counts. */
  weights: ArrayLike<number>;
  /** The columns specific to this loss (violation, loss, category and share are appended). */
  columns: Column<Row>[];
  /** What the columns and categories mean, in words. */
  definitions: string[];
  /** The verdict, or a function of the counts that makes it. */
  verdict: string | ((counts: ExplanationCounts) => string);
  /** Label of the violation column (default "violation"). */
  violationLabel?: string;
}

/**
 * A loss's breakdown of its own value: `value`, one row per element, the `verdict`, what every
 * column means (`definitions`), and `table()`. In a notebook, a cell ending in an explanation
 * shows the table (most violating rows first) with the verdict and the definitions below it.
 */
export class LossExplanation<Row extends ExplainedElement = ExplainedElement> {
  readonly fn: string;
  readonly title: string;
  /** The loss value the rows add up to (equal to the loss, up to float32 rounding). */
  readonly value: number;
  /** One row per element, in the loss's own order. */
  readonly rows: readonly Row[];
  /** One line: the value, how it was reduced, how many elements are easy, semi-hard, hard. */
  readonly verdict: string;
  /** What each column and category means. */
  readonly definitions: readonly string[];
  readonly counts: ExplanationCounts;
  private readonly columns: readonly Column<Row>[];

  constructor(init: LossExplanationInit<Row>) {
    this.fn = init.fn;
    this.title = init.title;
    this.value = init.value;
    this.rows = init.rows;
    this.counts = countRows(init.rows, init.weights);
    this.verdict = typeof init.verdict === "string" ? init.verdict : init.verdict(this.counts);
    this.definitions = init.definitions;
    this.columns = [
      ...init.columns,
      { label: init.violationLabel ?? "violation", value: (r) => r.violation },
      { label: "loss", value: (r) => r.loss },
      { label: "category", value: (r) => r.category },
      { label: "share", value: (r) => `${(100 * r.share).toFixed(1)}%`, align: "right" },
    ];
  }

  /** The rows, most violating first (then by loss), as a {@link Table} with the verdict and definitions as notes. */
  table(options: ExplainTableOptions = {}): Table<Row> {
    const sorted = [...this.rows].sort((x, y) => y.violation - x.violation || y.loss - x.loss || x.index - y.index);
    return new Table(this.columns, sorted, {
      title: this.title,
      maxRows: options.maxRows ?? EXPLAIN_ROWS_SHOWN,
      notes: [this.verdict, ...this.definitions],
    });
  }

  /** The verdict, then the table as text. */
  toString(): string {
    return this.table().toText();
  }

  /** The display protocol: the table as HTML in a notebook, as text elsewhere. */
  [DISPLAY_SYMBOL](): MimeBundle {
    return this.table()[DISPLAY_SYMBOL]();
  }
}

/** "0/0/1" — labels of a row's members, "—" when unknown. */
export function labelText(...labels: (number | null)[]): string {
  return labels.map((l) => (l === null ? "—" : String(l))).join("/");
}

/** The wording of the share column, common to every explanation. */
export const SHARE_DEFINITION = "share: the element's part of the loss value (its loss × the weight the reduction gives it), as a percentage of the value.";
