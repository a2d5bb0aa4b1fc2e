import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { infoNceLoss } from "semantic-gps";
import { assertClose, assertNoLeak, loadCases, toTensor, valueAndGrads } from "../helpers/fixtures";
import { normalMatrix } from "../helpers/seededRandom";
import { chainThroughCosines, diagonalCrossEntropy, diagonalCrossEntropyGrad, naiveLogits } from "../helpers/naiveInfoNce";

describe("infoNceLoss agrees with one-direction InfoNCE (infonce.json)", () => {
  // The fixture computes F.cross_entropy(normalize(a) @ normalize(b).T / 0.07, arange(N)) and files it under mnrl.
  for (const c of loadCases("infonce.json", "mnrl").filter((k) => k.name.includes("one_direction_infonce"))) {
    it(`${c.name}: loss, logits and gradients with temperature 1/scale`, () => {
      tf.tidy(() => {
        const temperature = 1 / (c.params.scale as number);
        const inputs = [toTensor(c.inputs.anchor!), toTensor(c.inputs.positive!)];
        const { value, grads } = valueAndGrads((q, k) => infoNceLoss(q!, k!, { temperature }), inputs);
        assertClose(value, c.expected.loss!, c.tolerance, "loss");
        assertClose(grads[0]!, c.expected.grad_anchor!, c.tolerance, "grad_anchor");
        assertClose(grads[1]!, c.expected.grad_positive!, c.tolerance, "grad_positive");
        const parts = infoNceLoss.parts(inputs[0]!, inputs[1]!, { temperature });
        assertClose(parts.logits, c.expected.scores!, c.tolerance, "logits");
      });
    });
  }
});

describe("infoNceLoss", () => {
  it("computes a hand-worked case with an extra negative key", () => {
    // query (1,0), keys (1,0) and (0,1), τ = 1: logits (1, 0) → log(e¹ + e⁰) − 1 = 0.3132617.
    tf.tidy(() => assertClose(infoNceLoss([[1, 0]], [[1, 0], [0, 1]], { temperature: 1 }), Math.log(1 + Math.exp(-1)), { rtol: 1e-6, atol: 1e-7 }, "loss"));
  });

  for (const [seed, n, m, d, temperature] of [[1, 3, 3, 2, 1], [2, 16, 24, 8, 0.07], [3, 32, 32, 16, 0.01], [4, 5, 40, 6, 0.2]] as const) {
    it(`agrees with a naive float64 loop: ${n} queries, ${m} keys of width ${d}, temperature ${temperature} (seed ${seed})`, () => {
      const q = normalMatrix(seed, n, d);
      const k = normalMatrix(seed + 1, m, d).map((r, j) => (j < n ? r.map((v, c) => Math.fround(q[j]![c]! + 0.5 * v)) : r));
      const z = naiveLogits(q, k, 1 / temperature);
      const { gq, gk } = chainThroughCosines(q, k, diagonalCrossEntropyGrad(z), 1 / temperature);
      tf.tidy(() => {
        assertClose(infoNceLoss(q, k, { temperature }), diagonalCrossEntropy(z), { rtol: 1e-4, atol: 1e-5 }, "loss");
        const [g1, g2] = tf.grads((x: tf.Tensor, y: tf.Tensor) => infoNceLoss(x, y, { temperature }))([tf.tensor2d(q), tf.tensor2d(k)]);
        assertClose(g1!, gq.flat(), { rtol: 1e-3, atol: 1e-4 }, "grad query");
        assertClose(g2!, gk.flat(), { rtol: 1e-3, atol: 1e-4 }, "grad keys");
      });
    });
  }

  it("uses temperature 0.07 by default and accepts scale = 1/temperature", () => {
    const q = normalMatrix(5, 4, 3);
    const k = normalMatrix(6, 4, 3);
    tf.tidy(() => {
      const byDefault = infoNceLoss(q, k).dataSync()[0]!;
      assertClose(infoNceLoss(q, k, { temperature: 0.07 }), byDefault, { rtol: 0, atol: 0 }, "0.07");
      assertClose(infoNceLoss(q, k, { scale: 1 / 0.07 }), byDefault, { rtol: 1e-6, atol: 1e-6 }, "scale");
    });
  });

  it("has finite gradients when a query equals its key", () => {
    tf.tidy(() => {
      const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) => infoNceLoss(x, y))([tf.tensor2d([[1, 2], [3, 1]]), tf.tensor2d([[1, 2], [3, 1]])]);
      for (const g of grads) assert.ok(g.dataSync().every(Number.isFinite));
    });
  });

  it("refuses fewer keys than queries, a width mismatch, both temperature and scale, and temperature ≤ 0", () => {
    const q = [[1, 0], [0, 1]];
    assert.throws(() => infoNceLoss(q, [[1, 0]]), /infoNceLoss: 'keys' must be at least as many rows as 'query' \(2\)/);
    assert.throws(() => infoNceLoss(q, [[1, 0, 0], [0, 1, 0]]), /'keys' must be rows of the same length as 'query' \(2\)/);
    assert.throws(() => infoNceLoss(q, q, { temperature: 1, scale: 1 }), /not both/);
    assert.throws(() => infoNceLoss(q, q, { temperature: -1 }), /'temperature' must be > 0/);
  });

  it("refuses rank other than 2, NaN and an empty batch", () => {
    assert.throws(() => infoNceLoss([1, 0], [[1, 0]]), /'query' must be a rank-2/);
    assert.throws(() => infoNceLoss([[1, 0]], [[NaN, 0]]), /'keys' must be finite/);
    assert.throws(() => infoNceLoss([], [[1, 0]]), /'query' must be non-empty/);
  });

  it("leaves no tensor behind, forward, backward and parts", () => {
    const q = tf.tensor2d(normalMatrix(7, 5, 4));
    const k = tf.tensor2d(normalMatrix(8, 9, 4));
    assertNoLeak(() => infoNceLoss(q, k).dispose(), "loss");
    assertNoLeak(() => infoNceLoss([[1, 2]], [[2, 1], [0, 1]]).dispose(), "plain arrays");
    assertNoLeak(() => tf.dispose(infoNceLoss.parts(q, k)), "parts");
    assertNoLeak(() => tf.dispose(tf.grads((x: tf.Tensor, y: tf.Tensor) => infoNceLoss(x, y))([q, k])), "backward");
    tf.dispose([q, k]);
  });
});
