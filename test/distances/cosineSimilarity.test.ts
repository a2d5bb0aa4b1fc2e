import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { cosineSimilarity, cosineSimilarityMatrix } from "semantic-gps";
import { assertClose, assertNoLeak, loadCases, toTensor, valueAndGrads } from "../helpers/fixtures";
import { normalMatrix } from "../helpers/seededRandom";

const norm = (v: number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const dot = (u: number[], v: number[]): number => u.reduce((s, x, k) => s + x * v[k]!, 0);

/** ∂cos(u, v)/∂u = v/(‖u‖‖v‖) − cos·u/‖u‖² (float64, for non-zero rows). */
function cosGrad(u: number[], v: number[]): number[] {
  const c = dot(u, v) / (norm(u) * norm(v));
  return u.map((x, k) => v[k]! / (norm(u) * norm(v)) - (c * x) / norm(u) ** 2);
}

describe("cosineSimilarity agrees with F.cosine_similarity (distances.json)", () => {
  for (const c of loadCases("distances.json", "cosine_similarity")) {
    it(`${c.name}: value and gradients`, () => {
      tf.tidy(() => {
        const opts = { dim: c.params.dim as number, eps: c.params.eps as number };
        const { value, grads } = valueAndGrads(
          (a, b) => cosineSimilarity(a!, b!, opts),
          [toTensor(c.inputs.x1!), toTensor(c.inputs.x2!)],
          toTensor(c.inputs.grad_output!),
        );
        assertClose(value, c.expected.output!, c.tolerance, "output");
        assertClose(grads[0]!, c.expected.grad_x1!, c.tolerance, "grad_x1");
        assertClose(grads[1]!, c.expected.grad_x2!, c.tolerance, "grad_x2");
      });
    });
  }
});

describe("cosineSimilarityMatrix agrees with normalize(a)·normalize(b)ᵀ (distances.json)", () => {
  for (const c of loadCases("distances.json", "cosine_similarity_matrix")) {
    it(`${c.name}: value and gradients`, () => {
      tf.tidy(() => {
        const go = toTensor(c.inputs.grad_output!);
        const inputs = c.inputs.b ? [toTensor(c.inputs.a!), toTensor(c.inputs.b)] : [toTensor(c.inputs.a!)];
        const f = inputs.length === 2 ? (a?: tf.Tensor, b?: tf.Tensor) => cosineSimilarityMatrix(a!, b!) : (a?: tf.Tensor) => cosineSimilarityMatrix(a!);
        const { value, grads } = valueAndGrads(f, inputs, go);
        assertClose(value, c.expected.output!, c.tolerance, "output");
        assertClose(grads[0]!, c.expected.grad_a!, c.tolerance, "grad_a");
        if (c.expected.grad_b) assertClose(grads[1]!, c.expected.grad_b, c.tolerance, "grad_b");
      });
    });
  }
});

describe("cosineSimilarity", () => {
  it("computes hand-worked cosines and the gradient of a 3-4-5 pair", () => {
    // (1,0)·(0,1) = 0; (1,1) and (2,2) point the same way: 1.
    // u = (3,4), v = (1,0): cos = 3/5; ∂cos/∂u = v/5 − 0.6·u/25 = (0.2 − 0.072, −0.096) = (0.128, −0.096).
    tf.tidy(() => {
      assertClose(cosineSimilarity([[1, 0], [1, 1]], [[0, 1], [2, 2]]), [0, 1], { rtol: 1e-6, atol: 1e-7 }, "cosines");
      const g = tf.grad((u: tf.Tensor) => tf.sum(cosineSimilarity(u, [[1, 0]])))(tf.tensor2d([[3, 4]]));
      assertClose(g, [0.128, -0.096], { rtol: 1e-6, atol: 1e-7 }, "grad");
    });
  });

  for (const [seed, n, d] of [[1, 4, 3], [2, 33, 16], [3, 1, 128]] as const) {
    it(`agrees with a naive float64 loop on random ${n}×${d} rows (seed ${seed}), values and gradients`, () => {
      const x = normalMatrix(seed, n, d);
      const y = normalMatrix(seed + 50, n, d);
      tf.tidy(() => {
        const { value, grads } = valueAndGrads((a, b) => tf.sum(cosineSimilarity(a!, b!)), [tf.tensor2d(x), tf.tensor2d(y)]);
        assertClose(cosineSimilarity(x, y), x.map((u, i) => dot(u, y[i]!) / (norm(u) * norm(y[i]!))), { rtol: 1e-5, atol: 1e-6 }, "value");
        assert.ok(Number.isFinite(value.dataSync()[0]));
        assertClose(grads[0]!, x.flatMap((u, i) => cosGrad(u, y[i]!)), { rtol: 1e-4, atol: 1e-5 }, "grad x1");
        assertClose(grads[1]!, y.flatMap((v, i) => cosGrad(v, x[i]!)), { rtol: 1e-4, atol: 1e-5 }, "grad x2");
      });
    });
  }

  it("gives 0 for a zero row and PyTorch's finite gradient there: x2/(eps·‖x2‖) for x1, 0 for x2", () => {
    tf.tidy(() => {
      const [g1, g2] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(cosineSimilarity(a, b)))([tf.tensor2d([[0, 0]]), tf.tensor2d([[3, 4]])]);
      assert.deepEqual(Array.from(cosineSimilarity([[0, 0]], [[3, 4]]).dataSync()), [0]);
      assertClose(g1!, [0.6e8, 0.8e8], { rtol: 1e-5, atol: 0 }, "grad x1");
      assertClose(g2!, [0, 0], { rtol: 0, atol: 0 }, "grad x2");
    });
  });

  it("takes the cosine along 'dim': dim 0 of the transposes equals dim 1 (default) of the rows", () => {
    const x = normalMatrix(4, 5, 3);
    const y = normalMatrix(5, 5, 3);
    tf.tidy(() => {
      const byRows = Array.from(cosineSimilarity(x, y).dataSync());
      const byCols = cosineSimilarity(tf.transpose(tf.tensor2d(x)), tf.transpose(tf.tensor2d(y)), { dim: 0 });
      assertClose(byCols, byRows, { rtol: 1e-6, atol: 1e-7 }, "dim 0");
      assertClose(cosineSimilarity(x, y, { dim: -1 }), byRows, { rtol: 0, atol: 0 }, "dim −1");
    });
  });

  it("clamps each norm separately at 'eps'", () => {
    // ‖(0.3, 0.4)‖ = 0.5 < eps = 1 → divided by 1; ‖(6, 8)‖ = 10 → unit (0.6, 0.8): 0.3·0.6 + 0.4·0.8 = 0.5.
    tf.tidy(() => assertClose(cosineSimilarity([[0.3, 0.4]], [[6, 8]], { eps: 1 }), [0.5], { rtol: 1e-6, atol: 1e-7 }, "clamped"));
  });

  it("refuses different shapes, a bad dim, NaN, an empty input and a negative eps", () => {
    assert.throws(() => cosineSimilarity([[1, 2]], [[1, 2, 3]]), /cosineSimilarity: 'x2' must be the same shape as 'x1' \(\[1,2\]\)/);
    assert.throws(() => cosineSimilarity([[1, 2]], [[1, 2]], { dim: 2 }), /cosineSimilarity: 'dim' must be an axis of 'x1'/);
    assert.throws(() => cosineSimilarity([[1, NaN]], [[1, 2]]), /cosineSimilarity: 'x1' must be finite/);
    assert.throws(() => cosineSimilarity([], []), /cosineSimilarity: 'x1' must be non-empty/);
    assert.throws(() => cosineSimilarity([[1, 2]], [[1, 2]], { eps: -1 }), /'eps' must be a finite number >= 0/);
  });

  it("leaves no tensor behind, forward or backward", () => {
    const a = tf.tensor2d(normalMatrix(6, 4, 3));
    const b = tf.tensor2d(normalMatrix(7, 4, 3));
    assertNoLeak(() => cosineSimilarity(a, b).dispose(), "forward");
    assertNoLeak(() => tf.dispose(tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(cosineSimilarity(x, y)))([a, b])), "backward");
    tf.dispose([a, b]);
  });
});

describe("cosineSimilarityMatrix", () => {
  it("computes a hand-worked matrix from plain arrays", () => {
    // rows (1,0) and (0,2): orthogonal, each parallel to itself.
    tf.tidy(() => assert.deepEqual(cosineSimilarityMatrix([[1, 0], [0, 2]]).arraySync(), [[1, 0], [0, 1]]));
  });

  it("agrees with a naive loop of cosines, and its self-matrix gradient counts both uses of 'a'", () => {
    const x = normalMatrix(11, 9, 5);
    const y = normalMatrix(12, 7, 5);
    const g = normalMatrix(13, 9, 9);
    tf.tidy(() => {
      assertClose(cosineSimilarityMatrix(x, y), x.flatMap((u) => y.map((v) => dot(u, v) / (norm(u) * norm(v)))), { rtol: 1e-5, atol: 1e-6 }, "value");
      // ∂ Σ_ij g_ij cos(x_i, x_j) / ∂x_i = Σ_j (g_ij + g_ji) ∂cos(x_i, x_j)/∂x_i
      const expected = x.flatMap((u, i) => {
        const acc = u.map(() => 0);
        x.forEach((v, j) => cosGrad(u, v).forEach((gk, k) => (acc[k]! += (g[i]![j]! + g[j]![i]!) * gk)));
        return acc;
      });
      const grad = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(cosineSimilarityMatrix(a), tf.tensor2d(g))))(tf.tensor2d(x));
      assertClose(grad, expected, { rtol: 1e-4, atol: 1e-5 }, "grad");
    });
  });

  it("has zero, finite gradients for identical rows (the diagonal)", () => {
    tf.tidy(() => {
      const grad = tf.grad((a: tf.Tensor) => tf.sum(cosineSimilarityMatrix(a)))(tf.tensor2d([[1, 2], [1, 2]]));
      assertClose(grad, [0, 0, 0, 0], { rtol: 0, atol: 1e-7 }, "grad");
    });
  });

  it("refuses rank other than 2, NaN, empty batches and a width mismatch", () => {
    assert.throws(() => cosineSimilarityMatrix([1, 2]), /cosineSimilarityMatrix: 'a' must be a rank-2/);
    assert.throws(() => cosineSimilarityMatrix([[1, 2]], [[NaN, 1]]), /cosineSimilarityMatrix: 'b' must be finite/);
    assert.throws(() => cosineSimilarityMatrix([]), /cosineSimilarityMatrix: 'a' must be non-empty/);
    assert.throws(() => cosineSimilarityMatrix([[1, 2]], [[1, 2, 3]]), /cosineSimilarityMatrix: 'b' must be rows of the same length as 'a' \(2\)/);
  });

  it("leaves no tensor behind, forward or backward", () => {
    const a = tf.tensor2d(normalMatrix(14, 5, 3));
    assertNoLeak(() => cosineSimilarityMatrix(a).dispose(), "forward");
    assertNoLeak(() => cosineSimilarityMatrix([[1, 2]], [[3, 4], [5, 6]]).dispose(), "forward, plain arrays");
    assertNoLeak(() => tf.grad((x: tf.Tensor) => tf.sum(cosineSimilarityMatrix(x)))(a).dispose(), "backward");
    a.dispose();
  });
});
