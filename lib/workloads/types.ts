// A workload turns a seeded random stream into client requests and turns
// replies into history completions. Workloads run inside the test controller
// container (bundled from here) and must not touch I/O themselves.
import type { Random } from "../random.js";

export interface GeneratedOp {
  f: string;
  /** The value recorded on the invocation. */
  value: unknown;
  /** The Maelstrom request body without msg_id. */
  body: Record<string, unknown> & { type: string };
}

export interface Workload {
  name: string;
  /** The next operation a client issues. */
  generate(rng: Random): GeneratedOp;
  /** Completion value for an ok reply, from the request and reply bodies. */
  okValue(op: GeneratedOp, reply: Record<string, unknown>): unknown;
  /** The reply type that marks success (e.g. echo_ok). */
  okType(op: GeneratedOp): string;
}
