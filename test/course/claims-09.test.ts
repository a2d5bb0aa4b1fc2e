/**
 * Notebook 09 (start simple, then InfoNCE): what it demonstrates, read from the executed
 * notebook's published claims (see claimsOf in ./course).
 */
import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { claimNumber, claimNumbers, claimsOf, ensureCourseBuilt, plotlyOutputs, readNotebook } from "./course";

const NOTEBOOK = "09-infonce.ipynb";
/** float32 agreement between two ways of computing the same number. */
const FLOAT32_TOLERANCE = 1e-5;
/** τ = 20 leaves the loss within this distance of log N (a uniform softmax). */
const NEAR_CHANCE = 0.1;
/** The correct temperature must beat the swapped one on held-out MAP@R by at least this much. */
const MIN_MAP_GAP = 0.03;

const num = claimNumber;
const nums = claimNumbers;

describe("notebook 09 — start simple, then InfoNCE", { timeout: 30 * 60_000 }, () => {
  let claims: Record<string, unknown> = {};
  before(() => {
    ensureCourseBuilt();
    claims = claimsOf(readNotebook(NOTEBOOK));
  });

  it("computes the contrastive loss of a tiny batch by hand exactly as contrastiveLoss does", () => {
    assert.ok(Math.abs(num(claims, "contrastivaAMao") - num(claims, "contrastivaBiblioteca")) < FLOAT32_TOLERANCE);
  });

  it("builds CLIP's InfoNCE by hand (logits, row softmax, diagonal cross-entropy, both directions) equal to clipInfoNceLoss.parts", () => {
    assert.ok(num(claims, "difLogitsClip") < FLOAT32_TOLERANCE);
    assert.ok(num(claims, "difLossesClip") < FLOAT32_TOLERANCE);
  });

  it("shows sentence-transformers' MNRL with scale 20 equal to the a→b InfoNCE at temperature 0.05", () => {
    assert.ok(num(claims, "difMnrlTemperatura005") < FLOAT32_TOLERANCE);
  });

  it("trains triplet, contrastive and InfoNCE (fixed and learnable temperature) on the same batches, every one improving held-out MAP@R", () => {
    const names = claims.nomes as string[];
    const first = nums(claims, "mapAtRPrimeiraEpoca");
    const last = nums(claims, "mapAtRFinal");
    assert.ok(Array.isArray(names) && names.length >= 4);
    assert.equal(first.length, names.length);
    assert.equal(last.length, names.length);
    names.forEach((n, i) => {
      if (/20/.test(n)) return; // the deliberately broken run is judged below
      assert.ok((last[i] as number) > (first[i] as number), `${n}: MAP@R ${first[i]} → ${last[i]}`);
    });
    assert.ok(num(claims, "temperaturaInicial") > 0.0699 && num(claims, "temperaturaInicial") < 0.0701, "CLIP's initial temperature 0.07");
    assert.notEqual(num(claims, "temperaturaFinal"), num(claims, "temperaturaInicial"), "the learnable temperature moved");
  });

  it("the temperature/scale mix-up (temperature 20) keeps the loss at log N and retrieval well below the correct temperature, and diagnose names it", () => {
    assert.ok(Math.abs(num(claims, "lossFinalErrada") - num(claims, "logN")) < NEAR_CHANCE, `loss ${num(claims, "lossFinalErrada")} vs log N ${num(claims, "logN")}`);
    assert.ok(num(claims, "lossFinalCerta") < num(claims, "logN") / 2);
    assert.ok(num(claims, "mapAtRInfoNceCerta") - num(claims, "mapAtRInfoNceErrada") > MIN_MAP_GAP);
    assert.equal(claims.diagnoseAcusaTemperatura, true);
    assert.equal(claims.diagnoseAcusaDot, true);
  });

  it("shows figures with data", () => {
    const figures = plotlyOutputs(readNotebook(NOTEBOOK));
    assert.ok(figures.length >= 2, `expected at least 2 figures, got ${figures.length}`);
    for (const f of figures) assert.ok(Array.isArray(f.data) && f.data.length > 0);
  });
});
