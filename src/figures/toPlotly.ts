import { axisTitle, groupOrder, PALETTE, type FigureSpec, type Layer } from "./spec";

/** A Plotly figure: what `Plotly.newPlot(div, data, layout)` takes, plus animation frames. */
export interface PlotlyFigure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  frames?: { name: string; data: Record<string, unknown>[] }[];
}

/** Significant digits kept in figure data: enough for any chart, and it keeps handouts light. */
const DIGITS = 5;

function round(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(DIGITS)) : v;
}

function roundAll(values: readonly number[]): number[] {
  return values.map(round);
}

function tracesOf(layer: Layer, is3d: boolean, colorIndex: { next: number }): Record<string, unknown>[] {
  const pick = (c: string | undefined): string => c ?? (PALETTE[colorIndex.next++ % PALETTE.length] as string);
  switch (layer.type) {
    case "line":
    case "scatter": {
      const groups = layer.groups;
      const parts = groups
        ? groupOrder(groups).map((g) => ({ name: g, idx: groups.flatMap((h, i) => (h === g ? [i] : [])) }))
        : [{ name: layer.name, idx: layer.x.map((_, i) => i) }];
      return parts.map((part) => {
        const color = groups ? pick(undefined) : pick(layer.color);
        const trace: Record<string, unknown> = {
          type: is3d ? "scatter3d" : "scatter",
          name: part.name,
          x: part.idx.map((i) => round(layer.x[i] as number)),
          y: part.idx.map((i) => round(layer.y[i] as number)),
          mode: layer.type === "line" ? (layer.markers ? "lines+markers" : "lines") : "markers",
        };
        if (is3d && layer.z) trace.z = part.idx.map((i) => round(layer.z?.[i] as number));
        if (layer.text) {
          trace.text = part.idx.map((i) => layer.text?.[i] ?? "");
          trace.hovertemplate = "%{text}<extra>%{fullData.name}</extra>";
        }
        if (layer.type === "line") trace.line = { color, dash: layer.dash ? "dash" : "solid" };
        trace.marker = { color, size: layer.size ?? (is3d ? 4 : 7) };
        return trace;
      });
    }
    case "histogram":
      return [
        {
          type: "histogram",
          name: layer.name,
          x: roundAll(layer.values),
          nbinsx: layer.bins ?? 30,
          opacity: 0.6,
          marker: { color: pick(layer.color) },
        },
      ];
    case "heatmap": {
      const cells = layer.rows.length * layer.columns.length;
      const show = layer.showValues ?? cells <= 225;
      const trace: Record<string, unknown> = {
        type: "heatmap",
        name: layer.name,
        x: layer.columns,
        y: layer.rows,
        z: layer.z.map(roundAll),
        colorscale: layer.scheme === "redblue" ? "RdBu" : "Blues",
        reversescale: layer.scheme !== "redblue",
        hovertemplate: "%{y} · %{x}: %{z:.4f}<extra></extra>",
      };
      if (show) {
        trace.text = layer.z.map((row) => row.map((v) => v.toFixed(3)));
        trace.texttemplate = "%{text}";
      }
      return [trace];
    }
    case "bar":
      return [{ type: "bar", name: layer.name, x: layer.categories, y: roundAll(layer.values), marker: { color: pick(layer.color) } }];
  }
}

/**
 * The Plotly rendering of a figure description: traces, axis titles with units, reference
 * lines and bands as shapes with annotations, animation frames with a play button and slider.
 */
export function toPlotly(spec: FigureSpec): PlotlyFigure {
  const is3d = spec.layers.some((l) => (l.type === "scatter" || l.type === "line") && l.z !== undefined);
  const counter = { next: 0 };
  const data = spec.layers.flatMap((l) => tracesOf(l, is3d, counter));
  const axis = (a: FigureSpec["x"]): Record<string, unknown> => {
    const out: Record<string, unknown> = { title: { text: axisTitle(a) }, zeroline: false };
    if (a.range) out.range = a.range;
    if (a.scale === "log") {
      out.type = "log";
      if (a.range) out.range = a.range.map((v) => Math.log10(v));
    }
    return out;
  };
  const layout: Record<string, unknown> = {
    title: { text: spec.title },
    width: spec.width ?? 680,
    height: spec.height ?? 420,
    margin: { l: 70, r: 30, t: 60, b: 60 },
    legend: { orientation: "h", y: -0.2 },
    barmode: "overlay",
  };
  if (is3d) {
    layout.scene = { xaxis: axis(spec.x), yaxis: axis(spec.y), zaxis: axis(spec.z ?? { title: "z" }) };
  } else {
    layout.xaxis = axis(spec.x);
    layout.yaxis = axis(spec.y);
  }
  const shapes: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  for (const b of spec.bands ?? []) {
    const horizontal = b.axis === "y";
    shapes.push({
      type: "rect",
      xref: horizontal ? "paper" : "x",
      yref: horizontal ? "y" : "paper",
      x0: horizontal ? 0 : b.from,
      x1: horizontal ? 1 : b.to,
      y0: horizontal ? b.from : 0,
      y1: horizontal ? b.to : 1,
      fillcolor: b.color,
      opacity: 0.15,
      line: { width: 0 },
      layer: "below",
    });
    annotations.push({
      xref: horizontal ? "paper" : "x",
      yref: horizontal ? "y" : "paper",
      x: horizontal ? 1 : (b.from + b.to) / 2,
      y: horizontal ? (b.from + b.to) / 2 : 1,
      text: b.label,
      showarrow: false,
      font: { size: 11 },
      yanchor: "bottom",
    });
  }
  for (const r of spec.rules ?? []) {
    const vertical = r.axis === "x";
    shapes.push({
      type: "line",
      xref: vertical ? "x" : "paper",
      yref: vertical ? "paper" : "y",
      x0: vertical ? r.value : 0,
      x1: vertical ? r.value : 1,
      y0: vertical ? 0 : r.value,
      y1: vertical ? 1 : r.value,
      line: { color: r.color ?? "#555", dash: "dot", width: 1.5 },
    });
    annotations.push({
      xref: vertical ? "x" : "paper",
      yref: vertical ? "paper" : "y",
      x: vertical ? r.value : 1,
      y: vertical ? 1 : r.value,
      text: r.label,
      showarrow: false,
      xanchor: vertical ? "left" : "right",
      yanchor: "bottom",
      font: { size: 11, color: r.color ?? "#555" },
    });
  }
  if (shapes.length) layout.shapes = shapes;
  if (annotations.length) layout.annotations = annotations;
  const figure: PlotlyFigure = { data, layout };
  if (spec.frames && spec.frames.length > 0) {
    figure.frames = spec.frames.map((f) => {
      const c = { next: 0 };
      return { name: f.name, data: f.layers.flatMap((l) => tracesOf(l, is3d, c)) };
    });
    const names = spec.frames.map((f) => f.name);
    layout.updatemenus = [
      {
        type: "buttons",
        showactive: false,
        x: 0,
        y: -0.12,
        xanchor: "left",
        buttons: [
          { label: "▶", method: "animate", args: [null, { frame: { duration: 400, redraw: is3d }, fromcurrent: true, transition: { duration: 250 } }] },
          { label: "❚❚", method: "animate", args: [[null], { mode: "immediate", frame: { duration: 0 } }] },
        ],
      },
    ];
    layout.sliders = [
      {
        x: 0.1,
        len: 0.9,
        y: -0.05,
        currentvalue: { prefix: "", font: { size: 12 } },
        steps: names.map((n) => ({ label: n, method: "animate", args: [[n], { mode: "immediate", frame: { duration: 0, redraw: is3d } }] })),
      },
    ];
  }
  return figure;
}
