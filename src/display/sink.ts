/**
 * The one channel between the library and a notebook: our kernel installs a sink on a global
 * registry symbol, and everything in display/ sends MIME bundles through it. Outside a kernel
 * (a script, the test runner) there is no sink and displays fall back to their text/plain form.
 */
import type { MimeBundle } from "../internal/table";

/** What the kernel offers: display a bundle (optionally under an id) and replace it later. */
export interface DisplaySink {
  display(bundle: MimeBundle, opts?: { displayId?: string; metadata?: Record<string, unknown> }): void;
  update(displayId: string, bundle: MimeBundle, metadata?: Record<string, unknown>): void;
}

/** The registry symbol under which the kernel installs its {@link DisplaySink}. */
export const SINK_SYMBOL = Symbol.for("semantic-gps.display-sink");

/** The kernel's sink, or null outside a notebook. */
export function currentSink(): DisplaySink | null {
  const sink = (globalThis as Record<symbol, unknown>)[SINK_SYMBOL] as DisplaySink | undefined;
  return sink && typeof sink.display === "function" ? sink : null;
}
