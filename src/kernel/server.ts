/**
 * The semantic-gps kernel: tslab's sockets, compiler and executor, with our own message
 * dispatch on top. What it changes, and why:
 *
 * - errors reach the frontend: `execute_reply` with status "error" and `ename`/`evalue`/
 *   `traceback`, and an `error` message on iopub (tslab writes the text to stderr instead);
 *   TypeScript compile errors carry `line:column` and their TS code;
 * - no silent aborts: tslab answers every request that arrives within 200 ms of an error with
 *   "abort". We follow ipykernel's `stop_on_error`: after a failed request that asked for it,
 *   only the execute requests that had already arrived are answered "aborted";
 * - the last expression becomes an `execute_result` (its own `Symbol.for("Jupyter.display")`
 *   bundle when it has one); execution counts on every reply and on `execute_input`;
 * - a complete `kernel_info_reply` (TypeScript's real version), `history_request`, a correct
 *   `comm_info_reply`, and shell requests handled one at a time, as ipykernel does.
 *
 * Sockets (`init`, heartbeat, `close`), completion, inspection and is-complete stay tslab's.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import { versions } from "tslab";
import { JupyterHandlerImpl, ZmqServer } from "tslab/dist/jupyter";
import * as tslabJupyter from "tslab/dist/jupyter";
import type { Diagnostic } from "tslab/dist/converter";
import type { Executor } from "tslab/dist/executor";
import { childMessage, encodeMessage, parseMessage, PROTOCOL_VERSION, type Message } from "./protocol";
import { History, type HistoryRequest } from "./history";
import { diagnosticsContent, errorContent, normalizeBundle, resultBundle, type ErrorContent, type MimeBundle } from "./results";

/** The registry symbol of the display sink that src/display/ sends through. */
export const DISPLAY_SINK = Symbol.for("semantic-gps.display-sink");

/** Our version, from the package manifest two folders up (dist/kernel → package root). */
const KERNEL_VERSION = (JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string }).version;

/** What one execution left behind, filled by the executor's console and the converter. */
export interface CellOutcome {
  diagnostics: Diagnostic[];
  threw: boolean;
  thrown: unknown;
  hasValue: boolean;
  value: unknown;
}

export function freshOutcome(): CellOutcome {
  return { diagnostics: [], threw: false, thrown: undefined, hasValue: false, value: undefined };
}

type ShellSocket = Parameters<ZmqServer["handleShellMessage"]>[0];
interface Sendable {
  send(frames: Buffer[]): Promise<unknown>;
}

/** Writes kernel-internal problems to the real stderr (the kernel log), never into a cell. */
const logInternal = ((write) => (text: string): void => void write(`[semantic-gps kernel] ${text}\n`))(
  process.stderr.write.bind(process.stderr),
);

export class Kernel extends ZmqServer {
  /** The outcome of the execution in progress; the executor's console writes into it. */
  outcome: CellOutcome = freshOutcome();

  private readonly executor: Executor;
  private readonly tslabHandler: JupyterHandlerImpl;
  private readonly history = new History();
  private executionCount = 0;
  /** Shell requests run one at a time, in arrival order. */
  private queue: Promise<void> = Promise.resolve();
  private received = 0;
  /** Execute requests numbered up to here arrived before a stop-on-error failure: abort them. */
  private abortThrough = 0;
  /** The request whose cell receives output (kept after it finishes, for late async output). */
  private current: Message | null = null;
  private readonly sending = new Map<Sendable, Promise<void>>();
  private pendingStream: { name: string; text: string; parent: Message | null } | null = null;

  constructor(executor: Executor, connectionFile: string) {
    const handler = new JupyterHandlerImpl(executor, false);
    super(handler, connectionFile);
    this.executor = executor;
    this.tslabHandler = handler;
  }

  /** Routes stdout/stderr, tslab's own `display` and our display sink to the current cell. */
  installOutputs(): void {
    const stream = (name: string, text: string): void => this.writeStream(name, text);
    process.stdout.write = this.tslabHandler.createWriteToIopub("stdout", stream) as typeof process.stdout.write;
    process.stderr.write = this.tslabHandler.createWriteToIopub("stderr", stream) as typeof process.stderr.write;
    (tslabJupyter as { lastWriteDisplayData: unknown }).lastWriteDisplayData = (
      data: { data: MimeBundle; metadata?: Record<string, unknown>; transient?: Record<string, unknown> },
      update: boolean,
    ) => this.publish(update ? "update_display_data" : "display_data", { metadata: {}, transient: {}, ...data });
    const sink = {
      display: (bundle: MimeBundle, opts?: { displayId?: string; metadata?: Record<string, unknown> }): void =>
        this.publish("display_data", {
          data: normalizeBundle(bundle, "display"),
          metadata: opts?.metadata ?? {},
          transient: opts?.displayId === undefined ? {} : { display_id: opts.displayId },
        }),
      update: (displayId: string, bundle: MimeBundle, metadata?: Record<string, unknown>): void =>
        this.publish("update_display_data", {
          data: normalizeBundle(bundle, "update"),
          metadata: metadata ?? {},
          transient: { display_id: displayId },
        }),
    };
    (globalThis as Record<symbol, unknown>)[DISPLAY_SINK] = sink;
  }

  override async handleShellMessage(sock: ShellSocket, ...frames: Buffer[]): Promise<void> {
    let msg: Message;
    try {
      msg = parseMessage(this.connInfo.key, frames);
    } catch (e) {
      logInternal(String(e));
      return;
    }
    if (sock === this.control) return this.dispatch(sock, msg, 0);
    const seq = ++this.received;
    // A failure is logged, never left in the chain: it would block every later request.
    this.queue = this.queue.then(() => this.dispatch(sock, msg, seq)).catch((e) => logInternal(`dispatch failed: ${e}`));
    return this.queue;
  }

  private send(sock: Sendable, msg: Message): void {
    const frames = encodeMessage(this.connInfo.key, msg);
    // zeromq allows one pending send per socket: chain them.
    const next = (this.sending.get(sock) ?? Promise.resolve())
      .then(() => sock.send(frames))
      .then(() => undefined)
      .catch((e) => logInternal(`send failed: ${e}`));
    this.sending.set(sock, next);
  }

  /**
   * Consecutive writes to one stream within a tick become one `stream` message (one output in
   * the notebook, as ipykernel's buffering gives), flushed before anything else is sent.
   */
  private writeStream(name: string, text: string): void {
    const pending = this.pendingStream;
    if (pending && pending.name === name && pending.parent === this.current) {
      pending.text += text;
      return;
    }
    this.flushStream();
    this.pendingStream = { name, text, parent: this.current };
    setImmediate(() => this.flushStream());
  }

  private flushStream(): void {
    const pending = this.pendingStream;
    if (pending === null) return;
    this.pendingStream = null;
    this.publish("stream", { name: pending.name, text: pending.text }, pending.parent);
  }

  private publish(msgType: string, content: Record<string, unknown>, parent: Message | null = this.current): void {
    if (msgType !== "stream") this.flushStream();
    const msg = childMessage(parent, msgType, content);
    msg.identities = [Buffer.from(`kernel.${msgType}`)];
    this.send(this.iopub, msg);
  }

  private reply(sock: Sendable, request: Message, content: Record<string, unknown>): void {
    this.flushStream();
    const replyType = request.header.msg_type.replace(/_request$/, "_reply");
    this.send(sock, childMessage(request, replyType, { status: "ok", ...content }));
  }

  private async dispatch(sock: ShellSocket, msg: Message, seq: number): Promise<void> {
    this.publish("status", { execution_state: "busy" }, msg);
    let shuttingDown = false;
    try {
      const c = msg.content;
      switch (msg.header.msg_type) {
        case "kernel_info_request":
          this.reply(sock, msg, this.kernelInfo());
          break;
        case "execute_request":
          await this.execute(sock, msg, seq);
          break;
        case "is_complete_request":
          this.reply(sock, msg, { ...this.tslabHandler.handleIsComplete(c as never) });
          break;
        case "inspect_request":
          this.reply(sock, msg, { ...this.tslabHandler.handleInspect(c as never) });
          break;
        case "complete_request":
          this.reply(sock, msg, { ...this.tslabHandler.handleComplete(c as never) });
          break;
        case "history_request":
          this.reply(sock, msg, { history: this.history.query(c as HistoryRequest) });
          break;
        case "comm_info_request":
          this.reply(sock, msg, { comms: {} });
          break;
        case "interrupt_request":
          this.executor.interrupt();
          this.reply(sock, msg, {});
          break;
        case "shutdown_request":
          this.reply(sock, msg, { restart: c.restart === true });
          shuttingDown = true;
          break;
        default:
          logInternal(`unsupported message type ${msg.header.msg_type}`);
      }
    } catch (e) {
      logInternal(`failed to handle ${msg.header.msg_type}: ${(e as Error)?.stack ?? String(e)}`);
      if (msg.header.msg_type.endsWith("_request")) this.reply(sock, msg, { status: "error", ...errorContent(e) });
    } finally {
      this.publish("status", { execution_state: "idle" }, msg);
    }
    if (shuttingDown) await this.shutdown();
  }

  private kernelInfo(): Record<string, unknown> {
    const base = this.tslabHandler.handleKernel();
    return {
      ...base,
      protocol_version: PROTOCOL_VERSION,
      implementation: "semantic-gps",
      implementation_version: KERNEL_VERSION,
      language_info: {
        ...base.language_info,
        version: versions.typescript,
        pygments_lexer: "typescript",
        nbconvert_exporter: "script",
      },
      banner: `TypeScript ${versions.typescript} — semantic-gps kernel ${KERNEL_VERSION} on tslab ${versions.tslab}, Node.js ${versions.node}`,
      help_links: [{ text: "tslab", url: "https://github.com/yunabe/tslab" }],
      debugger: false,
    };
  }

  private async execute(sock: ShellSocket, msg: Message, seq: number): Promise<void> {
    const code = String(msg.content.code ?? "");
    const silent = msg.content.silent === true;
    const storeHistory = !silent && msg.content.store_history !== false;
    const stopOnError = msg.content.stop_on_error !== false;
    if (seq <= this.abortThrough) {
      this.reply(sock, msg, { status: "aborted", execution_count: this.executionCount });
      return;
    }
    this.current = msg;
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    if (!silent) this.publish("execute_input", { code, execution_count: count });

    this.outcome = freshOutcome();
    const ok = await this.executor.execute(code);
    const outcome = this.outcome;
    let error: ErrorContent | null = null;
    let shown: string | null = null;
    if (outcome.diagnostics.length > 0) error = diagnosticsContent(outcome.diagnostics, code);
    else if (!ok || outcome.threw) error = errorContent(outcome.thrown);
    else if (outcome.hasValue && !silent) {
      try {
        const data = await resultBundle(outcome.value);
        this.publish("execute_result", { execution_count: count, data, metadata: {} });
        shown = typeof data["text/plain"] === "string" ? data["text/plain"] : null;
      } catch (e) {
        error = errorContent(e);
      }
    }
    if (storeHistory) this.history.add(count, code, shown);

    if (error === null) {
      this.reply(sock, msg, { execution_count: count, payload: [], user_expressions: {} });
      return;
    }
    this.publish("error", { ...error });
    if (stopOnError && !silent) {
      // Like ipykernel's _abort_queues: let requests already sent reach us, then abort only those.
      await nextMacrotask();
      this.abortThrough = this.received;
    }
    this.reply(sock, msg, { status: "error", execution_count: count, ...error });
  }

  private async shutdown(): Promise<void> {
    await Promise.all(this.sending.values());
    this.close();
    // User timers may keep the event loop alive; a restart must not wait for them.
    setTimeout(() => process.exit(0), 100).unref();
  }
}
