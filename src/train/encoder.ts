import * as tf from "@tensorflow/tfjs";
import { normalizeRows } from "../distances/normalize";
import { matMul, matMulData } from "../internal/linalg";
import { argError, booleanOption, checkOptions, describeValue, enumOption, numberOption } from "../internal/validate";
import { sparseAffine } from "../internal/sparse";
import { HASH_FEATURE_DEFAULTS, hashFeatures, hashFeaturesSparse, type SparseFeatures } from "./features";
import { seededRandom } from "../internal/random";

/** Options of {@link createEncoder}. */
export interface EncoderOptions {
  /** Hash buckets of the input features (default 2048). */
  buckets?: number;
  /** Width of the hidden layer (default 128; 0 = a single linear layer). */
  hidden?: number;
  /** Embedding dimension (default 32). */
  dim?: number;
  /** Scale each embedding to unit length (default true). */
  normalize?: boolean;
  /** Activation of the hidden layer: "relu" (default) or "tanh". */
  activation?: "relu" | "tanh";
  /** Seed of the initial weights (default 0). */
  seed?: number;
}

/** The options of an encoder with every default filled in. */
export type ResolvedEncoderOptions = Required<EncoderOptions>;

const FN = "createEncoder";

/**
 * A small text encoder that trains from scratch in seconds on a CPU:
 *
 *     x = hashed words + character 3- and 4-grams          (fixed, see hashFeatures; ~50 of 2048 non-zero)
 *     h = activation(x · W1 + b1)                            (hidden > 0)
 *     e = h · W2 + b2,   then e / ‖e‖ when `normalize`
 *
 * Its parameters are tf variables (`variables`) that `fit` updates; `dispose()` frees them.
 * Texts go through the first layer as sparse rows (`featurizeSparse`): only the non-zero
 * features are multiplied, forward and backward, which is what makes training fast on the wasm
 * backend. A dense feature tensor gives the same embeddings up to float32 rounding.
 */
export class NgramEncoder {
  readonly options: Readonly<ResolvedEncoderOptions>;
  /** Trainable parameters, in order W1, b1[, W2, b2]. */
  readonly variables: tf.Variable[];
  private disposed = false;

  constructor(options: ResolvedEncoderOptions) {
    this.options = Object.freeze({ ...options });
    const rng = seededRandom(options.seed);
    const { buckets, hidden, dim } = options;
    const sizes = hidden > 0 ? [buckets, hidden, dim] : [buckets, dim];
    this.variables = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const fanIn = sizes[l] as number;
      const fanOut = sizes[l + 1] as number;
      // Glorot/Xavier uniform (Keras' default initialiser): U(−a, a), a = √(6 / (fan_in + fan_out)).
      const a = Math.sqrt(6 / (fanIn + fanOut));
      const w = new Float32Array(fanIn * fanOut);
      for (let i = 0; i < w.length; i++) w[i] = (2 * rng.uniform() - 1) * a;
      this.variables.push(makeVariable(w, [fanIn, fanOut]));
      this.variables.push(makeVariable(new Float32Array(fanOut), [fanOut]));
    }
  }

  /** Embedding dimension. */
  get dim(): number {
    return this.options.dim;
  }

  /** The fixed input features of texts, a row-major [N, buckets] array. */
  featurize(texts: readonly string[]): Float32Array {
    return hashFeatures(texts, { buckets: this.options.buckets, minN: HASH_FEATURE_DEFAULTS.minN, maxN: HASH_FEATURE_DEFAULTS.maxN });
  }

  /** The fixed input features of texts as compressed sparse rows (the same numbers as `featurize`). */
  featurizeSparse(texts: readonly string[]): SparseFeatures {
    return hashFeaturesSparse(texts, { buckets: this.options.buckets, minN: HASH_FEATURE_DEFAULTS.minN, maxN: HASH_FEATURE_DEFAULTS.maxN });
  }

  /** The input features of texts as a new [N, buckets] tensor (the caller disposes it). */
  features(texts: readonly string[]): tf.Tensor2D {
    return tf.tensor2d(this.featurize(texts), [texts.length, this.options.buckets]);
  }

  /**
   * Differentiable forward pass from features — a dense [N, buckets] tensor or sparse rows from
   * `featurizeSparse` — to embeddings [N, dim].
   */
  forward(x: tf.Tensor2D | SparseFeatures): tf.Tensor2D {
    this.checkLive();
    const sparse = !(x instanceof tf.Tensor);
    const FN_F = "NgramEncoder.forward";
    if (sparse) {
      const s = x as SparseFeatures;
      if (s === null || typeof s !== "object" || !(s.indptr instanceof Int32Array) || !(s.indices instanceof Int32Array) || !(s.values instanceof Float32Array)) {
        throw argError(FN_F, "x", "a [N, buckets] tensor or sparse rows from featurizeSparse()", describeValue(x), "type");
      }
      if (s.cols !== this.options.buckets) throw argError(FN_F, "x", `${this.options.buckets} columns (the encoder's buckets)`, `${s.cols}`);
      checkSparseRows(FN_F, s);
    } else if (x.rank !== 2 || x.shape[1] !== this.options.buckets) {
      throw argError(FN_F, "x", `a [N, ${this.options.buckets}] tensor`, `shape [${x.shape.join(", ")}]`);
    }
    return tf.tidy(() => {
      const v = this.variables as tf.Tensor[];
      // x is data (features): only the weights are differentiated.
      const w1 = v[0] as tf.Tensor2D;
      const b1 = v[1] as tf.Tensor1D;
      const hidden = v.length === 4;
      const act = this.options.activation;
      let h: tf.Tensor2D;
      if (sparse) {
        // One op: product over the non-zeros, bias and activation (see sparseAffine).
        h = sparseAffine(x as SparseFeatures, w1, b1, hidden ? act : "linear");
      } else {
        h = tf.add(matMulData(x as tf.Tensor2D, w1), b1);
        if (hidden) h = act === "tanh" ? tf.tanh(h) : tf.relu(h);
      }
      if (hidden) h = tf.add(matMul(h, v[2] as tf.Tensor2D), v[3] as tf.Tensor);
      return (this.options.normalize ? normalizeRows(h) : h) as tf.Tensor2D;
    });
  }

  /** Embeddings [N, dim] of texts (or of a feature tensor), as a new tensor. */
  embed(input: readonly string[] | tf.Tensor2D): tf.Tensor2D {
    this.checkLive();
    if (input instanceof tf.Tensor) return this.forward(input);
    if (!Array.isArray(input)) throw argError("NgramEncoder.embed", "input", "an array of strings or a feature tensor", describeValue(input), "type");
    return this.forward(this.featurizeSparse(input));
  }

  /** Embeddings of texts as plain rows of numbers (for figures and metrics). */
  embedArray(input: readonly string[] | tf.Tensor2D): number[][] {
    const e = this.embed(input);
    try {
      return e.arraySync();
    } finally {
      e.dispose();
    }
  }

  /** Number of trainable numbers. */
  get parameterCount(): number {
    return this.variables.reduce((s, v) => s + v.size, 0);
  }

  /** Frees the parameters. */
  dispose(): void {
    if (this.disposed) return;
    for (const v of this.variables) v.dispose();
    this.disposed = true;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private checkLive(): void {
    if (this.disposed) throw argError("NgramEncoder", "this", "a live encoder", "a disposed encoder", "type");
  }
}

/** A variable holding `values`; the initial tensor is released at once (no leak). */
function makeVariable(values: Float32Array, shape: number[]): tf.Variable {
  const init = tf.tensor(values, shape, "float32");
  const v = tf.variable(init, true);
  init.dispose();
  return v;
}

/**
 * Creates the course's text encoder (see {@link NgramEncoder}) with seeded initial weights:
 * the same options and seed give the same weights.
 *
 * @example
 * const enc = createEncoder({ dim: 16, seed: 1 });
 * enc.embed(["O último dragão"]).shape; // => [1, 16]
 */
export function createEncoder(options?: EncoderOptions): NgramEncoder {
  const o = checkOptions(FN, options, ["buckets", "hidden", "dim", "normalize", "activation", "seed"]);
  return new NgramEncoder({
    buckets: numberOption(FN, "buckets", o.buckets, HASH_FEATURE_DEFAULTS.buckets, { integer: true, min: 1 }),
    hidden: numberOption(FN, "hidden", o.hidden, 128, { integer: true, min: 0 }),
    dim: numberOption(FN, "dim", o.dim, 32, { integer: true, min: 1 }),
    normalize: booleanOption(FN, "normalize", o.normalize, true),
    activation: enumOption(FN, "activation", o.activation, ["relu", "tanh"], "relu"),
    seed: numberOption(FN, "seed", o.seed, 0, { integer: true }),
  });
}

/**
 * Sparse rows must be well formed before a kernel reads memory through them: rows + 1 row
 * offsets rising from 0 to the number of entries, and every column index inside [0, cols).
 */
function checkSparseRows(fn: string, s: SparseFeatures): void {
  const { rows, cols, indptr, indices, values } = s;
  if (!Number.isInteger(rows) || rows < 0 || indptr.length !== rows + 1 || indptr[0] !== 0 || indptr[rows] !== indices.length || values.length !== indices.length) {
    throw argError(fn, "x", "sparse rows with rows + 1 offsets from 0 to the number of entries, one value per entry", `${describeValue(rows)} rows, ${indptr.length} offsets ending at ${describeValue(indptr[indptr.length - 1])}, ${indices.length} indices, ${values.length} values`);
  }
  for (let r = 0; r < rows; r++) {
    if ((indptr[r + 1] as number) < (indptr[r] as number)) throw argError(fn, "x", "row offsets that never decrease", `offset ${indptr[r + 1]} after ${indptr[r]} at row ${r}`);
  }
  for (let k = 0; k < indices.length; k++) {
    const c = indices[k] as number;
    if (c < 0 || c >= cols) throw argError(fn, "x", `column indices in [0, ${cols})`, `${c} at entry ${k}`);
  }
}
