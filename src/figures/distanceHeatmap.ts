import type { FigureSpec } from "./spec";
import { words, type FigureLang } from "./text";

/** Options of {@link distanceHeatmap}. */
export interface DistanceHeatmapOptions {
  /** One name per row (default "0", "1", …); long names are cut to 40 characters. */
  names?: readonly string[];
  /** "euclidean" (default) or "cosine" (cosine similarity, shown red–blue). */
  metric?: "euclidean" | "cosine";
  /** Group of each row (e.g. its theme): rows are sorted by group so classes show as blocks. */
  groups?: readonly string[];
  title?: string;
  caption?: string;
  lang?: FigureLang;
}

/** Characters of a row name kept on the axes. */
const MAX_NAME = 40;

/**
 * A heatmap of every pairwise distance (or cosine similarity) between vectors — for a trained
 * encoder, rows sorted by theme show the shelves as dark diagonal blocks. Plain JS arithmetic on
 * numbers (no tfjs).
 *
 * @example
 * distanceHeatmap([[0, 0], [3, 4]]).layers[0]; // => a 2×2 heatmap with 5 off the diagonal
 */
export function distanceHeatmap(vectors: readonly (readonly number[])[], options: DistanceHeatmapOptions = {}): FigureSpec {
  const w = words(options.lang);
  const pt = options.lang === "pt";
  const n = vectors.length;
  const d = vectors[0]?.length ?? 0;
  if (n === 0 || d === 0) throw new RangeError(`distanceHeatmap: 'vectors' must be non-empty rows of numbers, but got ${n} rows`);
  vectors.forEach((v, i) => {
    if (v.length !== d || v.some((x) => !Number.isFinite(x))) throw new RangeError(`distanceHeatmap: 'vectors' must be rows of ${d} finite numbers, but row ${i} is not`);
  });
  for (const [key, arr] of [["names", options.names], ["groups", options.groups]] as const) {
    if (arr !== undefined && arr.length !== n) throw new RangeError(`distanceHeatmap: '${key}' must have one entry per vector (${n}), but got ${arr.length}`);
  }
  const metric = options.metric ?? "euclidean";
  const order = Array.from({ length: n }, (_, i) => i);
  const groups = options.groups;
  if (groups) {
    const first = [...new Set(groups)];
    order.sort((a, b) => first.indexOf(groups[a] as string) - first.indexOf(groups[b] as string) || a - b);
  }
  const raw = options.names ?? order.map((i) => String(i));
  const cut = (s: string): string => (s.length > MAX_NAME ? `${s.slice(0, MAX_NAME - 1)}…` : s);
  // Names must be unique on a categorical axis: repeat names get an index suffix.
  const seen = new Map<string, number>();
  const labels = order.map((i) => {
    const base = cut(options.names ? (raw[i] as string) : String(i));
    const c = seen.get(base) ?? 0;
    seen.set(base, c + 1);
    return c === 0 ? base : `${base} (${c + 1})`;
  });
  const norms = vectors.map((v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1);
  const value = (i: number, j: number): number => {
    const a = vectors[i] as readonly number[];
    const b = vectors[j] as readonly number[];
    if (metric === "cosine") return a.reduce((s, x, k) => s + x * (b[k] as number), 0) / ((norms[i] as number) * (norms[j] as number));
    return Math.sqrt(a.reduce((s, x, k) => s + (x - (b[k] as number)) ** 2, 0));
  };
  const z = order.map((i) => order.map((j) => value(i, j)));
  const what = metric === "cosine" ? (pt ? "similaridade de cosseno" : "cosine similarity") : pt ? "distância euclidiana" : "Euclidean distance";
  return {
    title: options.title ?? (pt ? `Mapa de calor: ${what} entre cada par` : `Heatmap: ${what} between every pair`),
    caption:
      options.caption ??
      (pt
        ? `Cada célula é a ${what} entre a linha e a coluna${groups ? "; linhas ordenadas por tema, então blocos na diagonal são prateleiras bem arrumadas" : ""}.`
        : `Each cell is the ${what} between its row and column${groups ? "; rows sorted by theme, so blocks on the diagonal are well-kept shelves" : ""}.`),
    x: { title: pt ? "item" : "item" },
    y: { title: pt ? "item" : "item" },
    layers: [{ type: "heatmap", name: metric === "cosine" ? "cos" : w.distance, columns: labels, rows: labels, z, scheme: metric === "cosine" ? "redblue" : "blues" }],
    width: Math.min(900, 360 + 14 * n),
    height: Math.min(900, 300 + 14 * n),
  };
}
