/**
 * Notebook 07 (normalisation): what it demonstrates, read from the executed notebook's published
 * claims (see claimsOf in ./course).
 */
import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { claimNumber, claimNumbers, claimsOf, ensureCourseBuilt, plotlyOutputs, readNotebook } from "./course";

const NOTEBOOK = "07-normalizacao.ipynb";
/** float32 agreement between two ways of computing the same number (norms, d² vs 2 − 2·cos). */
const FLOAT32_TOLERANCE = 1e-5;
/** On the unit sphere no Euclidean distance exceeds 2 (opposite directions). */
const SPHERE_DIAMETER = 2;
/** "Drifts": the unnormalised run's mean norm changes by more than this factor, and some norm leaves 1 by more than this. */
const DRIFT_FACTOR = 3;
const DRIFT_FROM_ONE = 0.5;
/** "Less stable": the mean step-to-step change of the loss is at least this many times larger without normalisation. */
const OSCILLATION_RATIO = 2;

const num = claimNumber;
const nums = claimNumbers;

describe("notebook 07 — normalisation", { timeout: 30 * 60_000 }, () => {
  let claims: Record<string, unknown> = {};
  before(() => {
    ensureCourseBuilt();
    claims = claimsOf(readNotebook(NOTEBOOK));
  });

  it("normalises by hand exactly as normalize() does", () => {
    assert.ok(num(claims, "difNormalize") < FLOAT32_TOLERANCE);
  });

  it("verifies d² = 2 − 2·cos on unit vectors by hand and on every pair of test titles with cdist and cosineSimilarityMatrix", () => {
    assert.ok(num(claims, "desvioIdentidadeAMao") < FLOAT32_TOLERANCE);
    assert.ok(num(claims, "desvioIdentidadeBiblioteca") < FLOAT32_TOLERANCE);
    const largest = num(claims, "maiorDistanciaNormalizada");
    assert.ok(largest > 0 && largest <= SPHERE_DIAMETER + FLOAT32_TOLERANCE, `largest distance on the sphere ${largest}`);
  });

  it("normalised training keeps every norm at 1 (to 1e-5) while the unnormalised one drifts", () => {
    assert.ok(num(claims, "desvioMaximoNormaCom") < FLOAT32_TOLERANCE, `normalised run: max |‖e‖ − 1| = ${num(claims, "desvioMaximoNormaCom")}`);
    const before = num(claims, "normaMediaInicialSem");
    const after = num(claims, "normaMediaFinalSem");
    const ratio = Math.max(after / before, before / after);
    assert.ok(ratio > DRIFT_FACTOR, `unnormalised mean norm ${before} → ${after}`);
    assert.ok(num(claims, "desvioMaximoNormaSem") > DRIFT_FROM_ONE);
  });

  it("the unnormalised loss oscillates more from step to step than the normalised one", () => {
    const withNorm = num(claims, "oscilacaoCom");
    const without = num(claims, "oscilacaoSem");
    assert.ok(without > OSCILLATION_RATIO * withNorm, `oscillation ${withNorm} (normalised) vs ${without} (not)`);
  });

  it("stretching unnormalised vectors satisfies ever more triplets while retrieval stays identical", () => {
    const factors = nums(claims, "fatoresTrapaca");
    const active = nums(claims, "ativasTrapaca");
    const maps = nums(claims, "mapAtRTrapaca");
    assert.equal(active.length, factors.length);
    for (let i = 1; i < active.length; i++) assert.ok((active[i] as number) <= (active[i - 1] as number), `active share rose from ×${factors[i - 1]} to ×${factors[i]}`);
    assert.ok((active[0] as number) - (active[active.length - 1] as number) > 0.1, `active share ${active[0]} → ${active[active.length - 1]}`);
    for (const m of maps) assert.ok(Math.abs(m - (maps[0] as number)) < FLOAT32_TOLERANCE);
  });

  it("shows figures with data", () => {
    const figures = plotlyOutputs(readNotebook(NOTEBOOK));
    assert.ok(figures.length >= 3, `expected at least 3 figures, got ${figures.length}`);
    for (const f of figures) assert.ok(Array.isArray(f.data) && f.data.length > 0);
  });
});
