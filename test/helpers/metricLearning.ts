/**
 * Shared pieces of the pytorch-metric-learning tests: reproducible random batches and the
 * obvious float64 loops (distance matrices, finite differences) the vectorised code is checked against.
 */
import * as tf from "@tensorflow/tfjs";

/** A uniform generator in [0, 1) from a 32-bit seed (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An [n, d] matrix of standard normal float32 numbers (Box–Muller). */
export function gaussian(seed: number, n: number, d: number): number[][] {
  const u = rng(seed);
  const g = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  return Array.from({ length: n }, () => Array.from({ length: d }, () => Math.fround(g())));
}

/** n labels in 0…k−1. */
export function randomLabels(seed: number, n: number, k: number): number[] {
  const u = rng(seed);
  return Array.from({ length: n }, () => Math.floor(u() * k));
}

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
