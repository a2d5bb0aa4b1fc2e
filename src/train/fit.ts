import * as tf from "@tensorflow/tfjs";
import { crossEntropyRows } from "../losses/crossEntropy";
import { diagnose } from "../eval/diagnose";
import { rowDistance, rowDot } from "../eval/matrix";
import { retrievalMetrics, type KnnDistance } from "../eval/retrieval";
import type { IndexTuple } from "../internal/indexTuples";
import { matMul } from "../internal/linalg";
import { DISPLAY_SYMBOL, Table, type MimeBundle } from "../internal/table";
import { argError, booleanOption, checkOptions, describeValue, enumOption, numberOption, toLabels, type TensorInput } from "../internal/validate";
import { pkSampler } from "../miners/pkSampler";
import type { FigureLang } from "../figures/text";
import type { NgramEncoder } from "./encoder";
import { seededRandom } from "../internal/random";
import { FusedAdam } from "./adam";
import { sparseRows } from "./features";
import { LiveView, type LiveMode, type LiveState, type ProgressStream } from "./liveView";

/** A metric loss as fit calls it: embeddings [B, D], the batch's labels, and the miner's tuple if any. Returns a scalar. */
export type MetricLossFn = (embeddings: tf.Tensor2D, labels: Int32Array, indicesTuple?: IndexTuple) => tf.Tensor;

/** A miner as fit calls it: picks pairs or triplets of the batch (no gradient needed). */
export type MinerFn = (embeddings: tf.Tensor2D, labels: Int32Array) => IndexTuple;

/** Texts with integer labels (the magic library's `train`/`test` fit as they are). */
export interface TextDataset {
  texts: readonly string[];
  labels: TensorInput | ArrayLike<number>;
  /** Group name per text (e.g. its theme), for figures; default: the label as text. */
  themes?: readonly string[];
}

/** What `onStep` receives after every optimisation step. */
export interface StepInfo {
  epoch: number;
  /** Step within the epoch (1-based). */
  step: number;
  /** Steps since the start (1-based). */
  globalStep: number;
  /** Weighted total loss of this batch. */
  loss: number;
  /** The metric loss of this batch (unweighted). */
  metricLoss: number;
  /** The classification loss of this batch (unweighted; NaN without a task loss). */
  taskLoss: number;
  /** Share of the batch's triplets that violate `margin` (NaN without a margin or with a pair miner). */
  activeFraction: number;
}

/** One epoch of the history. Held-out metrics are present on epochs where they were measured. */
export interface EpochRecord {
  epoch: number;
  /** Mean weighted total loss over the epoch's steps. */
  loss: number;
  metricLoss: number;
  taskLoss: number;
  activeFraction: number;
  /** Seconds since the start of training. */
  seconds: number;
  precisionAt1?: number;
  rPrecision?: number;
  mapAtR?: number;
  meanAveragePrecision?: number;
  meanReciprocalRank?: number;
}

/** The callbacks fit calls; returning `false` stops training after the current step. */
export interface FitCallbacks {
  onStep?(info: StepInfo): void | boolean | Promise<void | boolean>;
  onEpochEnd?(record: EpochRecord): void | boolean | Promise<void | boolean>;
}

/** Options of {@link fit}. */
export interface FitOptions extends FitCallbacks {
  /** The metric loss (required), e.g. `(e, y, t) => tripletLoss(e, y, { margin: 0.2, indicesTuple: t })`. */
  loss: MetricLossFn;
  /** A miner whose output is passed to the loss, e.g. `(e, y) => batchHardMiner(e, y)`. */
  miner?: MinerFn;
  /** Weight of the metric loss (default 1). */
  lossWeight?: number;
  /** Weight of a classification cross-entropy on a linear head over the embeddings (default 0: no head). */
  taskLossWeight?: number;
  /** Passes over the data (default 30). */
  epochs?: number;
  /** Classes per batch, P (default: min(classes, 8)). */
  classesPerBatch?: number;
  /** Items per class in a batch, K (default 8). Batch size is P·K. */
  samplesPerClass?: number;
  /** Steps per epoch (default: ⌈N / (P·K)⌉, about one pass over the data). */
  stepsPerEpoch?: number;
  /** Adam's learning rate (default 0.005). */
  learningRate?: number;
  /** Seed of the batch order and the head's initial weights (default 0). The encoder has its own seed. */
  seed?: number;
  /** The loss's margin: measures the fraction of active triplets and draws the margin line (optional). */
  margin?: number;
  /** How the active fraction and the live histograms measure: "euclidean" (default) or "cosine". */
  monitorDistance?: "euclidean" | "cosine";
  /** A held-out set: precision@1, R-precision, MAP@R, MAP, MRR measured on it (query = reference). */
  evalData?: TextDataset;
  /** Measure the held-out metrics every this many epochs (default 1; the last epoch always). */
  evalEvery?: number;
  /** Ranking of the held-out metrics (default "euclidean"). */
  evalDistance?: KnnDistance;
  /** Keep the embeddings of the held-out set (else the training set) every this many epochs, for animation (default: ⌈epochs / 30⌉; 0 = none). */
  snapshotEvery?: number;
  /** Stop at the first NaN or infinite loss or gradient, saying why (default true). When false, such a step is skipped (the parameters stay as they were) and training goes on. */
  stopOnNaN?: boolean;
  /** "auto" (default: notebook view in a kernel, progress bar on a TTY stderr, else nothing), "notebook", "terminal" or "off". */
  live?: LiveMode;
  /** Fewest milliseconds between two live updates (default 500; longer when drawing is slow, so it never takes over a third of the time). */
  liveInterval?: number;
  /** Where the terminal progress bar goes (default process.stderr). */
  progressStream?: ProgressStream;
  /** Language of the live view and figures (default "en"). */
  lang?: FigureLang;
}

/** A snapshot of embeddings taken during training. */
export interface Snapshot {
  epoch: number;
  embeddings: number[][];
}

/** Why training stopped early. */
export interface StopInfo {
  reason: "nan" | "callback";
  epoch: number;
  step: number;
  globalStep: number;
  message: string;
}

/** The linear classification head trained with the task loss. */
export interface ClassifierHead {
  weights: tf.Variable;
  bias: tf.Variable;
  /** Class scores [N, C] of embeddings [N, D] (a new tensor). */
  logits(embeddings: tf.Tensor2D): tf.Tensor2D;
}

/** What {@link fit} returns. Shows as a table of the history in a notebook. */
export class FitResult {
  constructor(
    readonly history: EpochRecord[],
    /** Embeddings of the snapshot set (epoch 0 = before training). */
    readonly snapshots: Snapshot[],
    /** Labels and group names of the snapshot rows, and their texts. */
    readonly snapshotSet: { labels: Int32Array; themes: string[]; texts: string[] },
    readonly stopped: StopInfo | null,
    readonly seconds: number,
    readonly steps: number,
    readonly head: ClassifierHead | null,
    readonly options: { margin?: number; epochs: number; lang: FigureLang },
  ) {}

  /** The last epoch's record. */
  get last(): EpochRecord | undefined {
    return this.history[this.history.length - 1];
  }

  /** Frees the classification head (the encoder belongs to the caller). */
  dispose(): void {
    if (this.head) {
      this.head.weights.dispose();
      this.head.bias.dispose();
    }
  }

  table(): Table<EpochRecord> {
    const notes = [`${this.steps} steps in ${this.seconds.toFixed(1)} s.`];
    if (this.stopped) notes.push(this.stopped.message);
    return new Table<EpochRecord>(
      [
        { label: "epoch", value: (r) => r.epoch, digits: 0 },
        { label: "loss", value: (r) => r.loss },
        { label: "active", value: (r) => (Number.isNaN(r.activeFraction) ? null : r.activeFraction), digits: 3 },
        { label: "P@1", value: (r) => r.precisionAt1 ?? null, digits: 3 },
        { label: "MAP@R", value: (r) => r.mapAtR ?? null, digits: 3 },
        { label: "s", value: (r) => r.seconds, digits: 1 },
      ],
      this.history,
      { title: "Training history", notes, maxRows: 60 },
    );
  }

  toString(): string {
    return this.table().toText();
  }

  [DISPLAY_SYMBOL](): MimeBundle {
    return this.table()[DISPLAY_SYMBOL]();
  }
}

const FN = "fit";

/** Adam's epsilon, set explicitly: tfjs defaults to 1e-7, PyTorch's torch.optim.Adam to 1e-8. */
export const ADAM_EPSILON = 1e-8;
/** Adam's β₁, β₂ (the defaults of both PyTorch and tfjs). */
const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
/** The most frames an animation gets by default. */
const MAX_DEFAULT_FRAMES = 30;

function checkDataset(arg: string, d: unknown): { texts: string[]; labels: Int32Array; themes: string[] } {
  const o = d as TextDataset | null;
  if (o === null || typeof o !== "object" || !Array.isArray(o.texts)) throw argError(FN, arg, "{ texts, labels }", describeValue(d), "type");
  o.texts.forEach((t, i) => {
    if (typeof t !== "string") throw argError(FN, `${arg}.texts`, "strings", `${describeValue(t)} at [${i}]`, "type");
  });
  const labels = toLabels(FN, `${arg}.labels`, o.labels, o.texts.length, `${arg}.texts`);
  if (o.themes !== undefined && (!Array.isArray(o.themes) || o.themes.length !== o.texts.length)) {
    throw argError(FN, `${arg}.themes`, `one name per text (${o.texts.length})`, describeValue(o.themes));
  }
  return { texts: [...o.texts], labels, themes: o.themes ? [...o.themes] : Array.from(labels, String) };
}

function isFunction(v: unknown): v is (...args: never[]) => unknown {
  return typeof v === "function";
}

/**
 * Trains an encoder with a metric loss (plus, optionally, a classification loss on a linear head):
 *
 *     total = lossWeight · loss(embeddings, labels, miner?(embeddings, labels))
 *           + taskLossWeight · crossEntropy(embeddings · W + b, labels)
 *
 * with PyTorch's Adam (β = 0.9, 0.999, ε = 1e-8 — tfjs' own defaults to ε = 1e-7; see FusedAdam).
 * The texts enter the encoder as sparse rows (only their non-zero features are multiplied).
 * Batches are P×K (P classes, K items each, see pkSampler) so every anchor has positives and
 * negatives. Seeded: the same encoder seed and fit seed give the same numbers on the same backend.
 *
 * Each epoch's record holds the mean loss, the fraction of active triplets (with `margin`) and,
 * with `evalData`, held-out precision@1, R-precision, MAP@R, MAP and MRR. Snapshots of the
 * embeddings feed the animated figure. A NaN or infinite loss or gradient stops training before
 * the parameters are touched, with a message that says at which step, which quantity, and the
 * likely cause. In a notebook a live view updates in place (at most every `liveInterval` ms); in
 * a terminal a progress bar with loss and ETA goes to stderr.
 *
 * @param encoder the model to train (its variables are updated in place).
 * @param data training texts and labels (e.g. `loadMagicLibrary().train`).
 * @throws TypeError / RangeError naming the option when an argument is invalid.
 * @see PyTorch's usual loop (`optimizer.zero_grad(); loss.backward(); optimizer.step()`) with
 *   pytorch-metric-learning's `MPerClassSampler`; Keras' `model.fit` for the callbacks and history.
 * @example
 * const lib = loadMagicLibrary();
 * const enc = createEncoder({ seed: 0 });
 * const result = await fit(enc, lib.train, {
 *   loss: (e, y, t) => tripletLoss(e, y, { margin: 0.2, indicesTuple: t }),
 *   miner: (e, y) => batchHardMiner(e, y), margin: 0.2, evalData: lib.test, epochs: 20,
 * });
 * result.last?.precisionAt1; // well above the untrained encoder's
 */
export async function fit(encoder: NgramEncoder, data: TextDataset, options: FitOptions): Promise<FitResult> {
  const o = checkOptions(FN, options, [
    "loss", "miner", "lossWeight", "taskLossWeight", "epochs", "classesPerBatch", "samplesPerClass", "stepsPerEpoch", "learningRate", "seed", "margin", "monitorDistance",
    "evalData", "evalEvery", "evalDistance", "snapshotEvery", "stopOnNaN", "live", "liveInterval", "progressStream", "lang", "onStep", "onEpochEnd",
  ]);
  if (encoder === null || typeof encoder !== "object" || typeof (encoder as NgramEncoder).forward !== "function" || !Array.isArray((encoder as NgramEncoder).variables)) {
    throw argError(FN, "encoder", "an encoder from createEncoder()", describeValue(encoder), "type");
  }
  if (encoder.isDisposed) throw argError(FN, "encoder", "a live encoder", "a disposed encoder", "type");
  if (!isFunction(o.loss)) throw argError(FN, "loss", "a function (embeddings, labels, indicesTuple?) => scalar", describeValue(o.loss), "type");
  if (o.miner !== undefined && !isFunction(o.miner)) throw argError(FN, "miner", "a function (embeddings, labels) => indices tuple", describeValue(o.miner), "type");
  for (const cb of ["onStep", "onEpochEnd"] as const) if (o[cb] !== undefined && !isFunction(o[cb])) throw argError(FN, cb, "a function", describeValue(o[cb]), "type");
  const train = checkDataset("data", data);
  const evalSet = o.evalData === undefined ? null : checkDataset("evalData", o.evalData);
  const lossFn = o.loss as MetricLossFn;
  const miner = o.miner as MinerFn | undefined;
  const lossWeight = numberOption(FN, "lossWeight", o.lossWeight, 1, { min: 0 });
  const taskWeight = numberOption(FN, "taskLossWeight", o.taskLossWeight, 0, { min: 0 });
  const epochs = numberOption(FN, "epochs", o.epochs, 30, { integer: true, min: 1 });
  const classes = [...new Set(train.labels)].sort((a, b) => a - b);
  const P = numberOption(FN, "classesPerBatch", o.classesPerBatch, Math.min(classes.length, 8), { integer: true, min: 2 });
  const K = numberOption(FN, "samplesPerClass", o.samplesPerClass, 8, { integer: true, min: 2 });
  const steps = numberOption(FN, "stepsPerEpoch", o.stepsPerEpoch, Math.max(1, Math.ceil(train.texts.length / (P * K))), { integer: true, min: 1 });
  const lr = numberOption(FN, "learningRate", o.learningRate, 0.005, { above: 0 });
  const seed = numberOption(FN, "seed", o.seed, 0, { integer: true });
  const margin = o.margin === undefined ? undefined : numberOption(FN, "margin", o.margin, 0, {});
  const monitorDistance = enumOption(FN, "monitorDistance", o.monitorDistance, ["euclidean", "cosine"], "euclidean");
  const evalEvery = numberOption(FN, "evalEvery", o.evalEvery, 1, { integer: true, min: 1 });
  const ed = o.evalDistance;
  if (ed !== undefined && !(ed === "euclidean" || ed === "cosine" || (typeof ed === "object" && ed !== null && isFunction((ed as { matrix?: unknown }).matrix)))) {
    throw argError(FN, "evalDistance", '"euclidean", "cosine" or a distance object', describeValue(ed), typeof ed === "string" ? "range" : "type");
  }
  const snapshotEvery = numberOption(FN, "snapshotEvery", o.snapshotEvery, Math.ceil(epochs / MAX_DEFAULT_FRAMES), { integer: true, min: 0 });
  const stopOnNaN = booleanOption(FN, "stopOnNaN", o.stopOnNaN, true);
  const lang = enumOption<FigureLang>(FN, "lang", o.lang, ["en", "pt"], "en");
  const live = new LiveView({
    mode: enumOption<LiveMode>(FN, "live", o.live, ["auto", "notebook", "terminal", "off"], "auto"),
    intervalMs: numberOption(FN, "liveInterval", o.liveInterval, 500, { min: 0 }),
    stream: o.progressStream as ProgressStream | undefined,
    lang,
    margin,
  });
  if (P > classes.length) throw argError(FN, "classesPerBatch", `at most the number of classes in 'data' (${classes.length})`, String(P));

  const rng = seededRandom(seed);
  const sampler = pkSampler(train.labels, { p: P, k: K, seed });
  const trainX = encoder.featurizeSparse(train.texts);
  const snapSet = evalSet ?? train;
  const snapX = encoder.featurizeSparse(snapSet.texts);

  let head: ClassifierHead | null = null;
  if (taskWeight > 0) {
    const C = Math.max(...train.labels, ...(evalSet ? evalSet.labels : [])) + 1;
    const a = Math.sqrt(6 / (encoder.dim + C)); // Glorot uniform, as the encoder's layers
    const w = new Float32Array(encoder.dim * C);
    for (let i = 0; i < w.length; i++) w[i] = (2 * rng.uniform() - 1) * a;
    const wInit = tf.tensor2d(w, [encoder.dim, C]);
    const bInit = tf.zeros([C]);
    const weights = tf.variable(wInit, true);
    const bias = tf.variable(bInit, true);
    tf.dispose([wInit, bInit]);
    head = { weights, bias, logits: (e) => tf.tidy(() => tf.add(matMul(e, weights as unknown as tf.Tensor2D), bias) as tf.Tensor2D) };
  }
  const varList = [...encoder.variables, ...(head ? [head.weights, head.bias] : [])];
  const optimizer = new FusedAdam(varList, { learningRate: lr, beta1: ADAM_BETA1, beta2: ADAM_BETA2, epsilon: ADAM_EPSILON });

  /** Embeddings of the snapshot set as rows (a forward pass without gradient). */
  const embedSnapshotSet = (): number[][] =>
    tf.tidy(() => encoder.forward(snapX).arraySync() as number[][]);
  const evaluate = (rows: number[][]): Partial<EpochRecord> => {
    if (!evalSet) return {};
    const m = retrievalMetrics(rows, evalSet.labels, { distance: (o.evalDistance as KnnDistance | undefined) ?? "euclidean" });
    return m.toJSON();
  };

  const history: EpochRecord[] = [];
  const snapshots: Snapshot[] = [];
  let latestRows: number[][] | null = null;
  if (snapshotEvery > 0 || evalSet) {
    latestRows = embedSnapshotSet();
    if (snapshotEvery > 0) snapshots.push({ epoch: 0, embeddings: latestRows });
  }
  const initialMetrics = latestRows && evalSet ? evaluate(latestRows) : {};
  const start = performance.now();
  let stopped: StopInfo | null = null;
  let globalStep = 0;
  const totalSteps = epochs * steps;
  const stepLosses: number[] = [];
  const state: LiveState = {
    epoch: 0,
    epochs,
    step: 0,
    stepsPerEpoch: steps,
    globalStep: 0,
    totalSteps,
    elapsed: 0,
    history,
    stepLosses,
    initialMetrics,
    probe: () => {
      const rows = embedSnapshotSet();
      return { embeddings: rows, labels: snapSet.labels, themes: snapSet.themes };
    },
  };
  await live.start(state);

  try {
    for (let epoch = 1; epoch <= epochs && !stopped; epoch++) {
      let sumLoss = 0;
      let sumMetric = 0;
      let sumTask = 0;
      let sumActive = 0;
      let nActive = 0;
      let done = 0;
      for (let step = 1; step <= steps; step++) {
        globalStep++;
        const idx = sampler.next();
        const B = idx.length;
        const yb = Int32Array.from(idx, (i) => train.labels[i] as number);
        const xb = sparseRows(trainX, idx);
        let embData: Float32Array = new Float32Array(0);
        let tuple: IndexTuple | undefined;
        let metricValue = NaN;
        let taskValue = NaN;
        const { value, grads } = tf.variableGrads(() => {
          const emb = encoder.forward(xb);
          embData = Float32Array.from(emb.dataSync() as Float32Array);
          tuple = miner ? miner(emb, yb) : undefined;
          const metric = lossFn(emb, yb, tuple);
          if (!(metric instanceof tf.Tensor) || metric.size !== 1) {
            throw argError(FN, "loss", "a function returning a scalar tensor", describeValue(metric), "type");
          }
          metricValue = metric.dataSync()[0] as number;
          let total = tf.mul(tf.reshape(metric, []), lossWeight);
          if (head) {
            const ce = tf.mean(crossEntropyRows(tf.add(matMul(emb, head.weights as unknown as tf.Tensor2D), head.bias) as tf.Tensor2D, yb));
            taskValue = ce.dataSync()[0] as number;
            total = tf.add(total, tf.mul(ce, taskWeight));
          }
          return total as tf.Scalar;
        }, varList);
        const lossValue = value.dataSync()[0] as number;
        value.dispose();
        let bad: string | null = null;
        if (!Number.isFinite(lossValue)) {
          bad = `the loss became ${lossValue} (metric loss ${metricValue}${head ? `, classification loss ${taskValue}` : ""})`;
        } else {
          // The update and the gradient check in one pass: a non-finite gradient changes nothing.
          const which = optimizer.step(varList.map((v) => grads[v.name]));
          if (which >= 0) {
            const name = (varList[which] as tf.Variable).name;
            const g = grads[name] as tf.Tensor;
            const sample = tf.tidy(() => tf.sum(g).dataSync()[0] as number);
            bad = `the gradient of variable '${name}' became ${sample} while the loss was finite (${lossValue.toPrecision(4)}) — typically a norm or square root differentiated at exactly 0`;
          }
        }
        tf.dispose(Object.values(grads));
        if (bad && stopOnNaN) {
          const cause = explainNaN(embData, B, encoder.dim, yb, margin);
          stopped = {
            reason: "nan",
            epoch,
            step,
            globalStep,
            message: `fit: stopped at epoch ${epoch}, step ${step} (step ${globalStep} overall) before updating the parameters: ${bad}. ${cause}`,
          };
          console.warn(stopped.message);
          break;
        }
        const active = margin === undefined ? NaN : activeFraction(embData, B, encoder.dim, yb, tuple, margin, monitorDistance);
        sumLoss += lossValue;
        sumMetric += metricValue;
        sumTask += taskValue;
        if (!Number.isNaN(active)) {
          sumActive += active;
          nActive++;
        }
        done++;
        stepLosses.push(lossValue);
        const info: StepInfo = { epoch, step, globalStep, loss: lossValue, metricLoss: metricValue, taskLoss: taskValue, activeFraction: active };
        state.epoch = epoch;
        state.step = step;
        state.globalStep = globalStep;
        state.elapsed = (performance.now() - start) / 1000;
        if (o.onStep && (await (o.onStep as NonNullable<FitCallbacks["onStep"]>)(info)) === false) {
          stopped = { reason: "callback", epoch, step, globalStep, message: `fit: stopped by onStep at epoch ${epoch}, step ${step}.` };
          break;
        }
        await live.step(state);
      }
      if (done === 0) break;
      const record: EpochRecord = {
        epoch,
        loss: sumLoss / done,
        metricLoss: sumMetric / done,
        taskLoss: head ? sumTask / done : NaN,
        activeFraction: nActive ? sumActive / nActive : NaN,
        seconds: (performance.now() - start) / 1000,
      };
      const needRows = (evalSet && (epoch % evalEvery === 0 || epoch === epochs)) || (snapshotEvery > 0 && (epoch % snapshotEvery === 0 || epoch === epochs));
      if (needRows) {
        latestRows = embedSnapshotSet();
        if (evalSet && (epoch % evalEvery === 0 || epoch === epochs)) Object.assign(record, evaluate(latestRows));
        if (snapshotEvery > 0 && (epoch % snapshotEvery === 0 || epoch === epochs)) snapshots.push({ epoch, embeddings: latestRows });
      }
      history.push(record);
      state.elapsed = (performance.now() - start) / 1000;
      if (o.onEpochEnd && (await (o.onEpochEnd as NonNullable<FitCallbacks["onEpochEnd"]>)(record)) === false && !stopped) {
        stopped = { reason: "callback", epoch, step: steps, globalStep, message: `fit: stopped by onEpochEnd after epoch ${epoch}.` };
      }
      await live.epochEnd(state);
    }
  } finally {
    optimizer.dispose();
  }
  const seconds = (performance.now() - start) / 1000;
  const result = new FitResult(history, snapshots, { labels: snapSet.labels, themes: snapSet.themes, texts: snapSet.texts }, stopped, seconds, globalStep, head, { margin, epochs, lang });
  await live.end(state, result);
  return result;
}

/** Share of the batch's triplets (the miner's, or all valid ones) with d(a,p) − d(a,n) + margin > 0. */
function activeFraction(emb: Float32Array, B: number, D: number, y: Int32Array, tuple: IndexTuple | undefined, margin: number, metric: "euclidean" | "cosine"): number {
  const m = { data: Float64Array.from(emb), rows: B, cols: D };
  const norms = metric === "cosine" ? Array.from({ length: B }, (_, i) => Math.sqrt(rowDot(m, i, m, i)) || 1) : [];
  // For a similarity the violation flips: s(a,n) − s(a,p) + margin.
  const gap = (a: number, p: number, n: number): number =>
    metric === "cosine" ? rowDot(m, a, m, p) / ((norms[a] as number) * (norms[p] as number)) - rowDot(m, a, m, n) / ((norms[a] as number) * (norms[n] as number)) : rowDistance(m, a, m, n) - rowDistance(m, a, m, p);
  if (tuple !== undefined) {
    if (tuple.kind !== "triplets") return NaN;
    const n = tuple.anchors.length;
    if (n === 0) return 0;
    let active = 0;
    for (let k = 0; k < n; k++) if (gap(tuple.anchors[k] as number, tuple.positives[k] as number, tuple.negatives[k] as number) < margin) active++;
    return active / n;
  }
  let total = 0;
  let active = 0;
  for (let a = 0; a < B; a++) {
    for (let p = 0; p < B; p++) {
      if (p === a || y[p] !== y[a]) continue;
      for (let n = 0; n < B; n++) {
        if (y[n] === y[a]) continue;
        total++;
        if (gap(a, p, n) < margin) active++;
      }
    }
  }
  return total ? active / total : NaN;
}

/** The likely cause of a NaN, in words, from the batch's embeddings (diagnose's NaN rules). */
function explainNaN(emb: Float32Array, B: number, D: number, y: Int32Array, margin: number | undefined): string {
  if (emb.length !== B * D) return "The encoder's forward pass did not complete.";
  const rows = Array.from({ length: B }, (_, i) => Array.from(emb.subarray(i * D, (i + 1) * D)));
  const report = diagnose(rows, y, { loss: NaN, ...(margin !== undefined ? { margin } : {}) });
  const causes = report.findings.filter((f) => f.rule.startsWith("nan-"));
  const why = causes.map((f) => f.message).join(" ");
  return `${why || "No cause visible in the batch's embeddings."} Lower the learning rate or check the loss for log(0) and divisions by a count that can be 0.`;
}
