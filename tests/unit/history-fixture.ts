// Builds small, well-formed histories for checker tests in one line per
// operation: each operation gets its own process (so completions pair with
// their invocations), events are ordered by time and indexed.
import type { HistoryEvent } from "../../lib/history.js";

export interface OpSpec {
  f: string;
  /** Invocation value. */
  value?: unknown;
  /** Completion value of an ok operation (defaults to the invocation value). */
  result?: unknown;
  /** How the operation ended; "open" leaves it without a completion. Default ok. */
  type?: "ok" | "fail" | "info" | "open";
  /** The error a fail or info ends with (default: 11 for fail, a timeout for info). */
  error?: { code: number; text: string };
  node?: string;
  /** Invocation and completion times, in milliseconds. */
  from: number;
  to?: number;
  final?: boolean;
}

export function history(...ops: OpSpec[]): HistoryEvent[] {
  const timed: Array<{ timeUs: number; seq: number; event: Omit<HistoryEvent, "index"> }> = [];
  ops.forEach((op, process) => {
    const common = { process, f: op.f, node: op.node ?? "n0", ...(op.final ? { phase: "final" as const } : {}) };
    const type = op.type ?? "ok";
    timed.push({ timeUs: op.from * 1000, seq: timed.length, event: { ...common, type: "invoke", value: op.value ?? null, timeUs: op.from * 1000 } });
    if (type === "open") return;
    const to = (op.to ?? op.from + 1) * 1000;
    const value = type === "ok" ? (op.result !== undefined ? op.result : (op.value ?? null)) : null;
    const error = type === "ok" ? {} : { error: op.error ?? (type === "fail" ? { code: 11, text: "temporarily unavailable" } : { code: 0, text: "timeout" }) };
    timed.push({ timeUs: to, seq: timed.length, event: { ...common, type, value, timeUs: to, ...error } });
  });
  timed.sort((a, b) => a.timeUs - b.timeUs || a.seq - b.seq);
  return timed.map(({ event }, index) => ({ index, ...event }));
}
