import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { asLayersLoss, contrastiveLoss, layersTargets, noReducer, supConLoss, tripletLoss } from "semantic-gps";
import { assertNoLeak } from "../helpers/fixtures";
import { gaussian } from "../helpers/metricLearning";

const INPUT_DIM = 6;
const EMBEDDING_DIM = 3;
const CLASSES = 3;
const PER_CLASS = 6;

/** Three overlapping Gaussian clusters in the input space, interleaved by class (0, 1, 2, 0, …). */
function clusters(seed: number): { x: tf.Tensor2D; labels: number[] } {
  const centres = gaussian(seed, CLASSES, INPUT_DIM);
  const noise = gaussian(seed + 1, CLASSES * PER_CLASS, INPUT_DIM);
  const labels = Array.from({ length: CLASSES * PER_CLASS }, (_, i) => i % CLASSES);
  const rows = labels.map((c, i) => centres[c]!.map((v, k) => v + 0.7 * noise[i]![k]!));
  return { x: tf.tensor2d(rows), labels };
}

/** A one-layer encoder with seeded weights. */
function encoder(seed: number): tf.Sequential {
  return tf.sequential({
    layers: [tf.layers.dense({ inputShape: [INPUT_DIM], units: EMBEDDING_DIM, kernelInitializer: tf.initializers.glorotNormal({ seed }) })],
  });
}

function scalar(t: tf.Tensor): number {
  const v = t.dataSync()[0] as number;
  t.dispose();
  return v;
}

describe("asLayersLoss plugs a label-based loss into model.compile / model.fit", () => {
  it("model.fit with tripletLoss lowers the loss, and its first epoch reports the loss of the untrained model", async () => {
    const { x, labels } = clusters(1);
    const model = encoder(2);
    const options = { margin: 0.2 };
    const before = scalar(tf.tidy(() => tripletLoss(model.predict(x) as tf.Tensor2D, labels, options)));
    model.compile({ optimizer: tf.train.adam(0.05), loss: asLayersLoss(tripletLoss, options) });
    const targets = layersTargets(labels, EMBEDDING_DIM);
    // One batch per epoch: the reported loss is computed before that epoch's update.
    const history = await model.fit(x, targets, { epochs: 12, batchSize: labels.length, shuffle: false, verbose: 0 });
    const losses = history.history.loss as number[];
    assert.ok(Math.abs((losses[0] as number) - before) < 1e-5, `first epoch ${losses[0]} vs loss before training ${before}`);
    const last = losses[losses.length - 1] as number;
    assert.ok(last < 0.5 * (losses[0] as number), `loss went from ${losses[0]} to ${last}`);
    const after = scalar(tf.tidy(() => tripletLoss(model.predict(x) as tf.Tensor2D, labels, options)));
    assert.ok(after < before, `tripletLoss on the training set: ${before} → ${after}`);
    tf.dispose([x, targets]);
    model.dispose();
  });

  it("the loss's options reach it: supConLoss with temperature 0.5 through the adapter equals the loss", () => {
    const { x, labels } = clusters(3);
    const emb = tf.tidy(() => encoder(4).predict(x) as tf.Tensor2D);
    const f = asLayersLoss(supConLoss, { temperature: 0.5 });
    const targets = layersTargets(labels, EMBEDDING_DIM);
    const viaAdapter = scalar(f(targets, emb));
    const direct = scalar(supConLoss(emb, labels, { temperature: 0.5 }));
    assert.ok(Math.abs(viaAdapter - direct) < 1e-6, `${viaAdapter} vs ${direct}`);
    assert.ok(Math.abs(direct - scalar(supConLoss(emb, labels))) > 1e-4, "the temperature changes the value");
    tf.dispose([x, emb, targets]);
  });

  it("yTrue may be [batch], [batch, 1] or [batch, dim] with each row repeating its label", () => {
    const emb = tf.tensor2d(gaussian(5, 6, 3));
    const labels = [0, 1, 2, 0, 1, 2];
    const f = asLayersLoss(contrastiveLoss);
    const direct = scalar(contrastiveLoss(emb, labels));
    for (const yTrue of [tf.tensor1d(labels), tf.tensor2d(labels, [6, 1]), layersTargets(labels, 3), tf.tensor1d(labels, "int32")]) {
      const v = scalar(f(yTrue, emb));
      assert.ok(Math.abs(v - direct) < 1e-7, `yTrue ${yTrue.shape}: ${v} vs ${direct}`);
      yTrue.dispose();
    }
    emb.dispose();
  });

  it("a loss that returns one value per element is averaged, as Layers averages per-sample losses", () => {
    const emb = tf.tensor2d(gaussian(6, 6, 3));
    const labels = [0, 1, 2, 0, 1, 2];
    const perTriplet = tripletLoss(emb, labels, { reducer: noReducer() });
    const mean = Array.from(perTriplet.dataSync()).reduce((s, v) => s + v, 0) / perTriplet.size;
    perTriplet.dispose();
    const yTrue = tf.tensor1d(labels);
    const out = asLayersLoss(tripletLoss, { reducer: noReducer() })(yTrue, emb);
    assert.equal(out.rank, 0);
    assert.ok(Math.abs(scalar(out) - mean) < 1e-6, "the mean of the per-triplet losses");
    tf.dispose([emb, yTrue]);
  });

  it("refuses targets it cannot read as labels, naming the argument", () => {
    const emb = tf.tensor2d(gaussian(7, 4, 3));
    const f = asLayersLoss(tripletLoss);
    const bad: [tf.Tensor, RegExp][] = [
      [tf.tensor2d([0, 0, 0, 1, 1, 1, 0, 1, 0, 1, 1, 1], [4, 3]), /asLayersLoss: 'yTrue' must be rows that each repeat one label .*row 2: 0 and 1/],
      [tf.tensor1d([0, 1.5, 0, 1]), /asLayersLoss: 'yTrue' must be integer labels, but got 1\.5 at \[1\]/],
      [tf.tensor1d([0, 1, 0]), /asLayersLoss: 'yTrue' must be one label per row of 'yPred' \(4\), but got 3 rows/],
      [tf.zeros([4, 1, 1]), /asLayersLoss: 'yTrue' must be labels of shape \[batch\]/],
    ];
    for (const [yTrue, message] of bad) {
      assert.throws(() => f(yTrue, emb), message);
      yTrue.dispose();
    }
    const labels = tf.tensor1d([0, 1, 0, 1]);
    const flat = tf.zeros([4]);
    assert.throws(() => f(labels, flat), (e: unknown) => e instanceof TypeError && /asLayersLoss: 'yPred' must be the model's \[batch, dim\] embeddings/.test((e as Error).message));
    tf.dispose([emb, labels, flat]);
    assert.throws(() => asLayersLoss("tripletLoss" as never), (e: unknown) => e instanceof TypeError && /asLayersLoss: 'loss' must be a label-based loss function/.test((e as Error).message));
    assert.throws(() => asLayersLoss(tripletLoss, 0.2 as never), /asLayersLoss: 'options' must be the loss's options object/);
  });

  it("leaves no tensor behind besides the loss it returns", () => {
    const emb = tf.tensor2d(gaussian(8, 6, 3));
    const yTrue = layersTargets([0, 1, 2, 0, 1, 2], 3);
    const f = asLayersLoss(tripletLoss);
    assertNoLeak(() => f(yTrue, emb).dispose(), "asLayersLoss(tripletLoss)");
    tf.dispose([emb, yTrue]);
  });
});

describe("layersTargets spreads labels over the embedding dimension", () => {
  it("row i repeats labels[i]; plain arrays, typed arrays and tensors are accepted", () => {
    // labels [0, 2] at width 3 → [[0, 0, 0], [2, 2, 2]]
    for (const labels of [[0, 2], Int32Array.of(0, 2)]) {
      const t = layersTargets(labels, 3);
      assert.deepEqual(t.arraySync(), [[0, 0, 0], [2, 2, 2]]);
      assert.equal(t.dtype, "float32");
      t.dispose();
    }
    const y = tf.tensor1d([1, 0], "int32");
    const t = layersTargets(y, 2);
    assert.deepEqual(t.arraySync(), [[1, 1], [0, 0]]);
    tf.dispose([y, t]);
  });

  it("checks its arguments", () => {
    assert.throws(() => layersTargets([0, 1], 0), (e: unknown) => e instanceof RangeError && /layersTargets: 'width' must be a positive integer/.test((e as Error).message));
    assert.throws(() => layersTargets([0, 0.5], 2), /layersTargets: 'labels' must be integer labels/);
    assert.throws(() => layersTargets([2 ** 24 + 1], 2), /layersTargets: 'labels' must be integers of magnitude at most 2\^24/);
  });
});

describe("a plain custom loop: optimizer.minimize over a label-based loss", () => {
  it("tripletLoss on model.apply(x) falls, with no tensors piling up between steps", () => {
    const { x, labels } = clusters(9);
    const model = encoder(10);
    const optimizer = tf.train.adam(0.05);
    const step = (): number => {
      const cost = optimizer.minimize(() => tripletLoss(model.apply(x) as tf.Tensor2D, labels, { margin: 0.2 }) as tf.Scalar, true);
      return scalar(cost as tf.Scalar);
    };
    const first = step();
    const afterFirst = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 12; i++) last = step();
    assert.equal(tf.memory().numTensors, afterFirst, "each step frees what it makes");
    assert.ok(last < 0.5 * first, `loss went from ${first} to ${last}`);
    x.dispose();
    model.dispose();
    optimizer.dispose();
  });
});
