/** The kernel's in-memory history, answering history_request as ipykernel does. */
import "../helpers/setup";
import assert from "node:assert/strict";
import { test } from "node:test";
import { History, SESSION } from "semantic-gps/dist/kernel/history";

function filled(): History {
  const h = new History();
  h.add(1, "const a = 1;", null);
  h.add(2, "6 * 7", "42");
  h.add(3, "a + 1", "2");
  h.add(4, "6 * 7", "42");
  return h;
}

test("tail returns the last n inputs as [session, line, input]", () => {
  assert.deepEqual(filled().query({ hist_access_type: "tail", n: 2 }), [[SESSION, 3, "a + 1"], [SESSION, 4, "6 * 7"]]);
});

test("with output, each row holds [input, text/plain result or null]", () => {
  assert.deepEqual(filled().query({ hist_access_type: "tail", n: 4, output: true })[0], [SESSION, 1, ["const a = 1;", null]]);
  assert.deepEqual(filled().query({ hist_access_type: "tail", n: 1, output: true })[0], [SESSION, 4, ["6 * 7", "42"]]);
});

test("range is start-inclusive and stop-exclusive, in this session (0 also means this one)", () => {
  assert.deepEqual(filled().query({ hist_access_type: "range", session: SESSION, start: 2, stop: 4 }).map((r) => r[1]), [2, 3]);
  assert.deepEqual(filled().query({ hist_access_type: "range", session: 0, start: 4 }).map((r) => r[1]), [4]);
  assert.deepEqual(filled().query({ hist_access_type: "range", session: SESSION + 1, start: 1 }), []);
});

test("search matches a whole-input glob; unique keeps the latest of repeats; n keeps the last n", () => {
  const h = filled();
  assert.deepEqual(h.query({ hist_access_type: "search", pattern: "6*7" }).map((r) => r[1]), [2, 4]);
  assert.deepEqual(h.query({ hist_access_type: "search", pattern: "6*7", unique: true }).map((r) => r[1]), [4]);
  assert.deepEqual(h.query({ hist_access_type: "search", pattern: "*", n: 1 }).map((r) => r[1]), [4]);
  assert.deepEqual(h.query({ hist_access_type: "search", pattern: "a ? 1" }).map((r) => r[1]), [3]);
  assert.deepEqual(h.query({ hist_access_type: "search", pattern: "6" }), []);
});
