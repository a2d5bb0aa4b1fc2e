import "../helpers/setup";
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { CosineSimilarityDistance, LpDistance, PML_METRIC_NAMES, retrievalMetrics, type KnnDistance, type RetrievalOptions } from "semantic-gps";
import { assertClose, assertNoLeak, loadCases, toTensor, type FixtureCase } from "../helpers/fixtures";

const cases = loadCases("metrics.json", "pml.AccuracyCalculator");

/** The case's PML distance as one of our distance objects. */
function distanceOf(c: FixtureCase): KnnDistance {
  const spec = c.params.knn_distance as { class: string; kwargs?: { normalize_embeddings?: boolean } };
  if (spec.class === "CosineSimilarity") return new CosineSimilarityDistance();
  if (spec.class === "LpDistance") return new LpDistance({ normalizeEmbeddings: spec.kwargs?.normalize_embeddings ?? true });
  throw new Error(`unknown distance ${spec.class}`);
}

/** The same ranking from a plain-JS metric name (checks the string metrics against PML too). */
function stringDistanceOf(c: FixtureCase): Pick<RetrievalOptions, "distance" | "normalize"> {
  const spec = c.params.knn_distance as { class: string; kwargs?: { normalize_embeddings?: boolean } };
  if (spec.class === "CosineSimilarity") return { distance: "cosine" };
  return { distance: "euclidean", normalize: spec.kwargs?.normalize_embeddings ?? true };
}

function run(c: FixtureCase, dist: Pick<RetrievalOptions, "distance" | "normalize">) {
  const query = toTensor(c.inputs.query!);
  const labels = toTensor(c.inputs.query_labels!);
  const opts: RetrievalOptions = { ...dist, k: c.params.k as number | null };
  let ref: tf.Tensor | undefined;
  let refLabels: tf.Tensor | undefined;
  if (c.inputs.reference) {
    ref = toTensor(c.inputs.reference);
    refLabels = toTensor(c.inputs.reference_labels!);
    opts.reference = ref;
    opts.referenceLabels = refLabels;
  }
  try {
    return retrievalMetrics(query, labels, opts);
  } finally {
    tf.dispose([query, labels, ref, refLabels].filter((t): t is tf.Tensor => t !== undefined));
  }
}

function check(c: FixtureCase, report: ReturnType<typeof run>, label: string): void {
  for (const name of c.params.include as string[]) {
    const key = PML_METRIC_NAMES[name];
    assert.ok(key, `unknown metric ${name}`);
    assertClose(report[key], c.expected[name]!, c.tolerance, `${label} ${name}`);
  }
  const knn = c.expected.knn_indices!;
  const [rows, cols] = knn.shape as [number, number];
  assert.equal(report.knnIndices.length, rows, `${label} knn rows`);
  const flat = knn.data as number[];
  report.knnIndices.forEach((row, i) => {
    assert.equal(row.length, cols, `${label} knn width of row ${i}`);
    assert.deepEqual(Array.from(row), flat.slice(i * cols, (i + 1) * cols), `${label} knn row ${i}`);
  });
}

describe("retrievalMetrics matches pytorch-metric-learning's AccuracyCalculator (metrics.json)", () => {
  assert.ok(cases.length >= 7, "metrics.json has its cases");
  for (const c of cases) {
    it(`${c.name}: every metric and every neighbour list, with the distance object`, () => {
      check(c, run(c, { distance: distanceOf(c) }), c.name);
    });
    it(`${c.name}: the same with the plain-JS ranking`, () => {
      check(c, run(c, stringDistanceOf(c)), `${c.name} (plain JS)`);
    });
  }

  it("leaves no tensor behind when ranking with a distance object", () => {
    const c = cases[0]!;
    const query = toTensor(c.inputs.query!);
    const labels = toTensor(c.inputs.query_labels!);
    assertNoLeak(() => retrievalMetrics(query, labels, { distance: new LpDistance() }), "retrievalMetrics");
    tf.dispose([query, labels]);
  });
});
