import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { marginRankingLoss, type Reduction } from "semantic-gps";
import { assertClose, assertNoLeak, loadCases, toTensor, valueAndGrads } from "../helpers/fixtures";
import { normalMatrix, randomInts } from "../helpers/seededRandom";

describe("marginRankingLoss agrees with F.margin_ranking_loss (torch_losses.json)", () => {
  for (const c of loadCases("torch_losses.json", "margin_ranking_loss")) {
    it(`${c.name}: loss and gradients`, () => {
      tf.tidy(() => {
        const opts = { margin: c.params.margin as number, reduction: c.params.reduction as Reduction };
        const target = toTensor(c.inputs.target!);
        const { value, grads } = valueAndGrads((a, b) => marginRankingLoss(a!, b!, target, opts), [toTensor(c.inputs.x1!), toTensor(c.inputs.x2!)]);
        assertClose(value, c.expected.loss!, c.tolerance, "loss");
        if (c.expected.grad_x1) assertClose(grads[0]!, c.expected.grad_x1, c.tolerance, "grad_x1");
        if (c.expected.grad_x2) assertClose(grads[1]!, c.expected.grad_x2, c.tolerance, "grad_x2");
      });
    });
  }
});

describe("marginRankingLoss", () => {
  it("computes a hand-worked case with its gradient", () => {
    // pair 0, target 1:  max(0, −(0.8 − 0.5) + 0.5) = 0.2 (active: ∂/∂x1 = −1/2, ∂/∂x2 = +1/2 under the mean)
    // pair 1, target −1: max(0, +(0.1 − 0.9) + 0.5) = 0   (inactive: zero gradient)
    tf.tidy(() => {
      assertClose(marginRankingLoss([0.8, 0.1], [0.5, 0.9], [1, -1], { margin: 0.5, reduction: "none" }), [0.2, 0], { rtol: 1e-6, atol: 1e-7 }, "losses");
      const [g1, g2] = tf.grads((a: tf.Tensor, b: tf.Tensor) => marginRankingLoss(a, b, [1, -1], { margin: 0.5 }))([tf.tensor1d([0.8, 0.1]), tf.tensor1d([0.5, 0.9])]);
      assertClose(g1!, [-0.5, 0], { rtol: 1e-6, atol: 1e-7 }, "grad x1");
      assertClose(g2!, [0.5, 0], { rtol: 1e-6, atol: 1e-7 }, "grad x2");
    });
  });

  for (const [seed, n, margin] of [[1, 5, 0], [2, 40, 0.3], [3, 200, 1]] as const) {
    it(`agrees with a naive loop on ${n} random pairs (seed ${seed}, margin ${margin})`, () => {
      const [x] = normalMatrix(seed, 1, n);
      const [y] = normalMatrix(seed + 1, 1, n);
      const t = randomInts(seed + 2, n, 2).map((b) => (b === 1 ? 1 : -1));
      const expected = x!.map((v, i) => Math.max(0, -t[i]! * (v - y![i]!) + margin));
      tf.tidy(() => assertClose(marginRankingLoss(x!, y!, t, { margin, reduction: "none" }), expected, { rtol: 1e-6, atol: 1e-6 }, "losses"));
    });
  }

  it("reduces with mean (default), sum and none; margin defaults to 0", () => {
    tf.tidy(() => {
      const args = [[1, 2, 3], [2, 2, 1], [1, -1, -1]] as const;
      // margin 0: max(0, −(1−2)) = 1, max(0, (2−2)) = 0, max(0, (3−1)) = 2
      assertClose(marginRankingLoss(...args, { reduction: "none" }), [1, 0, 2], { rtol: 0, atol: 1e-7 }, "none");
      assertClose(marginRankingLoss(...args, { reduction: "sum" }), 3, { rtol: 0, atol: 1e-6 }, "sum");
      assertClose(marginRankingLoss(...args), 1, { rtol: 0, atol: 1e-6 }, "mean");
    });
  });

  it("refuses targets other than ±1 and lengths that differ", () => {
    assert.throws(() => marginRankingLoss([1], [2], [0]), /marginRankingLoss: 'target' must be 1 \(x1 ranks higher\) or -1 \(x2 ranks higher\), but got 0 at \[0\]/);
    assert.throws(() => marginRankingLoss([1, 2], [2, 3], [1]), /'target' must be the same shape as 'x1' \(\[2\]\)/);
    assert.throws(() => marginRankingLoss([1, 2], [2], [1, 1]), /'x2' must be the same shape as 'x1'/);
  });

  it("refuses rank other than 1, NaN and an empty batch", () => {
    assert.throws(() => marginRankingLoss([[1]], [[2]], [1]), /'x1' must be a rank-1/);
    assert.throws(() => marginRankingLoss([NaN], [2], [1]), /'x1' must be finite/);
    assert.throws(() => marginRankingLoss([], [], []), /'x1' must be non-empty/);
  });

  it("leaves no tensor behind, forward or backward", () => {
    const a = tf.tensor1d([0.1, 0.5, -0.2]);
    const b = tf.tensor1d([0.3, 0.1, 0.2]);
    assertNoLeak(() => marginRankingLoss(a, b, [1, -1, 1], { margin: 0.1 }).dispose(), "forward");
    assertNoLeak(() => tf.dispose(tf.grads((x: tf.Tensor, y: tf.Tensor) => marginRankingLoss(x, y, [1, -1, 1]))([a, b])), "backward");
    tf.dispose([a, b]);
  });
});
