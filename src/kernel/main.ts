#!/usr/bin/env node
/**
 * Entry point of the "TypeScript (semantic-gps)" Jupyter kernel:
 * `node dist/kernel/main.js --connection-file <file>` (Jupyter fills in the file; see
 * scripts/setup-jupyter.mjs). Code runs with the notebook's folder as root, as in tslab.
 */
import { createRequire } from "node:module";
import { createConverter, type Converter, type Diagnostic } from "tslab/dist/converter";
import { createExecutor, type ConverterSet } from "tslab/dist/executor";
import { exposeExportsTypes, installEsmImporter, rewriteEsmRequires } from "./esm";
import { Kernel } from "./server";

/**
 * tslab's converter, recording diagnostics (with their TS codes, which tslab's printout drops)
 * and rewriting imports of ES-module packages into awaited dynamic imports.
 */
function wrapConverter(conv: Converter, rootDir: string, record: (d: Diagnostic[]) => void): Converter {
  return {
    convert(prevDecl, src) {
      const result = conv.convert(prevDecl, src);
      if (result.diagnostics.length > 0) record(result.diagnostics);
      const rewritten = result.output === undefined ? null : rewriteEsmRequires(result.output, rootDir);
      return rewritten === null ? result : { ...result, output: rewritten, hasToplevelAwait: true };
    },
    addModule(name, content, meta) {
      const diagnostics = conv.addModule(name, content, meta);
      if (diagnostics.length > 0) record(diagnostics);
      return diagnostics;
    },
    inspect: (prevDecl, src, position) => conv.inspect(prevDecl, src, position),
    complete: (prevDecl, src, position) => conv.complete(prevDecl, src, position),
    close: () => conv.close(),
  };
}

function connectionFileFromArgs(argv: readonly string[]): string {
  const at = argv.indexOf("--connection-file");
  const file = at >= 0 ? argv[at + 1] : argv[0];
  if (file === undefined) {
    process.stderr.write("usage: node dist/kernel/main.js --connection-file <kernel-*.json>\n");
    process.exit(2);
  }
  return file;
}

function main(): void {
  const connectionFile = connectionFileFromArgs(process.argv.slice(2));
  const rootDir = process.cwd();
  // tslab's TypeScript (5.0.4) is its own package; reach it from tslab's location.
  const ts = createRequire(require.resolve("tslab"))("@tslab/typescript-for-tslab") as typeof import("@tslab/typescript-for-tslab");
  exposeExportsTypes(ts.sys);
  installEsmImporter(rootDir);

  let kernel: Kernel | null = null;
  const record = (d: Diagnostic[]): void => {
    if (kernel) kernel.outcome.diagnostics.push(...d);
  };
  let node: Converter | undefined;
  let browser: Converter | undefined;
  const convs: ConverterSet = {
    get node() {
      return (node ??= wrapConverter(createConverter({ isJS: false, isBrowser: false }), rootDir, record));
    },
    get browser() {
      return (browser ??= wrapConverter(createConverter({ isJS: false, isBrowser: true }), rootDir, record));
    },
    close() {
      node?.close();
      browser?.close();
    },
  };
  void convs.node; // warm the compiler before the first cell, as tslab does

  // tslab's executor reports through this console: `log` gets the last expression's value,
  // `error` a thrown value (one argument) or a printf-style diagnostic, already recorded above.
  const executorConsole = {
    log(value?: unknown): void {
      if (kernel) Object.assign(kernel.outcome, { hasValue: true, value });
    },
    error(first?: unknown, ...rest: unknown[]): void {
      if (kernel && rest.length === 0) Object.assign(kernel.outcome, { threw: true, thrown: first });
    },
  };
  const executor = createExecutor(rootDir, convs, executorConsole);
  kernel = new Kernel(executor, connectionFile);
  kernel.installOutputs();

  // Interrupt: a synchronous cell is stopped by vm's breakOnSigint; an awaiting one by this.
  // Either way the process and every variable survive.
  process.on("SIGINT", () => executor.interrupt());
  process.on("uncaughtException", (err) => console.error("Uncaught exception (after the cell finished):", err));
  process.on("unhandledRejection", (reason) => console.error("Unhandled promise rejection:", reason));
  void kernel.init();
}

main();
