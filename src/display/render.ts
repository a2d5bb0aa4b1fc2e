/**
 * Static SVG of a figure, rendered by Vega-Lite + Vega in plain Node (no browser, no canvas).
 * Both packages are ESM-only (vega-canvas has a top-level await), so they are loaded with a
 * dynamic import, once.
 */
import type { FigureSpec } from "../figures/spec";
import { toVegaLite } from "../figures/toVegaLite";

interface VegaModules {
  compile: (spec: unknown) => { spec: unknown };
  parse: (spec: unknown) => unknown;
  View: new (runtime: unknown, opts: { renderer: string }) => { toSVG(): Promise<string>; finalize(): void };
}

let modules: Promise<VegaModules> | null = null;

function load(): Promise<VegaModules> {
  if (modules === null) {
    modules = Promise.all([import("vega-lite"), import("vega")]).then(([vl, vega]) => ({
      compile: vl.compile as VegaModules["compile"],
      parse: vega.parse as VegaModules["parse"],
      View: vega.View as unknown as VegaModules["View"],
    }));
  }
  return modules;
}

/** Renders a Vega-Lite spec to an SVG string. */
export async function vegaLiteToSvg(vlSpec: unknown): Promise<string> {
  const { compile, parse, View } = await load();
  const view = new View(parse(compile(vlSpec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The static SVG of a figure description. */
export function renderSvg(spec: FigureSpec): Promise<string> {
  return vegaLiteToSvg(toVegaLite(spec));
}
