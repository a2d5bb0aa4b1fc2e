import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { normalize, pairwiseDistance } from "semantic-gps";
import { assertClose, loadCases, toTensor, valueAndGrads } from "../helpers/fixtures";

describe("pairwiseDistance agrees with F.pairwise_distance (distances.json, tutorial.json)", () => {
  const cases = [...loadCases("distances.json", "pairwise_distance"), ...loadCases("tutorial.json", "pairwise_distance")];
  for (const c of cases) {
    it(`${c.name}: value and gradients within rtol ${c.tolerance.rtol}, atol ${c.tolerance.atol}`, () => {
      tf.tidy(() => {
        const opts = { p: c.params.p as number, eps: c.params.eps as number, keepdim: c.params.keepdim as boolean };
        const x1 = toTensor(c.inputs.x1!);
        const x2 = toTensor(c.inputs.x2!);
        const go = c.inputs.grad_output ? toTensor(c.inputs.grad_output) : undefined;
        const { value, grads } = valueAndGrads((a, b) => pairwiseDistance(a!, b!, opts), [x1, x2], go);
        assertClose(value, c.expected.output!, c.tolerance, "output");
        if (c.expected.grad_x1) assertClose(grads[0]!, c.expected.grad_x1, c.tolerance, "grad_x1");
        if (c.expected.grad_x2) assertClose(grads[1]!, c.expected.grad_x2, c.tolerance, "grad_x2");
      });
    });
  }
});

describe("normalize agrees with F.normalize (distances.json)", () => {
  for (const c of loadCases("distances.json", "normalize")) {
    it(`${c.name}: value and gradient`, () => {
      tf.tidy(() => {
        const x = toTensor(c.inputs.input ?? c.inputs.x!);
        const opts: Record<string, number> = {};
        for (const k of ["p", "dim", "eps"]) if (typeof c.params[k] === "number") opts[k] = c.params[k] as number;
        const go = c.inputs.grad_output ? toTensor(c.inputs.grad_output) : undefined;
        const { value, grads } = valueAndGrads((a) => normalize(a!, opts), [x], go);
        assertClose(value, c.expected.output!, c.tolerance, "output");
        const g = c.expected.grad_input ?? c.expected.grad_x;
        if (g) assertClose(grads[0]!, g, c.tolerance, "grad");
      });
    });
  }
});

describe("normalize: the small-matrix JS pass and the backend ops agree", () => {
  it("gives the same values and gradients on both sides of the size switch, zero and tiny rows included", () => {
    tf.tidy(() => {
      // 260 × 128 rows go through the backend ops (more than 32,768 values); the first 200 in one JS pass.
      const rows = 260;
      const base = tf.randomNormal([rows, 128], 0, 1, "float32", 7) as tf.Tensor2D;
      const mask = tf.tensor2d(Array.from({ length: rows }, (_, r) => (r === 3 ? 0 : r === 5 ? 1e-14 : 1)), [rows, 1]);
      const x = tf.mul(base, mask) as tf.Tensor2D;
      const w = tf.randomNormal([rows, 128], 0, 1, "float32", 8) as tf.Tensor2D;
      const run = (t: tf.Tensor2D, wt: tf.Tensor2D) => tf.valueAndGrads((a: tf.Tensor) => tf.sum(tf.mul(normalize(a), wt)) as tf.Scalar)([t]);
      const big = run(x, w);
      const xs = tf.slice(x, [0, 0], [200, 128]);
      const ws = tf.slice(w, [0, 0], [200, 128]);
      const small = run(xs as tf.Tensor2D, ws as tf.Tensor2D);
      const pick = (t: tf.Tensor) => tf.slice(t, [0, 0], [200, 128]);
      assertClose(normalize(xs), Array.from(pick(normalize(x)).dataSync()), { rtol: 1e-6, atol: 1e-7 }, "values");
      assertClose(small.grads[0]!, Array.from(pick(big.grads[0]!).dataSync()), { rtol: 1e-5, atol: 1e-6 }, "gradients");
      const g = small.grads[0]!.arraySync() as number[][];
      // A zero row: zero output, and its gradient is dy / eps through the division only (no NaN).
      const wr = ws.arraySync() as number[][];
      for (let c = 0; c < 128; c++) assert.equal(g[3]![c], Math.fround(wr[3]![c]! / Math.fround(1e-12)));
      // A row whose norm is below eps is divided by eps: its gradient too.
      for (let c = 0; c < 128; c++) assert.ok(Math.abs(g[5]![c]! - wr[5]![c]! / Math.fround(1e-12)) <= 1e-6 * Math.abs(g[5]![c]!));
    });
  });
});
