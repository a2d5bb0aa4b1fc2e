import { axisTitle, groupOrder, PALETTE, type FigureSpec, type Layer } from "./spec";

/** Significant digits kept in the static rendering's data. */
const DIGITS = 5;
const round = (v: number): number => (Number.isFinite(v) ? Number(v.toPrecision(DIGITS)) : v);

type VL = Record<string, unknown>;

/** Annotation layers (rules, bands, labels) draw one mark each from a single empty row. */
const ONE_ROW = { values: [{}] };

/**
 * The Vega-Lite rendering of a figure description, for the static SVG that shows where
 * JavaScript does not run (PDF, GitHub, an untrusted notebook). Animated figures show their
 * last frame; 3-D scatters show their first two coordinates, said in the subtitle.
 */
export function toVegaLite(spec: FigureSpec): VL {
  const lastFrame = spec.frames && spec.frames.length > 0 ? spec.frames[spec.frames.length - 1] : undefined;
  const layers = lastFrame ? lastFrame.layers : spec.layers;
  const is3d = layers.some((l) => (l.type === "scatter" || l.type === "line") && l.z !== undefined);
  const width = (spec.width ?? 680) - 140;
  const height = (spec.height ?? 420) - 140;
  const scale = (a: FigureSpec["x"]): VL => {
    // Vega-Lite's `zero` does not apply to a log scale (it warns on stdout), so only linear axes get it.
    const out: VL = a.scale === "log" ? { type: "log" } : { zero: false };
    if (a.range) out.domain = a.range;
    return out;
  };
  const x: VL = { type: "quantitative", title: axisTitle(spec.x), scale: scale(spec.x) };
  const y: VL = { type: "quantitative", title: axisTitle(spec.y), scale: scale(spec.y) };

  // Series names in colour order, shared by every layer so legend and palette agree with Plotly.
  const seriesNames: string[] = [];
  const seriesColors: string[] = [];
  let next = 0;
  const addSeries = (name: string, color?: string): void => {
    if (seriesNames.includes(name)) return;
    seriesNames.push(name);
    seriesColors.push(color ?? (PALETTE[next % PALETTE.length] as string));
    next++;
  };
  for (const l of layers) {
    if ((l.type === "line" || l.type === "scatter") && l.groups) groupOrder(l.groups).forEach((g) => addSeries(g));
    else if (l.type !== "heatmap") addSeries(l.name, l.color);
  }
  const color: VL = {
    field: "series",
    type: "nominal",
    title: null,
    scale: { domain: seriesNames, range: seriesColors },
    legend: seriesNames.length > 1 ? { orient: "bottom" } : null,
  };

  const vlLayers: VL[] = [];
  for (const band of spec.bands ?? []) {
    const enc: VL = band.axis === "x" ? { x: { datum: band.from, type: "quantitative" }, x2: { datum: band.to } } : { y: { datum: band.from, type: "quantitative" }, y2: { datum: band.to } };
    vlLayers.push({ data: ONE_ROW, mark: { type: "rect", color: band.color, opacity: 0.15 }, encoding: enc });
  }
  for (const l of layers) vlLayers.push(...layerOf(l, x, y, color));
  for (const r of spec.rules ?? []) {
    const key = r.axis;
    vlLayers.push({
      data: ONE_ROW,
      mark: { type: "rule", strokeDash: [4, 4], color: r.color ?? "#555" },
      encoding: { [key]: { datum: r.value, type: "quantitative" } },
    });
    vlLayers.push({
      data: ONE_ROW,
      mark: { type: "text", align: "left", dx: 4, dy: -6, color: r.color ?? "#555", fontSize: 11 },
      encoding: key === "x" ? { x: { datum: r.value, type: "quantitative" }, y: { value: 8 }, text: { value: r.label } } : { y: { datum: r.value, type: "quantitative" }, x: { value: 4 }, text: { value: r.label } },
    });
  }
  const subtitle = [spec.caption];
  if (is3d) subtitle.push("(static view: first two coordinates; the interactive chart is 3-D)");
  if (lastFrame) subtitle.push(`(static view: ${lastFrame.name})`);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: { text: spec.title, subtitle, subtitleFontSize: 11, anchor: "start" },
    width,
    height,
    background: "white",
    layer: vlLayers,
  };
}

function layerOf(l: Layer, x: VL, y: VL, color: VL): VL[] {
  switch (l.type) {
    case "line":
    case "scatter": {
      const values = l.x.map((xv, i) => ({
        x: round(xv),
        y: round(l.y[i] as number),
        series: l.groups ? l.groups[i] : l.name,
        order: i,
      }));
      const mark: VL =
        l.type === "line"
          ? { type: "line", point: l.markers ?? false, strokeDash: l.dash ? [6, 4] : undefined }
          : { type: "point", filled: true, size: (l.size ?? 7) * 8 };
      return [{ data: { values }, mark, encoding: { x: { ...x, field: "x" }, y: { ...y, field: "y" }, color, order: { field: "order", type: "quantitative" } } }];
    }
    case "histogram":
      return [
        {
          data: { values: l.values.map((v) => ({ v: round(v), series: l.name })) },
          mark: { type: "bar", opacity: 0.6 },
          encoding: {
            x: { ...x, field: "v", bin: { maxbins: l.bins ?? 30 } },
            y: { aggregate: "count", type: "quantitative", title: y.title, stack: null },
            color,
          },
        },
      ];
    case "heatmap": {
      const values = l.rows.flatMap((r, i) => l.columns.map((c, j) => ({ row: r, col: c, z: round(l.z[i]?.[j] as number) })));
      const cells = l.rows.length * l.columns.length;
      const out: VL[] = [
        {
          data: { values },
          mark: "rect",
          encoding: {
            x: { field: "col", type: "ordinal", sort: l.columns, title: x.title },
            y: { field: "row", type: "ordinal", sort: l.rows, title: y.title },
            color: { field: "z", type: "quantitative", title: l.name, scale: { scheme: l.scheme === "redblue" ? "redblue" : "blues", reverse: l.scheme !== "redblue" } },
          },
        },
      ];
      if (l.showValues ?? cells <= 225) {
        out.push({
          data: { values },
          mark: { type: "text", fontSize: 10 },
          encoding: {
            x: { field: "col", type: "ordinal", sort: l.columns },
            y: { field: "row", type: "ordinal", sort: l.rows },
            text: { field: "z", type: "quantitative", format: ".3f" },
          },
        });
      }
      return out;
    }
    case "bar":
      return [
        {
          data: { values: l.categories.map((c, i) => ({ c, v: round(l.values[i] as number), series: l.name })) },
          mark: "bar",
          encoding: { x: { field: "c", type: "nominal", sort: l.categories, title: x.title }, y: { ...y, field: "v" }, color },
        },
      ];
  }
}
