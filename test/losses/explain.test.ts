import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import {
  allPairsIndices,
  allTripletsIndices,
  avgNonZeroReducer,
  circleLoss,
  clipInfoNceLoss,
  contrastiveLoss,
  CosineSimilarityDistance,
  cosineEmbeddingLoss,
  crossEntropy,
  DotProductSimilarity,
  infoNceLoss,
  LossExplanation,
  LpDistance,
  marginRankingLoss,
  MAX_EXPLAINED_ELEMENTS,
  meanReducer,
  multipleNegativesRankingLoss,
  multiSimilarityLoss,
  noReducer,
  ntXentLoss,
  perAnchorReducer,
  sumReducer,
  supConLoss,
  thresholdReducer,
  tripletLoss,
  tripletMarginLoss,
  tripletMarginWithDistanceLoss,
  type ExplainedElement,
  type IndexTuple,
  type Reducer,
  type TripletRow,
} from "semantic-gps";
import { assertNoLeak } from "../helpers/fixtures";
import { euclid, gaussian, l2normalize, randomLabels, rng } from "../helpers/metricLearning";

const DISPLAY = Symbol.for("Jupyter.display");

/** The loss's own value (a scalar, or the sum of an unreduced vector), disposing the tensor. */
function lossValue(t: tf.Tensor): number {
  const v = Array.from(t.dataSync()).reduce((s, x) => s + x, 0);
  t.dispose();
  return v;
}

function assertValue<Row extends ExplainedElement>(ex: LossExplanation<Row>, expected: number, label: string): void {
  const tol = 2e-5 * Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(ex.value - expected) <= tol, `${label}: explanation ${ex.value} vs loss ${expected}`);
  const total = ex.rows.reduce((s, r) => s + r.contribution, 0);
  assert.ok(Math.abs(total - ex.value) <= tol, `${label}: contributions add up to ${total}, value ${ex.value}`);
}

/** Some of the valid triplets (every third, the first one twice): a mined tuple with a duplicate. */
function minedTriplets(labels: number[]): IndexTuple {
  const all = allTripletsIndices(labels);
  const keep = Array.from(all.anchors, (_, k) => k).filter((k) => k % 3 === 0);
  keep.push(0);
  const pick = (a: Int32Array): Int32Array => Int32Array.from(keep, (k) => a[k] as number);
  return { kind: "triplets", anchors: pick(all.anchors), positives: pick(all.positives), negatives: pick(all.negatives) };
}

/** Some of the pairs (every second positive, every third negative, the first of each twice). */
function minedPairs(labels: number[]): IndexTuple {
  const all = allPairsIndices(labels);
  const sub = (a: Int32Array, step: number): Int32Array => Int32Array.from([...Array.from(a).filter((_, k) => k % step === 0), a[0] as number]);
  return { kind: "pairs", a1: sub(all.a1, 2), p: sub(all.p, 2), a2: sub(all.a2, 3), n: sub(all.n, 3) };
}

type LabelLoss = ((e: number[][], l: number[] | null, o?: Record<string, unknown>) => tf.Tensor) & {
  explain: (e: number[][], l: number[] | null, o?: Record<string, unknown>) => LossExplanation<ExplainedElement>;
};

const PML_LOSSES: [string, LabelLoss][] = [
  ["tripletLoss", tripletLoss as unknown as LabelLoss],
  ["contrastiveLoss", contrastiveLoss as unknown as LabelLoss],
  ["ntXentLoss", ntXentLoss as unknown as LabelLoss],
  ["supConLoss", supConLoss as unknown as LabelLoss],
  ["multiSimilarityLoss", multiSimilarityLoss as unknown as LabelLoss],
  ["circleLoss", circleLoss as unknown as LabelLoss],
];

describe("explain of a pytorch-metric-learning loss: a hand-worked triplet case", () => {
  const flat = new LpDistance({ normalizeEmbeddings: false });
  it("tripletLoss.explain lists each triplet with its distances, violation, category, share and a verdict", () => {
    // 1-D points 0, 0.1 (class 0) and 0.3 (class 1), margin 0.15:
    // (0,1,2): d(a,p) 0.1, d(a,n) 0.3, gap 0.2 ≥ 0.15 → easy, loss 0
    // (1,0,2): d(a,p) 0.1, d(a,n) 0.2, gap 0.1 < 0.15 → semi-hard, loss 0.15 − 0.1 = 0.05
    // avgNonZero: the mean of the one active triplet = 0.05, all of it from (1,0,2).
    const ex = tripletLoss.explain([[0], [0.1], [0.3]], [0, 0, 1], { margin: 0.15, distance: flat });
    assert.equal(ex.rows.length, 2);
    const [first, second] = ex.rows as [TripletRow, TripletRow];
    assert.deepEqual([first.anchor, first.positive, first.negative, first.category], [0, 1, 2, "easy"]);
    assert.deepEqual([second.anchor, second.positive, second.negative, second.category], [1, 0, 2, "semi-hard"]);
    assert.ok(Math.abs(first.ap - 0.1) < 1e-6 && Math.abs(first.an - 0.3) < 1e-6, "Math.abs(first.ap - 0.1) < 1e-6 && Math.abs(first.an - 0.3) < 1e-6");
    assert.ok(Math.abs(first.violation - -0.05) < 1e-6 && first.loss === 0 && first.share === 0, "Math.abs(first.violation - -0.05) < 1e-6 && first.loss === 0 && first.share === 0");
    assert.ok(Math.abs(second.violation - 0.05) < 1e-6 && Math.abs(second.loss - 0.05) < 1e-6, "Math.abs(second.violation - 0.05) < 1e-6 && Math.abs(second.loss - 0.05) < 1e-6");
    assert.ok(Math.abs(second.share - 1) < 1e-9, "Math.abs(second.share - 1) < 1e-9");
    assert.ok(Math.abs(ex.value - 0.05) < 1e-6, "Math.abs(ex.value - 0.05) < 1e-6");
    assert.equal(ex.verdict, "loss 0.0500 = mean of 1 active triplet out of 2; 1 already easy, 1 semi-hard, 0 hard");
  });

  it("a negative closer than the positive is hard, and shares split the mean by loss", () => {
    // points 0, 0.3 (class 0), 0.1 (class 1), margin 0.15:
    // (0,1,2): 0.3 − 0.1 + 0.15 = 0.35 (gap −0.2, hard); (1,0,2): 0.3 − 0.2 + 0.15 = 0.25 (gap −0.1, hard)
    // mean 0.3; shares 0.35/0.6 and 0.25/0.6.
    const ex = tripletLoss.explain([[0], [0.3], [0.1]], [0, 0, 1], { margin: 0.15, distance: flat });
    assert.deepEqual(ex.rows.map((r) => r.category), ["hard", "hard"]);
    assert.ok(Math.abs(ex.value - 0.3) < 1e-6, "Math.abs(ex.value - 0.3) < 1e-6");
    assert.ok(Math.abs((ex.rows[0]?.share ?? 0) - 0.35 / 0.6) < 1e-6, "Math.abs((ex.rows[0]?.share ?? 0) - 0.35 / 0.6) < 1e-6");
    assert.ok(Math.abs((ex.rows[1]?.share ?? 0) - 0.25 / 0.6) < 1e-6, "Math.abs((ex.rows[1]?.share ?? 0) - 0.25 / 0.6) < 1e-6");
    assert.deepEqual(ex.counts, { total: 2, active: 2, counted: 2, easy: 0, semiHard: 0, hard: 2 });
  });

  it("the verdict groups thousands: 24 points in 4 classes of 6 give 2,160 triplets", () => {
    const x = gaussian(3, 24, 4);
    const y = Array.from({ length: 24 }, (_, i) => i % 4);
    const ex = tripletLoss.explain(x, y);
    assert.equal(ex.rows.length, 2160);
    assert.match(ex.verdict, /^loss \d\.\d{4} = mean of [\d,]+ active triplets out of 2,160; [\d,]+ already easy, [\d,]+ semi-hard, [\d,]+ hard$/);
    assert.equal(ex.counts.easy + ex.counts.semiHard + ex.counts.hard, 2160);
  });
});

describe("explain's value equals the loss for every pytorch-metric-learning loss", () => {
  const reducers: [string, () => Reducer][] = [
    ["default", () => undefined as unknown as Reducer],
    ["mean", meanReducer],
    ["sum", sumReducer],
    ["avgNonZero", avgNonZeroReducer],
    ["threshold", () => thresholdReducer({ low: 0.01, high: 5 })],
    ["perAnchor", () => perAnchorReducer()],
    ["none", noReducer],
  ];
  for (const [name, loss] of PML_LOSSES) {
    for (const seed of [1, 2, 3]) {
      it(`${name}, seed ${seed}: all pairs/triplets, mined triplets, mined pairs and a reference set, with each reducer`, () => {
        const n = 8 + 2 * seed;
        const x = gaussian(seed, n, 5);
        const y = randomLabels(seed + 10, n, 3);
        const ref = gaussian(seed + 20, 7, 5);
        const refY = randomLabels(seed + 30, 7, 3);
        const settings: [string, Record<string, unknown>][] = [
          ["all", {}],
          ["mined triplets", { indicesTuple: minedTriplets(y) }],
          ["mined pairs", { indicesTuple: minedPairs(y) }],
          ["reference set", { refEmbeddings: ref, refLabels: refY }],
        ];
        for (const [what, base] of settings) {
          for (const [rname, make] of reducers) {
            const o = rname === "default" ? base : { ...base, reducer: make() };
            const expected = lossValue(loss(x, y, o));
            const ex = loss.explain(x, y, o);
            assertValue(ex, expected, `${what}, ${rname}`);
          }
        }
      });
    }
  }

  it("options reach the breakdown: tripletLoss with swap, smoothLoss, a similarity and a reference set", () => {
    const x = gaussian(7, 9, 4);
    const y = randomLabels(8, 9, 3);
    const ref = gaussian(9, 6, 4);
    const refY = randomLabels(10, 6, 3);
    for (const o of [
      { swap: true },
      { smoothLoss: true, margin: 0.3 },
      { distance: new CosineSimilarityDistance(), margin: 0.2, swap: true },
      { swap: true, refEmbeddings: ref, refLabels: refY },
      { distance: new DotProductSimilarity({ normalizeEmbeddings: false }), margin: 0.5 },
    ]) {
      assertValue(tripletLoss.explain(x, y, o), lossValue(tripletLoss(x, y, o)), JSON.stringify(Object.keys(o)));
    }
    for (const o of [{ posMargin: 0.2, negMargin: 0.8 }, { distance: new CosineSimilarityDistance(), posMargin: 0.9, negMargin: 0.1 }]) {
      assertValue(contrastiveLoss.explain(x, y, o), lossValue(contrastiveLoss(x, y, o)), "contrastive margins");
    }
    assertValue(ntXentLoss.explain(x, y, { temperature: 0.5 }), lossValue(ntXentLoss(x, y, { temperature: 0.5 })), "ntXent temperature");
    assertValue(ntXentLoss.explain(x, y, { distance: new LpDistance() }), lossValue(ntXentLoss(x, y, { distance: new LpDistance() })), "ntXent with a distance");
    assertValue(supConLoss.explain(x, y, { temperature: 0.3 }), lossValue(supConLoss(x, y, { temperature: 0.3 })), "supCon temperature");
    const ms = { alpha: 1, beta: 10, base: 0.2 };
    assertValue(multiSimilarityLoss.explain(x, y, ms), lossValue(multiSimilarityLoss(x, y, ms)), "multiSimilarity options");
    assertValue(circleLoss.explain(x, y, { m: 0.25, gamma: 32 }), lossValue(circleLoss(x, y, { m: 0.25, gamma: 32 })), "circle options");
  });

  it("per-triplet rows agree with a naive float64 loop: distances, violation and category", () => {
    const x = gaussian(11, 10, 3);
    const y = randomLabels(12, 10, 3);
    const margin = 0.3;
    const ex = tripletLoss.explain(x, y, { margin });
    const xn = l2normalize(x);
    const all = allTripletsIndices(y);
    assert.equal(ex.rows.length, all.anchors.length);
    for (const row of ex.rows as readonly TripletRow[]) {
      const ap = euclid(xn[row.anchor]!, xn[row.positive]!);
      const an = euclid(xn[row.anchor]!, xn[row.negative]!);
      assert.ok(Math.abs(row.ap - ap) < 1e-5 && Math.abs(row.an - an) < 1e-5, "Math.abs(row.ap - ap) < 1e-5 && Math.abs(row.an - an) < 1e-5");
      assert.ok(Math.abs(row.violation - (ap - an + margin)) < 1e-5, "Math.abs(row.violation - (ap - an + margin)) < 1e-5");
      assert.ok(Math.abs(row.loss - Math.max(ap - an + margin, 0)) < 1e-5, "Math.abs(row.loss - Math.max(ap - an + margin, 0)) < 1e-5");
      const expected = an - ap <= 0 ? "hard" : an - ap < margin ? "semi-hard" : "easy";
      if (Math.abs(an - ap) > 1e-5 && Math.abs(an - ap - margin) > 1e-5) assert.equal(row.category, expected);
      assert.equal(row.anchorLabel, y[row.anchor]);
      assert.equal(row.negativeLabel, y[row.negative]);
    }
  });

  it("for a similarity the inequalities flip: hard means s(a,n) ≥ s(a,p)", () => {
    const x = gaussian(13, 10, 3);
    const y = randomLabels(14, 10, 2);
    const margin = 0.2;
    const ex = tripletLoss.explain(x, y, { margin, distance: new CosineSimilarityDistance() });
    let seen = 0;
    for (const row of ex.rows as readonly TripletRow[]) {
      const gap = row.ap - row.an;
      const expected = gap <= 0 ? "hard" : gap < margin ? "semi-hard" : "easy";
      assert.equal(row.category, expected);
      assert.ok(Math.abs(row.violation - (margin - gap)) < 1e-6, "Math.abs(row.violation - (margin - gap)) < 1e-6");
      seen |= { hard: 1, "semi-hard": 2, easy: 4 }[row.category];
    }
    assert.equal(seen, 7, "the random batch has triplets of every category");
  });

  it("a pair listed twice in a mined tuple is one row with count 2, and counts twice in the value", () => {
    const x = gaussian(15, 6, 3);
    const y = [0, 0, 1, 1, 2, 2];
    const pairs: IndexTuple = { kind: "pairs", a1: Int32Array.of(0, 0, 2), p: Int32Array.of(1, 1, 3), a2: Int32Array.of(0, 1, 1), n: Int32Array.of(2, 4, 4) };
    for (const reducer of [meanReducer(), perAnchorReducer(), sumReducer()]) {
      const o = { indicesTuple: pairs, reducer, posMargin: -1, distance: new LpDistance({ normalizeEmbeddings: false }) };
      const ex = contrastiveLoss.explain(x, y, o);
      assert.deepEqual(ex.rows.map((r) => r.count), [2, 1, 1, 2]);
      assert.equal(ex.counts.total, 6);
      assertValue(ex, lossValue(contrastiveLoss(x, y, o)), reducer.name);
    }
  });

  it("with no reduction, the value is the sum of the returned losses", () => {
    const x = gaussian(16, 8, 3);
    const y = randomLabels(17, 8, 2);
    const ex = supConLoss.explain(x, y, { reducer: noReducer() });
    assertValue(ex, lossValue(supConLoss(x, y, { reducer: noReducer() })), "none");
    assert.match(ex.verdict, /^losses adding up to [\d.]+ — no reduction: 8 anchors/);
  });

  it("a batch without a positive pair explains the zero loss instead of listing elements", () => {
    // Contrastive and multi-similarity losses still push the negatives apart; the others have nothing to learn.
    for (const [name, loss] of PML_LOSSES) {
      const x = [[1, 0], [0, 1], [1, 1]];
      const ex = loss.explain(x, [0, 1, 2]);
      assertValue(ex, lossValue(loss(x, [0, 1, 2])), name);
      if (ex.rows.length === 0) assert.match(ex.verdict, /^loss 0: /, name);
      if (name !== "contrastiveLoss" && name !== "multiSimilarityLoss") assert.equal(ex.value, 0, name);
    }
    assert.match(tripletLoss.explain([[1, 0], [0, 1]], [0, 1]).verdict, /^loss 0: no triplet/);
  });

  it("explain leaves no tensor behind, for every loss", () => {
    const x = gaussian(18, 8, 3);
    const y = randomLabels(19, 8, 2);
    for (const [name, loss] of PML_LOSSES) assertNoLeak(() => loss.explain(x, y, { indicesTuple: minedTriplets(y) }), name);
    const a = gaussian(20, 4, 3);
    const b = gaussian(21, 4, 3);
    const c = gaussian(22, 4, 3);
    assertNoLeak(() => tripletMarginLoss.explain(a, b, c, { swap: true }), "tripletMarginLoss");
    assertNoLeak(() => tripletMarginWithDistanceLoss.explain(a, b, c), "tripletMarginWithDistanceLoss");
    assertNoLeak(() => cosineEmbeddingLoss.explain(a, b, [1, -1, 1, -1]), "cosineEmbeddingLoss");
    assertNoLeak(() => marginRankingLoss.explain([1, 2], [2, 1], [1, 1]), "marginRankingLoss");
    assertNoLeak(() => crossEntropy.explain(a, [0, 1, 2, 0]), "crossEntropy");
    assertNoLeak(() => infoNceLoss.explain(a, b), "infoNceLoss");
    assertNoLeak(() => clipInfoNceLoss.explain(a, b), "clipInfoNceLoss");
    assertNoLeak(() => multipleNegativesRankingLoss.explain(a, b, { negative: c }), "multipleNegativesRankingLoss");
  });

  it("explain checks its arguments as the loss does", () => {
    assert.throws(() => tripletLoss.explain([[1, 0], [0, 1]], [0, 1, 1]), /tripletLoss: 'labels' must be one label per row/);
    assert.throws(() => ntXentLoss.explain([[1, 0], [0, 1]], [0, 1], { temperature: 0 }), /ntXentLoss: 'temperature' must be/);
    assert.throws(() => contrastiveLoss.explain([[1, 0], [0, 1]], [0, 0.5]), /contrastiveLoss: 'labels' must be integer labels/);
    assert.throws(() => infoNceLoss.explain([[1, 0]], [[1, 0]], { temperature: 1, scale: 1 }), /infoNceLoss: 'options' must be given 'temperature' or 'scale'/);
  });

  it("a batch too large to list one row per pair is refused with a hint to mine it", () => {
    const n = Math.ceil(Math.sqrt(MAX_EXPLAINED_ELEMENTS)) + 1;
    const x = Array.from({ length: n }, (_, i) => [i % 7, 1]);
    const y = Array.from({ length: n }, (_, i) => i % 5);
    assert.throws(() => contrastiveLoss.explain(x, y), /contrastiveLoss\.explain: 'embeddings' must be a batch with at most 1048576/);
  });
});

describe("explain's value equals the loss for the PyTorch and sentence-transformers losses", () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: every loss and reduction, random shapes`, () => {
      const u = rng(seed);
      const n = 3 + Math.floor(u() * 6);
      const d = 2 + Math.floor(u() * 4);
      const [a, p, q] = [gaussian(seed, n, d), gaussian(seed + 1, n, d), gaussian(seed + 2, n, d)];
      const targets = randomLabels(seed + 3, n, 2).map((t) => (t === 0 ? -1 : 1));
      for (const reduction of ["mean", "sum", "none"] as const) {
        const o = { reduction, margin: 0.5 };
        assertValue(tripletMarginLoss.explain(a, p, q, { ...o, swap: true }), lossValue(tripletMarginLoss(a, p, q, { ...o, swap: true })), `tripletMarginLoss ${reduction}`);
        const cosDist = (x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor => tf.sub(1, tf.sum(tf.mul(x, y), 1));
        const o2 = { reduction, distanceFunction: cosDist };
        assertValue(tripletMarginWithDistanceLoss.explain(a, p, q, o2), lossValue(tripletMarginWithDistanceLoss(a, p, q, o2)), `withDistance ${reduction}`);
        const o3 = { reduction, margin: 0.1 };
        assertValue(cosineEmbeddingLoss.explain(a, p, targets, o3), lossValue(cosineEmbeddingLoss(a, p, targets, o3)), `cosineEmbedding ${reduction}`);
        const s1 = a.map((r) => r[0]!);
        const s2 = p.map((r) => r[0]!);
        assertValue(marginRankingLoss.explain(s1, s2, targets, o3), lossValue(marginRankingLoss(s1, s2, targets, o3)), `marginRanking ${reduction}`);
        const cls = randomLabels(seed + 4, n, d);
        assertValue(crossEntropy.explain(a, cls, { reduction }), lossValue(crossEntropy(a, cls, { reduction })), `crossEntropy ${reduction}`);
      }
      const keys = gaussian(seed + 5, n + 2, d);
      for (const o of [{}, { temperature: 0.01 }, { scale: 20 }]) {
        assertValue(infoNceLoss.explain(a, keys, o), lossValue(infoNceLoss(a, keys, o)), `infoNce ${JSON.stringify(o)}`);
        assertValue(clipInfoNceLoss.explain(a, p, o), lossValue(clipInfoNceLoss(a, p, o)), `clip ${JSON.stringify(o)}`);
      }
      assertValue(multipleNegativesRankingLoss.explain(a, p), lossValue(multipleNegativesRankingLoss(a, p)), "mnrl");
      assertValue(multipleNegativesRankingLoss.explain(a, p, { negative: q }), lossValue(multipleNegativesRankingLoss(a, p, { negative: q })), "mnrl with hard negatives");
    });
  }

  it("softmax rows: loss = −log p(+), hard exactly when another logit is at least the target's", () => {
    // Row 0: logits (2, 1, 0), target 0: p = e²/(e²+e+1) = 0.6652 → easy.
    // Row 1: logits (0, 0.5, 0.4), target 2: 0.5 > 0.4 → hard.
    // Row 2: logits (1, 0.9, 0.8), target 0: first, but p = e/(e + e^0.9 + e^0.8) = 0.3672 → semi-hard.
    const ex = crossEntropy.explain([[2, 1, 0], [0, 0.5, 0.4], [1, 0.9, 0.8]], [0, 2, 0]);
    assert.deepEqual(ex.rows.map((r) => r.category), ["easy", "hard", "semi-hard"]);
    for (const r of ex.rows) assert.ok(Math.abs(r.loss + Math.log((r as { probability: number }).probability)) < 1e-6, "Math.abs(r.loss + Math.log((r as { probability: number }).probability)) < 1e-6");
    const p0 = Math.exp(2) / (Math.exp(2) + Math.exp(1) + 1);
    assert.ok(Math.abs(((ex.rows[0] as { probability: number }).probability) - p0) < 1e-6, "Math.abs(((ex.rows[0] as { probability: number }).probability) - p0) < 1e-6");
  });

  it("clipInfoNceLoss lists both directions, each weighing 1/(2N)", () => {
    const a = gaussian(30, 5, 3);
    const b = gaussian(31, 5, 3);
    const ex = clipInfoNceLoss.explain(a, b, { temperature: 0.5 });
    assert.equal(ex.rows.length, 10);
    assert.deepEqual([...new Set(ex.rows.map((r) => (r as { direction: string }).direction))], ["a→b", "b→a"]);
    for (const r of ex.rows) assert.ok(Math.abs(r.contribution - r.loss / 10) < 1e-12, `${r.contribution} vs ${r.loss} / 10`);
    assert.match(ex.verdict, /^loss [\d.]+ = \(a→b [\d.]+ \+ b→a [\d.]+\) \/ 2/);
  });
});

describe("an explanation displays as a table", () => {
  const x = gaussian(40, 12, 4);
  const y = Array.from({ length: 12 }, (_, i) => i % 3);

  it("the display protocol gives escaped HTML and text, with the verdict and the definitions", () => {
    const ex = tripletLoss.explain(x, y, { margin: 0.2 });
    const bundle = (ex as unknown as Record<symbol, () => Record<string, string>>)[DISPLAY]!();
    const html = bundle["text/html"]!;
    const text = bundle["text/plain"]!;
    assert.match(html, /<table/);
    assert.ok(html.includes("0 &lt; gap &lt; 0.2"), "definitions are HTML-escaped");
    assert.ok(!html.includes("0 < gap"), "no raw '<' from the definitions");
    assert.ok(text.includes(ex.verdict), "text.includes(ex.verdict)");
    assert.ok(text.includes("semi-hard: 0 < gap < 0.2"), "text.includes(\"semi-hard: 0 < gap < 0.2\")");
    assert.equal(String(ex), text);
  });

  it("the table shows the most violating rows first and says how many more there are", () => {
    const ex = tripletLoss.explain(x, y);
    const table = ex.table({ maxRows: 5 });
    assert.equal(table.rows.length, ex.rows.length);
    const worst = Math.max(...ex.rows.map((r) => r.violation));
    assert.equal(table.rows[0]?.violation, worst);
    for (let i = 1; i < table.rows.length; i++) assert.ok((table.rows[i - 1]?.violation ?? 0) >= (table.rows[i]?.violation ?? 0), "(table.rows[i - 1]?.violation ?? 0) >= (table.rows[i]?.violation ?? 0)");
    assert.ok(table.toText().includes(`… ${ex.rows.length - 5} more rows`), "the hidden rows are counted");
  });

  it("column names say whether the numbers are distances or similarities", () => {
    const dist = tripletLoss.explain(x, y).table().toText();
    const sim = tripletLoss.explain(x, y, { distance: new CosineSimilarityDistance() }).table().toText();
    assert.ok(dist.includes("d(a,p)") && dist.includes("d(a,n)"), "dist.includes(\"d(a,p)\") && dist.includes(\"d(a,n)\")");
    assert.ok(sim.includes("s(a,p)") && sim.includes("s(a,n)"), "sim.includes(\"s(a,p)\") && sim.includes(\"s(a,n)\")");
  });
});
