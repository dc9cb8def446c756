// What every checker returns: a verdict, a reason in plain words for the
// student, and the evidence behind it (small enough to store with the result).
import type { CheckVerdict, Verdict } from "../grading/verdict.js";
import type { HistoryEvent } from "../history.js";
import type { HistoryMetrics } from "../metrics.js";
import type { Evidence } from "./evidence.js";

export type { CheckVerdict };

export interface CheckResult<E extends Evidence = Evidence> {
  verdict: CheckVerdict;
  reason: string;
  evidence: E;
}

/** What a checker may know besides the history. */
export interface CheckContext {
  nodeIds: string[];
  /** Time budget for searches that can explode (linearizability); past it the verdict is UNKNOWN. */
  budgetMs: number;
  /** Memory those searches may hold, in MB (their memo tables, estimated); past it the verdict is UNKNOWN. Default DEFAULT_CHECK_MEMORY_MB. */
  memoryBudgetMb?: number;
}

/**
 * A history a checker cannot read: an operation it does not know or a value
 * of the wrong shape. Never skipped (a skipped operation could hide a
 * violation) and never guessed at; the event is named so the history's
 * writer can find it. Ours to fix when our controller wrote the history.
 */
export class MalformedHistoryError extends Error {
  constructor(
    readonly event: HistoryEvent,
    detail: string,
  ) {
    super(`event ${event.index} (${event.type} ${JSON.stringify(event.f)} of process ${event.process}): ${detail}`);
    this.name = "MalformedHistoryError";
  }
}

/**
 * Why a history with no acknowledged `f` operation fails: none was even
 * attempted (the nodes never became ready), or every request ended as
 * `outcome` says (e.g. "was acknowledged").
 */
export function noneAcknowledged(f: string, attempted: number, outcome: string): string {
  return attempted === 0 ? `no ${f} operation was attempted (did every node answer init?)` : `none of the ${attempted} ${f} requests ${outcome}`;
}

/** Format name of the results document (README, "Results format"). */
export const RESULT_FORMAT = "labgrade-result/1";

/**
 * One test run's result as stored (the `results.json` artifact) and as
 * printed by `npm run check-history -- --json`.
 */
export interface ResultDocument {
  format: typeof RESULT_FORMAT;
  workload: string;
  seed?: string;
  test?: string;
  verdict: Verdict;
  reason: string;
  evidence: Evidence;
  /** The history's metrics, and what only the runner knows (from the nodes and the cluster). */
  metrics: HistoryMetrics & {
    msgsPerOp?: number | null;
    /** Messages between servers (Maelstrom mode), from the nodes' firewall counters; null when not every node's could be read. */
    serverMessages?: number | null;
    /** Packets between servers, in either mode. */
    serverPackets?: number | null;
    perNode?: unknown[];
    setupMs?: number;
    faults?: unknown[];
    network?: RunNetwork | null;
  };
}

/** How packets between nodes were delayed in a run (a test's latency, shaping steps), as the report shows it. */
export interface RunNetwork {
  /** Who delayed them: our packet scheduler, or the kernel's netem. */
  shaper: "userspace" | "netem";
  latency: { ms: number; distribution: "constant" | "uniform" | "exponential" } | null;
  /** Packets the scheduler held (null with netem, which does not say). */
  delayedPackets: number | null;
  /** Packets lost by the scheduler itself or its queue (should be 0; null with netem). */
  lostByScheduler: number | null;
  /** The latest 1 % of releases were this late or later, ms (the scheduler's own error). */
  lateP99Ms: number | null;
}
