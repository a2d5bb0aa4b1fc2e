import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { contrastiveLoss, CosineSimilarityDistance, LpDistance, meanReducer, noReducer, type ContrastiveLossOptions } from "semantic-gps";
import { assertClose, assertNoLeak, loadCases, toTensor, valueAndGrads } from "../helpers/fixtures";
import { euclid, gaussian, l2normalize, maxDiff, numericGrad, pmlCaseOptions, randomLabels, valueAndGrad } from "../helpers/metricLearning";

const DISTANCES = { lp: (k: Record<string, unknown>) => new LpDistance(k), cosine: () => new CosineSimilarityDistance() };

describe("contrastiveLoss agrees with PML's ContrastiveLoss (pml_losses.json)", () => {
  const cases = loadCases("pml_losses.json", "pml.ContrastiveLoss");
  assert.ok(cases.length >= 2);
  for (const c of cases) {
    it(`${c.name}: loss and gradient within rtol ${c.tolerance.rtol}, atol ${c.tolerance.atol}`, () => {
      tf.tidy(() => {
        const opts = pmlCaseOptions(c.params, c.inputs, { pos_margin: "posMargin", neg_margin: "negMargin" }, DISTANCES) as ContrastiveLossOptions;
        const labels = toTensor(c.inputs.labels!);
        const { value, grads } = valueAndGrads((e) => contrastiveLoss(e!, labels, opts), [toTensor(c.inputs.embeddings!)]);
        assertClose(value, c.expected.loss!, c.tolerance, "loss");
        assertClose(grads[0]!, c.expected.grad_embeddings!, c.tolerance, "grad_embeddings");
      });
    });
  }
});

/** The obvious loop: every ordered pair, hinge, mean of the non-zero terms per list, summed. */
function naiveContrastive(x: number[][], y: number[], posMargin = 0, negMargin = 1): number {
  const xn = l2normalize(x);
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < x.length; j++) {
      const d = euclid(xn[i]!, xn[j]!);
      if (y[i] === y[j] && i !== j) pos.push(Math.max(d - posMargin, 0));
      else if (y[i] !== y[j]) neg.push(Math.max(negMargin - d, 0));
    }
  }
  if (pos.length <= 1 && neg.length <= 1) return 0;
  const avgNonZero = (v: number[]): number => {
    const nz = v.filter((t) => t > 0);
    return nz.length ? nz.reduce((s, t) => s + t, 0) / nz.length : 0;
  };
  return avgNonZero(pos) + avgNonZero(neg);
}

describe("contrastiveLoss", () => {
  it("a hand-worked case: 1-D points 0, 0.3 | 1 give 0.3 + 0.3", () => {
    // positive pairs (0,1), (1,0): d = 0.3 → relu(0.3 − 0) = 0.3 each → mean 0.3
    // negative pairs: d(0,2) = 1 → relu(1 − 1) = 0; d(1,2) = 0.7 → 0.3; twice each → mean of non-zero 0.3
    const v = tf.tidy(() => contrastiveLoss([[0], [0.3], [1]], [0, 0, 1], { distance: new LpDistance({ normalizeEmbeddings: false }) }).dataSync()[0]);
    assert.ok(Math.abs(v! - 0.6) < 1e-6);
  });

  it("agrees with the naive pair loop, value and gradient, over seeds and shapes", () => {
    for (const [seed, n, d, k] of [[1, 12, 4, 3], [2, 9, 6, 4], [3, 16, 3, 2], [4, 30, 5, 6]] as const) {
      const x = gaussian(seed, n, d);
      const y = randomLabels(seed + 100, n, k);
      const ours = valueAndGrad((e) => contrastiveLoss(e, y, { posMargin: 0.1, negMargin: 0.9 }), x);
      const f = (m: number[][]): number => naiveContrastive(m, y, 0.1, 0.9);
      assert.ok(Math.abs(ours.value - f(x)) < 1e-5, `seed ${seed}: ${ours.value} vs ${f(x)}`);
      assert.ok(maxDiff(ours.grad, numericGrad(f, x)) < 1e-3, `seed ${seed} gradient`);
    }
  });

  it("a label with a single member only contributes negative pairs", () => {
    const x = gaussian(5, 7, 3);
    const y = [0, 0, 0, 1, 1, 2, 3];
    const v = tf.tidy(() => contrastiveLoss(x, y).dataSync()[0]!);
    assert.ok(Math.abs(v - naiveContrastive(x, y)) < 1e-5);
  });

  it("a batch with no positive pair (and all negatives inactive) gives 0 with a finite gradient", () => {
    const x = [[1, 0], [-1, 0], [0, 1]];
    const { value, grad } = valueAndGrad((e) => contrastiveLoss(e, [0, 1, 2], { negMargin: 0.5 }), x);
    assert.equal(value, 0);
    assert.ok(grad.flat().every((g) => g === 0));
  });

  it("applies PML's rule: with at most one pair in each list the loss is 0", () => {
    // pairs (0,1) and (0,2) only: one positive and one negative pair
    const { value, grad } = valueAndGrad((e) => contrastiveLoss(e, null, { indicesTuple: [[0], [1], [0], [2]] }), gaussian(6, 3, 2));
    assert.equal(value, 0);
    assert.ok(grad.flat().every(Number.isFinite));
  });

  it("with a cosine similarity the hinges flip: relu(posMargin − s) and relu(s − negMargin)", () => {
    const x = gaussian(7, 6, 3);
    const y = [0, 0, 1, 1, 2, 2];
    const xn = l2normalize(x);
    const pos: number[] = [];
    const neg: number[] = [];
    xn.forEach((a, i) => xn.forEach((b, j) => {
      const s = a.reduce((t, v, q) => t + v * b[q]!, 0);
      if (i !== j && y[i] === y[j]) pos.push(Math.max(0.8 - s, 0));
      else if (y[i] !== y[j]) neg.push(Math.max(s - 0.2, 0));
    }));
    const mean = (v: number[]): number => v.reduce((s, t) => s + t, 0) / v.length;
    const v = tf.tidy(() => contrastiveLoss(x, y, { distance: new CosineSimilarityDistance(), posMargin: 0.8, negMargin: 0.2, reducer: meanReducer() }).dataSync()[0]!);
    assert.ok(Math.abs(v - (mean(pos) + mean(neg))) < 1e-5);
  });

  it("counts a mined pair given twice twice, and returns every pair loss with noReducer", () => {
    const x = gaussian(8, 4, 3);
    const xn = l2normalize(x);
    const tuple = [[0, 0, 1], [1, 1, 0], [0, 2], [2, 3]];
    const out = tf.tidy(() => Array.from(contrastiveLoss(x, null, { indicesTuple: tuple, reducer: noReducer() }).dataSync()));
    const d = (i: number, j: number): number => euclid(xn[i]!, xn[j]!);
    const expected = [d(0, 1), d(0, 1), d(1, 0), Math.max(1 - d(0, 2), 0), Math.max(1 - d(2, 3), 0)];
    assert.ok(maxDiff(out, expected) < 1e-5);
  });

  it("uses refEmbeddings and refLabels as the other side of every pair, without self-exclusion", () => {
    const q = gaussian(9, 3, 2);
    const r = gaussian(10, 4, 2);
    const qn = l2normalize(q);
    const rn = l2normalize(r);
    const yq = [0, 1, 0];
    const yr = [0, 0, 1, 2];
    const pos: number[] = [];
    const neg: number[] = [];
    qn.forEach((a, i) => rn.forEach((b, j) => (yq[i] === yr[j] ? pos : neg).push(yq[i] === yr[j] ? euclid(a, b) : Math.max(1 - euclid(a, b), 0))));
    const mean = (v: number[]): number => v.reduce((s, t) => s + t, 0) / v.length;
    const v = tf.tidy(() => contrastiveLoss(q, yq, { refEmbeddings: r, refLabels: yr, reducer: meanReducer() }).dataSync()[0]!);
    assert.ok(Math.abs(v - (mean(pos) + mean(neg))) < 1e-5);
  });

  it("refuses bad input, naming the function and the argument", () => {
    const x = gaussian(11, 4, 2);
    assert.throws(() => contrastiveLoss(x, [0, 1, 0]), /contrastiveLoss: 'labels' must be one label per row of 'embeddings' \(4\), but got 3 labels/);
    assert.throws(() => contrastiveLoss(x, [0, 1, 0.5, 1]), /contrastiveLoss: 'labels' must be integer labels, but got 0.5 at \[2\]/);
    assert.throws(() => contrastiveLoss([1, 2, 3, 4], [0, 1, 0, 1]), /contrastiveLoss: 'embeddings' must be a rank-2/);
    assert.throws(() => contrastiveLoss([[NaN, 0], [1, 1]], [0, 1]), /'embeddings' must be finite \(no NaN or Infinity\), but got NaN at \[0,0\]/);
    assert.throws(() => contrastiveLoss([], []), /'embeddings' must be non-empty/);
    assert.throws(() => contrastiveLoss(x, null, { indicesTuple: [[0], [4], [1], [2]] }), /'indicesTuple\[1\]' must be integer indices in \[0, 4\)/);
    assert.throws(() => contrastiveLoss(x, null), /'labels' must be integer labels \(they may be left out only when 'indicesTuple' is given\)/);
    assert.throws(() => contrastiveLoss(x, [0, 1, 0, 1], { negMargin: "1" as unknown as number }), /'negMargin' must be a finite number/);
    assert.throws(() => contrastiveLoss(x, [0, 1, 0, 1], { margin: 1 } as never), /unknown key 'margin'/);
    assert.throws(() => contrastiveLoss(x, [0, 1, 0, 1], { refEmbeddings: gaussian(1, 3, 2) }), /'refLabels' must be given with 'refEmbeddings'/);
    assert.throws(() => contrastiveLoss(x, [0, 1, 0, 1], { refEmbeddings: gaussian(1, 3, 3), refLabels: [0, 1, 2] }), /'refEmbeddings' must be made of rows of the same length/);
  });

  it("accepts tensors as well as plain arrays, with the same value", () => {
    const x = gaussian(12, 6, 3);
    const y = [0, 0, 1, 1, 2, 2];
    const a = tf.tidy(() => contrastiveLoss(x, y).dataSync()[0]!);
    const b = tf.tidy(() => contrastiveLoss(tf.tensor2d(x), tf.tensor1d(y, "int32")).dataSync()[0]!);
    assert.equal(a, b);
  });

  it("leaves no tensor behind, with or without gradients", () => {
    const x = tf.tensor2d(gaussian(13, 30, 4));
    const y = randomLabels(3, 30, 4);
    assertNoLeak(() => {
      contrastiveLoss(x, y).dispose();
      tf.grad((e: tf.Tensor) => contrastiveLoss(e, y) as tf.Scalar)(x).dispose();
    });
    x.dispose();
  });

  it("gives finite gradients when embeddings coincide (zero distance)", () => {
    const x = gaussian(14, 30, 3);
    x[1] = x[0]!.slice();
    x[5] = x[0]!.slice();
    const y = randomLabels(4, 30, 3);
    y[1] = y[0]!;
    y[5] = (y[0]! + 1) % 3;
    const { grad } = valueAndGrad((e) => contrastiveLoss(e, y), x);
    assert.ok(grad.flat().every(Number.isFinite));
  });
});
