import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { batchEasyHardMiner, batchHardMiner, multiSimilarityMiner, pairMarginMiner, tripletMarginMiner, type TripletType } from "semantic-gps";
import { loadCases, sortTuples, toTensor, tuples, type FixtureCase } from "../helpers/fixtures";

// Expected index tuples are pytorch-metric-learning 2.8.1's output on the same batch (pml_miners.json).
const rows = (...cols: ArrayLike<number>[]): number[][] =>
  Array.from({ length: cols[0]!.length }, (_, k) => cols.map((c) => c[k] as number));

function inputs(c: FixtureCase): { e: tf.Tensor2D; y: number[] } {
  return { e: toTensor(c.inputs.embeddings!) as tf.Tensor2D, y: Array.from(toTensor(c.inputs.labels!).dataSync()) };
}

describe("miners reproduce pytorch-metric-learning's index tuples exactly (pml_miners.json)", () => {
  for (const c of loadCases("pml_miners.json", "pml.BatchHardMiner")) {
    it(`${c.name}: batchHardMiner gives the recorded triplets`, () => {
      const { e, y } = inputs(c);
      const t = batchHardMiner(e, y);
      assert.deepEqual(sortTuples(rows(t.anchors, t.positives, t.negatives)), tuples(c.expected.triplets!));
      e.dispose();
    });
  }
  for (const c of loadCases("pml_miners.json", "pml.TripletMarginMiner")) {
    it(`${c.name}: tripletMarginMiner(type ${String(c.params.type_of_triplets)}) gives the recorded triplets`, () => {
      const { e, y } = inputs(c);
      const t = tripletMarginMiner(e, y, { margin: c.params.margin as number, type: c.params.type_of_triplets as TripletType });
      assert.deepEqual(sortTuples(rows(t.anchors, t.positives, t.negatives)), tuples(c.expected.triplets!));
      e.dispose();
    });
  }
  for (const c of loadCases("pml_miners.json", "pml.MultiSimilarityMiner")) {
    it(`${c.name}: multiSimilarityMiner gives the recorded pairs`, () => {
      const { e, y } = inputs(c);
      const t = multiSimilarityMiner(e, y, { epsilon: c.params.epsilon as number });
      assert.deepEqual(sortTuples(rows(t.a1, t.p)), tuples(c.expected.pos_pairs!));
      assert.deepEqual(sortTuples(rows(t.a2, t.n)), tuples(c.expected.neg_pairs!));
      e.dispose();
    });
  }
  for (const c of loadCases("pml_miners.json", "pml.BatchEasyHardMiner")) {
    it(`${c.name}: batchEasyHardMiner gives the recorded pairs`, () => {
      const { e, y } = inputs(c);
      const t = batchEasyHardMiner(e, y, {
        posStrategy: (c.params.pos_strategy as "easy" | undefined) ?? "easy",
        negStrategy: (c.params.neg_strategy as "semihard" | undefined) ?? "semihard",
      });
      assert.deepEqual(sortTuples(rows(t.a1, t.p)), tuples(c.expected.pos_pairs!));
      assert.deepEqual(sortTuples(rows(t.a2, t.n)), tuples(c.expected.neg_pairs!));
      e.dispose();
    });
  }
  for (const c of loadCases("pml_miners.json", "pml.PairMarginMiner")) {
    it(`${c.name}: pairMarginMiner gives the recorded pairs`, () => {
      const { e, y } = inputs(c);
      const t = pairMarginMiner(e, y, { posMargin: c.params.pos_margin as number, negMargin: c.params.neg_margin as number });
      assert.deepEqual(sortTuples(rows(t.a1, t.p)), tuples(c.expected.pos_pairs!));
      assert.deepEqual(sortTuples(rows(t.a2, t.n)), tuples(c.expected.neg_pairs!));
      e.dispose();
    });
  }
});
