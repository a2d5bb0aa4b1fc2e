/**
 * The library's one seeded generator: the encoder's initial weights, the batch order of `fit`,
 * and (through miners/random.ts) the sampling miners, the P×K sampler and random corpus mining,
 * so that the same seed gives the same numbers on the same backend.
 *
 * mulberry32 (Tommy Ettinger's 32-bit mixer, public domain): one 32-bit state, period 2^32.
 * Normal draws use the Box–Muller transform. PyTorch's generator is different, so draws never
 * match PyTorch's draws; only their distributions do.
 */

/** 2^32, to map a 32-bit state to [0, 1). */
const TWO_POW_32 = 4294967296;

/** A seeded source of random numbers. */
export interface SeededRandom {
  /** A float in [0, 1). */
  uniform(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** A standard normal draw (mean 0, standard deviation 1). */
  normal(): number;
  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[];
}

/** A mulberry32 generator started from `seed` (truncated to 32 bits). */
export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_POW_32;
  };
  const int = (n: number): number => Math.floor(uniform() * n);
  let spare: number | null = null;
  const normal = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    // 1 − u keeps the logarithm's argument in (0, 1].
    const r = Math.sqrt(-2 * Math.log(1 - uniform()));
    const theta = 2 * Math.PI * uniform();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
  const shuffle = <T>(items: T[]): T[] => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = int(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  };
  return { uniform, int, normal, shuffle };
}
