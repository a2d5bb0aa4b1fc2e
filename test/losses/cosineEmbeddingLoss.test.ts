import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { cosineEmbeddingLoss, type Reduction } from "semantic-gps";
import { assertClose, assertNoLeak, loadCases, toTensor, valueAndGrads } from "../helpers/fixtures";
import { normalMatrix, randomInts } from "../helpers/seededRandom";

/** float64 loop: the loss's own cosine (eps 1e-12 on squared norms), then the ±1 branches. */
function naiveLosses(x: number[][], y: number[][], t: number[], margin: number): number[] {
  return x.map((u, i) => {
    const v = y[i]!;
    const d = u.reduce((s, a, k) => s + a * v[k]!, 0);
    const cos = d / Math.sqrt((u.reduce((s, a) => s + a * a, 0) + 1e-12) * (v.reduce((s, a) => s + a * a, 0) + 1e-12));
    return t[i] === 1 ? 1 - cos : Math.max(0, cos - margin);
  });
}

describe("cosineEmbeddingLoss agrees with F.cosine_embedding_loss (torch_losses.json)", () => {
  for (const c of loadCases("torch_losses.json", "cosine_embedding_loss")) {
    it(`${c.name}: loss and gradients`, () => {
      tf.tidy(() => {
        const opts = { margin: c.params.margin as number, reduction: c.params.reduction as Reduction };
        const target = toTensor(c.inputs.target!);
        const { value, grads } = valueAndGrads((a, b) => cosineEmbeddingLoss(a!, b!, target, opts), [toTensor(c.inputs.x1!), toTensor(c.inputs.x2!)]);
        assertClose(value, c.expected.loss!, c.tolerance, "loss");
        if (c.expected.grad_x1) assertClose(grads[0]!, c.expected.grad_x1, c.tolerance, "grad_x1");
        if (c.expected.grad_x2) assertClose(grads[1]!, c.expected.grad_x2, c.tolerance, "grad_x2");
      });
    });
  }
});

describe("cosineEmbeddingLoss", () => {
  it("computes a hand-worked case: a similar pair at 60° and a dissimilar pair above the margin", () => {
    // pair 0, target 1: cos((1,0), (1,√3)) = 1/2 → 1 − 1/2 = 0.5.
    // pair 1, target −1: cos((1,0), (3,4)) = 3/5 → max(0, 0.6 − 0.2) = 0.4. Mean 0.45.
    tf.tidy(() => {
      const loss = cosineEmbeddingLoss([[1, 0], [1, 0]], [[1, Math.sqrt(3)], [3, 4]], [1, -1], { margin: 0.2, reduction: "none" });
      assertClose(loss, [0.5, 0.4], { rtol: 1e-6, atol: 1e-7 }, "losses");
      assertClose(cosineEmbeddingLoss([[1, 0], [1, 0]], [[1, Math.sqrt(3)], [3, 4]], [1, -1], { margin: 0.2 }), 0.45, { rtol: 1e-6, atol: 1e-7 }, "mean");
    });
  });

  for (const [seed, n, d, margin] of [[1, 4, 3, 0], [2, 30, 8, 0.2], [3, 64, 16, -0.5]] as const) {
    it(`agrees with a naive loop on random ${n}×${d} pairs (seed ${seed}, margin ${margin})`, () => {
      const x = normalMatrix(seed, n, d);
      const y = normalMatrix(seed + 1, n, d);
      const t = randomInts(seed + 2, n, 2).map((b) => (b === 1 ? 1 : -1));
      tf.tidy(() => assertClose(cosineEmbeddingLoss(x, y, t, { margin, reduction: "none" }), naiveLosses(x, y, t, margin), { rtol: 1e-5, atol: 1e-6 }, "losses"));
    });
  }

  it("reduces with mean (default), sum and none; margin defaults to 0", () => {
    const x = normalMatrix(5, 6, 3);
    const y = normalMatrix(6, 6, 3);
    const t = [1, -1, 1, -1, -1, 1];
    tf.tidy(() => {
      const none = cosineEmbeddingLoss(x, y, t, { reduction: "none" });
      assertClose(none, naiveLosses(x, y, t, 0), { rtol: 1e-5, atol: 1e-6 }, "margin 0");
      assertClose(cosineEmbeddingLoss(x, y, t, { reduction: "sum" }), tf.sum(none).dataSync()[0]!, { rtol: 1e-6, atol: 1e-6 }, "sum");
      assertClose(cosineEmbeddingLoss(x, y, t), tf.mean(none).dataSync()[0]!, { rtol: 1e-6, atol: 1e-6 }, "mean");
    });
  });

  it("has finite gradients for identical rows and for a zero row", () => {
    tf.tidy(() => {
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => cosineEmbeddingLoss(a, b, [1, -1]))([tf.tensor2d([[1, 2], [0, 0]]), tf.tensor2d([[1, 2], [3, 4]])]);
      for (const g of grads) assert.ok(g.dataSync().every(Number.isFinite));
    });
  });

  it("refuses targets other than ±1 (0/1 labels are the usual slip) and a target of the wrong length", () => {
    assert.throws(() => cosineEmbeddingLoss([[1, 2]], [[1, 2]], [0]), /cosineEmbeddingLoss: 'target' must be 1 \(similar\) or -1 \(dissimilar\), but got 0 at \[0\]/);
    assert.throws(() => cosineEmbeddingLoss([[1, 2], [3, 4]], [[1, 2], [3, 4]], [1]), /'target' must be one entry per row of 'x1' \(2\), but got 1 entries/);
  });

  it("refuses a margin outside [−1, 1], different shapes, rank other than 2, NaN and an empty batch", () => {
    const x = [[1, 2]];
    assert.throws(() => cosineEmbeddingLoss(x, x, [1], { margin: 1.5 }), /'margin' must be a finite number >= -1 and <= 1/);
    assert.throws(() => cosineEmbeddingLoss(x, [[1, 2, 3]], [1]), /'x2' must be the same shape as 'x1'/);
    assert.throws(() => cosineEmbeddingLoss([1, 2], [1, 2], [1]), /'x1' must be a rank-2/);
    assert.throws(() => cosineEmbeddingLoss(x, [[NaN, 1]], [1]), /'x2' must be finite/);
    assert.throws(() => cosineEmbeddingLoss([], [], []), /'x1' must be non-empty/);
  });

  it("leaves no tensor behind, forward or backward", () => {
    const a = tf.tensor2d(normalMatrix(7, 4, 3));
    const b = tf.tensor2d(normalMatrix(8, 4, 3));
    const t = tf.tensor1d([1, -1, -1, 1]);
    assertNoLeak(() => cosineEmbeddingLoss(a, b, t).dispose(), "forward");
    assertNoLeak(() => cosineEmbeddingLoss([[1, 2]], [[2, 1]], [-1], { reduction: "none" }).dispose(), "plain arrays");
    assertNoLeak(() => tf.dispose(tf.grads((x: tf.Tensor, y: tf.Tensor) => cosineEmbeddingLoss(x, y, t))([a, b])), "backward");
    tf.dispose([a, b, t]);
  });
});
