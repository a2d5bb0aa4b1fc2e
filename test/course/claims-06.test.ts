/**
 * Notebook 06 (hyperparameters): the margin and temperature sweeps show both ends of each range
 * doing worse than the middle, measured on held-out MAP@R with two seeds per point, and
 * diagnose catches "margin 5 on unit vectors" and "temperature 20".
 */
import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { claimsOf, ensureCourseBuilt, plotlyOutputs, readNotebook, stdoutOf } from "./course";

const NOTEBOOK = "06-hiperparametros.ipynb";

const argmax = (v: number[]): number => v.reduce((best, x, i) => (x > (v[best] as number) ? i : best), 0);

describe("notebook 06 — margin and temperature", { timeout: 30 * 60_000 }, () => {
  let c: Record<string, unknown> = {};
  before(() => {
    ensureCourseBuilt();
    c = claimsOf(readNotebook(NOTEBOOK));
  });

  it("the margin sweep: a margin too small leaves no active triplet, one too large keeps them all active, and both lose to the middle", () => {
    const margins = c.margens as number[];
    const map = c.mapPorMargem as number[];
    const active = c.ativosPorMargem as number[];
    const perSeed = c.mapPorMargemPorSemente as number[][];
    assert.equal(map.length, margins.length);
    const best = argmax(map);
    assert.ok(best > 0 && best < margins.length - 1, `best margin ${margins[best]} is at an end of the sweep`);
    assert.ok((map[best] as number) - (map[0] as number) >= 0.02, `margin ${margins[0]}: ${map[0]} vs best ${map[best]}`);
    assert.ok((map[best] as number) - (map[map.length - 1] as number) >= 0.01, `margin ${margins[margins.length - 1]}: ${map[map.length - 1]} vs best ${map[best]}`);
    for (const [s, m] of (perSeed[best] as number[]).entries()) {
      assert.ok(m > ((perSeed[0] as number[])[s] as number), `seed ${s}: best margin does not beat the smallest`);
      assert.ok(m > ((perSeed[perSeed.length - 1] as number[])[s] as number), `seed ${s}: best margin does not beat the largest`);
    }
    assert.ok((active[0] as number) <= 0.05, `active fraction at margin ${margins[0]}: ${active[0]}`);
    assert.ok((active[active.length - 1] as number) >= 0.99, `active fraction at margin ${margins[margins.length - 1]}: ${active[active.length - 1]}`);
  });

  it("the temperature sweep: 0.01 and 20 both lose to the middle; at 20 the loss stays at ln(candidates)", () => {
    const temps = c.temperaturas as number[];
    const map = c.mapPorTemperatura as number[];
    const best = argmax(map);
    assert.ok(best > 0 && best < temps.length - 1, `best temperature ${temps[best]} is at an end of the sweep`);
    assert.ok((map[best] as number) - (map[0] as number) >= 0.03, `τ ${temps[0]}: ${map[0]} vs best ${map[best]}`);
    assert.ok((map[best] as number) - (map[map.length - 1] as number) >= 0.02, `τ ${temps[temps.length - 1]}: ${map[map.length - 1]} vs best ${map[best]}`);
    const last = temps.length - 1;
    const lnN = c.lnDezCandidatos as number;
    const first = c.lossInicialPorTemperatura as number[];
    const final = c.lossFinalPorTemperatura as number[];
    assert.equal(temps[last], 20);
    assert.ok(Math.abs((final[last] as number) - lnN) < 0.1, `loss at τ = 20 ended at ${final[last]}, ln 10 = ${lnN}`);
    assert.ok((first[last] as number) - (final[last] as number) < 0.1, "the loss at τ = 20 moved");
    assert.ok((first[best] as number) - (final[best] as number) > 0.5, "the loss at the best temperature did not move");
  });

  it("diagnose flags margin 5 on unit vectors and temperature 20, and neither for margin 0.2 with temperature 0.07", () => {
    assert.equal(c.diagnoseMargem5, true);
    assert.equal(c.diagnoseTemperatura20, true);
    assert.equal(c.diagnoseRazoavelSemAchados, true);
    assert.doesNotMatch(stdoutOf(readNotebook(NOTEBOOK)), /ainda não/, "a solution cell left an exercise wrong");
  });

  it("shows the outcome-against-value charts with data", () => {
    const figures = plotlyOutputs(readNotebook(NOTEBOOK));
    assert.ok(figures.length >= 2, `expected at least 2 figures, got ${figures.length}`);
    for (const f of figures) assert.ok(Array.isArray(f.data) && f.data.length > 0);
  });
});
