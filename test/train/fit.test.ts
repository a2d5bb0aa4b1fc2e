import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { ADAM_EPSILON, batchHardMiner, createEncoder, fit, loadMagicLibrary, pairMarginMiner, retrievalMetrics, tripletLoss, type MetricLossFn } from "semantic-gps";

const lib = loadMagicLibrary();
const triplet = (margin: number): MetricLossFn => (e, y, t) => tripletLoss(e, y, { margin, indicesTuple: t });
/** A small, quick encoder for the tests that only check mechanics. */
const small = (seed = 0) => createEncoder({ buckets: 256, hidden: 16, dim: 8, seed });

describe("fit on the magic library", () => {
  it("raises held-out precision@1 and MAP@R well above the untrained encoder", async () => {
    const enc = createEncoder({ seed: 0 });
    const before = retrievalMetrics(enc.embedArray(lib.test.texts), lib.test.labels);
    const result = await fit(enc, lib.train, { loss: triplet(0.2), margin: 0.2, epochs: 20, evalData: lib.test, evalEvery: 10, live: "off" });
    const after = result.last!;
    // Measured over encoder seeds 0–2: gains of +0.15…+0.33 (P@1) and +0.12…+0.19 (MAP@R).
    assert.ok(after.precisionAt1! - before.precisionAt1 >= 0.1, `P@1 ${before.precisionAt1} → ${after.precisionAt1}`);
    assert.ok(after.mapAtR! - before.mapAtR >= 0.08, `MAP@R ${before.mapAtR} → ${after.mapAtR}`);
    assert.ok(after.mapAtR! >= 2.5 * before.mapAtR);
    // The record matches a fresh measurement with the trained encoder.
    assert.equal(retrievalMetrics(enc.embedArray(lib.test.texts), lib.test.labels).mapAtR, after.mapAtR);
    enc.dispose();
  });

  it("is reproducible: the same seeds give the same numbers, another fit seed other numbers", async () => {
    const run = async (seed: number): Promise<{ losses: number[]; w: number[] }> => {
      const enc = small();
      const r = await fit(enc, lib.train, { loss: triplet(0.2), epochs: 2, seed, live: "off" });
      const w = Array.from(enc.variables[2]!.dataSync().slice(0, 5));
      enc.dispose();
      return { losses: r.history.map((h) => h.loss), w };
    };
    const a = await run(1);
    assert.deepEqual(await run(1), a);
    assert.notDeepEqual((await run(2)).losses, a.losses);
  });

  it("records per-epoch loss, active fraction, held-out metrics at evalEvery and the last epoch", async () => {
    const enc = small();
    const r = await fit(enc, lib.train, { loss: triplet(0.2), margin: 0.2, epochs: 3, evalData: lib.test, evalEvery: 2, live: "off" });
    assert.deepEqual(r.history.map((h) => h.epoch), [1, 2, 3]);
    assert.deepEqual(r.history.map((h) => h.precisionAt1 !== undefined), [false, true, true]);
    for (const h of r.history) {
      assert.ok(h.activeFraction >= 0 && h.activeFraction <= 1);
      assert.ok(Number.isNaN(h.taskLoss));
      assert.ok(h.seconds > 0);
    }
    assert.match(r.toString(), /Training history/);
    enc.dispose();
  });

  it("keeps snapshots before training and every snapshotEvery epochs, for the animation", async () => {
    const enc = small();
    const r = await fit(enc, lib.train, { loss: triplet(0.2), epochs: 5, snapshotEvery: 2, evalData: lib.test, live: "off" });
    assert.deepEqual(r.snapshots.map((s) => s.epoch), [0, 2, 4, 5]);
    assert.equal(r.snapshots[0]!.embeddings.length, lib.test.texts.length);
    assert.deepEqual(r.snapshotSet.themes, lib.test.themes);
    enc.dispose();
  });

  it("passes the miner's triplets to the loss, and measures the active fraction on them", async () => {
    const enc = small();
    const seen: number[] = [];
    const r = await fit(enc, lib.train, {
      loss: (e, y, t) => {
        assert.equal(t?.kind, "triplets");
        seen.push(t!.kind === "triplets" ? t!.anchors.length : 0);
        return tripletLoss(e, y, { margin: 0.2, indicesTuple: t });
      },
      miner: (e, y) => batchHardMiner(e, y),
      margin: 0.2,
      epochs: 1,
      classesPerBatch: 4,
      samplesPerClass: 4,
      live: "off",
    });
    // Batch-hard mines one triplet per anchor: 4 classes × 4 items.
    assert.ok(seen.every((n) => n === 16));
    assert.ok(r.history[0]!.activeFraction > 0);
    enc.dispose();
  });

  it("reports no active fraction with a pair miner (NaN, not a made-up number)", async () => {
    const enc = small();
    const r = await fit(enc, lib.train, { loss: triplet(0.2), miner: (e, y) => pairMarginMiner(e, y), margin: 0.2, epochs: 1, live: "off" });
    assert.ok(Number.isNaN(r.history[0]!.activeFraction));
    enc.dispose();
  });

  it("adds a weighted classification loss on a linear head", async () => {
    const enc = small();
    const r = await fit(enc, lib.train, { loss: triplet(0.2), taskLossWeight: 0.5, lossWeight: 2, epochs: 2, live: "off" });
    const h = r.history[1]!;
    assert.ok(Number.isFinite(h.taskLoss) && h.taskLoss > 0);
    assert.ok(Math.abs(h.loss - (2 * h.metricLoss + 0.5 * h.taskLoss)) < 1e-5);
    assert.deepEqual(r.head!.weights.shape, [8, lib.themeNames.length]);
    const logits = r.head!.logits(enc.embed(["O último dragão"]));
    assert.deepEqual(logits.shape, [1, lib.themeNames.length]);
    logits.dispose();
    const before = tf.memory().numTensors;
    r.dispose();
    assert.equal(tf.memory().numTensors, before - 2);
    enc.dispose();
  });

  it("calls onStep every step and onEpochEnd every epoch; returning false stops", async () => {
    const enc = small();
    let steps = 0;
    const r = await fit(enc, lib.train, {
      loss: triplet(0.2),
      epochs: 3,
      stepsPerEpoch: 4,
      live: "off",
      onStep: (s) => {
        steps++;
        assert.equal(s.globalStep, steps);
      },
      onEpochEnd: (rec) => rec.epoch < 2,
    });
    assert.equal(steps, 8);
    assert.equal(r.history.length, 2);
    assert.equal(r.stopped?.reason, "callback");
    enc.dispose();
  });

  it("stops at a NaN loss before touching the parameters, saying at which step and why", async () => {
    const enc = small();
    let calls = 0;
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (m: string) => warnings.push(m);
    let weightsBefore: Float32Array | null = null;
    try {
      const r = await fit(enc, lib.train, {
        // Step 3 returns NaN, as a division 0/0 inside a loss would.
        loss: (e, y, t) => {
          calls++;
          if (calls === 3) weightsBefore = Float32Array.from(enc.variables[0]!.dataSync());
          return calls === 3 ? tf.div(tf.sum(tf.mul(e, 0)), 0) : tripletLoss(e, y, { indicesTuple: t });
        },
        epochs: 2,
        stepsPerEpoch: 5,
        live: "off",
      });
      assert.equal(r.stopped?.reason, "nan");
      assert.equal(r.stopped?.globalStep, 3);
      assert.match(r.stopped!.message, /stopped at epoch 1, step 3 .*before updating the parameters: the loss became NaN \(metric loss NaN\)/);
      assert.equal(r.history.length, 1);
      assert.deepEqual(enc.variables[0]!.dataSync(), weightsBefore);
      assert.equal(warnings.length, 1);
    } finally {
      console.warn = warn;
      enc.dispose();
    }
  });

  it("stops at a NaN gradient under a finite loss, naming the variable and the zero distance", async () => {
    const enc = small();
    const warn = console.warn;
    console.warn = () => {};
    try {
      const r = await fit(enc, lib.train, {
        // ‖e_i − e_i‖ through tf.sqrt: the value is 0, the gradient 0/0.
        loss: (e) => tf.sum(tf.sqrt(tf.sum(tf.square(tf.sub(e, e)), 1))),
        epochs: 1,
        live: "off",
      });
      assert.equal(r.stopped?.reason, "nan");
      assert.match(r.stopped!.message, /the gradient of variable '.+' became NaN while the loss was finite \(0\.000\)/);
    } finally {
      console.warn = warn;
      enc.dispose();
    }
  });

  it("keeps the tensor count flat over 500 training steps (no leak)", async () => {
    const enc = createEncoder({ buckets: 64, hidden: 8, dim: 4 });
    const counts: number[] = [];
    await fit(enc, lib.train, {
      loss: triplet(0.2),
      miner: (e, y) => batchHardMiner(e, y),
      taskLossWeight: 0.5,
      margin: 0.2,
      epochs: 10,
      stepsPerEpoch: 50,
      classesPerBatch: 3,
      samplesPerClass: 3,
      snapshotEvery: 0,
      live: "off",
      onStep: (s) => {
        if (s.globalStep === 10 || s.globalStep === 500) counts.push(tf.memory().numTensors);
      },
    }).then((r) => r.dispose());
    assert.equal(counts.length, 2);
    assert.equal(counts[1], counts[0]);
    enc.dispose();
  });

  it("uses Adam with PyTorch's epsilon 1e-8 (tfjs' default is 1e-7)", () => {
    assert.equal(ADAM_EPSILON, 1e-8);
  });

  it("validates its arguments", async () => {
    const enc = small();
    await assert.rejects(fit(enc, lib.train, {} as never), /fit: 'loss' must be a function/);
    await assert.rejects(fit(enc, lib.train, { loss: triplet(0.2), epochs: 0 }), /'epochs' must be an integer >= 1/);
    await assert.rejects(fit(enc, lib.train, { loss: triplet(0.2), classesPerBatch: 40 }), /'classesPerBatch' must be at most the number of classes in 'data' \(10\)/);
    await assert.rejects(fit(enc, { texts: ["a"], labels: [0, 1] }, { loss: triplet(0.2) }), /'data.labels' must be one label per row of 'data.texts' \(1\)/);
    await assert.rejects(fit(enc, lib.train, { loss: () => tf.tensor1d([1, 2]), live: "off" }), /'loss' must be a function returning a scalar tensor/);
    await assert.rejects(fit(enc, lib.train, { loss: triplet(0.2), lr: 1 } as never), /unknown key 'lr'/);
    await assert.rejects(fit(enc, lib.train, { loss: triplet(0.2), evalDistance: "l1" as never }), /'evalDistance' must be "euclidean", "cosine" or a distance object/);
    enc.dispose();
    await assert.rejects(fit(enc, lib.train, { loss: triplet(0.2) }), /'encoder' must be a live encoder/);
  });
});
