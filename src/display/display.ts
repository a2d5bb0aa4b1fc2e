/**
 * Showing things in a notebook: `display(x)` sends every representation of `x` at once;
 * `createDisplay()` returns a handle whose output is replaced in place by `update(x)` (the
 * live training view uses it). Outside a kernel, both print the text/plain form.
 */
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { argError, describeValue } from "../internal/validate";
import { DISPLAY_SYMBOL, type MimeBundle } from "../internal/table";
import { currentSink } from "./sink";

/** Anything with the display protocol method. */
export interface Displayable {
  [DISPLAY_SYMBOL](): MimeBundle | Promise<MimeBundle>;
}

function isDisplayable(x: unknown): x is Displayable {
  return typeof x === "object" && x !== null && typeof (x as Record<symbol, unknown>)[DISPLAY_SYMBOL] === "function";
}

/** The MIME bundle of a displayable object, a bundle, or a plain value (as text). */
export async function toBundle(fn: string, value: unknown): Promise<MimeBundle> {
  if (isDisplayable(value)) return await value[DISPLAY_SYMBOL]();
  if (typeof value === "string") return { "text/plain": value };
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length > 0 && keys.every((k) => /^[a-z]+\/[-+.\w]+$/.test(k))) return value as MimeBundle;
  }
  if (value === undefined) throw argError(fn, "value", "something to display", describeValue(value), "type");
  return { "text/plain": inspect(value) };
}

function printFallback(bundle: MimeBundle): void {
  const text = bundle["text/plain"];
  process.stdout.write(`${typeof text === "string" ? text : `[${Object.keys(bundle).join(", ")}]`}\n`);
}

/**
 * Shows a value in the notebook with all its representations (a figure, a table, a MIME
 * bundle such as `{ "text/html": "<b>hi</b>", "text/plain": "hi" }`, or any value as text).
 */
export async function display(value: unknown): Promise<void> {
  const bundle = await toBundle("display", value);
  const sink = currentSink();
  if (sink) sink.display(bundle);
  else printFallback(bundle);
}

/** A display whose content can be replaced in place. */
export interface DisplayHandle {
  readonly id: string;
  /** Replaces the shown content (in a terminal: prints the new text form). */
  update(value: unknown): Promise<void>;
}

/** Creates an output area that {@link DisplayHandle.update} replaces in place. */
export async function createDisplay(initial: unknown = { "text/plain": "…" }): Promise<DisplayHandle> {
  const id = `sgps-${randomBytes(8).toString("hex")}`;
  const first = await toBundle("createDisplay", initial);
  const sink = currentSink();
  if (sink) sink.display(first, { displayId: id });
  else printFallback(first);
  return {
    id,
    async update(value: unknown): Promise<void> {
      const bundle = await toBundle("DisplayHandle.update", value);
      const s = currentSink();
      if (s) s.update(id, bundle);
      else printFallback(bundle);
    },
  };
}
