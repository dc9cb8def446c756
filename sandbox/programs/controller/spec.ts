// The contract between the runner and the test controller container: what
// one test's client side must do (passed as JSON in LABGRADE_TEST, parsed by
// both ends), and the record it leaves: the history file, one ControllerLine
// per line, written to a volume of its own (not the container's log, which
// Docker may rotate and cut). The runner checks the record is whole before
// judging (checkRecord).
import { z } from "zod";
import type { HistoryEvent } from "../../../lib/history.js";
import type { AgentStats } from "../agent/wire.js";

/** Where the history volume is mounted in the controller container, and the record's name in it. */
export const RECORD_DIR = "/history";
export const RECORD_FILE = "record.jsonl";
/** Format of the record's first line. */
export const RECORD_FORMAT = "labgrade-controller-record/1";
/** Largest record the controller writes; past it the test stops with a limit violation. */
export const MAX_RECORD_BYTES = 32 * 1024 * 1024;
/** Longest error text kept from a reply; longer ones are cut (the code is what counts). */
export const MAX_ERROR_TEXT_CHARS = 1000;

export const controllerSpecSchema = z.object({
  /** What drives the client side (controller/drivers): the workload's clients. */
  driver: z.enum(["workload"]).default("workload"),
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
  /** The test's settings for its workload (lib/workloads/<name>: its `options`), checked by the workload's own schema. */
  options: z.record(z.string(), z.unknown()).default({}),
  /** Wait after the main phase (faults healed) before the final operations. */
  recoveryMs: z.number().int().min(0).default(0),
  /** A request with no reply in this time is recorded as `info`. */
  requestTimeoutMs: z.number().int().positive().default(5000),
  /** How long to wait for every node's agent to accept clients (after init_ok). */
  readyTimeoutMs: z.number().int().positive().default(20_000),
  /** Where the controller writes its record (a file on the history volume). */
  recordPath: z.string().default(`${RECORD_DIR}/${RECORD_FILE}`),
});

export type ControllerSpec = z.infer<typeof controllerSpecSchema>;
/** What a caller provides (defaults filled in by the schema). */
export type ControllerSpecInput = z.input<typeof controllerSpecSchema>;

/** A limit the nodes broke during the test: the verdict is LIMIT_EXCEEDED, whatever the checker would say. */
export interface LimitViolation {
  /** The node at fault, when one is. */
  node?: string;
  limit: "reply_size" | "record_size";
  /** In plain words, for the student. */
  detail: string;
}

/** One line of the controller's record. */
export type ControllerLine =
  | { header: { format: typeof RECORD_FORMAT; seed: string; workload: string } }
  | { event: HistoryEvent }
  | { stats: AgentStats }
  | { ready: { nodes: string[]; waitedMs: number } }
  | { violation: LimitViolation }
  | { done: { operations: number; elapsedMs: number } }
  | { fatal: { message: string } }
  /** The last line: how many lines came before it. */
  | { end: { lines: number } };

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * The agents' counters as the runner accepts them: an agent runs beside the
 * student's program and could be made to say anything, so every figure is
 * checked before it is stored (and none of them is used for grading).
 */
export const agentStatsSchema = z
  .object({
    node: z.string().regex(/^n\d+$/),
    serverMessagesSent: count,
    serverMessagesReceived: count,
    clientMessagesIn: count,
    clientMessagesOut: count,
    oversizeDropped: count,
    malformedStdoutLines: count,
    unknownDestinations: count,
    refusedDatagrams: count,
    sentByType: z.record(z.string().max(64), count).refine((types) => Object.keys(types).length <= 200, "at most 200 message types"),
  })
  .strict();

/** Why a record is not whole, or null when it is. */
export function checkRecord(lines: readonly ControllerLine[]): string | null {
  const first = lines[0];
  if (!first || !("header" in first) || first.header.format !== RECORD_FORMAT) return "the record does not start with its header";
  const last = lines[lines.length - 1];
  if (!last || !("end" in last)) return "the record has no end line (the controller stopped before finishing it)";
  if (last.end.lines !== lines.length - 1) return `the record's end line counts ${last.end.lines} lines but ${lines.length - 1} came before it`;
  let next = 0;
  for (const line of lines) {
    if (!("event" in line)) continue;
    if (line.event.index !== next) return `history event ${next} is missing (found index ${line.event.index} in its place)`;
    next++;
  }
  return null;
}
