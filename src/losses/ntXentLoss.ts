import * as tf from "@tensorflow/tfjs";
import { heapView, peekValues } from "../internal/peek";
import { heapFloats, heapOffset, heapScratch, heapTensor, wasmKernels } from "../internal/simd";
import { CosineSimilarityDistance } from "../distances/CosineSimilarityDistance";
import { numberOption, type TensorInput } from "../internal/validate";
import { meanReducer } from "../reducers/meanReducer";
import type { ReducerFilter } from "../reducers/reducer";
import { FLOAT32_TINY, maskedRowMax, metricLossInputs, pairRow, pairWeights, tooFewPairs, zeroLoss, type MetricLossOptions, type PairWeights } from "./metricLossInputs";
import type { LossExplanation, PairRow } from "./explain";
import { explainNtXentLoss } from "./explainMetric";
import { PML_DEFAULTS } from "./defaults";

/** Options of {@link ntXentLoss}. */
export interface NtXentLossOptions extends MetricLossOptions {
  /** Divides every similarity (default 0.07, as PML); must be > 0. */
  temperature?: number;
}

const FN = "ntXentLoss";

/**
 * NT-Xent (normalised temperature-scaled cross entropy), the SimCLR loss, for every positive
 * pair (a, p) of the batch or of the mined pairs:
 *
 *     ℓ(a, p) = −log( e^{s(a,p)/τ} / ( e^{s(a,p)/τ} + Σ_{negative pairs (a, n)} e^{s(a,n)/τ} ) + tiny )
 *     loss = reducer over positive pairs                      (default: the mean)
 *
 * The denominator holds this one positive and the anchor's negatives, not its other positives.
 * A negative pair listed twice counts twice. For a distance (not `isInverted`) s = −d. Defaults:
 * `distance` = new CosineSimilarityDistance(), τ = 0.07. Computed on the N × R matrix with
 * row-wise shifts, so it is stable at small temperatures; `tiny` = 1.1754944e-38 as PML, which
 * caps a single pair's loss at about 87.3.
 *
 * @param embeddings [N, D] tensor or nested array.
 * @param labels [N] integer labels (may be null when `indicesTuple` is given).
 * @returns a scalar (or, with noReducer, one loss per positive pair, row-major).
 * @throws TypeError / RangeError naming the argument (labels, rank ≠ 2, NaN, empty batch,
 *   indices out of range, temperature ≤ 0, unknown options).
 * @see pytorch-metric-learning `losses.NTXentLoss(temperature=0.07)`
 *   (https://kevinmusgrave.github.io/pytorch-metric-learning/losses/#ntxentloss) — mirrored,
 *   values and gradients. For CLIP-style InfoNCE on (query, document) pairs see `infoNceLoss`.
 * @example
 * // Two classes of two unit vectors; each anchor has one positive (s = 0.8) and two negatives.
 * // Anchor 0: −log(e^1.6 / (e^1.6 + e^0 + e^−1.2)); the mean over the 4 positive pairs:
 * ntXentLoss([[1, 0], [0.8, 0.6], [0, 1], [-0.6, 0.8]], [0, 0, 1, 1], { temperature: 0.5 }).dataSync()[0];
 * // => 0.43019
 */
export function ntXentLoss(
  embeddings: TensorInput,
  labels: TensorInput | ArrayLike<number> | null,
  options?: NtXentLossOptions,
): tf.Tensor {
  return tf.tidy(() => {
    const inp = metricLossInputs(FN, embeddings, labels, options, ["temperature"], {
      distance: () => new CosineSimilarityDistance(),
      reducer: meanReducer,
    });
    const temperature = numberOption(FN, "temperature", inp.options.temperature, PML_DEFAULTS.ntXent.temperature, { above: 0 });
    const w = pairWeights(inp);
    if (tooFewPairs(w) || w.nPos === 0 || w.nNeg === 0) return zeroLoss(inp);
    const { n, r } = inp;
    const mat = inp.distance.matrix(inp.emb, inp.ref);
    const scale = (inp.distance.isInverted ? 1 : -1) / temperature;
    const filter = inp.reducer.filter;
    if (filter !== undefined && n * r >= FUSED_MIN_MATRIX) return fusedNtXent(mat, scale, w, n, r, filter);
    const z = tf.mul(mat, scale) as tf.Tensor2D;
    const zv = z.dataSync();
    // Shifts (constants): the anchor's largest negative logit, and per pair max(that, own logit).
    const { max: negMax, has: hasNeg } = maskedRowMax(zv, w.neg, n, r);
    const pairMax = new Float32Array(n * r);
    const negScale = new Float32Array(n * r);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < r; j++) {
        const k = i * r + j;
        const m = hasNeg[i] ? Math.max(zv[k] as number, negMax[i] as number) : (zv[k] as number);
        pairMax[k] = m;
        negScale[k] = hasNeg[i] ? Math.exp(Math.min((negMax[i] as number) - m, 0)) : 0;
      }
    }
    // Σ_n w_an · e^{z_an − negMax_a}, per anchor (≥ 1 when the anchor has negatives).
    const negSum = tf.sum(tf.mul(tf.tensor2d(w.neg, [n, r]), tf.exp(tf.minimum(tf.sub(z, tf.tensor2d(negMax, [n, 1])), 0))), 1, true);
    const numerator = tf.exp(tf.sub(z, tf.tensor2d(pairMax, [n, r])));
    const denominator = tf.add(numerator, tf.mul(negSum, tf.tensor2d(negScale, [n, r])));
    const losses = tf.neg(tf.log(tf.add(tf.div(numerator, denominator), FLOAT32_TINY)));
    return inp.reducer.reduce(tf.reshape(losses, [-1]), { kind: "pos_pair", weights: w.pos, rowLength: r, numAnchors: n });
  });
}

/**
 * From this many matrix entries (N · R) on, a filtering reducer (mean — the default —, sum,
 * avgNonZero, threshold) is applied in plain JS over the similarity matrix: the value and
 * ∂loss/∂matrix in two passes per anchor, with the same shifts as below, instead of some fifteen
 * N × R backend passes (wasm's Exp alone costs ~10 ns per entry), four N × R uploads and a
 * read-back. Sums run in float64; the logits are rounded to float32 as the backend rounds them.
 */
const FUSED_MIN_MATRIX = 2 ** 14;

type CustomFn = Parameters<typeof tf.customGrad>[0];

function fusedNtXent(mat: tf.Tensor2D, scale: number, w: PairWeights, n: number, r: number, filter: ReducerFilter): tf.Scalar {
  const kernels = wasmKernels();
  if (kernels !== null && w.byLabel !== undefined) return fusedNtXentInHeap(kernels, mat, scale, w.byLabel, n, r, filter);
  // ∂(Σ kept w·loss)/∂z, unscaled; the reducer's divisor and the temperature are applied on the backend.
  const g = new Float32Array(n * r);
  const z = new Float64Array(r); // this anchor's logits, rounded to float32 as the backend rounds them
  const expNeg = new Float64Array(r); // this anchor's w_an · e^{z_an − M}
  const wp = new Float32Array(r);
  const wn = new Float32Array(r);
  const posAt = new Int32Array(r); // this anchor's positive columns
  const posW = new Float64Array(r); // and their weights
  let sum = 0;
  let count = 0;
  const f = Math.fround;
  // On wasm (listed pairs) each row's exps come from the vectorised kernel (internal/simd),
  // through two rows of scratch in the heap: the logits in, e^{z − M} out.
  const [zAt, eAt] = kernels !== null ? (heapScratch([new Float32Array(2 * r)]).map((o) => [o, o + 4 * r]).flat() as [number, number]) : [0, 0];
  // Read in place: no tf call until the value and the gradient are done.
  const mv = peekValues(mat);
  const zHeap = kernels !== null ? heapFloats(zAt, r) : null;
  const eHeap = kernels !== null ? heapFloats(eAt, r) : null;
  const byLabel = w.byLabel;
  for (let i = 0; i < n; i++) {
    const row = i * r;
    // The anchor's logits, its largest negative logit M, its negatives' weights and its positives.
    let negMax = -Infinity;
    let nPosRow = 0;
    if (byLabel) {
      // All pairs by label: the weights are the label tests themselves.
      const yi = byLabel.labels[i];
      const ry = byLabel.refLabels;
      const skip = byLabel.self ? i : -1;
      for (let j = 0; j < r; j++) {
        const zj = f((mv[row + j] as number) * scale);
        z[j] = zj;
        if (ry[j] !== yi) {
          wn[j] = 1;
          if (zj > negMax) negMax = zj;
        } else {
          wn[j] = 0;
          if (j !== skip) (posAt[nPosRow] = j), (posW[nPosRow++] = 1);
        }
      }
    } else {
      pairRow(w, i, r, wp, wn);
      for (let j = 0; j < r; j++) {
        const zj = f((mv[row + j] as number) * scale);
        z[j] = zj;
        if ((wn[j] as number) > 0 && zj > negMax) negMax = zj;
        if ((wp[j] as number) !== 0) (posAt[nPosRow] = j), (posW[nPosRow++] = wp[j] as number);
      }
    }
    const hasNeg = negMax !== -Infinity;
    let negSum = 0;
    if (hasNeg && kernels !== null) {
      (zHeap as Float32Array).set(z);
      kernels.expRow(zAt, r, negMax, eAt);
      const ev = eHeap as Float32Array;
      for (let j = 0; j < r; j++) {
        const wnj = wn[j] as number;
        const t = wnj > 0 ? wnj * (ev[j] as number) : 0;
        expNeg[j] = t;
        negSum += t;
      }
    } else if (hasNeg) {
      for (let j = 0; j < r; j++) {
        const wnj = wn[j] as number;
        const t = wnj > 0 ? wnj * Math.exp((z[j] as number) - negMax) : 0;
        expNeg[j] = t;
        negSum += t;
      }
    }
    // Per positive pair: m = max(z_ap, M), num = e^{z_ap − m}, den = num + negSum · e^{M − m}.
    let toNegatives = 0; // Σ over kept pairs of ∂(w·loss)/∂negSum-term, applied to every negative below
    for (let p = 0; p < nPosRow; p++) {
      const j = posAt[p] as number;
      const wpj = posW[p] as number;
      const t = positivePair(z[j] as number, negMax, hasNeg, negSum, wpj, filter);
      if (t === null) continue;
      sum += wpj * t.loss;
      count += wpj;
      g[row + j]! += t.dz;
      toNegatives += t.toNegatives;
    }
    if (hasNeg && toNegatives !== 0) {
      for (let j = 0; j < r; j++) {
        const t = expNeg[j] as number;
        if (t > 0) g[row + j]! += toNegatives * t;
      }
    }
  }
  const divisor = filter.divide === "count" ? (count > 0 ? 1 / count : 0) : count > 0 ? 1 : 0;
  const value = sum * divisor;
  const op = tf.customGrad(((m: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    return { value: tf.scalar(value), gradFunc: (dy: tf.Tensor) => tf.mul(tf.mul(dy, divisor * scale), tf.tensor(g, m.shape)) };
  }) as unknown as CustomFn);
  return op(mat) as tf.Scalar;
}

/**
 * One positive pair (a, p) of weight w in the fused passes, with M the anchor's largest negative
 * logit and negSum = Σ_n w_an · e^{z_an − M}: m = max(z_ap, M), num = e^{z_ap − m},
 * den = num + negSum · e^{M − m}, q = num / den, loss = −log(q + tiny). Returns the loss,
 * ∂(w·loss)/∂z_ap and the factor every negative's e^{z_an − M} takes in ∂(w·loss)/∂z_an — or
 * null when the reducer's filter drops the pair.
 */
function positivePair(zj: number, negMax: number, hasNeg: boolean, negSum: number, w: number, filter: ReducerFilter): { loss: number; dz: number; toNegatives: number } | null {
  const m = hasNeg && negMax > zj ? negMax : zj;
  const num = Math.exp(zj - m);
  const e = hasNeg ? Math.exp(negMax - m) : 0;
  const den = num + negSum * e;
  const q = num / den;
  const loss = -Math.log(q + FLOAT32_TINY);
  const l32 = Math.fround(loss);
  if ((filter.low !== undefined && !(l32 > filter.low)) || (filter.high !== undefined && !(l32 < filter.high))) return null;
  const dq = -w / (q + FLOAT32_TINY); // ∂(w · loss)/∂q
  return { loss, dz: dq * q * (1 - q), toNegatives: (dq * -q * e) / den };
}

/**
 * {@link fusedNtXent} for all pairs by label, on wasm, with the kernels of internal/simd: per
 * anchor, one pass scales its row of the matrix into logits and finds the largest negative
 * logit, one writes the negatives' exps and sums them, and one writes the row of ∂loss/∂matrix
 * straight into the gradient tensor; only the anchor's few positives are handled in JS (the
 * same arithmetic as the JS pass). Sums of the exps run in float32 (four partial sums).
 */
function fusedNtXentInHeap(
  kernels: NonNullable<ReturnType<typeof wasmKernels>>,
  mat: tf.Tensor2D,
  scale: number,
  b: { labels: Int32Array; refLabels: Int32Array; self: boolean },
  n: number,
  r: number,
  filter: ReducerFilter,
): tf.Scalar {
  const { labels: y, refLabels: ry, self } = b;
  // Each label's reference rows: an anchor's positives without a pass over its row.
  const rowsOf = new Map<number, number[]>();
  for (let j = 0; j < r; j++) {
    const list = rowsOf.get(ry[j] as number);
    if (list === undefined) rowsOf.set(ry[j] as number, [j]);
    else list.push(j);
  }
  const g = heapTensor([n, r]);
  const [zAt, eAt, ryAt] = heapScratch([new Float32Array(r), new Float32Array(r), ry]) as [number, number, number];
  const matAt = heapOffset(mat);
  const gAt = heapOffset(g);
  // Views after every allocation; the kernels allocate nothing.
  const z = heapFloats(zAt, r);
  const gv = heapView(g) as Float32Array;
  const posAt: number[] = [];
  const posGrad: number[] = [];
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const label = y[i] as number;
    const negMax = kernels.ntxLogits(matAt + 4 * i * r, zAt, r, scale, ryAt, label);
    const hasNeg = negMax !== -Infinity;
    const negSum = hasNeg ? kernels.ntxExps(zAt, eAt, r, ryAt, label, negMax) : 0;
    let toNegatives = 0;
    posAt.length = 0;
    posGrad.length = 0;
    for (const j of rowsOf.get(label) ?? []) {
      if (self && j === i) continue;
      const t = positivePair(z[j] as number, negMax, hasNeg, negSum, 1, filter);
      if (t === null) continue;
      sum += t.loss;
      count += 1;
      posAt.push(j);
      posGrad.push(t.dz);
      toNegatives += t.toNegatives;
    }
    // The row of ∂/∂z: toNegatives · e^{z − M} at the negatives (0 elsewhere), then the positives.
    if (hasNeg) kernels.scale(eAt, gAt + 4 * i * r, r, toNegatives);
    else gv.fill(0, i * r, (i + 1) * r);
    for (let k = 0; k < posAt.length; k++) gv[i * r + (posAt[k] as number)]! += posGrad[k] as number;
  }
  const divisor = filter.divide === "count" ? (count > 0 ? 1 / count : 0) : count > 0 ? 1 : 0;
  const value = sum * divisor;
  const op = tf.customGrad(((m: tf.Tensor, save: tf.GradSaveFunc) => {
    save([g]);
    return { value: tf.scalar(value), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(tf.mul(dy, divisor * scale), saved[0] as tf.Tensor) };
  }) as unknown as CustomFn);
  const out = op(mat) as tf.Scalar;
  g.dispose(); // save() kept a copy when a gradient is being taken
  return out;
}

/**
 * The breakdown of {@link ntXentLoss} for the same arguments: its value (equal to the loss), one row per positive pair, with its similarity, the anchor's closest negative, the softmax probability, its category and its share of the value, and a one-line verdict.
 * Shows itself as a table in a notebook (most violating rows first) and as text elsewhere.
 */
ntXentLoss.explain = (embeddings: TensorInput, labels: TensorInput | ArrayLike<number> | null, options?: NtXentLossOptions): LossExplanation<PairRow> =>
  explainNtXentLoss(ntXentLoss, embeddings, labels, options);
