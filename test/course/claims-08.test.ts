/**
 * Notebook 08 (combining losses): what it demonstrates, read from the executed notebook's
 * published claims (see claimsOf in ./course).
 */
import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { claimNumber, claimNumbers, claimsOf, ensureCourseBuilt, plotlyOutputs, readNotebook } from "./course";

const NOTEBOOK = "08-combinando-losses.ipynb";
/** float32 agreement between two ways of computing the same number. */
const FLOAT32_TOLERANCE = 1e-5;
/** The combined loss must beat triplet-only on every seed and by at least this much on average (2 points ≈ 2 of 110 test titles). */
const MIN_MEAN_ACCURACY_GAIN = 0.02;
/** Held-out MAP@R must improve by at least this much on every seed. */
const MIN_MAP_GAIN = 0.03;
/** Both models are far above chance (1 / classes): at least this many times chance. */
const TIMES_CHANCE = 3;

const num = claimNumber;
const nums = claimNumbers;

describe("notebook 08 — combining losses", { timeout: 30 * 60_000 }, () => {
  let claims: Record<string, unknown> = {};
  before(() => {
    ensureCourseBuilt();
    claims = claimsOf(readNotebook(NOTEBOOK));
  });

  it("computes the cross-entropy of a tiny example by hand exactly as crossEntropy does", () => {
    assert.ok(Math.abs(num(claims, "ceAMao") - num(claims, "ceBiblioteca")) < FLOAT32_TOLERANCE);
  });

  it("sweeps λ from 0 (triplet only) upwards and reports both objectives' held-out metrics for each", () => {
    const lambdas = nums(claims, "lambdas");
    assert.equal(lambdas[0], 0);
    assert.ok(lambdas.length >= 4);
    for (let i = 1; i < lambdas.length; i++) assert.ok((lambdas[i] as number) > (lambdas[i - 1] as number));
    assert.equal(nums(claims, "mapAtRPorLambda").length, lambdas.length);
    assert.equal(nums(claims, "sondaPorLambda").length, lambdas.length);
  });

  it("the combined loss's linear-probe accuracy beats triplet-only at equal epochs on every seed, by a clear mean margin", () => {
    const seeds = nums(claims, "sementes");
    const tripletOnly = nums(claims, "acuraciaTriplet");
    const combined = nums(claims, "acuraciaCombinada");
    assert.ok(seeds.length >= 3, "needs several seeds");
    assert.equal(tripletOnly.length, seeds.length);
    assert.equal(combined.length, seeds.length);
    const gains = combined.map((c, i) => c - (tripletOnly[i] as number));
    gains.forEach((g, i) => assert.ok(g > 0, `seed ${seeds[i]}: combined ${combined[i]} vs triplet-only ${tripletOnly[i]}`));
    const mean = gains.reduce((s, g) => s + g, 0) / gains.length;
    assert.ok(mean >= MIN_MEAN_ACCURACY_GAIN, `mean gain ${mean}`);
    assert.ok(Math.abs(mean - num(claims, "ganhoMedio")) < 1e-12);
    const chance = 1 / num(claims, "numClasses");
    for (const a of [...tripletOnly, ...combined]) assert.ok(a > TIMES_CHANCE * chance, `accuracy ${a} too close to chance ${chance}`);
  });

  it("the combined loss also improves held-out MAP@R on every seed", () => {
    const tripletOnly = nums(claims, "mapAtRTriplet");
    const combined = nums(claims, "mapAtRCombinada");
    combined.forEach((c, i) => assert.ok(c - (tripletOnly[i] as number) > MIN_MAP_GAIN, `seed index ${i}: MAP@R ${tripletOnly[i]} → ${c}`));
  });

  it("shows figures with data", () => {
    const figures = plotlyOutputs(readNotebook(NOTEBOOK));
    assert.ok(figures.length >= 2, `expected at least 2 figures, got ${figures.length}`);
    for (const f of figures) assert.ok(Array.isArray(f.data) && f.data.length > 0);
  });
});
