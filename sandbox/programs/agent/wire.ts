// The agent's wire protocol, shared by the node agent (in each node
// container), the test controller (the client side of a test) and the
// services container.
//
// - Node to node and node to service: one Maelstrom envelope per UDP datagram
//   on PEER_PORT. UDP, so a datagram dropped by a partition's firewall rule is
//   lost on the wire: neither the kernel nor the agent ever replays it.
// - Controller and agent: one TCP connection on CLIENT_PORT, one JSON frame per
//   line in each direction (AgentFrame, ControllerFrame). Only the agent and
//   the controller write frames; whatever the node program prints is only ever
//   the `envelope` of a frame, so a node can never pass its output off as the
//   agent's own (e.g. forged message counters).
//
// Nothing the agent reports is trusted for grading: the node program runs as
// the same user in the same container and could take the agent over. Figures
// that count (messages between nodes) come from the netctl sidecar's firewall
// counters (sandbox/traffic.ts), the history from the controller's container.

import type { JournalEntry, JournalTail } from "./journal.js";

export const PEER_PORT = 7000;
export const CLIENT_PORT = 7001;
/** Largest envelope that fits one UDP datagram over IPv4. */
export const MAX_DATAGRAM_BYTES = 65_507;
/** Longest line a node program may print on stdout (an envelope); longer ones end the node with EXIT_LINE_TOO_LONG. */
export const MAX_LINE_BYTES = 1024 * 1024;
/** Longest frame the controller reads from an agent: one envelope of MAX_LINE_BYTES and the frame around it. */
export const MAX_FRAME_BYTES = MAX_LINE_BYTES + 1024;
/** Maelstrom gives a node this long to answer init. */
export const INIT_TIMEOUT_MS = 10_000;
/** Exit code of an agent whose node never answered init. */
export const EXIT_NO_INIT_OK = 86;
/** Exit code of an agent whose node printed a line longer than MAX_LINE_BYTES (a limit, not a crash). */
export const EXIT_LINE_TOO_LONG = 87;

/**
 * What the agent's first log line says. The engine may rotate a node's log
 * (its size limit counts the log's own framing, so many tiny lines fill it
 * early) and drop the start; a log read back that does not begin with this
 * line is known to be cut.
 */
export const AGENT_STARTED = "agent started";

export interface Envelope {
  src: string;
  dest: string;
  body: { type: string; msg_id?: number; in_reply_to?: number; [key: string]: unknown };
}

/** Counters an agent reports when asked. Informational only (see the file's header). */
export interface AgentStats {
  node: string;
  /** Envelopes the agent sent to other nodes and services. */
  serverMessagesSent: number;
  serverMessagesReceived: number;
  clientMessagesIn: number;
  clientMessagesOut: number;
  /** Envelopes too large for a datagram, dropped (reported to the student). */
  oversizeDropped: number;
  /** Lines on the program's stdout that were not envelopes. */
  malformedStdoutLines: number;
  /** Envelopes to a name that is not in the cluster, dropped. */
  unknownDestinations: number;
  /** Datagrams whose `src` was not their sender (or not addressed to this node), dropped. */
  refusedDatagrams: number;
  /** Count of sent server messages by body type. */
  sentByType: Record<string, number>;
}

/**
 * Agent → controller. Asked for its journal (journal.ts), an agent answers
 * with `journal` frames of at most JOURNAL_ENTRIES_PER_FRAME entries, in
 * order, then one `journalEnd`.
 */
export type AgentFrame =
  | { kind: "envelope"; envelope: Envelope }
  | { kind: "stats"; stats: AgentStats }
  | { kind: "journal"; entries: JournalEntry[] }
  | { kind: "journalEnd"; tail: JournalTail };
/** Controller → agent. */
export type ControllerFrame = { kind: "envelope"; envelope: Envelope } | { kind: "stats" } | { kind: "journal" };

export function isClientId(id: string): boolean {
  return /^c\d+$/.test(id);
}

export function isNodeId(id: string): boolean {
  return /^n\d+$/.test(id);
}

export function parseEnvelope(line: string): Envelope | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  return asEnvelope(value);
}

/** The value, if it has an envelope's shape. */
export function asEnvelope(value: unknown): Envelope | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const body = v.body as Record<string, unknown> | undefined;
  if (typeof v.src !== "string" || typeof v.dest !== "string" || typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  if (typeof body.type !== "string") return undefined;
  return value as Envelope;
}

/**
 * The frame carrying an envelope, built around the envelope's own JSON text
 * (already parsed once, so it is one complete JSON value): numbers the
 * program wrote reach the other side digit for digit. Line breaks, which JSON
 * allows only as whitespace between tokens, are made spaces so the frame stays
 * one line.
 */
export function envelopeFrame(envelopeJson: string): string {
  return `{"kind":"envelope","envelope":${oneLine(envelopeJson)}}`;
}

/** JSON text on one line: raw CR and LF can only be whitespace in valid JSON. */
export function oneLine(json: string): string {
  return /[\r\n]/.test(json) ? json.replace(/[\r\n]/g, " ") : json;
}

/**
 * Splits a byte stream into lines without ever holding more than `maxBytes`
 * of an unfinished one: past that, `onOverflow` is called once and the rest
 * of the stream is ignored. (readline would buffer a line without end until
 * the process runs out of memory.)
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overflowed = false;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOverflow: (bytes: number) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.overflowed) return;
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(10, start);
      if (newline === -1) break;
      const part = chunk.subarray(start, newline);
      if (this.pendingBytes + part.length > this.maxBytes) return this.overflow(this.pendingBytes + part.length);
      const line = this.pendingBytes === 0 ? part : Buffer.concat([...this.pending, part]);
      this.pending = [];
      this.pendingBytes = 0;
      start = newline + 1;
      this.onLine(line.toString("utf8"));
      if (this.overflowed) return;
    }
    const rest = chunk.subarray(start);
    if (rest.length === 0) return;
    if (this.pendingBytes + rest.length > this.maxBytes) return this.overflow(this.pendingBytes + rest.length);
    this.pending.push(Buffer.from(rest));
    this.pendingBytes += rest.length;
  }

  private overflow(bytes: number): void {
    this.overflowed = true;
    this.pending = [];
    this.pendingBytes = 0;
    this.onOverflow(bytes);
  }
}
