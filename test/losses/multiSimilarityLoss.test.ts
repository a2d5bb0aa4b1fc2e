import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { LpDistance, multiSimilarityLoss } from "semantic-gps";
import { commonLabelLossTests, dot, euclid, gaussian, l2normalize, maxDiff, numericGrad, randomLabels, valueAndGrad, type LabelLoss } from "../helpers/metricLearning";
import { pmlFixtureSuite } from "./pmlFixtureRunner";

pmlFixtureSuite("pml.MultiSimilarityLoss", "multiSimilarityLoss", multiSimilarityLoss as LabelLoss, { alpha: "alpha", beta: "beta", base: "base" });

/** Per row: (1/α) log(1 + Σ_P e^{−α(s − base)}) + (1/β) log(1 + Σ_N e^{β(s − base)}); mean over rows. */
function naiveMs(x: number[][], y: number[], alpha = 2, beta = 50, base = 0.5, distance = false): number {
  const xn = l2normalize(x);
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    let pos = 0;
    let neg = 0;
    for (let j = 0; j < x.length; j++) {
      if (j === i) continue;
      const far = distance ? euclid(xn[i]!, xn[j]!) - base : base - dot(xn[i]!, xn[j]!);
      if (y[j] === y[i]) pos += Math.exp(alpha * far);
      else neg += Math.exp(-beta * far);
    }
    total += Math.log1p(pos) / alpha + Math.log1p(neg) / beta;
  }
  return total / x.length;
}

describe("multiSimilarityLoss", () => {
  it("a hand-worked case: orthogonal classes give (1/2)·log(1 + e^{−1}) = 0.15663 per row", () => {
    // positive s = 1: e^{−2(1 − 0.5)} = e^{−1}; two negatives at s = 0: (1/50)·log(1 + 2e^{−25}) ≈ 0
    const v = tf.tidy(() => multiSimilarityLoss([[1, 0], [1, 0], [0, 1], [0, 1]], [0, 0, 1, 1]).dataSync()[0]!);
    assert.ok(Math.abs(v - 0.5 * Math.log1p(Math.exp(-1))) < 1e-6);
  });

  it("agrees with the naive loop, value and gradient, over seeds and shapes", () => {
    for (const [seed, n, d, k] of [[1, 10, 4, 3], [2, 13, 3, 4], [3, 8, 5, 2], [4, 31, 6, 5]] as const) {
      const x = gaussian(seed, n, d);
      const y = randomLabels(seed + 11, n, k);
      const f = (m: number[][]): number => naiveMs(m, y);
      const ours = valueAndGrad((e) => multiSimilarityLoss(e, y), x);
      assert.ok(Math.abs(ours.value - f(x)) < 1e-5 * Math.max(1, f(x)), `seed ${seed}: ${ours.value} vs ${f(x)}`);
      assert.ok(maxDiff(ours.grad, numericGrad(f, x)) < 5e-3, `seed ${seed} gradient`);
    }
  });

  it("each option changes the value as the formula says (alpha 1, beta 10, base 0.2)", () => {
    const x = gaussian(5, 9, 3);
    const y = [0, 0, 0, 1, 1, 1, 2, 2, 3];
    const v = tf.tidy(() => multiSimilarityLoss(x, y, { alpha: 1, beta: 10, base: 0.2 }).dataSync()[0]!);
    assert.ok(Math.abs(v - naiveMs(x, y, 1, 10, 0.2)) < 1e-5);
  });

  it("with an Lp distance flips the signs: e^{α(d − base)} and e^{−β(d − base)}", () => {
    const x = gaussian(6, 9, 3);
    const y = [0, 0, 0, 1, 1, 1, 2, 2, 2];
    const v = tf.tidy(() => multiSimilarityLoss(x, y, { distance: new LpDistance(), base: 1 }).dataSync()[0]!);
    assert.ok(Math.abs(v - naiveMs(x, y, 2, 50, 1, true)) < 1e-5);
  });

  it("refuses alpha or beta ≤ 0", () => {
    assert.throws(() => multiSimilarityLoss(gaussian(1, 4, 2), [0, 0, 1, 1], { alpha: 0 }), /multiSimilarityLoss: 'alpha' must be a finite number > 0/);
    assert.throws(() => multiSimilarityLoss(gaussian(1, 4, 2), [0, 0, 1, 1], { beta: -1 }), /'beta' must be/);
  });

  it("a batch without positive pairs still has its negative terms (as PML), equal to the loop's", () => {
    const x = gaussian(7, 5, 3);
    const y = [0, 1, 2, 3, 4];
    const v = tf.tidy(() => multiSimilarityLoss(x, y).dataSync()[0]!);
    assert.ok(v > 0 && Math.abs(v - naiveMs(x, y)) < 1e-5);
  });

  commonLabelLossTests("multiSimilarityLoss", multiSimilarityLoss as LabelLoss, it, { negativesAloneGiveLoss: true });
});
