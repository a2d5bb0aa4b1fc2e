#!/usr/bin/env python3
"""Executes notebooks headless through Jupyter's own machinery (nbclient) and fails loudly.

    python3 scripts/run_notebooks.py --kernel semantic-gps --out build/executed notebooks/*.ipynb

For every notebook, every cell runs on a fresh kernel in the notebook's folder. The run fails
(exit code 1) when any cell:
  * replies with status "error" (the real message, with notebook and cell, is printed);
  * replies "abort"/"aborted" — a kernel that skips a request must never pass silently
    (stock tslab answers every request within 200 ms after an error with "abort");
  * has an error output, or a Plotly figure output with no data points.
Executed copies are written to --out even when a notebook fails, for inspection.
Progress goes to stdout: one line per notebook, and a line per slow cell.
"""
import argparse
import json
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

PLOTLY_MIME = "application/vnd.plotly.v1+json"
SLOW_CELL_SECONDS = 5.0


def excerpt(source, lines=6):
    rows = source.strip().splitlines()
    more = f"\n    … ({len(rows) - lines} more lines)" if len(rows) > lines else ""
    return "\n".join("    " + r for r in rows[:lines]) + more


def empty_plotly(data):
    traces = data.get("data") if isinstance(data, dict) else None
    if not traces:
        return True
    def size(t):
        for key in ("x", "y", "z", "values"):
            v = t.get(key)
            if isinstance(v, list) and len(v) > 0:
                return len(v)
        return 0
    return all(size(t) == 0 for t in traces)


def cell_problems(cell, reply):
    """Every reason this executed cell counts as a failure."""
    problems = []
    status = (reply or {}).get("content", {}).get("status")
    if status in ("abort", "aborted"):
        problems.append("the kernel answered 'abort' and did not run this cell")
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            tb = "\n".join(out.get("traceback") or [])
            problems.append(f"{out.get('ename', 'Error')}: {out.get('evalue', '')}" + (f"\n{tb}" if tb and out.get("evalue", "") not in tb else ""))
        data = out.get("data") or {}
        if PLOTLY_MIME in data and empty_plotly(data[PLOTLY_MIME]):
            problems.append("a Plotly figure output has no data points")
    if status == "error" and not problems:
        content = reply["content"]
        msg = f"{content.get('ename') or 'Error'}: {content.get('evalue') or ''}".strip()
        stderr = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stderr")
        problems.append(msg + (f"\n{stderr}" if stderr else ""))
    return problems


def run_one(path, kernel, out_dir, timeout):
    nb = nbformat.read(path, as_version=4)
    name = os.path.basename(path)
    failures = []
    started = {}

    def on_cell_start(cell, cell_index):
        started[cell_index] = time.monotonic()

    def on_cell_executed(cell, cell_index, execute_reply):
        took = time.monotonic() - started.get(cell_index, time.monotonic())
        for p in cell_problems(cell, execute_reply):
            failures.append((cell_index, cell.source, p))
        if took > SLOW_CELL_SECONDS:
            print(f"    cell {cell_index + 1} took {took:.1f} s", flush=True)

    client = NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=timeout,
        allow_errors=True,  # we judge every reply ourselves, so later cells still report
        record_timing=True,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
        on_cell_start=on_cell_start,
        on_cell_executed=on_cell_executed,
    )
    t0 = time.monotonic()
    crash = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
        crash = str(err)
    except Exception as err:  # e.g. NoSuchKernel: say what it is, don't dump a traceback
        crash = f"{type(err).__name__}: {err}"
    elapsed = time.monotonic() - t0
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    not_run = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip() and c.get("execution_count") is None]
    if crash is None and not_run and not failures:
        crash = f"{len(not_run)} code cells were never executed (first: cell {not_run[0] + 1})"
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        nbformat.write(nb, os.path.join(out_dir, name))
    return name, elapsed, len(code_cells), failures, crash


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--kernel", default="semantic-gps")
    ap.add_argument("--out", default=None, help="folder for executed copies")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    ap.add_argument("--json", default=None, help="write a summary JSON here")
    args = ap.parse_args()

    total = len(args.notebooks)
    summary = []
    bad = 0
    t_all = time.monotonic()
    for k, path in enumerate(args.notebooks, 1):
        print(f"[{k}/{total}] {os.path.basename(path)} …", flush=True)
        name, elapsed, ncode, failures, crash = run_one(path, args.kernel, args.out, args.timeout)
        ok = not failures and crash is None
        bad += 0 if ok else 1
        mark = "ok" if ok else "FAILED"
        print(f"[{k}/{total}] {name}: {mark} — {ncode} code cells in {elapsed:.1f} s", flush=True)
        for idx, source, problem in failures:
            print(f"  ✗ {name}, cell {idx + 1}:\n{excerpt(source)}\n  → {problem}", flush=True)
        if crash:
            print(f"  ✗ {name}: {crash}", flush=True)
        summary.append({"notebook": name, "ok": ok, "seconds": round(elapsed, 2), "failures": [{"cell": i + 1, "error": p} for i, _, p in failures], "crash": crash})
    print(f"{total - bad} of {total} notebooks ran cleanly in {time.monotonic() - t_all:.1f} s", flush=True)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=2, ensure_ascii=False)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
