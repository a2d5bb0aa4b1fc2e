import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { crossEntropy, tripletMarginLoss, type Reduction } from "semantic-gps";
import { assertClose, assertNoLeak, loadCases, toTensor, valueAndGrads } from "../helpers/fixtures";
import { normalMatrix, randomInts } from "../helpers/seededRandom";

/** float64 loop: loss[i] = log Σ_j exp(z[i][j]) − z[i][t_i]; grad = (softmax − onehot) · weight. */
function naiveCrossEntropy(z: number[][], t: number[]): { losses: number[]; probs: number[][] } {
  const probs = z.map((row) => {
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
  const losses = z.map((row, i) => {
    const m = Math.max(...row);
    return m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) - row[t[i]!]!;
  });
  return { losses, probs };
}

describe("crossEntropy agrees with F.cross_entropy (torch_losses.json)", () => {
  for (const c of loadCases("torch_losses.json", "cross_entropy")) {
    it(`${c.name}: loss and gradient`, () => {
      tf.tidy(() => {
        const reduction = c.params.reduction as Reduction;
        const targets = toTensor(c.inputs.targets!);
        const { value, grads } = valueAndGrads((z) => crossEntropy(z!, targets, { reduction }), [toTensor(c.inputs.logits!)]);
        assertClose(value, c.expected.loss!, c.tolerance, "loss");
        if (c.expected.grad_logits) assertClose(grads[0]!, c.expected.grad_logits, c.tolerance, "grad_logits");
      });
    });
  }

  for (const c of loadCases("torch_losses.json", "combined_ce_triplet")) {
    it(`${c.name}: ce_weight·crossEntropy + triplet_weight·tripletMarginLoss composes to the reference loss and gradients`, () => {
      tf.tidy(() => {
        const { ce_weight: ceW, triplet_weight: trW, margin, p } = c.params as Record<string, number>;
        const targets = toTensor(c.inputs.targets!);
        const names = ["logits", "anchor", "positive", "negative"];
        const inputs = names.map((k) => toTensor(c.inputs[k]!));
        const ce = (z: tf.Tensor) => crossEntropy(z, targets);
        const tr = (a: tf.Tensor, pos: tf.Tensor, neg: tf.Tensor) => tripletMarginLoss(a, pos, neg, { margin, p });
        const { value, grads } = valueAndGrads(
          (z, a, pos, neg) => tf.add(tf.mul(ceW!, ce(z!)), tf.mul(trW!, tr(a!, pos!, neg!))),
          inputs,
        );
        assertClose(value, c.expected.loss!, c.tolerance, "loss");
        assertClose(ce(inputs[0]!), c.expected.ce_loss!, c.tolerance, "ce_loss");
        assertClose(tr(inputs[1]!, inputs[2]!, inputs[3]!), c.expected.triplet_loss!, c.tolerance, "triplet_loss");
        names.forEach((k, i) => assertClose(grads[i]!, c.expected[`grad_${k}`]!, c.tolerance, `grad_${k}`));
      });
    });
  }
});

describe("crossEntropy", () => {
  it("computes a hand-worked two-class case: log 2, gradient (0.5, −0.5)", () => {
    // logits (0, 0), target 1: log(e⁰ + e⁰) − 0 = log 2; softmax (½, ½) − onehot (0, 1) = (½, −½).
    tf.tidy(() => {
      assertClose(crossEntropy([[0, 0]], [1]), Math.log(2), { rtol: 1e-6, atol: 1e-7 }, "loss");
      const g = tf.grad((z: tf.Tensor) => crossEntropy(z, [1]))(tf.tensor2d([[0, 0]]));
      assertClose(g, [0.5, -0.5], { rtol: 1e-6, atol: 1e-7 }, "grad");
    });
  });

  for (const [seed, n, c, spread] of [[1, 3, 2, 1], [2, 17, 5, 3], [3, 64, 64, 100], [4, 1, 9, 10]] as const) {
    it(`agrees with a naive float64 loop on random ${n}×${c} logits of spread ${spread} (seed ${seed}), values and gradients`, () => {
      const z = normalMatrix(seed, n, c).map((r) => r.map((v) => Math.fround(v * spread)));
      const t = randomInts(seed + 1, n, c);
      const { losses, probs } = naiveCrossEntropy(z, t);
      tf.tidy(() => {
        assertClose(crossEntropy(z, t, { reduction: "none" }), losses, { rtol: 1e-5, atol: 1e-5 }, "losses");
        const g = tf.grad((x: tf.Tensor) => crossEntropy(x, t))(tf.tensor2d(z));
        const expected = probs.map((row, i) => row.map((p, j) => (p - (j === t[i] ? 1 : 0)) / n));
        assertClose(g, expected.flat(), { rtol: 1e-4, atol: 1e-6 }, "grad");
      });
    });
  }

  it("stays finite for logits of ±1000 (the row maximum is subtracted before exp)", () => {
    // row 0: logsumexp(1000, 0) = 1000, target 0 → 0; row 1: logsumexp(−1000, 0) = 0, target 0 → 1000.
    tf.tidy(() => {
      const z = tf.tensor2d([[1000, 0], [-1000, 0]]);
      assertClose(crossEntropy(z, [0, 0], { reduction: "none" }), [0, 1000], { rtol: 1e-6, atol: 1e-6 }, "losses");
      const g = tf.grad((x: tf.Tensor) => crossEntropy(x, [0, 0]))(z);
      assertClose(g, [0, 0, -0.5, 0.5], { rtol: 1e-6, atol: 1e-7 }, "grad");
    });
  });

  it("reduces with mean (default, divides by N), sum and none", () => {
    tf.tidy(() => {
      const z = normalMatrix(5, 6, 4);
      const t = randomInts(6, 6, 4);
      const none = crossEntropy(z, t, { reduction: "none" });
      assert.deepEqual(none.shape, [6]);
      assertClose(crossEntropy(z, t, { reduction: "sum" }), tf.sum(none).dataSync()[0]!, { rtol: 1e-6, atol: 1e-6 }, "sum");
      assertClose(crossEntropy(z, t), tf.mean(none).dataSync()[0]!, { rtol: 1e-6, atol: 1e-6 }, "mean");
    });
  });

  it("accepts targets as an int tensor, a float tensor of integers, an array or an Int32Array", () => {
    tf.tidy(() => {
      const z = [[1, 2, 3], [3, 2, 1]];
      const expected = crossEntropy(z, [2, 1]).dataSync()[0]!;
      for (const t of [tf.tensor1d([2, 1], "int32"), tf.tensor1d([2, 1]), Int32Array.from([2, 1])]) {
        assertClose(crossEntropy(z, t), expected, { rtol: 0, atol: 0 }, "same loss");
      }
    });
  });

  it("refuses targets whose length differs from the rows of logits", () => {
    assert.throws(() => crossEntropy([[1, 2], [3, 4]], [0]), /crossEntropy: 'targets' must be one label per row of 'logits' \(2\)/);
  });

  it("refuses non-integer and out-of-range targets", () => {
    assert.throws(() => crossEntropy([[1, 2]], [0.5]), /crossEntropy: 'targets' must be integer labels, but got 0.5 at \[0\]/);
    assert.throws(() => crossEntropy([[1, 2]], [2]), /crossEntropy: 'targets' must be class indices in 0…1, but got 2 at \[0\]/);
    assert.throws(() => crossEntropy([[1, 2]], [-1]), RangeError);
  });

  it("refuses logits of rank other than 2, NaN, an empty batch and an unknown reduction", () => {
    assert.throws(() => crossEntropy([1, 2], [0]), /crossEntropy: 'logits' must be a rank-2/);
    assert.throws(() => crossEntropy([[1, NaN]], [0]), /crossEntropy: 'logits' must be finite/);
    assert.throws(() => crossEntropy([], []), /crossEntropy: 'logits' must be non-empty/);
    assert.throws(() => crossEntropy([[1, 2]], [0], { reduction: "avg" as Reduction }), /'reduction' must be one of "mean", "sum", "none"/);
  });

  it("leaves no tensor behind, forward or backward", () => {
    const z = tf.tensor2d(normalMatrix(9, 8, 3));
    const t = randomInts(10, 8, 3);
    assertNoLeak(() => crossEntropy(z, t).dispose(), "forward");
    assertNoLeak(() => crossEntropy([[1, 2]], [1], { reduction: "none" }).dispose(), "forward, plain arrays");
    assertNoLeak(() => tf.grad((x: tf.Tensor) => crossEntropy(x, t))(z).dispose(), "backward");
    z.dispose();
  });
});
