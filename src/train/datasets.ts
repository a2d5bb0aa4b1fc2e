/**
 * Loaders for the course's datasets in `data/` (written for this project, MIT licence):
 * the magic library of book titles, the tutorial's three word vectors, and the word lists.
 * Each loader validates its file and names the line (or the key) of anything wrong.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { argError, describeValue } from "../internal/validate";

/**
 * The package's `data/` folder, found from this file's own location (`dist/train/` or
 * `src/train/`, both two levels below the package root), so notebooks can load data wherever
 * their working directory is.
 */
export function dataDir(): string {
  return resolve(__dirname, "..", "..", "data");
}

function readText(fn: string, path: string): string {
  if (!existsSync(path)) throw argError(fn, "path", "an existing file", JSON.stringify(path));
  return readFileSync(path, "utf8");
}

/** The two parts of the magic library. */
export type Split = "treino" | "teste";
const SPLITS: readonly Split[] = ["treino", "teste"];

/** Texts with their theme labels (one part of the library, or all of it). */
export interface LabelledTexts {
  texts: string[];
  /** Theme name of each text. */
  themes: string[];
  /** Theme index of each text (into {@link MagicLibrary.themeNames}). */
  labels: Int32Array;
  /** Row of each text in the whole library. */
  indices: Int32Array;
}

/** The magic library: every title, its theme and split, and the two splits ready to use. */
export interface MagicLibrary extends LabelledTexts {
  /** Theme names in label order (the order in which the file first mentions them). */
  themeNames: string[];
  /** Split of each text. */
  split: Split[];
  /** The "treino" rows. */
  train: LabelledTexts;
  /** The held-out "teste" rows. */
  test: LabelledTexts;
  /** The file that was read. */
  path: string;
}

/** The columns the library file must have, in any order. */
const LIBRARY_COLUMNS = ["tema", "divisao", "titulo"] as const;

/**
 * Splits one CSV line into fields (RFC 4180: commas separate fields; a field in double quotes
 * may hold commas, and `""` inside it is one quote). Records never span lines here.
 */
function parseCsvLine(line: string, where: () => string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new SyntaxError(`${where()} has a quoted field without its closing quote`);
        const c = line[i] as string;
        if (c === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += c;
        i++;
      }
      if (i < line.length && line[i] !== ",") throw new SyntaxError(`${where()} has text after a closing quote at column ${i + 1}`);
    } else {
      const end = line.indexOf(",", i);
      field = end < 0 ? line.slice(i) : line.slice(i, end);
      if (field.includes('"')) throw new SyntaxError(`${where()} has a quote inside an unquoted field (quote the whole field and double the inner quotes)`);
      i = end < 0 ? line.length : end;
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

function subset(all: LabelledTexts, keep: (i: number) => boolean): LabelledTexts {
  const idx: number[] = [];
  for (let i = 0; i < all.texts.length; i++) if (keep(i)) idx.push(i);
  return {
    texts: idx.map((i) => all.texts[i] as string),
    themes: idx.map((i) => all.themes[i] as string),
    labels: Int32Array.from(idx, (i) => all.labels[i] as number),
    indices: Int32Array.from(idx),
  };
}

/**
 * Loads "A biblioteca mágica": short book titles in Brazilian Portuguese, each with a theme
 * (fantasia, ficção científica, realeza, política, …) and a split (`treino` or `teste`).
 *
 * The file is CSV with a header naming the columns `tema`, `divisao`, `titulo` (any order).
 * Every row must have exactly those fields, a non-empty theme and title, a split of `treino`
 * or `teste`, and a title that no other row has.
 *
 * @param path a CSV file (default: `data/biblioteca-magica.csv` of this package).
 * @throws SyntaxError / RangeError naming the file and line of the first bad row.
 * @example
 * const lib = loadMagicLibrary();
 * lib.themeNames.length; // => 10
 * lib.test.texts.length; // => 110
 */
export function loadMagicLibrary(path?: string): MagicLibrary {
  const FN = "loadMagicLibrary";
  if (path !== undefined && typeof path !== "string") throw argError(FN, "path", "a file path (string)", describeValue(path), "type");
  const file = path ?? join(dataDir(), "biblioteca-magica.csv");
  const lines = readText(FN, file).replace(/^\uFEFF/, "").split(/\r?\n/);
  const at = (n: number): string => `${FN}: line ${n} of ${basename(file)}`;
  const headerLine = lines[0] ?? "";
  const header = parseCsvLine(headerLine, () => at(1)).map((h) => h.trim());
  const col: Record<string, number> = {};
  for (const name of LIBRARY_COLUMNS) {
    const k = header.indexOf(name);
    if (k < 0) throw new SyntaxError(`${at(1)} must be a header naming the columns ${LIBRARY_COLUMNS.join(", ")}, but got ${JSON.stringify(headerLine)}`);
    col[name] = k;
  }
  const texts: string[] = [];
  const themes: string[] = [];
  const split: Split[] = [];
  const lineOf = new Map<string, number>();
  for (let li = 1; li < lines.length; li++) {
    const raw = lines[li] as string;
    const n = li + 1;
    if (raw.trim() === "") continue;
    const fields = parseCsvLine(raw, () => at(n));
    if (fields.length !== header.length) {
      throw new SyntaxError(`${at(n)} must have ${header.length} fields (${header.join(", ")}), but got ${fields.length}: ${JSON.stringify(raw)}`);
    }
    const tema = (fields[col.tema as number] as string).trim();
    const divisao = (fields[col.divisao as number] as string).trim();
    const titulo = (fields[col.titulo as number] as string).trim();
    if (tema === "") throw new RangeError(`${at(n)} must have a non-empty 'tema', but got an empty field`);
    if (titulo === "") throw new RangeError(`${at(n)} must have a non-empty 'titulo', but got an empty field`);
    if (!(SPLITS as readonly string[]).includes(divisao)) {
      throw new RangeError(`${at(n)} must have 'divisao' "treino" or "teste", but got ${JSON.stringify(divisao)}`);
    }
    const key = titulo.toLocaleLowerCase("pt-BR");
    const first = lineOf.get(key);
    if (first !== undefined) throw new RangeError(`${at(n)} must have a title no other row has, but ${JSON.stringify(titulo)} is also on line ${first}`);
    lineOf.set(key, n);
    texts.push(titulo);
    themes.push(tema);
    split.push(divisao as Split);
  }
  if (texts.length === 0) throw new RangeError(`${FN}: ${basename(file)} must have at least one row after the header, but got none`);
  const themeNames = [...new Set(themes)];
  const labels = Int32Array.from(themes, (t) => themeNames.indexOf(t));
  const all: LabelledTexts = { texts, themes, labels, indices: Int32Array.from(texts, (_, i) => i) };
  return {
    ...all,
    themeNames,
    split,
    train: subset(all, (i) => split[i] === "treino"),
    test: subset(all, (i) => split[i] === "teste"),
    path: file,
  };
}

/** The tutorial's scenario: rei (anchor), rainha (positive), abacaxi far (good) and near (bad). */
export interface TutorialVectors {
  /** "rei": [0.9, 0.8, 0.1]. */
  anchor: number[];
  /** "rainha": [0.85, 0.75, 0.2]. */
  positive: number[];
  /** "abacaxi", well placed far away: [−0.5, −0.7, −0.9]. */
  negativeGood: number[];
  /** "abacaxi", badly placed close to rei: [0.7, 0.6, 0.3]. */
  negativeBad: number[];
  /** The word each vector stands for. */
  names: { anchor: string; positive: string; negativeGood: string; negativeBad: string };
  /** The margin of the tutorial's `TripletMarginLoss` (0.5). */
  margin: number;
  /** The norm degree (2). */
  p: number;
}

function namedVector(FN: string, file: string, key: string, v: unknown, dim?: number): { name: string; values: number[] } {
  const o = v as { name?: unknown; values?: unknown } | null;
  if (o === null || typeof o !== "object" || typeof o.name !== "string" || !Array.isArray(o.values)) {
    throw new RangeError(`${FN}: 'vectors.${key}' of ${basename(file)} must be { name, values }, but got ${describeValue(v)}`);
  }
  const values = o.values as unknown[];
  if (values.length === 0 || (dim !== undefined && values.length !== dim) || values.some((x) => typeof x !== "number" || !Number.isFinite(x))) {
    throw new RangeError(`${FN}: 'vectors.${key}.values' of ${basename(file)} must be ${dim ?? "some"} finite numbers, but got ${JSON.stringify(values)}`);
  }
  return { name: o.name, values: values as number[] };
}

/**
 * Loads the tutorial's vectors: rei [0.9, 0.8, 0.1], rainha [0.85, 0.75, 0.2], abacaxi far
 * away [−0.5, −0.7, −0.9] and abacaxi too close [0.7, 0.6, 0.3], with margin 0.5 and p = 2.
 *
 * @param path a JSON file (default: `data/tutorial-vectors.json` of this package).
 * @throws RangeError / SyntaxError naming the file and the key that is wrong.
 * @example
 * loadTutorialVectors().positive; // => [0.85, 0.75, 0.2]
 */
export function loadTutorialVectors(path?: string): TutorialVectors {
  const FN = "loadTutorialVectors";
  if (path !== undefined && typeof path !== "string") throw argError(FN, "path", "a file path (string)", describeValue(path), "type");
  const file = path ?? join(dataDir(), "tutorial-vectors.json");
  const doc = parseJson(FN, file) as { vectors?: Record<string, unknown>; margin?: unknown; p?: unknown };
  const vectors = doc.vectors ?? {};
  const anchor = namedVector(FN, file, "anchor", vectors.anchor);
  const dim = anchor.values.length;
  const positive = namedVector(FN, file, "positive", vectors.positive, dim);
  const good = namedVector(FN, file, "negative_good", vectors.negative_good, dim);
  const bad = namedVector(FN, file, "negative_bad", vectors.negative_bad, dim);
  const margin = doc.margin;
  const p = doc.p;
  if (typeof margin !== "number" || !(margin > 0)) throw new RangeError(`${FN}: 'margin' of ${basename(file)} must be a number > 0, but got ${describeValue(margin)}`);
  if (typeof p !== "number" || !(p > 0)) throw new RangeError(`${FN}: 'p' of ${basename(file)} must be a number > 0, but got ${describeValue(p)}`);
  return {
    anchor: anchor.values,
    positive: positive.values,
    negativeGood: good.values,
    negativeBad: bad.values,
    names: { anchor: anchor.name, positive: positive.name, negativeGood: good.name, negativeBad: bad.name },
    margin,
    p,
  };
}

function parseJson(FN: string, file: string): unknown {
  const text = readText(FN, file);
  try {
    return JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec(String((e as Error).message));
    const line = m ? text.slice(0, Number(m[1])).split("\n").length : undefined;
    throw new SyntaxError(`${FN}: ${basename(file)} must be valid JSON, but ${line ? `line ${line}: ` : ""}${(e as Error).message}`);
  }
}

/** A pair of words and how they relate (positivo, negativo difícil, negativo fácil). */
export interface WordPair {
  a: string;
  b: string;
  relacao: string;
  nota?: string;
}

/** The course's word lists. */
export interface WordLists {
  /** Theme name → words. */
  temas: Record<string, string[]>;
  /** The tutorial's pairs: rei/rainha, rei/presidente, dragões/magos vs contabilidade, … */
  pares: WordPair[];
  /** Portuguese ↔ English dictionary. */
  traducao: { pt: string; en: string }[];
  /** Words of positive and negative sentiment. */
  sentimento: { positivas: string[]; negativas: string[] };
}

function stringList(FN: string, file: string, key: string, v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.some((w) => typeof w !== "string" || w.trim() === "")) {
    throw new RangeError(`${FN}: '${key}' of ${basename(file)} must be a non-empty list of words, but got ${describeValue(v)}`);
  }
  return v as string[];
}

/**
 * Loads the course's word lists: words by theme, the tutorial's word pairs, a pt↔en dictionary
 * and positive/negative sentiment words.
 *
 * @param path a JSON file (default: `data/palavras.json` of this package).
 * @example
 * loadWords().pares[0]; // => { a: "rei", b: "rainha", relacao: "positivo", … }
 */
export function loadWords(path?: string): WordLists {
  const FN = "loadWords";
  const file = path ?? join(dataDir(), "palavras.json");
  const doc = parseJson(FN, file) as Record<string, unknown>;
  const temasRaw = doc.temas;
  if (temasRaw === null || typeof temasRaw !== "object" || Array.isArray(temasRaw)) {
    throw new RangeError(`${FN}: 'temas' of ${basename(file)} must be an object of theme → words, but got ${describeValue(temasRaw)}`);
  }
  const temas: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(temasRaw)) temas[k] = stringList(FN, file, `temas.${k}`, v);
  const paresRaw = doc.pares;
  if (!Array.isArray(paresRaw)) throw new RangeError(`${FN}: 'pares' of ${basename(file)} must be a list, but got ${describeValue(paresRaw)}`);
  const pares = paresRaw.map((p, i) => {
    const o = p as Record<string, unknown>;
    if (!o || typeof o.a !== "string" || typeof o.b !== "string" || typeof o.relacao !== "string") {
      throw new RangeError(`${FN}: 'pares[${i}]' of ${basename(file)} must be { a, b, relacao }, but got ${describeValue(p)}`);
    }
    return { a: o.a, b: o.b, relacao: o.relacao, ...(typeof o.nota === "string" ? { nota: o.nota } : {}) };
  });
  const trRaw = doc.traducao;
  if (!Array.isArray(trRaw)) throw new RangeError(`${FN}: 'traducao' of ${basename(file)} must be a list, but got ${describeValue(trRaw)}`);
  const traducao = trRaw.map((p, i) => {
    const o = p as Record<string, unknown>;
    if (!o || typeof o.pt !== "string" || typeof o.en !== "string") {
      throw new RangeError(`${FN}: 'traducao[${i}]' of ${basename(file)} must be { pt, en }, but got ${describeValue(p)}`);
    }
    return { pt: o.pt, en: o.en };
  });
  const s = (doc.sentimento ?? {}) as Record<string, unknown>;
  return {
    temas,
    pares,
    traducao,
    sentimento: { positivas: stringList(FN, file, "sentimento.positivas", s.positivas), negativas: stringList(FN, file, "sentimento.negativas", s.negativas) },
  };
}
