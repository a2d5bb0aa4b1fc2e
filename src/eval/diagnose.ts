/**
 * `diagnose`: looks at a loss value, the embeddings and labels it came from, and the loss's
 * settings, and says in plain words what is wrong — each finding with the numbers behind it.
 */
import * as tf from "@tensorflow/tfjs";
import type { Distance } from "../distances/distance";
import { DISPLAY_SYMBOL, Table, type MimeBundle } from "../internal/table";
import { argError, checkOptions, describeValue, numberOption, toLabels, type TensorInput } from "../internal/validate";
import { collapseStatsOf, type CollapseStats } from "./geometry";
import { readMatrix, rowDistance, rowDot, rowNorm, type Matrix } from "./matrix";

/** How bad a finding is. */
export type Severity = "problem" | "warning" | "info" | "ok";

/** One finding: which rule fired, what it means, the evidence, and what to do. */
export interface Finding {
  rule: "collapse" | "dimensional-collapse" | "loss-stuck-at-margin" | "no-valid-triplet" | "all-triplets-easy" | "zero-loss-with-violations" | "nan-embeddings" | "nan-zero-distance" | "nan-no-positives" | "nan-zero-norm" | "nan-unexplained" | "margin-too-large" | "margin-above-observed" | "temperature-looks-like-scale" | "scale-looks-like-temperature" | "temperature-scale-disagree" | "unnormalized-dot-product" | "unnormalized-cosine-inputs" | "healthy";
  severity: Severity;
  /** What is wrong, in plain words. */
  message: string;
  /** The numbers that made the rule fire. */
  evidence: Record<string, number | string>;
  /** What to try. */
  advice: string;
}

/** The metric the loss measures with. */
export type DiagnoseDistance = "euclidean" | "cosine" | "dot" | Distance;

/** Options of {@link diagnose}. */
export interface DiagnoseOptions {
  /** The loss value (a number or a scalar tensor); NaN is allowed. */
  loss?: number | tf.Tensor;
  /** Loss values over time (e.g. `result.history.map(h => h.loss)`), to spot a loss stuck at the margin. */
  lossHistory?: number[];
  /** The loss's margin (triplet, contrastive). */
  margin?: number;
  /** The InfoNCE temperature τ (logits = similarity / τ). */
  temperature?: number;
  /** The InfoNCE scale s (logits = similarity · s, sentence-transformers' name; s = 1/τ). */
  scale?: number;
  /**
   * The loss's metric: "euclidean" (default; distances of the rows as given), "cosine"
   * (the loss normalises rows itself), "dot" (the loss takes raw dot products as similarities,
   * as CLIP-style code does after its own normalise step), or a distance object.
   */
  distance?: DiagnoseDistance;
}

const FN = "diagnose";

/**
 * Mean pairwise distance below this fraction of the mean norm (or 1e-6 absolute) = one point.
 * 1 % catches a normalised cloud shrunk into a cap of the sphere (distances ~0.003 where healthy
 * clouds sit near 1); healthy spaces are two orders of magnitude above it.
 */
const COLLAPSE_RELATIVE = 1e-2;
const COLLAPSE_ABSOLUTE = 1e-6;
/** An effective rank below this (with dim ≥ 4) = the cloud lies on about one line. */
const LINE_RANK = 1.5;
/** A loss within this fraction of the margin counts as "at the margin". */
const AT_MARGIN = 0.02;
/** Norms within this distance of 1 count as unit vectors. */
const UNIT_TOLERANCE = 0.01;
/** A loss value this small counts as 0. */
const ZERO_LOSS = 1e-12;
/** Above this many triplets the easy/active count samples anchors instead of enumerating all. */
const MAX_TRIPLETS = 2_000_000;

/** The result of {@link diagnose}: findings as data, a table in a notebook, text elsewhere. */
export class Diagnosis {
  constructor(
    readonly findings: Finding[],
    readonly stats: CollapseStats,
  ) {}

  /** True when no finding is a problem or a warning. */
  get ok(): boolean {
    return !this.findings.some((f) => f.severity === "problem" || f.severity === "warning");
  }

  /** The findings of one rule (handy in tests and exercises). */
  has(rule: Finding["rule"]): boolean {
    return this.findings.some((f) => f.rule === rule);
  }

  table(): Table<Finding> {
    const mark: Record<Severity, string> = { problem: "✖ problem", warning: "⚠ warning", info: "ℹ info", ok: "✔ ok" };
    const fmt = (v: number | string): string => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : Number(v.toPrecision(4)).toString()) : v);
    return new Table<Finding>(
      [
        { label: "", value: (f) => mark[f.severity], align: "left" },
        { label: "finding", value: (f) => f.message, align: "left" },
        { label: "evidence", value: (f) => Object.entries(f.evidence).map(([k, v]) => `${k} = ${fmt(v)}`).join("; "), align: "left" },
        { label: "what to do", value: (f) => f.advice, align: "left" },
      ],
      this.findings,
      { title: this.ok ? "diagnose: no problem found" : `diagnose: ${this.findings.filter((f) => f.severity === "problem" || f.severity === "warning").length} issue(s)` },
    );
  }

  toString(): string {
    return this.table().toText();
  }

  [DISPLAY_SYMBOL](): MimeBundle {
    return this.table()[DISPLAY_SYMBOL]();
  }
}

function lossNumber(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === "number") return v;
  if (v instanceof tf.Tensor) {
    if (v.isDisposed) throw argError(FN, "loss", "a live tensor", "a disposed tensor", "type");
    if (v.size !== 1) throw argError(FN, "loss", "a number or a scalar tensor", describeValue(v), "type");
    return v.dataSync()[0] as number;
  }
  throw argError(FN, "loss", "a number or a scalar tensor", describeValue(v), "type");
}

/** Similarity or distance between rows, as the loss sees them; `inverted` = larger is closer. */
function metricOf(m: Matrix, dist: DiagnoseDistance): { value: (i: number, j: number) => number; inverted: boolean; name: string } {
  if (dist === "euclidean") return { value: (i, j) => rowDistance(m, i, m, j), inverted: false, name: "Euclidean distance" };
  if (dist === "dot") return { value: (i, j) => rowDot(m, i, m, j), inverted: true, name: "dot product" };
  if (dist === "cosine") {
    const norms = Array.from({ length: m.rows }, (_, i) => Math.max(rowNorm(m, i), 1e-12));
    return { value: (i, j) => rowDot(m, i, m, j) / ((norms[i] as number) * (norms[j] as number)), inverted: true, name: "cosine similarity" };
  }
  const mat = tf.tidy(() => dist.matrix(tf.tensor2d(Float32Array.from(m.data), [m.rows, m.cols])));
  const values = Float64Array.from(mat.dataSync() as ArrayLike<number>);
  mat.dispose();
  return { value: (i, j) => values[i * m.rows + j] as number, inverted: dist.isInverted, name: dist.name };
}

/**
 * Names what is wrong with a metric-learning set-up, each finding with its evidence:
 *
 * - **collapse**: every embedding at (nearly) one point — mean pairwise distance ≈ 0; with a
 *   triplet margin, a loss stuck at the margin (max(0 − 0 + m, 0) = m); or the cloud on one line
 *   (effective rank ≈ 1);
 * - **loss 0**: because every triplet is easy (d(a,n) ≥ d(a,p) + margin everywhere), versus
 *   because no valid triplet exists (no two rows share a label, or all do);
 * - **NaN**: NaN embeddings, pairs at distance exactly 0 (the square root's gradient is 0/0),
 *   batches without positive pairs (0/0 in losses that average over positives), zero-norm rows
 *   under a cosine;
 * - **margin larger than the distance range**: e.g. margin 5 on unit vectors, whose distances
 *   never exceed 2;
 * - **temperature vs scale confusion**: temperature 20 (meant scale 20 = temperature 0.05) or
 *   scale 0.05;
 * - **unnormalised inputs to a cosine loss**: raw dot products taken as cosines.
 *
 * With no issue, one "healthy" finding summarises the cloud.
 *
 * @param embeddings [N, D] (tensor or nested array; NaN allowed — that is a finding).
 * @param labels [N] integer labels.
 * @example
 * // Everything collapsed onto one point; the triplet loss sits at its margin.
 * diagnose([[0.6, 0.8], [0.6, 0.8], [0.6, 0.8], [0.6, 0.8]], [0, 0, 1, 1], { loss: 0.2, margin: 0.2 }).has("collapse");
 * // => true
 */
export function diagnose(embeddings: TensorInput | number[][], labels: TensorInput | ArrayLike<number>, options?: DiagnoseOptions): Diagnosis {
  const o = checkOptions(FN, options, ["loss", "lossHistory", "margin", "temperature", "scale", "distance"]);
  const loss = lossNumber(o.loss);
  const margin = o.margin === undefined ? undefined : numberOption(FN, "margin", o.margin, 0, {});
  const temperature = o.temperature === undefined ? undefined : numberOption(FN, "temperature", o.temperature, 1, { above: 0 });
  const scale = o.scale === undefined ? undefined : numberOption(FN, "scale", o.scale, 1, { above: 0 });
  const history = o.lossHistory;
  if (history !== undefined && (!Array.isArray(history) || history.some((v) => typeof v !== "number"))) {
    throw argError(FN, "lossHistory", "an array of numbers", describeValue(history), "type");
  }
  const dist = (o.distance ?? "euclidean") as DiagnoseDistance;
  if (typeof dist === "string" ? !["euclidean", "cosine", "dot"].includes(dist) : typeof (dist as Distance)?.matrix !== "function") {
    throw argError(FN, "distance", '"euclidean", "cosine", "dot" or a distance object', describeValue(dist), typeof dist === "string" ? "range" : "type");
  }
  const m = readMatrix(FN, "embeddings", embeddings, { finite: false });
  const y = toLabels(FN, "labels", labels, m.rows);
  const findings: Finding[] = [];

  // --- NaN in the embeddings: nothing else can be measured.
  const badRows: number[] = [];
  for (let i = 0; i < m.rows; i++) {
    for (let k = 0; k < m.cols; k++) {
      if (!Number.isFinite(m.data[i * m.cols + k] as number)) {
        badRows.push(i);
        break;
      }
    }
  }
  const counts = new Map<number, number>();
  for (const l of y) counts.set(l, (counts.get(l) ?? 0) + 1);
  let positivePairs = 0;
  for (const c of counts.values()) positivePairs += (c * (c - 1)) / 2;
  const negativePairs = (m.rows * (m.rows - 1)) / 2 - positivePairs;
  if (badRows.length > 0) {
    findings.push({
      rule: "nan-embeddings",
      severity: "problem",
      message: "The embeddings themselves hold NaN or Infinity: the model's parameters were already broken before this loss was computed.",
      evidence: { "rows with NaN/Inf": badRows.length, "first such row": badRows[0] as number },
      advice: "Stop at the first NaN (fit does), lower the learning rate, and look for the step where the loss or a gradient first became non-finite.",
    });
    const empty: CollapseStats = { rows: m.rows, dim: m.cols, meanNorm: NaN, minNorm: NaN, maxNorm: NaN, meanPairwiseDistance: NaN, maxPairwiseDistance: NaN, zeroDistancePairs: 0, spread: [], meanSpread: NaN, effectiveRank: NaN, meanPositiveDistance: NaN, meanNegativeDistance: NaN, alignment: NaN, uniformity: NaN };
    return new Diagnosis(findings, empty);
  }

  const s = collapseStatsOf(m, y);
  const unit = Math.abs(s.minNorm - 1) <= UNIT_TOLERANCE && Math.abs(s.maxNorm - 1) <= UNIT_TOLERANCE;

  // --- Collapse.
  const collapsed = m.rows >= 2 && (s.meanPairwiseDistance <= COLLAPSE_ABSOLUTE || s.meanPairwiseDistance <= COLLAPSE_RELATIVE * s.meanNorm);
  const atMargin = (v: number): boolean => margin !== undefined && margin > 0 && Math.abs(v - margin) <= AT_MARGIN * margin;
  if (collapsed) {
    const evidence: Record<string, number | string> = { "mean pairwise distance": s.meanPairwiseDistance, "max pairwise distance": s.maxPairwiseDistance, "mean norm": s.meanNorm, "effective rank": s.effectiveRank };
    if (loss !== undefined && margin !== undefined) {
      evidence.loss = loss;
      evidence.margin = margin;
    }
    findings.push({
      rule: "collapse",
      severity: "problem",
      message: `Collapse: every embedding sits at (nearly) the same point, so d(a,p) ≈ d(a,n) ≈ 0 and nothing can be told apart${loss !== undefined && atMargin(loss) ? "; the triplet loss is stuck at max(0 − 0 + margin, 0) = margin" : ""}.`,
      evidence,
      advice: "Use a loss that pushes negatives away (triplet/contrastive with negatives, InfoNCE), check that the batch has several classes, lower the learning rate, and check the encoder's output is not constant (dead ReLUs, a zero layer).",
    });
  } else if (m.cols >= 4 && s.effectiveRank < LINE_RANK) {
    findings.push({
      rule: "dimensional-collapse",
      severity: "warning",
      message: `Dimensional collapse: the embeddings use about ${s.effectiveRank.toFixed(2)} of their ${m.cols} dimensions — they lie close to one line.`,
      evidence: { "effective rank": s.effectiveRank, dimensions: m.cols, "largest spread": Math.max(...s.spread), "smallest spread": Math.min(...s.spread) },
      advice: "More classes per batch and harder negatives spread the cloud; a uniformity term (Wang & Isola) or InfoNCE with more negatives also helps.",
    });
  }
  if (!collapsed && history !== undefined && margin !== undefined && history.length >= 3 && history.slice(-3).every(atMargin)) {
    findings.push({
      rule: "loss-stuck-at-margin",
      severity: "warning",
      message: "The loss has stayed at the margin for the last epochs: the typical sign of d(a,p) ≈ d(a,n), i.e. the model cannot (yet) separate classes.",
      evidence: { "last losses": history.slice(-3).map((v) => v.toFixed(4)).join(", "), margin },
      advice: "Check for collapse on a larger sample, raise the learning rate slightly, or start with easier (semi-hard) negatives.",
    });
  }

  // --- Loss exactly 0.
  const anchors = Array.from({ length: m.rows }, (_, i) => i).filter((i) => (counts.get(y[i] as number) ?? 0) >= 2 && (counts.get(y[i] as number) ?? 0) < m.rows);
  const metric = metricOf(m, dist);
  if (loss !== undefined && Math.abs(loss) <= ZERO_LOSS) {
    if (anchors.length === 0) {
      findings.push({
        rule: "no-valid-triplet",
        severity: "problem",
        message: positivePairs === 0 ? "The loss is 0 because no valid triplet exists: no two rows share a label, so no anchor has a positive. It is not 0 because the model is good." : "The loss is 0 because no valid triplet exists: every row has the same label, so no anchor has a negative.",
        evidence: { rows: m.rows, classes: counts.size, "positive pairs": positivePairs, "negative pairs": negativePairs },
        advice: "Build batches with several classes and several items per class (a P×K sampler).",
      });
    } else if (margin !== undefined) {
      const t = tripletSlack(metric, y, anchors, margin);
      if (t.active === 0) {
        findings.push({
          rule: "all-triplets-easy",
          severity: "info",
          message: `The loss is 0 because every one of the ${t.total} triplets is easy: each negative is already at least the margin farther than its positive. Honest, but this batch teaches nothing.`,
          evidence: { triplets: t.total, "active triplets": 0, "smallest slack beyond the margin": t.minSlack, margin },
          advice: "Mine harder negatives (semi-hard or batch-hard), put confusable classes in the same batch, or raise the margin.",
        });
      } else {
        findings.push({
          rule: "zero-loss-with-violations",
          severity: "warning",
          message: `The loss is 0 although ${t.active} of ${t.total} triplets violate margin ${margin}: the loss probably received no triplets (an empty miner output) or uses another margin or distance.`,
          evidence: { triplets: t.total, "active triplets": t.active, margin, distance: metric.name },
          advice: "Check the miner's output size and that loss and diagnose use the same margin and distance.",
        });
      }
    }
  }

  // --- NaN loss with finite embeddings.
  if (loss !== undefined && Number.isNaN(loss)) {
    const before = findings.length;
    if (s.zeroDistancePairs > 0) {
      findings.push({
        rule: "nan-zero-distance",
        severity: "problem",
        message: `${s.zeroDistancePairs} pair(s) of rows are at distance exactly 0. The gradient of √(Σ(a − b)²) at 0 is 0/0 = NaN when a distance is written as tf.sqrt or tf.norm.`,
        evidence: { "pairs at distance 0": s.zeroDistancePairs, rows: m.rows },
        advice: "Use a distance whose gradient is defined at 0 (pairwiseDistance adds eps, LpDistance returns 0), or remove duplicate rows.",
      });
    }
    if (positivePairs === 0) {
      findings.push({
        rule: "nan-no-positives",
        severity: "problem",
        message: "The batch has no positive pair. Losses that average over each anchor's positives (SupCon, NT-Xent, …) then divide 0 by 0.",
        evidence: { rows: m.rows, classes: counts.size, "positive pairs": 0 },
        advice: "Use a P×K sampler so every class appears at least twice per batch.",
      });
    }
    if ((dist === "cosine" || (typeof dist !== "string" && dist.normalizeEmbeddings)) && s.minNorm === 0) {
      findings.push({
        rule: "nan-zero-norm",
        severity: "problem",
        message: "Some rows have length 0; a cosine divides by the length, 0/0.",
        evidence: { "smallest norm": s.minNorm },
        advice: "Clamp the norm (normalize uses max(‖x‖, 1e-12)) or find why the encoder outputs zeros.",
      });
    }
    if (findings.length === before) {
      findings.push({
        rule: "nan-unexplained",
        severity: "problem",
        message: "The loss is NaN but these embeddings show no cause (no NaN, no zero distance, positives present).",
        evidence: { loss: "NaN", rows: m.rows, "min distance > 0": "yes" },
        advice: "Look inside the loss: log(0), exp overflow with a tiny temperature, or a division by a count that can be 0.",
      });
    }
  }

  // --- Margin versus the range of the metric.
  if (margin !== undefined && margin > 0) {
    const bounded = dist === "cosine" || (typeof dist !== "string" && dist.isInverted && dist.normalizeEmbeddings) || ((dist === "euclidean" || (typeof dist !== "string" && !dist.isInverted)) && (unit || (typeof dist !== "string" && dist.normalizeEmbeddings)));
    // Unit vectors: Euclidean distances lie in [0, 2]; cosine similarities in [−1, 1], a spread of 2.
    const RANGE_ON_SPHERE = 2;
    if (bounded && margin > RANGE_ON_SPHERE) {
      findings.push({
        rule: "margin-too-large",
        severity: "problem",
        message: `Margin ${margin} can never be met: on unit vectors ${dist === "cosine" ? "cosine similarities differ by at most 2" : "no distance exceeds 2"}, so every triplet stays active forever and the loss never drops below margin − 2 = ${(margin - RANGE_ON_SPHERE).toFixed(3)}.`,
        evidence: { margin, "largest possible distance": RANGE_ON_SPHERE, "largest distance observed": s.maxPairwiseDistance },
        advice: "Use a margin well inside the range (0.05–0.5 for normalised embeddings, PML's default is 0.05), or do not normalise if you want an unbounded scale.",
      });
    } else if (!bounded && !metric.inverted && s.maxPairwiseDistance > 0 && margin > s.maxPairwiseDistance) {
      findings.push({
        rule: "margin-above-observed",
        severity: "warning",
        message: `Margin ${margin} is larger than every distance in this batch (largest ${s.maxPairwiseDistance.toPrecision(3)}): every triplet stays active, so every step keeps a gradient however well the classes are already separated.`,
        evidence: { margin, "largest distance observed": s.maxPairwiseDistance, "mean distance": s.meanPairwiseDistance },
        advice: "Pick the margin relative to the typical distances, or normalise the embeddings so the range is fixed ([0, 2]).",
      });
    }
  }

  // --- Temperature versus scale.
  if (temperature !== undefined && temperature > 1) {
    findings.push({
      rule: "temperature-looks-like-scale",
      severity: "problem",
      message: `Temperature ${temperature} divides similarities in [−1, 1] by ${temperature}: every logit lies within ±${(1 / temperature).toPrecision(2)}, the softmax is almost uniform and the loss hardly moves. This looks like a scale: scale ${temperature} is temperature ${(1 / temperature).toPrecision(3)}.`,
      evidence: { temperature, "logit range": `±${(1 / temperature).toPrecision(3)}`, "equivalent temperature if it was a scale": 1 / temperature },
      advice: `Pass temperature ${(1 / temperature).toPrecision(3)} (CLIP starts at 0.07), or scale ${temperature} to a loss that takes a scale (sentence-transformers' MNRL uses 20).`,
    });
  }
  if (scale !== undefined && scale < 1) {
    findings.push({
      rule: "scale-looks-like-temperature",
      severity: "problem",
      message: `Scale ${scale} multiplies similarities by ${scale}: logits within ±${scale}, almost no contrast. This looks like a temperature: temperature ${scale} is scale ${(1 / scale).toPrecision(3)}.`,
      evidence: { scale, "logit range": `±${scale}`, "equivalent scale if it was a temperature": 1 / scale },
      advice: `Pass scale ${(1 / scale).toPrecision(3)}, or temperature ${scale} to a loss that takes a temperature.`,
    });
  }
  if (temperature !== undefined && scale !== undefined && Math.abs(temperature * scale - 1) > 1e-6) {
    findings.push({
      rule: "temperature-scale-disagree",
      severity: "warning",
      message: `Both a temperature (${temperature}) and a scale (${scale}) were given and they disagree: scale should be 1 / temperature = ${(1 / temperature).toPrecision(4)}.`,
      evidence: { temperature, scale, "temperature × scale": temperature * scale },
      advice: "Keep one of the two: they are the same knob.",
    });
  }

  // --- Unnormalised inputs to a cosine loss.
  if ((dist === "dot" || dist === "cosine") && !unit) {
    let maxDot = 0;
    for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.rows; j++) maxDot = Math.max(maxDot, Math.abs(rowDot(m, i, m, j)));
    const t = temperature ?? (scale !== undefined ? 1 / scale : undefined);
    const evidence: Record<string, number | string> = { "smallest norm": s.minNorm, "largest norm": s.maxNorm, "largest |dot product|": maxDot };
    if (t !== undefined) evidence["largest logit (dot / temperature)"] = maxDot / t;
    findings.push(
      dist === "dot"
        ? {
            rule: "unnormalized-dot-product",
            severity: "problem",
            message: `The loss takes dot products as cosine similarities, but the rows are not unit length (norms ${s.minNorm.toPrecision(3)}…${s.maxNorm.toPrecision(3)}): "similarities" reach ${maxDot.toPrecision(3)} instead of at most 1${t !== undefined ? `, logits ${(maxDot / t).toPrecision(3)}` : ""}, and the model can lower the loss just by growing norms.`,
            evidence,
            advice: "Normalise the embeddings (normalize(x)) right before the dot product, as CLIP does.",
          }
        : {
            rule: "unnormalized-cosine-inputs",
            severity: "info",
            message: `The rows are not unit length (norms ${s.minNorm.toPrecision(3)}…${s.maxNorm.toPrecision(3)}). A cosine loss normalises internally, so its value is right, but Euclidean distances, margins and kNN on these raw rows will not agree with it.`,
            evidence,
            advice: "Normalise once (normalize(x) or an encoder with normalize: true) and use the normalised rows everywhere.",
          },
    );
  }

  if (findings.length === 0) {
    findings.push({
      rule: "healthy",
      severity: "ok",
      message: "No problem found: the embeddings are spread out, classes are closer inside than across, and the settings are consistent.",
      evidence: {
        "mean d(positive)": s.meanPositiveDistance,
        "mean d(negative)": s.meanNegativeDistance,
        "effective rank": s.effectiveRank,
        ...(loss !== undefined ? { loss } : {}),
      },
      advice: "Keep an eye on held-out metrics (precision@1, MAP@R) rather than the training loss alone.",
    });
  }
  return new Diagnosis(findings, s);
}

/** Active triplets (margin not met) among valid ones, and the smallest slack beyond the margin. */
function tripletSlack(metric: { value: (i: number, j: number) => number; inverted: boolean }, y: Int32Array, anchors: number[], margin: number): { total: number; active: number; minSlack: number } {
  let total = 0;
  let active = 0;
  let minSlack = Infinity;
  const n = y.length;
  for (const a of anchors) {
    for (let p = 0; p < n; p++) {
      if (p === a || y[p] !== y[a]) continue;
      const ap = metric.value(a, p);
      for (let q = 0; q < n; q++) {
        if (y[q] === y[a]) continue;
        const an = metric.value(a, q);
        // How much closer the positive is than the negative, in the metric's sense.
        const gap = metric.inverted ? ap - an : an - ap;
        const slack = gap - margin;
        total++;
        if (slack < 0) active++;
        if (slack < minSlack) minSlack = slack;
        if (total >= MAX_TRIPLETS) return { total, active, minSlack };
      }
    }
  }
  return { total, active, minSlack };
}
