/**
 * Adam as PyTorch's `torch.optim.Adam` computes it, with the NaN check of a training step folded in.
 *
 * Why not `tf.train.adam`: it issues ~15 backend ops per variable per step whatever its size;
 * for the course encoder's four variables that is 60 dispatches, ~1.0 ms a step on
 * tfjs-backend-wasm. Here, on wasm, each variable takes one pass of a vectorised kernel over
 * its memory (internal/simd; ~0.2 ms for 262k floats, against ~0.85 ms for 13 backend ops).
 * Elsewhere a small variable (biases, the second layer) is updated in one JS loop (~10 µs) and a
 * large one with backend ops.
 */
import * as tf from "@tensorflow/tfjs";
import { peekValues } from "../internal/peek";
import { heapOffset, heapTensor, wasmKernels } from "../internal/simd";
import { argError, checkOptions, describeValue, numberOption } from "../internal/validate";

/** Adam's hyper-parameters (PyTorch's names in the comments). */
export interface AdamOptions {
  /** `lr`. */
  learningRate: number;
  /** `betas[0]` (default 0.9). */
  beta1?: number;
  /** `betas[1]` (default 0.999). */
  beta2?: number;
  /** `eps` (default 1e-8, PyTorch's; tfjs' own Adam defaults to 1e-7). */
  epsilon?: number;
}

/** Without the wasm kernels, variables with at least this many elements are updated with backend ops; smaller ones in JS. */
const BACKEND_MIN_SIZE = 16384;

/**
 * Adam over a fixed list of float32 variables, with PyTorch's update (torch 1.13,
 * `_single_tensor_adam`, no weight decay, no amsgrad):
 *
 *     m ← β₁·m + (1 − β₁)·g          v ← β₂·v + (1 − β₂)·g²
 *     p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 *
 * A step that meets a NaN or infinite gradient changes nothing: {@link FusedAdam.step} returns
 * the index of the first such variable instead. Call `dispose()` when done (the moments of the
 * large variables are tensors).
 */
export class FusedAdam {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Steps taken (PyTorch's `state["step"]`). */
  iterations = 0;
  /** Per variable: its moments in JS (small variables) or as tensors (large ones). */
  private readonly state: ({ kind: "js"; m: Float32Array; v: Float32Array; mNext: Float32Array; vNext: Float32Array; out: Float32Array } | { kind: "backend"; m: tf.Tensor; v: tf.Tensor })[];

  /**
   * @param variables the float32 variables to train (e.g. `encoder.variables`).
   * @throws TypeError / RangeError naming the argument when one is invalid.
   * @see torch.optim.Adam (PyTorch 1.13) for the update; `tf.train.adam` for tfjs' own, whose ε defaults to 1e-7.
   * @example
   * const opt = new FusedAdam(encoder.variables, { learningRate: 0.01 });
   * const { value, grads } = tf.variableGrads(() => loss(), encoder.variables);
   * opt.step(encoder.variables.map((v) => grads[v.name])); // -1: updated
   */
  constructor(
    readonly variables: readonly tf.Variable[],
    options: AdamOptions,
  ) {
    const FN = "FusedAdam";
    if (!Array.isArray(variables) || variables.length === 0) throw argError(FN, "variables", "a non-empty array of tf.Variable", describeValue(variables), "type");
    variables.forEach((x, i) => {
      if (!(x instanceof tf.Variable) || x.dtype !== "float32") throw argError(FN, `variables[${i}]`, "a float32 tf.Variable", describeValue(x), "type");
    });
    const o = checkOptions(FN, options, ["learningRate", "beta1", "beta2", "epsilon"]);
    if (o.learningRate === undefined) throw argError(FN, "learningRate", "a number > 0", "undefined", "type");
    this.learningRate = numberOption(FN, "learningRate", o.learningRate, 0, { above: 0 });
    this.beta1 = numberOption(FN, "beta1", o.beta1, 0.9, { min: 0, below: 1 });
    this.beta2 = numberOption(FN, "beta2", o.beta2, 0.999, { min: 0, below: 1 });
    this.epsilon = numberOption(FN, "epsilon", o.epsilon, 1e-8, { min: 0 });
    const inHeap = wasmKernels() !== null;
    this.state = variables.map((x) =>
      inHeap || x.size >= BACKEND_MIN_SIZE
        ? { kind: "backend" as const, m: tf.zeros(x.shape), v: tf.zeros(x.shape) }
        : { kind: "js" as const, m: new Float32Array(x.size), v: new Float32Array(x.size), mNext: new Float32Array(x.size), vNext: new Float32Array(x.size), out: new Float32Array(x.size) },
    );
  }

  /**
   * One update from `grads` (one tensor per variable, same order and shapes; not disposed here).
   * A variable whose gradient is `undefined` is left alone, as PyTorch skips `p.grad is None`.
   * Returns -1 after updating, or the index of the first variable whose gradient holds a NaN or
   * an infinity — then nothing is changed.
   */
  step(grads: readonly (tf.Tensor | undefined)[]): number {
    if (!Array.isArray(grads) || grads.length !== this.variables.length) {
      throw argError("FusedAdam.step", "grads", `one gradient (or undefined) per variable (${this.variables.length})`, describeValue(grads), "type");
    }
    grads.forEach((g, i) => {
      const want = (this.variables[i] as tf.Variable).shape;
      if (g !== undefined && (!(g instanceof tf.Tensor) || g.dtype !== "float32" || g.shape.join() !== want.join())) {
        throw argError("FusedAdam.step", `grads[${i}]`, `undefined or a float32 tensor of shape [${want.join(", ")}]`, g instanceof tf.Tensor ? `shape [${g.shape.join(", ")}] (${g.dtype})` : describeValue(g), "type");
      }
    });
    const t = this.iterations + 1;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const stepSize = this.learningRate / (1 - b1 ** t);
    const bc2Sqrt = Math.sqrt(1 - b2 ** t);
    const eps = this.epsilon;
    const kernels = wasmKernels();
    if (kernels !== null && this.state.every((st) => st.kind === "backend")) {
      // Every gradient is checked before anything changes; then one kernel pass per variable
      // updates m and v in place and writes the new value into a fresh tensor (a new value
      // must not reuse the old one's memory, which matMul's packed-weight cache may key on).
      for (let i = 0; i < grads.length; i++) {
        const g = grads[i];
        if (g !== undefined && kernels.finiteCheck(heapOffset(g), g.size) !== 0) return i;
      }
      grads.forEach((g, i) => {
        const st = this.state[i];
        if (g === undefined || st === undefined || st.kind !== "backend") return;
        const variable = this.variables[i] as tf.Variable;
        const out = heapTensor(variable.shape); // every element is written by the kernel
        kernels.adam(heapOffset(variable), heapOffset(g), heapOffset(st.m), heapOffset(st.v), heapOffset(out), out.size, b1, 1 - b1, b2, 1 - b2, stepSize, bc2Sqrt, eps);
        variable.assign(out);
        out.dispose();
      });
      this.iterations = t;
      return -1;
    }
    // Everything is computed first and committed only when every gradient was finite.
    const pending: (() => void)[] = [];
    const discard: tf.Tensor[] = [];
    let bad = -1;
    for (let i = 0; i < this.variables.length && bad < 0; i++) {
      const variable = this.variables[i] as tf.Variable;
      const grad = grads[i];
      const st = this.state[i];
      if (grad === undefined || st === undefined) continue;
      if (st.kind === "js") {
        // Views into the backend's memory: read before the next TensorFlow.js call.
        const g = peekValues(grad) as Float32Array;
        const sum = adamLoop(g, peekValues(variable) as Float32Array, st.m, st.v, st.mNext, st.vNext, st.out, b1, b2, stepSize, bc2Sqrt, eps);
        if (!Number.isFinite(sum) && !allFinite(g)) {
          bad = i;
          break;
        }
        pending.push(() => {
          // The wasm backend copies a new tensor's values into its heap, so `out` is reused;
          // the cpu backend keeps the array itself, so it gets a copy.
          const value = tf.tensor(tf.getBackend() === "wasm" ? st.out : st.out.slice(), variable.shape, "float32");
          variable.assign(value);
          value.dispose();
          [st.m, st.mNext] = [st.mNext, st.m];
          [st.v, st.vNext] = [st.vNext, st.v];
        });
      } else {
        const [m, v, p, gSum] = tf.tidy(() => {
          const m1 = tf.add(tf.mul(st.m, b1), tf.mul(grad, 1 - b1));
          const v1 = tf.add(tf.mul(st.v, b2), tf.mul(tf.mul(grad, grad), 1 - b2));
          const denom = tf.add(tf.div(tf.sqrt(v1), bc2Sqrt), eps);
          const p1 = tf.sub(variable, tf.mul(tf.div(m1, denom), stepSize));
          return [m1, v1, p1, tf.sum(grad)];
        });
        discard.push(m, v, p);
        const finite = Number.isFinite(gSum.dataSync()[0] as number) || allFinite(grad.dataSync());
        gSum.dispose();
        if (!finite) {
          bad = i;
          break;
        }
        pending.push(() => {
          variable.assign(p);
          tf.dispose([st.m, st.v, p]);
          st.m = m;
          st.v = v;
        });
      }
    }
    if (bad >= 0) {
      tf.dispose(discard);
      return bad;
    }
    for (const commit of pending) commit();
    this.iterations = t;
    return -1;
  }

  /** Frees the moments held as tensors. */
  dispose(): void {
    for (const st of this.state) if (st.kind === "backend") tf.dispose([st.m, st.v]);
  }
}

/**
 * One Adam update of every element into `mn`, `vn` and `out` (m, v and p are only read), each
 * element in double precision and stored as float32. Returns the sum of the gradient, finite
 * only when every element is (NaN and ±∞ propagate).
 */
function adamLoop(
  g: Float32Array, p: Float32Array, m: Float32Array, v: Float32Array, mn: Float32Array, vn: Float32Array, out: Float32Array,
  b1: number, b2: number, stepSize: number, bc2Sqrt: number, eps: number,
): number {
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  const size = out.length;
  let sum = 0;
  for (let k = 0; k < size; k++) {
    const gk = g[k] as number;
    sum += gk;
    const mk = Math.fround(b1 * (m[k] as number) + c1 * gk);
    const vk = Math.fround(b2 * (v[k] as number) + c2 * gk * gk);
    mn[k] = mk;
    vn[k] = vk;
    out[k] = (p[k] as number) - (stepSize * mk) / (Math.sqrt(vk) / bc2Sqrt + eps);
  }
  return sum;
}

/** Whether every element is finite (a sum can overflow to ±∞ from finite terms). */
function allFinite(g: ArrayLike<number>): boolean {
  for (let k = 0; k < g.length; k++) if (!Number.isFinite(g[k] as number)) return false;
  return true;
}
