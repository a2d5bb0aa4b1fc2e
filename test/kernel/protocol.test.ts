/**
 * Protocol behaviour beyond jupyter_kernel_test, observed by protocol_checks.py through
 * jupyter_client: interrupts, stop_on_error, requests right after an error, execution counts.
 */
import "../helpers/setup";
import assert from "node:assert/strict";
import { join } from "node:path";
import { before, test } from "node:test";
import { projectJupyter, resultLine, runPython } from "./jupyter";

interface Observed {
  status: string;
  execution_count: number | null;
  ename: string | null;
  evalue: string | null;
  outputs: { type: string; content: Record<string, unknown> }[];
}
type Checks = Record<string, Observed> & {
  queued_stop_on_error_True: Observed[];
  queued_stop_on_error_False: Observed[];
};

let seen: Checks;

before(async () => {
  const jupyter = await projectJupyter();
  const { stdout, stderr } = await runPython(jupyter, [join(__dirname, "protocol_checks.py"), "semantic-gps"]);
  seen = resultLine<Checks>(stdout, stderr);
});

const resultText = (o: Observed): unknown =>
  (o.outputs.find((m) => m.type === "execute_result")?.content.data as Record<string, unknown> | undefined)?.["text/plain"];

test("interrupting a synchronous endless loop gives an error reply and keeps the kernel and its variables", () => {
  assert.equal(seen.interrupt_sync!.status, "error");
  assert.match(seen.interrupt_sync!.evalue ?? "", /interrupted/i);
  assert.equal(seen.after_interrupt_sync!.status, "ok");
  assert.equal(resultText(seen.after_interrupt_sync!), "[ 'still here', true ]");
});

test("interrupting an await that never settles gives an error reply", () => {
  assert.equal(seen.interrupt_async!.status, "error");
  assert.match(seen.interrupt_async!.evalue ?? "", /interrupted/i);
});

test("a request sent as soon as an error reply arrives is executed, not aborted", () => {
  assert.equal(seen.error!.status, "error");
  assert.equal(seen.error!.evalue, "first");
  assert.equal(seen.right_after_error!.status, "ok");
  assert.equal(resultText(seen.right_after_error!), "2");
});

test("with stop_on_error, requests already queued behind a failing one are answered aborted (as ipykernel does)", () => {
  assert.deepEqual(seen.queued_stop_on_error_True.map((o) => o.status), ["error", "aborted", "aborted"]);
});

test("without stop_on_error, requests queued behind a failing one all run", () => {
  const queued = seen.queued_stop_on_error_False;
  assert.deepEqual(queued.map((o) => o.status), ["error", "ok", "ok"]);
  assert.deepEqual(queued.slice(1).map(resultText), ["4", "6"]);
});

test("every reply and execute_input carries the execution count, which grows by one per stored request", () => {
  const executed = [
    seen.setup!, seen.interrupt_sync!, seen.after_interrupt_sync!, seen.interrupt_async!, seen.error!,
    seen.right_after_error!, seen.queued_stop_on_error_True[0]!, ...seen.queued_stop_on_error_False,
  ];
  const counts = executed.map((o) => o.execution_count);
  assert.deepEqual(counts, counts.map((_, i) => i + 1));
  for (const o of executed) {
    const input = o.outputs.find((m) => m.type === "execute_input");
    assert.equal(input?.content.execution_count, o.execution_count);
  }
});

test("a silent request shows no result and does not advance the count", () => {
  assert.equal(seen.silent!.status, "ok");
  assert.deepEqual(seen.silent!.outputs, []);
  assert.equal(seen.after_silent!.execution_count, seen.silent!.execution_count! + 1);
  assert.equal(resultText(seen.after_silent!), "25");
});
