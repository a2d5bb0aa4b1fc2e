/**
 * Jupyter's own conformance suite (jupyter_kernel_test, see kernel_conformance.py) against our
 * kernel and, for comparison, against stock tslab 1.0.22 — both run at once.
 */
import "../helpers/setup";
import assert from "node:assert/strict";
import { join } from "node:path";
import { before, test } from "node:test";
import { projectJupyter, resultLine, runPython } from "./jupyter";

interface Summary {
  kernel: string;
  passed: string[];
  failed: Record<string, string>;
  skipped: string[];
}

/** The checks that apply to a TypeScript kernel (pager and clear_output are named in README). */
const APPLICABLE = [
  "test_completion", "test_display_data", "test_error", "test_execute_result", "test_execute_stderr",
  "test_execute_stdout", "test_history", "test_inspect", "test_is_complete", "test_kernel_info",
];

let ours: Promise<Summary>;
let stock: Promise<Summary>;

before(async () => {
  const jupyter = await projectJupyter();
  const suite = async (kernel: string): Promise<Summary> => {
    const { stdout, stderr } = await runPython(jupyter, [join(__dirname, "kernel_conformance.py"), kernel]);
    return resultLine<Summary>(stdout, stderr);
  };
  ours = suite("semantic-gps");
  stock = suite("tslab");
  // Both are awaited by the tests; keep an early rejection from being reported as unhandled.
  ours.catch(() => undefined);
  stock.catch(() => undefined);
});

test("the semantic-gps kernel passes every applicable jupyter_kernel_test check", async () => {
  const summary = await ours;
  assert.deepEqual(summary.failed, {});
  assert.deepEqual([...summary.passed].sort(), APPLICABLE);
});

test("the score is printed beside stock tslab's, which fails the error check (no ename/traceback)", async (t) => {
  const [a, b] = await Promise.all([ours, stock]);
  const line = `semantic-gps kernel: ${a.passed.length}/${APPLICABLE.length}, stock tslab: ${b.passed.length}/${APPLICABLE.length}`;
  console.log(line);
  t.diagnostic(line);
  for (const [check, why] of Object.entries(b.failed)) t.diagnostic(`stock tslab ${check}: ${why}`);
  assert.ok("test_error" in b.failed, "stock tslab was expected to fail test_error");
  assert.ok(b.passed.every((check) => APPLICABLE.includes(check)));
});
