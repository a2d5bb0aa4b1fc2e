import * as tf from "@tensorflow/tfjs";
import { checkOptions } from "../internal/validate";
import { meanReducer } from "./meanReducer";
import { reducerOption, type Reducer, type ReductionInfo } from "./reducer";

/** Options of {@link perAnchorReducer}. */
export interface PerAnchorReducerOptions {
  /** Reduces the per-anchor averages (default meanReducer()). */
  reducer?: Reducer;
}

const FN = "perAnchorReducer";

type CustomFn = Parameters<typeof tf.customGrad>[0];

/** out[a] = Σ_{k: anchor k = a} coef[k]·losses[k], with the gradient coef[k]·dy[anchor k]. */
function segmentSum(losses: tf.Tensor1D, anchors: Int32Array, coef: Float32Array, numAnchors: number): tf.Tensor1D {
  const op = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const v = x.dataSync();
    const out = new Float32Array(numAnchors);
    for (let k = 0; k < anchors.length; k++) out[anchors[k] as number]! += (coef[k] as number) * (v[k] as number);
    save([]);
    return {
      value: tf.tensor1d(out),
      gradFunc: (dy: tf.Tensor) => tf.mul(tf.gather(dy, tf.tensor1d(anchors, "int32")), tf.tensor1d(coef)),
    };
  }) as unknown as CustomFn);
  return op(losses) as tf.Tensor1D;
}

/**
 * Averages the elements of each anchor first, then reduces those averages with `reducer`
 * (an anchor without elements averages to 0 and still counts). Losses that are already one per
 * anchor ("element") go to `reducer` unchanged.
 *
 * @see pytorch-metric-learning `reducers.PerAnchorReducer(reducer=MeanReducer())` — mirrored for
 *   pairs (a pair repeated in a mined list counts once per anchor, as PML's N × N scatter). PML
 *   refuses triplets; here each anchor's triplets are averaged the same way.
 * @example
 * // anchor 0 has pair losses 1 and 3 (average 2), anchor 1 has 4: mean(2, 4) = 3
 * perAnchorReducer().reduce(tf.tensor1d([1, 3, 4]), { kind: "pos_pair", anchors: Int32Array.of(0, 0, 1) }).dataSync()[0];
 * // => 3
 */
export function perAnchorReducer(options?: PerAnchorReducerOptions): Reducer {
  const o = checkOptions(FN, options, ["reducer"]);
  const inner = reducerOption(FN, o.reducer, meanReducer());
  return {
    name: `PerAnchorReducer(${inner.name})`,
    reduce: (losses: tf.Tensor1D, info?: ReductionInfo) => {
      const kind = info?.kind ?? "element";
      if (kind === "element") return inner.reduce(losses, info);
      return tf.tidy(() => {
        const k = losses.shape[0];
        const isPair = kind === "pos_pair" || kind === "neg_pair";
        const weight = (i: number): number => {
          const w = info?.weights === undefined ? 1 : (info.weights[i] as number);
          return isPair ? Math.min(w, 1) : w;
        };
        let anchors = info?.anchors;
        if (anchors === undefined) {
          const row = info?.rowLength;
          anchors = new Int32Array(k);
          for (let i = 0; i < k; i++) anchors[i] = row === undefined ? i : Math.floor(i / row);
        }
        let numAnchors = info?.numAnchors ?? 0;
        for (const a of anchors) numAnchors = Math.max(numAnchors, a + 1);
        const counts = new Float64Array(numAnchors);
        for (let i = 0; i < k; i++) counts[anchors[i] as number]! += weight(i);
        const coef = new Float32Array(k);
        for (let i = 0; i < k; i++) {
          const c = counts[anchors[i] as number] as number;
          coef[i] = c > 0 ? weight(i) / c : 0;
        }
        const perAnchor = segmentSum(losses, anchors, coef, numAnchors);
        return inner.reduce(perAnchor, { kind: "element", numAnchors });
      });
    },
  };
}
