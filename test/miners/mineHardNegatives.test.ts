import "../helpers/setup";
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { mineHardNegatives, type MineHardNegativesOptions } from "semantic-gps";
import { lcg } from "./naive";

const unit = (v: number[]): number[] => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

function randomRows(seed: number, n: number, d: number): number[][] {
  const r = lcg(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => r() * 2 - 1));
}

/**
 * sentence-transformers' rules applied to the full score matrix, written out plainly: rank the
 * whole corpus, keep the top rangeMax + maxPositives, drop positives, apply the filters, re-rank,
 * take the window [rangeMin, rangeMax) and its first numNegatives.
 */
function bruteForce(queries: number[][], corpus: number[][], positives: number[][], o: MineHardNegativesOptions & { rangeMax: number }) {
  const numNegatives = o.numNegatives ?? 3;
  const rangeMin = o.rangeMin ?? 0;
  const maxPositives = Math.max(...positives.map((p) => p.length));
  const c = corpus.map(unit);
  const triplets: number[][] = [];
  queries.forEach((q0, i) => {
    const q = unit(q0);
    const scores = c.map((row) => dot(q, row));
    const order = scores.map((_, j) => j).sort((a, b) => scores[b]! - scores[a]! || a - b);
    const cand = order.slice(0, o.rangeMax + maxPositives).map((j) => ({ j, s: scores[j]! }));
    const minPos = Math.min(...positives[i]!.map((p) => scores[p]!));
    for (const x of cand) {
      const drop =
        positives[i]!.includes(x.j) ||
        (o.absoluteMargin !== undefined && x.s + o.absoluteMargin > minPos) ||
        (o.relativeMargin !== undefined && x.s > minPos * (1 - o.relativeMargin)) ||
        (o.maxScore !== undefined && x.s > o.maxScore) ||
        (o.minScore !== undefined && x.s < o.minScore);
      if (drop) x.s = -Infinity;
    }
    const ranked = cand.map((x, k) => ({ ...x, k })).sort((a, b) => b.s - a.s || a.k - b.k);
    const chosen = ranked.slice(0, o.rangeMax).slice(rangeMin).slice(0, numNegatives).filter((x) => x.s !== -Infinity);
    for (const p of positives[i]!) for (const x of chosen) triplets.push([i, p, x.j]);
  });
  return triplets;
}

describe("mineHardNegatives finds the negatives a brute-force search finds", () => {
  const queries = randomRows(11, 20, 6);
  const corpus = randomRows(12, 300, 6);
  // Every query has 1 or 2 positives somewhere in the corpus.
  const positives = queries.map((_, i) => (i % 3 === 0 ? [i * 7, i * 7 + 1] : [i * 5 + 2]));
  const settings: [string, MineHardNegativesOptions & { rangeMax: number }][] = [
    ["top 3 of the first 10", { numNegatives: 3, rangeMax: 10 }],
    ["rangeMin 2, rangeMax 30, numNegatives 5", { numNegatives: 5, rangeMin: 2, rangeMax: 30 }],
    ["absoluteMargin 0.05", { numNegatives: 4, rangeMax: 40, absoluteMargin: 0.05 }],
    ["relativeMargin 0.05 (NV-Retriever)", { numNegatives: 4, rangeMax: 40, relativeMargin: 0.05 }],
    ["maxScore 0.8 and minScore 0.3", { numNegatives: 4, rangeMax: 40, maxScore: 0.8, minScore: 0.3 }],
  ];
  for (const [name, o] of settings) {
    for (const [qc, cc] of [[256, 8192], [7, 33]] as const) {
      it(`${name}, blocks of ${qc}×${cc}: the same triplets as the brute force`, async () => {
        const mined = await mineHardNegatives(queries, corpus, positives, { ...o, queryChunkSize: qc, corpusChunkSize: cc });
        assert.deepEqual(mined.rows, bruteForce(queries, corpus, positives, o));
      });
    }
  }
  it("scores come with each row: the positive's and the negative's cosine similarity", async () => {
    const mined = await mineHardNegatives(queries, corpus, positives, { numNegatives: 2 });
    mined.rows.forEach(([q, p, n], k) => {
      const [ps, ns] = mined.scores[k]!;
      assert.ok(Math.abs(ps! - dot(unit(queries[q!]!), unit(corpus[p!]!))) < 1e-5);
      assert.ok(Math.abs(ns! - dot(unit(queries[q!]!), unit(corpus[n!]!))) < 1e-5);
      assert.ok(!positives[q!]!.includes(n!), "a positive is never a negative");
    });
  });
  it("n-tuple format keeps one row per (query, positive) with all its negatives, and only complete rows", async () => {
    const triplets = await mineHardNegatives(queries, corpus, positives, { numNegatives: 3, rangeMax: 12, relativeMargin: 0.02 });
    const tuples = await mineHardNegatives(queries, corpus, positives, { numNegatives: 3, rangeMax: 12, relativeMargin: 0.02, format: "n-tuple" });
    for (const row of tuples.rows) {
      assert.equal(row.length, 5);
      const fromTriplets = triplets.rows.filter((t) => t[0] === row[0] && t[1] === row[1]).map((t) => t[2]);
      assert.deepEqual(row.slice(2), fromTriplets);
    }
    assert.equal(tuples.summary.maximumPossible, positives.flat().length);
    assert.equal(tuples.summary.missing, tuples.summary.pairsWithTooFew);
  });
  it("random sampling draws, reproducibly per seed, from the survivors of the window, sorted by score", async () => {
    const o = { numNegatives: 3, rangeMax: 25, sampling: "random" as const, seed: 4 };
    const a = await mineHardNegatives(queries, corpus, positives, o);
    const b = await mineHardNegatives(queries, corpus, positives, o);
    const c = await mineHardNegatives(queries, corpus, positives, { ...o, seed: 5 });
    assert.deepEqual(a.rows, b.rows);
    assert.notDeepEqual(a.rows, c.rows);
    const window = bruteForce(queries, corpus, positives, { numNegatives: 25, rangeMax: 25 });
    for (const [q, p, n] of a.rows) assert.ok(window.some((t) => t[0] === q && t[1] === p && t[2] === n));
    for (let i = 0; i + 1 < a.rows.length; i++) {
      if (a.rows[i]![0] === a.rows[i + 1]![0] && a.rows[i]![1] === a.rows[i + 1]![1]) assert.ok(a.scores[i]![1]! >= a.scores[i + 1]![1]!);
    }
  });
  it("defaults rangeMax as sentence-transformers does (numNegatives + maxPositives, ×10 with filters)", async () => {
    assert.equal((await mineHardNegatives(queries, corpus, positives, { numNegatives: 3 })).summary.rangeMax, 3 + 2);
    assert.equal((await mineHardNegatives(queries, corpus, positives, { numNegatives: 3, rangeMin: 1, maxScore: 0.9 })).summary.rangeMax, 1 + 30 + 2);
  });
});

describe("mineHardNegatives reports the summary sentence-transformers prints", () => {
  // Hand-worked: one query q = (1, 0); corpus c0 = (1, 0) its positive (score 1),
  // c1 = (0.8, 0.6) score 0.8, c2 = (0.6, 0.8) score 0.6, c3 = (0, 1) score 0.
  const q = [[1, 0]];
  const c = [[1, 0], [0.8, 0.6], [0.6, 0.8], [0, 1]];
  it("counts what each rule skipped, with the reference's ratios", async () => {
    // relativeMargin 0.3: drop scores > 1 · 0.7 → c1 (0.8). minScore 0.5: drop c3 (0). Kept: c2.
    const mined = await mineHardNegatives(q, c, [0], { numNegatives: 2, rangeMax: 3, relativeMargin: 0.3, minScore: 0.5 });
    assert.deepEqual(mined.rows, [[0, 0, 2]]);
    const s = mined.summary;
    // Candidates: top rangeMax + maxPositives = 4 (the whole corpus), positive removed first.
    assert.deepEqual(s.skipped.relativeMargin, { skipped: 1, ratio: 1 / 4 });
    assert.deepEqual(s.skipped.minScore, { skipped: 1, ratio: 1 / 3 });
    assert.equal(s.missing, 1);
    assert.equal(s.positive.count, 1);
    assert.ok(Math.abs(s.positive.mean - 1) < 1e-6);
    assert.ok(Math.abs(s.negative.mean - 0.6) < 1e-6);
    assert.ok(Math.abs(s.difference.max - 0.4) < 1e-6);
    const text = mined.report().toText();
    assert.match(text, /Skipped 1 potential negatives \(25\.00%\) due to the relativeMargin of 0\.3\./);
    assert.match(text, /Could not find enough negatives for 1 samples \(50\.00%\)/);
    assert.match(mined.report().toHtml(), /<table/);
  });
  it("computes median (lower middle), unbiased std and linear quantiles like torch", async () => {
    const mined = await mineHardNegatives(q, c, [0], { numNegatives: 3, rangeMax: 3 });
    const n = mined.summary.negative; // scores 0.8, 0.6, 0
    assert.equal(n.count, 3);
    assert.ok(Math.abs(n.median - 0.6) < 1e-6);
    assert.ok(Math.abs(n.std - Math.sqrt(((0.8 - 1.4 / 3) ** 2 + (0.6 - 1.4 / 3) ** 2 + (1.4 / 3) ** 2) / 2)) < 1e-6);
    assert.ok(Math.abs(n.q25 - 0.3) < 1e-6);
  });
  it("calls onProgress after every block of queries and ends at the total", async () => {
    const calls: [number, number][] = [];
    await mineHardNegatives(randomRows(1, 10, 3), randomRows(2, 20, 3), Array.from({ length: 10 }, (_, i) => i), {
      numNegatives: 1,
      queryChunkSize: 4,
      onProgress: (done, total) => calls.push([done, total]),
    });
    assert.deepEqual(calls, [[4, 10], [8, 10], [10, 10]]);
  });
});

describe("mineHardNegatives validates its arguments", () => {
  const q = [[1, 0]];
  const c = [[1, 0], [0, 1], [1, 1], [1, -1]];
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ["positives of the wrong length", () => mineHardNegatives(q, c, [0, 1]), /'positives' must be one entry per row of 'queries' \(1\)/],
    ["a positive outside the corpus", () => mineHardNegatives(q, c, [4]), /'positives' must be corpus indices/],
    ["NaN in the corpus, naming the element", () => mineHardNegatives(q, [[1, 0], [0, NaN]], [0]), /'corpus' must be finite \(no NaN or Infinity\), but got NaN at \[1,1\]/],
    ["an empty positive list", () => mineHardNegatives(q, c, [[]]), /non-empty list of positives/],
    ["corpus of another width", () => mineHardNegatives(q, [[1, 0, 0]], [0]), /'corpus' must be rows of the same width as 'queries' \(2\)/],
    ["rangeMax below rangeMin + numNegatives", () => mineHardNegatives(q, c, [0], { numNegatives: 2, rangeMin: 1, rangeMax: 2 }), /'rangeMax' must be an integer >= 3/],
    ["an unknown sampling", () => mineHardNegatives(q, c, [0], { sampling: "best" as "top" }), /'sampling' must be one of "top", "random"/],
    ["an unknown option", () => mineHardNegatives(q, c, [0], { numNegative: 2 } as MineHardNegativesOptions), /unknown key 'numNegative'/],
    ["onProgress that is not a function", () => mineHardNegatives(q, c, [0], { onProgress: 3 as never }), /'onProgress' must be a function/],
  ];
  for (const [name, call, message] of cases) it(`rejects ${name}`, async () => assert.rejects(call(), message));
  it("leaves no tensor behind, for tensor and array inputs", async () => {
    const qt = tf.tensor2d(randomRows(3, 9, 4));
    const ct = tf.tensor2d(randomRows(4, 50, 4));
    const before = tf.memory().numTensors;
    await mineHardNegatives(qt, ct, Array.from({ length: 9 }, (_, i) => i), { queryChunkSize: 4, corpusChunkSize: 16 });
    await mineHardNegatives(randomRows(3, 9, 4), randomRows(4, 50, 4), Array.from({ length: 9 }, (_, i) => i));
    assert.equal(tf.memory().numTensors, before);
    qt.dispose();
    ct.dispose();
  });
});

describe("mineHardNegatives keeps memory bounded by the chunk size, not the corpus", () => {
  // Each run is a fresh process (with --expose-gc, so that samples measure live memory rather
  // than garbage waiting for collection): RSS once the corpus exists, and peak RSS while mining
  // 400 queries against C rows of width 32 in blocks of 100 × 2048. A full similarity matrix
  // would add 400 · C · 4 bytes.
  const script = (corpusRows: number): string => `
    const sg = require("semantic-gps");
    const tf = require("@tensorflow/tfjs");
    sg.ready().then(async () => {
      let s = 12345;
      const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
      const D = 32, Q = 400, C = ${corpusRows};
      const corpus = new Float32Array(C * D);
      for (let i = 0; i < corpus.length; i++) corpus[i] = rand();
      const queries = new Float32Array(Q * D);
      for (let i = 0; i < queries.length; i++) queries[i] = rand();
      const ct = tf.tensor2d(corpus, [C, D]);
      const qt = tf.tensor2d(queries, [Q, D]);
      global.gc();
      const base = process.memoryUsage().rss;
      let peak = base;
      const sample = () => { global.gc(); peak = Math.max(peak, process.memoryUsage().rss); };
      await sg.mineHardNegatives(qt, ct, Array.from({ length: Q }, (_, i) => i), {
        numNegatives: 5, queryChunkSize: 100, corpusChunkSize: 2048, onProgress: sample,
      });
      sample();
      process.stdout.write(JSON.stringify({ base, peak }));
    });`;
  const run = (rows: number): { base: number; peak: number } =>
    JSON.parse(execFileSync(process.execPath, ["--expose-gc", "-e", script(rows)], { encoding: "utf8" })) as { base: number; peak: number };
  it("peak RSS grows from a 10k to a 100k corpus by about the corpus storage, far less than a matrix", () => {
    const small = run(10_000);
    const large = run(100_000);
    const corpusBytes = 90_000 * 32 * 4; // the extra corpus rows, as float32
    const matrixBytes = 400 * 90_000 * 4; // what the extra columns of a full 400 × C matrix would take
    const mb = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MB`;
    // The corpus exists twice (the JS Float32Array and the backend's copy), plus allocator slack.
    const allowance = 3 * corpusBytes + 16 * 2 ** 20;
    const growth = large.peak - small.peak;
    assert.ok(allowance < matrixBytes / 2, "the test can tell a matrix from the corpus");
    assert.ok(growth < allowance, `peak RSS grew ${mb(growth)}, allowed ${mb(allowance)}`);
    // What mining itself adds on top of the stored corpus barely depends on the corpus size.
    const overheadGrowth = large.peak - large.base - (small.peak - small.base);
    assert.ok(overheadGrowth < corpusBytes, `mining overhead grew ${mb(overheadGrowth)}`);
  });
});
