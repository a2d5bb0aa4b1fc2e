#!/usr/bin/env python3
"""Builds offline handouts from executed notebooks.

    python3 scripts/build_handouts.py --executed build/executed --out build/handouts \
        --plotly build/cache/plotly.min.js [--pdf] [--chromium /usr/bin/chromium]

For every notebook (in file-name order, which is course order):
  * <name>.html            student handout: cells tagged "solution" removed;
  * <name>.instrutor.html  instructor handout: solutions shown and marked;
  * the same two as PDF with --pdf (printed by headless Chromium);
and index.html linking them all. Every HTML embeds plotly.js once and references nothing
outside itself: readable offline, charts interactive.
"""
import argparse
import html
import os
import re
import subprocess
import sys
import tempfile

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

HERE = os.path.dirname(os.path.abspath(__file__))
SOLUTION_TAG = "solution"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def notebook_title(nb, fallback):
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def export(nb, plotly_js, banner, student):
    exporter = HTMLExporter(template_name="handout", extra_template_basedirs=[HERE])
    exporter.exclude_input_prompt = False
    if student:
        remover = TagRemovePreprocessor(remove_cell_tags={SOLUTION_TAG}, enabled=True)
        exporter.register_preprocessor(remover, enabled=True)
    body, _ = exporter.from_notebook_node(nb, resources={"plotly_js": plotly_js, "handout_banner": banner})
    return body


def link_handouts(page, suffix):
    """Links between notebooks (`02-x.ipynb`) point to the matching handout (`02-x.html`)."""
    return re.sub(r'href="(\d{2}-[^"/]+)\.ipynb(#[^"]*)?"', lambda m: f'href="{m.group(1)}{suffix}.html{m.group(2) or ""}"', page)


def chromium(binary, args, timeout=180):
    with tempfile.TemporaryDirectory(prefix="sgps-chromium-") as profile:
        cmd = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def print_pdf(binary, html_path, pdf_path):
    r = chromium(binary, ["--no-pdf-header-footer", "--virtual-time-budget=10000", f"--print-to-pdf={pdf_path}", "file://" + os.path.abspath(html_path)])
    if not os.path.exists(pdf_path) or os.path.getsize(pdf_path) == 0:
        raise RuntimeError(f"Chromium did not print {pdf_path}:\n{r.stderr[-2000:]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--executed", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--plotly", required=True, help="plotly.js (minified) to embed")
    ap.add_argument("--pdf", action="store_true")
    ap.add_argument("--chromium", default="chromium")
    args = ap.parse_args()

    with open(args.plotly, encoding="utf-8") as f:
        # A literal "</script" inside the embedded source would end the element early.
        plotly_js = f.read().replace("</script", "<\\/script")
    os.makedirs(args.out, exist_ok=True)
    names = sorted(n for n in os.listdir(args.executed) if n.endswith(".ipynb"))
    if not names:
        sys.exit(f"build_handouts: no executed notebooks in {args.executed}")
    entries = []
    for name in names:
        stem = name[: -len(".ipynb")]
        nb = nbformat.read(os.path.join(args.executed, name), as_version=4)
        title = notebook_title(nb, stem)
        files = {}
        for student in (True, False):
            suffix = "" if student else ".instrutor"
            who = "versão do aluno (sem soluções)" if student else "versão do instrutor (com soluções)"
            banner = f"semantic-gps — {title} — {who}"
            page = link_handouts(export(nb, plotly_js, banner, student), suffix)
            html_path = os.path.join(args.out, f"{stem}{suffix}.html")
            with open(html_path, "w", encoding="utf-8") as f:
                f.write(page)
            files["html" + suffix] = os.path.basename(html_path)
            if args.pdf:
                pdf_path = os.path.join(args.out, f"{stem}{suffix}.pdf")
                print_pdf(args.chromium, html_path, pdf_path)
                files["pdf" + suffix] = os.path.basename(pdf_path)
        entries.append((stem, title, files))
        print(f"  handout: {stem} ({', '.join(sorted(files.values()))})", flush=True)

    rows = []
    for stem, title, files in entries:
        links = [f'<a href="{html.escape(files["html"])}">aluno (HTML)</a>', f'<a href="{html.escape(files["html.instrutor"])}">instrutor (HTML)</a>']
        if "pdf" in files:
            links += [f'<a href="{html.escape(files["pdf"])}">aluno (PDF)</a>', f'<a href="{html.escape(files["pdf.instrutor"])}">instrutor (PDF)</a>']
        rows.append(f"<li><strong>{html.escape(title)}</strong><br>{' · '.join(links)}</li>")
    index = (
        "<!DOCTYPE html><html lang=\"pt-BR\"><head><meta charset=\"utf-8\"><title>semantic-gps — apostilas</title>"
        "<style>body{font-family:sans-serif;max-width:760px;margin:2em auto;line-height:1.5}li{margin:0.8em 0}</style></head><body>"
        "<h1>semantic-gps — apostilas do curso</h1>"
        "<p>Loss functions para proximidade semântica, em TypeScript. Cada capítulo tem a versão do aluno "
        "(exercícios sem solução) e a do instrutor (com soluções). Tudo funciona offline.</p>"
        f"<ol>{''.join(rows)}</ol></body></html>"
    )
    with open(os.path.join(args.out, "index.html"), "w", encoding="utf-8") as f:
        f.write(index)
    print(f"  index: {os.path.join(args.out, 'index.html')}", flush=True)


if __name__ == "__main__":
    main()
