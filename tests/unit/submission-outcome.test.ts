// A graded submission reads by its outcome everywhere (lib/submissions/outcome.ts):
// the badge on the web (colour class, label, data attributes) and the CLI's line.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { StatusBadge } from "../../app/status-badge.js";
import { line } from "../../lib/cli/commands/view.js";
import { gradedOutcome } from "../../lib/submissions/outcome.js";

const cases: Array<[status: string, score: number | null, maxScore: number | null, outcome: string | null]> = [
  ["GRADED", 1, 1, "PASSED"],
  ["GRADED", 5, 5, "PASSED"],
  ["GRADED", 0, 1, "FAILED"],
  ["GRADED", 2.5, 5, "PARTLY_PASSED"],
  // Withheld from the viewer: only "graded" may be said.
  ["GRADED", null, null, null],
  ["GRADED", 0, null, null],
  ["BUILD_FAILED", 0, 1, null],
  ["RUNNING", null, null, null],
  ["TIMED_OUT", 1, 2, null],
];

describe("a graded submission's outcome", () => {
  it.each(cases)("%s %s/%s is %s", (status, score, maxScore, outcome) => {
    expect(gradedOutcome({ status, score, maxScore })).toBe(outcome);
  });

  it("labels the badge and colours it by outcome, keeping the status for machines", () => {
    const failed = renderToStaticMarkup(createElement(StatusBadge, { status: "GRADED", score: 0, maxScore: 1 }));
    expect(failed).toContain('class="badge badge-failed"');
    expect(failed).toContain('data-status="GRADED"');
    expect(failed).toContain('data-outcome="FAILED"');
    expect(failed).toContain(">Failed</span>");
    expect(renderToStaticMarkup(createElement(StatusBadge, { status: "GRADED", score: 1, maxScore: 1 }))).toContain(">Passed</span>");
    const withheld = renderToStaticMarkup(createElement(StatusBadge, { status: "GRADED" }));
    expect(withheld).toContain('class="badge badge-graded"');
    expect(withheld).not.toContain("data-outcome");
    expect(renderToStaticMarkup(createElement(StatusBadge, { status: "BUILD_FAILED", score: 0, maxScore: 1 }))).toContain(">Build failed</span>");
  });

  it("leads the CLI's line with the outcome", () => {
    expect(line({ status: "GRADED", statusDetail: "graded", score: 0, maxScore: 1, results: [] })).toBe("FAILED 0/1: graded");
    expect(line({ status: "GRADED", statusDetail: null, score: 3, maxScore: 4, results: [] })).toBe("PARTLY_PASSED 3/4");
    expect(line({ status: "RUNNING", statusDetail: "running test 1/2", score: null, maxScore: null, results: [], queue: null })).toBe("RUNNING: running test 1/2");
  });
});
