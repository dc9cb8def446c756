// Figures computed from a history alone, for every workload: how available the
// system was, how long each kind of operation took, and how the completions
// were spread over time (the report's throughput plot). Messages per
// operation need the nodes' own counts and are added by the runner.
import { pairOperations, type HistoryEvent } from "./history.js";

/** Quantiles reported for latencies, as keys "p50" etc. (`max` is added). */
const LATENCY_QUANTILES = [0.5, 0.95, 0.99] as const;
/** The throughput series has at most this many buckets; longer tests get wider ones. */
const MAX_BUCKETS = 300;

/** Nearest-rank quantile of ascending values: the smallest value with at least q of them at or below it. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error("quantile of no values");
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Quantiles and maximum of unsorted values, rounded to 0.01; null when there are none. */
export function summarizeLatencies(valuesMs: readonly number[]): LatencySummary | null {
  if (valuesMs.length === 0) return null;
  const sorted = [...valuesMs].sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  const [p50, p95, p99] = LATENCY_QUANTILES.map((q) => round(quantile(sorted, q)));
  return { p50: p50!, p95: p95!, p99: p99!, max: round(sorted[sorted.length - 1]!) };
}

export interface OperationTypeMetrics {
  invoked: number;
  ok: number;
  fail: number;
  /** info, or never completed. */
  indeterminate: number;
  /** Invocation to ok completion, in milliseconds. */
  latencyMs: LatencySummary | null;
}

export interface HistoryMetrics {
  /** Client operations invoked (all phases). */
  operations: number;
  /** Fraction of them that completed ok; null without operations. */
  availability: number | null;
  /** Per operation name (read, write, broadcast, ...). */
  byOperation: Record<string, OperationTypeMetrics>;
  /** Latency of every ok operation, all kinds together. */
  latencyMs: LatencySummary | null;
  /** Completions per bucket of the main phase, from its start. */
  throughput: { bucketSeconds: number; ok: number[]; fail: number[]; info: number[] };
}

/** The metrics of one history. */
export function historyMetrics(events: readonly HistoryEvent[]): HistoryMetrics {
  const byOperation: Record<string, OperationTypeMetrics> = {};
  const latencies = new Map<string, number[]>();
  const all: number[] = [];
  let ok = 0;
  const ops = pairOperations(events);
  for (const op of ops) {
    const m = (byOperation[op.f] ??= { invoked: 0, ok: 0, fail: 0, indeterminate: 0, latencyMs: null });
    m.invoked++;
    const done = op.completion;
    if (done?.type === "ok") {
      m.ok++;
      ok++;
      const ms = Math.max(0, done.timeUs - op.invoke.timeUs) / 1000;
      all.push(ms);
      let list = latencies.get(op.f);
      if (!list) latencies.set(op.f, (list = []));
      list.push(ms);
    } else if (done?.type === "fail") m.fail++;
    else m.indeterminate++;
  }
  for (const [f, list] of latencies) byOperation[f]!.latencyMs = summarizeLatencies(list);

  const main = events.filter((e) => e.type !== "invoke" && e.phase !== "final");
  const endUs = main.reduce((max, e) => Math.max(max, e.timeUs), 0);
  const bucketSeconds = Math.max(1, Math.ceil(endUs / 1_000_000 / MAX_BUCKETS));
  const buckets = main.length === 0 ? 0 : Math.floor(endUs / 1_000_000 / bucketSeconds) + 1;
  const throughput = { bucketSeconds, ok: new Array<number>(buckets).fill(0), fail: new Array<number>(buckets).fill(0), info: new Array<number>(buckets).fill(0) };
  for (const e of main) {
    const bucket = Math.floor(Math.max(0, e.timeUs) / 1_000_000 / bucketSeconds);
    throughput[e.type as "ok" | "fail" | "info"][bucket]!++;
  }
  return { operations: ops.length, availability: ops.length > 0 ? ok / ops.length : null, byOperation, latencyMs: summarizeLatencies(all), throughput };
}
