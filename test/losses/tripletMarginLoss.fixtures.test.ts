import "../helpers/setup";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { tripletMarginLoss, type Reduction } from "semantic-gps";
import { assertClose, loadCases, toTensor, valueAndGrads } from "../helpers/fixtures";

describe("tripletMarginLoss agrees with torch.nn.TripletMarginLoss (triplet_margin_loss.json, tutorial.json)", () => {
  const cases = [...loadCases("triplet_margin_loss.json", "triplet_margin_loss"), ...loadCases("tutorial.json", "triplet_margin_loss")];
  for (const c of cases) {
    it(`${c.name}: loss and gradients`, () => {
      tf.tidy(() => {
        const opts = {
          margin: c.params.margin as number | undefined,
          p: c.params.p as number | undefined,
          eps: c.params.eps as number | undefined,
          swap: c.params.swap as boolean | undefined,
          reduction: c.params.reduction as Reduction | undefined,
        };
        const inputs = [toTensor(c.inputs.anchor!), toTensor(c.inputs.positive!), toTensor(c.inputs.negative!)];
        const go = c.inputs.grad_output ? toTensor(c.inputs.grad_output) : undefined;
        const { value, grads } = valueAndGrads((a, p, n) => tripletMarginLoss(a!, p!, n!, opts), inputs, go);
        assertClose(value, c.expected.loss!, c.tolerance, "loss");
        ["anchor", "positive", "negative"].forEach((name, i) => {
          const g = c.expected[`grad_${name}`];
          if (g) assertClose(grads[i]!, g, c.tolerance, `grad_${name}`);
        });
      });
    });
  }
});
