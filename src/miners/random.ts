/**
 * A small seeded pseudo-random generator for the sampling miners, the P×K sampler and the random
 * mode of corpus mining, so that every draw is reproducible from a seed.
 *
 * The generator is mulberry32 (Tommy Ettinger's 32-bit mixer, public domain): one 32-bit state,
 * period 2^32, good enough for choosing batch members and negatives (not for cryptography).
 * PyTorch's and NumPy's generators are different, so draws never match the references' draws:
 * only the distributions do. The generator itself is internal/random.ts, shared with training.
 */
import { seededRandom } from "../internal/random";

/** A seeded source of uniform numbers. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
}

/** A mulberry32 generator started from `seed` (any finite number; it is truncated to 32 bits). */
export function createRng(seed: number): Rng {
  const r = seededRandom(seed);
  return { next: r.uniform, int: r.int };
}

/** Shuffles `items` in place (Fisher–Yates) and returns it. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
}

/** `k` distinct integers from [0, n) (k ≤ n), in the order drawn (a partial Fisher–Yates). */
export function sampleWithoutReplacement(n: number, k: number, rng: Rng): number[] {
  const pool = Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const tmp = pool[i] as number;
    pool[i] = pool[j] as number;
    pool[j] = tmp;
    out.push(pool[i] as number);
  }
  return out;
}

/**
 * An index drawn with probability proportional to `weights[offset + j]`, j in [0, length);
 * −1 when the weights sum to zero.
 */
export function weightedIndex(weights: ArrayLike<number>, offset: number, length: number, rng: Rng): number {
  let total = 0;
  for (let j = 0; j < length; j++) total += weights[offset + j] as number;
  if (!(total > 0)) return -1;
  let u = rng.next() * total;
  let last = -1;
  for (let j = 0; j < length; j++) {
    const w = weights[offset + j] as number;
    if (w <= 0) continue;
    last = j;
    u -= w;
    if (u < 0) return j;
  }
  return last; // rounding left a sliver of u: the last positive weight takes it
}

/** Reads an optional `seed` option: a finite number (default 0). */
export const DEFAULT_SEED = 0;
