"""Executes a notebook with nbclient, as the course runner does, but with allow_errors=True so that
every cell runs: python3 run_notebook.py <in.ipynb> <out.ipynb> <kernel-name>.
The kernel starts in the notebook's folder. Prints `RESULT {"ok": true}` when nbclient finished."""
import json
import os
import sys

import nbformat
from nbclient import NotebookClient

# Generous for a cold start of the kernel plus the first import of vega (under a second when warm).
CELL_TIMEOUT = 120


def main():
    src, dst, kernel = sys.argv[1:4]
    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=CELL_TIMEOUT,
        allow_errors=True,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}},
    )
    client.execute()
    nbformat.write(nb, dst)
    print("RESULT " + json.dumps({"ok": True}), flush=True)


if __name__ == "__main__":
    main()
