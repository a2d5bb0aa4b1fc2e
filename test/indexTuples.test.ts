import "./helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { allPairsIndices, allTripletsIndices, convertToPairs, convertToTriplets, MAX_LISTED_TRIPLETS, type PairIndices, type TripletIndices } from "semantic-gps";
import { loadCases, sortTuples, tuples, type FixtureTensor } from "./helpers/fixtures";
import { randomLabels } from "./helpers/metricLearning";

const rows2 = (a: Int32Array, b: Int32Array): number[][] => Array.from(a, (v, i) => [v, b[i]!]);
const rows3 = (t: TripletIndices): number[][] => Array.from(t.anchors, (v, i) => [v, t.positives[i]!, t.negatives[i]!]);
const labelsOf = (t: FixtureTensor): number[] => t.data as number[];

/** Exact comparison: sorted unless the fixture stores PML's natural order. */
function assertTuples(actual: number[][], expected: FixtureTensor, label: string): void {
  const want = tuples(expected);
  if (expected.order === "natural") assert.deepEqual(actual, want, label);
  else assert.deepEqual(sortTuples(actual), want, label);
}

describe("index tuples agree with PML's enumeration and conversion utilities (pml_miners.json)", () => {
  for (const c of loadCases("pml_miners.json", "pml.get_all_pairs_indices")) {
    it(`${c.name}: positive and negative pairs, sorted and in PML's natural order`, () => {
      const ref = c.inputs.ref_labels ? labelsOf(c.inputs.ref_labels) : undefined;
      const t = allPairsIndices(labelsOf(c.inputs.labels!), ref);
      assertTuples(rows2(t.a1, t.p), c.expected.pos_pairs!, "pos_pairs");
      assertTuples(rows2(t.a2, t.n), c.expected.neg_pairs!, "neg_pairs");
      assertTuples(rows2(t.a1, t.p), c.expected.pos_pairs_natural_order!, "pos_pairs_natural_order");
      assertTuples(rows2(t.a2, t.n), c.expected.neg_pairs_natural_order!, "neg_pairs_natural_order");
    });
  }
  for (const c of loadCases("pml_miners.json", "pml.get_all_triplets_indices")) {
    it(`${c.name}: every triplet, sorted and in PML's natural order`, () => {
      const ref = c.inputs.ref_labels ? labelsOf(c.inputs.ref_labels) : undefined;
      const t = allTripletsIndices(labelsOf(c.inputs.labels!), ref);
      assertTuples(rows3(t), c.expected.triplets!, "triplets");
      assertTuples(rows3(t), c.expected.triplets_natural_order!, "triplets_natural_order");
    });
  }
  for (const c of loadCases("pml_miners.json", "pml.convert_to_triplets")) {
    it(`${c.name}: pairs sharing an anchor become triplets`, () => {
      const pp = tuples(c.inputs.pos_pairs!);
      const np = tuples(c.inputs.neg_pairs!);
      const t = convertToTriplets([pp.map((r) => r[0]!), pp.map((r) => r[1]!), np.map((r) => r[0]!), np.map((r) => r[1]!)]);
      assertTuples(rows3(t), c.expected.triplets!, "triplets");
    });
  }
  for (const c of loadCases("pml_miners.json", "pml.convert_to_pairs")) {
    it(`${c.name}: each triplet gives one positive and one negative pair, duplicates kept`, () => {
      const tr = tuples(c.inputs.triplets!);
      const t = convertToPairs([tr.map((r) => r[0]!), tr.map((r) => r[1]!), tr.map((r) => r[2]!)]);
      assertTuples(rows2(t.a1, t.p), c.expected.pos_pairs!, "pos_pairs");
      assertTuples(rows2(t.a2, t.n), c.expected.neg_pairs!, "neg_pairs");
    });
  }
});

/** The obvious triple loop, in (a, p, n) order. */
function naiveTriplets(y: number[], ry?: number[]): number[][] {
  const r = ry ?? y;
  const out: number[][] = [];
  y.forEach((ya, a) => r.forEach((yp, p) => {
    if (yp !== ya || (ry === undefined && p === a)) return;
    r.forEach((yn, n) => {
      if (yn !== ya) out.push([a, p, n]);
    });
  }));
  return out;
}

describe("allPairsIndices and allTripletsIndices", () => {
  it("a hand-worked case: labels [0, 0, 1]", () => {
    // positives (0,1), (1,0); negatives (0,2), (1,2), (2,0), (2,1); triplets (0,1,2), (1,0,2)
    const p = allPairsIndices([0, 0, 1]);
    assert.deepEqual(rows2(p.a1, p.p), [[0, 1], [1, 0]]);
    assert.deepEqual(rows2(p.a2, p.n), [[0, 2], [1, 2], [2, 0], [2, 1]]);
    assert.deepEqual(rows3(allTripletsIndices([0, 0, 1])), [[0, 1, 2], [1, 0, 2]]);
  });

  it("agree with the naive loops in order, with and without reference labels, over seeds and sizes", () => {
    for (const [seed, n, k] of [[1, 9, 3], [2, 17, 5], [3, 12, 2], [4, 25, 12]] as const) {
      const y = randomLabels(seed, n, k);
      const ry = randomLabels(seed + 1, n - 3, k);
      assert.deepEqual(rows3(allTripletsIndices(y)), naiveTriplets(y));
      assert.deepEqual(rows3(allTripletsIndices(y, ry)), naiveTriplets(y, ry));
      const p = allPairsIndices(y, ry);
      const pos: number[][] = [];
      const neg: number[][] = [];
      y.forEach((a, i) => ry.forEach((b, j) => (a === b ? pos : neg).push([i, j])));
      assert.deepEqual(rows2(p.a1, p.p), pos);
      assert.deepEqual(rows2(p.a2, p.n), neg);
    }
  });

  it("a label with a single member has no positive pair and anchors no triplet", () => {
    const t = allTripletsIndices([0, 0, 1]);
    assert.ok(!Array.from(t.anchors).includes(2));
    assert.equal(allPairsIndices([0, 1, 2]).a1.length, 0);
    assert.equal(allTripletsIndices([0, 1, 2]).anchors.length, 0);
  });

  it("list a large batch without an N³ mask (2,000 rows, 4 classes: ~1.5 billion mask cells)", () => {
    const y = Array.from({ length: 2000 }, (_, i) => i % 4);
    const start = tf.memory().numBytes;
    const t = allTripletsIndices(y.slice(0, 400)); // 400·99·300 triplets
    assert.equal(t.anchors.length, 400 * 99 * 300);
    assert.equal(tf.memory().numBytes, start);
    assert.throws(() => allTripletsIndices(y), new RegExp(`allTripletsIndices: 'labels' must be a batch with at most ${MAX_LISTED_TRIPLETS} triplets`));
  });

  it("accept label tensors and typed arrays", () => {
    const labels = tf.tensor1d([0, 1, 0], "int32");
    const p = allPairsIndices(labels);
    labels.dispose();
    assert.deepEqual(rows2(p.a1, p.p), [[0, 2], [2, 0]]);
    assert.equal(allTripletsIndices(Int32Array.of(0, 1, 0)).anchors.length, 2);
  });

  it("refuse labels that are not integers", () => {
    assert.throws(() => allPairsIndices([0, 1.5]), /allPairsIndices: 'labels' must be integer labels, but got 1.5 at \[1\]/);
    assert.throws(() => allTripletsIndices([0, 1], [0, "a"] as never), /allTripletsIndices: 'refLabels' must be integer labels/);
    assert.throws(() => allPairsIndices("abc" as never), TypeError);
  });
});

describe("convertToPairs and convertToTriplets", () => {
  it("a hand-worked case: positive pairs (0,1), (1,0) and negative pairs (0,2), (0,3) give (0,1,2), (0,1,3)", () => {
    const pairs: PairIndices = { kind: "pairs", a1: Int32Array.of(0, 1), p: Int32Array.of(1, 0), a2: Int32Array.of(0, 0), n: Int32Array.of(2, 3) };
    assert.deepEqual(rows3(convertToTriplets(pairs)), [[0, 1, 2], [0, 1, 3]]);
  });

  it("order triplets from pairs by positive pair, then negative pair, and keep duplicates", () => {
    const t = convertToTriplets([[2, 0, 2], [3, 1, 3], [0, 2, 2, 0], [5, 4, 1, 5]]);
    assert.deepEqual(rows3(t), [[2, 3, 4], [2, 3, 1], [0, 1, 5], [0, 1, 5], [2, 3, 4], [2, 3, 1]]);
  });

  it("pass tuples of their own kind through unchanged, and round-trip triplets → pairs", () => {
    const t = allTripletsIndices([0, 0, 1, 1]);
    assert.deepEqual(rows3(convertToTriplets(t)), rows3(t));
    const p = convertToPairs(t);
    assert.deepEqual(Array.from(p.a1), Array.from(t.anchors));
    assert.deepEqual(Array.from(p.n), Array.from(t.negatives));
    assert.deepEqual(convertToPairs(p), p);
  });

  it("refuse malformed tuples", () => {
    assert.throws(() => convertToPairs([[0], [1]] as never), /convertToPairs: 'tuple' must be \[anchors, positives, negatives\] or \[a1, p, a2, n\]/);
    assert.throws(() => convertToTriplets([[0, 1], [1], [2], [3]]), /convertToTriplets: 'tuple\[1\]' must be the same length as 'tuple\[0\]' \(2\)/);
    assert.throws(() => convertToPairs([[0], [-1], [2]]), /'tuple\[1\]' must be non-negative integer indices, but got -1 at \[0\]/);
    assert.throws(() => convertToPairs({ kind: "quads" } as never), /'tuple' must be an index tuple/);
  });
});
