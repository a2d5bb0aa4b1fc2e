/**
 * One TensorFlow.js benchmark job in a fresh process (so peak memory is this job's own):
 *
 *     SEMANTIC_GPS_BACKEND=wasm node --import tsx bench/worker.ts job.json   # prints one JSON line
 *
 * The first call's value is the one bench/run.ts cross-checks against PyTorch; warm-up calls
 * follow, then the timed repeats. Every call reads its results back (value and gradients), so
 * the time includes all the work.
 */
import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import {
  batchHardMiner,
  createEncoder,
  fit,
  FusedAdam,
  loadMagicLibrary,
  clipInfoNceLoss,
  contrastiveLoss,
  LpDistance,
  mineHardNegatives,
  multipleNegativesRankingLoss,
  ntXentLoss,
  ready,
  tripletLoss,
  tripletMarginMiner,
} from "semantic-gps";
import { gatherRows } from "semantic-gps/dist/internal/linalg";
import { FIT_MAGIC, type Job } from "./jobs";

function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
function readI32(path: string): Int32Array {
  const b = readFileSync(path);
  return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

type Once = () => number | Promise<number>;

/** Value and gradients of `loss` at the inputs, everything read back; returns the value. */
function fwdBwd(inputs: tf.Tensor[], loss: (...xs: tf.Tensor[]) => tf.Tensor): number {
  return tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => loss(...xs) as tf.Scalar)(inputs);
    for (const g of grads) g.dataSync();
    return value.dataSync()[0] as number;
  });
}

let finalLoss: number | null = null;

function setup(job: Job): Once {
  const { n, d } = job;
  const f = job.files;
  const labels = f.labels ? readI32(f.labels) : new Int32Array(0);
  const x = f.embeddings ? tf.tensor2d(readF32(f.embeddings), [n, d]) : null;
  const other = f.other ? tf.tensor2d(readF32(f.other), [n, d]) : null;
  const need = <T>(t: T | null): T => {
    if (t === null) throw new Error(`job ${job.workload} lacks an input`);
    return t;
  };
  switch (job.workload) {
    case "distance_matrix":
      // Row means, then their mean: float32 sums over 16 M entries in one pass drift by ~1e-4.
      return () => fwdBwd([need(x)], (e) => tf.mean(tf.mean(new LpDistance().matrix(e as tf.Tensor2D), 1)));
    case "batch_hard":
      return () => {
        const t = batchHardMiner(need(x), labels);
        return fwdBwd([need(x)], (e) => tripletLoss(e, labels, { indicesTuple: t }));
      };
    case "batch_all":
      return () => fwdBwd([need(x)], (e) => tripletLoss(e, labels));
    case "semihard":
      return () => {
        const t = tripletMarginMiner(need(x), labels, { type: "semihard" });
        return fwdBwd([need(x)], (e) => tripletLoss(e, labels, { indicesTuple: t }));
      };
    case "contrastive":
      return () => fwdBwd([need(x)], (e) => contrastiveLoss(e, labels));
    case "clip_infonce":
      return () => fwdBwd([need(x), need(other)], (a, b) => clipInfoNceLoss(a as tf.Tensor, b as tf.Tensor));
    case "mnrl":
      return () => fwdBwd([need(x), need(other)], (a, b) => multipleNegativesRankingLoss(a as tf.Tensor, b as tf.Tensor));
    case "ntxent":
      return () => fwdBwd([need(x)], (e) => ntXentLoss(e, labels));
    case "mine_batch_hard":
      return () => {
        const s = batchHardMiner(need(x), labels).stats;
        return (s.apMean - s.anMean) * s.numTriplets;
      };
    case "mine_semihard":
      return () => tripletMarginMiner(need(x), labels, { type: "semihard" }).anchors.length;
    case "corpus_mining":
      return corpusMining(job);
    case "train":
      return trainLoop(job);
    case "fit_magic":
      return fitMagic();
    default:
      throw new Error(`no TensorFlow.js runner for ${job.workload}`);
  }
}

function corpusMining(job: Job): Once {
  const q = tf.tensor2d(readF32(job.files.queries as string), [job.queries as number, job.d]);
  const c = tf.tensor2d(readF32(job.files.corpus as string), [job.corpus as number, job.d]);
  const positives = Array.from({ length: job.queries as number }, (_, i) => i);
  return async () => {
    const mined = await mineHardNegatives(q, c, positives, { numNegatives: job.num_negatives, corpusChunkSize: job.chunk });
    let sum = 0;
    for (const s of mined.scores) sum += s[1] as number;
    return sum;
  };
}

function trainLoop(job: Job): Once {
  const rows = job.table_rows as number;
  const steps = job.steps as number;
  const batch = job.batch as number;
  const init = readF32(job.files.table as string);
  const tableLabels = readI32(job.files.table_labels as string);
  const batches = readI32(job.files.batches as string);
  return () => {
    // tf.variable(tf.tensor(...)) would keep the initial tensor alive: dispose it.
    const start = tf.tensor2d(init, [rows, job.d]);
    const table = tf.variable(start);
    start.dispose();
    // The library's Adam: PyTorch's update, ε 1e-8 by default (tf.train.adam's is 1e-7).
    const opt = new FusedAdam([table], { learningRate: job.lr as number });
    let first = NaN;
    for (let s = 0; s < steps; s++) {
      const idx = batches.subarray(s * batch, (s + 1) * batch);
      const y = new Int32Array(batch);
      for (let i = 0; i < batch; i++) y[i] = tableLabels[idx[i] as number] as number;
      const xm = gatherRows(table, idx);
      const mined = batchHardMiner(xm, y);
      xm.dispose();
      const { value: loss, grads } = tf.variableGrads(() => tripletLoss(gatherRows(table, idx), y, { indicesTuple: mined }) as tf.Scalar, [table]);
      if (opt.step([grads[table.name]]) >= 0) throw new Error(`train: a non-finite gradient at step ${s}`);
      const v = loss.dataSync()[0] as number;
      tf.dispose([loss, ...Object.values(grads)]);
      if (s === 0) first = v;
      finalLoss = v;
    }
    opt.dispose();
    table.dispose();
    return first;
  };
}

function fitMagic(): Once {
  const { train } = loadMagicLibrary();
  return async () => {
    const enc = createEncoder({ seed: FIT_MAGIC.seed });
    let first = NaN;
    const result = await fit(enc, train, {
      loss: (e, y, t) => tripletLoss(e, y, { margin: FIT_MAGIC.margin, indicesTuple: t }),
      miner: (e, y) => batchHardMiner(e, y),
      margin: FIT_MAGIC.margin,
      epochs: FIT_MAGIC.epochs,
      learningRate: FIT_MAGIC.lr,
      seed: FIT_MAGIC.seed,
      classesPerBatch: FIT_MAGIC.p,
      samplesPerClass: FIT_MAGIC.k,
      snapshotEvery: 0,
      live: "off",
      onStep: (s) => {
        if (s.globalStep === 1) first = s.loss;
        finalLoss = s.loss;
      },
    });
    if (result.stopped) throw new Error(`fit stopped: ${JSON.stringify(result.stopped)}`);
    enc.dispose();
    return first;
  };
}

function wasmHeapMb(): number | null {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8 ? b.wasm.HEAPU8.length / 2 ** 20 : null;
}

async function main(): Promise<void> {
  const job = JSON.parse(readFileSync(process.argv[2] as string, "utf8")) as Job;
  const info = await ready();
  const once = setup(job);
  const before = tf.memory().numTensors;
  const value = await once();
  for (let i = 1; i < job.warmup; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < job.repeats; i++) {
    const t0 = performance.now();
    await once();
    times.push(performance.now() - t0);
  }
  const leaked = tf.memory().numTensors - before;
  times.sort((a, b) => a - b);
  process.stdout.write(
    JSON.stringify({
      engine: info.name === "tensorflow" ? "tfjs-node" : `tfjs-${info.name}`,
      value,
      times_ms: times,
      peak_rss_mb: process.resourceUsage().maxRSS / 1024,
      wasm_heap_mb: wasmHeapMb(),
      tensors_leaked: leaked,
      calls: job.warmup + job.repeats,
      final: finalLoss,
    }) + "\n",
  );
}

main().catch((err: unknown) => {
  process.stdout.write(JSON.stringify({ error: err instanceof Error ? err.message.split("\n")[0] : String(err) }) + "\n");
  process.exit(1);
});
