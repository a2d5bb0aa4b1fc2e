import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { avgNonZeroReducer, meanReducer, noReducer, perAnchorReducer, sumReducer, thresholdReducer, type Reducer, type ReductionInfo } from "semantic-gps";
import { assertNoLeak } from "../helpers/fixtures";

function run(r: Reducer, losses: number[], info?: ReductionInfo): { value: number[]; grad: number[] } {
  return tf.tidy(() => {
    const x = tf.tensor1d(losses);
    const value = Array.from(r.reduce(x, info).dataSync());
    const grad = Array.from(tf.grad((t: tf.Tensor) => tf.sum(r.reduce(t as tf.Tensor1D, info)))(x).dataSync());
    return { value, grad };
  });
}

const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-6;

describe("meanReducer and sumReducer", () => {
  it("mean: (0 + 1 + 2) / 3 = 1, gradient 1/3 each", () => {
    const { value, grad } = run(meanReducer(), [0, 1, 2]);
    assert.ok(close(value[0]!, 1));
    assert.ok(grad.every((g) => close(g, 1 / 3)));
  });

  it("sum: 0 + 1 + 2 = 3, gradient 1 each", () => {
    const { value, grad } = run(sumReducer(), [0, 1, 2]);
    assert.ok(close(value[0]!, 3));
    assert.ok(grad.every((g) => close(g, 1)));
  });

  it("weights count an element several times and exclude weight-0 entries", () => {
    // (1·1 + 2·3 + 0·100) / (1 + 2) = 7 / 3
    const { value, grad } = run(meanReducer(), [1, 3, 100], { weights: Float32Array.of(1, 2, 0) });
    assert.ok(close(value[0]!, 7 / 3));
    assert.ok(close(grad[0]!, 1 / 3) && close(grad[1]!, 2 / 3) && grad[2] === 0);
    assert.ok(close(run(sumReducer(), [1, 3, 100], { weights: Float32Array.of(1, 2, 0) }).value[0]!, 7));
  });

  it("an empty loss vector reduces to 0 (not NaN)", () => {
    assert.deepEqual(run(meanReducer(), []).value, [0]);
    assert.deepEqual(run(sumReducer(), []).value, [0]);
  });
});

describe("avgNonZeroReducer", () => {
  it("averages only the elements > 0: (0.5 + 1.5) / 2 = 1", () => {
    const { value, grad } = run(avgNonZeroReducer(), [0, 0.5, 0, 1.5]);
    assert.ok(close(value[0]!, 1));
    assert.deepEqual(grad.map((g) => Math.round(g * 2) / 2), [0, 0.5, 0, 0.5]);
  });

  it("returns 0 with a zero gradient (never NaN) when nothing is positive", () => {
    const { value, grad } = run(avgNonZeroReducer(), [0, 0, 0]);
    assert.deepEqual(value, [0]);
    assert.deepEqual(grad, [0, 0, 0]);
  });

  it("exposes its closed form (low 0, divided by the count) for losses that reduce without listing", () => {
    assert.deepEqual(avgNonZeroReducer().filter, { low: 0, divide: "count" });
  });
});

describe("thresholdReducer", () => {
  it("keeps low < loss < high (strict): mean(0.5, 1.5) = 1", () => {
    assert.ok(close(run(thresholdReducer({ low: 0.1, high: 2 }), [0.05, 0.5, 1.5, 3, 2]).value[0]!, 1));
  });

  it("accepts one bound alone", () => {
    assert.ok(close(run(thresholdReducer({ high: 1 }), [0.5, 1.5, 0.25]).value[0]!, 0.375));
    assert.ok(close(run(thresholdReducer({ low: 1 }), [0.5, 1.5, 2.5]).value[0]!, 2));
  });

  it("refuses no bounds and low ≥ high", () => {
    assert.throws(() => thresholdReducer({}), /thresholdReducer: 'options' must be an object with 'low', 'high' or both/);
    assert.throws(() => thresholdReducer({ low: 1, high: 1 }), /thresholdReducer: 'high' must be greater than 'low' \(1\)/);
    assert.throws(() => thresholdReducer({ low: NaN }), /'low' must be a finite number/);
  });
});

describe("noReducer", () => {
  it("returns the losses unchanged", () => {
    assert.deepEqual(run(noReducer(), [3, 1, 2]).value, [3, 1, 2]);
  });

  it("lists each element as many times as its weight, in order", () => {
    const { value, grad } = run(noReducer(), [3, 1, 2], { weights: Float32Array.of(2, 0, 1) });
    assert.deepEqual(value, [3, 3, 2]);
    assert.deepEqual(grad, [2, 0, 1]);
  });
});

describe("perAnchorReducer", () => {
  it("averages per anchor, then means: anchors 0 → (1 + 3)/2 = 2 and 1 → 4 give 3", () => {
    const { value, grad } = run(perAnchorReducer(), [1, 3, 4], { kind: "pos_pair", anchors: Int32Array.of(0, 0, 1) });
    assert.ok(close(value[0]!, 3));
    assert.deepEqual(grad.map((g) => Math.round(g * 4) / 4), [0.25, 0.25, 0.5]);
  });

  it("counts anchors without elements as 0 and reads anchors from a flattened matrix", () => {
    // [[1, 3], [0, 0], [5, 0]] with weights [[1, 1], [0, 0], [1, 0]]: anchors give 2, 0, 5 → mean 7/3
    const info: ReductionInfo = { kind: "neg_pair", rowLength: 2, weights: Float32Array.of(1, 1, 0, 0, 1, 0), numAnchors: 3 };
    assert.ok(close(run(perAnchorReducer(), [1, 3, 0, 0, 5, 0], info).value[0]!, 7 / 3));
  });

  it("collapses a pair repeated in a list (as PML's N × N scatter), and hands per-row losses to its inner reducer unchanged", () => {
    const info: ReductionInfo = { kind: "pos_pair", rowLength: 2, weights: Float32Array.of(3, 1) };
    assert.ok(close(run(perAnchorReducer({ reducer: sumReducer() }), [1, 3], info).value[0]!, 2));
    assert.ok(close(run(perAnchorReducer({ reducer: sumReducer() }), [1, 3]).value[0]!, 4));
  });

  it("refuses a reducer that is not one", () => {
    assert.throws(() => perAnchorReducer({ reducer: "mean" as never }), /perAnchorReducer: 'reducer' must be a reducer/);
  });
});

describe("reducers leave no tensor behind", () => {
  it("for every reducer, value and gradient", () => {
    const x = tf.tensor1d([0, 1, 2, 0.5]);
    const info: ReductionInfo = { kind: "pos_pair", anchors: Int32Array.of(0, 0, 1, 2), weights: Float32Array.of(1, 0, 2, 1) };
    for (const r of [meanReducer(), sumReducer(), avgNonZeroReducer(), thresholdReducer({ low: 0.2 }), noReducer(), perAnchorReducer()]) {
      assertNoLeak(() => {
        r.reduce(x, info).dispose();
        tf.grad((t: tf.Tensor) => tf.sum(r.reduce(t as tf.Tensor1D, info)))(x).dispose();
      }, r.name);
    }
    x.dispose();
  });
});
