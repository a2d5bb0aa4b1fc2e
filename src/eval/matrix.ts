/**
 * Embeddings as plain float64 numbers for the metrics and diagnostics, which need no gradient:
 * a tensor is read once (dataSync), a nested array is checked in place.
 */
import * as tf from "@tensorflow/tfjs";
import { argError, describeValue, type TensorInput } from "../internal/validate";

/** A row-major matrix of float64 numbers. */
export interface Matrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** Reads a rank-2 tensor or nested array of finite numbers (at least one row). */
export function readMatrix(fn: string, arg: string, value: TensorInput | readonly (readonly number[])[], opts: { finite?: boolean } = {}): Matrix {
  const finite = opts.finite ?? true;
  let data: Float64Array;
  let rows: number;
  let cols: number;
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) throw argError(fn, arg, "a live tensor", "a disposed tensor", "type");
    if (value.rank !== 2) throw argError(fn, arg, "a rank-2 tensor or nested array", describeValue(value), "type");
    [rows, cols] = value.shape as [number, number];
    data = Float64Array.from(value.dataSync() as ArrayLike<number>);
  } else if (Array.isArray(value)) {
    rows = value.length;
    cols = Array.isArray(value[0]) ? (value[0] as unknown[]).length : 0;
    data = new Float64Array(rows * cols);
    value.forEach((r: unknown, i: number) => {
      if (!Array.isArray(r) || r.length !== cols) throw argError(fn, arg, `rows of ${cols} numbers`, `${describeValue(r)} at row ${i}`, "type");
      r.forEach((x: unknown, j: number) => {
        if (typeof x !== "number") throw argError(fn, arg, "numbers", `${describeValue(x)} at [${i},${j}]`, "type");
        data[i * cols + j] = x;
      });
    });
  } else {
    throw argError(fn, arg, "a rank-2 tensor or nested array of numbers", describeValue(value), "type");
  }
  if (rows === 0 || cols === 0) throw argError(fn, arg, "non-empty", `shape [${rows},${cols}]`);
  if (finite) {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i] as number)) throw argError(fn, arg, "finite (no NaN or Infinity)", `${data[i]} at [${Math.floor(i / cols)},${i % cols}]`);
    }
  }
  return { data, rows, cols };
}

/** Euclidean length of row i. */
export function rowNorm(m: Matrix, i: number): number {
  let s = 0;
  for (let k = 0; k < m.cols; k++) s += (m.data[i * m.cols + k] as number) ** 2;
  return Math.sqrt(s);
}

/** A copy with every row scaled to unit length (a zero row stays zero), as F.normalize does. */
export function normalizedRows(m: Matrix): Matrix {
  const out = new Float64Array(m.data.length);
  for (let i = 0; i < m.rows; i++) {
    const norm = Math.max(rowNorm(m, i), 1e-12);
    for (let k = 0; k < m.cols; k++) out[i * m.cols + k] = (m.data[i * m.cols + k] as number) / norm;
  }
  return { data: out, rows: m.rows, cols: m.cols };
}

/** Euclidean distance between row i of a and row j of b. */
export function rowDistance(a: Matrix, i: number, b: Matrix, j: number): number {
  let s = 0;
  for (let k = 0; k < a.cols; k++) {
    const d = (a.data[i * a.cols + k] as number) - (b.data[j * b.cols + k] as number);
    s += d * d;
  }
  return Math.sqrt(s);
}

/** Dot product of row i of a and row j of b. */
export function rowDot(a: Matrix, i: number, b: Matrix, j: number): number {
  let s = 0;
  for (let k = 0; k < a.cols; k++) s += (a.data[i * a.cols + k] as number) * (b.data[j * b.cols + k] as number);
  return s;
}
