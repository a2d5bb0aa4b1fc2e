/**
 * The rooms of src/ and which may import which (README, "Architecture"): data flows down the
 * table, so a loss never imports a figure, a figure never touches tfjs kernels, and only
 * display/ and kernel/ know a notebook exists.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const SRC = join(__dirname, "..", "src");

const ALLOWED: Record<string, string[]> = {
  internal: [],
  distances: ["internal"],
  reducers: ["internal"],
  losses: ["internal", "distances", "reducers"],
  miners: ["internal", "distances"],
  eval: ["internal", "distances", "reducers", "losses", "miners"],
  figures: ["internal"],
  display: ["internal", "figures"],
  train: ["internal", "distances", "reducers", "losses", "miners", "eval", "figures", "display"],
  kernel: ["internal", "display"],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

const sources = files(SRC).map((path) => ({ path, rel: relative(SRC, path), text: readFileSync(path, "utf8") }));

describe("architecture", () => {
  it("every folder of src/ is a known room", () => {
    for (const s of sources) {
      const room = s.rel.includes("/") ? (s.rel.split("/")[0] as string) : null;
      if (room !== null) assert.ok(room in ALLOWED, `${s.rel}: unknown room '${room}'`);
    }
  });

  it("each room imports only the rooms above it", () => {
    const bad: string[] = [];
    for (const s of sources) {
      const room = s.rel.includes("/") ? (s.rel.split("/")[0] as string) : null;
      if (room === null) continue; // index.ts re-exports everything; backend.ts imports tfjs and internal/simd
      for (const m of s.text.matchAll(/from\s+"\.\.\/([a-z]+)\//g)) {
        const target = m[1] as string;
        if (!(ALLOWED[room] ?? []).includes(target)) bad.push(`${s.rel} imports ${target}/`);
      }
      if (/from\s+"\.\.\/(index|backend)"/.test(s.text)) bad.push(`${s.rel} imports the package root`);
    }
    assert.deepEqual(bad, []);
  });

  it("figures are pure: no tfjs, no kernel, no DOM", () => {
    for (const s of sources.filter((x) => x.rel.startsWith("figures/"))) {
      assert.doesNotMatch(s.text, /from\s+"@tensorflow\//, `${s.rel} imports tfjs`);
      assert.doesNotMatch(s.text, /\bdocument\.|\bwindow\./, `${s.rel} touches the DOM`);
    }
  });

  it("only display/ and kernel/ know the notebook's display channel, and only kernel/ imports tslab", () => {
    for (const s of sources) {
      if (!s.rel.startsWith("display/") && !s.rel.startsWith("kernel/")) {
        assert.doesNotMatch(s.text, /semantic-gps\.display-sink/, `${s.rel} reaches for the display sink`);
      }
      if (!s.rel.startsWith("kernel/")) assert.doesNotMatch(s.text, /from\s+"tslab/, `${s.rel} imports tslab`);
    }
  });

  it("index.ts only re-exports", () => {
    const index = sources.find((s) => s.rel === "index.ts");
    assert.ok(index);
    const statements = index.text.split("\n").filter((l) => l.trim() && !l.trim().startsWith("//") && !l.trim().startsWith("*") && !l.trim().startsWith("/*"));
    const joined = statements.join("\n");
    assert.doesNotMatch(joined.replace(/export\s+(type\s+)?\{[^}]*\}\s+from\s+"[^"]+";/g, "").replace(/export\s+\*\s+from\s+"[^"]+";/g, ""), /\S/);
  });
});
