// The report's targets section (criteria-section.tsx) from criteria as the
// runner records them: a row per criterion with what was asked, the run's
// figure and met or not; nothing at all for a test without criteria.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { CriteriaSection } from "../../app/submissions/[id]/results/[resultId]/criteria-section.js";
import type { CriterionResult } from "../../lib/suites/targets.js";

const criteria: CriterionResult[] = [
  { criterion: "msgsPerOp", asked: "msgs-per-op below 30", figure: 26.7, shown: "26.7", met: true },
  { criterion: "stableLatencyMedianMs", asked: "median stable latency below 400 ms", figure: 513, shown: "513 ms", met: false },
  { criterion: "stableLatencyMaxMs", asked: "max stable latency below 600 ms", figure: null, shown: "not measured (no value was read on every node)", met: false },
];

const rows = (html: string) => [...html.matchAll(/<tr data-criterion="([^"]+)" data-met="(true|false)"><td>([^<]*)<\/td><td>([^<]*)<\/td><td><strong class="tag tag-(pass|fail)">([^<]*)<\/strong>/g)].map((m) => m.slice(1));

describe("the report's targets section", () => {
  it("shows each criterion as met or not with the run's figure", () => {
    const html = renderToStaticMarkup(createElement(CriteriaSection, { criteria }));
    expect(rows(html)).toEqual([
      ["msgsPerOp", "true", "msgs-per-op below 30", "26.7", "pass", "met"],
      ["stableLatencyMedianMs", "false", "median stable latency below 400 ms", "513 ms", "fail", "not met"],
      ["stableLatencyMaxMs", "false", "max stable latency below 600 ms", "not measured (no value was read on every node)", "fail", "not met"],
    ]);
    expect(html).toContain("1 of the test&#x27;s 3 targets was met; a run passes only when every one is.");
  });

  it("says when every one was met", () => {
    expect(renderToStaticMarkup(createElement(CriteriaSection, { criteria: criteria.slice(0, 1) }))).toContain("The test&#x27;s target was met.");
  });

  it("draws nothing for a run without criteria (older runs, tests without targets)", () => {
    expect(renderToStaticMarkup(createElement(CriteriaSection, { criteria: undefined }))).toBe("");
    expect(renderToStaticMarkup(createElement(CriteriaSection, { criteria: [] }))).toBe("");
  });
});
