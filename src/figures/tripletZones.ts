import { pcaFit } from "./pca";
import type { FigureSpec, Layer } from "./spec";
import { words, type FigureLang } from "./text";

/** Options of {@link tripletZones}. */
export interface TripletZonesOptions {
  /** The triplet margin (required, > 0). */
  margin: number;
  /** Names shown on hover (defaults: "anchor", "positive", "negative 1", …). */
  anchorName?: string;
  positiveName?: string;
  negativeNames?: readonly string[];
  title?: string;
  caption?: string;
  lang?: FigureLang;
}

/** Points on each drawn circle. */
const CIRCLE_POINTS = 96;
/** Zone colours: the palette's red, orange and green. */
const ZONE_COLORS = { hard: "#e45756", semiHard: "#f58518", easy: "#54a24b" } as const;

function dist(a: readonly number[], b: readonly number[]): number {
  return Math.sqrt(a.reduce((s, x, k) => s + (x - (b[k] as number)) ** 2, 0));
}

function circle(r: number): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (let k = 0; k <= CIRCLE_POINTS; k++) {
    const t = (2 * Math.PI * k) / CIRCLE_POINTS;
    x.push(r * Math.cos(t));
    y.push(r * Math.sin(t));
  }
  return { x, y };
}

/**
 * The three zones of negatives around one anchor, for a triplet loss with margin m (FaceNet's
 * vocabulary): **hard** inside the circle of radius d(a,p) (the negative is closer than the
 * positive), **semi-hard** in the ring up to d(a,p) + m (right order, not by the margin: the loss
 * is still active), **easy** outside (loss 0, nothing to learn).
 *
 * The picture is faithful to distances, not to positions: the anchor is at the centre and every
 * other point is drawn at its true Euclidean distance from the anchor, in the direction its
 * offset takes in a 2-D PCA of the offsets (our own PCA). The zones depend on that distance only.
 *
 * @example
 * // The tutorial: rei, rainha, and abacaxi well placed / badly placed (margin 0.5).
 * tripletZones([0.9, 0.8, 0.1], [0.85, 0.75, 0.2], [[-0.5, -0.7, -0.9], [0.7, 0.6, 0.3]], { margin: 0.5 });
 * // the bad abacaxi (0.346) falls in the semi-hard ring (0.122 … 0.622), the good one (2.28) is easy
 */
export function tripletZones(anchor: readonly number[], positive: readonly number[], negatives: readonly (readonly number[])[], options: TripletZonesOptions): FigureSpec {
  const FN = "tripletZones";
  const d = anchor.length;
  const rows = [anchor, positive, ...negatives];
  if (d === 0) throw new RangeError(`${FN}: 'anchor' must be a non-empty vector, but got []`);
  rows.forEach((r, i) => {
    if (!Array.isArray(r) || r.length !== d || r.some((x) => !Number.isFinite(x))) {
      throw new RangeError(`${FN}: every vector must have ${d} finite numbers like 'anchor', but ${i === 1 ? "'positive'" : `negative ${i - 2}`} does not`);
    }
  });
  if (!options || typeof options.margin !== "number" || !(options.margin > 0)) throw new RangeError(`${FN}: 'margin' must be a number > 0, but got ${String(options?.margin)}`);
  if (options.negativeNames !== undefined && options.negativeNames.length !== negatives.length) {
    throw new RangeError(`${FN}: 'negativeNames' must have one name per negative (${negatives.length}), but got ${options.negativeNames.length}`);
  }
  const w = words(options.lang);
  const pt = options.lang === "pt";
  const m = options.margin;
  const dAP = dist(anchor, positive);
  const others = [positive, ...negatives];
  const offsets = others.map((r) => r.map((x, k) => x - (anchor[k] as number)));
  // Directions: a PCA of the offsets (plus the origin, so a single offset still has a direction).
  const fit = pcaFit([...offsets, new Array<number>(d).fill(0)], Math.min(2, d));
  // Uncentred coordinates of each offset along the two directions (the anchor stays at 0).
  const along = (c: readonly number[] | undefined, o: readonly number[]): number => (c ? c.reduce((s, ck, k) => s + ck * (o[k] as number), 0) : 0);
  const dirs = offsets.map((o) => Math.atan2(along(fit.components[1], o), along(fit.components[0], o)));
  const place = (i: number): [number, number] => {
    const r = dist(anchor, others[i] as readonly number[]);
    const t = dirs[i] as number;
    return [r * Math.cos(t), r * Math.sin(t)];
  };
  const zoneNames = { hard: w.hard, semiHard: w.semiHard, easy: w.easy };
  const buckets: Record<keyof typeof zoneNames, { x: number[]; y: number[]; text: string[] }> = { hard: { x: [], y: [], text: [] }, semiHard: { x: [], y: [], text: [] }, easy: { x: [], y: [], text: [] } };
  let farthest = dAP + m;
  negatives.forEach((n, i) => {
    const dAN = dist(anchor, n);
    farthest = Math.max(farthest, dAN);
    const zone = dAN < dAP ? "hard" : dAN < dAP + m ? "semiHard" : "easy";
    const [x, y] = place(i + 1);
    const name = options.negativeNames?.[i] ?? `${pt ? "negativo" : "negative"} ${i + 1}`;
    buckets[zone].x.push(x);
    buckets[zone].y.push(y);
    buckets[zone].text.push(`${name}: d(a,n) = ${dAN.toFixed(3)}`);
  });
  const inner = circle(dAP);
  const outer = circle(dAP + m);
  const [px, py] = place(0);
  const layers: Layer[] = [
    { type: "line", name: w.hardRing, x: inner.x, y: inner.y, color: ZONE_COLORS.hard, dash: true },
    { type: "line", name: w.semiRing, x: outer.x, y: outer.y, color: ZONE_COLORS.easy, dash: true },
    { type: "scatter", name: `${w.anchor}: ${options.anchorName ?? w.anchor}`, x: [0], y: [0], text: [options.anchorName ?? w.anchor], color: "#333", size: 12 },
    { type: "scatter", name: `${w.positive}: ${options.positiveName ?? w.positive}`, x: [px], y: [py], text: [`${options.positiveName ?? w.positive}: d(a,p) = ${dAP.toFixed(3)}`], color: "#4c78a8", size: 11 },
  ];
  for (const zone of ["hard", "semiHard", "easy"] as const) {
    const b = buckets[zone];
    if (b.x.length > 0) layers.push({ type: "scatter", name: zoneNames[zone], x: b.x, y: b.y, text: b.text, color: ZONE_COLORS[zone], size: 10 });
  }
  const R = 1.12 * farthest;
  return {
    title: options.title ?? (pt ? "Zonas das triplas em volta da âncora" : "Triplet zones around the anchor"),
    caption:
      options.caption ??
      (pt
        ? `Círculos de raio d(a,p) = ${dAP.toFixed(3)} e d(a,p) + margem = ${(dAP + m).toFixed(3)}: dentro do primeiro, negativos difíceis; no anel, semi-difíceis (loss ainda ativa); fora, fáceis (loss 0). Cada ponto está à sua distância real da âncora.`
        : `Circles of radius d(a,p) = ${dAP.toFixed(3)} and d(a,p) + margin = ${(dAP + m).toFixed(3)}: inside the first, hard negatives; in the ring, semi-hard (loss still active); outside, easy (loss 0). Each point sits at its true distance from the anchor.`),
    x: { title: w.distanceFromAnchor, unit: w.embeddingUnits, range: [-R, R] },
    y: { title: w.distanceFromAnchor, unit: w.embeddingUnits, range: [-R, R] },
    layers,
    width: 620,
    height: 600,
  };
}
