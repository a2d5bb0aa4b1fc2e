/**
 * The vectorised WebAssembly kernels (src/internal/simd.ts) against the paths they replace: each
 * op is run with the kernels on and off (the TF.js flag WASM_KERNELS_FLAG), and values and
 * gradients must agree to float32 rounding. Shapes include sides that are not multiples of 4
 * (the scalar tails) and logits far apart (the exp's underflow). Elsewhere than on wasm both runs
 * take the same path, and the comparisons still hold.
 */
import "./helpers/setup";
import * as assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import {
  WASM_KERNELS_FLAG,
  backendInfo,
  clipInfoNceLoss,
  cosineSimilarityMatrix,
  createEncoder,
  crossEntropy,
  FusedAdam,
  LpDistance,
  CosineSimilarityDistance,
  batchHardMiner,
  contrastiveLoss,
  multipleNegativesRankingLoss,
  ntXentLoss,
  pairMarginMiner,
  ready,
} from "semantic-gps";
import { assertNoLeak } from "./helpers/fixtures";
import { normalMatrix } from "./helpers/seededRandom";

function withKernels<T>(on: boolean, body: () => T): T {
  const was = tf.env().getBool(WASM_KERNELS_FLAG);
  tf.env().set(WASM_KERNELS_FLAG, on);
  try {
    return body();
  } finally {
    tf.env().set(WASM_KERNELS_FLAG, was);
  }
}

/** Value and gradients of a scalar function of the inputs, as plain arrays. */
function run(f: (...xs: tf.Tensor[]) => tf.Scalar, inputs: number[][][]): { value: number; grads: Float32Array[] } {
  return tf.tidy(() => {
    const xs = inputs.map((x) => tf.tensor2d(x));
    const { value, grads } = tf.valueAndGrads((...t: tf.Tensor[]) => f(...t))(xs);
    return { value: value.dataSync()[0] as number, grads: grads.map((g) => Float32Array.from(g.dataSync())) };
  });
}

/** Each gradient of `on` within `tol` × its largest entry of the same gradient in `off` (and not all zero). */
function assertSameGradients(label: string, on: Float32Array[], off: Float32Array[], tol: number): void {
  on.forEach((g, k) => {
    const h = off[k] as Float32Array;
    let scale = 0;
    let worst = 0;
    for (let i = 0; i < h.length; i++) {
      scale = Math.max(scale, Math.abs(h[i] as number));
      worst = Math.max(worst, Math.abs((g[i] as number) - (h[i] as number)));
    }
    assert.ok(scale > 0, `${label}: gradient ${k} is zero`);
    assert.ok(worst <= tol * scale, `${label}: gradient ${k} differs by ${worst} (scale ${scale})`);
  });
}

/** Runs with the kernels on and off, and checks values and gradients agree (relative to each gradient's scale). */
function assertSamePaths(label: string, f: (...xs: tf.Tensor[]) => tf.Scalar, inputs: number[][][], rtol = 2e-6): void {
  const on = withKernels(true, () => run(f, inputs));
  const off = withKernels(false, () => run(f, inputs));
  assert.ok(Math.abs(on.value - off.value) <= rtol * Math.max(1, Math.abs(off.value)), `${label}: value ${on.value} vs ${off.value}`);
  assertSameGradients(label, on.grads, off.grads, 4 * rtol);
  withKernels(true, () => assertNoLeak(() => run(f, inputs), label));
}

describe("wasm kernels", () => {
  after(() => tf.env().set(WASM_KERNELS_FLAG, true));

  it("run on the wasm backend, and the flag turns them off", async () => {
    const info = await ready();
    assert.equal(info.simdKernels, info.name === "wasm");
    tf.env().set(WASM_KERNELS_FLAG, false);
    assert.equal(backendInfo().simdKernels, false);
    tf.env().set(WASM_KERNELS_FLAG, true);
    assert.equal(backendInfo().simdKernels, info.name === "wasm");
  });

  it("softmax cross-entropy: same values and gradients, any width", () => {
    for (const [n, c] of [[7, 5], [16, 128], [33, 29]] as const) {
      const z = normalMatrix(10 + n, n, c).map((row) => row.map((v) => 8 * v));
      const targets = Array.from({ length: n }, (_, i) => (i * 7) % c);
      assertSamePaths(`crossEntropy ${n}×${c}`, (x) => crossEntropy(x as tf.Tensor2D, targets) as tf.Scalar, [z]);
    }
  });

  it("the vectorised exp keeps softmax probabilities within 4 ulp of float64, and 0 where float32 underflows", () => {
    // softmax of [0, x] is [1, e^x] / (1 + e^x): the gradient of the cross-entropy against
    // class 0 holds e^x / (1 + e^x) in column 1, for x from −100 to 0.
    const xs = Array.from({ length: 4001 }, (_, i) => -100 + i / 40);
    const z = xs.map((x) => [0, Math.fround(x), -200, -200]);
    const g = withKernels(true, () =>
      tf.tidy(() => tf.grad((t: tf.Tensor) => crossEntropy(t as tf.Tensor2D, new Int32Array(z.length), { reduction: "sum" }))(tf.tensor2d(z)).dataSync().slice()),
    );
    let worstUlp = 0;
    xs.forEach((x, i) => {
      const xf = Math.fround(x);
      const want = Math.exp(xf) / (1 + Math.exp(xf));
      const got = g[4 * i + 1] as number;
      if (xf < -87.33) assert.ok(got === 0 || got < 2e-38, `x = ${xf}: ${got}`);
      else worstUlp = Math.max(worstUlp, Math.abs(got - want) / (want * 2 ** -23));
      assert.equal(g[4 * i + 2], 0);
    });
    // Two roundings of exp, one of the sum and one of the division: a few ulp in all.
    assert.ok(worstUlp <= 4, `worst error ${worstUlp} ulp`);
  });

  it("CLIP InfoNCE: same values and gradients, with one shift and with per-row shifts", () => {
    for (const [n, d, temperature] of [[12, 8, 0.07], [19, 6, 0.07], [16, 4, 0.01]] as const) {
      const a = normalMatrix(n, n, d);
      const b = normalMatrix(n + 100, n, d);
      assertSamePaths(`clip ${n}×${d} τ ${temperature}`, (x, y) => clipInfoNceLoss(x as tf.Tensor2D, y as tf.Tensor2D, { temperature }), [a, b]);
    }
  });

  it("MNRL with hard negatives: same values and gradients (rectangular scores)", () => {
    const a = normalMatrix(1, 12, 8);
    const p = normalMatrix(2, 12, 8);
    const neg = normalMatrix(3, 5, 8);
    assertSamePaths("mnrl 12 + 5", (x, y, z) => multipleNegativesRankingLoss(x as tf.Tensor2D, y as tf.Tensor2D, { negative: z as tf.Tensor2D }), [a, p, neg]);
  });

  it("NT-Xent's fused pass (a batch of 160 and more): same values and gradients", () => {
    const labels = Array.from({ length: 160 }, (_, i) => i % 10);
    const x = normalMatrix(160, 160, 16);
    for (const temperature of [0.07, 0.5]) {
      assertSamePaths(`ntXent τ ${temperature}`, (t) => ntXentLoss(t as tf.Tensor2D, labels, { temperature }) as tf.Scalar, [x]);
    }
    // Listed pairs (a miner's): the other fused path, with its per-row exps from the kernel.
    const pairs = pairMarginMiner(x, labels, { posMargin: 0.9, negMargin: 1.2 });
    assertSamePaths("ntXent mined pairs", (t) => ntXentLoss(t as tf.Tensor2D, labels, { indicesTuple: pairs }) as tf.Scalar, [x]);
  });

  it("Gram-path distance matrices (one batch, two batches) and contrastive: same values and gradients", () => {
    // More than CDIST_DIRECT_MAX_ROWS rows on a side takes the Gram path; 44 rows fold dy + dyᵀ
    // in the kernel, 42 in JS.
    for (const n of [44, 42]) {
      const x = normalMatrix(n, n, 8);
      const w = tf.tensor2d(normalMatrix(n + 1, n, n));
      for (const normalizeEmbeddings of [true, false]) {
        const dist = new LpDistance({ normalizeEmbeddings });
        assertSamePaths(`self ${n} norm ${normalizeEmbeddings}`, (t) => tf.sum(tf.mul(dist.matrix(t as tf.Tensor2D), w)) as tf.Scalar, [x]);
      }
      w.dispose();
      const labels = Array.from({ length: n }, (_, i) => i % 5);
      assertSamePaths(`contrastive ${n}`, (t) => contrastiveLoss(t as tf.Tensor2D, labels) as tf.Scalar, [x]);
    }
    const q = normalMatrix(1, 40, 8);
    const r = normalMatrix(2, 36, 8);
    const w = tf.tensor2d(normalMatrix(3, 40, 36));
    assertSamePaths("cross 40 × 36", (a, b) => tf.sum(tf.mul(new LpDistance().matrix(a as tf.Tensor2D, b as tf.Tensor2D), w)) as tf.Scalar, [q, r]);
    w.dispose();
  });

  it("distance values for miners: the same bits, the same mined triplets", () => {
    const x = tf.tensor2d(normalMatrix(5, 64, 16));
    const r = tf.tensor2d(normalMatrix(6, 30, 16));
    const labels = Array.from({ length: 64 }, (_, i) => i % 6);
    for (const dist of [new LpDistance(), new LpDistance({ normalizeEmbeddings: false })]) {
      const [on, off] = [true, false].map((flag) => withKernels(flag, () => [dist.matrixValues(x), dist.matrixValues(x, r)]));
      assert.deepEqual(on, off);
    }
    const [mOn, mOff] = [true, false].map((flag) => withKernels(flag, () => batchHardMiner(x, labels)));
    assert.deepEqual(mOn, mOff);
    // batchHardMiner's scan: a similarity (smallest positive, largest negative), a reference
    // set, and blocks of rows (600² entries, two kernel calls) with ties: rows come in equal
    // pairs, each pair its own label, so an anchor's one positive is at distance 0 — as is the
    // anchor itself, which must never be picked (also in the second block) — and equal
    // distances fall in neighbouring lanes.
    const big = normalMatrix(7, 600, 8);
    for (let i = 1; i < 600; i += 2) big[i] = big[i - 1]!;
    const bigLabels = Array.from({ length: 600 }, (_, i) => Math.floor(i / 2));
    const cases: [string, () => unknown][] = [
      ["similarity", () => batchHardMiner(x, labels, { distance: new CosineSimilarityDistance() })],
      ["reference set", () => batchHardMiner(x, labels, { refEmbeddings: r, refLabels: Array.from({ length: 30 }, (_, i) => i % 4) })],
      ["blocks and ties", () => batchHardMiner(big, bigLabels)],
    ];
    for (const [label, mine] of cases) {
      const [on, off] = [true, false].map((flag) => withKernels(flag, mine));
      assert.deepEqual(on, off, label);
    }
    withKernels(true, () => assertNoLeak(() => new LpDistance().matrixValues(x, r), "matrixValues"));
    tf.dispose([x, r]);
  });

  it("transposed products: the gradients of a cross similarity matrix agree", () => {
    for (const [n, m] of [[16, 24], [10, 7]] as const) {
      const a = normalMatrix(n, n, 8);
      const b = normalMatrix(m + 50, m, 8);
      const w = tf.tensor2d(normalMatrix(7, n, m));
      assertSamePaths(`cosine matrix ${n}×${m}`, (x, y) => tf.sum(tf.mul(cosineSimilarityMatrix(x as tf.Tensor2D, y as tf.Tensor2D), w)) as tf.Scalar, [a, b]);
      w.dispose();
    }
  });

  it("the encoder's sparse input layer: same embeddings and gradients for each activation", () => {
    const texts = ["O rei e a rainha", "abacaxi maduro", "", "Dragões e magos na torre", "Balanço patrimonial", "rei"];
    for (const options of [{ activation: "relu" as const }, { activation: "tanh" as const }, { hidden: 0 }, { hidden: 6 }]) {
      const grads = [true, false].map((on) =>
        withKernels(on, () => {
          const enc = createEncoder({ seed: 4, ...options });
          const x = enc.featurizeSparse(texts);
          const w = tf.tidy(() => tf.randomNormal([texts.length, enc.dim], 0, 1, "float32", 3));
          const { value, grads: g } = tf.variableGrads(() => tf.sum(tf.mul(enc.forward(x), w)) as tf.Scalar, enc.variables);
          const out = { value: value.dataSync()[0] as number, grads: enc.variables.map((v) => Float32Array.from(g[v.name]!.dataSync())) };
          tf.dispose([value, w, ...Object.values(g)]);
          enc.dispose();
          return out;
        }),
      );
      const [on, off] = grads as [{ value: number; grads: Float32Array[] }, { value: number; grads: Float32Array[] }];
      assert.ok(Math.abs(on.value - off.value) < 1e-5, `${JSON.stringify(options)}: ${on.value} vs ${off.value}`);
      assertSameGradients(JSON.stringify(options), on.grads, off.grads, 1e-5);
    }
  });

  it("refuses malformed sparse rows before a kernel reads through them", () => {
    const enc = createEncoder({ seed: 1 });
    const good = enc.featurizeSparse(["rei", "rainha"]);
    const badIndex = { ...good, indices: Int32Array.from(good.indices, (c, k) => (k === 1 ? 5000 : c)) };
    assert.throws(() => enc.forward(badIndex), /NgramEncoder.forward: 'x' must be column indices in \[0, 2048\), but got 5000 at entry 1/);
    const badOffsets = { ...good, indptr: Int32Array.of(0, 3) };
    assert.throws(() => enc.forward(badOffsets), /NgramEncoder.forward: 'x' must be sparse rows with rows \+ 1 offsets/);
    const n = good.indices.length;
    assert.throws(() => enc.forward({ ...good, rows: 3, indptr: Int32Array.of(0, n, 1, n) }), new RegExp(`NgramEncoder.forward: 'x' must be row offsets that never decrease, but got offset 1 after ${n} at row 1`));
    enc.dispose();
  });

  it("Adam: the kernel and the JS and backend-op paths take the same steps", () => {
    const shapes: number[][] = [[7, 5], [160, 128], [3]];
    const runSteps = (on: boolean): Float32Array[] =>
      withKernels(on, () => {
        const vars = shapes.map((s, k) => {
          const init = tf.tensor(normalMatrix(20 + k, 1, s.reduce((x, y) => x * y, 1))[0]!, s);
          const v = tf.variable(init);
          init.dispose();
          return v;
        });
        const opt = new FusedAdam(vars, { learningRate: 0.01 });
        for (let step = 0; step < 5; step++) {
          const grads = vars.map((v, k) => tf.tensor(normalMatrix(100 * step + k, 1, v.size)[0]!, v.shape));
          assert.equal(opt.step(grads), -1);
          tf.dispose(grads);
        }
        const out = vars.map((v) => Float32Array.from(v.dataSync()));
        opt.dispose();
        tf.dispose(vars);
        return out;
      });
    const on = runSteps(true);
    const off = runSteps(false);
    on.forEach((p, k) => {
      const q = off[k] as Float32Array;
      for (let i = 0; i < p.length; i++) assert.ok(Math.abs((p[i] as number) - (q[i] as number)) < 2e-6, `variable ${k}[${i}]: ${p[i]} vs ${q[i]}`);
    });
  });
});
