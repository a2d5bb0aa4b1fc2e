/**
 * Choosing the TensorFlow.js engine: native TensorFlow (`@tensorflow/tfjs-node`) when it is
 * installed and loads, else WebAssembly (`@tensorflow/tfjs-backend-wasm`, whose binary ships
 * inside its npm package), else the pure-JavaScript `cpu` backend — and saying why.
 *
 * The environment variable `SEMANTIC_GPS_BACKEND` (`tensorflow` | `wasm` | `cpu`) forces one.
 */
import * as tf from "@tensorflow/tfjs";
import { wasmKernels } from "./internal/simd";
export { WASM_KERNELS_FLAG } from "./internal/simd";

/** The engines this library knows how to start, best first. */
export const BACKEND_ORDER = ["tensorflow", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

/** What {@link ready} chose, and why. */
export interface BackendInfo {
  /** The TensorFlow.js backend that runs every op (`tf.getBackend()`). */
  name: string;
  /** One sentence: why this backend and not a better one. */
  reason: string;
  /** Every engine that was tried before it, with the reason it was not used. */
  skipped: { name: BackendName; reason: string }[];
  /** `true` when `SEMANTIC_GPS_BACKEND` chose it. */
  forced: boolean;
  /**
   * `true` when this library's own vectorised WebAssembly kernels run (Adam, the encoder's
   * sparse input layer, the exps of the InfoNCE losses and NT-Xent, large transposes, the
   * distance matrix, batch-hard mining): on the wasm backend, unless the TF.js flag
   * `SEMANTIC_GPS_WASM_KERNELS` is false. Elsewhere those ops run as JS loops or backend ops,
   * with the same results up to float32 rounding.
   */
  simdKernels: boolean;
}

/** Environment variable that forces one backend. */
export const BACKEND_ENV = "SEMANTIC_GPS_BACKEND";

let chosen: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

function message(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n")[0] ?? text;
}

/** tfjs-backend-cpu prints a "Hi, looks like you are running TensorFlow.js in Node.js" banner on first use; we report the backend ourselves. */
function silenceCpuBanner(): void {
  const cpu = tf.findBackend("cpu") as unknown as { firstUse?: boolean } | null;
  if (cpu && "firstUse" in cpu) cpu.firstUse = false;
}

function requireQuiet(id: string): void {
  // libtensorflow logs CPU-feature notes to stderr unless told otherwise.
  if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = "2";
  require(id);
}

async function tryStart(name: BackendName): Promise<string | null> {
  try {
    if (name === "tensorflow") {
      if (tf.findBackend("tensorflow") === null) requireQuiet("@tensorflow/tfjs-node");
    } else if (name === "wasm") {
      if (tf.findBackend("wasm") === null) require("@tensorflow/tfjs-backend-wasm");
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "MODULE_NOT_FOUND" && message(err).includes(name === "tensorflow" ? "tfjs-node" : "tfjs-backend-wasm")) {
      return `${name === "tensorflow" ? "@tensorflow/tfjs-node" : "@tensorflow/tfjs-backend-wasm"} is not installed`;
    }
    return `it failed to load: ${message(err)}`;
  }
  try {
    // setBackend resolves false (rather than throwing) when the backend cannot initialise.
    const ok = await tf.setBackend(name);
    if (!ok) return "it is installed but failed to initialise";
  } catch (err) {
    return `it failed to initialise: ${message(err)}`;
  }
  return null;
}

async function choose(): Promise<BackendInfo> {
  const raw = process.env[BACKEND_ENV];
  const forcedName = raw === undefined || raw === "" ? null : raw === "node" ? "tensorflow" : raw;
  if (forcedName !== null) {
    if (!(BACKEND_ORDER as readonly string[]).includes(forcedName)) {
      throw new RangeError(
        `ready: environment variable ${BACKEND_ENV} must be one of ${BACKEND_ORDER.join(", ")}, but got '${raw}'`,
      );
    }
    const failure = await tryStart(forcedName as BackendName);
    if (failure !== null) {
      throw new Error(`ready: ${BACKEND_ENV}=${raw} asks for the '${forcedName}' backend, but ${failure}`);
    }
    if (forcedName === "cpu") silenceCpuBanner();
    return { name: tf.getBackend(), reason: `forced by ${BACKEND_ENV}=${raw}`, skipped: [], forced: true, simdKernels: wasmKernels() !== null };
  }
  const skipped: BackendInfo["skipped"] = [];
  for (const name of BACKEND_ORDER) {
    const failure = await tryStart(name);
    if (failure === null) {
      if (name === "cpu") silenceCpuBanner();
      const reason =
        skipped.length === 0
          ? name === "tensorflow"
            ? "@tensorflow/tfjs-node is installed and loaded (native TensorFlow)"
            : `it is the best backend available`
          : skipped.map((s) => `${s.name}: ${s.reason}`).join("; ");
      return { name: tf.getBackend(), reason, skipped, forced: false, simdKernels: wasmKernels() !== null };
    }
    skipped.push({ name, reason: failure });
  }
  throw new Error(`ready: no TensorFlow.js backend could start (${skipped.map((s) => `${s.name}: ${s.reason}`).join("; ")})`);
}

/**
 * Starts the best available backend (once; later calls return the same answer).
 * Await it before the first tensor op, as with `tf.ready()`.
 *
 * @returns which backend runs and why.
 * @throws Error when `SEMANTIC_GPS_BACKEND` names a backend that cannot start.
 * @example
 * const info = await ready();
 * info.name;   // => "wasm"
 * info.reason; // => "tensorflow: @tensorflow/tfjs-node is not installed"
 */
export function ready(): Promise<BackendInfo> {
  if (chosen !== null) return Promise.resolve(chosen);
  if (pending === null) {
    pending = choose().then(
      (info) => {
        chosen = info;
        return info;
      },
      (err: unknown) => {
        pending = null;
        throw err;
      },
    );
  }
  return pending;
}

/**
 * Which backend runs and why. Before {@link ready} has finished it reports the backend
 * TensorFlow.js would use on its own.
 */
export function backendInfo(): BackendInfo {
  const simdKernels = wasmKernels() !== null;
  if (chosen !== null && chosen.name === tf.getBackend()) return { ...chosen, simdKernels };
  const name = tf.getBackend();
  return {
    name,
    reason: chosen === null ? "ready() has not been awaited yet; TensorFlow.js picked it" : "changed by tf.setBackend after ready()",
    skipped: [],
    forced: false,
    simdKernels,
  };
}
