// The contract between the runner and the test controller container: what
// one test's client side must do. Passed as JSON in LABGRADE_TEST, parsed by
// both ends.
import { z } from "zod";
import type { HistoryEvent } from "../../lib/history.js";
import type { AgentStats } from "../agent/wire.js";

export const controllerSpecSchema = z.object({
  /** Workload name (see lib/workloads). */
  workload: z.string(),
  /** maelstrom: our agent fronts each node (and reports message counts); native: the program serves clients itself. */
  protocol: z.enum(["maelstrom", "native"]).default("maelstrom"),
  /** Node ids of the cluster, reachable by these names on the lab network. */
  nodeIds: z.array(z.string().regex(/^n\d+$/)).min(1),
  /** Number of concurrent client processes. */
  concurrency: z.number().int().min(1).max(100),
  /** Target operations per second across all clients. */
  ratePerSecond: z.number().positive().max(10_000),
  /** Length of the main phase, in milliseconds. */
  durationMs: z.number().int().positive(),
  /** Seed of every generated operation (u64, decimal). */
  seed: z.string().regex(/^\d{1,20}$/),
  /** Keys the workload spreads its operations over. */
  keyCount: z.number().int().min(1).max(10_000).default(5),
  /** Broadcast topology (grid, line, tree2, tree3, tree4, total). */
  topology: z.string().default("grid"),
  /** Wait after the main phase (faults healed) before the final operations. */
  recoveryMs: z.number().int().min(0).default(0),
  /** A request with no reply in this time is recorded as `info`. */
  requestTimeoutMs: z.number().int().positive().default(5000),
  /** How long to wait for every node's agent to accept clients (after init_ok). */
  readyTimeoutMs: z.number().int().positive().default(20_000),
});

export type ControllerSpec = z.infer<typeof controllerSpecSchema>;
/** What a caller provides (defaults filled in by the schema). */
export type ControllerSpecInput = z.input<typeof controllerSpecSchema>;

/** One line of the controller's stdout. */
export type ControllerLine =
  | { event: HistoryEvent }
  | { stats: AgentStats }
  | { ready: { nodes: string[]; waitedMs: number } }
  | { done: { operations: number; elapsedMs: number } }
  | { fatal: { message: string } };
