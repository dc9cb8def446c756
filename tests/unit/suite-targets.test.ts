// A test's availability and targets: read from the suite (unknown metrics and
// settings refused in words, a stable-latency target only where a workload
// measures one), then judged on a run's figures: each criterion met or not
// with its figure, a missed one failing a run its checker passed, one never
// measured deciding nothing.
import { describe, expect, it } from "vitest";
import type { Evidence, SetCompletenessEvidence } from "../../lib/checkers/evidence.js";
import { parseSuite } from "../../lib/suites/parse-suite.js";
import { testSpecSchema } from "../../lib/suites/schema.js";
import { judgeCriteria, unmetCriteriaReason, type CriterionInputs } from "../../lib/suites/targets.js";

const suite = (...lines: string[]) => parseSuite(["tests:", "  - name: t", ...lines.map((l) => `    ${l}`), ""].join("\n"));
const errorsOf = (parsed: ReturnType<typeof parseSuite>) => (parsed.ok ? [] : parsed.errors.map((e) => `${e.line}: ${e.message}`));

describe("reading availability and targets", () => {
  it("reads Fly.io's 3d targets and Maelstrom's availability", () => {
    const parsed = suite("workload: broadcast", "availability: total", "targets: { msgsPerOp: { below: 30 }, stableLatencyMedianMs: { below: 400 }, stableLatencyMaxMs: { below: 600 } }");
    expect(errorsOf(parsed)).toEqual([]);
    if (!parsed.ok) return;
    expect(parsed.spec.tests[0]).toMatchObject({
      availability: "total",
      targets: { msgsPerOp: { below: 30 }, stableLatencyMedianMs: { below: 400 }, stableLatencyMaxMs: { below: 600 } },
    });
  });

  it("reads a fraction as the least share of requests that must succeed, and leaves both out when absent", () => {
    const parsed = suite("workload: echo", "availability: 0.99");
    expect(parsed.ok && parsed.spec.tests[0]).toMatchObject({ availability: 0.99 });
    const plain = suite("workload: echo");
    expect(plain.ok && plain.spec.tests[0]).toMatchObject({ name: "t" });
    expect(plain.ok && plain.spec.tests[0]).not.toHaveProperty("availability");
    expect(plain.ok && plain.spec.tests[0]).not.toHaveProperty("targets");
  });

  it.each([
    [["workload: echo", "availability: most"], /^4: availability must be "total" \(every request must succeed\) or the least fraction/],
    [["workload: echo", "availability: 1.5"], /^4: availability must be at most 1 \(it is 1.5\)/],
    [["workload: echo", "targets: { msgPerOp: { below: 30 } }"], /^4: `msgPerOp` is not a metric a target may bound; did you mean `msgsPerOp`\?/],
    [["workload: echo", "targets: { throughput: { below: 30 } }"], /^4: `throughput` is not a metric a target may bound \(known: msgsPerOp, stableLatencyMedianMs, /],
    [["workload: echo", "targets: { msgsPerOp: { below: -1 } }"], /^4: below must be more than 0 \(it is -1\)/],
    [["workload: kafka", "targets: { stableLatencyMedianMs: { below: 400 } }"], /^4: stableLatencyMedianMs is measured only in broadcast and g-set tests .*not in kafka tests/],
  ])("refuses %j in words", (lines, message) => {
    const errors = errorsOf(suite(...lines));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it("names a misspelled bound, and the bound it lacks", () => {
    expect(errorsOf(suite("workload: echo", "targets: { msgsPerOp: { under: 30 } }")).sort()).toEqual([
      "4: `under` is not a setting of a target (the figure must stay below a number) (known: below)",
      "4: below is missing",
    ]);
  });

  it("a stored suite with a target another version dropped still reads (leniently)", () => {
    const stored = testSpecSchema.parse({ name: "t", workload: "echo", targets: { msgsPerOp: { below: 3 }, dropped: { below: 1 } } });
    expect(stored).toMatchObject({ targets: { msgsPerOp: { below: 3 } } });
  });
});

const stable = (median: number, max: number): SetCompletenessEvidence => ({
  kind: "set-completeness",
  attempted: 10,
  acknowledged: 10,
  failed: 0,
  indeterminate: 0,
  reads: 5,
  finalReads: 5,
  lost: 0,
  neverRead: 0,
  stale: 0,
  duplicatedReads: 0,
  unexpected: 0,
  malformedReads: 0,
  stableLatencyMs: { "0": 10, "0.5": median, "0.95": max, "0.99": max, "1": max },
});
const run = (over: Partial<CriterionInputs["metrics"]> = {}, evidence: Evidence = stable(350, 590)): CriterionInputs => ({
  metrics: { availability: 1, latencyMs: { p50: 2, p95: 4, p99: 5, max: 9 }, msgsPerOp: 23.44, ...over },
  evidence,
});
const flyio3d = { targets: { msgsPerOp: { below: 30 }, stableLatencyMedianMs: { below: 400 }, stableLatencyMaxMs: { below: 600 } } };

describe("judging availability and targets", () => {
  it("shows every criterion with its figure, in order, when all are met", () => {
    const results = judgeCriteria({ availability: "total", ...flyio3d }, run());
    expect(results).toEqual([
      { criterion: "availability", asked: "availability total (every request succeeds)", figure: 1, shown: "100 % of requests succeeded", met: true },
      { criterion: "msgsPerOp", asked: "msgs-per-op below 30", figure: 23.44, shown: "23.4", met: true },
      { criterion: "stableLatencyMedianMs", asked: "median stable latency below 400 ms", figure: 350, shown: "350 ms", met: true },
      { criterion: "stableLatencyMaxMs", asked: "max stable latency below 600 ms", figure: 590, shown: "590 ms", met: true },
    ]);
    expect(unmetCriteriaReason(results)).toBeUndefined();
  });

  it("a figure at the bound misses it (Fly.io's targets are strict: < 30)", () => {
    const [result] = judgeCriteria({ targets: { msgsPerOp: { below: 30 } } }, run({ msgsPerOp: 30 }));
    expect(result).toMatchObject({ met: false, figure: 30 });
  });

  it("names each missed criterion with its figure", () => {
    const results = judgeCriteria({ availability: "total", ...flyio3d }, run({ availability: 0.98, msgsPerOp: 41.26 }, stable(1301, 1900)));
    expect(results.map((r) => r.met)).toEqual([false, false, false, false]);
    expect(unmetCriteriaReason(results)).toBe(
      "the checker passed, but availability total (every request succeeds) was not met: 98 % of requests succeeded; msgs-per-op below 30 was not met: 41.3; median stable latency below 400 ms was not met: 1301 ms; max stable latency below 600 ms was not met: 1900 ms",
    );
  });

  it("a fraction is the least share: 0.95 is met by 96 % and missed by 94 %", () => {
    expect(judgeCriteria({ availability: 0.95 }, run({ availability: 0.96 }))[0]).toMatchObject({ met: true, asked: "availability at least 95 % of requests succeed" });
    expect(judgeCriteria({ availability: 0.95 }, run({ availability: 0.94 }))[0]).toMatchObject({ met: false });
  });

  it("a figure nobody measured is never met, and says why", () => {
    const results = judgeCriteria({ ...flyio3d, targets: { ...flyio3d.targets, latencyP99Ms: { below: 50 } } }, run({ msgsPerOp: null, latencyMs: null }, { ...stable(1, 1), stableLatencyMs: null }));
    expect(results.map((r) => [r.criterion, r.met, r.figure, r.shown])).toEqual([
      ["msgsPerOp", false, null, "not measured (the messages between servers could not be counted on every node)"],
      ["stableLatencyMedianMs", false, null, "not measured (no value was read on every node)"],
      ["stableLatencyMaxMs", false, null, "not measured (no value was read on every node)"],
      ["latencyP99Ms", false, null, "not measured (no operation completed ok)"],
    ]);
  });

  it("operation latency targets read the run's own quantiles", () => {
    const results = judgeCriteria({ targets: { latencyMedianMs: { below: 3 }, latencyMaxMs: { below: 9 } } }, run());
    expect(results.map((r) => [r.criterion, r.figure, r.met])).toEqual([
      ["latencyMedianMs", 2, true],
      ["latencyMaxMs", 9, false],
    ]);
  });
});
