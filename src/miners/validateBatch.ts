import { booleanOption, checkOptions, toLabels, type TensorInput } from "../internal/validate";

/** Options of {@link validateBatch}. */
export interface ValidateBatchOptions {
  /** Also print each warning with `console.warn` (default false). */
  warn?: boolean;
}

/** What {@link validateBatch} found. */
export interface BatchReport {
  /** True when there is no warning. */
  ok: boolean;
  /** Human-readable warnings, empty when the batch is fine. */
  warnings: string[];
  /** Number of rows. */
  size: number;
  /** Number of distinct labels. */
  classes: number;
  /** Ordered positive pairs (i ≠ j, same label) and negative pairs (different labels). */
  positivePairs: number;
  negativePairs: number;
  /** Rows whose label no other row shares: they can never be an anchor of a triplet. */
  anchorsWithoutPositive: number[];
}

const FN = "validateBatch";

/**
 * Checks that a batch can feed label-based losses and miners, and says why not. Warns when
 *
 * - no two rows share a label (no positive pair): TF Addons' `TripletSemiHardLoss` then returns
 *   NaN, and pytorch-metric-learning's losses return a silent 0 that trains nothing;
 * - some rows have no positive (a class with one member in the batch): those rows are never an
 *   anchor, so they only act as negatives;
 * - all rows share one label (no negative pair): every triplet and negative-pair loss is empty.
 *
 * Use {@link pkSampler} to build batches that pass.
 *
 * @param labels one integer label per row.
 * @example
 * validateBatch([0, 1, 2]).warnings[0];
 * // => "no positive pair: no two of the 3 rows share a label, so there is no triplet and no positive pair (TF Addons' semi-hard loss gives NaN; pytorch-metric-learning's losses give a silent 0). Sample batches with pkSampler."
 */
export function validateBatch(labels: TensorInput | ArrayLike<number>, options?: ValidateBatchOptions): BatchReport {
  const o = checkOptions(FN, options, ["warn"]);
  const warn = booleanOption(FN, "warn", o.warn, false);
  const y = toLabels(FN, "labels", labels);
  const counts = new Map<number, number>();
  for (const label of y) counts.set(label, (counts.get(label) ?? 0) + 1);
  let positivePairs = 0;
  for (const c of counts.values()) positivePairs += c * (c - 1);
  const n = y.length;
  const negativePairs = n * n - [...counts.values()].reduce((s, c) => s + c * c, 0);
  const anchorsWithoutPositive: number[] = [];
  y.forEach((label, i) => {
    if (counts.get(label) === 1) anchorsWithoutPositive.push(i);
  });

  const warnings: string[] = [];
  if (n > 0 && positivePairs === 0) {
    warnings.push(
      `no positive pair: no two of the ${n} rows share a label, so there is no triplet and no positive pair ` +
        "(TF Addons' semi-hard loss gives NaN; pytorch-metric-learning's losses give a silent 0). Sample batches with pkSampler.",
    );
  } else if (anchorsWithoutPositive.length > 0) {
    const shown = anchorsWithoutPositive.slice(0, 10).join(", ");
    const more = anchorsWithoutPositive.length > 10 ? ", …" : "";
    warnings.push(
      `${anchorsWithoutPositive.length} of ${n} rows have no positive (their label appears once): rows ${shown}${more}. ` +
        "They are never anchors, only negatives.",
    );
  }
  if (n > 1 && counts.size === 1) {
    warnings.push(`no negative pair: all ${n} rows have label ${y[0]}, so every triplet and negative-pair loss is empty.`);
  }
  if (warn) for (const w of warnings) console.warn(`${FN}: ${w}`);
  return { ok: warnings.length === 0, warnings, size: n, classes: counts.size, positivePairs, negativePairs, anchorsWithoutPositive };
}
