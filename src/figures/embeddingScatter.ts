import { pcaFit, type Pca } from "./pca";
import type { FigureSpec, FrameSpec, Layer } from "./spec";
import { words, type FigureLang } from "./text";

/** Options of {@link embeddingScatter}. */
export interface EmbeddingScatterOptions {
  /** Group (theme) of each row: one colour per group, in first-seen order. */
  groups?: readonly string[];
  /** Hover text of each row (e.g. the book title). */
  texts?: readonly string[];
  /** 2 (default) or 3 projected dimensions. */
  dims?: 2 | 3;
  title?: string;
  caption?: string;
  lang?: FigureLang;
}

type Rows = readonly (readonly number[])[];

function checkRows(fn: string, rows: Rows, arg: string): number {
  const d = rows[0]?.length ?? 0;
  if (rows.length === 0 || d === 0) throw new RangeError(`${fn}: '${arg}' must be non-empty rows of numbers, but got ${rows.length} rows`);
  rows.forEach((r, i) => {
    if (r.length !== d || r.some((x) => !Number.isFinite(x))) throw new RangeError(`${fn}: '${arg}' must be rows of ${d} finite numbers, but row ${i} is not`);
  });
  return d;
}

function checkPerRow(fn: string, n: number, o: { groups?: readonly string[]; texts?: readonly string[] }): void {
  for (const key of ["groups", "texts"] as const) {
    const arr = o[key];
    if (arr !== undefined && arr.length !== n) throw new RangeError(`${fn}: '${key}' must have one entry per row (${n}), but got ${arr.length}`);
  }
}

/** Projected coordinates, padded with zeros when the data has fewer dimensions than asked. */
function projectPadded(fit: Pca, rows: Rows, k: number): number[][] {
  return fit.project(rows).map((p) => (p.length < k ? [...p, ...new Array<number>(k - p.length).fill(0)] : p));
}

function axisTitles(fit: Pca, k: number, lang: FigureLang | undefined): { title: string; unit: string }[] {
  const w = words(lang);
  return Array.from({ length: k }, (_, i) => ({
    title: `${w.pc}${i + 1} (${Math.round(100 * (fit.explainedRatio[i] ?? 0))}% ${w.ofVariance})`,
    unit: w.embeddingUnits,
  }));
}

function scatterLayer(name: string, pts: number[][], dims: number, o: { groups?: readonly string[]; texts?: readonly string[] }, withText: boolean): Layer {
  return {
    type: "scatter",
    name,
    x: pts.map((p) => p[0] as number),
    y: pts.map((p) => p[1] as number),
    ...(dims === 3 ? { z: pts.map((p) => p[2] as number) } : {}),
    ...(o.groups ? { groups: [...o.groups] } : {}),
    ...(withText && o.texts ? { text: [...o.texts] } : {}),
  };
}

/**
 * The embeddings in 2-D or 3-D: our own PCA (plain JS, see pcaFit) projects them on their
 * directions of largest variance, coloured by group with hover labels. The axes say how much of
 * the variance each direction keeps.
 *
 * @example
 * embeddingScatter([[1, 0, 0], [0, 1, 0], [0, 0, 1]], { groups: ["a", "b", "c"] }).layers.length; // => 1
 */
export function embeddingScatter(embeddings: Rows, options: EmbeddingScatterOptions = {}): FigureSpec {
  const FN = "embeddingScatter";
  const d = checkRows(FN, embeddings, "embeddings");
  checkPerRow(FN, embeddings.length, options);
  const dims = options.dims ?? 2;
  if (dims !== 2 && dims !== 3) throw new RangeError(`${FN}: 'dims' must be 2 or 3, but got ${String(dims)}`);
  const pt = options.lang === "pt";
  const fit = pcaFit(embeddings, Math.min(dims, d));
  const pts = projectPadded(fit, embeddings, dims);
  const [ax, ay, az] = axisTitles(fit, dims, options.lang);
  const kept = Math.round(100 * fit.explainedRatio.reduce((s, v) => s + v, 0));
  return {
    title: options.title ?? (pt ? `Os embeddings em ${dims}-D (PCA)` : `The embeddings in ${dims}-D (PCA)`),
    caption:
      options.caption ??
      (pt
        ? `Projeção PCA (implementação própria) que mantém ${kept}% da variância; cores = temas. Livros do mesmo tema devem formar grupos.`
        : `PCA projection (our own implementation) keeping ${kept}% of the variance; colours = themes. Books of one theme should form clusters.`),
    x: ax as { title: string; unit: string },
    y: ay as { title: string; unit: string },
    ...(dims === 3 ? { z: az as { title: string; unit: string } } : {}),
    layers: [scatterLayer("embeddings", pts, dims, options, true)],
    ...(dims === 3 ? { height: 560 } : {}),
  };
}

/** One snapshot of the embeddings: a frame name (e.g. "epoch 3") and the rows. */
export interface EmbeddingSnapshot {
  name: string;
  embeddings: Rows;
}

/** Options of {@link embeddingAnimation}. */
export type EmbeddingAnimationOptions = Omit<EmbeddingScatterOptions, "dims">;

/**
 * The embeddings moving across training — the librarian's books walking to their shelves.
 * Every snapshot is projected on the same PCA directions (fitted on the last snapshot, where the
 * shelves are), and the axes are fixed over all frames, so motion on screen is motion in the
 * embedding space. The static rendering shows the last frame.
 *
 * @throws RangeError when snapshots are empty or differ in rows or dimension.
 * @example
 * embeddingAnimation([{ name: "0", embeddings: [[0, 0], [1, 1]] }, { name: "1", embeddings: [[0, 0], [2, 2]] }]).frames?.length; // => 2
 */
export function embeddingAnimation(snapshots: readonly EmbeddingSnapshot[], options: EmbeddingAnimationOptions = {}): FigureSpec {
  const FN = "embeddingAnimation";
  if (!Array.isArray(snapshots) || snapshots.length === 0) throw new RangeError(`${FN}: 'snapshots' must be a non-empty array of { name, embeddings }, but got none`);
  const first = (snapshots[0] as EmbeddingSnapshot).embeddings;
  const d = checkRows(FN, first, "snapshots[0].embeddings");
  snapshots.forEach((s, i) => {
    checkRows(FN, s.embeddings, `snapshots[${i}].embeddings`);
    if (s.embeddings.length !== first.length || (s.embeddings[0] as readonly number[]).length !== d) {
      throw new RangeError(`${FN}: every snapshot must have ${first.length} rows of ${d} numbers (as the first), but snapshot ${i} ("${s.name}") has ${s.embeddings.length} rows of ${(s.embeddings[0] as readonly number[]).length}`);
    }
  });
  const last = (snapshots[snapshots.length - 1] as EmbeddingSnapshot).embeddings;
  checkPerRow(FN, last.length, options);
  const pt = options.lang === "pt";
  const fit = pcaFit(last, Math.min(2, d));
  const projected = snapshots.map((s) => projectPadded(fit, s.embeddings, 2));
  let lo = Infinity;
  let hi = -Infinity;
  for (const pts of projected) for (const p of pts) for (const v of p) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  // A 5% border so points on the edge are not cut; one range for both axes keeps distances honest.
  const pad = 0.05 * (hi - lo || 1);
  const range: [number, number] = [lo - pad, hi + pad];
  const [ax, ay] = axisTitles(fit, 2, options.lang);
  const frames: FrameSpec[] = snapshots.map((s, i) => ({ name: s.name, layers: [scatterLayer("embeddings", projected[i] as number[][], 2, options, false)] }));
  return {
    title: options.title ?? (pt ? "Os livros indo para as prateleiras" : "The books moving to their shelves"),
    caption:
      options.caption ??
      (pt
        ? `Cada quadro é um instantâneo do treino (${snapshots.length} quadros), projetado nas mesmas direções PCA do último; cores = temas. Aperte ▶.`
        : `Each frame is a snapshot of training (${snapshots.length} frames), projected on the same PCA directions as the last one; colours = themes. Press ▶.`),
    x: { ...(ax as { title: string; unit: string }), range },
    y: { ...(ay as { title: string; unit: string }), range },
    layers: [scatterLayer("embeddings", projected[0] as number[][], 2, options, true)],
    frames,
    width: 720,
    height: 620,
  };
}
