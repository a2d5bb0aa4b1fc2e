/** The kernel's ESM support in isolation: reading `exports` types, and rewriting tslab's output. */
import "../helpers/setup";
import assert from "node:assert/strict";
import { test } from "node:test";
import { exposeExportsTypes, isEsmPackage, rewriteEsmRequires } from "semantic-gps/dist/kernel/esm";

const ROOT = process.cwd();

function sysReading(files: Record<string, string>) {
  const sys = { readFile: (path: string): string | undefined => files[path] };
  exposeExportsTypes(sys);
  return sys;
}

test("a package.json without types shows exports['.'].types as its types field", () => {
  const pkg = { name: "p", exports: { ".": { import: { types: "./build/index.d.ts", default: "./x.js" } } } };
  const read = JSON.parse(sysReading({ "/n/p/package.json": JSON.stringify(pkg) }).readFile("/n/p/package.json")!);
  assert.equal(read.types, "./build/index.d.ts");
});

test("a package.json that has types, or no exports types, and other files are read unchanged", () => {
  const typed = JSON.stringify({ types: "a.d.ts", exports: { ".": { types: "b.d.ts" } } });
  const untyped = JSON.stringify({ exports: { ".": "./index.js" } });
  const sys = sysReading({ "/a/package.json": typed, "/b/package.json": untyped, "/c/x.json": untyped });
  assert.equal(sys.readFile("/a/package.json"), typed);
  assert.equal(sys.readFile("/b/package.json"), untyped);
  assert.equal(sys.readFile("/c/x.json"), untyped);
  assert.equal(sys.readFile("/missing/package.json"), undefined);
});

test("vega-lite and vega are ES modules; the library, tfjs, node builtins and missing packages are not", () => {
  assert.equal(isEsmPackage("vega-lite", ROOT), true);
  assert.equal(isEsmPackage("vega", ROOT), true);
  assert.equal(isEsmPackage("semantic-gps", ROOT), false);
  assert.equal(isEsmPackage("@tensorflow/tfjs", ROOT), false);
  assert.equal(isEsmPackage("fs", ROOT), false);
  assert.equal(isEsmPackage("no-such-package-anywhere", ROOT), false);
});

test("top-level requires of ES-module packages become awaited imports; everything else stays", () => {
  const js = [
    `const vl = __importStar(require("vega-lite"));`,
    `const vega_1 = require("vega");`,
    `const semantic_gps_1 = require("semantic-gps");`,
    `const fs = __importStar(require("fs"));`,
    `const local = require("./helper");`,
    `function later() {`,
    `    return require("vega-lite");`,
    `}`,
  ].join("\n");
  const out = rewriteEsmRequires(js, ROOT)!.split("\n");
  const importer = `globalThis[Symbol.for("semantic-gps.kernel.import")]`;
  assert.equal(out[0], `const vl = __importStar((await ${importer}("vega-lite")));`);
  assert.equal(out[1], `const vega_1 = (await ${importer}("vega"));`);
  assert.deepEqual(out.slice(2), js.split("\n").slice(2));
});

test("output without ES-module imports is left alone (null: the cell stays synchronous)", () => {
  assert.equal(rewriteEsmRequires(`const x = __importStar(require("semantic-gps"));\nx;`, ROOT), null);
});
