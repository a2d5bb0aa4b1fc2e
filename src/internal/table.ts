/**
 * A small table that shows itself as HTML in a notebook and as aligned text elsewhere.
 * Used by distance tables, loss and miner `explain` breakdowns, metric reports.
 *
 * It implements the display protocol `[Symbol.for("Jupyter.display")]()` → MIME bundle, which
 * our kernel (and Deno's) renders for the last expression of a cell. The protocol is a plain
 * method returning strings: nothing here talks to a kernel.
 */

/** The display-protocol symbol (a registry symbol, so every copy of the library agrees). */
export const DISPLAY_SYMBOL: unique symbol = Symbol.for("Jupyter.display") as never;

/** A MIME bundle: MIME type → content. */
export type MimeBundle = Record<string, unknown>;

/** Escapes the five HTML-special characters. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

/** One column of a {@link Table}. */
export interface Column<Row> {
  /** Header text. */
  label: string;
  /** The cell's value for a row. */
  value: (row: Row, index: number) => string | number | boolean | null | undefined;
  /** Decimals for numbers (default 4). */
  digits?: number;
  /** Alignment (default: right for numbers, left otherwise). */
  align?: "left" | "right";
}

/** Options of {@link Table}. */
export interface TableOptions {
  /** A title line above the table. */
  title?: string;
  /** Lines below the table (definitions, verdict). */
  notes?: string[];
  /** Show at most this many rows, then "… N more rows" (default 50). */
  maxRows?: number;
}

/** Formats one value: numbers with fixed decimals, NaN and ±Infinity spelled out, null as "—". */
export function formatCell(v: string | number | boolean | null | undefined, digits = 4): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "NaN";
    if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
    return Number.isInteger(v) && digits === 0 ? String(v) : v.toFixed(digits);
  }
  return String(v);
}

/** A read-only table of rows with typed columns. */
export class Table<Row = Record<string, unknown>> {
  readonly columns: readonly Column<Row>[];
  readonly rows: readonly Row[];
  readonly options: Readonly<TableOptions>;

  constructor(columns: readonly Column<Row>[], rows: readonly Row[], options: TableOptions = {}) {
    this.columns = columns;
    this.rows = rows;
    this.options = options;
  }

  private cells(): { header: string[]; body: string[][]; numeric: boolean[]; hidden: number } {
    const max = this.options.maxRows ?? 50;
    const shown = this.rows.slice(0, max);
    const numeric = this.columns.map((c) => shown.some((r, i) => typeof c.value(r, i) === "number"));
    const body = shown.map((r, i) => this.columns.map((c) => formatCell(c.value(r, i), c.digits ?? 4)));
    return { header: this.columns.map((c) => c.label), body, numeric, hidden: this.rows.length - shown.length };
  }

  /** Aligned plain text. */
  toText(): string {
    const { header, body, numeric, hidden } = this.cells();
    const widths = header.map((h, j) => Math.max([...h].length, ...body.map((row) => [...(row[j] ?? "")].length)));
    const pad = (s: string, j: number): string => {
      const right = (this.columns[j]?.align ?? (numeric[j] ? "right" : "left")) === "right";
      const fill = " ".repeat(Math.max(0, (widths[j] ?? 0) - [...s].length));
      return right ? fill + s : s + fill;
    };
    const lines: string[] = [];
    if (this.options.title) lines.push(this.options.title);
    lines.push(header.map(pad).join("  "));
    lines.push(widths.map((w) => "─".repeat(w)).join("  "));
    for (const row of body) lines.push(row.map(pad).join("  "));
    if (hidden > 0) lines.push(`… ${hidden} more rows`);
    for (const note of this.options.notes ?? []) lines.push(note);
    return lines.join("\n");
  }

  /** An HTML table; every cell, header and note is escaped. */
  toHtml(): string {
    const { header, body, numeric, hidden } = this.cells();
    const align = (j: number): string => ((this.columns[j]?.align ?? (numeric[j] ? "right" : "left")) === "right" ? "right" : "left");
    const parts: string[] = ['<div class="sgps-table">'];
    parts.push('<table style="border-collapse:collapse;font-variant-numeric:tabular-nums">');
    if (this.options.title) parts.push(`<caption style="caption-side:top;text-align:left;font-weight:bold">${escapeHtml(this.options.title)}</caption>`);
    parts.push(`<thead><tr>${header.map((h, j) => `<th style="text-align:${align(j)};padding:2px 8px">${escapeHtml(h)}</th>`).join("")}</tr></thead>`);
    parts.push("<tbody>");
    for (const row of body) {
      parts.push(`<tr>${row.map((c, j) => `<td style="text-align:${align(j)};padding:2px 8px">${escapeHtml(c)}</td>`).join("")}</tr>`);
    }
    parts.push("</tbody></table>");
    if (hidden > 0) parts.push(`<p><em>… ${hidden} more rows</em></p>`);
    for (const note of this.options.notes ?? []) parts.push(`<p>${escapeHtml(note)}</p>`);
    parts.push("</div>");
    return parts.join("");
  }

  toString(): string {
    return this.toText();
  }

  /** The display protocol: HTML in a notebook, text elsewhere. */
  [DISPLAY_SYMBOL](): MimeBundle {
    return { "text/html": this.toHtml(), "text/plain": this.toText() };
  }
}
