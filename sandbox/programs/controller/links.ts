// The controller's connections to the nodes' client ports: connecting with a
// deadline (a node that does not answer init in time fails the test),
// requests matched to their replies by node, client and msg_id, replies over
// MAX_FRAME_BYTES ending the connection as a limit violation, and the agents'
// counters and message journals asked for at the end.
import net from "node:net";
import { CLIENT_PORT, LineSplitter, MAX_FRAME_BYTES, MAX_LINE_BYTES, asEnvelope, type AgentFrame, type AgentStats, type ControllerFrame, type Envelope } from "../agent/wire.js";
import { MAX_ERROR_TEXT_CHARS, type LimitViolation } from "./spec.js";

function logErr(line: string): void {
  process.stderr.write(`[controller] ${line}\n`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface NodeLink {
  id: string;
  socket: net.Socket;
  statsWaiter?: (stats: AgentStats) => void;
  /** Where the agent's journal frames go once asked for (journal-file.ts). */
  journalSink?: (frame: Extract<AgentFrame, { kind: "journal" | "journalEnd" }>) => void;
}

/** Requests waiting for their reply, by node, client and msg_id: a node answers only what was sent to it. */
const pending = new Map<string, (body: Envelope["body"]) => void>();

/**
 * Maelstrom mode: our agent answers, in frames (wire.ts). Native mode: the
 * program itself serves clients, one plain envelope per line.
 */
let framed = true;

/** Maelstrom mode (frames through our agent) or native mode (plain envelopes from the program). */
export function useFrames(on: boolean): void {
  framed = on;
}

export async function connect(id: string, deadline: number, onViolation: (v: LimitViolation) => void): Promise<NodeLink> {
  for (;;) {
    try {
      const socket = await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host: id, port: CLIENT_PORT });
        s.once("connect", () => resolve(s));
        s.once("error", reject);
      });
      socket.setNoDelay(true);
      const link: NodeLink = { id, socket };
      const frames = new LineSplitter(
        MAX_FRAME_BYTES,
        (line) => {
          let value: unknown;
          try {
            value = JSON.parse(line);
          } catch {
            return;
          }
          const frame = (framed ? value : { kind: "envelope", envelope: value }) as AgentFrame | null;
          if (frame?.kind === "stats") {
            if (typeof frame.stats === "object" && frame.stats !== null) link.statsWaiter?.(frame.stats);
            return;
          }
          if (frame?.kind === "journal" || frame?.kind === "journalEnd") {
            link.journalSink?.(frame);
            return;
          }
          const envelope = frame?.kind === "envelope" ? asEnvelope(frame.envelope) : undefined;
          if (!envelope || typeof envelope.body.in_reply_to !== "number") return;
          pending.get(`${id}:${envelope.dest}:${envelope.body.in_reply_to}`)?.(envelope.body);
        },
        () => {
          onViolation({ node: id, limit: "reply_size", detail: `${id} sent a reply larger than ${MAX_LINE_BYTES / 1024 / 1024} MiB; its client connection was closed` });
          socket.destroy();
        },
      );
      socket.on("data", (chunk: Buffer) => frames.push(chunk));
      socket.on("error", (err) => logErr(`connection to ${id}: ${err.message}`));
      return link;
    } catch {
      if (Date.now() > deadline) throw new Error(`node ${id} did not accept clients in time (did it answer init?)`);
      await sleep(100);
    }
  }
}

/** Sends one request and waits for its reply (undefined on timeout). */
export function request(link: NodeLink, clientId: string, msgId: number, body: Record<string, unknown>, timeoutMs: number): Promise<Envelope["body"] | undefined> {
  return new Promise((resolve) => {
    const key = `${link.id}:${clientId}:${msgId}`;
    const timer = setTimeout(() => {
      pending.delete(key);
      resolve(undefined);
    }, timeoutMs);
    pending.set(key, (reply) => {
      clearTimeout(timer);
      pending.delete(key);
      resolve(reply);
    });
    const envelope: Envelope = { src: clientId, dest: link.id, body: { ...body, type: String(body.type), msg_id: msgId } };
    const frame: ControllerFrame | Envelope = framed ? { kind: "envelope", envelope } : envelope;
    if (!link.socket.destroyed) link.socket.write(JSON.stringify(frame) + "\n");
  });
}

/** A node's error text, bounded. */
export function errorText(text: unknown): string {
  const s = typeof text === "string" ? text : text === undefined ? "" : JSON.stringify(text) ?? "";
  return s.length > MAX_ERROR_TEXT_CHARS ? `${s.slice(0, MAX_ERROR_TEXT_CHARS)}… (${s.length} characters, cut)` : s;
}

