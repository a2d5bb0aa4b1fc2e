/**
 * The notebook runner (scripts/run_notebooks.py) never lets a failure pass silently: a cell that
 * raises fails the run with its real message, notebook and cell; the cells after it still run
 * on our kernel; and on stock tslab, whose "abort" replies used to skip cells while nbclient
 * exited 0, the skipped cells are reported as failures.
 */
import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectJupyter, runPython, type Jupyter } from "../kernel/jupyter";

const CELLS = [
  'const x = 1;\nconsole.log("first cell ran");',
  'throw new RangeError("deliberate failure in the middle");',
  'console.log("third cell ran", x + 1);',
];

function notebook(dir: string, kernel: string): string {
  const nb = {
    cells: CELLS.map((source, i) => ({ cell_type: "code", execution_count: null, id: `c${i}`, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { name: kernel, display_name: kernel, language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const path = join(dir, `middle-error-${kernel}.ipynb`);
  writeFileSync(path, JSON.stringify(nb));
  return path;
}

interface RunCell {
  execution_count: number | null;
  outputs: { output_type: string; name?: string; text?: string | string[]; ename?: string; evalue?: string }[];
}

describe("the notebook runner", { timeout: 5 * 60_000 }, () => {
  let jupyter: Jupyter;
  let dir: string;
  before(async () => {
    jupyter = await projectJupyter();
    dir = mkdtempSync(join(tmpdir(), "sgps-runner-"));
  });

  async function run(kernel: string): Promise<{ code: number | null; log: string; cells: RunCell[] }> {
    const path = notebook(dir, kernel);
    const out = join(dir, `out-${kernel}`);
    const r = await runPython(jupyter, [join(jupyter.root, "scripts", "run_notebooks.py"), "--kernel", kernel, "--out", out, path]);
    const cells = (JSON.parse(readFileSync(join(out, `middle-error-${kernel}.ipynb`), "utf8")) as { cells: RunCell[] }).cells;
    return { code: r.code, log: r.stdout + r.stderr, cells };
  }

  it("on our kernel: fails with the cell's real message, and the cells after it still run", async () => {
    const { code, log, cells } = await run("semantic-gps");
    assert.equal(code, 1, log);
    assert.match(log, /middle-error-semantic-gps\.ipynb, cell 2:/);
    assert.match(log, /RangeError: deliberate failure in the middle/);
    assert.match(log, /0 of 1 notebooks ran cleanly/);
    const third = cells[2];
    assert.ok(third && third.execution_count !== null, "the third cell was not executed");
    const printed = third.outputs.map((o) => (Array.isArray(o.text) ? o.text.join("") : (o.text ?? ""))).join("");
    assert.match(printed, /third cell ran 2/);
  });

  it("on stock tslab: the error and every cell tslab skipped with 'abort' are reported, and the run fails", async () => {
    const { code, log } = await run("tslab");
    assert.equal(code, 1, log);
    assert.match(log, /deliberate failure in the middle/);
    assert.match(log, /cell 3:[\s\S]*the kernel answered 'abort' and did not run this cell/);
  });
});
