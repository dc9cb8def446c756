import { describe, expect, it } from "vitest";
import { passRates } from "../../lib/submissions/submission-report.js";

describe("pass rates", () => {
  it("counts, per test in order of appearance, how many repetitions passed", () => {
    const rows = [
      { testName: "partition", verdict: "PASS" },
      { testName: "partition", verdict: "FAIL" },
      { testName: "basic", verdict: "PASS" },
      { testName: "partition", verdict: "UNKNOWN" },
      { testName: "partition", verdict: "PASS" },
      { testName: "basic", verdict: "LIMIT_EXCEEDED" },
    ];
    expect(passRates(rows)).toEqual([
      { testName: "partition", runs: 4, passes: 2, passRate: 0.5 },
      { testName: "basic", runs: 2, passes: 1, passRate: 0.5 },
    ]);
    expect(passRates([])).toEqual([]);
  });
});
