import type { FigureSpec } from "./spec";
import { words, type FigureLang } from "./text";

/** Distances of positive pairs (same label) and negative pairs (different labels). */
export interface PairDistanceSample {
  positive: number[];
  negative: number[];
}

/** Most pairs {@link pairDistances} returns per kind (an evenly spaced subsample beyond it keeps figures light). */
export const MAX_PAIRS = 5000;

/**
 * Euclidean distances of every positive pair and every negative pair (i < j), in plain JS.
 * More than `maxPairs` of a kind are thinned to an evenly spaced subsample (deterministic).
 *
 * @example
 * pairDistances([[0], [1], [3]], [0, 0, 1]); // => { positive: [1], negative: [3, 2] }
 */
export function pairDistances(embeddings: readonly (readonly number[])[], labels: ArrayLike<number>, maxPairs = MAX_PAIRS): PairDistanceSample {
  const n = embeddings.length;
  if (labels.length !== n) throw new RangeError(`pairDistances: 'labels' must have one label per row (${n}), but got ${labels.length}`);
  const positive: number[] = [];
  const negative: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = embeddings[i] as readonly number[];
      const b = embeddings[j] as readonly number[];
      let s = 0;
      for (let k = 0; k < a.length; k++) s += ((a[k] as number) - (b[k] as number)) ** 2;
      (labels[i] === labels[j] ? positive : negative).push(Math.sqrt(s));
    }
  }
  const thin = (v: number[]): number[] => (v.length <= maxPairs ? v : Array.from({ length: maxPairs }, (_, k) => v[Math.floor((k * v.length) / maxPairs)] as number));
  return { positive: thin(positive), negative: thin(negative) };
}

/** Options of {@link distanceHistogram}. */
export interface DistanceHistogramOptions {
  /** The loss's margin: a line at mean d(a,p) + margin, where negatives should start. */
  margin?: number;
  /** Bins per histogram (default 30). */
  bins?: number;
  title?: string;
  caption?: string;
  lang?: FigureLang;
}

function mean(v: readonly number[]): number {
  return v.reduce((s, x) => s + x, 0) / Math.max(v.length, 1);
}

/**
 * Two overlaid histograms, d(a,p) of positive pairs and d(a,n) of negative pairs, with the
 * margin as a vertical line at mean d(a,p) + margin. Training should pull the first to the left,
 * push the second to the right of the line, and separate them.
 *
 * @example
 * distanceHistogram({ positive: [0.1, 0.2], negative: [0.9, 1.1] }, { margin: 0.5 }).rules?.[0]?.value; // => 0.65
 */
export function distanceHistogram(sample: PairDistanceSample, options: DistanceHistogramOptions = {}): FigureSpec {
  const w = words(options.lang);
  const pt = options.lang === "pt";
  for (const key of ["positive", "negative"] as const) {
    const v = sample?.[key];
    if (!Array.isArray(v) || v.some((x) => !Number.isFinite(x))) throw new RangeError(`distanceHistogram: 'sample.${key}' must be an array of finite numbers, but it is not`);
  }
  const bins = options.bins ?? 30;
  const rules = options.margin !== undefined && sample.positive.length > 0 ? [{ axis: "x" as const, value: mean(sample.positive) + options.margin, label: `${w.marginLine} (${options.margin})`, color: "#333" }] : undefined;
  return {
    title: options.title ?? (pt ? "Distâncias de pares positivos e negativos" : "Distances of positive and negative pairs"),
    caption:
      options.caption ??
      (pt
        ? `Azul: pares do mesmo tema; laranja: temas diferentes${rules ? "; a linha marca d(a,p) médio + margem, onde os negativos deveriam começar" : ""}. Quanto menos sobreposição, melhor a arrumação.`
        : `Blue: pairs of one theme; orange: different themes${rules ? "; the line marks mean d(a,p) + margin, where negatives should start" : ""}. The less overlap, the better the shelves.`),
    x: { title: w.distance, unit: w.embeddingUnits },
    y: { title: w.count, unit: pt ? "pares" : "pairs" },
    layers: [
      { type: "histogram", name: w.dAP, values: sample.positive, bins },
      { type: "histogram", name: w.dAN, values: sample.negative, bins },
    ],
    rules,
  };
}
