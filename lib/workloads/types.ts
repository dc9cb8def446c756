// A workload turns a seeded random stream into client requests and replies
// into history completions. Workloads run inside the test controller
// container (bundled from here) and must not do I/O themselves.
//
// Phases of a test, driven by the controller: setup (requests sent once to
// each node, e.g. broadcast's topology; not part of the history) → main phase
// (clients at the suite's rate and concurrency, faults on schedule) → the
// runner heals every fault → a recovery wait → final operations (e.g. a read
// on every node), which are part of the history.
import type { Random } from "../random.js";

export interface WorkloadContext {
  nodeIds: string[];
  /** Keys the workload spreads its operations over, where it has keys. */
  keyCount: number;
  /** Broadcast topology name (grid, line, tree2, tree3, tree4, total). */
  topology: string;
}

export interface GeneratedOp {
  /** Operation name recorded in the history (read, write, cas, broadcast, add, send, poll, ...). */
  f: string;
  /** The value recorded on the invocation. */
  value: unknown;
  /** The Maelstrom request body without msg_id. Its reply type is `${type}_ok`. */
  body: Record<string, unknown> & { type: string };
}

/** One client process's stream of operations (it may keep state, e.g. kafka offsets). */
export interface WorkloadClient {
  next(): GeneratedOp;
  /** Sees every completed operation of this client, to update its state. */
  observe?(op: GeneratedOp, reply: Record<string, unknown> | undefined): void;
}

export interface Workload {
  name: string;
  setup?(ctx: WorkloadContext): Array<{ node: string; body: Record<string, unknown> & { type: string } }>;
  client(rng: Random, ctx: WorkloadContext): WorkloadClient;
  /** The value recorded on an ok completion. */
  okValue(op: GeneratedOp, reply: Record<string, unknown>): unknown;
  /** Operations sent to `node` after the recovery wait. */
  finalOps?(ctx: WorkloadContext, node: string): GeneratedOp[];
}
