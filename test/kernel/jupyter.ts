/**
 * The project-local Jupyter for the kernel tests: runs the (idempotent) set-up when a kernel is
 * not registered yet, then runs Python helpers with JUPYTER_PATH & co. pointing into .jupyter/.
 */
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";

export interface Jupyter {
  python: string;
  env: NodeJS.ProcessEnv;
  root: string;
}

export async function projectJupyter(): Promise<Jupyter> {
  const m = await import("../../scripts/jupyter-env.mjs");
  if (!m.isKernelRegistered(m.KERNEL_NAME) || !m.isKernelRegistered(m.TSLAB_KERNEL_NAME)) {
    execFileSync(process.execPath, [join(m.ROOT, "scripts", "setup-jupyter.mjs")], { stdio: "inherit" });
  }
  const python = m.jupyterPython();
  if (python === null) throw new Error("the Jupyter set-up did not record a Python (see npm run setup)");
  return { python, env: m.jupyterEnv(), root: m.ROOT };
}

/** Runs `python script args…` in the project Jupyter; resolves with its exit code and output. */
export function runPython(
  jupyter: Jupyter,
  args: string[],
  cwd: string = jupyter.root,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(jupyter.python, args, { cwd, env: jupyter.env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The JSON a Python helper printed on its `RESULT ` line. */
export function resultLine<T>(stdout: string, stderr: string): T {
  const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (line === undefined) throw new Error(`no RESULT line in the helper's output:\n${stdout}\n${stderr}`);
  return JSON.parse(line.slice("RESULT ".length)) as T;
}
