/**
 * Notebook 02 (the geometry of a loss): what it demonstrates, read from the executed notebook's
 * published claims (see claimsOf in ./course).
 */
import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { claimNumber, claimsOf, ensureCourseBuilt, plotlyOutputs, readNotebook, stdoutOf } from "./course";

const NOTEBOOK = "02-geometria-da-loss.ipynb";
/** The tutorial's scenario 2 loss as PyTorch prints it (../shared/seed/loss-function-gps-semantica.md). */
const TUTORIAL_SCENARIO_2_LOSS = 0.2761;
/** float32 agreement between two ways of computing the same number. */
const FLOAT32_TOLERANCE = 1e-5;

const num = claimNumber;
const list = (c: Record<string, unknown>, key: string): unknown[] => {
  const v = c[key];
  assert.ok(Array.isArray(v), `claim '${key}' missing or not a list: ${JSON.stringify(v)}`);
  return v as unknown[];
};

describe("notebook 02 — the geometry of a loss", { timeout: 30 * 60_000 }, () => {
  let claims: Record<string, unknown> = {};
  before(() => {
    ensureCourseBuilt();
    claims = claimsOf(readNotebook(NOTEBOOK));
  });

  it("classifies the anchor's negatives by hand exactly as tripletMarginMiner does, and shows all three zones", () => {
    const byHand = list(claims, "zonasAMao");
    const library = list(claims, "zonasBiblioteca");
    assert.deepEqual(byHand, library);
    assert.equal(claims.zonasIguais, true);
    for (const zone of ["hard", "semi-hard", "easy"]) assert.ok(byHand.includes(zone), `no ${zone} negative in ${JSON.stringify(byHand)}`);
  });

  it("the explain table gives the (rei, rainha, n) triplets the same categories as the hand classification", () => {
    assert.deepEqual(list(claims, "categoriasExplain"), list(claims, "zonasAMao"));
  });

  it("derives the gradient by hand equal to tf.grads: a unit push on each active negative, none on easy ones, a pull of one unit per active triplet on the positive", () => {
    assert.ok(num(claims, "difGradMaoBiblioteca") < FLOAT32_TOLERANCE);
    const norms = list(claims, "normasGradNeg") as number[];
    const active = list(claims, "ativos") as boolean[];
    assert.equal(norms.length, active.length);
    norms.forEach((n, k) => assert.ok(Math.abs(n - (active[k] ? 1 : 0)) < FLOAT32_TOLERANCE, `negative ${k}: |∂loss/∂n| = ${n}, active = ${active[k]}`));
    const nActive = active.filter(Boolean).length;
    assert.ok(nActive > 0 && nActive < active.length, "the example needs both active and easy negatives");
    assert.ok(Math.abs(num(claims, "normaGradPositivo") - nActive) < FLOAT32_TOLERANCE);
  });

  it("gradient descent on the positions takes the loss of the triplets from positive to zero", () => {
    assert.ok(num(claims, "lossAntesDaDescida") > 0.1);
    assert.equal(num(claims, "lossDepoisDaDescida"), 0);
  });

  it("tripletLoss.explain on the labelled 2-D batch: its value is the loss, the shares add up to it, and it is the mean over the active triplets", () => {
    const loss = num(claims, "lossLote");
    assert.ok(loss > 0);
    assert.ok(Math.abs(num(claims, "explainLote") - loss) < FLOAT32_TOLERANCE);
    assert.ok(Math.abs(num(claims, "somaParcelasLote") - loss) < FLOAT32_TOLERANCE);
    assert.ok(Math.abs(num(claims, "mediaAtivosLote") - loss) < FLOAT32_TOLERANCE);
  });

  it("tripletMarginLoss.explain on the tutorial's two scenarios: the mean 0.2761 / 2, all of it from the badly placed abacaxi", () => {
    assert.ok(Math.abs(num(claims, "lossDocumento") - TUTORIAL_SCENARIO_2_LOSS / 2) < 1e-4);
    assert.ok(Math.abs(num(claims, "explainDocumento") - num(claims, "lossDocumento")) < FLOAT32_TOLERANCE);
    assert.equal(num(claims, "parcelaAbacaxiBom"), 0);
    assert.ok(Math.abs(num(claims, "parcelaAbacaxiRuim") - 1) < FLOAT32_TOLERANCE);
  });

  it("shows figures with data, and the exercise solutions check as correct", () => {
    const cells = readNotebook(NOTEBOOK);
    const figures = plotlyOutputs(cells);
    assert.ok(figures.length >= 3, `expected the zones, arrows and before/after figures, got ${figures.length}`);
    for (const f of figures) assert.ok(Array.isArray(f.data) && f.data.length > 0);
    const out = stdoutOf(cells);
    for (const n of [1, 2, 3]) assert.match(out, new RegExp(`Exercício ${n}: correto`));
  });
});
