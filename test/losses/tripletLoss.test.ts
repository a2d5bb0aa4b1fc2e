import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import {
  allTripletsIndices,
  CosineSimilarityDistance,
  LpDistance,
  meanReducer,
  noReducer,
  perAnchorReducer,
  sumReducer,
  thresholdReducer,
  tripletLoss,
  type Reducer,
  type TripletLossOptions,
} from "semantic-gps";
import { assertClose, assertNoLeak, loadCases, toTensor, valueAndGrads } from "../helpers/fixtures";
import { dot, euclid, gaussian, l2normalize, maxDiff, numericGrad, pmlCaseOptions, randomLabels, valueAndGrad } from "../helpers/metricLearning";

const DISTANCES = { lp: (k: Record<string, unknown>) => new LpDistance(k), cosine: () => new CosineSimilarityDistance() };
const RENAME = { margin: "margin", swap: "swap", smooth_loss: "smoothLoss", triplets_per_anchor: "tripletsPerAnchor" };

describe("tripletLoss agrees with PML's TripletMarginLoss (pml_losses.json)", () => {
  const cases = loadCases("pml_losses.json", "pml.TripletMarginLoss");
  assert.ok(cases.length >= 3);
  for (const c of cases) {
    it(`${c.name}: loss and gradient within rtol ${c.tolerance.rtol}, atol ${c.tolerance.atol}`, () => {
      tf.tidy(() => {
        const opts = pmlCaseOptions(c.params, c.inputs, RENAME, DISTANCES) as TripletLossOptions;
        const labels = toTensor(c.inputs.labels!);
        const { value, grads } = valueAndGrads((e) => tripletLoss(e!, labels, opts), [toTensor(c.inputs.embeddings!)]);
        assertClose(value, c.expected.loss!, c.tolerance, "loss");
        assertClose(grads[0]!, c.expected.grad_embeddings!, c.tolerance, "grad_embeddings");
      });
    });
  }
});

interface NaiveOptions {
  margin?: number;
  swap?: boolean;
  smooth?: boolean;
  cosine?: boolean;
  reduce?: "avgNonZero" | "mean" | "sum";
}

/** The obvious loop over every (a, p, n), float64. */
function naiveTriplet(x: number[][], y: number[], o: NaiveOptions = {}): number {
  const { margin = 0.05, swap = false, smooth = false, cosine = false, reduce = "avgNonZero" } = o;
  const xn = l2normalize(x);
  const m = (i: number, j: number): number => (cosine ? dot(xn[i]!, xn[j]!) : euclid(xn[i]!, xn[j]!));
  const losses: number[] = [];
  for (let a = 0; a < x.length; a++) {
    for (let p = 0; p < x.length; p++) {
      if (p === a || y[p] !== y[a]) continue;
      for (let n = 0; n < x.length; n++) {
        if (y[n] === y[a]) continue;
        let an = m(a, n);
        if (swap) an = cosine ? Math.max(an, m(p, n)) : Math.min(an, m(p, n));
        const v = cosine ? an - m(a, p) + margin : m(a, p) - an + margin;
        losses.push(smooth ? Math.log1p(Math.exp(v)) : Math.max(v, 0));
      }
    }
  }
  const sum = (v: number[]): number => v.reduce((s, t) => s + t, 0);
  if (reduce === "sum") return sum(losses);
  if (reduce === "mean") return losses.length ? sum(losses) / losses.length : 0;
  const nz = losses.filter((l) => l > 0);
  return nz.length ? sum(nz) / nz.length : 0;
}

describe("tripletLoss", () => {
  it("a hand-worked case: 1-D points 0, 0.1 | 0.3 with margin 0.5 give 0.35", () => {
    // (0,1,2): d_ap 0.1 − d_an 0.3 + 0.5 = 0.3;  (1,0,2): 0.1 − 0.2 + 0.5 = 0.4;  mean of non-zero = 0.35
    const v = tf.tidy(() => tripletLoss([[0], [0.1], [0.3]], [0, 0, 1], { margin: 0.5, distance: new LpDistance({ normalizeEmbeddings: false }) }).dataSync()[0]!);
    assert.ok(Math.abs(v - 0.35) < 1e-6);
  });

  const variants: [string, NaiveOptions, TripletLossOptions][] = [
    ["default", {}, {}],
    ["margin 0.3 with swap", { margin: 0.3, swap: true }, { margin: 0.3, swap: true }],
    ["smooth loss", { smooth: true }, { smoothLoss: true }],
    ["cosine similarity with swap", { cosine: true, swap: true, margin: 0.2 }, { distance: new CosineSimilarityDistance(), swap: true, margin: 0.2 }],
    ["mean reducer", { reduce: "mean", margin: 0.4 }, { reducer: meanReducer(), margin: 0.4 }],
    ["sum reducer", { reduce: "sum", margin: 0.4 }, { reducer: sumReducer(), margin: 0.4 }],
  ];
  for (const [label, naive, opts] of variants) {
    it(`agrees with the naive triplet loop (${label}), value and gradient, over seeds and shapes`, () => {
      for (const [seed, n, d, k] of [[1, 10, 4, 3], [2, 13, 3, 4], [3, 8, 5, 2]] as const) {
        const x = gaussian(seed, n, d);
        const y = randomLabels(seed + 50, n, k);
        const f = (m: number[][]): number => naiveTriplet(m, y, naive);
        const ours = valueAndGrad((e) => tripletLoss(e, y, opts), x);
        const tol = 1e-5 * Math.max(1, Math.abs(f(x)));
        assert.ok(Math.abs(ours.value - f(x)) < tol, `seed ${seed}: ${ours.value} vs ${f(x)}`);
        assert.ok(maxDiff(ours.grad, numericGrad(f, x)) < 2e-3, `seed ${seed} gradient`);
        // The same triplets listed explicitly give the same value (the listed path).
        const t = allTripletsIndices(y);
        const listed = valueAndGrad((e) => tripletLoss(e, null, { ...opts, indicesTuple: t }), x);
        assert.ok(Math.abs(listed.value - ours.value) < tol && maxDiff(listed.grad, ours.grad) < 1e-5, `seed ${seed} listed: ${listed.value} vs ${ours.value}`);
      }
    });
  }

  it("agrees with the loop on a larger batch (Gram path of the distance, 40 rows)", () => {
    const x = gaussian(9, 40, 6);
    const y = randomLabels(19, 40, 5);
    const v = tf.tidy(() => tripletLoss(x, y, { margin: 0.2 }).dataSync()[0]!);
    assert.ok(Math.abs(v - naiveTriplet(x, y, { margin: 0.2 })) < 1e-5);
  });

  it("a label with a single member is never an anchor, only a negative", () => {
    const x = gaussian(4, 7, 3);
    const y = [0, 0, 0, 1, 1, 2, 3];
    const v = tf.tidy(() => tripletLoss(x, y, { margin: 0.5 }).dataSync()[0]!);
    assert.ok(Math.abs(v - naiveTriplet(x, y, { margin: 0.5 })) < 1e-5);
  });

  it("a batch with no positive pair gives 0 with a finite (zero) gradient, on both paths", () => {
    for (const reducer of [undefined, noReducer(), perAnchorReducer()] as (Reducer | undefined)[]) {
      const { grad } = tf.tidy(() => {
        const x = tf.tensor2d(gaussian(5, 5, 3));
        const g = tf.grad((e: tf.Tensor) => tf.sum(tripletLoss(e, [0, 1, 2, 3, 4], { reducer })))(x);
        return { grad: Array.from(g.dataSync()) };
      });
      assert.ok(grad.every((v) => v === 0));
    }
    assert.equal(tf.tidy(() => tripletLoss(gaussian(5, 5, 3), [0, 1, 2, 3, 4]).dataSync()[0]), 0);
  });

  it("builds triplets from mined pairs: every positive and negative pair sharing an anchor", () => {
    const x = gaussian(6, 5, 3);
    const xn = l2normalize(x);
    // positive pairs (0,1), (2,3); negative pairs (0,4), (0,2), (3,4): only anchor 0 has both → (0,1,4), (0,1,2)
    const tuple = [[0, 2], [1, 3], [0, 0, 3], [4, 2, 4]];
    const out = tf.tidy(() => Array.from(tripletLoss(x, null, { indicesTuple: tuple, reducer: noReducer(), margin: 1 }).dataSync()));
    const d = (i: number, j: number): number => euclid(xn[i]!, xn[j]!);
    const expected = [d(0, 1) - d(0, 4) + 1, d(0, 1) - d(0, 2) + 1].map((v) => Math.max(v, 0));
    assert.ok(maxDiff(out, expected) < 1e-5);
  });

  it("with a threshold reducer keeps only losses strictly inside (low, high)", () => {
    const x = gaussian(7, 9, 3);
    const y = [0, 0, 0, 1, 1, 1, 2, 2, 2];
    const all = tf.tidy(() => Array.from(tripletLoss(x, y, { margin: 0.5, reducer: noReducer() }).dataSync()));
    const kept = all.filter((l) => l > 0.2 && l < 0.8);
    const v = tf.tidy(() => tripletLoss(x, y, { margin: 0.5, reducer: thresholdReducer({ low: 0.2, high: 0.8 }) }).dataSync()[0]!);
    assert.ok(kept.length > 0 && Math.abs(v - kept.reduce((s, l) => s + l, 0) / kept.length) < 1e-5);
  });

  it("with a reference set takes positives and negatives from it (query × reference distances)", () => {
    const q = gaussian(8, 3, 3);
    const r = gaussian(9, 5, 3);
    const yq = [0, 1, 0];
    const yr = [0, 1, 1, 0, 2];
    const qn = l2normalize(q);
    const rn = l2normalize(r);
    const losses: number[] = [];
    qn.forEach((a, i) => rn.forEach((p, j) => {
      if (yr[j] !== yq[i]) return;
      rn.forEach((n, k) => {
        if (yr[k] !== yq[i]) losses.push(Math.max(euclid(a, p) - euclid(a, n) + 0.5, 0));
      });
    }));
    const v = tf.tidy(() => tripletLoss(q, yq, { refEmbeddings: r, refLabels: yr, margin: 0.5, reducer: meanReducer() }).dataSync()[0]!);
    assert.ok(Math.abs(v - losses.reduce((s, l) => s + l, 0) / losses.length) < 1e-5);
  });

  it("refuses bad input, naming the function and the argument", () => {
    const x = gaussian(10, 4, 2);
    assert.throws(() => tripletLoss(x, [0, 1]), /tripletLoss: 'labels' must be one label per row of 'embeddings' \(4\), but got 2 labels/);
    assert.throws(() => tripletLoss(x, [0, 1, 1, "a"] as never), /tripletLoss: 'labels' must be integer labels/);
    assert.throws(() => tripletLoss([[[1]]], [0]), /'embeddings' must be a rank-2/);
    assert.throws(() => tripletLoss([[Infinity, 1]], [0]), /must be finite/);
    assert.throws(() => tripletLoss([], []), /'embeddings' must be non-empty/);
    assert.throws(() => tripletLoss(x, null, { indicesTuple: [[0], [1], [-1]] }), /'indicesTuple\[2\]' must be integer indices in \[0, 4\) \(rows of 'embeddings'\), but got -1 at \[0\]/);
    assert.throws(() => tripletLoss(x, null, { indicesTuple: [[0, 1], [1], [2]] }), /'indicesTuple\[1\]' must be the same length as 'indicesTuple\[0\]' \(2\)/);
    assert.throws(() => tripletLoss(x, [0, 0, 1, 1], { tripletsPerAnchor: 5 as never }), /'tripletsPerAnchor' must be one of "all"/);
    assert.throws(() => tripletLoss(x, [0, 0, 1, 1], { distance: "cosine" as never }), /'distance' must be a distance object/);
    assert.throws(() => tripletLoss(x, [0, 0, 1, 1], { swap: 1 as never }), /'swap' must be a boolean/);
  });

  it("accepts tensors and plain arrays alike", () => {
    const x = gaussian(11, 6, 3);
    const y = [0, 0, 1, 1, 2, 2];
    const a = tf.tidy(() => tripletLoss(x, y).dataSync()[0]!);
    const b = tf.tidy(() => tripletLoss(tf.tensor2d(x), tf.tensor1d(y, "int32")).dataSync()[0]!);
    assert.equal(a, b);
  });

  it("leaves no tensor behind, on the fused and the listed path, with gradients", () => {
    const x = tf.tensor2d(gaussian(12, 30, 4));
    const y = randomLabels(2, 30, 4);
    assertNoLeak(() => {
      for (const opts of [{}, { swap: true }, { reducer: noReducer() }, { indicesTuple: allTripletsIndices(y), swap: true }] as TripletLossOptions[]) {
        tripletLoss(x, y, opts).dispose();
        tf.grad((e: tf.Tensor) => tf.sum(tripletLoss(e, y, opts)))(x).dispose();
      }
    });
    x.dispose();
  });

  it("gives finite gradients when an anchor and its positive coincide (zero distance)", () => {
    const x = gaussian(13, 30, 3);
    x[1] = x[0]!.slice();
    const y = randomLabels(5, 30, 3);
    y[1] = y[0]!;
    for (const opts of [{}, { swap: true }, { reducer: noReducer() }] as TripletLossOptions[]) {
      const { grad } = tf.tidy(() => ({ grad: Array.from(tf.grad((e: tf.Tensor) => tf.sum(tripletLoss(e, y, opts)))(tf.tensor2d(x)).dataSync()) }));
      assert.ok(grad.every(Number.isFinite));
    }
  });
});
