import * as tf from "@tensorflow/tfjs";
import { allPairsIndices, type IndexTuple } from "../internal/indexTuples";
import { gatherRows } from "../internal/linalg";
import { argError, checkOptions, describeValue, numberOption, toFloatTensor, toLabels, type TensorInput } from "../internal/validate";

/** Options of the {@link CrossBatchMemory} constructor. */
export interface CrossBatchMemoryOptions {
  /** How many past embeddings the queue holds (default 1024, as PML). */
  memorySize?: number;
}

/** What a label-based loss receives from {@link CrossBatchMemory.forward}. */
export interface MemoryLossOptions {
  indicesTuple: IndexTuple;
  refEmbeddings: tf.Tensor2D;
  refLabels: Int32Array;
}

/** A miner as {@link CrossBatchMemory.forward} calls it. */
export type MemoryMiner = (
  embeddings: tf.Tensor2D,
  labels: Int32Array,
  options: { refEmbeddings: tf.Tensor2D; refLabels: Int32Array },
) => IndexTuple;

/** Options of {@link CrossBatchMemory.forward}. */
export interface MemoryForwardOptions {
  /** Mines the tuples against the memory; default: every (query, memory) pair. */
  miner?: MemoryMiner;
  /**
   * Per row: true = only enqueue it (it becomes a reference), false = only use it as a query.
   * Default: every row is enqueued and queried, and a row is never paired with its own copy.
   */
  enqueueMask?: ArrayLike<boolean>;
}

const FN = "CrossBatchMemory";
/** PML's default queue length. */
const DEFAULT_MEMORY_SIZE = 1024;

/**
 * Cross-batch memory (Wang et al. 2020, "Cross-Batch Memory for Embedding Learning"): a fixed-size
 * queue of past embeddings and labels, used as the reference set of any label-based loss and
 * miner, so that each batch meets many more negatives than it contains. Stored embeddings are
 * detached copies (plain numbers): no gradient flows into the memory, only into the current batch.
 *
 * `forward(loss, embeddings, labels)` enqueues the batch (overwriting the oldest entries), then
 * calls `loss(queries, queryLabels, { indicesTuple, refEmbeddings, refLabels })` with the filled
 * memory as reference and returns the loss's value. Without a miner the tuples are all
 * (query, memory) pairs, minus each row's pair with its own copy in the memory.
 *
 * The reference tensor passed to the loss stays alive until the next `forward` or `dispose()`, so
 * that a gradient computed around `forward` can still use it. Other tensors made here (the query
 * rows, a tensor built from an array) belong to the caller's scope: call `forward` inside
 * `tf.tidy`, `tf.grads` or `optimizer.minimize`, as any loss.
 *
 * @see pytorch-metric-learning 2.8 `losses.CrossBatchMemory(loss, embedding_size, memory_size=1024,
 *   miner=None)` — same queue (positions in slot order, filled part only until full), same
 *   self-comparison removal, same `enqueue_mask` semantics. A given `indices_tuple` is not
 *   combined with the mined one here.
 * @example
 * const memory = new CrossBatchMemory({ memorySize: 4 });
 * memory.enqueue([[1, 0], [0, 1]], [0, 1]);
 * memory.size; // => 2
 */
export class CrossBatchMemory {
  readonly memorySize: number;
  private embeddingSize = -1;
  private data = new Float32Array(0);
  private labelData = new Int32Array(0);
  private next = 0;
  private filled = false;
  private lastRef: tf.Tensor2D | null = null;

  constructor(options?: CrossBatchMemoryOptions) {
    const o = checkOptions(FN, options, ["memorySize"]);
    this.memorySize = numberOption(FN, "memorySize", o.memorySize, DEFAULT_MEMORY_SIZE, { integer: true, min: 1 });
  }

  /** Entries currently held (≤ memorySize). */
  get size(): number {
    return this.filled ? this.memorySize : this.next;
  }

  /** Detached copies of the rows, written after the newest entry; returns their memory slots. */
  enqueue(embeddings: TensorInput, labels: TensorInput | ArrayLike<number>): Int32Array {
    const fn = `${FN}.enqueue`;
    const values = tf.tidy(() => {
      const e = toFloatTensor(fn, "embeddings", embeddings, { rank: 2 }) as tf.Tensor2D;
      return { n: e.shape[0], d: e.shape[1], flat: Float32Array.from(e.dataSync()) };
    });
    const y = toLabels(fn, "labels", labels, values.n);
    return this.write(fn, values.flat, values.n, values.d, y);
  }

  private write(fn: string, flat: Float32Array, n: number, d: number, y: Int32Array): Int32Array {
    if (this.embeddingSize < 0) {
      this.embeddingSize = d;
      this.data = new Float32Array(this.memorySize * d);
      this.labelData = new Int32Array(this.memorySize);
    } else if (d !== this.embeddingSize) {
      throw argError(fn, "embeddings", `rows of width ${this.embeddingSize} (the memory's embedding size)`, `width ${d}`);
    }
    if (n > this.memorySize) throw argError(fn, "embeddings", `at most memorySize = ${this.memorySize} rows`, `${n} rows`);
    const slots = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const slot = this.next;
      slots[i] = slot;
      this.data.set(flat.subarray(i * d, (i + 1) * d), slot * d);
      this.labelData[slot] = y[i] as number;
      this.next = (slot + 1) % this.memorySize;
      if (this.next === 0) this.filled = true;
    }
    return slots;
  }

  /** The memory as a new tensor [size, D] (the caller disposes it) and its labels. */
  references(): { refEmbeddings: tf.Tensor2D; refLabels: Int32Array } {
    const n = this.size;
    const d = Math.max(this.embeddingSize, 0);
    return { refEmbeddings: tf.tensor2d(this.data.subarray(0, n * d), [n, d]), refLabels: this.labelData.slice(0, n) };
  }

  /**
   * Enqueues the batch and computes `loss` against the memory (see the class doc).
   * @returns whatever `loss` returns.
   */
  forward<L>(
    loss: (embeddings: tf.Tensor2D, labels: Int32Array, options: MemoryLossOptions) => L,
    embeddings: TensorInput,
    labels: TensorInput | ArrayLike<number>,
    options?: MemoryForwardOptions,
  ): L {
    const fn = `${FN}.forward`;
    if (typeof loss !== "function") throw argError(fn, "loss", "a function (embeddings, labels, options) => loss", describeValue(loss), "type");
    const o = checkOptions(fn, options, ["miner", "enqueueMask"]);
    if (o.miner !== undefined && typeof o.miner !== "function") throw argError(fn, "miner", "a miner function", describeValue(o.miner), "type");
    const e = toFloatTensor(fn, "embeddings", embeddings, { rank: 2 }) as tf.Tensor2D;
    const [n, d] = e.shape;
    const y = toLabels(fn, "labels", labels, n);
    let mask: boolean[] | null = null;
    if (o.enqueueMask !== undefined) {
      const m = o.enqueueMask as ArrayLike<unknown>;
      if (m === null || typeof m !== "object" || m.length !== n || !Array.from(m).every((v) => typeof v === "boolean")) {
        throw argError(fn, "enqueueMask", `${n} booleans (one per row)`, describeValue(o.enqueueMask), "type");
      }
      mask = Array.from(m as ArrayLike<boolean>);
    }
    const flat = e.dataSync();
    const enqueueRows = mask ? mask.flatMap((v, i) => (v ? [i] : [])) : Array.from({ length: n }, (_, i) => i);
    const queryRows = mask ? mask.flatMap((v, i) => (v ? [] : [i])) : enqueueRows;
    const toQueue = new Float32Array(enqueueRows.length * d);
    enqueueRows.forEach((r, k) => toQueue.set(flat.subarray(r * d, (r + 1) * d), k * d));
    const slots = this.write(fn, toQueue, enqueueRows.length, d, Int32Array.from(enqueueRows, (r) => y[r] as number));

    this.lastRef?.dispose();
    const { refEmbeddings, refLabels } = this.references();
    this.lastRef = tf.keep(refEmbeddings);
    const queries = mask ? gatherRows(e, Int32Array.from(queryRows)) : e;
    const queryLabels = mask ? Int32Array.from(queryRows, (r) => y[r] as number) : y;
    let tuple: IndexTuple = o.miner
      ? (o.miner as MemoryMiner)(queries, queryLabels, { refEmbeddings, refLabels })
      : allPairsIndices(queryLabels, refLabels);
    if (!mask) tuple = removeSelfComparisons(tuple, slots);
    return loss(queries, queryLabels, { indicesTuple: tuple, refEmbeddings, refLabels });
  }

  /** Releases the reference tensor kept for the last gradient. */
  dispose(): void {
    this.lastRef?.dispose();
    this.lastRef = null;
  }
}

/** Drops every tuple whose positive is the anchor's own copy in the memory (slot[anchor]). */
export function removeSelfComparisons(tuple: IndexTuple, slots: Int32Array): IndexTuple {
  if (tuple.kind === "triplets") {
    const keep: number[] = [];
    for (let k = 0; k < tuple.anchors.length; k++) if (slots[tuple.anchors[k] as number] !== tuple.positives[k]) keep.push(k);
    const pick = (a: Int32Array): Int32Array => Int32Array.from(keep, (k) => a[k] as number);
    return { kind: "triplets", anchors: pick(tuple.anchors), positives: pick(tuple.positives), negatives: pick(tuple.negatives) };
  }
  const keep: number[] = [];
  for (let k = 0; k < tuple.a1.length; k++) if (slots[tuple.a1[k] as number] !== tuple.p[k]) keep.push(k);
  return { kind: "pairs", a1: Int32Array.from(keep, (k) => tuple.a1[k] as number), p: Int32Array.from(keep, (k) => tuple.p[k] as number), a2: tuple.a2, n: tuple.n };
}
