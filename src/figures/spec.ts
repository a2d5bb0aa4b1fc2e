/**
 * One description per figure. Every figure builder returns a `FigureSpec`; two pure translators
 * derive from it the Plotly figure (interactive: notebooks, handouts) and the Vega-Lite spec
 * (static SVG rendered in plain Node). Nothing here touches a kernel, the DOM or tfjs.
 */

/** An axis: its title, the unit (shown in brackets) and optional range or scale. */
export interface AxisSpec {
  title: string;
  unit?: string;
  range?: [number, number];
  scale?: "linear" | "log";
}

/** A line or a set of points in 2-D (or 3-D when `z` is given). */
export interface XYLayer {
  type: "line" | "scatter";
  name: string;
  x: number[];
  y: number[];
  z?: number[];
  /** Hover text per point. */
  text?: string[];
  /** One colour for the layer, or a category per point (coloured by category). */
  color?: string;
  groups?: string[];
  dash?: boolean;
  /** Draw markers on a line (default false). */
  markers?: boolean;
  size?: number;
}

/** A histogram of raw values. */
export interface HistogramLayer {
  type: "histogram";
  name: string;
  values: number[];
  /** Number of bins (default 30). */
  bins?: number;
  color?: string;
}

/** A matrix of values with row and column labels. */
export interface HeatmapLayer {
  type: "heatmap";
  name: string;
  columns: string[];
  rows: string[];
  /** z[i][j]: value of row i, column j. */
  z: number[][];
  /** Print the value in each cell (default true when there are at most 15×15 cells). */
  showValues?: boolean;
  /** Colour scheme: "blues" (default, for distances) or "redblue" (for signed values). */
  scheme?: "blues" | "redblue";
}

/** Bars, one per category. */
export interface BarLayer {
  type: "bar";
  name: string;
  categories: string[];
  values: number[];
  color?: string;
}

export type Layer = XYLayer | HistogramLayer | HeatmapLayer | BarLayer;

/** A reference line across the plot (the margin, a threshold), with a label. */
export interface RuleSpec {
  axis: "x" | "y";
  value: number;
  label: string;
  color?: string;
}

/** A shaded band along one axis (e.g. the semi-hard zone). */
export interface BandSpec {
  axis: "x" | "y";
  from: number;
  to: number;
  label: string;
  color: string;
}

/** One frame of an animated figure: the same layers with other data. */
export interface FrameSpec {
  name: string;
  layers: Layer[];
}

/** The whole description of a figure. */
export interface FigureSpec {
  title: string;
  /** A one-line caption that says what to look at; also the text/plain rendering. */
  caption: string;
  x: AxisSpec;
  y: AxisSpec;
  z?: AxisSpec;
  layers: Layer[];
  rules?: RuleSpec[];
  bands?: BandSpec[];
  /** Animation frames (the static rendering shows the last one). */
  frames?: FrameSpec[];
  width?: number;
  height?: number;
}

/** A categorical palette (Tableau 10, which Vega also uses), so both renderings agree. */
export const PALETTE = [
  "#4c78a8",
  "#f58518",
  "#e45756",
  "#72b7b2",
  "#54a24b",
  "#eeca3b",
  "#b279a2",
  "#ff9da6",
  "#9d755d",
  "#bab0ac",
] as const;

/** "Distance [units]" or just "Distance". */
export function axisTitle(a: AxisSpec): string {
  return a.unit ? `${a.title} [${a.unit}]` : a.title;
}

/** Distinct group names in first-seen order. */
export function groupOrder(groups: readonly string[]): string[] {
  return [...new Set(groups)];
}
