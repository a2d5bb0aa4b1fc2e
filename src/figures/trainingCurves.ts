import type { FigureSpec, Layer } from "./spec";
import { words, type FigureLang } from "./text";

/** One training run's per-epoch records (a `fit` history, or any rows with `epoch` and numbers). */
export interface CurveRun {
  name: string;
  history: readonly object[];
}

/** Options of {@link trainingCurves}. */
export interface TrainingCurvesOptions {
  /** Which numbers to draw (default ["loss"]): any numeric key of the records, e.g. "precisionAt1", "mapAtR", "activeFraction". */
  metrics?: string[];
  title?: string;
  caption?: string;
  /** Axis title of the values (default: the metric, or "value" for several). */
  yTitle?: string;
  lang?: FigureLang;
}

const LABELS: Record<string, { en: string; pt: string }> = {
  loss: { en: "loss", pt: "loss" },
  metricLoss: { en: "metric loss", pt: "loss métrica" },
  taskLoss: { en: "classification loss", pt: "loss de classificação" },
  activeFraction: { en: "active triplets", pt: "triplas ativas" },
  precisionAt1: { en: "precision@1", pt: "precision@1" },
  rPrecision: { en: "R-precision", pt: "R-precision" },
  mapAtR: { en: "MAP@R", pt: "MAP@R" },
};

/**
 * Loss and metric curves against the epoch, several runs overlaid (one colour per run and
 * metric; a second metric of the same run is dashed). Records where a metric is missing or not
 * a finite number are skipped, so a held-out metric measured every few epochs still draws.
 *
 * @example
 * trainingCurves([{ name: "triplet", history: [{ epoch: 1, loss: 0.3 }, { epoch: 2, loss: 0.2 }] }]).layers.length; // => 1
 */
export function trainingCurves(runs: readonly CurveRun[], options: TrainingCurvesOptions = {}): FigureSpec {
  const w = words(options.lang);
  const lang = options.lang === "pt" ? "pt" : "en";
  const metrics = options.metrics ?? ["loss"];
  if (!Array.isArray(runs) || runs.length === 0) throw new RangeError("trainingCurves: 'runs' must be a non-empty array of { name, history }, but got none");
  const label = (m: string): string => LABELS[m]?.[lang] ?? m;
  const layers: Layer[] = [];
  for (const run of runs) {
    metrics.forEach((m, k) => {
      const x: number[] = [];
      const y: number[] = [];
      run.history.forEach((row: object, i: number) => {
        const rec = row as Record<string, unknown>;
        const v = rec[m];
        if (typeof v === "number" && Number.isFinite(v)) {
          x.push(typeof rec.epoch === "number" ? rec.epoch : i + 1);
          y.push(v);
        }
      });
      const name = runs.length > 1 && metrics.length > 1 ? `${run.name} · ${label(m)}` : runs.length > 1 ? run.name : label(m);
      layers.push({ type: "line", name, x, y, dash: k > 0, markers: x.length <= 30 });
    });
  }
  const what = metrics.map(label).join(", ");
  return {
    title: options.title ?? (lang === "pt" ? `${what} por época` : `${what} per epoch`),
    caption:
      options.caption ??
      (lang === "pt"
        ? `Cada curva é uma execução${runs.length > 1 ? " (comparadas no mesmo eixo)" : ""}: a loss deve cair; métricas de recuperação no conjunto de teste devem subir.`
        : `Each curve is one run${runs.length > 1 ? " (compared on the same axis)" : ""}: the loss should fall; held-out retrieval metrics should rise.`),
    x: { title: w.epoch, unit: lang === "pt" ? "época" : "epoch" },
    y: { title: options.yTitle ?? (metrics.length === 1 ? label(metrics[0] as string) : w.metricValue), unit: metrics.every((m) => m !== "loss" && m !== "metricLoss" && m !== "taskLoss") ? w.fraction : undefined },
    layers,
  };
}
