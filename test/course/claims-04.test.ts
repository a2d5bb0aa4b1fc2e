/**
 * Notebook 04 (collapse): the numbers it publishes back the document's first pitfall.
 * Every comparison is made on the same data, seeds and budget inside the notebook; the margins
 * below are far from the measured values, so they do not depend on luck.
 */
import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { claimsOf, ensureCourseBuilt, plotlyOutputs, readNotebook, stdoutOf } from "./course";

const NOTEBOOK = "04-colapso.ipynb";

describe("notebook 04 — collapse", { timeout: 30 * 60_000 }, () => {
  let c: Record<string, unknown> = {};
  const num = (k: string): number => {
    const v = c[k];
    assert.equal(typeof v, "number", `claim ${k} is not a number: ${String(v)}`);
    return v as number;
  };
  before(() => {
    ensureCourseBuilt();
    c = claimsOf(readNotebook(NOTEBOOK));
  });

  it("the positives-only loss collapses: loss and mean pairwise distance near 0, effective rank about 1", () => {
    assert.ok(num("lossFinalSoPositivos") < 1e-3, `final loss ${num("lossFinalSoPositivos")}`);
    assert.ok(num("distanciaSoPositivos") < 1e-3, `mean pairwise distance ${num("distanciaSoPositivos")}`);
    assert.ok(num("distanciaSoPositivos") < 0.01 * num("distanciaAntes"), "the cloud did not shrink to a point");
    assert.ok(num("postoSoPositivos") <= 1.5, `effective rank ${num("postoSoPositivos")}`);
  });

  it("the triplet and contrastive losses keep the cloud spread out, far from the collapsed one", () => {
    for (const k of ["distanciaTriplet", "distanciaContrastive"]) {
      assert.ok(num(k) > 0.5, `${k} = ${num(k)}`);
      assert.ok(num("distanciaSoPositivos") < 0.01 * num(k), `positives-only ${num("distanciaSoPositivos")} vs ${k} ${num(k)}`);
    }
    assert.ok(num("postoTriplet") >= 5, `effective rank ${num("postoTriplet")}`);
  });

  it("the collapsed space retrieves at chance while triplet and contrastive retrieve far better, on every seed", () => {
    assert.ok(num("mapSoPositivos") < num("mapAcaso") + 0.02, `positives-only MAP@R ${num("mapSoPositivos")} vs chance ${num("mapAcaso")}`);
    assert.ok(num("mapTriplet") > 2.5 * num("mapAcaso"));
    const perSeed = c.mapPorSemente as Record<string, number[]>;
    const pos = perSeed["só positivos"] as number[];
    for (const name of ["triplet (margem 0,2)", "contrastive (margem 1)"]) {
      const runs = perSeed[name] as number[];
      assert.equal(runs.length, 3, `${name}: expected 3 seeds`);
      runs.forEach((m, s) => assert.ok(m - (pos[s] as number) >= 0.05, `${name}, seed ${s}: MAP@R ${m} vs positives-only ${pos[s]}`));
    }
  });

  it("diagnose names the collapse of every positives-only run and of no triplet run", () => {
    assert.deepEqual(c.colapsoDiagnosticadoSoPositivos, [true, true, true]);
    assert.deepEqual(c.colapsoDiagnosticadoTriplet, [false, false, false]);
    const out = stdoutOf(readNotebook(NOTEBOOK));
    assert.doesNotMatch(out, /ainda não/, "a solution cell left an exercise wrong");
  });

  it("batch-hard from the first step with a large margin stalls (loss at the margin, MAP@R near chance) while semi-hard learns", () => {
    assert.ok(num("lossBatchHardInicioSobreMargem") >= 0.95, `loss / margin ${num("lossBatchHardInicioSobreMargem")}`);
    assert.ok(num("mapSemiHardInicio") - num("mapBatchHardInicio") >= 0.03, `semi-hard ${num("mapSemiHardInicio")} vs batch-hard ${num("mapBatchHardInicio")}`);
    assert.ok(num("distanciaBatchHardInicio") < num("distanciaAntes"), "batch-hard did not shrink the cloud");
    assert.ok(num("distanciaSemiHardInicio") > 5 * num("distanciaBatchHardInicio"));
  });

  it("shows figures with data", () => {
    const figures = plotlyOutputs(readNotebook(NOTEBOOK));
    assert.ok(figures.length >= 3, `expected at least 3 figures, got ${figures.length}`);
    for (const f of figures) assert.ok(Array.isArray(f.data) && f.data.length > 0);
  });
});
