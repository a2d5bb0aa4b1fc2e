import "../helpers/setup";
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
