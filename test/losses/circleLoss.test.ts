import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { circleLoss, LpDistance } from "semantic-gps";
import { commonLabelLossTests, dot, gaussian, l2normalize, maxDiff, numericGrad, randomLabels, valueAndGrad, type LabelLoss } from "../helpers/metricLearning";
import { pmlFixtureSuite } from "./pmlFixtureRunner";

pmlFixtureSuite("pml.CircleLoss", "circleLoss", circleLoss as LabelLoss, { m: "m", gamma: "gamma" });

const lse = (v: number[]): number => {
  const m = Math.max(...v);
  return m + Math.log(v.reduce((s, t) => s + Math.exp(t - m), 0));
};

/**
 * Per row with positives and negatives: softplus(lse(lp) + lse(ln)); mean of the non-zero rows.
 * The weights relu(1 + m − s), relu(s + m) are read at `frozen` (the detached weights).
 */
function naiveCircle(x: number[][], y: number[], frozen: number[][], m = 0.4, gamma = 80): number {
  const xn = l2normalize(x);
  const fn = l2normalize(frozen);
  const rows: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const lp: number[] = [];
    const ln: number[] = [];
    for (let j = 0; j < x.length; j++) {
      if (j === i) continue;
      const s = dot(xn[i]!, xn[j]!);
      const s0 = dot(fn[i]!, fn[j]!);
      if (y[j] === y[i]) lp.push(-gamma * Math.max(1 + m - s0, 0) * (s - (1 - m)));
      else ln.push(gamma * Math.max(s0 + m, 0) * (s - m));
    }
    if (lp.length && ln.length) {
      const z = lse(lp) + lse(ln);
      rows.push(z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));
    }
  }
  const nz = rows.filter((r) => r > 0);
  return nz.length ? nz.reduce((s, v) => s + v, 0) / nz.length : 0;
}

describe("circleLoss", () => {
  it("a hand-worked case: orthogonal classes give softplus(−12.8 − 12.8 + log 2) = 1.5244e-11", () => {
    // positive s = 1: −80·relu(1.4 − 1)·(1 − 0.6) = −12.8; negatives s = 0: 80·0.4·(0 − 0.4) = −12.8, twice
    const v = tf.tidy(() => circleLoss([[1, 0], [1, 0], [0, 1], [0, 1]], [0, 0, 1, 1]).dataSync()[0]!);
    const expected = Math.log1p(Math.exp(-25.6 + Math.log(2)));
    assert.ok(Math.abs(v - expected) / expected < 1e-3);
  });

  it("agrees with the naive loop, value and gradient (detached weights), over seeds and shapes", () => {
    for (const [seed, n, d, k, m, gamma] of [[1, 10, 4, 3, 0.4, 80], [2, 13, 3, 4, 0.25, 32], [3, 8, 5, 2, 0.4, 10], [4, 31, 6, 5, 0.3, 20]] as const) {
      const x = gaussian(seed, n, d);
      const y = randomLabels(seed + 13, n, k);
      const f = (e: number[][]): number => naiveCircle(e, y, x, m, gamma);
      const ours = valueAndGrad((e) => circleLoss(e, y, { m, gamma }), x);
      assert.ok(Math.abs(ours.value - f(x)) < 1e-4 * Math.max(1, f(x)), `seed ${seed}: ${ours.value} vs ${f(x)}`);
      assert.ok(maxDiff(ours.grad, numericGrad(f, x)) < 2e-2 * Math.max(1, f(x)), `seed ${seed} gradient`);
    }
  });

  it("a row whose label has a single member has no positive and gives 0", () => {
    const x = gaussian(5, 7, 3);
    const y = [0, 0, 0, 1, 1, 2, 3];
    const v = tf.tidy(() => circleLoss(x, y, { gamma: 16 }).dataSync()[0]!);
    assert.ok(Math.abs(v - naiveCircle(x, y, x, 0.4, 16)) < 1e-4);
  });

  it("refuses a distance other than cosine similarity, and gamma ≤ 0", () => {
    assert.throws(() => circleLoss(gaussian(1, 4, 2), [0, 0, 1, 1], { distance: new LpDistance() }), /circleLoss: 'distance' must be a CosineSimilarityDistance/);
    assert.throws(() => circleLoss(gaussian(1, 4, 2), [0, 0, 1, 1], { gamma: 0 }), /circleLoss: 'gamma' must be a finite number > 0/);
  });

  commonLabelLossTests("circleLoss", circleLoss as LabelLoss, it);
});
