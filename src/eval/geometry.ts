/**
 * The shape of an embedding cloud: alignment and uniformity (Wang & Isola 2020) and simple
 * collapse indicators. Plain float64 JavaScript on numbers read once from the tensor.
 */
import { symmetricEigen } from "../internal/eigen";
import { DISPLAY_SYMBOL, Table, type MimeBundle } from "../internal/table";
import { argError, booleanOption, checkOptions, numberOption, toLabels, type TensorInput } from "../internal/validate";
import { normalizedRows, readMatrix, rowDistance, rowNorm, type Matrix } from "./matrix";

type Embeddings = TensorInput | number[][];

/** Options of {@link alignment}. */
export interface AlignmentOptions {
  /** The exponent α of the distance (default 2, as in the paper). */
  alpha?: number;
  /** Scale rows to unit length first (default true: the paper's features live on the sphere). */
  normalize?: boolean;
}

/**
 * Alignment: how close items of the same class are, the mean of ‖f(x) − f(y)‖^α over every
 * positive pair (i < j with the same label). Lower is better; 0 means every class is one point.
 *
 * @throws RangeError when no two rows share a label.
 * @see Wang & Isola 2020, "Understanding Contrastive Representation Learning through Alignment
 *   and Uniformity on the Hypersphere" (https://arxiv.org/abs/2005.10242), `align_loss` — the
 *   paper's pairs are augmented views; here they are the labelled positive pairs.
 * @example
 * alignment([[1, 0], [0, 1], [-1, 0]], [0, 0, 1]); // => 2   (‖(1,−1)‖² = 2)
 */
export function alignment(embeddings: Embeddings, labels: TensorInput | ArrayLike<number>, options?: AlignmentOptions): number {
  const FN = "alignment";
  const o = checkOptions(FN, options, ["alpha", "normalize"]);
  const alpha = numberOption(FN, "alpha", o.alpha, 2, { above: 0 });
  const norm = booleanOption(FN, "normalize", o.normalize, true);
  const m0 = readMatrix(FN, "embeddings", embeddings);
  const y = toLabels(FN, "labels", labels, m0.rows);
  const m = norm ? normalizedRows(m0) : m0;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < m.rows; i++) {
    for (let j = i + 1; j < m.rows; j++) {
      if (y[i] !== y[j]) continue;
      sum += rowDistance(m, i, m, j) ** alpha;
      count++;
    }
  }
  if (count === 0) throw argError(FN, "labels", "at least two rows with the same label", "all labels distinct");
  return sum / count;
}

/** Options of {@link uniformity}. */
export interface UniformityOptions {
  /** The Gaussian kernel's t (default 2, as in the paper). */
  t?: number;
  /** Scale rows to unit length first (default true). */
  normalize?: boolean;
}

/**
 * Uniformity: log of the mean Gaussian potential over every pair i < j,
 * log mean exp(−t‖f(x_i) − f(x_j)‖²). Lower (more negative) is more spread out; 0 means every
 * point is the same point — complete collapse. On the unit sphere it is at least about −4 for t = 2.
 *
 * @throws RangeError with fewer than 2 rows.
 * @see Wang & Isola 2020 (https://arxiv.org/abs/2005.10242), `uniform_loss` (over `torch.pdist` pairs).
 * @example
 * uniformity([[1, 0], [-1, 0]]); // => -8   (log exp(−2·4))
 */
export function uniformity(embeddings: Embeddings, options?: UniformityOptions): number {
  const FN = "uniformity";
  const o = checkOptions(FN, options, ["t", "normalize"]);
  const t = numberOption(FN, "t", o.t, 2, { above: 0 });
  const norm = booleanOption(FN, "normalize", o.normalize, true);
  const m0 = readMatrix(FN, "embeddings", embeddings);
  if (m0.rows < 2) throw argError(FN, "embeddings", "at least 2 rows", `${m0.rows} row`);
  const m = norm ? normalizedRows(m0) : m0;
  // log-mean-exp with the largest exponent factored out, so a spread-out cloud does not underflow.
  const exps: number[] = [];
  for (let i = 0; i < m.rows; i++) for (let j = i + 1; j < m.rows; j++) exps.push(-t * rowDistance(m, i, m, j) ** 2);
  const top = Math.max(...exps);
  let s = 0;
  for (const e of exps) s += Math.exp(e - top);
  return top + Math.log(s / exps.length);
}

/** Mean Euclidean distance over every pair i < j (0 when every row is the same point). */
export function meanPairwiseDistance(embeddings: Embeddings): number {
  const m = readMatrix("meanPairwiseDistance", "embeddings", embeddings);
  if (m.rows < 2) throw argError("meanPairwiseDistance", "embeddings", "at least 2 rows", `${m.rows} row`);
  let s = 0;
  let c = 0;
  for (let i = 0; i < m.rows; i++) {
    for (let j = i + 1; j < m.rows; j++) {
      s += rowDistance(m, i, m, j);
      c++;
    }
  }
  return s / c;
}

/** Standard deviation of each dimension over the rows (population, divides by N). */
export function dimensionSpread(embeddings: Embeddings): number[] {
  return spreadOf(readMatrix("dimensionSpread", "embeddings", embeddings));
}

function spreadOf(m: Matrix): number[] {
  const out: number[] = [];
  for (let k = 0; k < m.cols; k++) {
    let mean = 0;
    for (let i = 0; i < m.rows; i++) mean += (m.data[i * m.cols + k] as number) / m.rows;
    let v = 0;
    for (let i = 0; i < m.rows; i++) v += ((m.data[i * m.cols + k] as number) - mean) ** 2 / m.rows;
    out.push(Math.sqrt(v));
  }
  return out;
}

/** Eigenvalues of the covariance (divides by N), largest first. */
function covarianceSpectrum(m: Matrix): number[] {
  const d = m.cols;
  const mean = new Float64Array(d);
  for (let i = 0; i < m.rows; i++) for (let k = 0; k < d; k++) mean[k] = (mean[k] as number) + (m.data[i * d + k] as number) / m.rows;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < m.rows; i++) {
    for (let a = 0; a < d; a++) {
      const ca = (m.data[i * d + a] as number) - (mean[a] as number);
      if (ca === 0) continue;
      for (let b = a; b < d; b++) cov[a * d + b] = (cov[a * d + b] as number) + (ca * ((m.data[i * d + b] as number) - (mean[b] as number))) / m.rows;
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) cov[a * d + b] = cov[b * d + a] as number;
  return symmetricEigen(cov, d).values.map((v) => Math.max(v, 0));
}

/**
 * Effective rank (Roy & Vetterli 2007): exp of the Shannon entropy of the normalised singular
 * values σ_k of the centred embeddings, p_k = σ_k / Σσ. It is d when all d directions carry equal
 * spread and 1 when the cloud lies on a line; 0 for a single point (no spread at all).
 * The singular values come from our own eigen-decomposition of the covariance (σ_k ∝ √λ_k;
 * Jacobi rotations in plain JS, see internal/eigen), not from a library SVD.
 *
 * @see Roy & Vetterli 2007, "The effective rank: a measure of effective dimensionality"
 *   (EUSIPCO); used for dimensional collapse by Jing et al. 2022 (https://arxiv.org/abs/2110.09348).
 * @example
 * effectiveRank([[1, 0], [-1, 0], [0, 1], [0, -1]]); // => 2
 */
export function effectiveRank(embeddings: Embeddings): number {
  return effectiveRankOf(readMatrix("effectiveRank", "embeddings", embeddings));
}

/** Spread below this fraction of the rows' RMS value is rounding noise, not a direction (identical rows → rank 0). */
const RANK_NOISE = 1e-6;

function effectiveRankOf(m: Matrix): number {
  const sigma = covarianceSpectrum(m).map(Math.sqrt);
  const total = sigma.reduce((s, v) => s + v, 0);
  let squares = 0;
  for (let i = 0; i < m.data.length; i++) squares += (m.data[i] as number) ** 2;
  const rms = Math.sqrt(squares / Math.max(1, m.data.length));
  if (!(total > RANK_NOISE * rms)) return 0;
  let h = 0;
  for (const s of sigma) {
    const p = s / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return Math.exp(h);
}

/** Collapse indicators of one embedding cloud (see {@link collapseStats}). */
export interface CollapseStats {
  rows: number;
  dim: number;
  meanNorm: number;
  minNorm: number;
  maxNorm: number;
  meanPairwiseDistance: number;
  maxPairwiseDistance: number;
  /** Pairs i < j at distance exactly 0 (duplicate rows). */
  zeroDistancePairs: number;
  /** Per-dimension standard deviation. */
  spread: number[];
  meanSpread: number;
  effectiveRank: number;
  /** With labels: mean distance of positive pairs and of negative pairs (NaN when there are none). */
  meanPositiveDistance: number;
  meanNegativeDistance: number;
  /** With labels and at least one positive pair: Wang & Isola's alignment (normalised rows, α = 2). */
  alignment: number;
  /** Wang & Isola's uniformity (normalised rows, t = 2). */
  uniformity: number;
}

/** A table of {@link CollapseStats} that shows in a notebook. */
export class CollapseReport {
  constructor(readonly stats: CollapseStats) {}

  table(): Table<{ name: string; value: number; meaning: string }> {
    const s = this.stats;
    const rows = [
      { name: "mean pairwise distance", value: s.meanPairwiseDistance, meaning: "0 = every book on one spot" },
      { name: "max pairwise distance", value: s.maxPairwiseDistance, meaning: "≤ 2 for unit vectors" },
      { name: "mean per-dimension spread", value: s.meanSpread, meaning: "standard deviation of a coordinate" },
      { name: "effective rank", value: s.effectiveRank, meaning: `directions in use, out of ${s.dim}` },
      { name: "mean norm", value: s.meanNorm, meaning: "1 for normalised embeddings" },
      { name: "mean d(positive pair)", value: s.meanPositiveDistance, meaning: "same label" },
      { name: "mean d(negative pair)", value: s.meanNegativeDistance, meaning: "different labels" },
      { name: "alignment", value: s.alignment, meaning: "lower = classes tighter (Wang & Isola)" },
      { name: "uniformity", value: s.uniformity, meaning: "lower = more spread out; 0 = collapsed" },
    ];
    return new Table(
      [
        { label: "indicator", value: (r) => r.name },
        { label: "value", value: (r) => r.value, digits: 4 },
        { label: "meaning", value: (r) => r.meaning },
      ],
      rows,
      { title: `Shape of ${s.rows} embeddings of dimension ${s.dim}` },
    );
  }

  toString(): string {
    return this.table().toText();
  }

  [DISPLAY_SYMBOL](): MimeBundle {
    return this.table()[DISPLAY_SYMBOL]();
  }
}

/** Computes every indicator at once from a matrix already read (used by diagnose). */
export function collapseStatsOf(m: Matrix, y?: Int32Array): CollapseStats {
  const norms = Array.from({ length: m.rows }, (_, i) => rowNorm(m, i));
  let sum = 0;
  let max = 0;
  let zeros = 0;
  let pairs = 0;
  let pos = 0;
  let posN = 0;
  let neg = 0;
  let negN = 0;
  for (let i = 0; i < m.rows; i++) {
    for (let j = i + 1; j < m.rows; j++) {
      const d = rowDistance(m, i, m, j);
      sum += d;
      pairs++;
      if (d > max) max = d;
      if (d === 0) zeros++;
      if (y) {
        if (y[i] === y[j]) {
          pos += d;
          posN++;
        } else {
          neg += d;
          negN++;
        }
      }
    }
  }
  const spread = spreadOf(m);
  const normed = normalizedRows(m);
  let align = Number.NaN;
  if (y && posN > 0) {
    let s = 0;
    for (let i = 0; i < m.rows; i++) for (let j = i + 1; j < m.rows; j++) if (y[i] === y[j]) s += rowDistance(normed, i, normed, j) ** 2;
    align = s / posN;
  }
  let unif = Number.NaN;
  if (m.rows >= 2) {
    const exps: number[] = [];
    for (let i = 0; i < m.rows; i++) for (let j = i + 1; j < m.rows; j++) exps.push(-2 * rowDistance(normed, i, normed, j) ** 2);
    const top = Math.max(...exps);
    unif = top + Math.log(exps.reduce((s, e) => s + Math.exp(e - top), 0) / exps.length);
  }
  return {
    rows: m.rows,
    dim: m.cols,
    meanNorm: norms.reduce((s, v) => s + v, 0) / m.rows,
    minNorm: Math.min(...norms),
    maxNorm: Math.max(...norms),
    meanPairwiseDistance: pairs ? sum / pairs : 0,
    maxPairwiseDistance: max,
    zeroDistancePairs: zeros,
    spread,
    meanSpread: spread.reduce((s, v) => s + v, 0) / spread.length,
    effectiveRank: effectiveRankOf(m),
    meanPositiveDistance: posN ? pos / posN : Number.NaN,
    meanNegativeDistance: negN ? neg / negN : Number.NaN,
    alignment: align,
    uniformity: unif,
  };
}

/**
 * Every collapse indicator of an embedding cloud: norms, mean and largest pairwise distance,
 * duplicate rows, per-dimension spread, effective rank and, with labels, positive vs negative
 * distances and alignment/uniformity. Shows as a table in a notebook.
 *
 * @example
 * collapseStats([[1, 0], [1, 0], [1, 0]]).stats.meanPairwiseDistance; // => 0
 */
export function collapseStats(embeddings: Embeddings, labels?: TensorInput | ArrayLike<number>): CollapseReport {
  const m = readMatrix("collapseStats", "embeddings", embeddings);
  const y = labels === undefined ? undefined : toLabels("collapseStats", "labels", labels, m.rows);
  return new CollapseReport(collapseStatsOf(m, y));
}
