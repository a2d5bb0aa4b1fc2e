/**
 * A small notebook run through nbclient (the machinery of `npm run tutorial`) on our kernel:
 * a deliberate error in a middle cell, a compile error, vega-lite imported and rendered to SVG,
 * the display sink with an in-place update, and a self-displaying last expression.
 */
import "../helpers/setup";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { projectJupyter, resultLine, runPython } from "./jupyter";

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  text?: string;
}
interface Cell {
  cell_type: string;
  source: string;
  execution_count?: number | null;
  outputs: Output[];
}

const SINK = `(globalThis as any)[Symbol.for("semantic-gps.display-sink")]`;
const CELLS: Record<string, string> = {
  start: `const base = 21;\nbase`,
  failing: `console.log("before the error");\nthrow new RangeError("deliberate failure in the middle");`,
  after: `base * 2`,
  printing: `console.log("one");\nconsole.log("two");\nconsole.error("three");`,
  compileError: `const n = 1;\nconst wrong: number = "text";`,
  importEsm: `import * as vl from "vega-lite";\nimport * as vega from "vega";`,
  render: [
    `const spec: vl.TopLevelSpec = {`,
    `  data: { values: [{ x: 0, y: 1 }, { x: 1, y: 3 }, { x: 2, y: 2 }] },`,
    `  mark: "line",`,
    `  encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },`,
    `};`,
    `const svg = await new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" }).toSVG();`,
    `${SINK}.display({ "image/svg+xml": svg, "text/plain": "a line chart" });`,
  ].join("\n"),
  progress: `${SINK}.display({ "text/plain": "epoch 0" }, { displayId: "progress" });`,
  update: `${SINK}.update("progress", { "text/plain": "epoch 3", "text/html": "<b>epoch 3</b>" });`,
  selfDisplaying: `({ [Symbol.for("Jupyter.display")]: async () => ({ "text/html": "<table></table>", "text/plain": "a table" }) })`,
};
const NAMES = Object.keys(CELLS);

const cells: Record<string, Cell> = {};

before(async () => {
  const jupyter = await projectJupyter();
  // Inside the repository, so that packages resolve from its node_modules like a notebook's would.
  const dir = join(jupyter.root, "build", "kernel-test");
  mkdirSync(dir, { recursive: true });
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "semantic-gps", display_name: "TypeScript (semantic-gps)", language: "typescript" } },
    cells: NAMES.map((name) => ({ cell_type: "code", id: name, metadata: {}, source: CELLS[name], execution_count: null, outputs: [] })),
  };
  const src = join(dir, "error-in-the-middle.ipynb");
  const dst = join(dir, "error-in-the-middle.executed.ipynb");
  writeFileSync(src, JSON.stringify(notebook, null, 1));
  const { stdout, stderr } = await runPython(jupyter, [join(__dirname, "run_notebook.py"), src, dst, "semantic-gps"]);
  resultLine(stdout, stderr);
  const executed = JSON.parse(readFileSync(dst, "utf8")) as { cells: Cell[] };
  executed.cells.forEach((cell, i) => (cells[NAMES[i]!] = { ...cell, outputs: cell.outputs.map(joinLines) }));
});

/** nbformat stores multi-line strings as lists of lines; join them back. */
function joinLines(output: Output): Output {
  const join = (v: unknown): unknown => (Array.isArray(v) ? v.join("") : v);
  const data = output.data && Object.fromEntries(Object.entries(output.data).map(([k, v]) => [k, join(v)]));
  return { ...output, ...(data && { data }), ...(output.text !== undefined && { text: join(output.text) as string }) };
}

const data = (cell: Cell, type: string): Record<string, unknown> | undefined => cell.outputs.find((o) => o.output_type === type)?.data;

test("the failing middle cell reports its real error with ename, evalue and a traceback", () => {
  const error = cells.failing!.outputs.find((o) => o.output_type === "error");
  assert.ok(error, "no error output");
  assert.equal(error.ename, "RangeError");
  assert.equal(error.evalue, "deliberate failure in the middle");
  assert.ok(error.traceback!.some((line) => line.includes("deliberate failure in the middle")));
  assert.equal(cells.failing!.outputs[0]?.text, "before the error\n");
});

test("the cells after the error were executed, not silently skipped, with the state kept", () => {
  assert.deepEqual(NAMES.map((name) => cells[name]!.execution_count), NAMES.map((_, i) => i + 1));
  assert.equal(data(cells.after!, "execute_result")?.["text/plain"], "42");
});

test("consecutive writes to a stream arrive as one output per stream, in order", () => {
  assert.deepEqual(
    cells.printing!.outputs.map((o) => [o.output_type, (o as { name?: string }).name, o.text]),
    [["stream", "stdout", "one\ntwo\n"], ["stream", "stderr", "three\n"]],
  );
});

test("a TypeScript compile error comes back as TSError with line:column and its TS code", () => {
  const error = cells.compileError!.outputs.find((o) => o.output_type === "error");
  assert.equal(error?.ename, "TSError");
  assert.match(error?.evalue ?? "", /^2:7 - Type 'string' is not assignable to type 'number'\. \(TS2322\)$/);
});

test("vega-lite (ESM-only) is imported with its types and renders a spec to SVG through vega", () => {
  assert.deepEqual(cells.importEsm!.outputs, []);
  const svg = data(cells.render!, "display_data")?.["image/svg+xml"];
  assert.equal(typeof svg, "string");
  assert.match(svg as string, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg as string, /<path/);
});

test("the display sink shows several MIME types at once and updates a display in place by id", () => {
  assert.deepEqual(data(cells.progress!, "display_data"), { "text/plain": "epoch 3", "text/html": "<b>epoch 3</b>" });
  assert.deepEqual(cells.update!.outputs, []);
});

test("a last expression with a Symbol.for('Jupyter.display') method shows its (awaited) bundle", () => {
  const result = cells.selfDisplaying!.outputs.find((o) => o.output_type === "execute_result");
  assert.equal(result?.execution_count, NAMES.indexOf("selfDisplaying") + 1);
  assert.deepEqual(result?.data, { "text/html": "<table></table>", "text/plain": "a table" });
});
