/**
 * Shared pieces of the pytorch-metric-learning tests: reproducible random batches and the
 * obvious float64 loops (distance matrices, finite differences) the vectorised code is checked against.
 */
import * as tf from "@tensorflow/tfjs";

/** The seeded generators live in seededRandom.ts; these names are kept for the PML tests. */
import { normalMatrix as gaussian, randomInts as randomLabels, uniform as rng } from "./seededRandom";
export { gaussian, randomLabels, rng };

/** Rows scaled to unit L2 norm (float64). */
export function l2normalize(x: number[][]): number[][] {
  return x.map((r) => {
    const n = Math.max(Math.sqrt(r.reduce((s, v) => s + v * v, 0)), 1e-12);
    return r.map((v) => v / n);
  });
}

/** Euclidean distance of two rows (float64). */
export function euclid(a: number[], b: number[]): number {
  return Math.sqrt(a.reduce((s, v, k) => s + (v - (b[k] as number)) ** 2, 0));
}

/** Dot product of two rows (float64). */
export function dot(a: number[], b: number[]): number {
  return a.reduce((s, v, k) => s + v * (b[k] as number), 0);
}

/**
 * Central finite differences of a float64 function of a matrix: the gradient a naive loss loop
 * implies, to compare with our autodiff gradient.
 */
export function numericGrad(f: (x: number[][]) => number, x: number[][], h = 1e-6): number[][] {
  return x.map((row, i) =>
    row.map((_, k) => {
      const plus = x.map((r) => r.slice());
      const minus = x.map((r) => r.slice());
      plus[i]![k]! += h;
      minus[i]![k]! -= h;
      return (f(plus) - f(minus)) / (2 * h);
    }),
  );
}

/** The largest |a − b| over two equally shaped nested arrays or flat arrays. */
export function maxDiff(a: number[] | number[][], b: number[] | number[][]): number {
  const fa = (a as unknown[]).flat(2) as number[];
  const fb = (b as unknown[]).flat(2) as number[];
  if (fa.length !== fb.length) return Infinity;
  return fa.reduce((m, v, i) => Math.max(m, Math.abs(v - (fb[i] as number))), 0);
}

/** Value and gradient of a scalar function of one tensor, as plain numbers. */
export function valueAndGrad(f: (x: tf.Tensor2D) => tf.Tensor, x: number[][]): { value: number; grad: number[][] } {
  return tf.tidy(() => {
    const t = tf.tensor2d(x);
    const { value, grad } = tf.valueAndGrad((e: tf.Tensor) => f(e as tf.Tensor2D) as tf.Scalar)(t);
    return { value: value.dataSync()[0] as number, grad: grad.arraySync() as number[][] };
  });
}

/** The options and indices tuple a pml_losses.json case passes, in our names. */
export function pmlCaseOptions(
  params: Record<string, unknown>,
  inputs: Record<string, { data: unknown; layout?: string }>,
  rename: Record<string, string>,
  distances: { lp: (kwargs: Record<string, unknown>) => unknown; cosine: () => unknown },
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if (k === "distance") {
      const d = v as { class: string; kwargs?: Record<string, unknown> };
      out.distance = d.class === "CosineSimilarity" ? distances.cosine() : distances.lp(d.kwargs ?? {});
    } else {
      const name = rename[k];
      if (name === undefined) throw new Error(`unmapped fixture param ${k}`);
      out[name] = v;
    }
  }
  const col = (rows: number[][], c: number): number[] => rows.map((r) => r[c] as number);
  if (inputs.triplets) {
    const t = inputs.triplets.data as number[][];
    out.indicesTuple = [col(t, 0), col(t, 1), col(t, 2)];
  } else if (inputs.pos_pairs && inputs.neg_pairs) {
    const pp = inputs.pos_pairs.data as number[][];
    const np = inputs.neg_pairs.data as number[][];
    out.indicesTuple = [col(pp, 0), col(pp, 1), col(np, 0), col(np, 1)];
  }
  return out;
}

/** The signature every label-based loss shares. */
export type LabelLoss = (embeddings: unknown, labels: unknown, options?: Record<string, unknown>) => tf.Tensor;

/**
 * The checks every label-based loss must pass, registered as `it` blocks: validation messages,
 * plain arrays vs tensors, no leaks, 0 with a finite gradient for a batch without positive
 * pairs, finite gradients at zero distance.
 */
export function commonLabelLossTests(
  name: string,
  loss: LabelLoss,
  it: (title: string, body: () => void) => void,
  { negativesAloneGiveLoss = false }: { negativesAloneGiveLoss?: boolean } = {},
): void {
  const assertOk = (cond: boolean, msg: string): void => {
    if (!cond) throw new Error(msg);
  };
  const throwsLike = (f: () => unknown, re: RegExp): void => {
    try {
      f();
    } catch (e) {
      assertOk(re.test(String((e as Error).message)), `${name}: message "${(e as Error).message}" does not match ${re}`);
      return;
    }
    throw new Error(`${name}: expected an error matching ${re}`);
  };
  const x = gaussian(31, 6, 3);
  const y = [0, 0, 1, 1, 2, 2];

  it("refuses bad input, naming the function and the argument", () => {
    throwsLike(() => loss(x, [0, 1, 2]), new RegExp(`${name}: 'labels' must be one label per row of 'embeddings' \\(6\\), but got 3 labels`));
    throwsLike(() => loss(x, [0, 0, 1, 1, 2, 2.5]), new RegExp(`${name}: 'labels' must be integer labels, but got 2.5 at \\[5\\]`));
    throwsLike(() => loss([1, 2, 3], [0, 1, 2]), new RegExp(`${name}: 'embeddings' must be a rank-2`));
    throwsLike(() => loss([[0, NaN], [1, 1]], [0, 0]), new RegExp(`${name}: 'embeddings' must be finite \\(no NaN or Infinity\\), but got NaN at \\[0,1\\]`));
    throwsLike(() => loss([], []), new RegExp(`${name}: 'embeddings' must be non-empty`));
    throwsLike(() => loss(x, null, { indicesTuple: [[0], [6], [1]] }), new RegExp(`${name}: 'indicesTuple\\[1\\]' must be integer indices in \\[0, 6\\)`));
    throwsLike(() => loss(x, y, { reducer: "mean" }), new RegExp(`${name}: 'reducer' must be a reducer`));
    throwsLike(() => loss(x, y, { nope: 1 }), new RegExp(`${name}: 'options' must be an object with keys among .* but got unknown key 'nope'`));
  });

  it("accepts tensors and plain arrays alike, with the same value", () => {
    const a = tf.tidy(() => loss(x, y).dataSync()[0]);
    const b = tf.tidy(() => loss(tf.tensor2d(x), tf.tensor1d(y, "int32")).dataSync()[0]);
    assertOk(a === b && Number.isFinite(a), `${a} vs ${b}`);
  });

  it("leaves no tensor behind, with and without gradients, with labels or mined pairs", () => {
    const e = tf.tensor2d(gaussian(32, 30, 4));
    const labels = randomLabels(33, 30, 4);
    const before = tf.memory().numTensors;
    for (const opts of [{}, { indicesTuple: [[0, 1, 2], [3, 4, 5], [6, 7, 8]] }]) {
      loss(e, labels, opts).dispose();
      tf.grad((t: tf.Tensor) => tf.sum(loss(t, labels, opts)))(e).dispose();
    }
    const after = tf.memory().numTensors;
    e.dispose();
    assertOk(after === before, `leaked ${after - before} tensors`);
  });

  if (negativesAloneGiveLoss) {
    it("gives a finite value and gradient for a batch without any positive pair (negative terms remain)", () => {
      const { value, grad } = valueAndGrad((e) => loss(e, [0, 1, 2, 3, 4]), gaussian(34, 5, 3));
      assertOk(Number.isFinite(value) && grad.flat().every(Number.isFinite), "non-finite");
    });
  } else {
    it("gives 0 with a finite (zero) gradient for a batch without any positive pair", () => {
      const { value, grad } = valueAndGrad((e) => loss(e, [0, 1, 2, 3, 4]), gaussian(34, 5, 3));
      assertOk(value === 0, `value ${value}`);
      assertOk(grad.flat().every((g) => g === 0), "gradient not zero");
    });
  }

  it("gives finite gradients when embeddings coincide (zero distance, identical rows)", () => {
    const e = gaussian(35, 30, 3);
    e[1] = e[0]!.slice();
    e[2] = e[0]!.slice();
    const labels = randomLabels(36, 30, 3);
    labels[1] = labels[0]!;
    labels[2] = (labels[0]! + 1) % 3;
    const { value, grad } = valueAndGrad((t) => loss(t, labels), e);
    assertOk(Number.isFinite(value) && grad.flat().every(Number.isFinite), "non-finite");
  });
}
