// Files the handouts and the classic Notebook need from local npm packages (nothing is fetched).
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ROOT } from "./jupyter-env.mjs";

/**
 * plotly.js from the local `plotly.js-dist` package, minified once with esbuild into
 * build/cache/plotly.min.js (about half the size of the shipped unminified file).
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

/** Debian's Chromium (or $CHROME_PATH), or null. */
export function chromiumPath() {
  for (const c of [process.env.CHROME_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].filter(Boolean)) {
    if (existsSync(c)) return c;
  }
  return null;
}
