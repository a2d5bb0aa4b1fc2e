/**
 * The course is built once per test run: the first test file that needs the executed notebooks
 * runs `npm run tutorial` (every notebook on the project's kernel, then the handouts); later
 * files reuse its output while it is newer than every notebook and than dist/.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(__dirname, "..", "..");
export const EXECUTED = join(ROOT, "build", "executed");
export const HANDOUTS = join(ROOT, "build", "handouts");
export const SCREENSHOTS = join(ROOT, "build", "screenshots");
const LOG = join(ROOT, "build", "tutorial-log.txt");
const DONE = join(ROOT, "build", "tutorial-ok");

function newestInput(): number {
  const notebooks = readdirSync(join(ROOT, "notebooks")).filter((n) => n.endsWith(".ipynb")).map((n) => statSync(join(ROOT, "notebooks", n)).mtimeMs);
  const dist = existsSync(join(ROOT, "dist", "index.js")) ? statSync(join(ROOT, "dist", "index.js")).mtimeMs : Infinity;
  return Math.max(dist, ...notebooks);
}

/** Runs `npm run tutorial` unless a successful run newer than every input exists; returns its log. */
export function ensureCourseBuilt(): string {
  if (existsSync(DONE) && statSync(DONE).mtimeMs > newestInput()) return readFileSync(LOG, "utf8");
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "tutorial.mjs")], { cwd: ROOT, encoding: "utf8", timeout: 25 * 60_000, maxBuffer: 64 * 1024 * 1024 });
  const log = `${r.stdout}\n${r.stderr}`;
  writeFileSync(LOG, log);
  process.stdout.write(log.split("\n").filter((l) => /^\[|notebooks ran|Done in|✗|→/.test(l)).map((l) => `# ${l}\n`).join(""));
  assert.equal(r.status, 0, `npm run tutorial failed:\n${log.slice(-6000)}`);
  writeFileSync(DONE, new Date().toISOString());
  return log;
}

export interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
}
export interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
  metadata?: { tags?: string[] };
}

/** The cells of an executed notebook. */
export function readNotebook(name: string): Cell[] {
  return (JSON.parse(readFileSync(join(EXECUTED, name), "utf8")) as { cells: Cell[] }).cells;
}

export const joinText = (t: string | string[] | undefined): string => (Array.isArray(t) ? t.join("") : (t ?? ""));

/** Everything the notebook printed on stdout, in order. */
export function stdoutOf(cells: Cell[]): string {
  return cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === "stream" && o.name === "stdout").map((o) => joinText(o.text)).join("");
}

/** Every Plotly figure the notebook showed. */
export function plotlyOutputs(cells: Cell[]): { data: unknown[]; layout?: Record<string, unknown> }[] {
  return cells
    .flatMap((c) => c.outputs ?? [])
    .flatMap((o) => (o.data && o.data["application/vnd.plotly.v1+json"] ? [o.data["application/vnd.plotly.v1+json"] as { data: unknown[] }] : []));
}

/**
 * The measurements a notebook published for its claims: every `application/json` output with a
 * `claims` key (cells end with `display({ "application/json": { claims: {...} }, "text/plain": ... })`),
 * merged in order.
 */
export function claimsOf(cells: Cell[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of cells.flatMap((c) => c.outputs ?? [])) {
    const j = o.data?.["application/json"] as { claims?: Record<string, unknown> } | undefined;
    if (j && typeof j === "object" && j.claims) Object.assign(out, j.claims);
  }
  return out;
}

/** A published claim that must be a number. */
export function claimNumber(claims: Record<string, unknown>, key: string): number {
  const v = claims[key];
  assert.equal(typeof v, "number", `claim '${key}' missing or not a number: ${JSON.stringify(v)}`);
  return v as number;
}

/** A published claim that must be a list of numbers. */
export function claimNumbers(claims: Record<string, unknown>, key: string): number[] {
  const v = claims[key];
  assert.ok(Array.isArray(v) && v.every((x) => typeof x === "number"), `claim '${key}' missing or not a list of numbers: ${JSON.stringify(v)}`);
  return v as number[];
}
