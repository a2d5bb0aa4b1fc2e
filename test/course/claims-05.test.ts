/**
 * Notebook 05 (hard-negative mining): the numbers it publishes back the document's second pitfall
 * and first practice. The miner comparison runs three seeds inside the notebook; the assertions
 * use the mean gain and the sign of the gain on every seed.
 */
import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { claimsOf, ensureCourseBuilt, plotlyOutputs, readNotebook, stdoutOf } from "./course";

const NOTEBOOK = "05-mineracao-de-negativos.ipynb";

describe("notebook 05 — hard-negative mining", { timeout: 30 * 60_000 }, () => {
  let c: Record<string, unknown> = {};
  before(() => {
    ensureCourseBuilt();
    c = claimsOf(readNotebook(NOTEBOOK));
  });

  it("in the hand-made space, presidente is the closest negative of rei and the only one with a loss; hard miners pick it", () => {
    assert.equal(c.negativoMaisProximoDoRei, "presidente");
    assert.equal(c.zonaPresidente, "semi-difícil");
    assert.ok(Math.abs((c.lossPresidente as number) - 0.1) < 1e-5, `loss ${c.lossPresidente}`);
    assert.equal(c.lossNegativosFaceisMax, 0);
    assert.equal(c.batchHardEscolheParaRei, "presidente");
    assert.equal(c.semiHardEscolheParaRei, "presidente");
    // Six negatives, drawn uniformly: about 1 in 6 over 1000 draws.
    const f = c.aleatorioEscolhePresidente as number;
    assert.ok(f > 0.1 && f < 0.25, `random picks presidente in ${f} of draws`);
  });

  it("hard-negative mining (semi-hard) beats random negatives on held-out MAP@R at equal epochs, on every seed", () => {
    const gains = c.ganhoSemiHardSobreAleatorio as number[];
    assert.equal(gains.length, 3, "expected one gain per seed");
    for (const [s, g] of gains.entries()) assert.ok(g > 0, `seed ${s}: semi-hard − random = ${g}`);
    assert.ok((c.ganhoMedioSemiHardSobreAleatorio as number) >= 0.015, `mean gain ${c.ganhoMedioSemiHardSobreAleatorio}`);
    const final = c.finalPorMinerador as Record<string, number[]>;
    const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
    assert.ok(mean(final["semi-hard"] as number[]) > mean(final["aleatório"] as number[]) + 0.01, "semi-hard does not end above random");
  });

  it("all four miners ran with the same seeds and epochs, and every curve rises above its start", () => {
    const curves = c.curvasMapAtR as Record<string, number[][]>;
    assert.deepEqual(Object.keys(curves).sort(), ["aleatório", "batch-hard", "distance-weighted", "semi-hard"]);
    const epochs = c.epocas as number;
    for (const [name, runs] of Object.entries(curves)) {
      assert.equal(runs.length, 3, `${name}: expected 3 seeds`);
      for (const r of runs) {
        assert.equal(r.length, epochs + 1, `${name}: epochs 0..${epochs}`);
        assert.ok((r[epochs] as number) > (r[0] as number), `${name} did not improve`);
      }
    }
    // Epoch 0 is the same untrained encoder for every miner of a seed.
    for (let s = 0; s < 3; s++) {
      const starts = Object.values(curves).map((runs) => (runs[s] as number[])[0]);
      assert.ok(starts.every((v) => v === starts[0]), `seed ${s}: different starting points ${starts}`);
    }
  });

  it("offline mining with one known positive mines many false negatives; listing every known positive mines none", () => {
    assert.ok((c.mineracaoUmPositivoFalsosNegativos as number) > 0.2, `false-negative share ${c.mineracaoUmPositivoFalsosNegativos}`);
    assert.equal(c.mineracaoTodosPositivosFalsosNegativos, 0);
    assert.ok((c.mineracaoDescartadosMaxScore as number) > 0, "maxScore skipped nothing");
    assert.doesNotMatch(stdoutOf(readNotebook(NOTEBOOK)), /ainda não/, "a solution cell left an exercise wrong");
  });

  it("shows the four miners' curves on one chart", () => {
    const figures = plotlyOutputs(readNotebook(NOTEBOOK));
    assert.ok(figures.some((f) => Array.isArray(f.data) && f.data.length === 4), "no figure with four curves");
    for (const f of figures) assert.ok(Array.isArray(f.data) && f.data.length > 0);
  });
});
