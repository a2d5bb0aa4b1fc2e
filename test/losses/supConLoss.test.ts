import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { LpDistance, supConLoss } from "semantic-gps";
import { commonLabelLossTests, dot, euclid, gaussian, l2normalize, maxDiff, numericGrad, randomLabels, valueAndGrad, type LabelLoss } from "../helpers/metricLearning";
import { pmlFixtureSuite } from "./pmlFixtureRunner";

pmlFixtureSuite("pml.SupConLoss", "supConLoss", supConLoss as LabelLoss, { temperature: "temperature" });

/** Per row: −mean over positives of (z_ip − log Σ_{j≠i} e^{z_ij}); mean of the non-zero rows (float64). */
function naiveSupCon(x: number[][], y: number[], t = 0.1, sim: (a: number[], b: number[]) => number = dot): number {
  const xn = l2normalize(x);
  const rows: number[] = [];
  for (let i = 0; i < x.length; i++) {
    let lse = 0;
    for (let j = 0; j < x.length; j++) if (j !== i) lse += Math.exp(sim(xn[i]!, xn[j]!) / t);
    lse = Math.log(lse);
    const terms: number[] = [];
    for (let p = 0; p < x.length; p++) if (p !== i && y[p] === y[i]) terms.push(sim(xn[i]!, xn[p]!) / t - lse);
    rows.push(terms.length ? -terms.reduce((s, v) => s + v, 0) / terms.length : 0);
  }
  const nz = rows.filter((r) => r > 0);
  return nz.length ? nz.reduce((s, v) => s + v, 0) / nz.length : 0;
}

describe("supConLoss", () => {
  it("a hand-worked case: with one positive per anchor it equals NT-Xent (0.43019 at τ = 0.5)", () => {
    // Anchor 0: −(1.6 − log(e^1.6 + e^0 + e^−1.2)) = 0.2599, the same arithmetic as NT-Xent.
    const v = tf.tidy(() => supConLoss([[1, 0], [0.8, 0.6], [0, 1], [-0.6, 0.8]], [0, 0, 1, 1], { temperature: 0.5 }).dataSync()[0]!);
    assert.ok(Math.abs(v - 0.43019) < 1e-5);
  });

  it("agrees with the naive loop, value and gradient, over seeds, shapes and temperatures", () => {
    for (const [seed, n, d, k, t] of [[1, 10, 4, 3, 0.1], [2, 13, 3, 4, 0.5], [3, 8, 5, 2, 0.07], [4, 31, 6, 5, 0.2]] as const) {
      const x = gaussian(seed, n, d);
      const y = randomLabels(seed + 9, n, k);
      const f = (m: number[][]): number => naiveSupCon(m, y, t);
      const ours = valueAndGrad((e) => supConLoss(e, y, { temperature: t }), x);
      assert.ok(Math.abs(ours.value - f(x)) < 1e-4 * Math.max(1, f(x)), `seed ${seed}: ${ours.value} vs ${f(x)}`);
      assert.ok(maxDiff(ours.grad, numericGrad(f, x)) < 5e-3, `seed ${seed} gradient`);
    }
  });

  it("a row whose label has a single member gives 0 and drops out of the mean", () => {
    const x = gaussian(5, 7, 3);
    const y = [0, 0, 0, 1, 1, 2, 3];
    const v = tf.tidy(() => supConLoss(x, y, { temperature: 0.3 }).dataSync()[0]!);
    assert.ok(Math.abs(v - naiveSupCon(x, y, 0.3)) < 1e-5);
  });

  it("with an Lp distance uses s = −d", () => {
    const x = gaussian(7, 9, 3);
    const y = [0, 0, 0, 1, 1, 1, 2, 2, 2];
    const v = tf.tidy(() => supConLoss(x, y, { distance: new LpDistance(), temperature: 0.5 }).dataSync()[0]!);
    assert.ok(Math.abs(v - naiveSupCon(x, y, 0.5, (a, b) => -euclid(a, b))) < 1e-5);
  });

  it("treats mined pairs as a 0/1 mask: a pair given twice counts once", () => {
    const x = gaussian(8, 6, 3);
    const y = [0, 0, 1, 1, 2, 2];
    const once = tf.tidy(() => supConLoss(x, y, { indicesTuple: [[0, 2], [1, 3], [0, 2], [4, 5]] }).dataSync()[0]!);
    const twice = tf.tidy(() => supConLoss(x, y, { indicesTuple: [[0, 0, 2], [1, 1, 3], [0, 0, 2], [4, 4, 5]] }).dataSync()[0]!);
    assert.equal(once, twice);
  });

  it("stays finite at temperature 0.01", () => {
    const { value, grad } = valueAndGrad((e) => supConLoss(e, randomLabels(3, 12, 3), { temperature: 0.01 }), gaussian(9, 12, 4));
    assert.ok(Number.isFinite(value) && grad.flat().every(Number.isFinite));
  });

  commonLabelLossTests("supConLoss", supConLoss as LabelLoss, it);
});
