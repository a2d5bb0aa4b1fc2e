#!/usr/bin/env node
/**
 * `npm run lab`: Jupyter Notebook on notebooks/ with the project-local Jupyter, where
 * "TypeScript (semantic-gps)" is the default kernel. Extra arguments go to Notebook
 * (`npm run lab -- --no-browser --port 8899`).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { jupyterEnv, ROOT } from "./jupyter-env.mjs";
import { setup } from "./setup-jupyter.mjs";

const python = await setup();
const args = ["-m", "notebook", `--notebook-dir=${join(ROOT, "notebooks")}`];
// Notebook refuses to start as root unless told; containers and CI machines often run as root.
if (typeof process.getuid === "function" && process.getuid() === 0) args.push("--allow-root");
args.push(...process.argv.slice(2));

const child = spawn(python, args, { stdio: "inherit", env: jupyterEnv() });
// Ctrl-C reaches Notebook through the terminal; wait for it to shut down, then exit the same way.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
