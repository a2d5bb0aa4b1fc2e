/**
 * What a cell produced, in Jupyter's terms: the MIME bundle of its last expression, and the
 * `ename`/`evalue`/`traceback` of what it threw or of its TypeScript compile errors.
 */
import { inspect } from "node:util";
import type { Diagnostic } from "tslab/dist/converter";

/** Objects that render themselves: `[Symbol.for("Jupyter.display")]()` returns a MIME bundle (Deno's convention). */
export const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

export type MimeBundle = Record<string, unknown>;

export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** ANSI red, as ipykernel colours the error line of a traceback. */
const RED = "\x1b[0;31m";
const RESET = "\x1b[0m";

/** Binary payloads (image/png…) travel base64-encoded in JSON. */
function encodeValue(value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") : value;
}

/** `bundle` with binary values encoded; a bundle that is not a plain object is a TypeError. */
export function normalizeBundle(bundle: unknown, what: string): MimeBundle {
  if (typeof bundle !== "object" || bundle === null || Array.isArray(bundle)) {
    throw new TypeError(`${what} must return a MIME bundle object such as { "text/html": "…" }, but got ${inspect(bundle)}`);
  }
  const out: MimeBundle = {};
  for (const [mime, value] of Object.entries(bundle)) out[mime] = encodeValue(value);
  return out;
}

/**
 * The bundle for a cell's last value: its own display method's bundle when it has one
 * (awaited if it returns a Promise; a text/plain fallback is added when missing), else the
 * value as `util.inspect` prints it.
 */
export async function resultBundle(value: unknown): Promise<MimeBundle> {
  const method = (value as Record<symbol, unknown> | null | undefined)?.[JUPYTER_DISPLAY];
  if ((typeof value === "object" || typeof value === "function") && typeof method === "function") {
    const bundle = normalizeBundle(await (method as () => unknown).call(value), "[Symbol.for(\"Jupyter.display\")]()");
    // A text form for text-only readers (terminals, runners): what it is and what it offers.
    const name = (value as { constructor?: { name?: string } }).constructor?.name || "Object";
    return "text/plain" in bundle ? bundle : { ...bundle, "text/plain": `[${name}: ${Object.keys(bundle).join(", ")}]` };
  }
  return { "text/plain": inspect(value) };
}

/** Stack frames of the kernel's own machinery, dropped from user-facing tracebacks. */
const INTERNAL_FRAME = /node_modules[\\/]tslab[\\/]|[\\/]dist[\\/]kernel[\\/]|\(node:|^\s+at node:/;

/** Jupyter's error triple for a thrown value. */
export function errorContent(thrown: unknown): ErrorContent {
  if (thrown instanceof Error) {
    const ename = thrown.name || thrown.constructor?.name || "Error";
    const frames = (thrown.stack ?? "").split("\n").filter((line) => /^\s+at /.test(line) && !INTERNAL_FRAME.test(line));
    return { ename, evalue: thrown.message, traceback: [`${RED}${ename}${RESET}: ${thrown.message}`, ...frames] };
  }
  const evalue = inspect(thrown);
  return { ename: "Uncaught", evalue, traceback: [`${RED}Uncaught${RESET} ${evalue}`] };
}

/**
 * Jupyter's error triple for TypeScript diagnostics: `line:column - message (TScode)` each,
 * and in the traceback the offending source line with a caret under the column.
 */
export function diagnosticsContent(diagnostics: readonly Diagnostic[], code: string): ErrorContent {
  const lines = code.split("\n");
  const describe = (d: Diagnostic): string =>
    `${d.fileName ? `${d.fileName} ` : ""}${d.start.line + 1}:${d.start.character + 1} - ${d.messageText} (TS${d.code})`;
  const traceback: string[] = [];
  for (const d of diagnostics) {
    traceback.push(`${RED}TSError${RESET}: ${describe(d)}`);
    const source = d.fileName ? undefined : lines[d.start.line];
    if (source !== undefined) traceback.push(`  ${source}`, `  ${" ".repeat(d.start.character)}^`);
  }
  return { ename: "TSError", evalue: diagnostics.map(describe).join("\n"), traceback };
}
