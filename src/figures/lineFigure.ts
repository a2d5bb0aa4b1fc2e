import type { AxisSpec, BandSpec, FigureSpec, Layer, RuleSpec } from "./spec";

/** Options of {@link lineFigure}. */
export interface LineFigureOptions {
  title: string;
  caption: string;
  x: AxisSpec;
  y: AxisSpec;
  /** Curves, drawn as lines. */
  series: { name: string; x: number[]; y: number[]; dash?: boolean; markers?: boolean; color?: string }[];
  /** Marked points (drawn on top), each with a hover label. */
  points?: { name: string; x: number; y: number; label?: string; color?: string }[];
  rules?: RuleSpec[];
  bands?: BandSpec[];
  width?: number;
  height?: number;
}

/**
 * Curves against one variable — loss curves, a loss as a function of a distance, a metric
 * against a hyperparameter — with optional marked points, reference lines and bands.
 *
 * @throws RangeError when a series' x and y have different lengths.
 */
export function lineFigure(o: LineFigureOptions): FigureSpec {
  const layers: Layer[] = o.series.map((s) => {
    if (s.x.length !== s.y.length) {
      throw new RangeError(`lineFigure: series '${s.name}' must have as many y values as x values (${s.x.length}), but got ${s.y.length}`);
    }
    return { type: "line", name: s.name, x: s.x, y: s.y, dash: s.dash, markers: s.markers, color: s.color };
  });
  for (const p of o.points ?? []) {
    layers.push({ type: "scatter", name: p.name, x: [p.x], y: [p.y], text: [p.label ?? p.name], color: p.color, size: 11 });
  }
  return { title: o.title, caption: o.caption, x: o.x, y: o.y, layers, rules: o.rules, bands: o.bands, width: o.width, height: o.height };
}
