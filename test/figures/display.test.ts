import "../helpers/setup";
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { DISPLAY_SYMBOL, Figure, createDisplay, display, distanceTable, figureHtml, lineFigure, plot, SINK_SYMBOL, toPlotly, toVegaLite, type DisplaySink, type MimeBundle } from "semantic-gps";

const hinge = lineFigure({
  title: "A hinge",
  caption: "loss against d(a,n)",
  x: { title: "d(a,n)", unit: "units" },
  y: { title: "loss" },
  series: [{ name: "loss", x: [0, 0.5, 1], y: [0.6, 0.1, 0] }],
  points: [{ name: "scenario 2", x: 0.3464, y: 0.2761 }],
  rules: [{ axis: "x", value: 0.6225, label: "d(a,p) + margin" }],
});

describe("distanceTable", () => {
  it("gives the tutorial's distances between rei, rainha and abacaxi", () => {
    const t = distanceTable(["rei", "rainha", "abacaxi"], [[0.9, 0.8, 0.1], [0.85, 0.75, 0.2], [-0.5, -0.7, -0.9]]);
    const text = t.toText();
    assert.match(text, /rei\s+0\.0000\s+0\.1225\s+2\.2825/);
    assert.match(text, /abacaxi\s+2\.2825\s+2\.2661\s+0\.0000/);
  });

  it("escapes every label in its HTML", () => {
    const t = distanceTable(['<img src=x onerror="alert(1)">', "a&b"], [[0, 0], [1, 1]]);
    const html = t.toHtml();
    assert.doesNotMatch(html, /<img/);
    assert.match(html, /&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;/);
    assert.match(html, /a&amp;b/);
    const bundle = t[DISPLAY_SYMBOL]();
    assert.deepEqual(Object.keys(bundle).sort(), ["text/html", "text/plain"]);
  });

  it("measures cosine similarity and other p-norms when asked", () => {
    const cos = distanceTable(["x", "y"], [[1, 0], [0, 2]], { metric: "cosine" }).rows[0]?.values[1];
    assert.equal(cos, 0);
    const l1 = distanceTable(["x", "y"], [[1, 0], [0, 2]], { metric: 1 }).rows[0]?.values[1];
    assert.equal(l1, 3);
  });

  it("rejects rows of different lengths and a name count that differs", () => {
    assert.throws(() => distanceTable(["a", "b"], [[1, 2], [1]]), /distanceTable: 'vectors' must be rows of 2 finite numbers, but got an array of length 1 at row 1/);
    assert.throws(() => distanceTable(["a"], [[1], [2]]), /distanceTable: 'vectors' must be one row per name \(1\)/);
  });
});

describe("figure descriptions become Plotly and Vega-Lite specs", () => {
  it("toPlotly keeps traces, axis titles with units, and the rule as a shape", () => {
    const fig = toPlotly(hinge);
    assert.equal(fig.data.length, 2);
    assert.deepEqual(fig.data[0]?.x, [0, 0.5, 1]);
    assert.equal((fig.layout.xaxis as { title: { text: string } }).title.text, "d(a,n) [units]");
    assert.equal((fig.layout.shapes as unknown[]).length, 1);
  });

  it("toVegaLite draws the same series, with the caption as subtitle", () => {
    const spec = toVegaLite(hinge) as { layer: { mark: unknown }[]; title: { subtitle: string[] } };
    assert.equal(spec.title.subtitle[0], "loss against d(a,n)");
    const marks = spec.layer.map((l) => (typeof l.mark === "string" ? l.mark : (l.mark as { type: string }).type));
    assert.deepEqual(marks.sort(), ["line", "point", "rule", "text"]);
  });

  it("lineFigure refuses a series whose x and y differ in length", () => {
    assert.throws(() => lineFigure({ title: "t", caption: "c", x: { title: "x" }, y: { title: "y" }, series: [{ name: "s", x: [1, 2], y: [1] }] }), /lineFigure: series 's' must have as many y values as x values \(2\), but got 1/);
  });
});

describe("plot and display", () => {
  it("plot renders a static SVG with Vega and bundles four representations", async () => {
    const fig = await plot(hinge);
    assert.ok(fig instanceof Figure);
    assert.match(fig.svg, /^<svg[^>]*>/);
    assert.match(fig.svg, /d\(a,p\) \+ margin/);
    const bundle = fig[DISPLAY_SYMBOL]();
    assert.deepEqual(Object.keys(bundle).sort(), ["application/vnd.plotly.v1+json", "image/svg+xml", "text/html", "text/plain"]);
    assert.equal(bundle["text/plain"], "A hinge — loss against d(a,n)");
  });

  it("figureHtml keeps the static SVG and embeds the Plotly JSON so no label can close the script", () => {
    const html = figureHtml({ data: [{ name: "</script><script>alert(1)</script>" }], layout: {} }, "<svg></svg>", "caption <b>");
    assert.equal((html.match(/<\/script>/g) ?? []).length, 2); // only our own two script elements close
    assert.match(html, /\\u003c\/script\\u003e/);
    assert.match(html, /caption &lt;b&gt;/);
    assert.match(html, /<div class="sgps-static"><svg><\/svg><\/div>/);
  });

  it("display and createDisplay send bundles through the kernel's sink, and update in place", async () => {
    const sent: { kind: string; bundle: MimeBundle; id?: string }[] = [];
    const sink: DisplaySink = {
      display: (bundle, opts) => sent.push({ kind: "display", bundle, id: opts?.displayId }),
      update: (id, bundle) => sent.push({ kind: "update", bundle, id }),
    };
    const g = globalThis as Record<symbol, unknown>;
    g[SINK_SYMBOL] = sink;
    try {
      await display(distanceTable(["a", "b"], [[0], [1]]));
      const handle = await createDisplay({ "text/plain": "starting" });
      await handle.update({ "text/html": "<b>1</b>", "text/plain": "1" });
      assert.deepEqual(sent.map((s) => s.kind), ["display", "display", "update"]);
      assert.ok("text/html" in (sent[0]?.bundle ?? {}));
      assert.equal(sent[1]?.id, handle.id);
      assert.equal(sent[2]?.id, handle.id);
      assert.equal(sent[2]?.bundle["text/plain"], "1");
    } finally {
      delete g[SINK_SYMBOL];
    }
  });
});
