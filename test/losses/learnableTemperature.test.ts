import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { CLIP_MAX_LOGIT_SCALE, clipInfoNceLoss, infoNceLoss, learnableTemperature, multipleNegativesRankingLoss } from "semantic-gps";
import { assertClose, assertNoLeak } from "../helpers/fixtures";
import { normalMatrix } from "../helpers/seededRandom";

/** Pairs whose positives are noisy copies of the anchors: a sharper softmax lowers the loss. */
function alignedPairs(seed: number, n: number, d: number): [number[][], number[][]] {
  const a = normalMatrix(seed, n, d);
  const b = normalMatrix(seed + 1, n, d).map((r, i) => r.map((v, k) => Math.fround(a[i]![k]! + 0.3 * v)));
  return [a, b];
}

describe("learnableTemperature", () => {
  it("starts at CLIP's temperature 0.07, stored as logScale = log(1/0.07)", () => {
    const tau = learnableTemperature();
    assertClose([tau.value()], [0.07], { rtol: 1e-6, atol: 0 }, "temperature");
    assertClose(tau.logScale, [Math.log(1 / 0.07)], { rtol: 1e-6, atol: 0 }, "logScale");
    assert.equal(tau.maxScale, CLIP_MAX_LOGIT_SCALE);
    tau.dispose();
  });

  it("gives the same loss as the fixed temperature it holds, passed as 'temperature' or as 'scale'", () => {
    const [a, b] = alignedPairs(1, 8, 4);
    const tau = learnableTemperature({ initialTemperature: 0.2 });
    tf.tidy(() => {
      const fixed = clipInfoNceLoss(a, b, { temperature: 0.2 }).dataSync()[0]!;
      assertClose(clipInfoNceLoss(a, b, { temperature: tau }), fixed, { rtol: 1e-5, atol: 1e-6 }, "clip, temperature");
      assertClose(clipInfoNceLoss(a, b, { scale: tau }), fixed, { rtol: 1e-5, atol: 1e-6 }, "clip, scale");
      assertClose(infoNceLoss(a, b, { scale: tau.scale() }), infoNceLoss(a, b, { temperature: 0.2 }).dataSync()[0]!, { rtol: 1e-5, atol: 1e-6 }, "infoNce");
      assertClose(multipleNegativesRankingLoss(a, b, { temperature: tau }), multipleNegativesRankingLoss(a, b, { scale: 5 }).dataSync()[0]!, { rtol: 1e-5, atol: 1e-6 }, "mnrl");
    });
    tau.dispose();
  });

  it("receives a gradient: one optimizer step changes it and lowers the loss on aligned pairs", () => {
    const [a, b] = alignedPairs(2, 16, 8);
    const tau = learnableTemperature({ initialTemperature: 0.5 });
    const before = tau.logScale.dataSync()[0]!;
    const lossBefore = tf.tidy(() => clipInfoNceLoss(a, b, { temperature: tau }).dataSync()[0]!);
    const opt = tf.train.sgd(0.5);
    opt.minimize(() => clipInfoNceLoss(a, b, { temperature: tau }), false, [tau.logScale]);
    tau.clamp();
    const after = tau.logScale.dataSync()[0]!;
    assert.ok(after > before, `logScale should grow on well-aligned pairs (${before} → ${after})`);
    const lossAfter = tf.tidy(() => clipInfoNceLoss(a, b, { temperature: tau }).dataSync()[0]!);
    assert.ok(lossAfter < lossBefore, `loss ${lossBefore} → ${lossAfter}`);
    opt.dispose();
    tau.dispose();
  });

  it("never scales the logits by more than 100: scale() clips, clamp() projects the variable back", () => {
    const tau = learnableTemperature();
    tau.logScale.assign(tf.scalar(Math.log(1000)));
    tf.tidy(() => assertClose(tau.scale(), [100], { rtol: 1e-6, atol: 0 }, "clipped scale"));
    tau.clamp();
    assertClose(tau.logScale, [Math.log(100)], { rtol: 1e-6, atol: 0 }, "projected logScale");
    assertClose([tau.value()], [0.01], { rtol: 1e-5, atol: 0 }, "temperature at the bound");
    tau.dispose();
  });

  it("stays within the bound through many large steps that push the scale up", () => {
    // a = b with every other row at cosine 1/(1 + (1/3)²) = 0.9: the loss falls as the scale grows,
    // without limit, and the gradient is large enough for SGD to reach the bound in a few steps
    const k = 1 / 3;
    const a = [[1, k, 0, 0], [1, 0, k, 0], [1, 0, 0, k]];
    const b = a;
    const tau = learnableTemperature();
    const opt = tf.train.sgd(50);
    for (let step = 0; step < 20; step++) {
      opt.minimize(() => clipInfoNceLoss(a, b, { temperature: tau }), false, [tau.logScale]);
      tau.clamp();
      const s = tf.tidy(() => tau.scale().dataSync()[0]!);
      assert.ok(s <= CLIP_MAX_LOGIT_SCALE * (1 + 1e-6), `step ${step}: scale ${s}`);
      assert.ok(tau.logScale.dataSync()[0]! <= Math.log(CLIP_MAX_LOGIT_SCALE) + 1e-6);
    }
    assertClose(tf.tidy(() => tau.scale()), [100], { rtol: 1e-5, atol: 0 }, "pushed to the bound");
    opt.dispose();
    tau.dispose();
  });

  it("honours initialTemperature, maxScale, minScale and trainable", () => {
    const tau = learnableTemperature({ initialTemperature: 0.1, maxScale: 20, minScale: 2, trainable: false });
    assertClose([tau.value()], [0.1], { rtol: 1e-6, atol: 0 }, "initial");
    assert.equal(tau.logScale.trainable, false);
    tau.logScale.assign(tf.scalar(Math.log(50)));
    tf.tidy(() => assertClose(tau.scale(), [20], { rtol: 1e-6, atol: 0 }, "maxScale"));
    tau.logScale.assign(tf.scalar(0));
    tf.tidy(() => assertClose(tau.scale(), [2], { rtol: 1e-6, atol: 0 }, "minScale"));
    tau.dispose();
  });

  it("refuses a temperature ≤ 0, one outside [1/maxScale, 1/minScale], minScale > maxScale and bad kinds", () => {
    assert.throws(() => learnableTemperature({ initialTemperature: 0 }), /learnableTemperature: 'initialTemperature' must be a finite number > 0/);
    assert.throws(() => learnableTemperature({ initialTemperature: 0.001 }), /'initialTemperature' must be between 1\/maxScale \(0.01\) and 1\/minScale \(1\)/);
    assert.throws(() => learnableTemperature({ minScale: 10, maxScale: 5, initialTemperature: 0.15 }), /'minScale' must be at most 'maxScale' \(5\)/);
    assert.throws(() => learnableTemperature({ trainable: "yes" as never }), /'trainable' must be a boolean/);
  });

  it("leaves no tensor behind: scale(), temperature(), value(), clamp(), and dispose() frees the variable", () => {
    const before = tf.memory().numTensors;
    const tau = learnableTemperature();
    assert.equal(tf.memory().numTensors, before + 1, "one variable");
    assertNoLeak(() => {
      tau.scale().dispose();
      tau.temperature().dispose();
      tau.value();
      tau.clamp();
    }, "methods");
    tau.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});
