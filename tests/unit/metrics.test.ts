import { describe, expect, it } from "vitest";
import { historyMetrics, quantile, summarizeLatencies } from "../../lib/metrics.js";
import { history } from "./history-fixture.js";

describe("history metrics", () => {
  it("uses nearest-rank quantiles", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(sorted, 0.5)).toBe(50);
    expect(quantile(sorted, 0.99)).toBe(99);
    expect(quantile(sorted, 1)).toBe(100);
    expect(quantile([7], 0.5)).toBe(7);
    expect(quantile([1, 2], 0.5)).toBe(1);
    expect(() => quantile([], 0.5)).toThrow(/no values/);
    expect(summarizeLatencies([])).toBeNull();
    expect(summarizeLatencies([3, 1, 2])).toEqual({ p50: 2, p95: 3, p99: 3, max: 3 });
  });

  it("counts outcomes and latencies per operation type, and availability over all", () => {
    const events = history(
      { f: "read", from: 0, to: 10 },
      { f: "read", from: 20, to: 50 },
      { f: "write", from: 30, to: 35 },
      { f: "write", from: 40, to: 45, type: "fail" },
      { f: "cas", from: 50, to: 60, type: "info" },
      { f: "cas", from: 70, type: "open" },
    );
    const m = historyMetrics(events);
    expect(m.operations).toBe(6);
    expect(m.availability).toBeCloseTo(3 / 6);
    expect(m.byOperation.read).toEqual({ invoked: 2, ok: 2, fail: 0, indeterminate: 0, latencyMs: { p50: 10, p95: 30, p99: 30, max: 30 } });
    expect(m.byOperation.write).toEqual({ invoked: 2, ok: 1, fail: 1, indeterminate: 0, latencyMs: { p50: 5, p95: 5, p99: 5, max: 5 } });
    expect(m.byOperation.cas).toEqual({ invoked: 2, ok: 0, fail: 0, indeterminate: 2, latencyMs: null });
    expect(m.latencyMs).toEqual({ p50: 10, p95: 30, p99: 30, max: 30 });
  });

  it("buckets completions of the main phase by second, widening buckets for long tests", () => {
    const events = history(
      { f: "echo", from: 100, to: 200 },
      { f: "echo", from: 900, to: 1500 },
      { f: "echo", from: 2000, to: 2100, type: "fail" },
      { f: "read", from: 5000, to: 5100, final: true },
    );
    const m = historyMetrics(events);
    expect(m.throughput).toEqual({ bucketSeconds: 1, ok: [1, 1, 0], fail: [0, 0, 1], info: [0, 0, 0] });
    // A 20-minute test gets 4-second buckets (at most 300 of them).
    const long = historyMetrics(history({ f: "echo", from: 0, to: 1 }, { f: "echo", from: 1_199_000, to: 1_199_500 }));
    expect(long.throughput.bucketSeconds).toBe(4);
    expect(long.throughput.ok.length).toBe(300);
    expect(long.throughput.ok[0]).toBe(1);
    expect(long.throughput.ok[299]).toBe(1);
    expect(historyMetrics([])).toMatchObject({ operations: 0, availability: null, latencyMs: null, throughput: { ok: [] } });
  });
});
