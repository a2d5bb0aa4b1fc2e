#!/usr/bin/env node
/**
 * Project-local Jupyter set-up (`npm run setup`; idempotent, about a second when all is there):
 *
 * 1. find a Python with nbclient + nbconvert + notebook (the kernel conformance test also wants
 *    jupyter_kernel_test; $PYTHON, if set, is tried first). If there is none: a project virtualenv (.venv) with pip where the
 *    Python package index is reachable; else, as root on Debian/Ubuntu, apt-get; else stop
 *    with the exact command to run;
 * 2. register the kernel "TypeScript (semantic-gps)" (and stock tslab, only to compare scores)
 *    under .jupyter/share/jupyter/kernels, and make it the default kernel of `npm run lab`.
 *
 * Nothing outside the repository is written, except packages apt-get or pip install.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  JUPYTER_DIR, JUPYTER_PATH, KERNEL_NAME, KERNELS_DIR, ROOT, SETUP_FILE, TSLAB_KERNEL_NAME, jupyterEnv,
} from "./jupyter-env.mjs";
import { buildPlotlyBundle } from "./assets.mjs";

/** Debian 12 / Ubuntu packages giving nbclient, nbconvert, classic Notebook and the kernel test suite. */
export const APT_PACKAGES = [
  "jupyter-client", "python3-nbclient", "python3-nbconvert", "python3-ipykernel", "jupyter-notebook",
  "python3-jupyter-kernel-test",
];
/** The same from the Python package index. */
export const PIP_PACKAGES = ["nbclient", "nbconvert", "notebook", "ipykernel", "jupyter_kernel_test"];
const REQUIRED_MODULES = ["nbclient", "nbconvert", "notebook", "jupyter_client"];
const VENV_DIR = join(ROOT, ".venv");
const VENV_PYTHON = join(VENV_DIR, "bin", "python");
const PYPI_PROBE_URL = "https://pypi.org/simple/pip/";
/** How long to wait for the package index before deciding it is unreachable. */
const PYPI_TIMEOUT_MS = 5000;

const log = (text) => process.stdout.write(`[setup] ${text}\n`);

/** The absolute path of `python` if it imports every module in `modules`, else null. */
function probe(python, modules) {
  const r = spawnSync(python, ["-c", `import ${modules.join(", ")}, sys; print(sys.executable)`], {
    encoding: "utf8",
    env: jupyterEnv(),
  });
  return r.status === 0 ? r.stdout.trim() : null;
}

function candidates() {
  return [process.env.PYTHON, VENV_PYTHON, "python3", "/usr/bin/python3", "/usr/local/bin/python3", "python"].filter(Boolean);
}

/** First candidate with everything (incl. jupyter_kernel_test), else the first with the required modules. */
function findPython() {
  for (const py of candidates()) {
    const found = probe(py, [...REQUIRED_MODULES, "jupyter_kernel_test"]);
    if (found) return found;
  }
  for (const py of candidates()) {
    const found = probe(py, REQUIRED_MODULES);
    if (found) return found;
  }
  return null;
}

function run(cmd, args) {
  log(`$ ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  return r.status === 0;
}

async function pypiReachable() {
  try {
    const res = await fetch(PYPI_PROBE_URL, { method: "HEAD", signal: AbortSignal.timeout(PYPI_TIMEOUT_MS) });
    return res.ok;
  } catch {
    return false;
  }
}

function isDebianLike() {
  const r = spawnSync("sh", ["-c", ". /etc/os-release && echo \"$ID $ID_LIKE\""], { encoding: "utf8" });
  return r.status === 0 && /\b(debian|ubuntu)\b/.test(r.stdout) && spawnSync("apt-get", ["--version"]).status === 0;
}

/** Tries pip into .venv; false (and no half-made .venv left behind) when that is not possible. */
async function installWithPip() {
  const basePython = ["python3", "/usr/bin/python3", "python"].find((py) => probe(py, ["venv"]));
  if (!basePython || !(await pypiReachable())) return false;
  log("no Python with nbclient/nbconvert/notebook found; installing them into .venv with pip");
  const fresh = !existsSync(VENV_PYTHON);
  if (fresh && !run(basePython, ["-m", "venv", VENV_DIR])) {
    rmSync(VENV_DIR, { recursive: true, force: true }); // Debian without python3-venv leaves a venv without pip
    return false;
  }
  if (run(VENV_PYTHON, ["-m", "pip", "install", "--quiet", ...PIP_PACKAGES])) return true;
  if (fresh) rmSync(VENV_DIR, { recursive: true, force: true });
  return false;
}

async function installJupyter() {
  if (await installWithPip()) return;
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (root && isDebianLike()) {
    log("installing Jupyter from the distribution with apt-get");
    if (run("apt-get", ["update"]) && run("apt-get", ["install", "-y", ...APT_PACKAGES])) return;
  }
  throw new Error(
    "no Jupyter with nbclient, nbconvert and notebook was found, and it cannot be installed from here.\n" +
      `Run one of these, then npm run setup again:\n  sudo apt-get install -y ${APT_PACKAGES.join(" ")}\n` +
      `  python3 -m venv .venv && .venv/bin/python -m pip install ${PIP_PACKAGES.join(" ")}` +
      "   (needs python3-venv and the Python package index)",
  );
}

/** The Python to run Jupyter with, installing Jupyter first when none is found. */
export async function ensureJupyter() {
  let python = findPython();
  if (!python) {
    await installJupyter();
    python = findPython();
    if (!python) throw new Error("Jupyter was installed but no Python can import nbclient, nbconvert and notebook");
  }
  return python;
}

function writeJson(path, value) {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Writes both kernel specs, the Notebook default-kernel config and .jupyter/setup.json. */
export function registerKernels(python) {
  const kernelMain = join(ROOT, "dist", "kernel", "main.js");
  if (!existsSync(kernelMain)) log(`warning: ${kernelMain} is missing; run npm run build`);
  writeJson(join(KERNELS_DIR, KERNEL_NAME, "kernel.json"), {
    argv: [process.execPath, kernelMain, "--connection-file", "{connection_file}"],
    display_name: "TypeScript (semantic-gps)",
    language: "typescript",
    interrupt_mode: "signal",
    metadata: { debugger: false },
  });
  writeJson(join(KERNELS_DIR, TSLAB_KERNEL_NAME, "kernel.json"), {
    argv: [process.execPath, join(ROOT, "node_modules", "tslab", "bin", "tslab"), "kernel", "--config-path", "{connection_file}"],
    display_name: "TypeScript (stock tslab 1.0.22)",
    language: "typescript",
  });
  // Classic Notebook 6 reads jupyter_notebook_config, Notebook 7 / jupyter_server the other.
  const defaults = { MappingKernelManager: { default_kernel_name: KERNEL_NAME } };
  writeJson(join(JUPYTER_DIR, "config", "jupyter_notebook_config.json"), defaults);
  writeJson(join(JUPYTER_DIR, "config", "jupyter_server_config.json"), defaults);
  for (const dir of ["data", "runtime", "ipython"]) mkdirSync(join(JUPYTER_DIR, dir), { recursive: true });
  writeJson(SETUP_FILE, { python, node: process.execPath, kernels: [KERNEL_NAME, TSLAB_KERNEL_NAME] });
}

/**
 * Installs plotly.js (from the local plotly.js-dist package, minified) as a project-local
 * nbextension, so figures in the classic Notebook upgrade from their static SVG to interactive
 * charts without any CDN (see src/display/figure.ts).
 */
export function installPlotlyExtension() {
  const target = join(JUPYTER_PATH, "nbextensions", "semantic-gps", "plotly.min.js");
  const source = buildPlotlyBundle();
  if (!existsSync(target) || statSync(target).mtimeMs < statSync(source).mtimeMs) {
    mkdirSync(join(target, ".."), { recursive: true });
    copyFileSync(source, target);
  }
}

/** Finds (or installs) Jupyter, registers the kernels and the Plotly extension; returns the Python to use. */
export async function setup() {
  const python = await ensureJupyter();
  registerKernels(python);
  installPlotlyExtension();
  return python;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    const python = await setup();
    log(`Jupyter Python: ${python}`);
    log(`kernels "${KERNEL_NAME}" and "${TSLAB_KERNEL_NAME}" registered in ${KERNELS_DIR}`);
    log("open the notebooks with: npm run lab");
  } catch (e) {
    process.stderr.write(`[setup] ${e instanceof Error ? e.message : e}\n`);
    process.exit(1);
  }
}
