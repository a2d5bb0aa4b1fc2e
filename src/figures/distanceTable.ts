import { Table } from "../internal/table";
import { argError, describeValue } from "../internal/validate";

/** Options of {@link distanceTable}. */
export interface DistanceTableOptions {
  /** "euclidean" (default), "cosine" (cosine *similarity*) or a p-norm given as a number. */
  metric?: "euclidean" | "cosine" | number;
  /** Decimals shown (default 4). */
  digits?: number;
  /** Title above the table. */
  title?: string;
}

/** Plain-JS distance between two rows (the table is for a handful of named vectors). */
function measure(a: readonly number[], b: readonly number[], metric: "euclidean" | "cosine" | number): number {
  if (metric === "cosine") {
    let dot = 0;
    let na = 0;
    let nb = 0;
    a.forEach((v, k) => {
      const w = b[k] as number;
      dot += v * w;
      na += v * v;
      nb += w * w;
    });
    return dot / (Math.sqrt(na) * Math.sqrt(nb) || 1);
  }
  const p = metric === "euclidean" ? 2 : metric;
  let s = 0;
  a.forEach((v, k) => {
    s += Math.abs(v - (b[k] as number)) ** p;
  });
  return s ** (1 / p);
}

/**
 * The table of every pairwise distance (or cosine similarity) between named vectors, e.g. the
 * tutorial's rei / rainha / abacaxi. Shows as an HTML table in a notebook, as text elsewhere.
 *
 * @param names one label per vector (HTML-escaped when shown).
 * @param vectors one row of numbers per name, all of the same length.
 * @example
 * distanceTable(["rei", "rainha"], [[0.9, 0.8, 0.1], [0.85, 0.75, 0.2]]).toText();
 * // a 2×2 table with 0.1225 off the diagonal
 */
export function distanceTable(names: readonly string[], vectors: readonly (readonly number[])[], options: DistanceTableOptions = {}): Table<{ name: string; values: number[] }> {
  const FN = "distanceTable";
  if (!Array.isArray(names) || names.some((n) => typeof n !== "string")) throw argError(FN, "names", "an array of strings", describeValue(names), "type");
  if (!Array.isArray(vectors) || vectors.length !== names.length) {
    throw argError(FN, "vectors", `one row per name (${names.length})`, describeValue(vectors));
  }
  const dim = vectors[0]?.length ?? 0;
  vectors.forEach((v, i) => {
    if (!Array.isArray(v) || v.length !== dim || v.some((x) => typeof x !== "number" || !Number.isFinite(x))) {
      throw argError(FN, "vectors", `rows of ${dim} finite numbers`, `${describeValue(v)} at row ${i}`);
    }
  });
  const metric = options.metric ?? "euclidean";
  const digits = options.digits ?? 4;
  const rows = names.map((name, i) => ({ name, values: vectors.map((w) => measure(vectors[i] as number[], w, metric)) }));
  const what = metric === "cosine" ? "cosine similarity" : metric === "euclidean" ? "Euclidean distance" : `L${metric} distance`;
  return new Table<{ name: string; values: number[] }>(
    [{ label: "", value: (r) => r.name, align: "left" }, ...names.map((n, j) => ({ label: n, value: (r: { values: number[] }) => r.values[j], digits }))],
    rows,
    { title: options.title ?? `${what[0]?.toUpperCase()}${what.slice(1)} between every pair` },
  );
}
