import "../helpers/setup";
import * as assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, it } from "node:test";
import { createEncoder, fit, LiveView, loadMagicLibrary, SINK_SYMBOL, tripletLoss, type DisplaySink, type LiveState, type MimeBundle } from "semantic-gps";

const lib = loadMagicLibrary();

function fakeStream(isTTY: boolean): { write(s: string): boolean; isTTY: boolean; chunks: string[] } {
  const chunks: string[] = [];
  return { isTTY, chunks, write: (s: string) => chunks.push(s) > 0 };
}

function state(globalStep: number): LiveState {
  return {
    epoch: 1, epochs: 2, step: globalStep, stepsPerEpoch: 500, globalStep, totalSteps: 1000, elapsed: globalStep * 0.1,
    history: [], stepLosses: Array.from({ length: globalStep }, () => 0.5), initialMetrics: {},
    probe: () => ({ embeddings: [[0, 0], [1, 0], [0, 1], [1, 1]], labels: Int32Array.from([0, 0, 1, 1]), themes: ["a", "a", "b", "b"] }),
  };
}

describe("the live training view", () => {
  it("draws a progress bar with loss and ETA on a terminal, on one line rewritten with \\r", async () => {
    const stream = fakeStream(true);
    const enc = createEncoder({ buckets: 128, hidden: 8, dim: 4 });
    await fit(enc, lib.train, { loss: (e, y, t) => tripletLoss(e, y, { margin: 0.2, indicesTuple: t }), margin: 0.2, epochs: 2, live: "terminal", progressStream: stream, liveInterval: 0 });
    enc.dispose();
    assert.ok(stream.chunks.length >= 3);
    assert.ok(stream.chunks.every((c) => c.startsWith("\r")));
    const middle = stream.chunks[1]!;
    assert.match(middle, /\[#*\.*\]\s+\d+% epoch \d\/2 · step \d+\/\d+ · loss \d\.\d{4}/);
    assert.match(middle, /ETA \d+s/);
    const last = stream.chunks[stream.chunks.length - 1]!;
    assert.match(last, /100% .*done in/);
    assert.ok(last.endsWith("\n"));
  });

  it("prints whole lines when the stream is not a terminal", async () => {
    const stream = fakeStream(false);
    const view = new LiveView({ mode: "terminal", stream, intervalMs: 0 });
    await view.start(state(0));
    await view.step(state(5));
    assert.ok(stream.chunks.every((c) => c.endsWith("\n") && !c.includes("\r")));
  });

  it("throttles: many steps within the interval draw nothing, the next one after it draws once", async () => {
    const stream = fakeStream(true);
    const view = new LiveView({ mode: "terminal", stream, intervalMs: 300 });
    await view.start(state(0));
    for (let i = 1; i <= 200; i++) await view.step(state(i));
    assert.equal(view.renders, 0);
    await sleep(320);
    await view.step(state(201));
    await view.step(state(202));
    assert.equal(view.renders, 1);
  });

  it("is off by default outside a kernel when stderr is not a terminal", () => {
    assert.equal(new LiveView({ stream: fakeStream(false) }).mode, "off");
    assert.equal(new LiveView({ stream: fakeStream(true) }).mode, "terminal");
  });

  it("in a notebook updates one output in place, then ends with the interactive animation", async () => {
    const shown: { bundle: MimeBundle; id?: string }[] = [];
    const updates: { id: string; bundle: MimeBundle }[] = [];
    const sink: DisplaySink = {
      display: (bundle, opts) => shown.push({ bundle, id: opts?.displayId }),
      update: (id, bundle) => updates.push({ id, bundle }),
    };
    const g = globalThis as Record<symbol, unknown>;
    g[SINK_SYMBOL] = sink;
    try {
      const view = new LiveView({ stream: fakeStream(false) });
      assert.equal(view.mode, "notebook");
      const enc = createEncoder({ buckets: 128, hidden: 8, dim: 4 });
      const r = await fit(enc, lib.train, { loss: (e, y, t) => tripletLoss(e, y, { margin: 0.2, indicesTuple: t }), margin: 0.2, epochs: 3, evalData: lib.test, liveInterval: 0, lang: "pt" });
      enc.dispose();
      assert.equal(shown.length, 1, "one output");
      assert.ok(shown[0]!.id);
      assert.ok(updates.length >= 2);
      assert.ok(updates.every((u) => u.id === shown[0]!.id), "always the same output");
      const mid = String(updates[0]!.bundle["text/html"]);
      assert.equal((mid.match(/<svg/g) ?? []).length, 4, "four panels");
      const final = String(updates[updates.length - 1]!.bundle["text/html"]);
      assert.match(final, /class="sgps-figure sgps-animated"/);
      assert.match(final, /Os livros indo para as prateleiras/);
      assert.match(String(updates[updates.length - 1]!.bundle["text/plain"]), /época 3\/3/);
      assert.equal(r.snapshots.length, 4);
    } finally {
      delete g[SINK_SYMBOL];
    }
  });

  it("draws its four panels from the state: loss, active and held-out rates, histograms with the margin, a PCA", () => {
    const view = new LiveView({ mode: "off", margin: 0.2 });
    const panels = view.panels(state(5));
    assert.deepEqual(panels.map((p) => p.layers[0]!.type), ["line", "line", "histogram", "scatter"]);
    assert.equal(panels[2]!.rules?.length, 1);
  });
});
