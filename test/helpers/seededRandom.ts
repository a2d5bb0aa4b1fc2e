/**
 * Reproducible random inputs for the naive-loop agreement tests (mulberry32 + Box–Muller),
 * returned as nested arrays so the naive loops can read them without tensors.
 */

/** A uniform generator in [0, 1) from a 32-bit seed (mulberry32). */
export function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An [n, d] matrix of standard normal numbers, rounded to float32. */
export function normalMatrix(seed: number, n: number, d: number): number[][] {
  const u = uniform(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  return Array.from({ length: n }, () => Array.from({ length: d }, () => Math.fround(gauss())));
}

/** n integers in 0…k−1. */
export function randomInts(seed: number, n: number, k: number): number[] {
  const u = uniform(seed);
  return Array.from({ length: n }, () => Math.floor(u() * k));
}

/** The largest absolute difference between two flat arrays (lengths must match). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
