import { argError, checkOptions, enumOption, numberOption, toLabels, type TensorInput } from "../internal/validate";
import { createRng, DEFAULT_SEED, sampleWithoutReplacement, shuffleInPlace, type Rng } from "./random";

/** What {@link pkSampler} does with a class that has fewer than `k` members. */
export type SmallClassPolicy = "replace" | "skip";

/** Options of {@link pkSampler}. */
export interface PkSamplerOptions {
  /** Classes per batch, P (required, ≥ 2 so that every anchor also has negatives). */
  p: number;
  /** Samples per class, K (required, ≥ 2 so that every anchor has a positive). */
  k: number;
  /** Seed of the sampler's generator (default 0). Same seed, same labels → same batches. */
  seed?: number;
  /**
   * A class with at least 2 but fewer than `k` members: `"replace"` (default) takes all its
   * members once and fills the remaining slots by drawing members again (with replacement);
   * `"skip"` never uses the class. Classes with a single member are always skipped: no batch
   * could give their sample a positive.
   */
  smallClasses?: SmallClassPolicy;
}

/** A seeded P×K batch sampler (see {@link pkSampler}). */
export interface PkSampler {
  readonly p: number;
  readonly k: number;
  /** P·K. */
  readonly batchSize: number;
  /** Labels of the classes the sampler draws from, ascending. */
  readonly classes: readonly number[];
  /** Labels of the classes it never draws (single members, or fewer than K with `"skip"`). */
  readonly skippedClasses: readonly number[];
  /** Batches in one pass over the classes: ⌊classes / P⌋. */
  readonly batchesPerEpoch: number;
  /** The next batch: P·K dataset indices, K consecutive indices per class. */
  next(): Int32Array;
  /** {@link batchesPerEpoch} batches. */
  epoch(): Int32Array[];
}

const FN = "pkSampler";
/** Fewest members a class needs to give every one of its samples a positive. */
const MIN_MEMBERS = 2;

/**
 * A P×K ("m per class") batch sampler: each batch holds P distinct classes and K samples of each,
 * so every sample in the batch has K − 1 positives and (P − 1)·K negatives — the batch layout
 * batch-hard and semi-hard mining assume.
 *
 * Classes are visited in a shuffled order and reshuffled when every class has been used, so over
 * an epoch each class appears about equally often. Within a class, K members are drawn without
 * replacement; a class with fewer than K members is topped up with replacement (or skipped, see
 * `smallClasses`), and because all its members are taken first, every sample still has a positive
 * that is a *different* dataset item.
 *
 * @param labels one integer label per dataset item (tensor, array or typed array).
 * @throws RangeError when fewer than P classes are usable, or p, k are not integers ≥ 2.
 * @see pytorch-metric-learning `samplers.MPerClassSampler(labels, m, batch_size)` — same batch
 *   layout (batch_size = P·m). Differences: PML always samples small classes with replacement
 *   (so a 1-member class can fill a batch with copies of one item, i.e. positives at distance 0);
 *   here such classes are skipped, and draws come from a seeded generator, not NumPy's.
 * @example
 * const s = pkSampler([0, 0, 0, 1, 1, 1, 2, 2], { p: 2, k: 2, seed: 1 });
 * s.next().length; // => 4
 */
export function pkSampler(labels: TensorInput | ArrayLike<number>, options: PkSamplerOptions): PkSampler {
  const o = checkOptions(FN, options, ["p", "k", "seed", "smallClasses"]);
  if (o.p === undefined) throw argError(FN, "p", "an integer >= 2 (classes per batch)", "undefined", "type");
  if (o.k === undefined) throw argError(FN, "k", "an integer >= 2 (samples per class)", "undefined", "type");
  const p = numberOption(FN, "p", o.p, 0, { integer: true, min: 2 });
  const k = numberOption(FN, "k", o.k, 0, { integer: true, min: MIN_MEMBERS });
  const seed = numberOption(FN, "seed", o.seed, DEFAULT_SEED);
  const policy = enumOption<SmallClassPolicy>(FN, "smallClasses", o.smallClasses, ["replace", "skip"], "replace");
  const y = toLabels(FN, "labels", labels);

  const members = new Map<number, number[]>();
  y.forEach((label, i) => {
    const list = members.get(label);
    if (list) list.push(i);
    else members.set(label, [i]);
  });
  const usable: number[] = [];
  const skipped: number[] = [];
  for (const [label, list] of [...members.entries()].sort((a, b) => a[0] - b[0])) {
    const ok = list.length >= MIN_MEMBERS && (policy === "replace" || list.length >= k);
    (ok ? usable : skipped).push(label);
  }
  if (usable.length < p) {
    throw argError(
      FN,
      "labels",
      `at least p = ${p} classes with ${policy === "skip" ? `>= k = ${k}` : `>= ${MIN_MEMBERS}`} members`,
      `${usable.length} such classes (of ${members.size})`,
    );
  }

  const rng: Rng = createRng(seed);
  let queue: number[] = [];
  const drawClasses = (): number[] => {
    const chosen: number[] = [];
    const deferred: number[] = [];
    while (chosen.length < p) {
      if (queue.length === 0) queue = shuffleInPlace([...usable], rng);
      const label = queue.pop() as number;
      // After a reshuffle a class already in this batch can come up again: keep it for the next batch.
      if (chosen.includes(label)) deferred.push(label);
      else chosen.push(label);
    }
    queue.push(...deferred);
    return chosen;
  };
  const next = (): Int32Array => {
    const batch = new Int32Array(p * k);
    let at = 0;
    for (const label of drawClasses()) {
      const list = members.get(label) as number[];
      const first = sampleWithoutReplacement(list.length, Math.min(k, list.length), rng);
      for (const j of first) batch[at++] = list[j] as number;
      for (let extra = first.length; extra < k; extra++) batch[at++] = list[rng.int(list.length)] as number;
    }
    return batch;
  };
  const batchesPerEpoch = Math.floor(usable.length / p);
  return {
    p,
    k,
    batchSize: p * k,
    classes: usable,
    skippedClasses: skipped,
    batchesPerEpoch,
    next,
    epoch: () => Array.from({ length: batchesPerEpoch }, next),
  };
}
