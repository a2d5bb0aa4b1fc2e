import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import {
  batchHardMiner,
  batchEasyHardMiner,
  CosineSimilarityDistance,
  CrossBatchMemory,
  distanceWeightedMiner,
  LpDistance,
  pairMarginMiner,
  pkSampler,
  randomNegativeMiner,
  tripletMarginMiner,
  validateBatch,
  ZONE_DEFINITIONS,
} from "semantic-gps";
import { matrixOf, randomBatch } from "./naive";

const plain = new LpDistance({ normalizeEmbeddings: false });

describe("pkSampler draws P classes × K samples so that every anchor has a positive", () => {
  const labels = [...Array(5).fill(0), ...Array(4).fill(1), ...Array(2).fill(2), 3, ...Array(6).fill(4)];
  it("every batch has P distinct classes, K rows each, and each row a different same-class row", () => {
    const s = pkSampler(labels, { p: 3, k: 3, seed: 7 });
    assert.deepEqual(s.classes, [0, 1, 2, 4]);
    assert.deepEqual(s.skippedClasses, [3]); // one member: no positive possible
    for (let b = 0; b < 20; b++) {
      const batch = Array.from(s.next());
      assert.equal(batch.length, 9);
      const groups = [0, 3, 6].map((o) => batch.slice(o, o + 3));
      assert.equal(new Set(groups.map((g) => labels[g[0]!])).size, 3);
      for (const g of groups) {
        assert.ok(g.every((i) => labels[i] === labels[g[0]!]));
        assert.ok(new Set(g).size >= 2, "at least two distinct members, so every row has a positive");
      }
      assert.ok(validateBatch(batch.map((i) => labels[i]!)).ok);
    }
  });
  it("is reproducible from its seed and differs across seeds", () => {
    const a = pkSampler(labels, { p: 2, k: 2, seed: 1 }).epoch();
    assert.deepEqual(a, pkSampler(labels, { p: 2, k: 2, seed: 1 }).epoch());
    assert.notDeepEqual(a, pkSampler(labels, { p: 2, k: 2, seed: 2 }).epoch());
    assert.equal(a.length, 2); // ⌊4 classes / P⌋
  });
  it('with smallClasses "skip" leaves out classes with fewer than K members', () => {
    assert.deepEqual(pkSampler(labels, { p: 2, k: 4, smallClasses: "skip" }).classes, [0, 1, 4]);
  });
  it("visits every usable class once before repeating one", () => {
    const s = pkSampler(labels, { p: 2, k: 2, seed: 3 });
    const seen = [s.next(), s.next()].flatMap((b) => [labels[b[0]!], labels[b[2]!]]);
    assert.deepEqual([...seen].sort(), [0, 1, 2, 4]);
  });
  it("rejects too few usable classes, missing p/k, and k < 2", () => {
    assert.throws(() => pkSampler([0, 0, 1], { p: 2, k: 2 }), /'labels' must be at least p = 2 classes with >= 2 members, but got 1 such classes \(of 2\)/);
    assert.throws(() => pkSampler(labels, { k: 2 } as never), /'p' must be an integer >= 2/);
    assert.throws(() => pkSampler(labels, { p: 2, k: 1 }), /'k' must be an integer >= 2/);
    assert.throws(() => pkSampler(labels, { p: 2, k: 2, smallClasses: "drop" as never }), /'smallClasses' must be one of "replace", "skip"/);
  });
});

describe("validateBatch warns about batches that cannot train", () => {
  it("warns when no two rows share a label (TF Addons NaN, PML silent zero), and prints only when asked", () => {
    const warned: unknown[] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => warned.push(args);
    try {
      const r = validateBatch([3, 1, 2], { warn: true });
      assert.equal(r.ok, false);
      assert.match(r.warnings[0]!, /^no positive pair/);
      assert.equal(r.positivePairs, 0);
      assert.equal(warned.length, 1);
      validateBatch([3, 1, 2]);
      assert.equal(warned.length, 1);
    } finally {
      console.warn = original;
    }
  });
  it("lists anchors without a positive, and flags a single-label batch", () => {
    const r = validateBatch(tf.tensor1d([0, 0, 1, 2, 2], "int32"));
    assert.deepEqual(r.anchorsWithoutPositive, [2]);
    assert.equal(r.positivePairs, 4); // (0,1),(1,0),(3,4),(4,3)
    assert.equal(r.negativePairs, 25 - 9);
    assert.match(r.warnings[0]!, /1 of 5 rows have no positive/);
    assert.match(validateBatch([4, 4, 4]).warnings[0]!, /^no negative pair/);
    assert.ok(validateBatch([0, 0, 1, 1]).ok);
  });
});

describe("distanceWeightedMiner samples negatives by inverse sphere density, reproducibly", () => {
  const { e, y } = randomBatch(21, 24, 8, 4);
  it("gives |class| triplets per anchor with a valid positive and a non-zero-weight negative", () => {
    const t = distanceWeightedMiner(e, y, { seed: 5 });
    const m = matrixOf(new LpDistance(), e);
    const perAnchor = new Map<number, number>();
    for (let k = 0; k < t.anchors.length; k++) {
      const [a, p, n] = [t.anchors[k]!, t.positives[k]!, t.negatives[k]!];
      perAnchor.set(a, (perAnchor.get(a) ?? 0) + 1);
      assert.ok(y[p] === y[a] && p !== a);
      assert.ok(y[n] !== y[a] && m[a]![n]! < 1.4);
    }
    for (const count of perAnchor.values()) assert.equal(count, 6); // 24 rows / 4 classes
  });
  it("is reproducible per seed and draws near negatives more often than uniform sampling would", () => {
    const a = distanceWeightedMiner(e, y, { seed: 9 });
    assert.deepEqual(Array.from(a.negatives), Array.from(distanceWeightedMiner(e, y, { seed: 9 }).negatives));
    assert.notDeepEqual(Array.from(a.negatives), Array.from(distanceWeightedMiner(e, y, { seed: 10 }).negatives));
    // In 8 dimensions w(d) = d^-6 (1 − d²/4)^-2.5 falls steeply: the mean sampled distance is
    // below the mean distance to all negatives under the cutoff.
    const m = matrixOf(new LpDistance(), e);
    let sampled = 0;
    const big = distanceWeightedMiner(e, y, { seed: 1 });
    for (let k = 0; k < big.anchors.length; k++) sampled += m[big.anchors[k]!]![big.negatives[k]!]!;
    let all = 0;
    let count = 0;
    for (let i = 0; i < y.length; i++) for (let j = 0; j < y.length; j++) if (y[i] !== y[j] && m[i]![j]! < 1.4) (all += m[i]![j]!, count++);
    assert.ok(sampled / big.anchors.length < all / count);
  });
  it("refuses a similarity or an unnormalised distance", () => {
    assert.throws(() => distanceWeightedMiner(e, y, { distance: new CosineSimilarityDistance() }), /'distance' must be LpDistance with p = 2/);
    assert.throws(() => distanceWeightedMiner(e, y, { distance: plain }), /'distance' must be LpDistance with p = 2/);
  });
});

describe("randomNegativeMiner draws one negative per (anchor, positive)", () => {
  it("covers every positive pair once with a negative, reproducibly", () => {
    const { e, y } = randomBatch(3, 12, 4, 3);
    const t = randomNegativeMiner(e, y, { seed: 2 });
    assert.equal(t.anchors.length, 12 * 3); // each row has 3 positives
    for (let k = 0; k < t.anchors.length; k++) assert.notEqual(y[t.negatives[k]!], y[t.anchors[k]!]);
    assert.deepEqual(Array.from(t.negatives), Array.from(randomNegativeMiner(e, y, { seed: 2 }).negatives));
  });
});

describe("miners report statistics and explain themselves", () => {
  // Hand-worked batch on a line, plain Euclidean distance: rows at 0, 0.1, 0.35 (label 0), 0.5, 2 (label 1), 5 (label 9).
  const e = [[0], [0.1], [0.35], [0.5], [2], [5]];
  const y = [0, 0, 0, 1, 1, 9];
  it("batchHardMiner: per anchor the farthest positive and the closest negative, with stats", () => {
    const t = batchHardMiner(e, y, { distance: plain });
    // anchor 0: farthest positive 2 (0.35), closest negative 3 (0.5) → gap 0.15, semi-hard
    // anchor 1: 2 (0.25), 3 (0.4) → 0.15 semi-hard;  anchor 2: 0 (0.35), 3 (0.15) → −0.2 hard
    // anchor 3: 4 (1.5), 2 (0.15) → −1.35 hard;       anchor 4: 3 (1.5), 2 (1.65) → 0.15 semi-hard
    assert.deepEqual([Array.from(t.anchors), Array.from(t.positives), Array.from(t.negatives)], [[0, 1, 2, 3, 4], [2, 2, 0, 4, 3], [3, 3, 3, 2, 2]]);
    const s = t.stats;
    assert.equal(s.numTriplets, 5);
    assert.equal(s.anchorsWithoutPositive, 1); // row 5, label 9
    assert.equal(s.anchorsWithoutNegative, 0);
    assert.equal(s.anchorsWithoutValidTuple, 0);
    // d(a,p): 0.35, 0.25, 0.35, 1.5, 1.5 (mean 0.79); d(a,n): 0.5, 0.4, 0.15, 0.15, 1.65
    assert.ok(Math.abs(s.apMean - 0.79) < 1e-6 && Math.abs(s.apMax - 1.5) < 1e-6 && Math.abs(s.apMin - 0.25) < 1e-6);
    assert.ok(Math.abs(s.anMin - 0.15) < 1e-6 && Math.abs(s.anMax - 1.65) < 1e-6 && Math.abs(s.anMean - 0.57) < 1e-6);
    const table = t.explain();
    const rows = table.rows;
    assert.equal(rows.length, 6);
    assert.deepEqual(rows.map((r) => r.zone), ["semi-hard", "semi-hard", "hard", "hard", "semi-hard", null]);
    assert.equal(rows[5]!.note, "no positive in the reference set");
    assert.deepEqual(t.explain({ margin: 0.1 }).rows.map((r) => r.zone).slice(0, 2), ["easy", "easy"]);
    const text = table.toText();
    for (const line of ZONE_DEFINITIONS) assert.ok(text.includes(line));
    assert.match(text, /batchHardMiner: 5 triplets from 6 anchors/);
    assert.match(table.toHtml(), /<table/);
  });
  it("pair miners report pair counts and their hardest pair per anchor", () => {
    const t = pairMarginMiner(e, y, { distance: plain, posMargin: 0.15, negMargin: 0.45 });
    // positives farther than 0.15: (0,2),(1,2),(2,0),(2,1),(3,4),(4,3); negatives closer than 0.45: (1,3) 0.4, (2,3) 0.15, (3,1),(3,2)
    assert.equal(t.stats.numPosPairs, 6);
    assert.equal(t.stats.numNegPairs, 4);
    assert.equal(t.stats.numTuples, 10);
    assert.equal(t.explain().rows[0]!.note, "no negative pair selected");
  });
  it("count anchors for which nothing valid was found", () => {
    // Easiest positive, then the closest negative strictly farther, only negatives within [0, 1]:
    // anchors 0 and 1 find row 3; anchor 2 (easiest positive 0.25 away) has only row 3 at 0.15 in
    // range; anchors 3 and 4 (positive 1.5 away) have no negative farther than 1.5 in range.
    const t = batchEasyHardMiner(e, y, { distance: plain, allowedNegRange: [0, 1] });
    assert.deepEqual([Array.from(t.a1), Array.from(t.n)], [[0, 1], [3, 3]]);
    assert.equal(t.stats.anchorsWithoutValidTuple, 3);
    assert.equal(t.explain().rows[2]!.note, "nothing selected for this anchor");
  });
  it("the FaceNet variant counts its fallbacks", () => {
    const t = tripletMarginMiner([[0], [0.1], [1], [1.05]], [0, 0, 1, 1], { distance: plain, type: "semihard", semihardVariant: "facenet" });
    // (0,1): negatives 1, 1.05 farther than 0.1 → closest 2. (2,3): positive 0.05, negatives 0.9, 1 → 1. Never a fallback.
    assert.equal(t.stats.fallbacks, 0);
    const f = tripletMarginMiner([[0], [2], [1]], [0, 0, 1], { distance: plain, type: "semihard", semihardVariant: "facenet" });
    // (0,1): d(a,p) = 2, the only negative is 1 away: none farther → fallback to the farthest negative (row 2).
    assert.deepEqual(Array.from(f.negatives), [2, 2]);
    assert.equal(f.stats.fallbacks, 2);
    assert.match(f.explain().toText(), /2 triplets used the fallback negative/);
  });
});

describe("miners validate their arguments", () => {
  const e = [[0, 1], [1, 0], [1, 1]];
  const y = [0, 0, 1];
  const cases: [string, () => unknown, RegExp][] = [
    ["labels of the wrong length", () => batchHardMiner(e, [0, 1]), /'labels' must be one label per row of 'embeddings' \(3\)/],
    ["non-integer labels", () => batchHardMiner(e, [0, 0.5, 1]), /'labels' must be integer labels/],
    ["rank-1 embeddings", () => batchHardMiner([1, 2, 3], y), /'embeddings' must be a rank-2/],
    ["NaN in the embeddings", () => tripletMarginMiner([[0, NaN], [1, 0], [1, 1]], y), /'embeddings' must be finite/],
    ["refEmbeddings without refLabels", () => batchHardMiner(e, y, { refEmbeddings: e }), /'refLabels' must be given together with 'refEmbeddings'/],
    ["refEmbeddings of another width", () => batchHardMiner(e, y, { refEmbeddings: [[1, 2, 3]], refLabels: [0] }), /'refEmbeddings' must be rows of the same width as 'embeddings' \(2\)/],
    ["a distance that is not a Distance", () => batchHardMiner(e, y, { distance: "cosine" as never }), /'distance' must be a Distance object/],
    ["an unknown triplet type", () => tripletMarginMiner(e, y, { type: "medium" as never }), /'type' must be one of "all", "hard", "semihard", "easy"/],
    ["both strategies semihard", () => batchEasyHardMiner(e, y, { posStrategy: "semihard", negStrategy: "semihard" }), /'negStrategy' must be not "semihard" when posStrategy is "semihard"/],
    ["semihard with all", () => batchEasyHardMiner(e, y, { posStrategy: "all", negStrategy: "semihard" }), /'negStrategy' must be not "semihard" when the other strategy is "all"/],
    ["a reversed range", () => batchEasyHardMiner(e, y, { allowedPosRange: [1, 0] }), /'allowedPosRange' must be \[lo, hi\] with lo <= hi/],
    ["an unknown option", () => pairMarginMiner(e, y, { margin: 1 } as never), /unknown key 'margin'/],
  ];
  for (const [name, call, message] of cases) it(`rejects ${name}`, () => assert.throws(call, message));
});

describe("CrossBatchMemory keeps a queue of past embeddings as references", () => {
  it("wraps around after memorySize rows and keeps slot order, as PML", () => {
    const m = new CrossBatchMemory({ memorySize: 3 });
    assert.deepEqual(Array.from(m.enqueue([[1], [2]], [0, 1])), [0, 1]);
    assert.deepEqual(Array.from(m.enqueue([[3], [4]], [2, 3])), [2, 0]);
    const { refEmbeddings, refLabels } = m.references();
    assert.deepEqual(refEmbeddings.arraySync(), [[4], [2], [3]]);
    assert.deepEqual(Array.from(refLabels), [3, 1, 2]);
    refEmbeddings.dispose();
  });
  it("passes the memory to the loss, without each row's pair with its own copy, and with a miner", () => {
    const m = new CrossBatchMemory({ memorySize: 8 });
    m.enqueue([[0, 1], [1, 0]], [0, 1]);
    const seen = m.forward((q, labels, o) => {
      assert.equal(o.refEmbeddings.shape[0], 4);
      assert.deepEqual(Array.from(o.refLabels), [0, 1, 0, 1]);
      assert.equal(o.indicesTuple.kind, "pairs");
      if (o.indicesTuple.kind !== "pairs") return 0;
      // Query 0 (label 0, stored in slot 2) pairs positively with slot 0 only; query 1 with slot 1 only.
      assert.deepEqual([Array.from(o.indicesTuple.a1), Array.from(o.indicesTuple.p)], [[0, 1], [0, 1]]);
      return q.shape[0] + labels.length;
    }, [[0, 0.9], [0.9, 0]], [0, 1]);
    assert.equal(seen, 4);
    const withMiner = m.forward(
      (_q, _l, o) => (o.indicesTuple.kind === "triplets" ? o.indicesTuple.anchors.length : -1),
      [[0.1, 1], [1, 0.1]],
      [0, 1],
      { miner: (q, l, o) => batchHardMiner(q, l, { refEmbeddings: o.refEmbeddings, refLabels: o.refLabels }) },
    );
    assert.equal(withMiner, 2);
    m.dispose();
  });
  it("lets the gradient reach the current batch only, and leaks nothing once disposed", () => {
    const m = new CrossBatchMemory({ memorySize: 6 });
    const before = tf.memory().numTensors;
    const x = tf.tensor2d([[1, 0], [0, 1], [1, 1]]);
    const g = tf.grad((e: tf.Tensor) =>
      m.forward((q, _l, o) => tf.sum(tf.matMul(q, o.refEmbeddings, false, true)), e as tf.Tensor2D, [0, 1, 0]),
    )(x);
    assert.deepEqual(g.shape, [3, 2]);
    assert.ok(Array.from(g.dataSync()).every(Number.isFinite));
    g.dispose();
    x.dispose();
    m.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
  it("with an enqueueMask, queries only the unmasked rows and enqueues only the masked ones", () => {
    const m = new CrossBatchMemory({ memorySize: 4 });
    const n = tf.tidy(() =>
      m.forward((q, l, o) => (assert.deepEqual(Array.from(l), [1]), assert.equal(o.refEmbeddings.shape[0], 2), q.shape[0]), [[1, 0], [0, 1], [1, 1]], [0, 1, 0], {
        enqueueMask: [true, false, true],
      }),
    );
    assert.equal(n, 1);
    assert.equal(m.size, 2);
    m.dispose();
  });
});
