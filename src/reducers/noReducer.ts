import * as tf from "@tensorflow/tfjs";
import { gatherRows } from "../internal/linalg";
import type { Reducer, ReductionInfo } from "./reducer";

/**
 * No reduction: the per-element losses themselves, one per element. When the loss passes
 * multiplicities (`info.weights`, e.g. the pair losses, which work on the whole N × R matrix),
 * the result lists each pair `weight` times in row-major (anchor, then other) order.
 * A loss made of several sub-losses (ContrastiveLoss) concatenates them.
 *
 * @see pytorch-metric-learning `reducers.DoNothingReducer` — same numbers; PML returns its loss
 *   dictionary instead of a tensor, and lists mined pairs in the miner's order.
 * @example
 * noReducer().reduce(tf.tensor1d([0, 1, 2])).arraySync(); // => [0, 1, 2]
 */
export function noReducer(): Reducer {
  return {
    name: "NoReducer",
    reduce: (losses: tf.Tensor1D, info?: ReductionInfo) => {
      const w = info?.weights;
      if (w === undefined) return losses.clone();
      const idx: number[] = [];
      for (let i = 0; i < w.length; i++) for (let r = 0; r < (w[i] as number); r++) idx.push(i);
      return tf.tidy(() => tf.reshape(gatherRows(tf.reshape(losses, [losses.shape[0], 1]), idx), [idx.length]));
    },
  };
}
