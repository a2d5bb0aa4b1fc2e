import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { clipInfoNceLoss, infoNceLoss } from "semantic-gps";
import { assertClose, assertNoLeak, loadCases, toTensor, valueAndGrads } from "../helpers/fixtures";
import { normalMatrix } from "../helpers/seededRandom";
import { chainThroughCosines, diagonalCrossEntropy, diagonalCrossEntropyGrad, naiveLogits, transpose } from "../helpers/naiveInfoNce";

/** The symmetric loss and its gradients, by the float64 loops. */
function naiveClip(a: number[][], b: number[][], temperature: number) {
  const z = naiveLogits(a, b, 1 / temperature);
  const zt = transpose(z);
  const aToB = diagonalCrossEntropy(z);
  const bToA = diagonalCrossEntropy(zt);
  const gRow = diagonalCrossEntropyGrad(z);
  const gCol = transpose(diagonalCrossEntropyGrad(zt));
  const g = gRow.map((row, i) => row.map((v, j) => (v + gCol[i]![j]!) / 2));
  const { gq, gk } = chainThroughCosines(a, b, g, 1 / temperature);
  return { loss: (aToB + bToA) / 2, aToB, bToA, logits: z, ga: gq, gb: gk };
}

describe("clipInfoNceLoss agrees with the CLIP-style symmetric InfoNCE of infonce.json", () => {
  for (const c of loadCases("infonce.json", "clip_infonce")) {
    it(`${c.name}: loss, both directions, logits and gradients`, () => {
      tf.tidy(() => {
        const temperature = c.params.temperature as number;
        const inputs = [toTensor(c.inputs.a!), toTensor(c.inputs.b!)];
        const { value, grads } = valueAndGrads((a, b) => clipInfoNceLoss(a!, b!, { temperature }), inputs);
        assertClose(value, c.expected.loss!, c.tolerance, "loss");
        assertClose(grads[0]!, c.expected.grad_a!, c.tolerance, "grad_a");
        assertClose(grads[1]!, c.expected.grad_b!, c.tolerance, "grad_b");
        const parts = clipInfoNceLoss.parts(inputs[0]!, inputs[1]!, { temperature });
        assertClose(parts.loss, c.expected.loss!, c.tolerance, "parts.loss");
        assertClose(parts.lossAToB, c.expected.loss_a_to_b!, c.tolerance, "loss_a_to_b");
        assertClose(parts.lossBToA, c.expected.loss_b_to_a!, c.tolerance, "loss_b_to_a");
        assertClose(parts.logits, c.expected.logits!, c.tolerance, "logits");
        // one direction of CLIP is infoNceLoss
        assertClose(infoNceLoss(inputs[0]!, inputs[1]!, { temperature }), c.expected.loss_a_to_b!, c.tolerance, "infoNceLoss(a, b)");
        assertClose(infoNceLoss(inputs[1]!, inputs[0]!, { temperature }), c.expected.loss_b_to_a!, c.tolerance, "infoNceLoss(b, a)");
      });
    });
  }
});

describe("clipInfoNceLoss", () => {
  it("computes a hand-worked case: two orthogonal pairs at temperature 1", () => {
    // cos matrix = I; each row and column: log(e¹ + e⁰) − 1 = log(1 + e⁻¹) = 0.3132617.
    tf.tidy(() => {
      const parts = clipInfoNceLoss.parts([[1, 0], [0, 1]], [[2, 0], [0, 3]], { temperature: 1 });
      const expected = Math.log(1 + Math.exp(-1));
      assertClose(parts.loss, expected, { rtol: 1e-6, atol: 1e-7 }, "loss");
      assertClose(parts.lossAToB, expected, { rtol: 1e-6, atol: 1e-7 }, "a → b");
      assert.deepEqual(parts.logits.arraySync(), [[1, 0], [0, 1]]);
    });
  });

  for (const [seed, n, d, temperature] of [[1, 2, 3, 1], [2, 16, 8, 0.07], [3, 40, 32, 0.5], [4, 1, 4, 0.07], [5, 24, 16, 0.01]] as const) {
    it(`agrees with a naive float64 loop on random ${n}×${d} pairs at temperature ${temperature} (seed ${seed}), values and gradients`, () => {
      const a = normalMatrix(seed, n, d);
      // positives are noisy copies of the anchors, so the diagonal dominates as in training
      const b = normalMatrix(seed + 1, n, d).map((r, i) => r.map((v, k) => Math.fround(a[i]![k]! + 0.5 * v)));
      const ref = naiveClip(a, b, temperature);
      tf.tidy(() => {
        const parts = clipInfoNceLoss.parts(a, b, { temperature });
        const tol = { rtol: 1e-4, atol: 1e-5 };
        assertClose(parts.loss, ref.loss, tol, "loss");
        assertClose(parts.lossAToB, ref.aToB, tol, "a → b");
        assertClose(parts.lossBToA, ref.bToA, tol, "b → a");
        assertClose(parts.logits, ref.logits.flat(), { rtol: 1e-4, atol: 1e-4 }, "logits");
        const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => clipInfoNceLoss(x, y, { temperature }))([tf.tensor2d(a), tf.tensor2d(b)]);
        const gtol = { rtol: 1e-3, atol: 1e-4 };
        assertClose(ga!, ref.ga.flat(), gtol, "grad a");
        assertClose(gb!, ref.gb.flat(), gtol, "grad b");
      });
    });
  }

  it("is stable at temperature 0.01 even when logits reach ±100", () => {
    // a = b, orthogonal rows: logits 100 on the diagonal, 0 elsewhere; loss = log(1 + (N−1)e⁻¹⁰⁰) ≈ 0.
    tf.tidy(() => {
      const x = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
      const loss = clipInfoNceLoss(x, x, { temperature: 0.01 });
      assertClose(loss, 0, { rtol: 0, atol: 1e-7 }, "aligned");
      // swapped partners: every row's positive is at −100 against a +100 distractor → loss ≈ 200
      const loss2 = clipInfoNceLoss([[1, 0], [-1, 0]], [[-1, 0], [1, 0]], { temperature: 0.01 });
      assertClose(loss2, 200, { rtol: 1e-6, atol: 0 }, "anti-aligned");
      const [g] = tf.grads((y: tf.Tensor) => clipInfoNceLoss([[1, 0], [-1, 0]], y, { temperature: 0.01 }))([tf.tensor2d([[-1, 0.1], [1, 0.1]])]);
      assert.ok(g!.dataSync().every(Number.isFinite));
    });
  });

  it("uses temperature 0.07 by default, and 'scale' is 1/temperature", () => {
    const a = normalMatrix(7, 6, 4);
    const b = normalMatrix(8, 6, 4);
    tf.tidy(() => {
      const byDefault = clipInfoNceLoss(a, b).dataSync()[0]!;
      assertClose(clipInfoNceLoss(a, b, { temperature: 0.07 }), byDefault, { rtol: 0, atol: 0 }, "0.07");
      assertClose(clipInfoNceLoss(a, b, { scale: 1 / 0.07 }), byDefault, { rtol: 1e-6, atol: 1e-6 }, "scale");
    });
  });

  it("takes a scalar-tensor temperature and passes the gradient into it", () => {
    const a = normalMatrix(9, 5, 4);
    const b = normalMatrix(10, 5, 4);
    tf.tidy(() => {
      const t = tf.scalar(0.5);
      assertClose(clipInfoNceLoss(a, b, { temperature: t }), clipInfoNceLoss(a, b, { temperature: 0.5 }).dataSync()[0]!, { rtol: 1e-6, atol: 1e-7 }, "value");
      const g = tf.grad((x: tf.Tensor) => clipInfoNceLoss(a, b, { temperature: x as tf.Scalar }))(t).dataSync()[0]!;
      const h = 1e-3;
      const fd = (naiveClip(a, b, 0.5 + h).loss - naiveClip(a, b, 0.5 - h).loss) / (2 * h);
      assertClose([g], [fd], { rtol: 1e-3, atol: 1e-5 }, "∂loss/∂temperature against a central difference");
    });
  });

  it("returns detached diagnostics from parts: only 'loss' carries a gradient", () => {
    const a = normalMatrix(11, 4, 3);
    const b = normalMatrix(12, 4, 3);
    tf.tidy(() => {
      const x = tf.tensor2d(a);
      const gDiag = tf.grad((v: tf.Tensor) => {
        const p = clipInfoNceLoss.parts(v, b);
        return tf.add(tf.add(p.lossAToB, p.lossBToA), tf.sum(p.logits));
      })(x);
      assert.ok(gDiag.dataSync().every((v) => v === 0), "diagnostics are constants");
      const gLoss = tf.grad((v: tf.Tensor) => clipInfoNceLoss.parts(v, b).loss)(x);
      assertClose(gLoss, Array.from(tf.grad((v: tf.Tensor) => clipInfoNceLoss(v, b))(x).dataSync()), { rtol: 0, atol: 0 }, "parts.loss gradient");
    });
  });

  it("refuses both temperature and scale, and values ≤ 0, NaN or non-scalar tensors", () => {
    const x = [[1, 0], [0, 1]];
    assert.throws(() => clipInfoNceLoss(x, x, { temperature: 0.1, scale: 10 }), /clipInfoNceLoss: 'options' must be given 'temperature' or 'scale' \(= 1\/temperature\), not both/);
    assert.throws(() => clipInfoNceLoss(x, x, { temperature: 0 }), /clipInfoNceLoss: 'temperature' must be > 0 and finite, but got 0/);
    assert.throws(() => clipInfoNceLoss(x, x, { temperature: -0.1 }), RangeError);
    assert.throws(() => clipInfoNceLoss(x, x, { scale: 0 }), /'scale' must be > 0 and finite/);
    assert.throws(() => clipInfoNceLoss(x, x, { temperature: NaN }), /'temperature' must be > 0 and finite, but got NaN/);
    assert.throws(() => tf.tidy(() => clipInfoNceLoss(x, x, { temperature: tf.scalar(-1) })), /'temperature' must be > 0/);
    assert.throws(() => tf.tidy(() => clipInfoNceLoss(x, x, { temperature: tf.tensor1d([0.1, 0.2]) as never })), /'temperature' must be a number > 0, a scalar tensor > 0 or a LearnableTemperature/);
    assert.throws(() => clipInfoNceLoss(x, x, { temperature: "0.1" as never }), TypeError);
  });

  it("refuses different shapes, rank other than 2, NaN and an empty batch", () => {
    assert.throws(() => clipInfoNceLoss([[1, 0]], [[1, 0], [0, 1]]), /clipInfoNceLoss: 'b' must be the same shape as 'a'/);
    assert.throws(() => clipInfoNceLoss([1, 0], [1, 0]), /'a' must be a rank-2/);
    assert.throws(() => clipInfoNceLoss([[1, 0]], [[NaN, 0]]), /'b' must be finite/);
    assert.throws(() => clipInfoNceLoss([], []), /'a' must be non-empty/);
    assert.throws(() => clipInfoNceLoss([[1, 0]], [[1, 0]], { tau: 1 } as never), /unknown key 'tau'/);
  });

  it("leaves no tensor behind: the loss, its gradient, and parts once disposed", () => {
    const a = tf.tensor2d(normalMatrix(13, 6, 4));
    const b = tf.tensor2d(normalMatrix(14, 6, 4));
    assertNoLeak(() => clipInfoNceLoss(a, b).dispose(), "loss");
    assertNoLeak(() => clipInfoNceLoss([[1, 2]], [[2, 1]], { temperature: 0.5 }).dispose(), "plain arrays");
    assertNoLeak(() => tf.dispose(clipInfoNceLoss.parts(a, b)), "parts");
    assertNoLeak(() => tf.dispose(tf.grads((x: tf.Tensor, y: tf.Tensor) => clipInfoNceLoss(x, y))([a, b])), "backward");
    tf.dispose([a, b]);
  });
});
