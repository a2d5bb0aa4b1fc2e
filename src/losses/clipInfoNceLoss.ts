import * as tf from "@tensorflow/tfjs";
import { columnSums } from "../internal/linalg";
import { heapView, peekValues } from "../internal/peek";
import { heapFloats, heapOffset, heapScratch, heapTensor, wasmKernels } from "../internal/simd";
import { assertSameShape, checkOptions, type TensorInput } from "../internal/validate";
import { crossEntropyRows } from "./crossEntropy";
import { CLIP_INITIAL_TEMPERATURE } from "./learnableTemperature";
import { detach, diagonalTargets, embeddingBatch, logitScaling, scaledCosineLogits, type TemperatureOptions } from "./infoNceLoss";
import type { AnchorRow, LossExplanation } from "./explain";
import { explainClipInfoNce, readLogits } from "./explainTorch";

/** Options of {@link clipInfoNceLoss}. Default temperature 0.07 (CLIP's initial value). */
export type ClipInfoNceLossOptions = TemperatureOptions;

/** What {@link clipInfoNceLoss.parts} returns; dispose it with `tf.dispose(parts)`. */
export type ClipInfoNceParts = {
  /** (lossAToB + lossBToA) / 2, differentiable. */
  loss: tf.Scalar;
  /** Cross-entropy of each row of `logits` against its diagonal (a → b), detached. */
  lossAToB: tf.Scalar;
  /** Cross-entropy of each column of `logits` against its diagonal (b → a), detached. */
  lossBToA: tf.Scalar;
  /** [N, N] scaled cosine logits, detached. */
  logits: tf.Tensor2D;
};

const FN = "clipInfoNceLoss";

/**
 * Widest spread (max − min) of the logits for which one shift by the global maximum keeps every
 * exp(L − max) a normal float32: e^−80 ≈ 1.8e-35 > FLT_MIN ≈ 1.2e-38 = e^−87.3. CLIP's default
 * temperature spreads cosines in [−1, 1] over at most 2/0.07 ≈ 28.6.
 */
const GLOBAL_SHIFT_MAX_SPREAD = 80;

type CustomFn = Parameters<typeof tf.customGrad>[0];

/**
 * [mean cross-entropy of the rows against the diagonal, the same for the columns] of square
 * logits, from one exp(L − max L): row sums give a → b, column sums b → a. Half the products and
 * exps of two separate cross-entropies (the b → a logits need no second product or transpose);
 * the gradient E ⊙ (α_i/r_i + β_j/c_j) − (α + β) on the diagonal is written out. Returns null
 * when the logits spread too widely for one shift (see {@link GLOBAL_SHIFT_MAX_SPREAD}).
 */
function bothDirections(logits: tf.Tensor2D): tf.Tensor1D | null {
  const n = logits.shape[0];
  const kernels = wasmKernels();
  const [hi, lo] = kernels !== null ? heapMaxMin(kernels, logits) : tf.tidy(() => [tf.max(logits).dataSync()[0] as number, tf.min(logits).dataSync()[0] as number]);
  if (!(hi - lo <= GLOBAL_SHIFT_MAX_SPREAD)) return null;
  const diagIdx = new Int32Array(n);
  for (let i = 0; i < n; i++) diagIdx[i] = i * n + i;
  if (kernels !== null) return bothDirectionsInHeap(kernels, logits, hi, diagIdx);
  const f = tf.customGrad(((l: tf.Tensor, save: tf.GradSaveFunc) => {
    const shifted = tf.sub(l, hi);
    const e = tf.exp(shifted) as tf.Tensor2D;
    shifted.dispose(); // not needed again; the wasm heap keeps its peak
    const rows = tf.sum(e, 1);
    const cols = tf.reshape(columnSums(e), [n]);
    const lv = peekValues(l);
    const diag = new Float32Array(n);
    for (let i = 0; i < n; i++) diag[i] = lv[diagIdx[i] as number] as number;
    const d = tf.tensor1d(diag);
    // log Σ_j exp(L_ij) − L_ii = log(r_i) + max − L_ii (and the same down the columns).
    const aToB = tf.mean(tf.sub(tf.add(tf.log(rows), hi), d));
    const bToA = tf.mean(tf.sub(tf.add(tf.log(cols), hi), d));
    save([e, rows, cols]);
    return {
      value: tf.stack([aToB, bToA]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [se, r, c] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
        const dv = dy.dataSync();
        const alpha = (dv[0] as number) / n;
        const beta = (dv[1] as number) / n;
        const weights = tf.add(tf.reshape(tf.div(alpha, r), [n, 1]), tf.reshape(tf.div(beta, c), [1, n]));
        const g = tf.mul(se, weights) as tf.Tensor2D;
        weights.dispose();
        // g is ours alone: on wasm the diagonal is updated in place (a scatter copies N × N).
        const gh = heapView(g);
        if (gh !== null) {
          for (let i = 0; i < n; i++) gh[diagIdx[i] as number] = Math.fround((gh[diagIdx[i] as number] as number) - (alpha + beta));
          return g;
        }
        const gv = peekValues(g);
        const at = new Float32Array(n);
        for (let i = 0; i < n; i++) at[i] = Math.fround((gv[diagIdx[i] as number] as number) - (alpha + beta));
        return tf.reshape(tf.tensorScatterUpdate(tf.reshape(g, [-1]), tf.tensor2d(diagIdx, [n, 1], "int32"), tf.tensor1d(at)), [n, n]);
      },
    };
  }) as unknown as CustomFn);
  return f(logits) as tf.Tensor1D;
}

type Kernels = NonNullable<ReturnType<typeof wasmKernels>>;

/** [max, min] of a tensor's values with one kernel pass (two reductions and two reads otherwise). */
function heapMaxMin(kernels: Kernels, x: tf.Tensor): [number, number] {
  const [out] = heapScratch([new Float32Array(2)]) as [number];
  kernels.minMax(heapOffset(x), x.size, out);
  const [min, max] = heapFloats(out, 2) as unknown as [number, number];
  return [max, min];
}

/**
 * {@link bothDirections} with the kernels of internal/simd: exp(L − max) with its row and column
 * sums in one pass (a vectorised exp), and the gradient E ⊙ (α/r_i + β/c_j) in another.
 */
function bothDirectionsInHeap(kernels: Kernels, logits: tf.Tensor2D, hi: number, diagIdx: Int32Array): tf.Tensor1D {
  const n = logits.shape[0];
  const f = tf.customGrad(((l: tf.Tensor, save: tf.GradSaveFunc) => {
    const e = heapTensor([n, n]);
    const sums = tf.zeros([2, n]); // row sums, then column sums (accumulated from zero)
    const sumsAt = heapOffset(sums);
    kernels.expShiftSums(heapOffset(l), heapOffset(e), n, n, hi, sumsAt, sumsAt + 4 * n);
    const lv = heapView(l) as Float32Array;
    const sv = heapView(sums) as Float32Array;
    // log Σ_j exp(L_ij) − L_ii = log(r_i) + max − L_ii (and the same down the columns).
    let aToB = 0;
    let bToA = 0;
    for (let i = 0; i < n; i++) {
      const d = Math.fround(hi - (lv[diagIdx[i] as number] as number));
      aToB += Math.fround(Math.log(sv[i] as number)) + d;
      bToA += Math.fround(Math.log(sv[n + i] as number)) + d;
    }
    save([e, sums]);
    tf.dispose([e, sums]); // save() kept copies when a gradient is being taken
    return {
      value: tf.tensor1d([aToB / n, bToA / n]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [se, ss] = saved as [tf.Tensor, tf.Tensor];
        const dv = peekValues(dy);
        const alpha = (dv[0] as number) / n;
        const beta = (dv[1] as number) / n;
        const s = heapView(ss) as Float32Array;
        const weights = new Float32Array(2 * n);
        for (let i = 0; i < n; i++) {
          weights[i] = alpha / (s[i] as number);
          weights[n + i] = beta / (s[n + i] as number);
        }
        const [wr] = heapScratch([weights]);
        // Written over the saved copy of the exps (ours, read once): one N × N matrix fewer. The
        // reshape shares its memory, so the gradient outlives the engine's disposal of `se`.
        kernels.scaleRowsCols(heapOffset(se), heapOffset(se), n, n, wr as number, (wr as number) + 4 * n);
        const gh = heapView(se) as Float32Array;
        for (let i = 0; i < n; i++) gh[diagIdx[i] as number] = Math.fround((gh[diagIdx[i] as number] as number) - (alpha + beta));
        return tf.reshape(se, [n, n]);
      },
    };
  }) as unknown as CustomFn);
  return f(logits) as tf.Tensor1D;
}

function clipParts(a: TensorInput, b: TensorInput, options?: ClipInfoNceLossOptions): ClipInfoNceParts {
  return clipCompute(a, b, options, true) as ClipInfoNceParts;
}

/** The loss, and (withParts) the detached directions and logits: a copy of the N × N matrix, made only when asked for. */
function clipCompute(a: TensorInput, b: TensorInput, options: ClipInfoNceLossOptions | undefined, withParts: boolean): { loss: tf.Scalar } & Partial<ClipInfoNceParts> {
  const o = checkOptions(FN, options, ["temperature", "scale"]);
  return tf.tidy(() => {
    const x = embeddingBatch(FN, "a", a);
    const y = embeddingBatch(FN, "b", b);
    assertSameShape(FN, "b", y, "a", x);
    const scaling = logitScaling(FN, o, { divide: CLIP_INITIAL_TEMPERATURE });
    const logits = scaledCosineLogits(x, y, scaling);
    const targets = diagonalTargets(x.shape[0]);
    const both = bothDirections(logits);
    // Fallback for very spread logits: each direction with its own row shifts; logitsᵀ as a
    // second product, not a transpose (wasm's N × N Transpose and its gradient cost more).
    // Without .parts the logits are ours alone: a cross-entropy may write its exps over them.
    const aToB = both ? tf.reshape(tf.slice(both, [0], [1]), []) : tf.mean(crossEntropyRows(logits, targets, !withParts));
    const bToA = both ? tf.reshape(tf.slice(both, [1], [1]), []) : tf.mean(crossEntropyRows(scaledCosineLogits(y, x, scaling), targets, true));
    const loss = tf.div(tf.add(aToB, bToA), 2) as tf.Scalar;
    if (withParts) return { loss, lossAToB: detach(aToB) as tf.Scalar, lossBToA: detach(bToA) as tf.Scalar, logits: detach(logits) };
    logits.dispose(); // not needed backward (the exps are saved): a lower heap peak
    return { loss };
  });
}

/**
 * CLIP's symmetric InfoNCE: row i of `a` and row i of `b` are a matching pair, every other row a
 * negative, in both directions.
 *
 *     logits      = normalize(a) · normalize(b)ᵀ / τ                  [N, N]
 *     loss_a_to_b = mean_i ( logsumexp_j logits[i, j] − logits[i, i] )
 *     loss_b_to_a = mean_j ( logsumexp_i logits[i, j] − logits[j, j] )
 *     loss        = (loss_a_to_b + loss_b_to_a) / 2
 *
 * The log-sum-exp is stable at τ = 0.01 (logits up to ±100).
 *
 * Companion: `clipInfoNceLoss.parts(a, b, options)` returns `{ loss, lossAToB, lossBToA, logits }`
 * — the loss differentiable, the rest detached diagnostics; dispose it with `tf.dispose(parts)`.
 *
 * @param a [N, D] tensor or nested array (e.g. image embeddings).
 * @param b [N, D], same shape (e.g. the matching text embeddings).
 * @param options `temperature` (default 0.07: CLIP's initial value, from Wu et al. 2018) or
 *   `scale` = 1/temperature — numbers, scalar tensors or a {@link LearnableTemperature}; not both.
 * @returns a scalar.
 * @throws TypeError when both `temperature` and `scale` are given; RangeError when one is ≤ 0,
 *   the inputs are not rank 2, are empty, hold NaN, or differ in shape.
 * @see CLIP, Radford et al. 2021 (https://arxiv.org/abs/2103.00020), Figure 3's pseudocode —
 *   mirrored with a fixed or learnable temperature. The same as open_clip's `ClipLoss` on one
 *   device. pytorch-metric-learning's `NTXentLoss` is a different, label-based loss.
 * @example
 * // two orthogonal pairs at τ = 1: each direction log(e¹ + e⁰) − 1 = 0.3133
 * clipInfoNceLoss([[1, 0], [0, 1]], [[2, 0], [0, 3]], { temperature: 1 }).dataSync()[0]; // => 0.31326165795326233
 */
export function clipInfoNceLoss(a: TensorInput, b: TensorInput, options?: ClipInfoNceLossOptions): tf.Scalar {
  return tf.tidy(() => clipCompute(a, b, options, false).loss);
}

/** `{ loss, lossAToB, lossBToA, logits }` of {@link clipInfoNceLoss}; all but `loss` detached. */
clipInfoNceLoss.parts = clipParts;

/**
 * The breakdown of {@link clipInfoNceLoss} for the same arguments: its value (equal to the loss),
 * one row per item and direction (a→b, b→a) with its match's logit, the strongest other item,
 * p(match), the category and the share of the value, and a one-line verdict. Shows itself as a
 * table in a notebook.
 */
clipInfoNceLoss.explain = (a: TensorInput, b: TensorInput, options?: ClipInfoNceLossOptions): LossExplanation<AnchorRow> =>
  explainClipInfoNce(readLogits(clipParts(a, b, options), "logits"));
