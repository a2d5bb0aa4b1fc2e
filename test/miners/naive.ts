/**
 * Slow, obviously-correct miners over a distance matrix given as nested arrays. They branch on
 * the metric explicitly (`inverted`) and scan every candidate, so the library's versions (which
 * go through `distance.margin` and shortcuts) can be checked against them.
 * Ties always go to the lowest index, as torch.min/max.
 */
import * as tf from "@tensorflow/tfjs";

export type Matrix = number[][];

/** A tiny seeded LCG for test data (Numerical Recipes constants). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export interface Batch {
  e: number[][];
  y: number[];
}

/**
 * A random batch: `n` rows of width `d`, `classes` labels. `ties` rounds values to a coarse grid
 * so that many distances coincide; `singleton` gives the last row a label of its own.
 */
export function randomBatch(seed: number, n: number, d: number, classes: number, opts: { ties?: boolean; singleton?: boolean; identical?: boolean } = {}): Batch {
  const r = lcg(seed);
  const e = Array.from({ length: n }, () =>
    Array.from({ length: d }, () => {
      const v = r() * 2 - 1;
      return opts.ties ? Math.round(v * 2) / 2 : v;
    }),
  );
  if (opts.identical) for (let i = 1; i < n; i++) e[i] = [...e[0]!];
  // Guarantee every row is non-zero (a zero row normalises to zero, which is fine but dull).
  for (const row of e) if (row.every((v) => v === 0)) row[0] = 1;
  const y = Array.from({ length: n }, (_, i) => i % classes);
  if (opts.singleton) y[n - 1] = classes + 7;
  return { e, y };
}

/** The matrix as the library's distance computes it. */
export function matrixOf(distance: { matrix(q: tf.Tensor2D, r?: tf.Tensor2D): tf.Tensor2D }, e: number[][], ref?: number[][]): Matrix {
  return tf.tidy(() => distance.matrix(tf.tensor2d(e), ref ? tf.tensor2d(ref) : undefined).arraySync());
}

const isPos = (y: number[], ry: number[], self: boolean, i: number, j: number): boolean => y[i] === ry[j] && !(self && i === j);
const isNeg = (y: number[], ry: number[], i: number, j: number): boolean => y[i] !== ry[j];

/** Index of the closest (or farthest) j among `cands`; lowest index on ties. */
export function pick(row: number[], cands: number[], inverted: boolean, farthest: boolean): number {
  let best = -1;
  for (const j of cands) {
    if (best < 0) {
      best = j;
      continue;
    }
    const v = row[j]!;
    const b = row[best]!;
    const closer = inverted ? v > b : v < b;
    const farther = inverted ? v < b : v > b;
    if (farthest ? farther : closer) best = j;
  }
  return best;
}

/** gap = how much closer p is than n. */
export const gapOf = (ap: number, an: number, inverted: boolean): number => (inverted ? ap - an : an - ap);

export function naiveTripletMargin(m: Matrix, y: number[], ry: number[], self: boolean, inverted: boolean, margin: number, type: string): number[][] {
  const out: number[][] = [];
  for (let a = 0; a < y.length; a++) {
    for (let p = 0; p < ry.length; p++) {
      if (!isPos(y, ry, self, a, p)) continue;
      for (let n = 0; n < ry.length; n++) {
        if (!isNeg(y, ry, a, n)) continue;
        const g = gapOf(m[a]![p]!, m[a]![n]!, inverted);
        const ok = type === "all" ? g <= margin : type === "hard" ? g <= 0 : type === "semihard" ? g > 0 && g <= margin : g > margin;
        if (ok) out.push([a, p, n]);
      }
    }
  }
  return out;
}

export function naiveBatchEasyHard(
  m: Matrix,
  y: number[],
  ry: number[],
  self: boolean,
  inverted: boolean,
  pos: string,
  neg: string,
  posRange?: [number, number],
  negRange?: [number, number],
): { posPairs: number[][]; negPairs: number[][] } {
  const posPairs: number[][] = [];
  const negPairs: number[][] = [];
  const inRange = (v: number, r?: [number, number]): boolean => !r || (v >= r[0] && v <= r[1]);
  const strictlyCloser = (x: number, z: number): boolean => (inverted ? x > z : x < z);
  for (let a = 0; a < y.length; a++) {
    const row = m[a]!;
    const P = ry.map((_, j) => j).filter((j) => isPos(y, ry, self, a, j));
    const N = ry.map((_, j) => j).filter((j) => isNeg(y, ry, a, j));
    const Pr = P.filter((j) => inRange(row[j]!, posRange));
    const Nr = N.filter((j) => inRange(row[j]!, negRange));
    let p = -1;
    let n = -1;
    if (pos === "semihard") {
      n = pick(row, Nr, inverted, neg === "easy");
      if (n >= 0) p = pick(row, Pr.filter((j) => strictlyCloser(row[j]!, row[n]!)), inverted, true);
    } else if (neg === "semihard") {
      p = pick(row, Pr, inverted, pos !== "easy");
      if (p >= 0) n = pick(row, Nr.filter((j) => strictlyCloser(row[p]!, row[j]!)), inverted, false);
    } else {
      if (pos !== "all") p = pick(row, Pr, inverted, pos === "hard");
      if (neg !== "all") n = pick(row, Nr, inverted, neg === "easy");
    }
    if (pos !== "all" && neg !== "all") {
      if (p >= 0 && n >= 0) (posPairs.push([a, p]), negPairs.push([a, n]));
      continue;
    }
    if (pos === "all") for (const j of P) posPairs.push([a, j]);
    else if (p >= 0) posPairs.push([a, p]);
    if (neg === "all") for (const j of N) negPairs.push([a, j]);
    else if (n >= 0) negPairs.push([a, n]);
  }
  return { posPairs, negPairs };
}

export function naiveMultiSimilarity(m: Matrix, y: number[], ry: number[], self: boolean, inverted: boolean, eps: number): { posPairs: number[][]; negPairs: number[][] } {
  const posPairs: number[][] = [];
  const negPairs: number[][] = [];
  const allP = y.some((_, a) => ry.some((__, j) => isPos(y, ry, self, a, j)));
  const allN = y.some((_, a) => ry.some((__, j) => isNeg(y, ry, a, j)));
  if (!allP || !allN) return { posPairs, negPairs };
  for (let a = 0; a < y.length; a++) {
    const row = m[a]!;
    const P = ry.map((_, j) => j).filter((j) => isPos(y, ry, self, a, j));
    const N = ry.map((_, j) => j).filter((j) => isNeg(y, ry, a, j));
    if (inverted) {
      const maxNeg = N.length ? Math.max(...N.map((j) => row[j]!)) : -Infinity;
      const minPos = P.length ? Math.min(...P.map((j) => row[j]!)) : Infinity;
      for (const j of P) if (row[j]! - eps < maxNeg) posPairs.push([a, j]);
      for (const j of N) if (row[j]! + eps > minPos) negPairs.push([a, j]);
    } else {
      const minNeg = N.length ? Math.min(...N.map((j) => row[j]!)) : Infinity;
      const maxPos = P.length ? Math.max(...P.map((j) => row[j]!)) : -Infinity;
      for (const j of P) if (row[j]! + eps > minNeg) posPairs.push([a, j]);
      for (const j of N) if (row[j]! - eps < maxPos) negPairs.push([a, j]);
    }
  }
  return { posPairs, negPairs };
}

export function naivePairMargin(m: Matrix, y: number[], ry: number[], self: boolean, inverted: boolean, pm: number, nm: number): { posPairs: number[][]; negPairs: number[][] } {
  const posPairs: number[][] = [];
  const negPairs: number[][] = [];
  for (let a = 0; a < y.length; a++) {
    for (let j = 0; j < ry.length; j++) {
      const v = m[a]![j]!;
      if (isPos(y, ry, self, a, j) && (inverted ? v < pm : v > pm)) posPairs.push([a, j]);
      if (isNeg(y, ry, a, j) && (inverted ? v > nm : v < nm)) negPairs.push([a, j]);
    }
  }
  return { posPairs, negPairs };
}

/** TF Addons / FaceNet: per (a, p) the closest negative strictly farther, else the farthest negative. */
export function naiveFacenet(m: Matrix, y: number[], ry: number[], self: boolean, inverted: boolean, perAnchorHardest: boolean): { triplets: number[][]; fallbacks: number } {
  const triplets: number[][] = [];
  let fallbacks = 0;
  for (let a = 0; a < y.length; a++) {
    const row = m[a]!;
    let P = ry.map((_, j) => j).filter((j) => isPos(y, ry, self, a, j));
    const N = ry.map((_, j) => j).filter((j) => isNeg(y, ry, a, j));
    if (!P.length || !N.length) continue;
    if (perAnchorHardest) P = [pick(row, P, inverted, true)];
    for (const p of P) {
      const farther = N.filter((j) => (inverted ? row[j]! < row[p]! : row[j]! > row[p]!));
      let n = pick(row, farther, inverted, false);
      if (n < 0) {
        fallbacks++;
        n = pick(row, N, inverted, true);
      }
      triplets.push([a, p, n]);
    }
  }
  return { triplets, fallbacks };
}
