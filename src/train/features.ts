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
 * Hashed features of texts in compressed sparse rows: row r holds the columns
 * `indices[indptr[r] .. indptr[r + 1])` (ascending) with their `values`. A title has ~50 non-zero
 * buckets out of 2048, so the first layer of the encoder multiplies 2.5 % of the numbers a dense
 * matrix would hold.
 */
export interface SparseFeatures {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/**
 * The same features as {@link hashFeatures}, bit for bit, as compressed sparse rows.
 *
 * @example
 * const f = hashFeaturesSparse(["O rei e a rainha"]);
 * f.indptr[1] - f.indptr[0]; // the number of non-zero buckets of the title
 */
export function hashFeaturesSparse(texts: readonly string[], options?: HashFeatureOptions): SparseFeatures {
  return buildSparse("hashFeaturesSparse", texts, options);
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
  const s = buildSparse("hashFeatures", texts, options);
  const out = new Float32Array(s.rows * s.cols);
  for (let r = 0; r < s.rows; r++) {
    for (let k = s.indptr[r] as number; k < (s.indptr[r + 1] as number); k++) out[r * s.cols + (s.indices[k] as number)] = s.values[k] as number;
  }
  return out;
}

/** Rows `at` of sparse features, in that order (a batch). */
export function sparseRows(x: SparseFeatures, at: ArrayLike<number>): SparseFeatures {
  let nnz = 0;
  for (let i = 0; i < at.length; i++) {
    const r = at[i] as number;
    if (!(Number.isInteger(r) && r >= 0 && r < x.rows)) throw argError("sparseRows", "at", `row indices in [0, ${x.rows})`, `${describeValue(r)} at [${i}]`);
    nnz += (x.indptr[r + 1] as number) - (x.indptr[r] as number);
  }
  const indptr = new Int32Array(at.length + 1);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let k = 0;
  for (let i = 0; i < at.length; i++) {
    const r = at[i] as number;
    const from = x.indptr[r] as number;
    const to = x.indptr[r + 1] as number;
    indices.set(x.indices.subarray(from, to), k);
    values.set(x.values.subarray(from, to), k);
    k += to - from;
    indptr[i + 1] = k;
  }
  return { rows: at.length, cols: x.cols, indptr, indices, values };
}

function buildSparse(FN: string, texts: readonly string[], options: HashFeatureOptions | undefined): SparseFeatures {
  const o = checkOptions(FN, options, ["buckets", "minN", "maxN"]);
  const buckets = numberOption(FN, "buckets", o.buckets, HASH_FEATURE_DEFAULTS.buckets, { integer: true, min: 1 });
  const minN = numberOption(FN, "minN", o.minN, HASH_FEATURE_DEFAULTS.minN, { integer: true, min: 1 });
  const maxN = numberOption(FN, "maxN", o.maxN, HASH_FEATURE_DEFAULTS.maxN, { integer: true, min: minN });
  if (!Array.isArray(texts)) throw argError(FN, "texts", "an array of strings", describeValue(texts), "type");
  const counts = new Float64Array(buckets);
  const indptr = new Int32Array(texts.length + 1);
  const indices: number[] = [];
  const values: number[] = [];
  texts.forEach((text, r) => {
    if (typeof text !== "string") throw argError(FN, "texts", "an array of strings", `${describeValue(text)} at [${r}]`, "type");
    const touched: number[] = [];
    for (const token of textTokens(text, minN, maxN)) {
      const h = fnv1a(token);
      const j = h % buckets;
      if (counts[j] === 0 && !touched.includes(j)) touched.push(j);
      counts[j] = (counts[j] as number) + (h & 0x80000000 ? -1 : 1);
    }
    touched.sort((a, b) => a - b);
    // Damped counts, stored as float32; the norm sums them in column order (as a dense row would).
    const damped: number[] = [];
    let norm = 0;
    for (const j of touched) {
      const c = counts[j] as number;
      counts[j] = 0;
      if (c === 0) continue;
      const v = Math.sign(c) * Math.log1p(Math.abs(c));
      damped.push(j, Math.fround(v));
      norm += v * v;
    }
    const s = norm > 0 ? 1 / Math.sqrt(norm) : 1;
    for (let i = 0; i < damped.length; i += 2) {
      indices.push(damped[i] as number);
      values.push(Math.fround((damped[i + 1] as number) * s));
    }
    indptr[r + 1] = indices.length;
  });
  return { rows: texts.length, cols: buckets, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}
