// A test run's wall-clock budget covers its final phase: kafka's final polls
// may go on for 10 s (as Maelstrom's do), with one request still in flight.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config.js";
import { parseSuite } from "../../lib/suites/parse-suite.js";
import { runnerLimits } from "../../runner/limits.js";
import { testRunRequest } from "../../runner/test-run.js";

const limits = runnerLimits(parseConfig({}));

function wallClockMsOf(workload: string): number {
  const parsed = parseSuite(`version: 1\ntests:\n  - name: t\n    workload: ${workload}\n    durationSeconds: 8\n    recoverySeconds: 2\n    requestTimeoutSeconds: 3\n`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const request = testRunRequest({
    test: parsed.spec.tests[0]!,
    seed: "1",
    buildVolume: "v",
    lab: { runImage: "i", runCommand: "c", protocol: "maelstrom" },
    limits,
    shaper: "none",
    owner: { runnerId: "r", jobId: "j", test: "t", owner: "tests" },
  });
  return request.wallClockMs;
}

describe("a test run's wall-clock budget", () => {
  it.each([
    { workload: "kafka", finalPhaseMs: 10_000 + 3_000 },
    { workload: "broadcast", finalPhaseMs: 0 },
    { workload: "echo", finalPhaseMs: 0 },
  ])("$workload: main phase, recovery, final phase $finalPhaseMs ms and the overhead", ({ workload, finalPhaseMs }) => {
    expect(wallClockMsOf(workload)).toBe(8_000 + 2_000 + finalPhaseMs + limits.testOverheadMs);
  });
});
