#!/usr/bin/env node
// npm run tutorial — sets everything up, executes every notebook headless on the project's
// kernel, and builds the offline handouts.
//
//   build/executed/   executed notebooks (outputs in place)
//   build/handouts/   index.html + per notebook: student and instructor HTML and PDF
//
// Options: --no-pdf (HTML only), --only 01 (notebooks whose name contains "01").
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { buildPlotlyBundle, chromiumPath } from "./assets.mjs";
import { jupyterEnv, jupyterPython, KERNEL_NAME, ROOT } from "./jupyter-env.mjs";

const args = process.argv.slice(2);
const pdf = !args.includes("--no-pdf");
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;

const t0 = Date.now();
const step = (text) => console.log(`\n▸ ${text}`);

step("Jupyter and the project's kernel (project-local)");
execFileSync(process.execPath, [join(ROOT, "scripts", "setup-jupyter.mjs")], { stdio: "inherit" });
const python = jupyterPython();
if (python === null) {
  console.error("tutorial: the set-up did not find a Python with Jupyter; see the messages above.");
  process.exit(1);
}
const env = jupyterEnv();

const notebooks = readdirSync(join(ROOT, "notebooks"))
  .filter((n) => n.endsWith(".ipynb") && (only === undefined || n.includes(only)))
  .sort()
  .map((n) => join(ROOT, "notebooks", n));
if (notebooks.length === 0) {
  console.error(`tutorial: no notebook in notebooks/${only ? ` matches "${only}"` : ""}`);
  process.exit(1);
}

const executed = join(ROOT, "build", "executed");
const handouts = join(ROOT, "build", "handouts");
rmSync(executed, { recursive: true, force: true });
mkdirSync(executed, { recursive: true });

step(`Executing ${notebooks.length} notebook(s) on the "${KERNEL_NAME}" kernel`);
const run = spawnSync(
  python,
  [join(ROOT, "scripts", "run_notebooks.py"), "--kernel", KERNEL_NAME, "--out", executed, "--json", join(ROOT, "build", "run-summary.json"), ...notebooks],
  { stdio: "inherit", env },
);
if (run.status !== 0) {
  console.error("\ntutorial: some notebooks failed (see above); executed copies are in build/executed/.");
  process.exit(run.status ?? 1);
}

step(`Building handouts${pdf ? " (HTML and PDF)" : " (HTML)"}`);
rmSync(handouts, { recursive: true, force: true });
const plotly = buildPlotlyBundle();
const chromium = chromiumPath();
if (pdf && chromium === null) {
  console.error("tutorial: Chromium prints the PDF handouts. On Debian/Ubuntu: apt-get install chromium — or run with --no-pdf.");
  process.exit(1);
}
const hand = spawnSync(
  python,
  [join(ROOT, "scripts", "build_handouts.py"), "--executed", executed, "--out", handouts, "--plotly", plotly, ...(pdf ? ["--pdf", "--chromium", chromium] : [])],
  { stdio: "inherit", env },
);
if (hand.status !== 0) process.exit(hand.status ?? 1);

const size = readdirSync(handouts).reduce((s, n) => s + statSync(join(handouts, n)).size, 0);
console.log(`
Done in ${((Date.now() - t0) / 1000).toFixed(0)} s.
  executed notebooks: ${relative(process.cwd(), executed)}/
  handouts:           ${relative(process.cwd(), join(handouts, "index.html"))} (${(size / 1e6).toFixed(1)} MB in all)

To open the notebooks interactively:  npm run lab
`);
if (!existsSync(join(handouts, "index.html"))) process.exit(1);
