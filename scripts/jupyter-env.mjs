/**
 * The project-local Jupyter: every script that starts Jupyter (set-up, lab, the notebook runner,
 * tests) takes its environment from here, so the user's own Jupyter (~/.jupyter,
 * ~/.local/share/jupyter) is never read or written.
 *
 *   import { jupyterEnv, jupyterPython } from "./jupyter-env.mjs";
 *   spawn(jupyterPython(), ["-m", "nbclient", ...], { env: jupyterEnv() });
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root (this file lives in scripts/). */
export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
/** Everything Jupyter keeps for this project (gitignored). */
export const JUPYTER_DIR = join(ROOT, ".jupyter");
/** Searched first for kernel specs: kernels live in `<JUPYTER_PATH>/kernels/<name>/kernel.json`. */
export const JUPYTER_PATH = join(JUPYTER_DIR, "share", "jupyter");
export const KERNELS_DIR = join(JUPYTER_PATH, "kernels");
/** Our kernel's spec name, and stock tslab's (registered only to compare conformance scores). */
export const KERNEL_NAME = "semantic-gps";
export const TSLAB_KERNEL_NAME = "tslab";
/** Written by scripts/setup-jupyter.mjs: which Python has nbclient, nbconvert and notebook. */
export const SETUP_FILE = join(JUPYTER_DIR, "setup.json");

/** `base` (default: this process's environment) with every Jupyter directory set under .jupyter/. */
export function jupyterEnv(base = process.env) {
  return {
    ...base,
    JUPYTER_PATH,
    JUPYTER_DATA_DIR: join(JUPYTER_DIR, "data"),
    JUPYTER_RUNTIME_DIR: join(JUPYTER_DIR, "runtime"),
    JUPYTER_CONFIG_DIR: join(JUPYTER_DIR, "config"),
    IPYTHONDIR: join(JUPYTER_DIR, "ipython"),
  };
}

/** The Python interpreter chosen by the set-up, or null before `npm run setup` has run. */
export function jupyterPython() {
  if (!existsSync(SETUP_FILE)) return null;
  const { python } = JSON.parse(readFileSync(SETUP_FILE, "utf8"));
  return typeof python === "string" && existsSync(python) ? python : null;
}

/** Whether the set-up has run and registered `name` (default: our kernel). */
export function isKernelRegistered(name = KERNEL_NAME) {
  return jupyterPython() !== null && existsSync(join(KERNELS_DIR, name, "kernel.json"));
}
