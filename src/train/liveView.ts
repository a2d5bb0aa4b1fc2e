/**
 * What `fit` shows while it trains. In a notebook: one output, replaced in place (at most every
 * `intervalMs`), with four small panels — loss, fraction of active triplets (and held-out
 * metrics), histograms of d(a,p) vs d(a,n) with the margin line, and a 2-D PCA of the
 * embeddings — then, when training ends, the full interactive animation of the embeddings. In a
 * terminal: a one-line progress bar with loss and ETA on stderr.
 *
 * This module uses display/ (createDisplay, figure rendering) but never talks to Jupyter itself.
 */
import { createDisplay, type DisplayHandle } from "../display/display";
import { figureHtml } from "../display/figure";
import { renderSvg } from "../display/render";
import { currentSink } from "../display/sink";
import { distanceHistogram, pairDistances } from "../figures/distanceHistogram";
import { embeddingAnimation, embeddingScatter } from "../figures/embeddingScatter";
import type { FigureSpec } from "../figures/spec";
import type { FigureLang } from "../figures/text";
import { toPlotly } from "../figures/toPlotly";
import { trainingCurves } from "../figures/trainingCurves";
import { escapeHtml } from "../internal/table";
import type { EpochRecord, FitResult } from "./fit";

/** Where the live view goes. */
export type LiveMode = "auto" | "notebook" | "terminal" | "off";

/** A writable text stream (process.stderr, or anything with `write`). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** The training state the view reads. */
export interface LiveState {
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  globalStep: number;
  totalSteps: number;
  /** Seconds since training started. */
  elapsed: number;
  history: readonly EpochRecord[];
  /** Loss of every step so far. */
  stepLosses: readonly number[];
  /** Held-out metrics of the untrained encoder (empty without an eval set). */
  initialMetrics: Partial<EpochRecord>;
  /** Current embeddings of the monitored set (computed only when a panel needs them). */
  probe(): { embeddings: number[][]; labels: Int32Array; themes: readonly string[] };
}

/** Options of {@link LiveView}. */
export interface LiveViewOptions {
  mode?: LiveMode;
  /** Fewest milliseconds between two updates (default 500). */
  intervalMs?: number;
  /** Where the terminal bar goes (default process.stderr). */
  stream?: ProgressStream;
  lang?: FigureLang;
  /** The loss's margin, for the histogram's line. */
  margin?: number;
}

/** Width of the terminal bar in characters. */
const BAR_WIDTH = 24;
/** The pause after a drawing is at least this many times the drawing's duration. */
const DRAW_SHARE = 2;
/** Size of one notebook panel in pixels. */
const PANEL = { width: 440, height: 300 } as const;

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${Math.round(s)}s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
}

/** The live view of one training run (see the module comment). */
export class LiveView {
  readonly mode: "notebook" | "terminal" | "off";
  readonly intervalMs: number;
  /** How many times the view has been drawn (throttling keeps this small). */
  renders = 0;
  private readonly stream: ProgressStream;
  private readonly lang: FigureLang;
  private readonly margin: number | undefined;
  private handle: DisplayHandle | null = null;
  private last = -Infinity;
  private wait: number;

  constructor(options: LiveViewOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    const mode = options.mode ?? "auto";
    this.mode = mode === "auto" ? (currentSink() ? "notebook" : this.stream.isTTY ? "terminal" : "off") : mode;
    this.intervalMs = options.intervalMs ?? 500;
    this.wait = this.intervalMs;
    this.lang = options.lang ?? "en";
    this.margin = options.margin;
  }

  async start(state: LiveState): Promise<void> {
    if (this.mode === "notebook") {
      this.handle = await createDisplay({ "text/plain": this.status(state), "text/html": `<div class="sgps-live"><p>${escapeHtml(this.status(state))}</p></div>` });
    } else if (this.mode === "terminal") {
      this.writeBar(state, false);
    }
    this.last = performance.now();
  }

  /** After a step: redraws if at least `intervalMs` passed since the last drawing. */
  async step(state: LiveState): Promise<void> {
    if (this.mode === "off") return;
    const now = performance.now();
    if (now - this.last < this.wait) return;
    await this.draw(state, false);
    // Counted from the end of the drawing, and at least twice the drawing's own time, so drawing
    // never takes more than a third of the training time however slow the machine is.
    this.last = performance.now();
    this.wait = Math.max(this.intervalMs, DRAW_SHARE * (this.last - now));
  }

  /** After an epoch: same throttle as a step (the epoch's record shows at the next drawing). */
  async epochEnd(state: LiveState): Promise<void> {
    await this.step(state);
  }

  /** After training: always draws the final state (notebook: with the interactive animation). */
  async end(state: LiveState, result: FitResult): Promise<void> {
    if (this.mode === "off") return;
    await this.draw(state, true, result);
  }

  private async draw(state: LiveState, final: boolean, result?: FitResult): Promise<void> {
    this.renders++;
    if (this.mode === "terminal") {
      this.writeBar(state, final, result);
      return;
    }
    if (!this.handle) return;
    const panels = this.panels(state);
    const svgs = await Promise.all(panels.map((p) => renderSvg(p)));
    const grid = `<div style="display:grid;grid-template-columns:repeat(2,${PANEL.width}px);gap:4px">${svgs.map((s) => `<div>${s}</div>`).join("")}</div>`;
    let html = `<div class="sgps-live"><p style="font-family:monospace">${escapeHtml(this.status(state, result))}</p>${grid}`;
    if (final && result) {
      const full = finalFigure(result);
      if (full) html += figureHtml(toPlotly(full), await renderSvg(full), full.caption);
    }
    html += "</div>";
    await this.handle.update({ "text/html": html, "text/plain": this.status(state, result) });
  }

  /** The four panels of the notebook view. */
  panels(state: LiveState): FigureSpec[] {
    const pt = this.lang === "pt";
    const size = { width: PANEL.width, height: PANEL.height };
    const lossRun = state.history.length >= 2 ? state.history : state.stepLosses.map((loss, i) => ({ epoch: (i + 1) / state.stepsPerEpoch, loss }));
    const loss = { ...trainingCurves([{ name: "loss", history: lossRun }], { lang: this.lang, title: pt ? "Loss" : "Loss" }), ...size };
    const hasEval = state.history.some((h) => h.precisionAt1 !== undefined);
    const fractions = ["activeFraction", ...(hasEval ? ["precisionAt1", "mapAtR"] : [])];
    const withStart = hasEval && state.initialMetrics.precisionAt1 !== undefined ? [{ epoch: 0, ...state.initialMetrics }, ...state.history] : state.history;
    const rates = {
      ...trainingCurves([{ name: "run", history: withStart as Record<string, unknown>[] }], {
        metrics: fractions,
        lang: this.lang,
        title: pt ? "Triplas ativas e métricas de teste" : "Active triplets and held-out metrics",
        yTitle: pt ? "fração" : "fraction",
      }),
      ...size,
    };
    rates.y = { ...rates.y, range: [0, 1] };
    const probe = state.probe();
    const hist = { ...distanceHistogram(pairDistances(probe.embeddings, probe.labels), { margin: this.margin, lang: this.lang }), ...size };
    const scatter = { ...embeddingScatter(probe.embeddings, { groups: probe.themes, lang: this.lang, title: pt ? "Embeddings (PCA 2-D)" : "Embeddings (2-D PCA)" }), ...size };
    return [loss, rates, hist, scatter];
  }

  /** One line: epoch, step, loss, active fraction, held-out P@1, elapsed and ETA. */
  status(state: LiveState, result?: FitResult): string {
    const pt = this.lang === "pt";
    const rec = state.history[state.history.length - 1];
    const lastLoss = state.stepLosses[state.stepLosses.length - 1];
    const parts = [`${pt ? "época" : "epoch"} ${state.epoch}/${state.epochs}`, `${pt ? "passo" : "step"} ${state.globalStep}/${state.totalSteps}`];
    if (lastLoss !== undefined) parts.push(`loss ${(rec?.loss ?? lastLoss).toFixed(4)}`);
    if (rec && !Number.isNaN(rec.activeFraction)) parts.push(`${pt ? "ativas" : "active"} ${Math.round(100 * rec.activeFraction)}%`);
    if (rec?.precisionAt1 !== undefined) parts.push(`P@1 ${rec.precisionAt1.toFixed(3)}`);
    if (rec?.mapAtR !== undefined) parts.push(`MAP@R ${rec.mapAtR.toFixed(3)}`);
    const eta = state.globalStep > 0 ? (state.elapsed / state.globalStep) * (state.totalSteps - state.globalStep) : NaN;
    parts.push(result ? `${pt ? "terminou em" : "done in"} ${formatSeconds(result.seconds)}` : `${formatSeconds(state.elapsed)} · ETA ${formatSeconds(eta)}`);
    if (result?.stopped) parts.push(result.stopped.message);
    return parts.join(" · ");
  }

  private writeBar(state: LiveState, final: boolean, result?: FitResult): void {
    const frac = state.totalSteps ? Math.min(1, Math.max(0, state.globalStep / state.totalSteps)) : 0;
    const filled = Math.round(frac * BAR_WIDTH);
    const bar = `[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${String(Math.round(100 * frac)).padStart(3)}%`;
    const line = `${bar} ${this.status(state, result)}`;
    if (this.stream.isTTY) this.stream.write(`\r\x1b[2K${line}${final ? "\n" : ""}`);
    else this.stream.write(`${line}\n`);
  }
}

/** The full figure shown when training ends: the animated embeddings, or the loss curve without snapshots. */
export function finalFigure(result: FitResult): FigureSpec | null {
  const lang = result.options.lang;
  const pt = lang === "pt";
  if (result.snapshots.length >= 2) {
    return embeddingAnimation(
      result.snapshots.map((s) => ({ name: `${pt ? "época" : "epoch"} ${s.epoch}`, embeddings: s.embeddings })),
      { groups: result.snapshotSet.themes, texts: result.snapshotSet.texts, lang },
    );
  }
  if (result.history.length > 0) return trainingCurves([{ name: "loss", history: result.history }], { lang });
  return null;
}
