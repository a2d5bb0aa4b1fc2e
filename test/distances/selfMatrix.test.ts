import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { cosineSimilarityMatrix, DotProductSimilarity, LpDistance } from "semantic-gps";
import { assertClose } from "../helpers/fixtures";

/**
 * A batch against itself takes a backward pass of its own (one product with dy + dyᵀ). Its
 * gradients must equal those of the same batch passed as a separate reference, where each side
 * gets its own product and autodiff adds them up.
 */
describe("matrices of a batch against itself: the one-product backward pass", () => {
  // 100 rows: more than the 32-row tiles of the symmetrisation and not a multiple of them.
  const n = 100;
  const x = tf.randomNormal([n, 24], 0, 1, "float32", 11) as tf.Tensor2D;
  // Non-symmetric upstream weights; for distances zero on the diagonal (d(x, x) is exactly 0 only
  // on the self path), for similarities not (x·x is the same either way, and its gradient counts).
  const full = tf.randomNormal([n, n], 0, 1, "float32", 12) as tf.Tensor2D;
  const offDiagonal = tf.tidy(() => tf.mul(full, tf.sub(1, tf.eye(n)))) as tf.Tensor2D;

  const compare = (label: string, self: (a: tf.Tensor2D) => tf.Tensor2D, cross: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D, w: tf.Tensor2D) => {
    tf.tidy(() => {
      const a = tf.valueAndGrads((t: tf.Tensor) => tf.sum(tf.mul(self(t as tf.Tensor2D), w)) as tf.Scalar)([x]);
      const b = tf.valueAndGrads((t: tf.Tensor) => tf.sum(tf.mul(cross(t as tf.Tensor2D, tf.add(t, 0) as tf.Tensor2D), w)) as tf.Scalar)([x]);
      assertClose(a.value, b.value.dataSync()[0]!, { rtol: 1e-5, atol: 1e-4 }, `${label}: value`);
      assertClose(a.grads[0]!, Array.from(b.grads[0]!.dataSync()), { rtol: 1e-4, atol: 1e-5 }, `${label}: gradient`);
      const scale = tf.max(tf.abs(a.grads[0]!)).dataSync()[0]!;
      assert.ok(scale > 1, `${label}: a gradient worth comparing (${scale})`);
    });
  };

  it("Euclidean distance matrix (normalised and not)", () => {
    for (const normalizeEmbeddings of [true, false]) {
      const d = new LpDistance({ normalizeEmbeddings });
      compare(`LpDistance normalize=${normalizeEmbeddings}`, (a) => d.matrix(a), (a, b) => d.matrix(a, b), offDiagonal);
    }
  });
  it("cosine similarity matrix", () => {
    compare("cosineSimilarityMatrix", (a) => cosineSimilarityMatrix(a), (a, b) => cosineSimilarityMatrix(a, b), full);
  });
  it("dot-product similarity (unnormalised: the diagonal's gradient counts)", () => {
    for (const normalizeEmbeddings of [false, true]) {
      const d = new DotProductSimilarity({ normalizeEmbeddings });
      compare(`DotProductSimilarity normalize=${normalizeEmbeddings}`, (a) => d.matrix(a), (a, b) => d.matrix(a, b), full);
    }
  });
  it("leaves no tensor behind", () => {
    const before = tf.memory().numTensors;
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(new LpDistance().matrix(t as tf.Tensor2D), offDiagonal)))(x);
    g.dispose();
    const h = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(cosineSimilarityMatrix(t as tf.Tensor2D), full)))(x);
    h.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});
