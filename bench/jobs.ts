/**
 * What `npm run bench` runs: the workloads, their sizes, and the seeded inputs both sides read.
 * A job is one (workload, size) written as JSON next to raw little-endian float32 / int32 files;
 * bench/worker.ts (TensorFlow.js) and bench/torch_reference.py (PyTorch) read the same bytes.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createEncoder, loadMagicLibrary, pkSampler, seededRandom } from "semantic-gps";

/** Embedding width of every loss and miner workload (the D). */
export const DIM = 128;
/** Rows per class in the loss and miner batches (a P×K batch with K = 4, as batch-hard papers use). */
export const CLASS_SIZE = 4;
/**
 * Noise of the second view relative to the first (cosine ≈ 1/√(1 + σ²) ≈ 0.45 between a pair):
 * enough that CLIP and MNRL losses are not ~1e-5, where float32 cancellation decides the digits.
 */
const OTHER_NOISE = 2;
/** The sizes of the issue; `--quick` keeps the first two. */
export const SIZES = [256, 1024, 4096] as const;

/** Corpus mining: 10k queries against a 100k corpus (the figure), top 3 negatives. */
export const CORPUS = { queries: 10_000, corpus: 100_000, numNegatives: 3, chunk: 8192 } as const;

/** The training loop: 200 Adam steps on a 2,000 × 64 embedding table, batch 256 (64 classes × 4). */
export const TRAIN = { steps: 200, tableRows: 2000, dim: 64, classes: 100, batchClasses: 64, perClass: 4, lr: 0.01 } as const;

export type Workload =
  | "distance_matrix"
  | "batch_hard"
  | "batch_all"
  | "semihard"
  | "contrastive"
  | "clip_infonce"
  | "mnrl"
  | "ntxent"
  | "mine_batch_hard"
  | "mine_semihard"
  | "corpus_mining"
  | "corpus_bruteforce"
  | "train"
  | "fit_magic";

/** Workloads run at every size N. */
export const SIZED_WORKLOADS: Workload[] = [
  "distance_matrix",
  "batch_hard",
  "batch_all",
  "semihard",
  "contrastive",
  "clip_infonce",
  "mnrl",
  "ntxent",
  "mine_batch_hard",
  "mine_semihard",
];
/** Workloads with one fixed size. */
export const FIXED_WORKLOADS: Workload[] = ["corpus_mining", "corpus_bruteforce", "train", "fit_magic"];

/**
 * Notebook 03's training (the magic library): fit() on the hashed n-gram encoder (2048 → 128 →
 * 32, ReLU, unit length), tripletLoss(margin 0.2) on batchHardMiner triplets, Adam lr 0.01, 30
 * epochs of fit's default P×K batches (8 classes × 8), seed 0 — without the notebook's held-out
 * evaluation and snapshots, which PyTorch does not replay.
 */
export const FIT_MAGIC = { epochs: 30, lr: 0.01, margin: 0.2, seed: 0, p: 8, k: 8 } as const;

export const DESCRIPTIONS: Record<Workload, string> = {
  distance_matrix: "LpDistance matrix (normalised), mean, fwd+bwd",
  batch_hard: "batchHardMiner + tripletLoss(0.05), fwd+bwd",
  batch_all: "tripletLoss over all triplets (AvgNonZero), fwd+bwd",
  semihard: "tripletMarginMiner semihard(0.2) + tripletLoss, fwd+bwd",
  contrastive: "contrastiveLoss, all pairs, fwd+bwd",
  clip_infonce: "clipInfoNceLoss(a, b), τ 0.07, fwd+bwd",
  mnrl: "multipleNegativesRankingLoss(a, p), scale 20, fwd+bwd",
  ntxent: "ntXentLoss, τ 0.07, fwd+bwd",
  mine_batch_hard: "batchHardMiner only (no gradient)",
  mine_semihard: "tripletMarginMiner semihard only (no gradient)",
  corpus_mining: "mineHardNegatives 10k queries × 100k corpus, chunked",
  corpus_bruteforce: "10k × 100k similarity matrix in one piece, topk",
  train: "200 Adam steps, 2,000 × 64 table, batch 256, batch-hard",
  fit_magic: "fit(): notebook 03's encoder training, 30 epochs",
};

/** A job file as both workers read it. */
export interface Job {
  workload: Workload;
  n: number;
  d: number;
  warmup: number;
  repeats: number;
  files: Record<string, string>;
  queries?: number;
  corpus?: number;
  k?: number;
  chunk?: number;
  num_negatives?: number;
  table_rows?: number;
  steps?: number;
  batch?: number;
  lr?: number;
  margin?: number;
  buckets?: number;
  hidden?: number;
  out_dim?: number;
  rows?: number;
}

function gaussian(count: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = r.normal();
  return out;
}

function write(dir: string, name: string, data: Float32Array | Int32Array): string {
  const path = join(dir, `${name}.bin`);
  writeFileSync(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return path;
}

/** Writes the inputs of one job and returns it (without warm-up/repeat counts). */
export function makeJob(root: string, workload: Workload, n: number): Omit<Job, "warmup" | "repeats"> {
  if (workload === "corpus_mining" || workload === "corpus_bruteforce") return corpusJob(root, workload);
  if (workload === "train") return trainJob(root);
  if (workload === "fit_magic") return fitJob(root);
  const dir = join(root, `n${n}`);
  mkdirSync(dir, { recursive: true });
  const emb = gaussian(n * DIM, 1000 + n);
  // The second view (CLIP's texts, MNRL's positives): the same rows plus noise, so pairs agree.
  const noise = gaussian(n * DIM, 2000 + n);
  const other = new Float32Array(n * DIM);
  for (let i = 0; i < other.length; i++) other[i] = (emb[i] as number) + OTHER_NOISE * (noise[i] as number);
  const labels = new Int32Array(n);
  const classes = Math.max(1, Math.floor(n / CLASS_SIZE));
  for (let i = 0; i < n; i++) labels[i] = i % classes;
  const files = { embeddings: write(dir, "embeddings", emb), labels: write(dir, "labels", labels), other: write(dir, "other", other) };
  return { workload, n, d: DIM, files };
}

let corpusFiles: Record<string, string> | null = null;

function corpusJob(root: string, workload: Workload): Omit<Job, "warmup" | "repeats"> {
  if (corpusFiles === null) {
    const dir = join(root, "corpus");
    mkdirSync(dir, { recursive: true });
    const corpus = gaussian(CORPUS.corpus * DIM, 31);
    const noise = gaussian(CORPUS.queries * DIM, 32);
    // Query i is a noisy copy of corpus row i, its positive.
    const queries = new Float32Array(CORPUS.queries * DIM);
    for (let i = 0; i < queries.length; i++) queries[i] = (corpus[i] as number) + 0.5 * (noise[i] as number);
    corpusFiles = { queries: write(dir, "queries", queries), corpus: write(dir, "corpus", corpus) };
  }
  return {
    workload,
    n: CORPUS.queries,
    d: DIM,
    files: corpusFiles,
    queries: CORPUS.queries,
    corpus: CORPUS.corpus,
    // sentence-transformers' default window: numNegatives + the number of positives per query (1).
    k: CORPUS.numNegatives + 1,
    chunk: CORPUS.chunk,
    num_negatives: CORPUS.numNegatives,
  };
}

function trainJob(root: string): Omit<Job, "warmup" | "repeats"> {
  const dir = join(root, "train");
  mkdirSync(dir, { recursive: true });
  const { steps, tableRows, dim, classes, batchClasses, perClass, lr } = TRAIN;
  const table = gaussian(tableRows * dim, 41);
  for (let i = 0; i < table.length; i++) table[i]! *= 0.1;
  const tableLabels = new Int32Array(tableRows);
  for (let i = 0; i < tableRows; i++) tableLabels[i] = i % classes;
  // P×K batches: batchClasses distinct classes, perClass distinct rows of each (seeded).
  const r = seededRandom(43);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < tableRows; i++) byClass[i % classes]!.push(i);
  const batch = batchClasses * perClass;
  const batches = new Int32Array(steps * batch);
  const pick = (list: number[], k: number): number[] => {
    const copy = list.slice();
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(r.uniform() * (copy.length - i));
      [copy[i], copy[j]] = [copy[j] as number, copy[i] as number];
    }
    return copy.slice(0, k);
  };
  const classIds = Array.from({ length: classes }, (_, c) => c);
  for (let s = 0; s < steps; s++) {
    let o = s * batch;
    for (const c of pick(classIds, batchClasses)) for (const row of pick(byClass[c]!, perClass)) batches[o++] = row;
  }
  const files = { table: write(dir, "table", table), table_labels: write(dir, "table_labels", tableLabels), batches: write(dir, "batches", batches) };
  return { workload: "train", n: batch, d: dim, files, table_rows: tableRows, steps, batch, lr };
}

function fitJob(root: string): Omit<Job, "warmup" | "repeats"> {
  const dir = join(root, "fit_magic");
  mkdirSync(dir, { recursive: true });
  const { train } = loadMagicLibrary();
  const enc = createEncoder({ seed: FIT_MAGIC.seed });
  const { buckets, hidden, dim } = enc.options;
  const files: Record<string, string> = {
    features: write(dir, "features", enc.featurize(train.texts)),
    fit_labels: write(dir, "fit_labels", Int32Array.from(train.labels)),
  };
  enc.variables.forEach((v, i) => (files[`w${i}`] = write(dir, `w${i}`, v.dataSync() as Float32Array)));
  enc.dispose();
  // fit's batch order: one pkSampler with fit's P, K and seed, next() once per step.
  const p = Math.min(new Set(train.labels).size, FIT_MAGIC.p);
  const batch = p * FIT_MAGIC.k;
  const stepsPerEpoch = Math.max(1, Math.ceil(train.texts.length / batch));
  const steps = FIT_MAGIC.epochs * stepsPerEpoch;
  const sampler = pkSampler(train.labels, { p, k: FIT_MAGIC.k, seed: FIT_MAGIC.seed });
  const batches = new Int32Array(steps * batch);
  for (let s = 0; s < steps; s++) batches.set(sampler.next(), s * batch);
  files.batches = write(dir, "batches", batches);
  return { workload: "fit_magic", n: batch, d: dim, files, steps, batch, lr: FIT_MAGIC.lr, margin: FIT_MAGIC.margin, buckets, hidden, out_dim: dim, rows: train.texts.length };
}
