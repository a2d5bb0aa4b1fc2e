/**
 * Reading a tensor's values without copying them, where the backend allows it.
 *
 * On tfjs-backend-wasm, `dataSync()` allocates a fresh buffer and copies the values out of the
 * wasm heap; for an N × N matrix the allocation (page faults of a new zero-filled buffer)
 * dominates: 3.5 ms for 1024² floats, measured, against ~0.1 ms for the arithmetic that reads
 * them. A view straight into the heap costs nothing.
 */
import * as tf from "@tensorflow/tfjs";

interface WasmBackendLike {
  wasm?: { HEAPF32?: Float32Array };
  dataIdMap?: { get(id: object): { memoryOffset?: number } | undefined };
}

/**
 * The values of a float32 tensor: on wasm a view into the heap (no copy), elsewhere
 * `dataSync()`. The view is only valid until the next TensorFlow.js call (which may grow the heap
 * or reuse the memory), so read it at once and never write into it.
 */
export function peekValues(t: tf.Tensor): ArrayLike<number> {
  return heapView(t) ?? t.dataSync();
}

/**
 * A float32 tensor's values in the wasm heap, or null on other backends. Writing is only for a
 * tensor just created by the caller and not yet handed to anyone (filling it in place avoids a
 * JS buffer per call, which the garbage collector returns late).
 */
export function heapView(t: tf.Tensor): Float32Array | null {
  if (t.dtype !== "float32" || tf.getBackend() !== "wasm") return null;
  const b = tf.backend() as unknown as WasmBackendLike;
  const offset = b.dataIdMap?.get(t.dataId)?.memoryOffset;
  const heap = b.wasm?.HEAPF32;
  if (heap === undefined || typeof offset !== "number" || offset % 4 !== 0) return null;
  return heap.subarray(offset / 4, offset / 4 + t.size);
}
