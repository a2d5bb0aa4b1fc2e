import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { LpDistance, noReducer, ntXentLoss } from "semantic-gps";
import { commonLabelLossTests, dot, euclid, gaussian, l2normalize, maxDiff, numericGrad, randomLabels, valueAndGrad, type LabelLoss } from "../helpers/metricLearning";
import { pmlFixtureSuite } from "./pmlFixtureRunner";

pmlFixtureSuite("pml.NTXentLoss", "ntXentLoss", ntXentLoss as LabelLoss, { temperature: "temperature" });

/** PML adds torch.finfo(float32).tiny inside the log, which caps one pair's loss at ≈ 87.34. */
const FLOAT32_TINY = 1.1754943508222875e-38;

/** The loop over positive pairs, each against the anchor's negatives (float64). */
function naiveNtXent(x: number[][], y: number[], t = 0.07, sim: (a: number[], b: number[]) => number = dot): number {
  const xn = l2normalize(x);
  const losses: number[] = [];
  for (let a = 0; a < x.length; a++) {
    for (let p = 0; p < x.length; p++) {
      if (p === a || y[p] !== y[a]) continue;
      const pos = Math.exp(sim(xn[a]!, xn[p]!) / t);
      let den = pos;
      for (let n = 0; n < x.length; n++) if (y[n] !== y[a]) den += Math.exp(sim(xn[a]!, xn[n]!) / t);
      losses.push(-Math.log(pos / den + FLOAT32_TINY));
    }
  }
  return losses.length ? losses.reduce((s, l) => s + l, 0) / losses.length : 0;
}

describe("ntXentLoss", () => {
  it("a hand-worked case: one positive and two negatives per anchor at τ = 0.5", () => {
    // Anchor 0: s = 0.8 with its positive, 0 and −0.6 with its negatives:
    //   −log(e^1.6 / (e^1.6 + e^0 + e^−1.2)) = 0.23326
    // Anchor 1: s = 0.8 with its positive, 0.6 and 0 with its negatives:
    //   −log(e^1.6 / (e^1.6 + e^1.2 + e^0)) = 0.62712
    // Anchors 2 and 3 mirror 1 and 0, so the mean is (0.23326 + 0.62712) / 2 = 0.43019.
    const x = [[1, 0], [0.8, 0.6], [0, 1], [-0.6, 0.8]];
    const v = tf.tidy(() => ntXentLoss(x, [0, 0, 1, 1], { temperature: 0.5 }).dataSync()[0]!);
    assert.ok(Math.abs(v - naiveNtXent(x, [0, 0, 1, 1], 0.5)) < 1e-6 && Math.abs(v - 0.43019) < 1e-5);
  });

  it("agrees with the naive loop, value and gradient, over seeds, shapes and temperatures", () => {
    for (const [seed, n, d, k, t] of [[1, 10, 4, 3, 0.07], [2, 13, 3, 4, 0.5], [3, 8, 5, 2, 0.1], [4, 31, 6, 5, 0.2]] as const) {
      const x = gaussian(seed, n, d);
      const y = randomLabels(seed + 7, n, k);
      const f = (m: number[][]): number => naiveNtXent(m, y, t);
      const ours = valueAndGrad((e) => ntXentLoss(e, y, { temperature: t }), x);
      assert.ok(Math.abs(ours.value - f(x)) < 1e-4 * Math.max(1, f(x)), `seed ${seed}: ${ours.value} vs ${f(x)}`);
      assert.ok(maxDiff(ours.grad, numericGrad(f, x)) < 5e-3, `seed ${seed} gradient`);
    }
  });

  it("a label with a single member only appears in denominators", () => {
    const x = gaussian(5, 7, 3);
    const y = [0, 0, 0, 1, 1, 2, 3];
    const v = tf.tidy(() => ntXentLoss(x, y, { temperature: 0.3 }).dataSync()[0]!);
    assert.ok(Math.abs(v - naiveNtXent(x, y, 0.3)) < 1e-5);
  });

  it("stays finite and exact at temperature 0.01, where PML's tiny caps a pair at 87.34", () => {
    const x = gaussian(6, 12, 4);
    const y = randomLabels(16, 12, 3);
    const ours = valueAndGrad((e) => ntXentLoss(e, y, { temperature: 0.01 }), x);
    const expected = naiveNtXent(x, y, 0.01);
    assert.ok(Number.isFinite(ours.value) && Math.abs(ours.value - expected) < 1e-4 * Math.max(1, expected));
    assert.ok(ours.grad.flat().every(Number.isFinite));
  });

  it("with an Lp distance uses s = −d", () => {
    const x = gaussian(7, 9, 3);
    const y = [0, 0, 0, 1, 1, 1, 2, 2, 2];
    const v = tf.tidy(() => ntXentLoss(x, y, { distance: new LpDistance(), temperature: 0.5 }).dataSync()[0]!);
    assert.ok(Math.abs(v - naiveNtXent(x, y, 0.5, (a, b) => -euclid(a, b))) < 1e-5);
  });

  it("counts a mined negative pair given twice twice and returns one loss per positive pair with noReducer", () => {
    const x = gaussian(8, 4, 3);
    const xn = l2normalize(x);
    const e = (i: number, j: number): number => Math.exp(dot(xn[i]!, xn[j]!) / 0.5);
    // positive pairs (0,1), (2,3); negative pairs (0,2), (0,2), (2,0)
    const out = tf.tidy(() => Array.from(ntXentLoss(x, null, { indicesTuple: [[0, 2], [1, 3], [0, 0, 2], [2, 2, 0]], temperature: 0.5, reducer: noReducer() }).dataSync()));
    const expected = [-Math.log(e(0, 1) / (e(0, 1) + 2 * e(0, 2))), -Math.log(e(2, 3) / (e(2, 3) + e(2, 0)))];
    assert.ok(maxDiff(out, expected) < 1e-5);
  });

  it("refuses a temperature ≤ 0", () => {
    assert.throws(() => ntXentLoss(gaussian(1, 4, 2), [0, 0, 1, 1], { temperature: 0 }), /ntXentLoss: 'temperature' must be a finite number > 0, but got 0/);
  });

  commonLabelLossTests("ntXentLoss", ntXentLoss as LabelLoss, it);
});
