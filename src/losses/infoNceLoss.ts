import * as tf from "@tensorflow/tfjs";
import { matMulBT } from "../internal/linalg";
import { argError, checkOptions, describeValue, toFloatTensor, type TensorInput } from "../internal/validate";
import { normalizeRows } from "../distances/normalize";
import { crossEntropyRows } from "./crossEntropy";
import { CLIP_INITIAL_TEMPERATURE, LearnableTemperature } from "./learnableTemperature";
import type { AnchorRow, LossExplanation } from "./explain";
import { explainInfoNce, readLogits } from "./explainTorch";

/**
 * A temperature or a logit scale (= 1/temperature): a positive number, a positive scalar tensor
 * (gradients flow into it) or a {@link LearnableTemperature}.
 */
export type TemperatureInput = number | tf.Scalar | LearnableTemperature;

/** The temperature options shared by the InfoNCE family. Give at most one of the two. */
export interface TemperatureOptions {
  /** Divides the cosine similarities. */
  temperature?: TemperatureInput;
  /** Multiplies the cosine similarities (scale = 1/temperature; sentence-transformers' name). */
  scale?: TemperatureInput;
}

/** Options of {@link infoNceLoss}. Default temperature 0.07 (CLIP, MoCo). */
export type InfoNceLossOptions = TemperatureOptions;

/** How the logits are scaled: divided by a temperature or multiplied by a scale, as the caller said. */
export type LogitScaling = { divide: number | tf.Scalar } | { multiply: number | tf.Scalar };

const FN = "infoNceLoss";

/**
 * Reads `temperature` / `scale` from an options object: refuses both at once, refuses values ≤ 0,
 * NaN, non-scalar tensors. `fallback` applies when neither is given. Call inside `tf.tidy`.
 */
export function logitScaling(fn: string, o: Record<string, unknown>, fallback: LogitScaling): LogitScaling {
  const { temperature, scale } = o;
  if (temperature !== undefined && scale !== undefined) {
    throw argError(
      fn,
      "options",
      "given 'temperature' or 'scale' (= 1/temperature), not both",
      `temperature ${describeValue(temperature)} and scale ${describeValue(scale)}`,
      "type",
    );
  }
  if (temperature !== undefined) return { divide: positiveScalar(fn, "temperature", temperature) };
  if (scale !== undefined) return { multiply: positiveScalar(fn, "scale", scale) };
  return fallback;
}

function positiveScalar(fn: string, name: string, value: unknown): number | tf.Scalar {
  const expected = "a number > 0, a scalar tensor > 0 or a LearnableTemperature";
  if (value instanceof LearnableTemperature) {
    // Both keys name the same learned quantity; its scale is already bounded by the clip.
    return name === "temperature" ? value.temperature() : value.scale();
  }
  let v: number;
  if (typeof value === "number") {
    v = value;
  } else if (value instanceof tf.Tensor) {
    if (value.isDisposed || value.size !== 1 || value.rank !== 0 || value.dtype !== "float32") {
      throw argError(fn, name, expected, describeValue(value), "type");
    }
    v = value.dataSync()[0] as number;
  } else {
    throw argError(fn, name, expected, describeValue(value), "type");
  }
  if (!(v > 0) || !Number.isFinite(v)) throw argError(fn, name, "> 0 and finite", String(v));
  return typeof value === "number" ? value : (value as tf.Scalar);
}

/** `normalize(q) · normalize(k)ᵀ`, then divided by the temperature or multiplied by the scale. */
export function scaledCosineLogits(q: tf.Tensor2D, k: tf.Tensor2D, scaling: LogitScaling): tf.Tensor2D {
  const scaled = (x: tf.Tensor): tf.Tensor2D => ("divide" in scaling ? tf.div(x, scaling.divide) : tf.mul(x, scaling.multiply)) as tf.Tensor2D;
  // One batch against itself keeps its symmetric product and scales the N × N result; two
  // batches scale the N × D rows of one side instead, so no unscaled N × N matrix is made (one
  // 64 MB tensor and one N² pass fewer at 4096; the logits differ by float32 rounding only).
  if (q === k) return scaled(selfCos(q));
  return matMulBT(scaled(normalizeRows(q)), normalizeRows(k) as tf.Tensor2D);
}

function selfCos(x: tf.Tensor2D): tf.Tensor2D {
  const xn = normalizeRows(x) as tf.Tensor2D;
  return matMulBT(xn, xn);
}

/** The targets 0, 1, …, n−1: row i's positive is column i. */
export function diagonalTargets(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

type CustomFn = Parameters<typeof tf.customGrad>[0];

/** The same values, with no gradient: for diagnostics returned next to a loss. */
export function detach<T extends tf.Tensor>(x: T): T {
  const f = tf.customGrad(((t: tf.Tensor) => ({
    value: t.clone(),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  })) as unknown as CustomFn);
  return f(x) as T;
}

/** Reads a batch of embeddings for the InfoNCE family (rank 2, finite, non-empty). */
export function embeddingBatch(fn: string, arg: string, value: unknown): tf.Tensor2D {
  return toFloatTensor(fn, arg, value, { rank: 2 }) as tf.Tensor2D;
}

/** Checks that `x` has rows of the same length as `ref`. */
export function assertSameWidth(fn: string, arg: string, x: tf.Tensor2D, refArg: string, ref: tf.Tensor2D): void {
  if (x.shape[1] !== ref.shape[1]) {
    throw argError(fn, arg, `rows of the same length as '${refArg}' (${ref.shape[1]})`, `shape [${x.shape.join(",")}]`);
  }
}

/** What {@link infoNceLoss.parts} returns; dispose it with `tf.dispose(parts)`. */
export type InfoNceParts = {
  /** The loss, differentiable. */
  loss: tf.Scalar;
  /** [N, M] scaled cosine logits (detached). */
  logits: tf.Tensor2D;
};

function infoNceParts(query: TensorInput, keys: TensorInput, options?: InfoNceLossOptions): InfoNceParts {
  return infoNceCompute(query, keys, options, true) as InfoNceParts;
}

/** The loss, and (withLogits) the detached logits: a copy of the N × M matrix, made only when asked for. */
function infoNceCompute(query: TensorInput, keys: TensorInput, options: InfoNceLossOptions | undefined, withLogits: boolean): { loss: tf.Scalar; logits?: tf.Tensor2D } {
  const o = checkOptions(FN, options, ["temperature", "scale"]);
  return tf.tidy(() => {
    const q = embeddingBatch(FN, "query", query);
    const k = embeddingBatch(FN, "keys", keys);
    assertSameWidth(FN, "keys", k, "query", q);
    const n = q.shape[0];
    if (k.shape[0] < n) {
      throw argError(FN, "keys", `at least as many rows as 'query' (${n}): key i is the positive of query i`, `${k.shape[0]} rows`);
    }
    const logits = scaledCosineLogits(q, k, logitScaling(FN, o, { divide: CLIP_INITIAL_TEMPERATURE }));
    // Without .parts the logits are ours alone: the cross-entropy may write its exps over them.
    const loss = tf.mean(crossEntropyRows(logits, diagonalTargets(n), !withLogits)) as tf.Scalar;
    if (withLogits) return { loss, logits: detach(logits) };
    logits.dispose(); // not needed backward (see multipleNegativesRankingLoss): a lower heap peak
    return { loss };
  });
}

/**
 * One-directional InfoNCE: each query must pick out its own key among all keys.
 *
 *     logits = normalize(query) · normalize(keys)ᵀ / τ          [N, M], M ≥ N
 *     loss   = mean_i ( logsumexp_j logits[i, j] − logits[i, i] )
 *
 * Keys beyond the N-th are extra negatives shared by every query. The log-sum-exp is stable at
 * τ = 0.01 (logits up to ±100).
 *
 * Companion: `infoNceLoss.parts(query, keys, options)` returns `{ loss, logits }` (logits
 * detached), for inspection; dispose it with `tf.dispose`.
 *
 * @param query [N, D] tensor or nested array.
 * @param keys [M, D] with M ≥ N; key i is the positive of query i.
 * @param options `temperature` (default 0.07, as CLIP and MoCo) or `scale` = 1/temperature —
 *   numbers, scalar tensors or a {@link LearnableTemperature}; not both.
 * @returns a scalar.
 * @throws TypeError when both `temperature` and `scale` are given; RangeError when one is ≤ 0,
 *   the inputs are not rank 2, are empty, hold NaN, differ in width, or keys has fewer rows.
 * @see van den Oord et al. 2018 (https://arxiv.org/abs/1807.03748). Equal to one direction of
 *   {@link clipInfoNceLoss} (`loss_a_to_b`) and to {@link multipleNegativesRankingLoss} with
 *   scale 1/τ; fixture `mnrl_scale_1_over_0.07_equals_one_direction_infonce`.
 * @example
 * // two orthogonal pairs at τ = 1: log(e¹ + e⁰) − 1 = 0.3133
 * infoNceLoss([[1, 0], [0, 1]], [[1, 0], [0, 1]], { temperature: 1 }).dataSync()[0]; // => 0.31326165795326233
 */
export function infoNceLoss(query: TensorInput, keys: TensorInput, options?: InfoNceLossOptions): tf.Scalar {
  return tf.tidy(() => infoNceCompute(query, keys, options, false).loss);
}

/** `{ loss, logits }` of {@link infoNceLoss}; `logits` is detached. */
infoNceLoss.parts = infoNceParts;

/**
 * The breakdown of {@link infoNceLoss} for the same arguments: its value (equal to the loss), one
 * row per query with its own key's logit, the strongest other key, p(own key), the category and
 * the share of the value, and a one-line verdict. Shows itself as a table in a notebook.
 */
infoNceLoss.explain = (query: TensorInput, keys: TensorInput, options?: InfoNceLossOptions): LossExplanation<AnchorRow> =>
  explainInfoNce(readLogits(infoNceParts(query, keys, options), "logits"));
