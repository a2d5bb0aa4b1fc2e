import * as tf from "@tensorflow/tfjs";
import { heapView, peekValues } from "../internal/peek";
import { reduce, reductionOption, type Reduction } from "../internal/reduction";
import { heapOffset, heapScratch, heapTensor, wasmKernels } from "../internal/simd";
import { argError, checkOptions, toFloatTensor, toLabels, type TensorInput } from "../internal/validate";
import type { AnchorRow, LossExplanation } from "./explain";
import { explainCrossEntropy } from "./explainTorch";

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions {
  /** "mean" (default, divides by N), "sum" or "none" (one loss per row). */
  reduction?: Reduction;
}

const FN = "crossEntropy";

/**
 * Softmax cross-entropy with integer class targets:
 *
 *     loss[i] = logsumexp(logits[i, :]) − logits[i, targets[i]]
 *
 * then reduced. The log-sum-exp subtracts each row's maximum first, so logits in the hundreds
 * (a similarity divided by a temperature of 0.01) neither overflow nor lose the answer.
 *
 * @param logits [N, C] unnormalised scores, a tensor or nested array.
 * @param targets [N] integer classes in 0…C−1 (a tensor, an array or a typed array).
 * @returns a scalar (mean, sum) or an [N] tensor (none).
 * @throws TypeError / RangeError naming the argument when `targets` are not integers, are out of
 *   range or do not match the rows of `logits`, when `logits` is not rank 2, empty, or holds NaN.
 * @see torch.nn.functional.cross_entropy
 *   (https://pytorch.org/docs/stable/generated/torch.nn.functional.cross_entropy.html) — mirrored
 *   in value and gradient for class-index targets. Not supported: class weights, `ignore_index`,
 *   label smoothing, probability targets, inputs of rank other than 2.
 * @example
 * // log(e⁰ + e⁰) − 0 = log 2
 * crossEntropy([[0, 0]], [1]).dataSync()[0]; // => 0.6931471824645996
 */
export function crossEntropy(logits: TensorInput, targets: TensorInput, options?: CrossEntropyOptions): tf.Tensor {
  const o = checkOptions(FN, options, ["reduction"]);
  const reduction = reductionOption(FN, o.reduction);
  return tf.tidy(() => {
    const z = toFloatTensor(FN, "logits", logits, { rank: 2 }) as tf.Tensor2D;
    const [n, c] = z.shape;
    const t = toLabels(FN, "targets", targets, n, "logits");
    for (let i = 0; i < n; i++) {
      const v = t[i] as number;
      if (v < 0 || v >= c) throw argError(FN, "targets", `class indices in 0…${c - 1}`, `${v} at [${i}]`);
    }
    return reduce(crossEntropyRows(z, t), reduction);
  });
}

type CustomFn = Parameters<typeof tf.customGrad>[0];

/** x.flatten()[flat[i]] for each i, read in place. */
function pickEntries(x: tf.Tensor, flat: Int32Array): tf.Tensor1D {
  const v = peekValues(x);
  const out = new Float32Array(flat.length);
  for (let i = 0; i < flat.length; i++) out[i] = v[flat[i] as number] as number;
  return tf.tensor1d(out);
}

/**
 * The unchecked kernel of {@link crossEntropy}: per-row losses [N] of float32 logits [N, C] and
 * in-range targets. Its gradient is written out, (softmax(logits[i]) − onehot(targets[i]))·dy[i],
 * so autodiff never differentiates a max or a log-sum-exp (their default gradients compare every
 * element with the maximum, a slow broadcast `equal` on an N×N similarity matrix).
 * `consumeLogits`: the caller made `logits` for this call alone and disposes it after, without
 * reading it (no op keeps it either — TF.js saves copies): on wasm the exps are then written over
 * it, one N × C matrix fewer on the heap. Never for a tensor that came from a user.
 */
export function crossEntropyRows(logits: tf.Tensor2D, targets: Int32Array, consumeLogits = false): tf.Tensor1D {
  return tf.tidy(() => {
    const [n, c] = logits.shape;
    const flat = new Int32Array(n);
    for (let i = 0; i < n; i++) flat[i] = i * c + (targets[i] as number);
    if (wasmKernels() !== null) return crossEntropyRowsInHeap(logits, flat, consumeLogits);
    const picks = tf.tensor1d(flat, "int32");
    const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
      const shifted = tf.sub(x, tf.max(x, 1, true));
      const e = tf.exp(shifted);
      const rowSums = tf.sum(e, 1, true);
      save([e, rowSums, picks]);
      // The N target entries are picked in JS from the values in place: wasm's GatherV2 costs
      // as much as copying the whole N × C source (4 ms at 1024², measured). Then the shifted
      // logits are freed at once: nothing else needs them, and the wasm heap keeps its peak.
      const targetShifted = pickEntries(shifted, flat);
      shifted.dispose();
      return {
        // log Σ exp(x − max) − (x[target] − max): PyTorch's log_softmax, then the target's entry.
        value: tf.sub(tf.log(tf.squeeze(rowSums, [1])), targetShifted),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [se, sums, idx] = saved as [tf.Tensor, tf.Tensor, tf.Tensor1D];
          // softmax·dy everywhere, then dy subtracted at each row's target (N entries updated).
          const g = tf.mul(se, tf.div(tf.expandDims(dy, 1), sums)) as tf.Tensor2D;
          const dyv = dy.dataSync();
          // g was just made here and is handed to no one yet: on wasm its N target entries are
          // updated in place (a scatter would copy the whole N × C matrix); elsewhere scattered.
          const gh = heapView(g);
          if (gh !== null) {
            for (let i = 0; i < n; i++) gh[flat[i] as number] = Math.fround((gh[flat[i] as number] as number) - (dyv[i] as number));
            return g;
          }
          const gv = peekValues(g);
          const at = new Float32Array(n);
          for (let i = 0; i < n; i++) at[i] = Math.fround((gv[flat[i] as number] as number) - (dyv[i] as number));
          return tf.reshape(tf.tensorScatterUpdate(tf.reshape(g, [-1]), tf.expandDims(idx, 1), tf.tensor1d(at)), [n, c]);
        },
      };
    }) as unknown as CustomFn);
    return f(logits) as tf.Tensor1D;
  });
}

/**
 * {@link crossEntropyRows} with the vectorised kernels of internal/simd: one kernel finds each
 * row's maximum and writes exp(x − max) with the row sums (a vectorised exp, ~6× faster than the
 * backend's), another scales the saved exps by dy/sum for the gradient; the N target entries are
 * read and fixed in JS. `flat` holds the flat index of each row's target.
 */
function crossEntropyRowsInHeap(logits: tf.Tensor2D, flat: Int32Array, consumeLogits: boolean): tf.Tensor1D {
  const [n, c] = logits.shape;
  const kernels = wasmKernels() as NonNullable<ReturnType<typeof wasmKernels>>;
  const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    // The target logits first: with consumeLogits the exps overwrite them.
    const xv = heapView(x) as Float32Array;
    const picked = new Float32Array(n);
    for (let i = 0; i < n; i++) picked[i] = xv[flat[i] as number] as number;
    const e = consumeLogits ? x : heapTensor([n, c]);
    const stats = heapTensor([n, 2]); // per row: max, Σ exp(x − max)
    kernels.softmaxRows(heapOffset(x), heapOffset(e), n, c, heapOffset(stats));
    const st = heapView(stats) as Float32Array;
    const loss = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      loss[i] = Math.fround(Math.log(st[2 * i + 1] as number)) - Math.fround((picked[i] as number) - (st[2 * i] as number));
    }
    save([e, stats]);
    // save() kept copies when a gradient is being taken.
    tf.dispose(consumeLogits ? [stats] : [e, stats]);
    return {
      value: tf.tensor1d(loss),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [se, sst] = saved as [tf.Tensor, tf.Tensor];
        const dyv = Float32Array.from(peekValues(dy));
        const sums = heapView(sst) as Float32Array;
        const factors = new Float32Array(n);
        for (let i = 0; i < n; i++) factors[i] = (dyv[i] as number) / (sums[2 * i + 1] as number);
        const [fp] = heapScratch([factors]);
        // Written over the saved copy of the exps (ours, read once): one N × C matrix fewer. The
        // reshape shares its memory, so the gradient outlives the engine's disposal of `se`.
        kernels.scaleRows(heapOffset(se), heapOffset(se), n, c, fp as number);
        const gh = heapView(se) as Float32Array;
        for (let i = 0; i < n; i++) gh[flat[i] as number] = Math.fround((gh[flat[i] as number] as number) - (dyv[i] as number));
        return tf.reshape(se, [n, c]);
      },
    };
  }) as unknown as CustomFn);
  return f(logits) as tf.Tensor1D;
}

/**
 * The breakdown of {@link crossEntropy} for the same arguments: its value (equal to the loss),
 * one row per example with the target's logit, the best other class, p(target), the category
 * and the share of the value, and a one-line verdict. Shows itself as a table in a notebook.
 */
crossEntropy.explain = (logits: TensorInput, targets: TensorInput, options?: CrossEntropyOptions): LossExplanation<AnchorRow> =>
  explainCrossEntropy(crossEntropy, logits, targets, options);
