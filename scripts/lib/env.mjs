// Shared by the project's scripts: where things are, and the environment every Jupyter call
// gets (project-local JUPYTER_PATH and friends — the user's global Jupyter is never touched).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const JUPYTER_DIR = join(ROOT, ".jupyter");
export const JUPYTER_DATA = join(JUPYTER_DIR, "share", "jupyter");

/** process.env plus the project-local Jupyter directories. */
export function jupyterEnv(base = process.env) {
  return {
    ...base,
    JUPYTER_PATH: JUPYTER_DATA,
    JUPYTER_DATA_DIR: JUPYTER_DATA,
    JUPYTER_CONFIG_DIR: join(JUPYTER_DIR, "config"),
    JUPYTER_RUNTIME_DIR: join(JUPYTER_DIR, "runtime"),
    IPYTHONDIR: join(JUPYTER_DIR, "ipython"),
  };
}

const PY_PROBE = "import nbclient, nbconvert, notebook, nbformat";

/** The first Python that has nbclient, nbconvert and the notebook UI, or null. */
export function findJupyterPython() {
  const candidates = [process.env.SEMANTIC_GPS_PYTHON, join(ROOT, ".venv", "bin", "python"), "python3", "/usr/bin/python3"].filter(Boolean);
  for (const py of candidates) {
    const r = spawnSync(py, ["-c", PY_PROBE], { stdio: "ignore" });
    if (r.status === 0) return py;
  }
  return null;
}

/** Like findJupyterPython, but stops with the command to run when there is none. */
export function jupyterPython() {
  const py = findJupyterPython();
  if (py === null) {
    console.error("No Python with Jupyter (nbclient, nbconvert, notebook) was found. Run: npm run setup");
    process.exit(1);
  }
  return py;
}

/** Debian's Chromium (or $CHROME_PATH). */
export function chromiumPath() {
  for (const c of [process.env.CHROME_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].filter(Boolean)) {
    if (existsSync(c)) return c;
  }
  console.error("Chromium is needed to print PDF handouts. On Debian/Ubuntu: sudo apt-get install chromium (or pass --no-pdf)");
  process.exit(1);
}

/**
 * plotly.js from the local `plotly.js-dist` package, minified once with esbuild into
 * build/cache/plotly.min.js (≈ half the size of the shipped unminified file).
 */
export function buildPlotlyBundle() {
  const require = createRequire(join(ROOT, "package.json"));
  const source = require.resolve("plotly.js-dist/plotly.js");
  const out = join(ROOT, "build", "cache", "plotly.min.js");
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(source).mtimeMs) return out;
  mkdirSync(dirname(out), { recursive: true });
  const esbuild = require("esbuild");
  const { code } = esbuild.transformSync(readFileSync(source, "utf8"), { minify: true, legalComments: "inline" });
  writeFileSync(out, code);
  return out;
}

/** Runs a command with the project-local Jupyter environment, inheriting stdio. */
export function runJupyter(python, args, opts = {}) {
  return execFileSync(python, args, { stdio: "inherit", env: jupyterEnv(), ...opts });
}
