import "../helpers/setup";
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { normalize, pairwiseDistance, tripletMarginLoss } from "semantic-gps";
import { assertNoLeak } from "../helpers/fixtures";
import { normalMatrix } from "../helpers/seededRandom";

const rei = [[0.9, 0.8, 0.1]];
const rainha = [[0.85, 0.75, 0.2]];
const abacaxiRuim = [[0.7, 0.6, 0.3]];

/** The obviously-correct float64 loop: PyTorch's formula written out row by row. */
function naiveTriplet(a: number[][], p: number[][], n: number[][], margin: number, pNorm: number, eps: number, swap: boolean): number[] {
  const dist = (x: number[], y: number[]): number => x.reduce((s, xi, k) => s + Math.abs(xi - (y[k] as number) + eps) ** pNorm, 0) ** (1 / pNorm);
  return a.map((ai, i) => {
    let dan = dist(ai, n[i] as number[]);
    if (swap) dan = Math.min(dan, dist(p[i] as number[], n[i] as number[]));
    return Math.max(dist(ai, p[i] as number[]) - dan + margin, 0);
  });
}

describe("tripletMarginLoss", () => {
  it("reproduces the tutorial's second scenario by hand: 0.12247 − 0.34641 + 0.5 = 0.27606", () => {
    // d(a,p) = ‖(0.05, 0.05, −0.1) + 1e-6‖ = 0.122474; d(a,n) = ‖(0.2, 0.2, −0.2) + 1e-6‖ = 0.346410
    const loss = tripletMarginLoss(rei, rainha, abacaxiRuim, { margin: 0.5 });
    assert.ok(Math.abs((loss.dataSync()[0] as number) - 0.2760637) < 1e-6);
    loss.dispose();
  });

  it("agrees with a naive float64 loop over several seeds, shapes and every option", () => {
    for (const [seed, n, d] of [[1, 5, 3], [2, 17, 8], [3, 64, 32]] as const) {
      const a = normalMatrix(seed, n, d);
      const p = normalMatrix(seed + 100, n, d);
      const q = normalMatrix(seed + 200, n, d);
      for (const margin of [0.3, 1, 4]) {
        for (const pNorm of [1, 2, 3]) {
          for (const swap of [false, true]) {
            const want = naiveTriplet(a, p, q, margin, pNorm, 1e-6, swap);
            const got = tripletMarginLoss(a, p, q, { margin, p: pNorm, swap, reduction: "none" });
            const values = got.dataSync();
            want.forEach((w, i) => assert.ok(Math.abs((values[i] as number) - w) <= 1e-5 + 1e-5 * Math.abs(w), `seed ${seed} margin ${margin} p ${pNorm} swap ${swap} row ${i}: ${values[i]} vs ${w}`));
            got.dispose();
            const mean = tripletMarginLoss(a, p, q, { margin, p: pNorm, swap });
            const sum = tripletMarginLoss(a, p, q, { margin, p: pNorm, swap, reduction: "sum" });
            const total = want.reduce((s, v) => s + v, 0);
            assert.ok(Math.abs((sum.dataSync()[0] as number) - total) <= 1e-4 * Math.max(1, total));
            assert.ok(Math.abs((mean.dataSync()[0] as number) - total / n) <= 1e-4 * Math.max(1, total / n));
            tf.dispose([mean, sum]);
          }
        }
      }
    }
  });

  it("uses PyTorch's defaults: margin 1, p 2, eps 1e-6, no swap, mean", () => {
    const a = normalMatrix(7, 6, 4);
    const p = normalMatrix(8, 6, 4);
    const q = normalMatrix(9, 6, 4);
    const want = naiveTriplet(a, p, q, 1, 2, 1e-6, false);
    const got = tripletMarginLoss(a, p, q);
    assert.ok(Math.abs((got.dataSync()[0] as number) - want.reduce((s, v) => s + v, 0) / 6) < 1e-5);
    got.dispose();
  });

  it("accepts tensors and plain arrays alike", () => {
    const t = [tf.tensor2d(rei), tf.tensor2d(rainha), tf.tensor2d(abacaxiRuim)] as const;
    const fromTensors = tripletMarginLoss(t[0], t[1], t[2], { margin: 0.5 });
    const fromArrays = tripletMarginLoss(rei, rainha, abacaxiRuim, { margin: 0.5 });
    assert.equal(fromTensors.dataSync()[0], fromArrays.dataSync()[0]);
    tf.dispose([...t, fromTensors, fromArrays]);
  });

  it("leaves no tensor behind, forward or backward", () => {
    const a = tf.tensor2d(normalMatrix(4, 8, 5));
    const p = tf.tensor2d(normalMatrix(5, 8, 5));
    const n = tf.tensor2d(normalMatrix(6, 8, 5));
    assertNoLeak(() => tripletMarginLoss(a, p, n, { swap: true }).dispose(), "forward");
    assertNoLeak(() => {
      const g = tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tripletMarginLoss(x, y, z, { swap: true }))([a, p, n]);
      tf.dispose(g);
    }, "backward");
    assertNoLeak(() => tripletMarginLoss(rei, rainha, abacaxiRuim).dispose(), "plain arrays");
    tf.dispose([a, p, n]);
  });

  it("has finite gradients when anchor, positive and negative coincide (eps 0, zero distance)", () => {
    const x = tf.tensor2d([[0.5, -0.25, 1]]);
    const grads = tf.grads((a: tf.Tensor, p: tf.Tensor, n: tf.Tensor) => tripletMarginLoss(a, p, n, { eps: 0, p: 2 }))([x, x, x]);
    for (const g of grads) for (const v of g.dataSync()) assert.ok(Number.isFinite(v));
    const gn = tf.grad((a: tf.Tensor) => pairwiseDistance(a, x, { eps: 0 }))(x);
    assert.deepEqual(Array.from(gn.dataSync()), [0, 0, 0]); // PyTorch: zero gradient at a zero norm
    const gz = tf.grad((a: tf.Tensor) => tf.sum(normalize(a)))(tf.zeros([1, 3]));
    for (const v of gz.dataSync()) assert.ok(Number.isFinite(v));
    tf.dispose([x, ...grads, gn, gz]);
  });

  describe("rejects bad input with a message naming the function and the argument", () => {
    const cases: [string, () => unknown, RegExp, ErrorConstructor][] = [
      ["rank ≠ 2", () => tripletMarginLoss([0.9, 0.8, 0.1] as unknown as number[][], rainha, abacaxiRuim), /tripletMarginLoss: 'anchor' must be a rank-2 tensor or nested array, but got a nested array of rank 1/, TypeError],
      ["mismatched shapes", () => tripletMarginLoss(rei, rainha, [[0.7, 0.6]]), /tripletMarginLoss: 'negative' must be the same shape as 'anchor' \(\[1,3\]\), but got \[1,2\]/, RangeError],
      ["an empty batch", () => tripletMarginLoss([], [], []), /tripletMarginLoss: 'anchor' must be non-empty/, RangeError],
      ["NaN", () => tripletMarginLoss(rei, [[0.85, Number.NaN, 0.2]], abacaxiRuim), /tripletMarginLoss: 'positive' must be finite \(no NaN or Infinity\), but got NaN at \[0,1\]/, RangeError],
      ["Infinity", () => tripletMarginLoss(rei, rainha, [[Infinity, 0, 0]]), /'negative' must be finite/, RangeError],
      ["a ragged array", () => tripletMarginLoss([[1, 2], [3]], rainha, abacaxiRuim), /tripletMarginLoss: 'anchor' must be a rectangular nested array/, TypeError],
      ["a string", () => tripletMarginLoss("rei" as unknown as number[][], rainha, abacaxiRuim), /tripletMarginLoss: 'anchor' must be a rank-2 tensor or nested array of numbers, but got the string "rei"/, TypeError],
      ["margin 0 (as current PyTorch)", () => tripletMarginLoss(rei, rainha, abacaxiRuim, { margin: 0 }), /tripletMarginLoss: 'margin' must be a finite number > 0, but got 0/, RangeError],
      ["a negative margin", () => tripletMarginLoss(rei, rainha, abacaxiRuim, { margin: -1 }), /'margin' must be a finite number > 0, but got -1/, RangeError],
      ["a margin given as a string", () => tripletMarginLoss(rei, rainha, abacaxiRuim, { margin: "0.5" as unknown as number }), /'margin' must be a finite number > 0, but got the string "0.5"/, TypeError],
      ["p ≤ 0", () => tripletMarginLoss(rei, rainha, abacaxiRuim, { p: 0 }), /'p' must be a finite number > 0, but got 0/, RangeError],
      ["a negative eps", () => tripletMarginLoss(rei, rainha, abacaxiRuim, { eps: -1e-6 }), /'eps' must be a finite number >= 0/, RangeError],
      ["swap not a boolean", () => tripletMarginLoss(rei, rainha, abacaxiRuim, { swap: 1 as unknown as boolean }), /'swap' must be a boolean, but got 1/, TypeError],
      ["an unknown reduction", () => tripletMarginLoss(rei, rainha, abacaxiRuim, { reduction: "avg" as "mean" }), /'reduction' must be one of "mean", "sum", "none", but got the string "avg"/, RangeError],
      ["an unknown option (a typo)", () => tripletMarginLoss(rei, rainha, abacaxiRuim, { margn: 0.5 } as unknown as { margin: number }), /tripletMarginLoss: 'options' must be an object with keys among .*, but got unknown key 'margn'/, TypeError],
      ["a disposed tensor", () => {
        const t = tf.tensor2d(rei);
        t.dispose();
        return tripletMarginLoss(t, rainha, abacaxiRuim);
      }, /tripletMarginLoss: 'anchor' must be a live tensor, but got a disposed tensor/, TypeError],
    ];
    for (const [what, call, message, kind] of cases) {
      it(`${what}`, () => {
        const before = tf.memory().numTensors;
        assert.throws(call, (err: unknown) => err instanceof kind && message.test((err as Error).message));
        assert.equal(tf.memory().numTensors, before, "a rejected call must not leak");
      });
    }
  });
});

describe("pairwiseDistance and normalize reject bad input", () => {
  it("pairwiseDistance names its arguments", () => {
    assert.throws(() => pairwiseDistance([[1, 2]], [[1, 2, 3]]), /pairwiseDistance: 'x2' must be the same shape as 'x1' \(\[1,2\]\), but got \[1,3\]/);
    assert.throws(() => pairwiseDistance([[1, 2]], [[1, 2]], { keepdim: "yes" as unknown as boolean }), /pairwiseDistance: 'keepdim' must be a boolean/);
    assert.throws(() => pairwiseDistance([[[1]]] as unknown as number[][], [[1]]), /pairwiseDistance: 'x1' must be a rank-2/);
  });
  it("normalize checks dim against the input's rank", () => {
    assert.throws(() => normalize([[3, 4]], { dim: 2 }), /normalize: 'dim' must be an axis of 'x' \(between -2 and 1\), but got 2/);
    assert.throws(() => normalize([[3, Number.NaN]]), /normalize: 'x' must be finite/);
    const out = normalize([[3, 4]], { dim: -1 });
    assert.deepEqual(Array.from(out.dataSync()).map((v) => Math.round(v * 1e6) / 1e6), [0.6, 0.8]);
    out.dispose();
  });
  it("keepdim gives [N, 1]", () => {
    const d = pairwiseDistance([[0, 0], [1, 1]], [[3, 4], [1, 1]], { keepdim: true, eps: 0 });
    assert.deepEqual(d.shape, [2, 1]);
    assert.deepEqual(Array.from(d.dataSync()), [5, 0]);
    d.dispose();
  });
});
