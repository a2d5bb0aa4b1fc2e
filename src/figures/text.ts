/**
 * The words the training figures print, in English (default) and Brazilian Portuguese, so the
 * pt-BR course can show its figures in its own language with `lang: "pt"`.
 */

/** Language of figure titles, axes and captions. */
export type FigureLang = "en" | "pt";

const WORDS = {
  en: {
    epoch: "epoch",
    loss: "loss",
    activeFraction: "active triplets",
    fraction: "fraction",
    metricValue: "value",
    distance: "distance",
    embeddingUnits: "embedding units",
    count: "count",
    pc: "PC",
    ofVariance: "of the variance",
    dAP: "d(a,p) — positive pairs",
    dAN: "d(a,n) — negative pairs",
    marginLine: "mean d(a,p) + margin",
    anchor: "anchor",
    positive: "positive",
    hard: "hard",
    semiHard: "semi-hard",
    easy: "easy",
    hardRing: "d(a,p): hard inside",
    semiRing: "d(a,p) + margin: easy outside",
    distanceFromAnchor: "distance from the anchor",
  },
  pt: {
    epoch: "época",
    loss: "loss",
    activeFraction: "triplas ativas",
    fraction: "fração",
    metricValue: "valor",
    distance: "distância",
    embeddingUnits: "unidades do embedding",
    count: "contagem",
    pc: "CP",
    ofVariance: "da variância",
    dAP: "d(a,p) — pares positivos",
    dAN: "d(a,n) — pares negativos",
    marginLine: "d(a,p) médio + margem",
    anchor: "âncora",
    positive: "positivo",
    hard: "difícil",
    semiHard: "semi-difícil",
    easy: "fácil",
    hardRing: "d(a,p): difícil dentro",
    semiRing: "d(a,p) + margem: fácil fora",
    distanceFromAnchor: "distância até a âncora",
  },
} as const;

export type FigureWords = { readonly [K in keyof (typeof WORDS)["en"]]: string };

/** The word table of a language (unknown values fall back to English). */
export function words(lang: FigureLang | undefined): FigureWords {
  return lang === "pt" ? WORDS.pt : WORDS.en;
}
