import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import {
  batchEasyHardMiner,
  batchHardMiner,
  CosineSimilarityDistance,
  DotProductSimilarity,
  LpDistance,
  multiSimilarityMiner,
  pairMarginMiner,
  tripletMarginMiner,
  type BatchStrategy,
  type Distance,
} from "semantic-gps";
import { sortTuples } from "../helpers/fixtures";
import { matrixOf, naiveBatchEasyHard, naiveFacenet, naiveMultiSimilarity, naivePairMargin, naiveTripletMargin, randomBatch, type Batch } from "./naive";

const rows = (...cols: ArrayLike<number>[]): number[][] => Array.from({ length: cols[0]!.length }, (_, k) => cols.map((c) => c[k] as number));

interface Scenario {
  name: string;
  batch: Batch;
  ref?: Batch;
}

// Several seeds and shapes, including ties, a class with one member, all-identical rows, and a
// separate reference set.
const scenarios: Scenario[] = [
  { name: "seed 1, 12×4, 3 classes", batch: randomBatch(1, 12, 4, 3) },
  { name: "seed 2, 30×8, 5 classes (Gram path)", batch: randomBatch(2, 30, 8, 5) },
  { name: "seed 3, 16×3 on a coarse grid (many ties)", batch: randomBatch(3, 16, 3, 4, { ties: true }) },
  { name: "seed 4, 10×5 with a one-member class", batch: randomBatch(4, 10, 5, 3, { singleton: true }) },
  { name: "seed 5, 8×4 all-identical embeddings", batch: randomBatch(5, 8, 4, 2, { identical: true }) },
  { name: "seed 6, 9×4 queries against a 14-row reference set", batch: randomBatch(6, 9, 4, 3), ref: randomBatch(7, 14, 4, 4) },
];
const distances: [string, () => Distance][] = [
  ["LpDistance", () => new LpDistance()],
  ["unnormalised LpDistance", () => new LpDistance({ normalizeEmbeddings: false })],
  ["CosineSimilarity", () => new CosineSimilarityDistance()],
  ["DotProductSimilarity", () => new DotProductSimilarity()],
];

function setup(s: Scenario, makeDistance: () => Distance) {
  const distance = makeDistance();
  const m = matrixOf(distance, s.batch.e, s.ref?.e);
  const ry = s.ref ? s.ref.y : s.batch.y;
  const refOpts = s.ref ? { refEmbeddings: s.ref.e, refLabels: s.ref.y } : {};
  return { distance, m, y: s.batch.y, ry, self: !s.ref, inv: distance.isInverted, opts: { distance, ...refOpts } };
}

describe("every miner agrees with a naive loop on random batches (all metrics, ties, singletons, identical rows, reference sets)", () => {
  for (const s of scenarios) {
    for (const [dName, makeDistance] of distances) {
      it(`${s.name}, ${dName}: tripletMarginMiner for every type and two margins`, () => {
        const { m, y, ry, self, inv, opts } = setup(s, makeDistance);
        for (const margin of [0.2, 0.05]) {
          for (const type of ["all", "hard", "semihard", "easy"] as const) {
            const t = tripletMarginMiner(s.batch.e, s.batch.y, { ...opts, margin, type });
            assert.deepEqual(rows(t.anchors, t.positives, t.negatives), naiveTripletMargin(m, y, ry, self, inv, margin, type), `${type} @ ${margin}`);
          }
        }
      });
      it(`${s.name}, ${dName}: batchHardMiner and every batchEasyHardMiner strategy pair`, () => {
        const { m, y, ry, self, inv, opts } = setup(s, makeDistance);
        const bh = batchHardMiner(s.batch.e, s.batch.y, opts);
        const nh = naiveBatchEasyHard(m, y, ry, self, inv, "hard", "hard");
        assert.deepEqual(rows(bh.anchors, bh.positives, bh.negatives), nh.posPairs.map((pp, k) => [pp[0]!, pp[1]!, nh.negPairs[k]![1]!]));
        const strategies: BatchStrategy[] = ["easy", "semihard", "hard", "all"];
        for (const pos of strategies) {
          for (const neg of strategies) {
            if (pos === "semihard" && (neg === "semihard" || neg === "all")) continue;
            if (neg === "semihard" && pos === "all") continue;
            const t = batchEasyHardMiner(s.batch.e, s.batch.y, { ...opts, posStrategy: pos, negStrategy: neg });
            const want = naiveBatchEasyHard(m, y, ry, self, inv, pos, neg);
            assert.deepEqual(rows(t.a1, t.p), want.posPairs, `${pos}/${neg} positives`);
            assert.deepEqual(rows(t.a2, t.n), want.negPairs, `${pos}/${neg} negatives`);
          }
        }
      });
      it(`${s.name}, ${dName}: batchEasyHardMiner with allowed ranges`, () => {
        const { m, y, ry, self, inv, opts } = setup(s, makeDistance);
        const flat = m.flat().sort((a, b) => a - b);
        const lo = flat[Math.floor(flat.length * 0.2)]!;
        const hi = flat[Math.floor(flat.length * 0.8)]!;
        for (const [pos, neg] of [["easy", "semihard"], ["hard", "hard"], ["semihard", "easy"]] as const) {
          const t = batchEasyHardMiner(s.batch.e, s.batch.y, { ...opts, posStrategy: pos, negStrategy: neg, allowedPosRange: [lo, hi], allowedNegRange: [lo, hi] });
          const want = naiveBatchEasyHard(m, y, ry, self, inv, pos, neg, [lo, hi], [lo, hi]);
          assert.deepEqual(rows(t.a1, t.p), want.posPairs);
          assert.deepEqual(rows(t.a2, t.n), want.negPairs);
        }
      });
      it(`${s.name}, ${dName}: multiSimilarityMiner and pairMarginMiner`, () => {
        const { m, y, ry, self, inv, opts } = setup(s, makeDistance);
        const ms = multiSimilarityMiner(s.batch.e, s.batch.y, { ...opts, epsilon: 0.1 });
        const wantMs = naiveMultiSimilarity(m, y, ry, self, inv, 0.1);
        assert.deepEqual(sortTuples(rows(ms.a1, ms.p)), sortTuples(wantMs.posPairs));
        assert.deepEqual(sortTuples(rows(ms.a2, ms.n)), sortTuples(wantMs.negPairs));
        const [pm, nm] = inv ? [0.8, 0.2] : [0.2, 0.8];
        const pmm = pairMarginMiner(s.batch.e, s.batch.y, { ...opts, posMargin: pm, negMargin: nm });
        const wantPm = naivePairMargin(m, y, ry, self, inv, pm, nm);
        assert.deepEqual(rows(pmm.a1, pmm.p), wantPm.posPairs);
        assert.deepEqual(rows(pmm.a2, pmm.n), wantPm.negPairs);
      });
      it(`${s.name}, ${dName}: the FaceNet (TF Addons) and TF Similarity semi-hard variants, with their fallback`, () => {
        const { m, y, ry, self, inv, opts } = setup(s, makeDistance);
        for (const [variant, perAnchor] of [["facenet", false], ["tfSimilarity", true]] as const) {
          const t = tripletMarginMiner(s.batch.e, s.batch.y, { ...opts, type: "semihard", semihardVariant: variant });
          const want = naiveFacenet(m, y, ry, self, inv, perAnchor);
          assert.deepEqual(rows(t.anchors, t.positives, t.negatives), want.triplets, variant);
          assert.equal(t.stats.fallbacks, want.fallbacks, `${variant} fallbacks`);
        }
      });
    }
  }
  it("leaves no tensor behind, with array or tensor input", () => {
    const s = scenarios[1]!;
    const e = tf.tensor2d(s.batch.e);
    const before = tf.memory().numTensors;
    tripletMarginMiner(s.batch.e, s.batch.y);
    batchHardMiner(e, s.batch.y).explain();
    batchEasyHardMiner(e, s.batch.y, { refEmbeddings: e, refLabels: s.batch.y });
    multiSimilarityMiner(s.batch.e, s.batch.y);
    pairMarginMiner(e, s.batch.y);
    assert.equal(tf.memory().numTensors, before);
    e.dispose();
  });
});
