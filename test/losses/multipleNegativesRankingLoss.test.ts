import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { multipleNegativesRankingLoss } from "semantic-gps";
import { assertClose, assertNoLeak, loadCases, toTensor, valueAndGrads } from "../helpers/fixtures";
import { normalMatrix } from "../helpers/seededRandom";
import { chainThroughCosines, diagonalCrossEntropy, diagonalCrossEntropyGrad, naiveLogits } from "../helpers/naiveInfoNce";

describe("multipleNegativesRankingLoss agrees with sentence-transformers' MNRL formula (infonce.json)", () => {
  for (const c of loadCases("infonce.json", "mnrl")) {
    it(`${c.name}: loss, scores and gradients`, () => {
      tf.tidy(() => {
        const scale = c.params.scale as number;
        const names = c.inputs.negative ? ["anchor", "positive", "negative"] : ["anchor", "positive"];
        const inputs = names.map((k) => toTensor(c.inputs[k]!));
        const f = (a?: tf.Tensor, p?: tf.Tensor, n?: tf.Tensor) => multipleNegativesRankingLoss(a!, p!, n === undefined ? { scale } : { scale, negative: n });
        const { value, grads } = valueAndGrads(f, inputs);
        assertClose(value, c.expected.loss!, c.tolerance, "loss");
        names.forEach((k, i) => assertClose(grads[i]!, c.expected[`grad_${k}`]!, c.tolerance, `grad_${k}`));
        const parts = multipleNegativesRankingLoss.parts(inputs[0]!, inputs[1]!, inputs[2] ? { scale, negative: inputs[2] } : { scale });
        assertClose(parts.scores, c.expected.scores!, c.tolerance, "scores");
      });
    });
  }
});

describe("multipleNegativesRankingLoss", () => {
  it("computes a hand-worked case with a hard negative", () => {
    // anchor (1,0), positive (1,0), hard negative (0,1), scale 1: scores (1, 0) → log(e¹ + e⁰) − 1 = 0.3132617.
    tf.tidy(() => {
      const loss = multipleNegativesRankingLoss([[1, 0]], [[1, 0]], { negative: [[0, 1]], scale: 1 });
      assertClose(loss, Math.log(1 + Math.exp(-1)), { rtol: 1e-6, atol: 1e-7 }, "loss");
    });
  });

  for (const [seed, n, k, d] of [[1, 4, 0, 3], [2, 16, 16, 8], [3, 12, 36, 16], [4, 1, 1, 2]] as const) {
    it(`agrees with a naive float64 loop: ${n} pairs, ${k} hard negatives, width ${d} (seed ${seed}), values and gradients`, () => {
      const a = normalMatrix(seed, n, d);
      const p = normalMatrix(seed + 1, n, d).map((r, i) => r.map((v, c) => Math.fround(a[i]![c]! + 0.7 * v)));
      const neg = normalMatrix(seed + 2, k, d);
      const docs = [...p, ...neg];
      const z = naiveLogits(a, docs, 20);
      const { gq, gk } = chainThroughCosines(a, docs, diagonalCrossEntropyGrad(z), 20);
      tf.tidy(() => {
        const f = (x: tf.Tensor, y: tf.Tensor, w?: tf.Tensor) => multipleNegativesRankingLoss(x, y, w === undefined ? {} : { negative: w });
        const inputs = k > 0 ? [tf.tensor2d(a), tf.tensor2d(p), tf.tensor2d(neg)] : [tf.tensor2d(a), tf.tensor2d(p)];
        assertClose(f(inputs[0]!, inputs[1]!, inputs[2]), diagonalCrossEntropy(z), { rtol: 1e-4, atol: 1e-5 }, "loss");
        const grads = tf.grads(f as (...xs: tf.Tensor[]) => tf.Tensor)(inputs);
        const tol = { rtol: 1e-3, atol: 1e-4 };
        assertClose(grads[0]!, gq.flat(), tol, "grad anchor");
        assertClose(grads[1]!, gk.slice(0, n).flat(), tol, "grad positive");
        if (k > 0) assertClose(grads[2]!, gk.slice(n).flat(), tol, "grad negative");
      });
    });
  }

  it("uses scale 20 by default (sentence-transformers), the same as temperature 0.05", () => {
    const a = normalMatrix(5, 6, 4);
    const p = normalMatrix(6, 6, 4);
    tf.tidy(() => {
      const byDefault = multipleNegativesRankingLoss(a, p).dataSync()[0]!;
      assertClose(multipleNegativesRankingLoss(a, p, { scale: 20 }), byDefault, { rtol: 0, atol: 0 }, "scale 20");
      assertClose(multipleNegativesRankingLoss(a, p, { temperature: 0.05 }), byDefault, { rtol: 1e-6, atol: 1e-6 }, "temperature 0.05");
      assert.notEqual(multipleNegativesRankingLoss(a, p, { scale: 10 }).dataSync()[0], byDefault);
    });
  });

  it("is stable at scale 100 (temperature 0.01)", () => {
    tf.tidy(() => {
      const loss = multipleNegativesRankingLoss([[1, 0], [-1, 0]], [[-1, 0], [1, 0]], { scale: 100 });
      assertClose(loss, 200, { rtol: 1e-6, atol: 0 }, "anti-aligned: each positive 200 below its distractor");
    });
  });

  it("refuses both scale and temperature, scale ≤ 0, a width mismatch and unknown options", () => {
    const x = [[1, 0], [0, 1]];
    assert.throws(() => multipleNegativesRankingLoss(x, x, { scale: 20, temperature: 0.05 }), /multipleNegativesRankingLoss: 'options' must be given 'temperature' or 'scale'/);
    assert.throws(() => multipleNegativesRankingLoss(x, x, { scale: 0 }), /'scale' must be > 0/);
    assert.throws(() => multipleNegativesRankingLoss(x, x, { negative: [[1, 0, 0]] }), /'negative' must be rows of the same length as 'anchor' \(2\)/);
    assert.throws(() => multipleNegativesRankingLoss(x, x, { negatives: x } as never), /unknown key 'negatives'/);
  });

  it("refuses different shapes, rank other than 2, NaN and an empty batch", () => {
    assert.throws(() => multipleNegativesRankingLoss([[1, 0]], [[1, 0], [0, 1]]), /'positive' must be the same shape as 'anchor'/);
    assert.throws(() => multipleNegativesRankingLoss([1, 0], [1, 0]), /'anchor' must be a rank-2/);
    assert.throws(() => multipleNegativesRankingLoss([[1, 0]], [[1, 0]], { negative: [[NaN, 1]] }), /'negative' must be finite/);
    assert.throws(() => multipleNegativesRankingLoss([], []), /'anchor' must be non-empty/);
  });

  it("leaves no tensor behind, forward, backward and parts", () => {
    const a = tf.tensor2d(normalMatrix(7, 5, 4));
    const p = tf.tensor2d(normalMatrix(8, 5, 4));
    const n = tf.tensor2d(normalMatrix(9, 5, 4));
    assertNoLeak(() => multipleNegativesRankingLoss(a, p, { negative: n }).dispose(), "loss");
    assertNoLeak(() => multipleNegativesRankingLoss([[1, 2]], [[2, 1]], { negative: [[0, 1]] }).dispose(), "plain arrays");
    assertNoLeak(() => tf.dispose(multipleNegativesRankingLoss.parts(a, p)), "parts");
    assertNoLeak(() => tf.dispose(tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => multipleNegativesRankingLoss(x, y, { negative: z }))([a, p, n])), "backward");
    tf.dispose([a, p, n]);
  });
});
