import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { FusedAdam } from "semantic-gps";
import { normalMatrix } from "../helpers/seededRandom";

/** PyTorch 1.13's `_single_tensor_adam` written out in float64, one element at a time. */
function referenceAdam(p0: number[], gradsPerStep: number[][], lr: number, b1: number, b2: number, eps: number): number[] {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  gradsPerStep.forEach((g, s) => {
    const t = s + 1;
    for (let k = 0; k < p.length; k++) {
      m[k] = b1 * m[k]! + (1 - b1) * g[k]!;
      v[k] = b2 * v[k]! + (1 - b2) * g[k]! * g[k]!;
      const denom = Math.sqrt(v[k]!) / Math.sqrt(1 - b2 ** t) + eps;
      p[k] = p[k]! - (lr / (1 - b1 ** t)) * (m[k]! / denom);
    }
  });
  return p;
}

function gaussian(n: number, seed: number): number[] {
  return normalMatrix(seed, 1, n)[0]!;
}

/** A variable holding `values`, without keeping the initial tensor alive. */
function variableOf(values: number[] | number, shape: number[]): tf.Variable {
  const init = typeof values === "number" ? tf.fill(shape, values) : tf.tensor(values, shape);
  const v = tf.variable(init);
  init.dispose();
  return v;
}

describe("FusedAdam", () => {
  // A small and a large variable: on wasm both take the vectorised kernel; elsewhere the first is
  // updated in JS, the second with backend ops (test/simd.test.ts compares the paths on wasm).
  for (const [label, shape] of [["small variable", [7, 5]], ["large variable", [160, 128]]] as const) {
    it(`follows PyTorch's Adam over 12 steps (${label})`, () => {
      const size = shape[0] * shape[1];
      const p0 = gaussian(size, 1);
      const steps = Array.from({ length: 12 }, (_, s) => gaussian(size, 100 + s).map((x) => x * (s % 3 === 0 ? 0.01 : 1)));
      const variable = variableOf(p0, [...shape]);
      const opt = new FusedAdam([variable], { learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 });
      for (const g of steps) {
        const gt = tf.tensor2d(g, [shape[0], shape[1]]);
        assert.equal(opt.step([gt]), -1);
        gt.dispose();
      }
      assert.equal(opt.iterations, 12);
      const want = referenceAdam(p0, steps, 0.01, 0.8, 0.99, 1e-6);
      const got = variable.dataSync();
      // float32 storage of p, m and v: a few ulps of the parameter's scale.
      let worst = 0;
      for (let k = 0; k < size; k++) worst = Math.max(worst, Math.abs(got[k]! - want[k]!));
      assert.ok(worst < 2e-6, `largest difference ${worst}`);
      // The parameters did move (by ~lr per step).
      assert.ok(Math.abs(got[0]! - p0[0]!) > 0.01);
      opt.dispose();
      variable.dispose();
    });
  }

  it("agrees with tf.train.adam given the same epsilon", () => {
    const shape = [40, 30];
    const init = gaussian(1200, 5);
    const a = variableOf(init, shape);
    const b = variableOf(init, shape);
    const ours = new FusedAdam([a], { learningRate: 0.05 });
    const theirs = tf.train.adam(0.05, 0.9, 0.999, 1e-8);
    for (let s = 0; s < 5; s++) {
      const g = tf.tensor2d(gaussian(1200, 50 + s), shape as [number, number]);
      ours.step([g]);
      theirs.applyGradients({ [b.name]: g } as never);
      g.dispose();
    }
    const da = a.dataSync();
    const db = b.dataSync();
    for (let k = 0; k < da.length; k++) assert.ok(Math.abs(da[k]! - db[k]!) < 1e-5, `element ${k}: ${da[k]} vs ${db[k]}`);
    ours.dispose();
    theirs.dispose();
    tf.dispose([a, b]);
  });

  it("changes nothing at a NaN or infinite gradient and names the variable; skips missing gradients", () => {
    const small = variableOf(1, [3]);
    const large = variableOf(1, [200, 100]);
    const opt = new FusedAdam([small, large], { learningRate: 0.1 });
    const before = tf.memory().numTensors;
    const gSmall = tf.tensor1d([1, 2, 3]);
    const bad = tf.tidy(() => tf.where(tf.equal(tf.range(0, 20000).reshape([200, 100]), 777), tf.fill([200, 100], Infinity), tf.zeros([200, 100])));
    assert.equal(opt.step([gSmall, bad]), 1);
    assert.deepEqual(Array.from(small.dataSync()), [1, 1, 1]);
    assert.equal(opt.iterations, 0);
    const nan = tf.tensor1d([0, NaN, 0]);
    assert.equal(opt.step([nan, undefined]), 0);
    // A missing gradient leaves its variable alone (PyTorch skips p.grad is None).
    assert.equal(opt.step([gSmall, undefined]), -1);
    assert.deepEqual(Array.from(large.dataSync().subarray(0, 3)), [1, 1, 1]);
    assert.ok(small.dataSync()[0]! < 1);
    tf.dispose([gSmall, bad, nan]);
    assert.equal(tf.memory().numTensors, before);
    opt.dispose();
    tf.dispose([small, large]);
  });

  it("keeps the tensor count flat over many steps and frees its moments on dispose", () => {
    const before = tf.memory().numTensors;
    const w = variableOf(0, [300, 100]);
    const b = variableOf(0, [100]);
    const opt = new FusedAdam([w, b], { learningRate: 0.01 });
    const afterCreate = tf.memory().numTensors;
    for (let s = 0; s < 20; s++) {
      const gw = tf.randomNormal([300, 100]);
      const gb = tf.randomNormal([100]);
      opt.step([gw, gb]);
      tf.dispose([gw, gb]);
    }
    assert.equal(tf.memory().numTensors, afterCreate);
    opt.dispose();
    tf.dispose([w, b]);
    assert.equal(tf.memory().numTensors, before);
  });

  it("validates its arguments", () => {
    const w = variableOf(0, [2, 2]);
    assert.throws(() => new FusedAdam([], { learningRate: 0.1 }), /FusedAdam: 'variables' must be a non-empty array of tf.Variable, but got/);
    assert.throws(() => new FusedAdam([tf.zeros([2]) as never], { learningRate: 0.1 }), /FusedAdam: 'variables\[0\]' must be a float32 tf.Variable/);
    assert.throws(() => new FusedAdam([w], {} as never), /FusedAdam: 'learningRate' must be a number > 0, but got undefined/);
    assert.throws(() => new FusedAdam([w], { learningRate: 0.1, beta2: 1 }), /FusedAdam: 'beta2' must be/);
    assert.throws(() => new FusedAdam([w], { learningRate: 0.1, lr: 1 } as never), /unknown key 'lr'/);
    const opt = new FusedAdam([w], { learningRate: 0.1 });
    assert.throws(() => opt.step([]), /FusedAdam.step: 'grads' must be one gradient \(or undefined\) per variable \(1\)/);
    const g = tf.zeros([3]);
    assert.throws(() => opt.step([g]), /FusedAdam.step: 'grads\[0\]' must be undefined or a float32 tensor of shape \[2, 2\], but got shape \[3\] \(float32\)/);
    g.dispose();
    opt.dispose();
    w.dispose();
  });
});
