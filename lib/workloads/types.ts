// A workload, in one definition (Maelstrom's shape: client, generator and
// checker of a workload in one place): the options a suite may set for it,
// how the clients turn a seeded random stream into requests and replies into
// history completions, and the checker that judges the history. The
// registry (index.ts) is typed so that a workload without a checker or
// options does not compile.
//
// The generator half runs inside the test controller container (bundled from
// here) and must not do I/O. Phases of a test, driven by the controller: setup
// (requests sent once to each node, e.g. broadcast's topology; not part of the
// history) → main phase (clients at the suite's rate and concurrency, faults
// on schedule) → the runner heals every fault → a recovery wait → final
// operations (e.g. a read on every node), which are part of the history.
import { z } from "zod";
import type { HistoryEvent } from "../history.js";
import type { CheckContext, CheckResult } from "../checkers/types.js";
import type { Random } from "../random.js";

/**
 * One context per test run, shared by all its clients and final clients, so a
 * workload may keep run-wide knowledge keyed on it (kafka's final polls need
 * the highest offsets the main phase saw).
 */
export interface WorkloadContext<Options = unknown> {
  nodeIds: string[];
  /** The test's seed, for run-wide random choices that must not depend on which client asks first (kafka's keys). */
  seed: string;
  /** The test's options for this workload (its definition's `options`, parsed). */
  options: Options;
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

/** The next final operation of a node, sent after waiting `delayMs`. */
export interface FinalStep {
  op: GeneratedOp;
  delayMs: number;
}

/**
 * A node's final operations, chosen one at a time from the replies so far
 * (kafka polls on from where the last reply ended until it has caught up).
 */
export interface FinalClient {
  /** The next step, or undefined when the node's final phase is over. `elapsedMs`: time since the final phase began. */
  next(elapsedMs: number): FinalStep | undefined;
  /** Sees every completed final operation of this node (reply undefined: none in time). */
  observe(op: GeneratedOp, reply: Record<string, unknown> | undefined): void;
}

/** A checker: a pure function of the history and the test's context (lib/checkers/types.ts). */
export type Checker = (events: readonly HistoryEvent[], ctx: CheckContext) => CheckResult;

export interface Workload<Shape extends z.ZodRawShape = z.ZodRawShape> {
  /** Its Maelstrom name, as suites name it. */
  name: string;
  /**
   * The suite settings of a test of this workload, beside the common ones
   * (lib/suites/schema.ts), each with a comment and a default, so a minimal
   * test names none.
   */
  options: z.ZodObject<Shape>;
  setup?(ctx: WorkloadContext<z.infer<z.ZodObject<Shape>>>): Array<{ node: string; body: Record<string, unknown> & { type: string } }>;
  client(rng: Random, ctx: WorkloadContext<z.infer<z.ZodObject<Shape>>>): WorkloadClient;
  /** The value recorded on an ok completion. */
  okValue(op: GeneratedOp, reply: Record<string, unknown>): unknown;
  /** Operations sent to `node` after the recovery wait. */
  finalOps?(ctx: WorkloadContext<z.infer<z.ZodObject<Shape>>>, node: string): GeneratedOp[];
  /** Instead of finalOps: final operations that depend on the replies to earlier ones. */
  finalClient?(ctx: WorkloadContext<z.infer<z.ZodObject<Shape>>>, node: string): FinalClient;
  /** The most a finalClient's phase lasts (the runner adds it to the test's wall-clock budget). */
  finalTimeLimitMs?: number;
  /** Judges the history. */
  check: Checker;
}

/** A workload's definition, with its options' types inferred from their schema. */
export function defineWorkload<Shape extends z.ZodRawShape>(workload: Workload<Shape>): Workload<Shape> {
  return workload;
}

/** Keys a workload spreads its operations over (lin-kv, kafka). */
export const keyCountOption = z.number().int().min(1).max(10_000).default(5).describe("keys the workload spreads its operations over");
