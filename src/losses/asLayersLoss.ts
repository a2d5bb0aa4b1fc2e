import * as tf from "@tensorflow/tfjs";
import { argError, describeValue, toLabels, type TensorInput } from "../internal/validate";

/** A label-based loss as the adapter calls it: embeddings, integer labels, the loss's options. */
export type LabelBasedLoss<O> = (embeddings: tf.Tensor2D, labels: Int32Array, options?: O) => tf.Tensor;

/** A loss function in the form TensorFlow.js Layers' `model.compile({ loss })` expects. */
export type LayersLossFunction = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

const FN = "asLayersLoss";

/** float32 holds every integer up to 2²⁴ exactly; labels beyond it would not survive the trip through a float target. */
const FLOAT32_EXACT_INTEGERS = 2 ** 24;

/**
 * Turns a label-based loss (tripletLoss, contrastiveLoss, ntXentLoss, supConLoss,
 * multiSimilarityLoss, circleLoss, …) into a TensorFlow.js Layers loss, so a model that outputs
 * embeddings can be trained with `model.compile({ loss })` and `model.fit(x, targets)`:
 *
 *     loss(yTrue, yPred) = loss(yPred, labels(yTrue), options)
 *
 * `yPred` is the model's output, the [B, D] embeddings of the batch. `yTrue` carries the labels.
 * Layers checks that targets have the output's shape, so for `model.fit` pass
 * `layersTargets(labels, D)` — each label repeated across D columns; the adapter reads column 0
 * (and checks every row repeats one label). Calling the function yourself, `yTrue` may also be
 * [B] or [B, 1]. Labels arrive as floats and are converted to integers (non-integers are
 * refused). A loss that returns one value per element (e.g. with `noReducer()`) is averaged, as
 * Layers averages per-sample losses.
 *
 * Batches matter: a label-based loss needs positives in the batch, so use a batch size that holds
 * several examples per class (or `shuffle: false` with a class-balanced order, or `pkSampler`).
 * For a hand-written loop no adapter is needed:
 * `optimizer.minimize(() => tripletLoss(model.apply(x) as tf.Tensor2D, labels) as tf.Scalar)`.
 *
 * @param loss a label-based loss `(embeddings, labels, options) => tensor`.
 * @param options the loss's own options (margin, distance, reducer, …), passed on every call.
 * @returns `(yTrue, yPred) => tf.Scalar`.
 * @throws TypeError when `loss` is not a function or `options` not an object; when called,
 *   TypeError / RangeError naming `yTrue` or `yPred` (rank, batch size, non-integer labels,
 *   rows of `yTrue` that do not repeat one label), plus the loss's own errors.
 * @see Keras/TensorFlow.js custom losses `(yTrue, yPred) => loss`
 *   (https://js.tensorflow.org/api/latest/#tf.LayersModel.compile); TensorFlow Addons'
 *   `TripletSemiHardLoss` takes labels as `y_true` the same way.
 * @example
 * const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [8], units: 4 })] });
 * model.compile({ optimizer: tf.train.adam(0.01), loss: asLayersLoss(tripletLoss, { margin: 0.2 }) });
 * await model.fit(x, layersTargets(labels, 4), { batchSize: 32, epochs: 5 });
 */
export function asLayersLoss<O>(loss: LabelBasedLoss<O>, options?: O): LayersLossFunction {
  if (typeof loss !== "function") {
    throw argError(FN, "loss", "a label-based loss function (e.g. tripletLoss)", describeValue(loss), "type");
  }
  if (options !== undefined && (options === null || typeof options !== "object")) {
    throw argError(FN, "options", "the loss's options object", describeValue(options), "type");
  }
  return (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
    tf.tidy(() => {
      if (!(yPred instanceof tf.Tensor) || yPred.rank !== 2) {
        throw argError(FN, "yPred", "the model's [batch, dim] embeddings", describeValue(yPred), "type");
      }
      const labels = labelsFromTargets(yTrue, yPred.shape[0] as number);
      const out = loss(yPred as tf.Tensor2D, labels, options);
      return (out.rank === 0 ? out : tf.mean(out)) as tf.Scalar;
    });
}

/** Reads integer labels from `yTrue`: [B], [B, 1], or [B, D] whose rows each repeat one label. */
function labelsFromTargets(yTrue: tf.Tensor, batch: number): Int32Array {
  if (!(yTrue instanceof tf.Tensor) || yTrue.rank < 1 || yTrue.rank > 2) {
    throw argError(FN, "yTrue", "labels of shape [batch], [batch, 1] or [batch, dim] (see layersTargets)", describeValue(yTrue), "type");
  }
  const rows = yTrue.shape[0] as number;
  if (rows !== batch) throw argError(FN, "yTrue", `one label per row of 'yPred' (${batch})`, `${rows} rows`);
  const width = yTrue.rank === 2 ? (yTrue.shape[1] as number) : 1;
  const v = yTrue.dataSync();
  const first = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const label = v[i * width] as number;
    for (let j = 1; j < width; j++) {
      if (v[i * width + j] !== label) {
        throw argError(FN, "yTrue", "rows that each repeat one label (as layersTargets(labels, dim) makes)", `row ${i}: ${label} and ${v[i * width + j]}`);
      }
    }
    first[i] = label;
  }
  return toLabels(FN, "yTrue", first, batch, "yPred");
}

/**
 * Labels as TensorFlow.js Layers targets for a model that outputs [N, width] embeddings: an
 * [N, width] float32 tensor whose row i repeats labels[i]. `model.fit` checks that targets have
 * the output's shape, so labels cannot be passed as [N] or [N, 1]; {@link asLayersLoss} reads
 * the labels back from column 0.
 *
 * @param labels [N] integer labels (array, typed array or rank-1 tensor), |label| ≤ 2²⁴.
 * @param width the model's embedding dimension.
 * @throws TypeError / RangeError naming the argument.
 * @example
 * layersTargets([0, 2], 3).arraySync(); // => [[0, 0, 0], [2, 2, 2]]
 */
export function layersTargets(labels: TensorInput | ArrayLike<number>, width: number): tf.Tensor2D {
  const fn = "layersTargets";
  const y = toLabels(fn, "labels", labels);
  if (typeof width !== "number" || !Number.isInteger(width) || width < 1) {
    throw argError(fn, "width", "a positive integer (the embedding dimension)", describeValue(width), typeof width === "number" ? "range" : "type");
  }
  for (let i = 0; i < y.length; i++) {
    if (Math.abs(y[i] as number) > FLOAT32_EXACT_INTEGERS) {
      throw argError(fn, "labels", `integers of magnitude at most 2^24 (exact in float32)`, `${y[i]} at [${i}]`);
    }
  }
  const out = new Float32Array(y.length * width);
  for (let i = 0; i < y.length; i++) out.fill(y[i] as number, i * width, (i + 1) * width);
  return tf.tensor2d(out, [y.length, width]);
}
