import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { alignment, collapseStats, dimensionSpread, effectiveRank, meanPairwiseDistance, pcaFit, seededRandom, uniformity } from "semantic-gps";

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

describe("alignment and uniformity (Wang & Isola 2020)", () => {
  it("alignment is the mean squared distance of positive pairs on the sphere", () => {
    // Positive pair (1,0)-(0,1): ‖(1,−1)‖² = 2; the third row has no partner.
    close(alignment([[1, 0], [0, 1], [-1, 0]], [0, 0, 1]), 2);
    // Normalisation first: (2,0) and (0,3) are the same directions as above.
    close(alignment([[2, 0], [0, 3]], [5, 5]), 2);
    close(alignment([[2, 0], [0, 3]], [5, 5], { normalize: false, alpha: 1 }), Math.hypot(2, 3));
  });
  it("uniformity is log mean exp(−t‖x − y‖²) over pairs", () => {
    // Antipodal pair: ‖x − y‖² = 4 → log exp(−8) = −8.
    close(uniformity([[1, 0], [-1, 0]]), -8);
    // Three points at 120°: every squared distance is 3 → −6.
    const s = Math.sqrt(3) / 2;
    close(uniformity([[1, 0], [-0.5, s], [-0.5, -s]]), -6, 1e-12);
    close(uniformity([[1, 0], [1, 0]]), 0);
  });
  it("rejects a batch without positive pairs", () => {
    assert.throws(() => alignment([[1, 0], [0, 1]], [0, 1]), /alignment: 'labels' must be at least two rows with the same label/);
  });
});

describe("collapse indicators", () => {
  it("meanPairwiseDistance and dimensionSpread of a small cloud", () => {
    // Distances: 5 (0-1), 0 (0-2), 5 (1-2) → mean 10/3. Spread of x: values 0,3,0 → sd √2; of y: 0,4,0 → sd 4√2/3.
    close(meanPairwiseDistance([[0, 0], [3, 4], [0, 0]]), 10 / 3);
    const s = dimensionSpread([[0, 0], [3, 4], [0, 0]]);
    close(s[0]!, Math.sqrt(2));
    close(s[1]!, (4 * Math.sqrt(2)) / 3);
  });
  it("effective rank is d for an isotropic cross, 1 for a line, 0 for a point", () => {
    close(effectiveRank([[1, 0], [-1, 0], [0, 1], [0, -1]]), 2, 1e-9);
    close(effectiveRank([[1, 2], [2, 4], [-1, -2]]), 1, 1e-9);
    assert.equal(effectiveRank([[3, 3], [3, 3]]), 0);
  });
  it("effective rank of random Gaussian data in 8-D is close to 8, and drops when dimensions die", () => {
    const rng = seededRandom(4);
    const x = Array.from({ length: 400 }, () => Array.from({ length: 8 }, () => rng.normal()));
    assert.ok(effectiveRank(x) > 7.5);
    const half = x.map((r) => r.map((v, k) => (k < 4 ? v : 0)));
    const er = effectiveRank(half);
    assert.ok(er > 3.7 && er < 4.01, String(er));
  });
  it("collapseStats reports positive and negative distances and duplicate rows", () => {
    const r = collapseStats([[0, 0], [0, 0], [3, 4]], [0, 0, 1]).stats;
    assert.equal(r.zeroDistancePairs, 1);
    assert.equal(r.meanPositiveDistance, 0);
    assert.equal(r.meanNegativeDistance, 5);
    assert.match(collapseStats([[0, 0], [1, 1]]).toString(), /effective rank/);
  });
});

describe("pcaFit (our own PCA)", () => {
  it("finds the direction of largest spread, with a fixed sign", () => {
    const fit = pcaFit([[2, 0.1], [-2, -0.1], [1, 0], [-1, 0]], 1);
    assert.ok(fit.components[0]![0]! > 0.99);
    assert.ok(fit.explainedRatio[0]! > 0.99);
  });
  it("projects centred rows onto orthonormal components", () => {
    const rng = seededRandom(2);
    const x = Array.from({ length: 50 }, () => [rng.normal() * 3, rng.normal(), rng.normal() * 0.1]);
    const fit = pcaFit(x, 3);
    const dot = (a: number[], b: number[]): number => a.reduce((s, v, k) => s + v * b[k]!, 0);
    close(dot(fit.components[0]!, fit.components[1]!), 0, 1e-9);
    close(dot(fit.components[1]!, fit.components[1]!), 1, 1e-9);
    const p = fit.project(x);
    close(p.reduce((s, r) => s + r[0]!, 0), 0, 1e-9);
    assert.ok(fit.variances[0]! >= fit.variances[1]! && fit.variances[1]! >= fit.variances[2]!);
  });
  it("rejects ragged rows and k out of range", () => {
    assert.throws(() => pcaFit([[1, 2], [3]], 1), /pcaFit: 'rows' must all have 2 finite numbers/);
    assert.throws(() => pcaFit([[1, 2]], 3), /'k' must be an integer in 1…2/);
  });
});
