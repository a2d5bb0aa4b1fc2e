import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { cdist } from "semantic-gps";
import { assertClose, assertNoLeak, loadCases, toTensor, valueAndGrads } from "../helpers/fixtures";
import { maxAbsDiff, normalMatrix } from "../helpers/seededRandom";

/** The obvious float64 loop: d[i][j] = ‖x[i] − y[j]‖_p. */
function naiveCdist(x: number[][], y: number[][], p: number): number[][] {
  return x.map((xi) => y.map((yj) => Math.pow(xi.reduce((s, v, k) => s + Math.abs(v - (yj[k] as number)) ** p, 0), 1 / p)));
}

/** ∂ Σ g_ij d_ij / ∂x and ∂y for p = 2, with 0 where d = 0 (float64 loop). */
function naiveCdistGrads(x: number[][], y: number[][], g: number[][]): { gx: number[][]; gy: number[][] } {
  const d = naiveCdist(x, y, 2);
  const gx = x.map((r) => r.map(() => 0));
  const gy = y.map((r) => r.map(() => 0));
  x.forEach((xi, i) =>
    y.forEach((yj, j) => {
      const dij = d[i]![j]!;
      if (dij === 0) return;
      const w = g[i]![j]! / dij;
      xi.forEach((v, k) => {
        gx[i]![k]! += w * (v - yj[k]!);
        gy[j]![k]! -= w * (v - yj[k]!);
      });
    }),
  );
  return { gx, gy };
}

describe("cdist agrees with torch.cdist (distances.json)", () => {
  for (const c of loadCases("distances.json", "cdist")) {
    it(`${c.name}: value and gradients within rtol ${c.tolerance.rtol}, atol ${c.tolerance.atol}`, () => {
      tf.tidy(() => {
        const p = c.params.p as number;
        const go = toTensor(c.inputs.grad_output!);
        const inputs = c.inputs.x2 ? [toTensor(c.inputs.x1!), toTensor(c.inputs.x2)] : [toTensor(c.inputs.x1!)];
        const f = inputs.length === 2 ? (a?: tf.Tensor, b?: tf.Tensor) => cdist(a!, b!, { p }) : (a?: tf.Tensor) => cdist(a!, undefined, { p });
        const { value, grads } = valueAndGrads(f, inputs, go);
        assertClose(value, c.expected.output!, c.tolerance, "output");
        assertClose(grads[0]!, c.expected.grad_x1!, c.tolerance, "grad_x1");
        if (c.expected.grad_x2) assertClose(grads[1]!, c.expected.grad_x2, c.tolerance, "grad_x2");
      });
    });
  }
});

describe("cdist", () => {
  it("computes a hand-worked 3-4-5 case from plain arrays, with its gradient", () => {
    // x = [(0,0), (3,4)]: d01 = d10 = sqrt(9 + 16) = 5, d00 = d11 = 0.
    // ∂(Σ d)/∂x0 = 2·(x0 − x1)/5 = (−1.2, −1.6); x1 gets the opposite; the diagonal adds 0.
    tf.tidy(() => {
      assert.deepEqual(cdist([[0, 0], [3, 4]]).arraySync(), [[0, 5], [5, 0]]);
      const g = tf.grad((x: tf.Tensor) => tf.sum(cdist(x)))(tf.tensor2d([[0, 0], [3, 4]]));
      assertClose(g, [-1.2, -1.6, 1.2, 1.6], { rtol: 1e-6, atol: 1e-6 }, "grad");
    });
  });

  for (const [seed, n, m, d] of [[1, 5, 7, 3], [2, 40, 33, 16], [3, 64, 64, 128], [4, 1, 30, 2]] as const) {
    it(`agrees with a naive float64 loop on random ${n}×${d} and ${m}×${d} inputs (seed ${seed}), values and gradients`, () => {
      const x = normalMatrix(seed, n, d);
      const y = normalMatrix(seed + 100, m, d);
      const g = normalMatrix(seed + 200, n, m);
      tf.tidy(() => {
        const { value, grads } = valueAndGrads((a, b) => cdist(a!, b!), [tf.tensor2d(x), tf.tensor2d(y)], tf.tensor2d(g));
        const tol = { rtol: 1e-5, atol: 1e-5 };
        assertClose(value, naiveCdist(x, y, 2).flat(), tol, "value");
        const { gx, gy } = naiveCdistGrads(x, y, g);
        assertClose(grads[0]!, gx.flat(), { rtol: 1e-4, atol: 1e-4 }, "grad x1");
        assertClose(grads[1]!, gy.flat(), { rtol: 1e-4, atol: 1e-4 }, "grad x2");
      });
    });
  }

  it("keeps the direct kernel's accuracy for near-duplicate rows far from the origin (where ‖x‖²+‖y‖²−2x·y cancels)", () => {
    const x = normalMatrix(7, 30, 8).map((r) => r.map((v) => Math.fround(v + 20)));
    const y = x.map((r, i) => r.map((v, k) => Math.fround(v + ((i + k) % 3 === 0 ? 1e-3 : -2e-3))));
    tf.tidy(() => {
      const expected = naiveCdist(x, y, 2).flat();
      assertClose(cdist(x, y), expected, { rtol: 1e-5, atol: 1e-7 }, "near-duplicate distances");
    });
  });

  it("returns exactly 0 on the diagonal of a large self-distance matrix, with finite gradients (PyTorch's matmul path does not)", () => {
    const x = normalMatrix(8, 40, 16);
    tf.tidy(() => {
      const xt = tf.tensor2d(x);
      const dm = cdist(xt).arraySync();
      for (let i = 0; i < x.length; i++) assert.equal(dm[i]![i], 0, `d(${i}, ${i})`);
      const g = tf.grad((a: tf.Tensor) => tf.sum(cdist(a)))(xt).dataSync();
      assert.ok(g.every(Number.isFinite), "every gradient is finite");
    });
  });

  it("gives zero, finite gradients for two identical rows", () => {
    tf.tidy(() => {
      const [ga, gb] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(cdist(a, b)))([tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[1, 2, 3]])]);
      assert.deepEqual(Array.from(ga!.dataSync()), [0, 0, 0]);
      assert.deepEqual(Array.from(gb!.dataSync()), [0, 0, 0]);
    });
  });

  for (const p of [1, 3]) {
    it(`with p = ${p} agrees with the naive loop, and its gradient matches the p-norm's`, () => {
      const x = normalMatrix(10 + p, 6, 4);
      const y = normalMatrix(20 + p, 5, 4);
      tf.tidy(() => {
        assertClose(cdist(x, y, { p }), naiveCdist(x, y, p).flat(), { rtol: 1e-5, atol: 1e-6 }, "value");
        // ∂‖v‖_p/∂v_k = sign(v_k)|v_k|^(p−1) / ‖v‖_p^(p−1), v = x_i − y_j, summed over j.
        const d = naiveCdist(x, y, p);
        const expected = x.map((xi, i) =>
          xi.map((_, k) => y.reduce((s, yj, j) => {
            const v = xi[k]! - yj[k]!;
            return s + (Math.sign(v) * Math.abs(v) ** (p - 1)) / d[i]![j]! ** (p - 1);
          }, 0)),
        );
        const g = tf.grad((a: tf.Tensor) => tf.sum(cdist(a, y, { p })))(tf.tensor2d(x));
        assertClose(g, expected.flat(), { rtol: 1e-4, atol: 1e-5 }, "grad");
      });
    });
  }

  it("refuses inputs of rank other than 2", () => {
    assert.throws(() => cdist([1, 2, 3]), /cdist: 'x1' must be a rank-2/);
    assert.throws(() => cdist([[1, 2]], tf.ones([1, 2, 1])), /cdist: 'x2' must be of rank 2/);
  });

  it("refuses NaN, empty batches, a width mismatch and p < 1", () => {
    assert.throws(() => cdist([[1, NaN]]), /cdist: 'x1' must be finite/);
    assert.throws(() => cdist([]), /cdist: 'x1' must be non-empty/);
    assert.throws(() => cdist([[1, 2]], [[1, 2, 3]]), /cdist: 'x2' must be rows of the same length as 'x1' \(2\)/);
    assert.throws(() => cdist([[1, 2]], undefined, { p: 0.5 }), RangeError);
    assert.throws(() => cdist([[1, 2]], undefined, { q: 2 } as never), /unknown key 'q'/);
  });

  it("leaves no tensor behind, forward or backward", () => {
    const a = tf.tensor2d(normalMatrix(30, 30, 4));
    const b = tf.tensor2d(normalMatrix(31, 26, 4));
    assertNoLeak(() => cdist(a, b).dispose(), "forward");
    assertNoLeak(() => cdist([[1, 2]], [[3, 4]], { p: 3 }).dispose(), "forward, plain arrays, p = 3");
    assertNoLeak(() => tf.dispose(tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(cdist(x, y)))([a, b])), "backward");
    tf.dispose([a, b]);
  });
});
