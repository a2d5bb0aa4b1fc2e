/**
 * Argument validation and conversion shared by every public function.
 *
 * Every message has the form
 *   `fn: 'arg' must be <expectation>, but got <what came>`
 * so that a reader sees the function, the argument, what was expected and what was received.
 * `TypeError` is thrown for the wrong kind of value, `RangeError` for a value out of range.
 */
import * as tf from "@tensorflow/tfjs";

/** A tensor, or anything `tf.tensor` accepts (nested arrays of numbers, typed arrays). */
export type TensorInput = tf.Tensor | tf.TensorLike;

/** A short description of a received value, for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (value instanceof tf.Tensor) {
    return value.isDisposed ? "a disposed tensor" : `a ${value.dtype} tensor of shape [${value.shape.join(",")}]`;
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return String(value);
  if (typeof value === "function") return "a function";
  return `a ${typeof value}`;
}

/** The error thrown for a failed check; a plain function so call sites stay one line. */
export function argError(
  fn: string,
  arg: string,
  expected: string,
  received: string,
  kind: "type" | "range" = "range",
): Error {
  const text = `${fn}: '${arg}' must be ${expected}, but got ${received}`;
  return kind === "type" ? new TypeError(text) : new RangeError(text);
}

function shapeOfNested(value: unknown, fn: string, arg: string): number[] {
  const shape: number[] = [];
  let level: unknown = value;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  // Check that every row has the same length and every leaf is a number.
  const walk = (node: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof node !== "number") {
        throw argError(fn, arg, "numbers", `${describeValue(node)} at ${path || "the top level"}`, "type");
      }
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw argError(
        fn,
        arg,
        `a rectangular nested array (every row of length ${shape[depth]})`,
        `${describeValue(node)} at ${path || "the top level"}`,
        "type",
      );
    }
    node.forEach((child, i) => walk(child, depth + 1, `${path}[${i}]`));
  };
  walk(value, 0, "");
  return shape;
}

/** Options for {@link toFloatTensor}. */
export interface FloatTensorCheck {
  /** Required rank (e.g. 2 for a batch of embeddings). */
  rank?: number;
  /** Refuse a first dimension of 0 (default true). */
  nonEmpty?: boolean;
  /** Refuse NaN and ±Infinity (default true). */
  finite?: boolean;
}

/**
 * Converts a tensor or nested array to a float32 tensor and checks rank, emptiness and
 * finiteness. A tensor passed in is returned as is (or cast); an array becomes a new tensor,
 * so call this inside `tf.tidy`.
 */
export function toFloatTensor(fn: string, arg: string, value: unknown, check: FloatTensorCheck = {}): tf.Tensor {
  const { rank, nonEmpty = true, finite = true } = check;
  let t: tf.Tensor;
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) throw argError(fn, arg, "a live tensor", "a disposed tensor", "type");
    if (value.dtype === "string" || value.dtype === "complex64") {
      throw argError(fn, arg, "a numeric tensor", describeValue(value), "type");
    }
    t = value.dtype === "float32" ? value : tf.cast(value, "float32");
  } else if (Array.isArray(value)) {
    const shape = shapeOfNested(value, fn, arg);
    const empty = shape.includes(0);
    if (empty && nonEmpty) throw argError(fn, arg, "non-empty", "an empty array");
    if (rank !== undefined && shape.length !== rank && !empty) {
      throw argError(fn, arg, `a rank-${rank} tensor or nested array`, `a nested array of rank ${shape.length}`, "type");
    }
    const finalShape = empty && rank !== undefined ? Array.from({ length: rank }, (_, i) => shape[i] ?? 0) : shape;
    t = tf.tensor(empty ? [] : (value as tf.TensorLike), finalShape, "float32");
  } else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    t = tf.tensor1d(Array.from(value as unknown as ArrayLike<number>), "float32");
  } else {
    throw argError(fn, arg, rank === undefined ? "a tensor or a nested array of numbers" : `a rank-${rank} tensor or nested array of numbers`, describeValue(value), "type");
  }
  if (rank !== undefined && t.rank !== rank) {
    throw argError(fn, arg, `of rank ${rank}`, `rank ${t.rank} (shape [${t.shape.join(",")}])`);
  }
  if (nonEmpty && (t.shape[0] === 0 || t.size === 0)) {
    throw argError(fn, arg, "non-empty", `shape [${t.shape.join(",")}]`);
  }
  if (finite) {
    const data = t.dataSync();
    for (let i = 0; i < data.length; i++) {
      const v = data[i] as number;
      if (!Number.isFinite(v)) {
        const at = t.rank === 2 ? `[${Math.floor(i / (t.shape[1] ?? 1))},${i % (t.shape[1] ?? 1)}]` : `[${i}]`;
        throw argError(fn, arg, "finite (no NaN or Infinity)", `${v} at ${at}`);
      }
    }
  }
  return t;
}

/** Checks that `t` has exactly the shape of `ref`. */
export function assertSameShape(fn: string, arg: string, t: tf.Tensor, refArg: string, ref: tf.Tensor): void {
  if (t.rank !== ref.rank || t.shape.some((d, i) => d !== ref.shape[i])) {
    throw argError(fn, arg, `the same shape as '${refArg}' ([${ref.shape.join(",")}])`, `[${t.shape.join(",")}]`);
  }
}

/** Checks that `options` is undefined or a plain object, and that it names no unknown key. */
export function checkOptions(fn: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object" || Array.isArray(options) || options instanceof tf.Tensor) {
    throw argError(fn, "options", "an object", describeValue(options), "type");
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw argError(fn, "options", `an object with keys among ${known.map((k) => `'${k}'`).join(", ")}`, `unknown key '${key}'`, "type");
    }
  }
  return options as Record<string, unknown>;
}

/** Bounds for {@link numberOption}. */
export interface NumberBounds {
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  above?: number;
  /** Exclusive upper bound. */
  below?: number;
  integer?: boolean;
}

function boundsText(b: NumberBounds): string {
  const parts: string[] = [];
  if (b.above !== undefined) parts.push(`> ${b.above}`);
  if (b.min !== undefined) parts.push(`>= ${b.min}`);
  if (b.below !== undefined) parts.push(`< ${b.below}`);
  if (b.max !== undefined) parts.push(`<= ${b.max}`);
  return `${b.integer ? "an integer" : "a finite number"}${parts.length ? ` ${parts.join(" and ")}` : ""}`;
}

/** Reads a numeric option, applying its default and checking its range. */
export function numberOption(fn: string, name: string, value: unknown, fallback: number, bounds: NumberBounds = {}): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") throw argError(fn, name, boundsText(bounds), describeValue(value), "type");
  const bad =
    !Number.isFinite(value) ||
    (bounds.integer === true && !Number.isInteger(value)) ||
    (bounds.min !== undefined && value < bounds.min) ||
    (bounds.max !== undefined && value > bounds.max) ||
    (bounds.above !== undefined && value <= bounds.above) ||
    (bounds.below !== undefined && value >= bounds.below);
  if (bad) throw argError(fn, name, boundsText(bounds), String(value));
  return value;
}

/** Reads a boolean option. */
export function booleanOption(fn: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw argError(fn, name, "a boolean", describeValue(value), "type");
  return value;
}

/** Reads an option that must be one of a few strings. */
export function enumOption<T extends string>(fn: string, name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw argError(fn, name, `one of ${allowed.map((a) => `"${a}"`).join(", ")}`, describeValue(value), typeof value === "string" ? "range" : "type");
  }
  return value as T;
}

/**
 * Converts labels (a tensor, an array or a typed array of integers) to an `Int32Array`,
 * checking that they are integers and, when `n` is given, that there are `n` of them.
 */
export function toLabels(fn: string, arg: string, value: unknown, n?: number, nArg = "embeddings"): Int32Array {
  let data: ArrayLike<number>;
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) throw argError(fn, arg, "a live tensor", "a disposed tensor", "type");
    if (value.rank !== 1) throw argError(fn, arg, "a rank-1 tensor or array of integer labels", describeValue(value), "type");
    data = value.dataSync();
  } else if (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    data = value as ArrayLike<number>;
  } else {
    throw argError(fn, arg, "a rank-1 tensor or array of integer labels", describeValue(value), "type");
  }
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v !== "number" || !Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1) {
      throw argError(fn, arg, "integer labels", `${describeValue(v)} at [${i}]`, typeof v === "number" ? "range" : "type");
    }
    out[i] = v;
  }
  if (n !== undefined && out.length !== n) {
    throw argError(fn, arg, `one label per row of '${nArg}' (${n})`, `${out.length} labels`);
  }
  return out;
}
