import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { cosineSimilarity, pairwiseDistance, tripletMarginWithDistanceLoss, type Reduction, type RowDistanceFunction } from "semantic-gps";
import { assertClose, assertNoLeak, loadCases, toTensor, valueAndGrads } from "../helpers/fixtures";
import { normalMatrix } from "../helpers/seededRandom";

const oneMinusCos: RowDistanceFunction = (x, y) => tf.sub(1, cosineSimilarity(x, y));
const l1: RowDistanceFunction = (x, y) => tf.sum(tf.abs(tf.sub(x, y)), 1);

/** float64 loop over the triplets, with any row distance on number arrays. */
function naiveLosses(a: number[][], p: number[][], n: number[][], dist: (u: number[], v: number[]) => number, margin: number, swap: boolean): number[] {
  return a.map((ai, i) => {
    let dan = dist(ai, n[i]!);
    if (swap) dan = Math.min(dan, dist(p[i]!, n[i]!));
    return Math.max(dist(ai, p[i]!) - dan + margin, 0);
  });
}
const naiveL1 = (u: number[], v: number[]): number => u.reduce((s, x, k) => s + Math.abs(x - v[k]!), 0);
const naiveL2eps = (u: number[], v: number[]): number => Math.sqrt(u.reduce((s, x, k) => s + (x - v[k]! + 1e-6) ** 2, 0));

describe("tripletMarginWithDistanceLoss agrees with F.triplet_margin_with_distance_loss (triplet_margin_loss.json)", () => {
  for (const c of loadCases("triplet_margin_loss.json", "triplet_margin_with_distance_loss")) {
    it(`${c.name}: loss and gradients`, () => {
      tf.tidy(() => {
        const fnName = c.params.distance_function as string | null;
        assert.ok(fnName === null || fnName === "one_minus_cosine_similarity", `unknown distance_function ${fnName}`);
        const opts = {
          distanceFunction: fnName === null ? undefined : oneMinusCos,
          margin: c.params.margin as number,
          swap: c.params.swap as boolean,
          reduction: c.params.reduction as Reduction,
        };
        const inputs = ["anchor", "positive", "negative"].map((k) => toTensor(c.inputs[k]!));
        const { value, grads } = valueAndGrads((a, p, n) => tripletMarginWithDistanceLoss(a!, p!, n!, opts), inputs);
        assertClose(value, c.expected.loss!, c.tolerance, "loss");
        ["anchor", "positive", "negative"].forEach((k, i) => {
          const g = c.expected[`grad_${k}`];
          if (g) assertClose(grads[i]!, g, c.tolerance, `grad_${k}`);
        });
      });
    });
  }
});

describe("tripletMarginWithDistanceLoss", () => {
  it("computes hand-worked cases with 1 − cosine and with the default distance", () => {
    tf.tidy(() => {
      // 1 − cos: d(a, p) = 0 (same direction), d(a, n) = 1 (orthogonal): max(0 − 1 + 1.5, 0) = 0.5.
      const cosLoss = tripletMarginWithDistanceLoss([[1, 0]], [[2, 0]], [[0, 1]], { distanceFunction: oneMinusCos, margin: 1.5 });
      assertClose(cosLoss, 0.5, { rtol: 1e-6, atol: 1e-7 }, "1 − cos");
      // default ‖·+1e-6‖₂: d(a, p) ≈ 5, d(a, n) ≈ 4.5, margin 1: 5 − 4.5 + 1 = 1.5.
      assertClose(tripletMarginWithDistanceLoss([[0, 0]], [[3, 4]], [[0, 4.5]]), 1.5, { rtol: 1e-5, atol: 1e-5 }, "default");
    });
  });

  for (const [seed, n, d] of [[1, 3, 2], [2, 20, 8], [3, 64, 32]] as const) {
    for (const swap of [false, true]) {
      it(`agrees with a naive loop on random ${n}×${d} triplets (seed ${seed}, swap ${swap}) with an L1 distance function`, () => {
        const [a, p, ng] = [normalMatrix(seed, n, d), normalMatrix(seed + 1, n, d), normalMatrix(seed + 2, n, d)];
        const margin = d / 2; // keeps a fair share of hinges active
        tf.tidy(() => {
          const out = tripletMarginWithDistanceLoss(a, p, ng, { distanceFunction: l1, margin, swap, reduction: "none" });
          assertClose(out, naiveLosses(a, p, ng, naiveL1, margin, swap), { rtol: 1e-5, atol: 1e-5 }, "losses");
        });
      });
    }
    it(`agrees with a naive loop on random ${n}×${d} triplets (seed ${seed}) with the default distance, gradients included`, () => {
      const [a, p, ng] = [normalMatrix(seed + 10, n, d), normalMatrix(seed + 11, n, d), normalMatrix(seed + 12, n, d)];
      tf.tidy(() => {
        const losses = naiveLosses(a, p, ng, naiveL2eps, 1, false);
        assertClose(tripletMarginWithDistanceLoss(a, p, ng, { reduction: "none" }), losses, { rtol: 1e-5, atol: 1e-5 }, "losses");
        // ∂/∂a of the mean = active/N · ((a − p + eps)/d_ap − (a − n + eps)/d_an)
        const expected = a.flatMap((ai, i) =>
          ai.map((x, k) => {
            if (losses[i]! <= 0) return 0;
            const dap = naiveL2eps(ai, p[i]!);
            const dan = naiveL2eps(ai, ng[i]!);
            return ((x - p[i]![k]! + 1e-6) / dap - (x - ng[i]![k]! + 1e-6) / dan) / n;
          }),
        );
        const g = tf.grad((x: tf.Tensor) => tripletMarginWithDistanceLoss(x, p, ng))(tf.tensor2d(a));
        assertClose(g, expected, { rtol: 1e-4, atol: 1e-6 }, "grad anchor");
      });
    });
  }

  it("with swap uses d(p, n) when it is smaller than d(a, n)", () => {
    // L1: d(a,p) = 1, d(a,n) = 3, d(p,n) = 2. No swap: max(1 − 3 + 1.5, 0) = 0; swap: max(1 − 2 + 1.5, 0) = 0.5.
    tf.tidy(() => {
      const args = [[[0, 0]], [[1, 0]], [[3, 0]]] as const;
      assertClose(tripletMarginWithDistanceLoss(...args, { distanceFunction: l1, margin: 1.5 }), 0, { rtol: 0, atol: 1e-7 }, "no swap");
      assertClose(tripletMarginWithDistanceLoss(...args, { distanceFunction: l1, margin: 1.5, swap: true }), 0.5, { rtol: 1e-6, atol: 1e-7 }, "swap");
    });
  });

  it("reduces with mean (default), sum and none, and uses margin 1 by default", () => {
    const [a, p, n] = [normalMatrix(21, 7, 3), normalMatrix(22, 7, 3), normalMatrix(23, 7, 3)];
    tf.tidy(() => {
      const none = tripletMarginWithDistanceLoss(a, p, n, { reduction: "none" });
      assert.deepEqual(none.shape, [7]);
      assertClose(tripletMarginWithDistanceLoss(a, p, n, { reduction: "sum" }), tf.sum(none).dataSync()[0]!, { rtol: 1e-6, atol: 1e-6 }, "sum");
      assertClose(tripletMarginWithDistanceLoss(a, p, n), tf.mean(none).dataSync()[0]!, { rtol: 1e-6, atol: 1e-6 }, "mean");
      assertClose(tripletMarginWithDistanceLoss(a, p, n, { margin: 1 }), tf.mean(none).dataSync()[0]!, { rtol: 0, atol: 0 }, "margin 1");
    });
  });

  it("has finite gradients when the anchor equals the positive and the distance has no eps", () => {
    tf.tidy(() => {
      const noEps: RowDistanceFunction = (x, y) => pairwiseDistance(x, y, { eps: 0 });
      const grads = tf.grads((a: tf.Tensor, p: tf.Tensor, n: tf.Tensor) => tripletMarginWithDistanceLoss(a, p, n, { distanceFunction: noEps }))(
        [tf.tensor2d([[1, 2]]), tf.tensor2d([[1, 2]]), tf.tensor2d([[1.5, 2]])],
      );
      for (const g of grads) assert.ok(g.dataSync().every(Number.isFinite));
      // only the d(a, n) term moves the anchor: −(a − n)/‖a − n‖ = (1, 0)
      assertClose(grads[0]!, [1, 0], { rtol: 1e-6, atol: 1e-7 }, "grad anchor");
    });
  });

  it("refuses a distanceFunction that is not a function, returns the wrong shape, or returns NaN", () => {
    const x = [[1, 2], [3, 4]];
    assert.throws(() => tripletMarginWithDistanceLoss(x, x, x, { distanceFunction: "cosine" as never }), /'distanceFunction' must be a function/);
    assert.throws(
      () => tripletMarginWithDistanceLoss(x, x, x, { distanceFunction: (u) => tf.sum(u) }),
      /tripletMarginWithDistanceLoss: 'distanceFunction' must be a function returning 2 row distances \(shape \[2\]\)/,
    );
    assert.throws(() => tripletMarginWithDistanceLoss(x, x, x, { distanceFunction: (u) => tf.fill([2], NaN) }), /returning finite distances/);
  });

  it("refuses margin ≤ 0, different shapes, rank other than 2, NaN and an empty batch", () => {
    const x = [[1, 2]];
    assert.throws(() => tripletMarginWithDistanceLoss(x, x, x, { margin: 0 }), /'margin' must be a finite number > 0/);
    assert.throws(() => tripletMarginWithDistanceLoss(x, [[1, 2, 3]], x), /'positive' must be the same shape as 'anchor'/);
    assert.throws(() => tripletMarginWithDistanceLoss([1, 2], [1, 2], [1, 2]), /'anchor' must be a rank-2/);
    assert.throws(() => tripletMarginWithDistanceLoss(x, x, [[NaN, 1]]), /'negative' must be finite/);
    assert.throws(() => tripletMarginWithDistanceLoss([], [], []), /'anchor' must be non-empty/);
  });

  it("leaves no tensor behind, forward or backward, including with a user distance function", () => {
    const [a, p, n] = [tf.tensor2d(normalMatrix(31, 5, 3)), tf.tensor2d(normalMatrix(32, 5, 3)), tf.tensor2d(normalMatrix(33, 5, 3))];
    assertNoLeak(() => tripletMarginWithDistanceLoss(a, p, n).dispose(), "default distance");
    assertNoLeak(() => tripletMarginWithDistanceLoss(a, p, n, { distanceFunction: oneMinusCos, swap: true }).dispose(), "1 − cos, swap");
    assertNoLeak(() => tripletMarginWithDistanceLoss([[1, 2]], [[1, 3]], [[2, 2]]).dispose(), "plain arrays");
    assertNoLeak(() => tf.dispose(tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tripletMarginWithDistanceLoss(x, y, z))([a, p, n])), "backward");
    tf.dispose([a, p, n]);
  });
});
