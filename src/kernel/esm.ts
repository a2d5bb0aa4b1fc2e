/**
 * ESM-only packages in tslab cells (`import * as vl from "vega-lite"`).
 *
 * tslab type-checks with Node10 module resolution, which ignores `exports`, and runs cells as
 * CommonJS, turning every import into `require()`. Two things break for an ESM-only package
 * such as vega-lite 6: TypeScript finds no declarations (it has no top-level `types`), and
 * `require()` throws ERR_REQUIRE_ASYNC_MODULE because vega-canvas uses a top-level await. So:
 *
 * 1. {@link exposeExportsTypes} lets Node10 resolution see `exports["."].types` by presenting it
 *    as a top-level `types` field when TypeScript reads a package.json;
 * 2. {@link rewriteEsmRequires} turns the top-level `require("pkg")` that tslab emits for an ES
 *    module into `await import()` (through {@link installEsmImporter}), and marks the cell async.
 *
 * Relative imports and CommonJS packages are left to tslab untouched.
 */
import { existsSync, readFileSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import { pathToFileURL } from "node:url";

/** Where cells find the importer; the rewritten code calls it through this registry symbol. */
export const ESM_IMPORTER = Symbol.for("semantic-gps.kernel.import");

/** The part of TypeScript's `sys` we wrap (tslab's compiler host reads package.json through it). */
interface ReadableSys {
  readFile(path: string, encoding?: string): string | undefined;
}

/** The first `types` condition inside an `exports` entry (depth first, in declaration order). */
function typesCondition(entry: unknown): string | undefined {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return undefined;
  for (const [condition, target] of Object.entries(entry)) {
    if (condition === "types" && typeof target === "string") return target;
    const nested = typesCondition(target);
    if (nested !== undefined) return nested;
  }
  return undefined;
}

/**
 * Wraps `sys.readFile` so that a package.json without `types`/`typings` but with
 * `exports["."]` naming a `types` condition is read as if it had `"types": <that path>`.
 */
export function exposeExportsTypes(sys: ReadableSys): void {
  const readFile = sys.readFile.bind(sys);
  sys.readFile = (path, encoding) => {
    const text = readFile(path, encoding);
    if (text === undefined || !path.endsWith("/package.json")) return text;
    try {
      const pkg = JSON.parse(text) as Record<string, unknown>;
      if (pkg.types !== undefined || pkg.typings !== undefined) return text;
      const exportsField = pkg.exports as Record<string, unknown> | undefined;
      const root = typeof exportsField === "object" && exportsField !== null && "." in exportsField ? exportsField["."] : undefined;
      const types = typesCondition(root);
      return types === undefined ? text : JSON.stringify({ ...pkg, types });
    } catch {
      return text;
    }
  };
}

/** Whether the file that `specifier` resolves to from `fromDir` is an ES module. */
export function isEsmPackage(specifier: string, fromDir: string): boolean {
  let file: string;
  try {
    file = createRequire(join(fromDir, "[cell].js")).resolve(specifier);
  } catch (e) {
    // An `exports` map offering only an "import" condition is an ES module by definition.
    return (e as NodeJS.ErrnoException).code === "ERR_PACKAGE_PATH_NOT_EXPORTED";
  }
  const ext = extname(file);
  if (ext === ".mjs") return true;
  if (ext !== ".js") return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, "utf8")) as { type?: string }).type === "module";
    if (dirname(dir) === dir) return false;
  }
}

/**
 * A top-level statement emitted by TypeScript for an import: `const x = __importStar(require("p"))`,
 * `const p_1 = require("p")`, `__exportStar(require("p"), exports)` or a bare `require("p")`.
 * TypeScript prints top-level statements at column 0, so nested `require`s never match.
 */
const TOP_LEVEL_REQUIRE =
  /^((?:(?:const|let|var) [\w$]+ = )?(?:__importStar\(|__importDefault\(|__exportStar\()?)require\("([^"]+)"\)/gm;

const BUILTINS = new Set(builtinModules);

/** Whether `specifier` names an npm package (not a relative path, a builtin or tslab itself). */
function isPackageSpecifier(specifier: string): boolean {
  return !specifier.startsWith(".") && !specifier.startsWith("/") && !specifier.startsWith("node:") &&
    !BUILTINS.has(specifier) && specifier !== "tslab";
}

/**
 * Rewrites the top-level `require()`s of ES-module packages in tslab's CommonJS output into
 * awaited dynamic imports. Returns null when nothing needed rewriting.
 */
export function rewriteEsmRequires(js: string, fromDir: string): string | null {
  let changed = false;
  const out = js.replace(TOP_LEVEL_REQUIRE, (whole, head: string, specifier: string) => {
    if (!isPackageSpecifier(specifier) || !isEsmPackage(specifier, fromDir)) return whole;
    changed = true;
    return `${head}(await globalThis[Symbol.for(${JSON.stringify(ESM_IMPORTER.description)})](${JSON.stringify(specifier)}))`;
  });
  return changed ? out : null;
}

/**
 * Installs the importer that rewritten cells call. It resolves from `fromDir` (the notebook's
 * folder, like tslab's own `require`) and returns the module namespace; a namespace with a
 * default export is marked `__esModule` — as Node's own `require(esm)` does — so that
 * TypeScript's `__importDefault` helper picks the real default.
 */
export function installEsmImporter(fromDir: string): void {
  const resolveFrom = createRequire(join(fromDir, "[cell].js"));
  const importer = async (specifier: string): Promise<unknown> => {
    let target: string;
    try {
      target = pathToFileURL(resolveFrom.resolve(specifier)).href;
    } catch {
      target = specifier; // import-only `exports`: let Node's ESM resolver find it
    }
    const ns = (await import(target)) as Record<string, unknown>;
    return "default" in ns ? { __esModule: true, ...ns } : ns;
  };
  (globalThis as Record<symbol, unknown>)[ESM_IMPORTER] = importer;
}
