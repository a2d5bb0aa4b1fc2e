/**
 * The course end to end, as a learner and an instructor get it: `npm run tutorial` executes
 * every notebook on the project's kernel and builds the handouts; then we read what came out.
 */
import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXECUTED, HANDOUTS, ROOT, SCREENSHOTS, ensureCourseBuilt, joinText as text, plotlyOutputs, readNotebook, stdoutOf as streamText } from "./course";

const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

function chromium(args: string[]): string {
  const profile = mkdtempSync(join(tmpdir(), "sgps-test-chromium-"));
  try {
    const r = spawnSync("chromium", [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, ...args], { encoding: "utf8", timeout: 120_000, maxBuffer: 256 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${r.stderr.slice(-1000)}`);
    return r.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

describe("npm run tutorial", { timeout: 30 * 60_000 }, () => {
  let log = "";
  before(() => {
    log = ensureCourseBuilt();
  });

  it("executes every notebook in notebooks/ and writes the executed copy", () => {
    const sources = readdirSync(join(ROOT, "notebooks")).filter((n) => n.endsWith(".ipynb"));
    assert.ok(sources.length >= 1);
    for (const n of sources) assert.ok(existsSync(join(EXECUTED, n)), `${n} has no executed copy`);
    assert.match(log, new RegExp(`${sources.length} of ${sources.length} notebooks ran cleanly`));
  });

  it("notebook 01 prints the six numbers PyTorch prints for the two scenarios", () => {
    const out = streamText(readNotebook("01-rei-rainha-abacaxi.ipynb"));
    const scenario = (title: string): string => {
      const at = out.indexOf(title);
      assert.ok(at >= 0, `"${title}" not printed`);
      return out.slice(at, at + 200);
    };
    const s1 = scenario("Cenário 1 (Boa Organização)");
    assert.match(s1, /Distância Âncora-Positivo: 0\.1225/);
    assert.match(s1, /Distância Âncora-Negativo: 2\.2825/);
    assert.match(s1, /Loss Resultante: 0\.0000/);
    const s2 = scenario("Cenário 2 (Má Organização)");
    assert.match(s2, /Distância Âncora-Positivo: 0\.1225/);
    assert.match(s2, /Distância Âncora-Negativo: 0\.3464/);
    assert.match(s2, /Loss Resultante: 0\.2761/);
  });

  it("notebook 01 shows Plotly figures with data and an HTML distance table", () => {
    const cells = readNotebook("01-rei-rainha-abacaxi.ipynb");
    const figures = plotlyOutputs(cells);
    assert.ok(figures.length >= 2, `expected at least 2 Plotly figures, got ${figures.length}`);
    for (const f of figures) assert.ok(Array.isArray(f.data) && f.data.length > 0);
    const html = cells.flatMap((c) => c.outputs ?? []).map((o) => text(o.data?.["text/html"] as string | undefined)).join("");
    assert.match(html, /<table[^>]*>.*rainha.*0\.1225/s);
  });

  it("the handout of notebook 01 renders interactive Plotly charts offline, with no external script", () => {
    const file = join(HANDOUTS, "01-rei-rainha-abacaxi.html");
    const page = readFileSync(file, "utf8");
    assert.doesNotMatch(page, /<script[^>]+src=["'](file:|https?:|\/\/)/i, "a script is loaded from outside the file");
    assert.doesNotMatch(page, /<link[^>]+href=["'](file:|https?:|\/\/)[^>]*stylesheet/i, "a stylesheet is loaded from outside the file");
    const dom = chromium(["--virtual-time-budget=10000", "--dump-dom", `file://${file}`]);
    const charts = (dom.match(/class="main-svg"/g) ?? []).length;
    const figureOutputs = plotlyOutputs(readNotebook("01-rei-rainha-abacaxi.ipynb")).length;
    // Plotly draws two .main-svg layers per chart.
    assert.ok(charts >= figureOutputs, `expected rendered Plotly SVG for ${figureOutputs} figures, found ${charts} .main-svg`);
    assert.match(dom, /0\.2761/);
    mkdirSync(SCREENSHOTS, { recursive: true });
    chromium(["--virtual-time-budget=10000", "--window-size=1100,2400", `--screenshot=${join(SCREENSHOTS, "01-rei-rainha-abacaxi.png")}`, `file://${file}`]);
    assert.ok(existsSync(join(SCREENSHOTS, "01-rei-rainha-abacaxi.png")));
  });

  it("every handout shows every figure, references nothing outside itself, and prints to PDF pages", () => {
    const names = readdirSync(EXECUTED).filter((n) => n.endsWith(".ipynb")).sort();
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const name of names) {
      const stem = name.replace(/\.ipynb$/, "");
      for (const suffix of ["", ".instrutor"]) {
        const file = join(HANDOUTS, `${stem}${suffix}.html`);
        const page = readFileSync(file, "utf8");
        assert.doesNotMatch(page, /<(script|img|iframe)[^>]+src=["'](file:|https?:|\/\/)/i, `${stem}${suffix}: external reference`);
        const dom = chromium(["--virtual-time-budget=15000", "--dump-dom", `file://${file}`]);
        const figures = (page.match(/class="sgps-figure[" ]/g) ?? []).length;
        const live = (dom.match(/class="sgps-plotly-live[^"]*"/g) ?? []).length;
        const plots = (dom.match(/class="[^"]*js-plotly-plot[^"]*"/g) ?? []).length;
        assert.equal(live, figures, `${stem}${suffix}: ${figures} figures, ${live} upgraded to Plotly`);
        assert.equal(plots, figures, `${stem}${suffix}: ${figures} figures, ${plots} rendered by Plotly`);
        const pdf = join(HANDOUTS, `${stem}${suffix}.pdf`);
        const info = spawnSync("pdfinfo", [pdf], { encoding: "utf8" });
        assert.equal(info.status, 0, `${stem}${suffix}: pdfinfo failed: ${info.stderr}`);
        const pages = Number(/Pages:\s+(\d+)/.exec(info.stdout)?.[1]);
        assert.ok(pages >= 2, `${stem}${suffix}.pdf has ${pages} pages`);
      }
      // One page of each student PDF as an image, kept as a build artifact.
      const r = spawnSync("pdftoppm", ["-png", "-r", "60", "-f", "2", "-l", "2", join(HANDOUTS, `${stem}.pdf`), join(SCREENSHOTS, `${stem}-pdf`)], { encoding: "utf8" });
      assert.equal(r.status, 0, `pdftoppm: ${r.stderr}`);
    }
  });

  it("every notebook but the first and the last shows at least one figure with data", () => {
    const names = readdirSync(EXECUTED).filter((n) => n.endsWith(".ipynb")).sort();
    for (const name of names.slice(1, -1)) {
      const figures = plotlyOutputs(readNotebook(name));
      assert.ok(figures.length >= 1, `${name} shows no figure`);
    }
  });

  it("student handouts leave solution cells out and instructor handouts keep them, marked", () => {
    for (const name of readdirSync(EXECUTED).filter((n) => n.endsWith(".ipynb"))) {
      const stem = name.replace(/\.ipynb$/, "");
      const solutions = readNotebook(name).filter((c) => c.metadata?.tags?.includes("solution"));
      const student = readFileSync(join(HANDOUTS, `${stem}.html`), "utf8");
      const teacher = readFileSync(join(HANDOUTS, `${stem}.instrutor.html`), "utf8");
      assert.doesNotMatch(student, /class="[^"]*celltag_solution/, `${stem}: a solution cell is in the student handout`);
      assert.equal((teacher.match(/class="[^"]*celltag_solution/g) ?? []).length, solutions.length, `${stem}: instructor handout`);
      assert.ok(solutions.length >= 1, `${stem} has no exercise solution cell`);
    }
  });
});
