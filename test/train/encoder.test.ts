import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { createEncoder, hashFeatures, hashFeaturesSparse, sparseRows, normalizeText, textTokens } from "semantic-gps";
import { assertNoLeak } from "../helpers/fixtures";

describe("hashed n-gram features", () => {
  it("lower-cases, strips accents and punctuation", () => {
    assert.equal(normalizeText("Dragões, Magos & Poções!"), "dragoes magos pocoes");
  });
  it("lists words and padded character 3- and 4-grams, without Portuguese function words", () => {
    // "O rei": "o" is a function word; "rei" gives w:rei, 3-grams " re", "rei", "ei ", 4-grams " rei", "rei ".
    assert.deepEqual(textTokens("O rei"), ["w:rei", "c: re", "c:rei", "c:ei ", "c: rei", "c:rei "]);
  });
  it("gives unit rows, zero rows for empty texts, the same numbers every time", () => {
    const f = hashFeatures(["O último dragão", "", "dragão"], { buckets: 64 });
    const norm = (r: number): number => Math.hypot(...f.subarray(r * 64, (r + 1) * 64));
    assert.ok(Math.abs(norm(0) - 1) < 1e-6);
    assert.equal(norm(1), 0);
    assert.deepEqual(f, hashFeatures(["O último dragão", "", "dragão"], { buckets: 64 }));
  });
  it("makes related words share features: dragão and dragões are closer than dragão and imposto", () => {
    const f = hashFeatures(["dragão", "dragões", "imposto"]);
    const dot = (a: number, b: number): number => f.subarray(a * 2048, (a + 1) * 2048).reduce((s, v, k) => s + v * f[b * 2048 + k]!, 0);
    assert.ok(dot(0, 1) > dot(0, 2) + 0.2);
  });
  it("gives the same numbers as sparse rows, bit for bit", () => {
    const texts = ["O último dragão", "", "dragão dragões dragão", "Balanço patrimonial da empresa", "a a a"];
    for (const buckets of [2048, 64, 7]) {
      const dense = hashFeatures(texts, { buckets });
      const s = hashFeaturesSparse(texts, { buckets });
      assert.equal(s.rows, texts.length);
      assert.equal(s.cols, buckets);
      const rebuilt = new Float32Array(texts.length * buckets);
      for (let r = 0; r < s.rows; r++) {
        for (let k = s.indptr[r]!; k < s.indptr[r + 1]!; k++) {
          if (k > s.indptr[r]!) assert.ok(s.indices[k]! > s.indices[k - 1]!, "columns ascending");
          assert.notEqual(s.values[k], 0);
          rebuilt[r * buckets + s.indices[k]!] = s.values[k]!;
        }
      }
      assert.deepEqual(rebuilt, dense);
    }
    // The empty text has no entries; a title has a few dozen of 2048.
    const s = hashFeaturesSparse(texts);
    assert.equal(s.indptr[2]! - s.indptr[1]!, 0);
    assert.ok(s.indptr[1]! - s.indptr[0]! > 10 && s.indptr[1]! - s.indptr[0]! < 100);
  });
  it("picks sparse rows for a batch, in order, and names a bad row", () => {
    const s = hashFeaturesSparse(["rei", "rainha", "abacaxi"], { buckets: 32 });
    const b = sparseRows(s, [2, 0, 2]);
    const dense = hashFeatures(["abacaxi", "rei", "abacaxi"], { buckets: 32 });
    const rebuilt = new Float32Array(3 * 32);
    for (let r = 0; r < 3; r++) for (let k = b.indptr[r]!; k < b.indptr[r + 1]!; k++) rebuilt[r * 32 + b.indices[k]!] = b.values[k]!;
    assert.deepEqual(rebuilt, dense);
    assert.throws(() => sparseRows(s, [0, 3]), /sparseRows: 'at' must be row indices in \[0, 3\), but got 3 at \[1\]/);
  });
  it("validates its arguments", () => {
    assert.throws(() => hashFeatures(["a", 3 as never]), /hashFeatures: 'texts' must be an array of strings, but got 3 at \[1\]/);
    assert.throws(() => hashFeatures(["a"], { buckets: 0 }), /'buckets' must be an integer >= 1/);
  });
});

describe("createEncoder", () => {
  it("embeds texts to unit vectors of the requested dimension", () => {
    const enc = createEncoder({ dim: 8, hidden: 16, buckets: 128 });
    const e = enc.embed(["O rei e a rainha", "Balanço patrimonial"]);
    assert.deepEqual(e.shape, [2, 8]);
    for (const row of e.arraySync()) assert.ok(Math.abs(Math.hypot(...row) - 1) < 1e-5);
    e.dispose();
    assert.equal(enc.parameterCount, 128 * 16 + 16 + 16 * 8 + 8);
    enc.dispose();
  });
  it("is seeded: the same seed gives the same weights, another seed others", () => {
    const a = createEncoder({ seed: 3, buckets: 64 });
    const b = createEncoder({ seed: 3, buckets: 64 });
    const c = createEncoder({ seed: 4, buckets: 64 });
    assert.deepEqual(a.variables[0]!.dataSync(), b.variables[0]!.dataSync());
    assert.notDeepEqual(a.variables[0]!.dataSync(), c.variables[0]!.dataSync());
    [a, b, c].forEach((e) => e.dispose());
  });
  it("draws Glorot-uniform weights within ±√(6 / (fan_in + fan_out))", () => {
    const enc = createEncoder({ buckets: 100, hidden: 50, dim: 10 });
    const bound = Math.sqrt(6 / 150);
    const w = enc.variables[0]!.dataSync();
    assert.ok(w.every((v) => Math.abs(v) <= bound));
    assert.ok(Math.max(...w) > 0.9 * bound);
    enc.dispose();
  });
  it("can skip normalisation and the hidden layer", () => {
    const enc = createEncoder({ hidden: 0, normalize: false, buckets: 64, dim: 4 });
    assert.equal(enc.variables.length, 2);
    const rows = enc.embedArray(["livro de receitas"]);
    assert.notEqual(Math.round(Math.hypot(...rows[0]!) * 1e4), 1e4);
    enc.dispose();
  });
  it("creates its variables without leaking the initial tensors, and frees them on dispose", () => {
    const before = tf.memory().numTensors;
    const enc = createEncoder({ buckets: 64, hidden: 8, dim: 4 });
    assert.equal(tf.memory().numTensors, before + 4);
    assertNoLeak(() => enc.embed(["a"]).dispose(), "embed");
    enc.dispose();
    assert.equal(tf.memory().numTensors, before);
    assert.throws(() => enc.embed(["a"]), /a live encoder/);
  });
  it("has gradients for every variable through the forward pass", () => {
    const enc = createEncoder({ buckets: 64, hidden: 8, dim: 4, seed: 1 });
    const x = enc.features(["o dragão", "a rainha"]);
    // Unit rows make Σ‖e‖² constant, so differentiate one coordinate instead.
    const g2 = tf.variableGrads(() => tf.sum(tf.slice(enc.forward(x), [0, 0], [1, 1])) as tf.Scalar, enc.variables);
    for (const v of enc.variables) assert.ok(tf.tidy(() => tf.sum(tf.abs(g2.grads[v.name]!)).dataSync()[0]!) > 0, v.name);
    g2.value.dispose();
    tf.dispose(Object.values(g2.grads));
    x.dispose();
    enc.dispose();
  });
  it("gives the same embeddings and gradients from sparse rows as from the dense feature tensor", () => {
    const enc = createEncoder({ seed: 2 });
    const texts = ["O rei e a rainha", "abacaxi maduro", "", "Dragões e magos na torre", "Balanço patrimonial"];
    const dense = enc.features(texts);
    const sparse = enc.featurizeSparse(texts);
    const w = tf.tidy(() => tf.randomNormal([texts.length, enc.dim], 0, 1, "float32", 3));
    const run = (x: typeof dense | typeof sparse) => tf.variableGrads(() => tf.sum(tf.mul(enc.forward(x), w)) as tf.Scalar, enc.variables);
    const a = run(dense);
    const b = run(sparse);
    assert.ok(Math.abs(a.value.dataSync()[0]! - b.value.dataSync()[0]!) < 1e-5);
    const ea = enc.forward(dense);
    const eb = enc.forward(sparse);
    const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(ea, eb))).dataSync()[0]!);
    assert.ok(gap < 1e-6, `embeddings differ by ${gap}`);
    for (const v of enc.variables) {
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a.grads[v.name]!, b.grads[v.name]!))).dataSync()[0]!);
      const scale = tf.tidy(() => tf.max(tf.abs(a.grads[v.name]!)).dataSync()[0]!);
      assert.ok(scale > 0 && d <= 1e-5 * scale, `${v.name}: gradients differ by ${d} (scale ${scale})`);
    }
    // embed(texts) takes the sparse path.
    const ec = enc.embed(texts);
    assert.deepEqual(ec.dataSync(), eb.dataSync());
    tf.dispose([dense, w, a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads), ea, eb, ec]);
    assert.throws(() => enc.forward(hashFeaturesSparse(["a"], { buckets: 64 })), /NgramEncoder.forward: 'x' must be 2048 columns \(the encoder's buckets\), but got 64/);
    const wrong = tf.zeros([2, 64]) as tf.Tensor2D;
    assert.throws(() => enc.forward(wrong), /NgramEncoder.forward: 'x' must be a \[N, 2048\] tensor, but got shape \[2, 64\]/);
    wrong.dispose();
    assertNoLeak(() => enc.embed(texts).dispose(), "sparse embed");
    enc.dispose();
  });
  it("validates its options", () => {
    assert.throws(() => createEncoder({ dim: 0 }), /createEncoder: 'dim' must be an integer >= 1/);
    assert.throws(() => createEncoder({ activation: "gelu" as never }), /'activation' must be one of "relu", "tanh"/);
  });
});
