import "../helpers/setup";
import * as assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { dataDir, loadMagicLibrary, loadTutorialVectors, loadWords } from "semantic-gps";
import { loadCases } from "../helpers/fixtures";

const dir = mkdtempSync(join(tmpdir(), "sgps-data-"));
let fileNo = 0;
function csv(text: string): string {
  const path = join(dir, `lib${fileNo++}.csv`);
  writeFileSync(path, text, "utf8");
  return path;
}
const HEADER = "tema,divisao,titulo\n";

describe("loadMagicLibrary reads the course's book titles", () => {
  const lib = loadMagicLibrary();

  it("has at least 400 titles in at least 8 themes, each theme with training and held-out titles", () => {
    assert.ok(lib.texts.length >= 400, `${lib.texts.length} titles`);
    assert.ok(lib.themeNames.length >= 8, `${lib.themeNames.length} themes`);
    for (const [label, name] of lib.themeNames.entries()) {
      assert.ok(lib.train.labels.includes(label), `${name} has training titles`);
      assert.ok(lib.test.labels.includes(label), `${name} has held-out titles`);
    }
  });

  it("holds out about a quarter of the titles as 'teste'", () => {
    const share = lib.test.texts.length / lib.texts.length;
    assert.ok(share > 0.2 && share < 0.3, `held-out share ${share}`);
    assert.equal(lib.train.texts.length + lib.test.texts.length, lib.texts.length);
  });

  it("includes the confusable themes of the tutorial (realeza vs política, fantasia vs ficção científica)", () => {
    for (const theme of ["realeza", "política", "fantasia", "ficção científica"]) assert.ok(lib.themeNames.includes(theme), theme);
  });

  it("labels index themeNames, and each split keeps the rows' texts, themes and original indices", () => {
    lib.texts.forEach((_, i) => assert.equal(lib.themeNames[lib.labels[i]!], lib.themes[i]));
    lib.test.indices.forEach((row, k) => {
      assert.equal(lib.test.texts[k], lib.texts[row]);
      assert.equal(lib.test.labels[k], lib.labels[row]);
      assert.equal(lib.split[row], "teste");
    });
  });

  it("reads quoted fields with commas and doubled quotes", () => {
    const l = loadMagicLibrary(csv(`${HEADER}realeza,treino,"Conde, marquês e barão"\nrealeza,teste,"O ""rei"" sol"\n`));
    assert.deepEqual(l.texts, ["Conde, marquês e barão", 'O "rei" sol']);
  });

  it("accepts the columns in any order", () => {
    const l = loadMagicLibrary(csv("titulo,tema,divisao\nO rei,realeza,treino\n"));
    assert.deepEqual([l.texts[0], l.themes[0], l.split[0]], ["O rei", "realeza", "treino"]);
  });

  const bad: [string, string, RegExp][] = [
    ["a row with too few fields", `${HEADER}realeza,treino\n`, /line 2 of .*must have 3 fields/],
    ["an unknown split", `${HEADER}realeza,treino,O rei\nrealeza,validação,A rainha\n`, /line 3 of .*'divisao' "treino" or "teste", but got "validação"/],
    ["an empty title", `${HEADER}realeza,treino,  \n`, /line 2 of .*non-empty 'titulo'/],
    ["an empty theme", `${HEADER},treino,O rei\n`, /line 2 of .*non-empty 'tema'/],
    ["a duplicate title", `${HEADER}realeza,treino,O rei\npolítica,teste,o rei\n`, /line 3 of .*also on line 2/],
    ["an unclosed quote", `${HEADER}realeza,treino,"O rei\n`, /line 2 of .*without its closing quote/],
    ["a header without the columns", "tema,titulo\nrealeza,O rei\n", /line 1 of .*header naming the columns/],
    ["no rows at all", HEADER, /at least one row/],
  ];
  for (const [what, text, message] of bad) {
    it(`rejects ${what} with the line number`, () => {
      assert.throws(() => loadMagicLibrary(csv(text)), message);
    });
  }

  it("says which file is missing", () => {
    assert.throws(() => loadMagicLibrary(join(dir, "nope.csv")), /loadMagicLibrary: 'path' must be an existing file/);
  });

  it("finds data/ from the package, whatever the working directory", () => {
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      assert.ok(loadMagicLibrary().texts.length >= 400);
      assert.match(dataDir(), /data$/);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe("loadTutorialVectors gives the tutorial's rei / rainha / abacaxi scenario", () => {
  it("has the tutorial's numbers, the same as the PyTorch fixture's inputs", () => {
    const v = loadTutorialVectors();
    const cases = loadCases("tutorial.json");
    const good = cases.find((c) => c.name === "tutorial_loss_good_negative")!;
    const bad = cases.find((c) => c.name === "tutorial_loss_bad_negative")!;
    const f32 = (a: number[]): number[] => a.map(Math.fround);
    assert.deepEqual(f32(v.anchor), good.inputs.anchor!.data);
    assert.deepEqual(f32(v.positive), good.inputs.positive!.data);
    assert.deepEqual(f32(v.negativeGood), good.inputs.negative!.data);
    assert.deepEqual(f32(v.negativeBad), bad.inputs.negative!.data);
    assert.equal(v.margin, good.params.margin);
    assert.deepEqual(v.names, { anchor: "rei", positive: "rainha", negativeGood: "abacaxi", negativeBad: "abacaxi" });
  });

  it("rejects a file whose vectors differ in length, naming the key", () => {
    const path = join(dir, "tv.json");
    writeFileSync(path, JSON.stringify({ margin: 0.5, p: 2, vectors: { anchor: { name: "rei", values: [1, 2, 3] }, positive: { name: "rainha", values: [1, 2] } } }));
    assert.throws(() => loadTutorialVectors(path), /'vectors.positive.values' of tv.json must be 3 finite numbers/);
  });

  it("reports invalid JSON with the file name", () => {
    const path = join(dir, "broken.json");
    writeFileSync(path, '{ "margin": 0.5,\n  "p": }');
    assert.throws(() => loadTutorialVectors(path), /broken.json must be valid JSON/);
  });
});

describe("loadWords gives the course's word lists", () => {
  const w = loadWords();
  it("has the tutorial's pairs: rei/rainha, rei/presidente, dragões/magos and dragões/contabilidade", () => {
    const has = (a: string, b: string): boolean => w.pares.some((p) => p.a === a && p.b === b);
    assert.ok(has("rei", "rainha") && has("rei", "presidente") && has("dragões", "magos") && has("dragões", "contabilidade"));
  });
  it("has at least 40 pt↔en pairs and 20 positive and 20 negative sentiment words", () => {
    assert.ok(w.traducao.length >= 40);
    assert.ok(w.sentimento.positivas.length >= 20 && w.sentimento.negativas.length >= 20);
  });
  it("puts rei and presidente in different themes", () => {
    assert.ok(w.temas.realeza?.includes("rei") && w.temas["política"]?.includes("presidente"));
  });
  it("rejects a file without sentiment words, naming the key", () => {
    const path = join(dir, "w.json");
    writeFileSync(path, JSON.stringify({ temas: {}, pares: [], traducao: [], sentimento: { positivas: [] } }));
    assert.throws(() => loadWords(path), /'sentimento.positivas' of w.json must be a non-empty list of words/);
  });
});
