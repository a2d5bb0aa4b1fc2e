/**
 * A figure as one display with several representations, so it shows wherever the notebook is
 * opened:
 * - `application/vnd.plotly.v1+json` — VS Code, JupyterLab with the Plotly renderer;
 * - `text/html` — the static SVG, which upgrades itself to an interactive Plotly chart when
 *   plotly.js is on the page (handouts embed it; the classic Notebook loads the copy that
 *   `npm run setup` installs as a project-local nbextension);
 * - `image/svg+xml` — the static SVG alone;
 * - `text/plain` — the title and caption.
 */
import { randomBytes } from "node:crypto";
import type { FigureSpec } from "../figures/spec";
import { toPlotly, type PlotlyFigure } from "../figures/toPlotly";
import { DISPLAY_SYMBOL, escapeHtml, type MimeBundle } from "../internal/table";
import { renderSvg } from "./render";

/** Where the classic Notebook finds plotly.js (installed by the set-up script). */
export const NBEXTENSION_PLOTLY = "nbextensions/semantic-gps/plotly.min";

/** JSON that is safe inside a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** The self-upgrading HTML of a figure: static SVG now, interactive chart when Plotly is there. */
export function figureHtml(plotly: PlotlyFigure, svg: string, caption: string): string {
  const id = `sgps-${randomBytes(6).toString("hex")}`;
  const script = `(function () {
  var root = document.getElementById(${JSON.stringify(id)});
  if (!root || root.getAttribute("data-live")) return;
  function draw(P) {
    if (!P || !P.newPlot || root.getAttribute("data-live")) return;
    root.setAttribute("data-live", "1");
    var fig = JSON.parse(root.querySelector("script.sgps-plotly").textContent);
    var target = document.createElement("div");
    target.className = "sgps-plotly-live";
    root.querySelector(".sgps-static").style.display = "none";
    root.insertBefore(target, root.firstChild);
    P.newPlot(target, fig.data, fig.layout, { displaylogo: false, responsive: false }).then(function () {
      if (fig.frames) P.addFrames(target, fig.frames);
    });
  }
  if (window.Plotly) { draw(window.Plotly); return; }
  if (typeof window.require === "function" && window.require.config) {
    var base = (document.body && document.body.getAttribute("data-base-url")) || "/";
    window.require.config({ paths: { "sgps-plotly": base + ${JSON.stringify(NBEXTENSION_PLOTLY)} } });
    // plotly.js 3+ sets window.Plotly and defines no AMD module, so the callback's argument may be empty.
    window.require(["sgps-plotly"], function (P) { draw(P || window.Plotly); }, function () {});
  }
})();`;
  return (
    `<div class="sgps-figure${plotly.frames && plotly.frames.length > 0 ? " sgps-animated" : ""}" id="${id}">` +
    `<div class="sgps-static">${svg}</div>` +
    `<p class="sgps-caption" style="font-size:0.9em;color:#444;margin:4px 0">${escapeHtml(caption)}</p>` +
    `<script type="application/json" class="sgps-plotly">${scriptJson(plotly)}</script>` +
    `<script>${script}</script>` +
    `</div>`
  );
}

/** A rendered figure: its description, its Plotly form and its static SVG. */
export class Figure {
  readonly spec: FigureSpec;
  readonly plotly: PlotlyFigure;
  readonly svg: string;

  constructor(spec: FigureSpec, svg: string) {
    this.spec = spec;
    this.plotly = toPlotly(spec);
    this.svg = svg;
  }

  /** Title and caption, the text/plain rendering. */
  toString(): string {
    return `${this.spec.title} — ${this.spec.caption}`;
  }

  /** Every representation at once. */
  bundle(): MimeBundle {
    return {
      "application/vnd.plotly.v1+json": this.plotly,
      "text/html": figureHtml(this.plotly, this.svg, this.spec.caption),
      "image/svg+xml": this.svg,
      "text/plain": this.toString(),
    };
  }

  [DISPLAY_SYMBOL](): MimeBundle {
    return this.bundle();
  }
}

/**
 * Renders a figure description (static SVG through Vega-Lite) and returns a {@link Figure}
 * that a notebook shows when it is the last expression of a cell, or through `display`.
 *
 * @example
 * const fig = await plot(lineFigure({ ... }));
 * fig; // shows the chart
 */
export async function plot(spec: FigureSpec): Promise<Figure> {
  return new Figure(spec, await renderSvg(spec));
}
