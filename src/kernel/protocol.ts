/**
 * The Jupyter wire protocol (messaging spec 5.3): parse a multipart ZeroMQ message, verify its
 * HMAC, and build signed replies. tslab keeps its own codec private (`ZmqMessage` is not
 * exported), so the wrapper carries this small one.
 *
 * @see https://jupyter-client.readthedocs.io/en/stable/messaging.html#the-wire-protocol
 */
import { createHmac, randomUUID } from "node:crypto";

/** The protocol version our replies declare. */
export const PROTOCOL_VERSION = "5.3";

/** Separates ZeroMQ routing identities from the signed message parts. */
const DELIMITER = Buffer.from("<IDS|MSG>");

export interface Header {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

/** A decoded message. `identities` route a reply back to the client that asked. */
export interface Message {
  identities: Buffer[];
  header: Header;
  parent: Header | Record<string, never>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers: Buffer[];
}

function sign(key: string, parts: readonly (string | Buffer)[]): string {
  if (key === "") return "";
  const hmac = createHmac("sha256", key);
  for (const part of parts) hmac.update(part);
  return hmac.digest("hex");
}

/** Decodes `frames`; throws when the delimiter is missing or the signature does not match. */
export function parseMessage(key: string, frames: readonly Buffer[]): Message {
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  if (at < 0) throw new Error("kernel: message without the <IDS|MSG> delimiter");
  const signature = frames[at + 1]?.toString() ?? "";
  const parts = frames.slice(at + 2);
  if (parts.length < 4) throw new Error(`kernel: message with ${parts.length} parts, expected at least 4`);
  const expected = sign(key, parts.slice(0, 4));
  if (expected !== signature) throw new Error("kernel: message signature does not match the connection key");
  const json = (i: number): Record<string, unknown> => JSON.parse((parts[i] as Buffer).toString("utf8"));
  return {
    identities: frames.slice(0, at),
    header: json(0) as unknown as Header,
    parent: json(1) as Message["parent"],
    metadata: json(2),
    content: json(3),
    buffers: parts.slice(4),
  };
}

/** A new message of `msgType` whose parent is `parent` (or none, for unsolicited output). */
export function childMessage(parent: Message | null, msgType: string, content: Record<string, unknown>): Message {
  return {
    identities: parent?.identities ?? [],
    header: {
      msg_id: randomUUID(),
      msg_type: msgType,
      session: parent?.header.session ?? "",
      username: parent?.header.username ?? "kernel",
      date: new Date().toISOString(),
      version: PROTOCOL_VERSION,
    },
    parent: parent?.header ?? {},
    metadata: {},
    content,
    buffers: [],
  };
}

/** The signed frames of `msg`, ready for `socket.send`. */
export function encodeMessage(key: string, msg: Message): Buffer[] {
  const parts = [msg.header, msg.parent, msg.metadata, msg.content].map((p) => Buffer.from(JSON.stringify(p)));
  return [...msg.identities, DELIMITER, Buffer.from(sign(key, parts)), ...parts, ...msg.buffers];
}
