/**
 * Hashed bag-of-n-grams features: the fixed, untrained first stage of the course encoder.
 * Nothing is downloaded: every text becomes a sparse count vector of its words (minus Portuguese
 * function words) and their character n-grams, folded into a fixed number of buckets by a hash (the "hashing trick",
 * Weinberger et al. 2009, https://arxiv.org/abs/0902.2206).
 */
import { argError, checkOptions, describeValue, numberOption } from "../internal/validate";

/** Options of {@link hashFeatures}. */
export interface HashFeatureOptions {
  /** Number of hash buckets, i.e. feature columns (default 2048). */
  buckets?: number;
  /** Shortest character n-gram (default 3). */
  minN?: number;
  /** Longest character n-gram (default 4). */
  maxN?: number;
}

/** Defaults of {@link HashFeatureOptions}. */
export const HASH_FEATURE_DEFAULTS = { buckets: 2048, minN: 3, maxN: 4 } as const;

/** FNV-1a 32-bit offset basis and prime (http://www.isthe.com/chongo/tech/comp/fnv/). */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv1a(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** Lower case, accents removed (dragão → dragao), anything but letters and digits → space. */
export function normalizeText(text: string): string {
  return text
    .toLowerCase()
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

/**
 * Portuguese function words (articles, contractions, prepositions, conjunctions, a few pronouns),
 * written without accents as {@link normalizeText} leaves them. They appear in every theme, so
 * their features would only add noise shared by all titles.
 */
export const PORTUGUESE_STOPWORDS: ReadonlySet<string> = new Set(
  ("a o as os um uma uns umas de do da dos das em no na nos nas num numa ao aos a as pelo pela pelos pelas " +
    "por para com sem sob sobre entre ate apos e ou mas nem que se como quando onde quem seu sua seus suas " +
    "meu minha nosso nossa este esta esse essa isto isso aquele aquela lhe ja nao mais muito outros outras outro outra").split(" "),
);

/** The features of one text: words ("w:rei") and character n-grams of each padded word (" re", "rei", "ei "). */
export function textTokens(text: string, minN: number = HASH_FEATURE_DEFAULTS.minN, maxN: number = HASH_FEATURE_DEFAULTS.maxN): string[] {
  const out: string[] = [];
  for (const word of normalizeText(text).split(" ")) {
    if (word === "" || PORTUGUESE_STOPWORDS.has(word)) continue;
    out.push(`w:${word}`);
    const padded = ` ${word} `;
    for (let n = minN; n <= maxN; n++) {
      for (let i = 0; i + n <= padded.length; i++) out.push(`c:${padded.slice(i, i + n)}`);
    }
  }
  return out;
}

/**
 * A dense [N, buckets] row-major matrix of hashed features: each token adds ±1 to its bucket
 * (the sign comes from another bit of the hash, so collisions cancel on average instead of
 * piling up), counts are damped with sign(c)·log(1 + |c|), and each row is scaled to unit
 * length (an empty text stays a zero row).
 *
 * @example
 * hashFeatures(["O rei e a rainha"]).length; // => 2048
 */
export function hashFeatures(texts: readonly string[], options?: HashFeatureOptions): Float32Array {
  const FN = "hashFeatures";
  const o = checkOptions(FN, options, ["buckets", "minN", "maxN"]);
  const buckets = numberOption(FN, "buckets", o.buckets, HASH_FEATURE_DEFAULTS.buckets, { integer: true, min: 1 });
  const minN = numberOption(FN, "minN", o.minN, HASH_FEATURE_DEFAULTS.minN, { integer: true, min: 1 });
  const maxN = numberOption(FN, "maxN", o.maxN, HASH_FEATURE_DEFAULTS.maxN, { integer: true, min: minN });
  if (!Array.isArray(texts)) throw argError(FN, "texts", "an array of strings", describeValue(texts), "type");
  const out = new Float32Array(texts.length * buckets);
  texts.forEach((text, r) => {
    if (typeof text !== "string") throw argError(FN, "texts", "an array of strings", `${describeValue(text)} at [${r}]`, "type");
    const row = out.subarray(r * buckets, (r + 1) * buckets);
    for (const token of textTokens(text, minN, maxN)) {
      const h = fnv1a(token);
      row[h % buckets] = (row[h % buckets] as number) + (h & 0x80000000 ? -1 : 1);
    }
    let norm = 0;
    for (let j = 0; j < buckets; j++) {
      const c = row[j] as number;
      if (c !== 0) {
        const v = Math.sign(c) * Math.log1p(Math.abs(c));
        row[j] = v;
        norm += v * v;
      }
    }
    if (norm > 0) {
      const s = 1 / Math.sqrt(norm);
      for (let j = 0; j < buckets; j++) row[j] = (row[j] as number) * s;
    }
  });
  return out;
}
