/** Runs every pml_losses.json case of one op through one of our losses (values and gradients). */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { CosineSimilarityDistance, LpDistance } from "semantic-gps";
import { assertClose, loadCases, toTensor, valueAndGrads } from "../helpers/fixtures";
import { pmlCaseOptions, type LabelLoss } from "../helpers/metricLearning";

const DISTANCES = { lp: (k: Record<string, unknown>) => new LpDistance(k), cosine: () => new CosineSimilarityDistance() };

export function pmlFixtureSuite(op: string, ours: string, loss: LabelLoss, rename: Record<string, string>): void {
  describe(`${ours} agrees with PML's ${op.replace("pml.", "")} (pml_losses.json)`, () => {
    const cases = loadCases("pml_losses.json", op);
    assert.ok(cases.length >= 2, `no cases for ${op}`);
    for (const c of cases) {
      it(`${c.name}: loss and gradient within rtol ${c.tolerance.rtol}, atol ${c.tolerance.atol}`, () => {
        tf.tidy(() => {
          const opts = pmlCaseOptions(c.params, c.inputs, rename, DISTANCES);
          const labels = toTensor(c.inputs.labels!);
          const { value, grads } = valueAndGrads((e) => loss(e!, labels, opts), [toTensor(c.inputs.embeddings!)]);
          assertClose(value, c.expected.loss!, c.tolerance, "loss");
          assertClose(grads[0]!, c.expected.grad_embeddings!, c.tolerance, "grad_embeddings");
        });
      });
    }
  });
}
