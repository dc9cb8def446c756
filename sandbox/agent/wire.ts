// The agent's wire protocol, shared by the node agent (in each node
// container) and the test controller (the client side of a test).
//
// - Node to node and node to service: one Maelstrom envelope per UDP datagram
//   on PEER_PORT. UDP, so a datagram dropped by a partition's firewall rule is
//   lost on the wire: neither the kernel nor the agent ever replays it.
// - Controller to agent: one TCP connection on CLIENT_PORT, one JSON object
//   per line: Maelstrom envelopes to/from client ids (c1, c2, ...) and agent
//   control lines, which carry a `labgrade` key instead of `src`.

export const PEER_PORT = 7000;
export const CLIENT_PORT = 7001;
/** Largest envelope that fits one UDP datagram over IPv4. */
export const MAX_DATAGRAM_BYTES = 65_507;
/** Maelstrom gives a node this long to answer init. */
export const INIT_TIMEOUT_MS = 10_000;
/** Exit code of an agent whose node never answered init. */
export const EXIT_NO_INIT_OK = 86;

export interface Envelope {
  src: string;
  dest: string;
  body: { type: string; msg_id?: number; in_reply_to?: number; [key: string]: unknown };
}

/** Counters an agent reports when asked (`{"labgrade":"stats"}`). */
export interface AgentStats {
  labgrade: "stats";
  node: string;
  /** Envelopes sent to other nodes and services (server-to-server traffic). */
  serverMessagesSent: number;
  serverMessagesReceived: number;
  clientMessagesIn: number;
  clientMessagesOut: number;
  /** Envelopes too large for a datagram, dropped (reported to the student). */
  oversizeDropped: number;
  /** Lines on the program's stdout that were not envelopes. */
  malformedStdoutLines: number;
  /** Count of sent server messages by body type. */
  sentByType: Record<string, number>;
}

export function isClientId(id: string): boolean {
  return /^c\d+$/.test(id);
}

export function parseEnvelope(line: string): Envelope | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const body = v.body as Record<string, unknown> | undefined;
  if (typeof v.src !== "string" || typeof v.dest !== "string" || typeof body !== "object" || body === null) return undefined;
  if (typeof body.type !== "string") return undefined;
  return value as Envelope;
}
