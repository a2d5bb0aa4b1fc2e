import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  distanceHeatmap, distanceHistogram, embeddingAnimation, embeddingScatter, loadTutorialVectors, pairDistances, renderSvg, seededRandom,
  toPlotly, toVegaLite, trainingCurves, tripletZones, type FigureSpec,
} from "semantic-gps";

/** What every figure must have: a title, a caption, axis titles with units, and both renderings. */
function checkCommon(spec: FigureSpec, opts: { units?: boolean } = {}): ReturnType<typeof toPlotly> {
  assert.ok(spec.title.length > 0, "title");
  assert.ok(spec.caption.length > 20, "caption");
  assert.ok(spec.x.title && spec.y.title, "axis titles");
  if (opts.units !== false) assert.ok(spec.x.unit && spec.y.unit, `units on both axes: ${JSON.stringify([spec.x, spec.y])}`);
  const p = toPlotly(spec);
  const vl = toVegaLite(spec) as { layer: unknown[]; title: { text: string } };
  assert.ok(p.data.length > 0, "plotly traces");
  assert.equal(vl.title.text, spec.title);
  assert.ok(vl.layer.length > 0, "vega-lite layers");
  return p;
}

function cloud(seed: number, n: number, d: number, classes: number): { x: number[][]; g: string[]; y: number[] } {
  const rng = seededRandom(seed);
  const y = Array.from({ length: n }, (_, i) => i % classes);
  return { x: y.map((l) => Array.from({ length: d }, (_, k) => (k === l ? 2 : 0) + rng.normal())), g: y.map((l) => `tema ${l}`), y };
}

describe("training figures", () => {
  it("trainingCurves overlays several runs, one trace per run and metric, skipping missing values", () => {
    const a = [{ epoch: 1, loss: 0.5, precisionAt1: 0.2 }, { epoch: 2, loss: 0.3 }, { epoch: 3, loss: 0.2, precisionAt1: 0.6 }];
    const b = [{ epoch: 1, loss: 0.6 }, { epoch: 2, loss: 0.5 }];
    const spec = trainingCurves([{ name: "triplet", history: a }, { name: "contrastive", history: b }], { metrics: ["loss", "precisionAt1"] });
    const p = checkCommon(spec, { units: false });
    assert.equal(p.data.length, 4);
    assert.deepEqual(p.data[1]!.x, [1, 3]);
    assert.equal(p.data[0]!.name, "triplet · loss");
    assert.equal(spec.x.unit, "epoch");
    assert.match(String((p.layout.xaxis as { title: { text: string } }).title.text), /epoch \[epoch\]/);
  });

  it("trainingCurves speaks Portuguese with lang 'pt'", () => {
    const spec = trainingCurves([{ name: "a", history: [{ epoch: 1, loss: 1 }] }], { lang: "pt" });
    assert.equal(spec.x.title, "época");
    assert.match(spec.title, /por época/);
  });

  it("distanceHeatmap sorts rows by group and measures every pair", () => {
    const spec = distanceHeatmap([[0, 0], [3, 4], [0, 1]], { names: ["a", "b", "c"], groups: ["x", "y", "x"] });
    checkCommon(spec, { units: false });
    const layer = spec.layers[0]!;
    assert.equal(layer.type, "heatmap");
    if (layer.type !== "heatmap") return;
    assert.deepEqual(layer.rows, ["a", "c", "b"]);
    assert.equal(layer.z[0]![2], 5);
    assert.equal(layer.z[1]![0], 1);
    const cos = distanceHeatmap([[1, 0], [0, 2]], { metric: "cosine" }).layers[0]!;
    assert.ok(cos.type === "heatmap" && cos.z[0]![1] === 0 && cos.scheme === "redblue");
  });

  it("embeddingScatter draws one trace per group in 2-D, and a 3-D scene with dims 3", () => {
    const { x, g } = cloud(1, 30, 6, 3);
    const two = checkCommon(embeddingScatter(x, { groups: g, texts: x.map((_, i) => `livro ${i}`) }));
    assert.equal(two.data.length, 3);
    assert.equal(two.data[0]!.type, "scatter");
    assert.deepEqual((two.data[0]!.text as string[])[0], "livro 0");
    assert.match(String((two.layout.xaxis as { title: { text: string } }).title.text), /PC1 \(\d+% of the variance\) \[embedding units\]/);
    const three = checkCommon(embeddingScatter(x, { groups: g, dims: 3 }));
    assert.equal(three.data[0]!.type, "scatter3d");
    assert.ok(three.layout.scene);
  });

  it("embeddingAnimation has one frame per snapshot on fixed axes, and the static view shows the last frame", () => {
    const { x, g } = cloud(2, 20, 5, 4);
    const snaps = [0, 1, 2, 3].map((e) => ({ name: `epoch ${e}`, embeddings: x.map((r) => r.map((v) => v * (e + 1))) }));
    const spec = embeddingAnimation(snaps, { groups: g });
    const p = checkCommon(spec);
    assert.equal(p.frames?.length, 4);
    assert.equal(p.frames![0]!.data.length, p.data.length);
    assert.deepEqual(spec.x.range, spec.y.range);
    assert.ok(p.layout.sliders && p.layout.updatemenus);
    const vl = toVegaLite(spec) as { title: { subtitle: string[] } };
    assert.ok(vl.title.subtitle.some((s) => s.includes("epoch 3")));
    assert.throws(() => embeddingAnimation([snaps[0]!, { name: "bad", embeddings: [[1, 2]] }]), /every snapshot must have 20 rows of 5 numbers/);
  });

  it("pairDistances splits positive and negative pairs, and thins large sets deterministically", () => {
    assert.deepEqual(pairDistances([[0], [1], [3]], [0, 0, 1]), { positive: [1], negative: [3, 2] });
    const { x, y } = cloud(3, 60, 3, 2);
    const thin = pairDistances(x, y, 100);
    assert.equal(thin.negative.length, 100);
    assert.deepEqual(thin, pairDistances(x, y, 100));
  });

  it("distanceHistogram overlays d(a,p) and d(a,n) with the margin line at mean d(a,p) + margin", () => {
    const spec = distanceHistogram({ positive: [0.1, 0.2], negative: [0.9, 1.1, 1.3] }, { margin: 0.5 });
    const p = checkCommon(spec);
    assert.deepEqual(p.data.map((t) => t.type), ["histogram", "histogram"]);
    assert.ok(Math.abs(spec.rules![0]!.value - 0.65) < 1e-12);
    assert.equal((p.layout.shapes as unknown[]).length, 1);
  });

  it("tripletZones puts the tutorial's bad abacaxi in the semi-hard ring and the good one outside", () => {
    const v = loadTutorialVectors();
    const spec = tripletZones(v.anchor, v.positive, [v.negativeGood, v.negativeBad], { margin: v.margin, negativeNames: ["abacaxi (bom)", "abacaxi (ruim)"], lang: "pt" });
    const p = checkCommon(spec);
    const byName = Object.fromEntries(p.data.map((t) => [t.name, t]));
    assert.deepEqual(byName["semi-difícil"]!.text, ["abacaxi (ruim): d(a,n) = 0.346"]);
    assert.deepEqual(byName["fácil"]!.text, ["abacaxi (bom): d(a,n) = 2.283"]);
    assert.equal(byName["difícil"], undefined);
    // Points sit at their true distance from the anchor (the origin).
    const easy = byName["fácil"]!;
    assert.ok(Math.abs(Math.hypot((easy.x as number[])[0]!, (easy.y as number[])[0]!) - 2.2825) < 1e-3);
    // The rings: radius d(a,p) and d(a,p) + margin.
    const ring = spec.layers[1]!;
    assert.ok(ring.type === "line" && Math.abs(Math.hypot(ring.x[0]!, ring.y[0]!) - (0.12247 + 0.5)) < 1e-4);
  });

  it("tripletZones marks a negative closer than the positive as hard", () => {
    const spec = tripletZones([0, 0], [1, 0], [[0.5, 0], [1.1, 0], [3, 0]], { margin: 0.5 });
    const names = spec.layers.map((l) => l.name);
    assert.ok(names.includes("hard") && names.includes("semi-hard") && names.includes("easy"));
    assert.throws(() => tripletZones([0, 0], [1, 0], [[1]], { margin: 0.5 }), /every vector must have 2 finite numbers/);
    assert.throws(() => tripletZones([0, 0], [1, 0], [], { margin: 0 }), /'margin' must be a number > 0/);
  });

  it("every builder renders to a static SVG", async () => {
    const { x, g, y } = cloud(4, 12, 3, 3);
    for (const spec of [embeddingScatter(x, { groups: g }), distanceHistogram(pairDistances(x, y), { margin: 0.2 }), distanceHeatmap(x), tripletZones([0, 0], [1, 0], [[2, 1]], { margin: 0.5 })]) {
      assert.match(await renderSvg(spec), /^<svg/);
    }
  });

  it("stays light: an animation of 110 points over 31 frames is well under 1 MB of Plotly JSON", () => {
    const { x, g } = cloud(5, 110, 32, 10);
    const snaps = Array.from({ length: 31 }, (_, e) => ({ name: `epoch ${e}`, embeddings: x.map((r) => r.map((v) => v + e * 0.01)) }));
    const size = JSON.stringify(toPlotly(embeddingAnimation(snaps, { groups: g, texts: x.map((_, i) => `título ${i}`) }))).length;
    assert.ok(size < 1_000_000, `${size} characters`);
  });
});
