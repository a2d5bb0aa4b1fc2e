/**
 * Reading the reference fixtures (test/fixtures/*.json, unchanged copies of ../shared/fixtures)
 * and comparing our numbers with theirs at each case's own tolerance.
 * The format is specified in ../shared/fixtures/README.md.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";

export interface FixtureTensor {
  shape: number[];
  dtype: "float32" | "float64" | "int64";
  data: number[] | number[][];
  layout?: "tuples";
  order?: "natural";
}

export interface Tolerance {
  rtol: number;
  atol: number;
}

export interface FixtureCase {
  name: string;
  op: string;
  params: Record<string, unknown>;
  inputs: Record<string, FixtureTensor>;
  expected: Record<string, FixtureTensor>;
  tolerance: Tolerance;
  meta: Record<string, unknown>;
}

const FIXTURE_DIR = join(__dirname, "..", "fixtures");

/** Every case of one fixture file, optionally only those of one op. */
export function loadCases(file: string, op?: string): FixtureCase[] {
  const doc = JSON.parse(readFileSync(join(FIXTURE_DIR, file), "utf8")) as { cases: FixtureCase[] };
  return op === undefined ? doc.cases : doc.cases.filter((c) => c.op === op);
}

/** A fixture tensor as a tf tensor (float32 or int32). */
export function toTensor(t: FixtureTensor): tf.Tensor {
  if (t.layout === "tuples") throw new Error("index tuples are not tensors; use tuples()");
  const dtype = t.dtype === "int64" ? "int32" : "float32";
  return tf.tensor(t.data as number[], t.shape, dtype);
}

/** Index tuples as rows of integers. */
export function tuples(t: FixtureTensor): number[][] {
  assert.equal(t.layout, "tuples");
  return t.data as number[][];
}

/** Rows sorted lexicographically, as the fixtures store miner output. */
export function sortTuples(rows: number[][]): number[][] {
  return [...rows].sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const d = (a[i] as number) - (b[i] as number);
      if (d !== 0) return d;
    }
    return a.length - b.length;
  });
}

/**
 * numpy allclose convention, relative to expected: |actual − expected| ≤ atol + rtol·|expected|.
 * Reports the worst element on failure.
 */
export function assertClose(actual: tf.Tensor | ArrayLike<number> | number, expected: FixtureTensor | number[] | number, tol: Tolerance, label: string): void {
  const a: ArrayLike<number> =
    typeof actual === "number" ? [actual] : actual instanceof tf.Tensor ? actual.dataSync() : actual;
  const e: number[] =
    typeof expected === "number" ? [expected] : Array.isArray(expected) ? expected : (expected.data as number[]);
  if (!(typeof expected === "number" || Array.isArray(expected)) && actual instanceof tf.Tensor) {
    assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  }
  assert.equal(a.length, e.length, `${label}: number of elements`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < e.length; i++) {
    const ex = e[i] as number;
    const ac = a[i] as number;
    const bound = tol.atol + tol.rtol * Math.abs(ex);
    const err = Math.abs(ac - ex);
    if (!(err <= bound) && (worst < 0 || err / bound > worstExcess)) {
      worst = i;
      worstExcess = Number.isFinite(err) ? err / bound : Infinity;
    }
  }
  if (worst >= 0) {
    assert.fail(
      `${label}: element ${worst} is ${a[worst]}, expected ${e[worst]} (rtol ${tol.rtol}, atol ${tol.atol}; ${worstExcess.toFixed(2)}× over)`,
    );
  }
}

/**
 * The value of `f(inputs)` and the gradients with respect to each input; when `gradOutput` is
 * given, the vector-Jacobian product ∂ sum(f ⊙ gradOutput) / ∂x, as the fixtures define it.
 */
export function valueAndGrads(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  gradOutput?: tf.Tensor,
): { value: tf.Tensor; grads: tf.Tensor[] } {
  const value = f(...inputs);
  const grads = tf.grads((...xs: tf.Tensor[]) => f(...xs))(inputs, gradOutput);
  return { value, grads };
}

/** Runs `body` and checks that it leaves no tensor behind. */
export function assertNoLeak(body: () => void, label = "call"): void {
  const before = tf.memory().numTensors;
  body();
  assert.equal(tf.memory().numTensors, before, `${label} leaked ${tf.memory().numTensors - before} tensors`);
}
