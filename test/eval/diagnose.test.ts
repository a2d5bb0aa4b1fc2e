import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { CosineSimilarityDistance, DISPLAY_SYMBOL, diagnose, effectiveRank, LpDistance, seededRandom, tripletLoss } from "semantic-gps";

/** Unit vectors in `classes` well-separated clusters. */
function clusters(seed: number, perClass: number, classes: number, dim: number, noise = 0.05): { x: number[][]; y: number[] } {
  const rng = seededRandom(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < perClass; i++) {
      const v = Array.from({ length: dim }, (_, k) => (k === c ? 1 : 0) + noise * rng.normal());
      const n = Math.hypot(...v);
      x.push(v.map((t) => t / n));
      y.push(c);
    }
  }
  return { x, y };
}

describe("diagnose", () => {
  it("finds collapse: every row at one point, and the triplet loss stuck at its margin", () => {
    const x = Array.from({ length: 8 }, () => [0.6, 0.8, 0]);
    const y = [0, 0, 1, 1, 2, 2, 3, 3];
    // PML's triplet loss on a collapsed batch: relu(0 − 0 + margin) = margin for every triplet.
    const loss = tripletLoss(x, y, { margin: 0.2 });
    const d = diagnose(x, y, { loss, margin: 0.2 });
    loss.dispose();
    assert.ok(d.has("collapse"));
    const f = d.findings.find((g) => g.rule === "collapse")!;
    assert.equal(f.severity, "problem");
    assert.match(f.message, /stuck at max\(0 − 0 \+ margin, 0\) = margin/);
    assert.equal(f.evidence["mean pairwise distance"], 0);
    assert.equal(d.ok, false);
  });

  it("finds dimensional collapse when the cloud lies on a line", () => {
    const rng = seededRandom(1);
    const x = Array.from({ length: 20 }, () => {
      const t = rng.normal();
      return [t, 2 * t, -t, 0.5 * t];
    });
    const d = diagnose(x, x.map((_, i) => i % 2));
    assert.ok(d.has("dimensional-collapse"));
  });

  it("tells a loss of 0 from easy triplets apart from a loss of 0 without any valid triplet", () => {
    const { x, y } = clusters(2, 3, 3, 4);
    const easy = diagnose(x, y, { loss: 0, margin: 0.2 });
    assert.ok(easy.has("all-triplets-easy"));
    assert.equal(easy.findings.find((f) => f.rule === "all-triplets-easy")!.evidence["active triplets"], 0);
    const none = diagnose(x, x.map((_, i) => i), { loss: 0, margin: 0.2 });
    assert.ok(none.has("no-valid-triplet"));
    assert.match(none.findings[0]!.message, /no two rows share a label/);
    const one = diagnose(x, x.map(() => 4), { loss: 0 });
    assert.match(one.findings.find((f) => f.rule === "no-valid-triplet")!.message, /every row has the same label/);
  });

  it("flags a loss of 0 although triplets violate the margin (an empty miner output)", () => {
    const { x, y } = clusters(3, 3, 3, 4);
    const d = diagnose(x, y, { loss: 0, margin: 5 });
    assert.ok(d.has("zero-loss-with-violations"));
  });

  it("explains a NaN from rows at distance exactly 0", () => {
    const d = diagnose([[1, 0], [1, 0], [0, 1], [0, 0.5]], [0, 0, 1, 1], { loss: NaN });
    const f = d.findings.find((g) => g.rule === "nan-zero-distance")!;
    assert.equal(f.evidence["pairs at distance 0"], 1);
    assert.match(f.message, /0\/0 = NaN/);
  });

  it("explains a NaN from a batch without positive pairs", () => {
    const d = diagnose([[1, 0], [0, 1], [0.5, 0.5]], [0, 1, 2], { loss: NaN });
    assert.ok(d.has("nan-no-positives"));
  });

  it("explains a NaN from zero-length rows under a cosine", () => {
    const d = diagnose([[0, 0], [1, 0], [0, 1], [1, 1]], [0, 0, 1, 1], { loss: NaN, distance: "cosine" });
    assert.ok(d.has("nan-zero-norm"));
  });

  it("reports NaN embeddings first, and stops there", () => {
    const d = diagnose([[1, NaN], [0, 1]], [0, 0], { loss: NaN });
    assert.deepEqual(d.findings.map((f) => f.rule), ["nan-embeddings"]);
  });

  it("says when a NaN has no visible cause", () => {
    const { x, y } = clusters(4, 3, 3, 4);
    assert.ok(diagnose(x, y, { loss: NaN }).has("nan-unexplained"));
  });

  it("finds a margin larger than the distance range: margin 5 on unit vectors", () => {
    const { x, y } = clusters(5, 4, 3, 4);
    const d = diagnose(x, y, { margin: 5 });
    const f = d.findings.find((g) => g.rule === "margin-too-large")!;
    assert.equal(f.evidence["largest possible distance"], 2);
    assert.match(f.message, /never drops below margin − 2 = 3\.000/);
    // The same with a normalising distance object, on unnormalised rows.
    const big = x.map((r) => r.map((v) => 10 * v));
    assert.ok(diagnose(big, y, { margin: 5, distance: new LpDistance() }).has("margin-too-large"));
    // Unnormalised Euclidean: only a warning, relative to the distances seen.
    assert.ok(diagnose(x.map((r) => r.map((v) => 0.1 * v)), y, { margin: 1 }).has("margin-above-observed"));
  });

  it("finds a temperature that is really a scale, and a scale that is really a temperature", () => {
    const { x, y } = clusters(6, 3, 3, 4);
    const t = diagnose(x, y, { temperature: 20, distance: "cosine" });
    assert.ok(t.has("temperature-looks-like-scale"));
    assert.match(t.findings.find((f) => f.rule === "temperature-looks-like-scale")!.message, /scale 20 is temperature 0\.05/);
    assert.ok(diagnose(x, y, { scale: 0.05 }).has("scale-looks-like-temperature"));
    assert.ok(diagnose(x, y, { temperature: 0.05, scale: 10 }).has("temperature-scale-disagree"));
    assert.equal(diagnose(x, y, { temperature: 0.05, scale: 20 }).has("temperature-scale-disagree"), false);
  });

  it("finds unnormalised inputs to a cosine loss", () => {
    const { x, y } = clusters(7, 3, 3, 4);
    const big = x.map((r, i) => r.map((v) => v * (1 + i)));
    const dot = diagnose(big, y, { distance: "dot", temperature: 0.07 });
    const f = dot.findings.find((g) => g.rule === "unnormalized-dot-product")!;
    assert.equal(f.severity, "problem");
    assert.ok((f.evidence["largest logit (dot / temperature)"] as number) > 100);
    assert.equal(diagnose(big, y, { distance: "cosine" }).findings.find((g) => g.rule === "unnormalized-cosine-inputs")!.severity, "info");
    assert.equal(diagnose(x, y, { distance: "dot" }).has("unnormalized-dot-product"), false);
  });

  it("gives one healthy finding for well-separated unit clusters", () => {
    const { x, y } = clusters(8, 5, 4, 8);
    const d = diagnose(x, y, { loss: 0.01, margin: 0.2, distance: new CosineSimilarityDistance() });
    assert.deepEqual(d.findings.map((f) => f.rule), ["healthy"]);
    assert.equal(d.ok, true);
  });

  it("shows as an HTML table and as text, and keeps the findings as data", () => {
    const d = diagnose(Array.from({ length: 4 }, () => [1, 0]), [0, 0, 1, 1]);
    const bundle = d[DISPLAY_SYMBOL]();
    assert.match(String(bundle["text/html"]), /<table/);
    assert.match(String(bundle["text/plain"]), /Collapse/);
    assert.ok(Array.isArray(d.findings) && typeof d.findings[0]!.evidence === "object");
  });

  it("accepts a scalar tensor loss and leaves no tensor behind", () => {
    const loss = tf.scalar(0.2);
    const before = tf.memory().numTensors;
    diagnose([[1, 0], [1, 0]], [0, 1], { loss, margin: 0.2, distance: new LpDistance() });
    assert.equal(tf.memory().numTensors, before);
    loss.dispose();
  });

  it("validates its arguments", () => {
    assert.throws(() => diagnose([[1, 0]], [0, 1]), /diagnose: 'labels' must be one label per row/);
    assert.throws(() => diagnose([[1, 0]], [0], { temperature: 0 }), /'temperature' must be a finite number > 0/);
    assert.throws(() => diagnose([[1, 0]], [0], { distance: "manhattan" as never }), /'distance' must be "euclidean", "cosine", "dot" or a distance object/);
    assert.throws(() => diagnose([[1, 0]], [0], { loss: "0" as never }), /'loss' must be a number or a scalar tensor/);
    assert.throws(() => diagnose([[1, 0]], [0], { temp: 1 } as never), /unknown key 'temp'/);
  });
});

describe("diagnose on a normalised cloud shrunk into a cap of the sphere", () => {
  it("calls it collapse even though every norm is 1", () => {
    // 20 unit vectors within ~0.003 of each other: retrieval is at chance (notebook 04 met this case).
    const rows = Array.from({ length: 20 }, (_, i) => {
      const v = [1, 0, 0, 0].map((x, k) => x + 0.0015 * Math.sin(i * 7 + k));
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    });
    const labels = rows.map((_, i) => i % 4);
    const d = diagnose(rows, labels);
    assert.ok(d.has("collapse"), d.findings.map((f) => f.rule).join(", "));
  });

  it("effectiveRank of identical rows is 0, not the rank of their rounding noise", () => {
    assert.equal(effectiveRank([[0.1, 0.2, 0.3], [0.1, 0.2, 0.3], [0.1, 0.2, 0.3]]), 0);
  });
});
