import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { CosineSimilarityDistance, DotProductSimilarity, LpDistance, type Distance } from "semantic-gps";
import { assertClose, assertNoLeak, loadCases, toTensor, valueAndGrads } from "../helpers/fixtures";
import { dot, euclid, gaussian, l2normalize, maxDiff } from "../helpers/metricLearning";

function fromParams(op: string, params: Record<string, unknown>): Distance {
  if (op === "pml.CosineSimilarity") return new CosineSimilarityDistance();
  return new LpDistance({
    normalizeEmbeddings: params.normalize_embeddings as boolean | undefined,
    p: params.p as number | undefined,
    power: params.power as number | undefined,
  });
}

describe("LpDistance and CosineSimilarityDistance agree with PML's distance objects (distances.json)", () => {
  const cases = [...loadCases("distances.json", "pml.LpDistance"), ...loadCases("distances.json", "pml.CosineSimilarity")];
  assert.ok(cases.length >= 8);
  for (const c of cases) {
    it(`${c.name}: matrix and gradients within rtol ${c.tolerance.rtol}, atol ${c.tolerance.atol}`, () => {
      tf.tidy(() => {
        const dist = fromParams(c.op, c.params);
        const go = toTensor(c.inputs.grad_output!);
        const q = toTensor(c.inputs.query!) as tf.Tensor2D;
        const withRef = c.inputs.ref !== undefined;
        const inputs = withRef ? [q, toTensor(c.inputs.ref!)] : [q];
        const f = (a?: tf.Tensor, b?: tf.Tensor): tf.Tensor => dist.matrix(a as tf.Tensor2D, b as tf.Tensor2D | undefined);
        const { value, grads } = valueAndGrads(f, inputs, go);
        assertClose(value, c.expected.output!, c.tolerance, "output");
        assertClose(grads[0]!, c.expected.grad_query!, c.tolerance, "grad_query");
        if (withRef) assertClose(grads[1]!, c.expected.grad_ref!, c.tolerance, "grad_ref");
      });
    });
  }
});

describe("LpDistance", () => {
  it("knows it is a distance (isInverted false) and names its settings", () => {
    const d = new LpDistance({ power: 2, normalizeEmbeddings: false });
    assert.equal(d.isInverted, false);
    assert.equal(d.name, "LpDistance(p=2, power=2, unnormalized)");
    // margin(x, y) = y − x: a distance of 0.2 is 0.3 closer than one of 0.5.
    assert.ok(Math.abs(d.margin(0.2, 0.5) - 0.3) < 1e-12);
  });

  it("matches the float64 loop on the Gram path (more than 25 rows), with an exact zero diagonal", () => {
    const x = gaussian(7, 40, 16);
    const ref = gaussian(8, 30, 16);
    const xn = l2normalize(x);
    const rn = l2normalize(ref);
    tf.tidy(() => {
      const d = new LpDistance();
      const self = d.matrix(tf.tensor2d(x)).arraySync();
      const cross = d.matrix(tf.tensor2d(x), tf.tensor2d(ref)).arraySync();
      assert.ok(maxDiff(self, xn.map((a) => xn.map((b) => euclid(a, b)))) < 1e-5);
      assert.ok(maxDiff(cross, xn.map((a) => rn.map((b) => euclid(a, b)))) < 1e-5);
      self.forEach((row, i) => assert.equal(row[i], 0));
    });
  });

  it("gives finite gradients at zero distance: the diagonal and duplicated rows, on both paths", () => {
    for (const n of [6, 30]) {
      const x = gaussian(11, n, 5);
      x[1] = x[0]!.slice(); // two identical embeddings
      tf.tidy(() => {
        for (const d of [new LpDistance(), new LpDistance({ normalizeEmbeddings: false }), new LpDistance({ p: 1 })]) {
          const g = tf.grad((e: tf.Tensor) => tf.sum(d.matrix(e as tf.Tensor2D)))(tf.tensor2d(x));
          assert.ok(Array.from(g.dataSync()).every(Number.isFinite), `${d.name} with ${n} rows`);
        }
      });
    }
  });

  it("p = 1 and power = 2 follow the definition ‖q − r‖₁² on unnormalised rows", () => {
    const x = gaussian(3, 5, 4);
    const y = gaussian(4, 3, 4);
    const expected = x.map((a) => y.map((b) => a.reduce((s, v, k) => s + Math.abs(v - b[k]!), 0) ** 2));
    const got = tf.tidy(() => new LpDistance({ p: 1, power: 2, normalizeEmbeddings: false }).matrix(tf.tensor2d(x), tf.tensor2d(y)).arraySync());
    assert.ok(maxDiff(got, expected) < 1e-4);
  });

  it("pairs(q, r)[i] equals matrix(q, r)[i, i]", () => {
    const q = gaussian(5, 6, 3);
    const r = gaussian(6, 6, 3);
    tf.tidy(() => {
      for (const d of [new LpDistance(), new LpDistance({ power: 2, normalizeEmbeddings: false }), new CosineSimilarityDistance()]) {
        const m = d.matrix(tf.tensor2d(q), tf.tensor2d(r)).arraySync();
        const p = Array.from(d.pairs(tf.tensor2d(q), tf.tensor2d(r)).dataSync());
        assert.ok(maxDiff(p, m.map((row, i) => row[i]!)) < 1e-5, d.name);
      }
    });
  });

  it("refuses bad options with the option's name", () => {
    assert.throws(() => new LpDistance({ p: 0 }), /LpDistance: 'p' must be a finite number > 0, but got 0/);
    assert.throws(() => new LpDistance({ power: -1 }), /'power' must be/);
    assert.throws(() => new LpDistance({ normalizeEmbeddings: "yes" as unknown as boolean }), TypeError);
    assert.throws(() => new LpDistance({ q: 2 } as never), /unknown key 'q'/);
  });

  it("leaves no tensor behind", () => {
    const x = tf.tensor2d(gaussian(9, 30, 4));
    assertNoLeak(() => {
      new LpDistance().matrix(x).dispose();
      tf.grad((e: tf.Tensor) => tf.sum(new LpDistance().matrix(e as tf.Tensor2D)))(x).dispose();
    });
    x.dispose();
  });
});

describe("CosineSimilarityDistance and DotProductSimilarity", () => {
  it("are similarities (isInverted true) whose margin reads x − y", () => {
    const c = new CosineSimilarityDistance();
    assert.equal(c.isInverted, true);
    assert.equal(c.normalizeEmbeddings, true);
    assert.ok(Math.abs(c.margin(0.9, 0.4) - 0.5) < 1e-12);
  });

  it("cosine: a hand-worked 2 × 2 case, cos(45°) = 0.7071", () => {
    const m = tf.tidy(() => new CosineSimilarityDistance().matrix(tf.tensor2d([[1, 0], [1, 1]])).arraySync());
    assertClose(m.flat(), [1, Math.SQRT1_2, Math.SQRT1_2, 1], { rtol: 1e-6, atol: 1e-7 }, "cosine");
  });

  it("dot product normalises by default (as PML) and not when asked", () => {
    const x = gaussian(21, 4, 3);
    const y = gaussian(22, 5, 3);
    tf.tidy(() => {
      const raw = new DotProductSimilarity({ normalizeEmbeddings: false }).matrix(tf.tensor2d(x), tf.tensor2d(y)).arraySync();
      assert.ok(maxDiff(raw, x.map((a) => y.map((b) => dot(a, b)))) < 1e-5);
      const def = new DotProductSimilarity().matrix(tf.tensor2d(x), tf.tensor2d(y)).arraySync();
      const xn = l2normalize(x);
      const yn = l2normalize(y);
      assert.ok(maxDiff(def, xn.map((a) => yn.map((b) => dot(a, b)))) < 1e-6);
    });
  });

  it("refuses options it does not have", () => {
    assert.throws(() => new CosineSimilarityDistance({ normalizeEmbeddings: false } as never), /CosineSimilarityDistance: 'options'/);
    assert.throws(() => new DotProductSimilarity({ p: 2 } as never), /unknown key 'p'/);
  });
});
