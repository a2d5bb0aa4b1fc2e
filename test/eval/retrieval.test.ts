import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { mapAtR, meanAveragePrecision, meanReciprocalRank, precisionAt1, rPrecision, recallAtK, retrievalMetrics, seededRandom, type RetrievalMetrics } from "semantic-gps";

/** Obviously-correct metrics straight from the README formulas (float64, sort by distance). */
function naive(q: number[][], ql: number[], r: number[][] | null, rl: number[] | null, k: number | null): RetrievalMetrics {
  const same = r === null;
  const ref = r ?? q;
  const refL = rl ?? ql;
  const sums = { precisionAt1: 0, rPrecision: 0, mapAtR: 0, meanAveragePrecision: 0, meanReciprocalRank: 0 };
  let used = 0;
  q.forEach((row, i) => {
    const R = refL.filter((l) => l === ql[i]).length - (same ? 1 : 0);
    if (R <= 0) return;
    used++;
    const cands = ref.map((x, j) => ({ j, d: Math.hypot(...x.map((v, c) => v - row[c]!)) })).filter((c) => !(same && c.j === i));
    cands.sort((a, b) => a.d - b.d);
    const K = k ?? cands.length;
    const rel = cands.slice(0, K).map((c) => (refL[c.j] === ql[i] ? 1 : 0));
    const P = (n: number): number => rel.slice(0, n).reduce((s: number, v) => s + v, 0) / n;
    const win = Math.min(R, K);
    sums.precisionAt1 += rel[0]!;
    sums.rPrecision += rel.slice(0, win).reduce((s: number, v) => s + v, 0) / win;
    let apr = 0;
    let ap = 0;
    rel.forEach((v, n) => {
      if (!v) return;
      ap += P(n + 1);
      if (n < win) apr += P(n + 1);
    });
    sums.mapAtR += apr / win;
    sums.meanAveragePrecision += ap / Math.max(1, rel.reduce((s: number, v) => s + v, 0));
    const first = rel.indexOf(1);
    sums.meanReciprocalRank += first < 0 ? 0 : 1 / (first + 1);
  });
  const m = (s: number): number => (used ? s / used : 0);
  return { precisionAt1: m(sums.precisionAt1), rPrecision: m(sums.rPrecision), mapAtR: m(sums.mapAtR), meanAveragePrecision: m(sums.meanAveragePrecision), meanReciprocalRank: m(sums.meanReciprocalRank) };
}

function randomSet(seed: number, n: number, d: number, classes: number): { x: number[][]; y: number[] } {
  const rng = seededRandom(seed);
  const y = Array.from({ length: n }, () => rng.int(classes));
  const x = y.map((l) => Array.from({ length: d }, (_, c) => (c === l % d ? 1 : 0) + rng.normal()));
  return { x, y };
}

const KEYS = ["precisionAt1", "rPrecision", "mapAtR", "meanAveragePrecision", "meanReciprocalRank"] as const;

describe("retrievalMetrics", () => {
  it("computes a hand-worked case", () => {
    // 1-D points: q0 = 0 (label 0), q1 = 1 (label 0), q2 = 0.4 (label 1), q3 = 3 (label 1).
    // Rankings (self excluded): q0 → q2 (0.4), q1 (1), q3 (3): rel 0,1,0 → P@1 0, R=1: R-prec 0, MAP@R 0, AP = 1/2, RR 1/2
    //   q1 → q2 (0.6), q0 (1), q3 (2): rel 0,1,0 → same as q0
    //   q2 → q0 (0.4), q1 (0.6), q3 (2.6): rel 0,0,1 → P@1 0, AP = 1/3, RR 1/3
    //   q3 → q1 (2), q2 (2.6), q0 (3): rel 0,1,0 → AP 1/2, RR 1/2
    const m = retrievalMetrics([[0], [1], [0.4], [3]], [0, 0, 1, 1]);
    assert.equal(m.precisionAt1, 0);
    assert.equal(m.rPrecision, 0);
    assert.equal(m.mapAtR, 0);
    assert.ok(Math.abs(m.meanAveragePrecision - (0.5 + 0.5 + 1 / 3 + 0.5) / 4) < 1e-12);
    assert.ok(Math.abs(m.meanReciprocalRank - (0.5 + 0.5 + 1 / 3 + 0.5) / 4) < 1e-7);
    assert.deepEqual(Array.from(m.knnIndices[0]!), [2, 1, 3]);
  });

  for (const [seed, n, d, classes, k] of [[1, 30, 4, 3, null], [2, 25, 6, 5, null], [3, 40, 3, 4, 5], [4, 12, 2, 6, 2]] as const) {
    it(`agrees with a naive loop (seed ${seed}, ${n}×${d}, ${classes} classes, k ${k ?? "all"})`, () => {
      const { x, y } = randomSet(seed, n, d, classes);
      const got = retrievalMetrics(x, y, { k });
      const want = naive(x, y, null, null, k);
      for (const key of KEYS) assert.ok(Math.abs(got[key] - want[key]) < 1e-6, `${key}: ${got[key]} vs ${want[key]}`);
    });
    it(`agrees with a naive loop when query ≠ reference (seed ${seed})`, () => {
      const q = randomSet(seed + 100, Math.ceil(n / 2), d, classes);
      const r = randomSet(seed, n, d, classes);
      const got = retrievalMetrics(q.x, q.y, { reference: r.x, referenceLabels: r.y, k });
      const want = naive(q.x, q.y, r.x, r.y, k);
      for (const key of KEYS) assert.ok(Math.abs(got[key] - want[key]) < 1e-6, `${key}: ${got[key]} vs ${want[key]}`);
    });
  }

  it("leaves queries with a lone label out of every mean and lists them", () => {
    const m = retrievalMetrics([[0], [0.1], [5]], [0, 0, 7]);
    assert.deepEqual(m.loneQueries, [2]);
    assert.equal(m.queriesUsed, 2);
    assert.equal(m.precisionAt1, 1);
  });

  it("returns 0 for every metric when no query has a classmate (as PML)", () => {
    const m = retrievalMetrics([[0], [1]], [0, 1]);
    for (const key of KEYS) assert.equal(m[key], 0);
  });

  it("ranks by cosine when asked (direction, not length)", () => {
    // Row 2 is far in Euclidean terms but points the same way as row 0.
    const x = [[1, 0], [0.6, 0.8], [10, 0.1]];
    assert.deepEqual(Array.from(retrievalMetrics(x, [0, 1, 0], { distance: "cosine" }).knnIndices[0]!), [2, 1]);
    assert.deepEqual(Array.from(retrievalMetrics(x, [0, 1, 0]).knnIndices[0]!), [1, 2]);
  });

  it("offers each metric as its own function with the same value", () => {
    const { x, y } = randomSet(9, 20, 3, 3);
    const all = retrievalMetrics(x, y);
    assert.equal(precisionAt1(x, y), all.precisionAt1);
    assert.equal(rPrecision(x, y), all.rPrecision);
    assert.equal(mapAtR(x, y), all.mapAtR);
    assert.equal(meanAveragePrecision(x, y), all.meanAveragePrecision);
    assert.equal(meanReciprocalRank(x, y), all.meanReciprocalRank);
  });

  it("accepts tensors and plain arrays alike", () => {
    const { x, y } = randomSet(5, 15, 3, 3);
    const xt = tf.tensor2d(x);
    const yt = tf.tensor1d(y, "int32");
    assert.equal(retrievalMetrics(xt, yt).mapAtR, retrievalMetrics(x, Int32Array.from(y)).mapAtR);
    tf.dispose([xt, yt]);
  });

  it("shows as a table with every metric", () => {
    const text = retrievalMetrics([[0], [0.1], [5], [5.2]], [0, 0, 1, 1]).toString();
    for (const name of ["precision@1", "R-precision", "MAP@R", "MAP", "MRR"]) assert.match(text, new RegExp(name));
  });

  it("validates its arguments", () => {
    assert.throws(() => retrievalMetrics([[0], [1]], [0]), /retrievalMetrics: 'queryLabels' must be one label per row of 'query' \(2\)/);
    assert.throws(() => retrievalMetrics([[0], [1]], [0, 0], { reference: [[0]] }), /'referenceLabels' must be given together with 'reference'/);
    assert.throws(() => retrievalMetrics([[0, 1]], [0], { reference: [[0]], referenceLabels: [0] }), /'reference' must be rows of the query's dimension \(2\)/);
    assert.throws(() => retrievalMetrics([[0]], [0]), /at least 2 rows when it is its own reference/);
    assert.throws(() => retrievalMetrics([[0], [NaN]], [0, 0]), /'query' must be finite/);
    assert.throws(() => retrievalMetrics([[0], [1]], [0, 0], { k: 0 }), /'k' must be a positive integer or null/);
    assert.throws(() => retrievalMetrics([[0], [1]], [0, 0], { distance: "manhattan" as never }), /'distance' must be "euclidean", "cosine" or a distance object/);
    assert.throws(() => retrievalMetrics([[0], [1]], [0, 0], { size: 3 } as never), /unknown key 'size'/);
  });
});

describe("recallAtK", () => {
  it("is the share of queries with a classmate among the k nearest", () => {
    // q0 = 0 → nearest q2 (label 1), then q1 (label 0): found at k = 2, not at k = 1.
    // q1 = 1 → q2 (0.6), q0: the same. q2 = 0.4 → q0, q1, q3: found at k = 3. q3 = 3 → q1, q2: found at k = 2.
    const x = [[0], [1], [0.4], [3]];
    assert.deepEqual(recallAtK(x, [0, 0, 1, 1], [1, 2, 3]), [0, 0.75, 1]);
    assert.equal(recallAtK(x, [0, 0, 1, 1], 2), 0.75);
  });
  it("rejects k < 1", () => {
    assert.throws(() => recallAtK([[0], [1]], [0, 0], 0), /recallAtK: 'k' must be a positive integer/);
  });
});
