import { describe, expect, it } from "vitest";
import { checkSuiteCapabilities } from "../../lib/suites/capabilities.js";
import { parseSuite } from "../../lib/suites/parse-suite.js";

const suite = (faults: string) => {
  const parsed = parseSuite(`tests:\n  - name: t\n    workload: echo\n    faults: ${faults}\n`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
};

describe("suite checked against runner capabilities", () => {
  it("refuses netem faults when no runner has netem, saying why", () => {
    const problems = checkSuiteCapabilities(suite('[{kind: partition, at: 1, mode: halves}, {kind: delay, at: 2, ms: 100}]'), {
      netem: false,
      netemDetail: "Specified qdisc kind is unknown",
    });
    expect(problems).toEqual([
      expect.objectContaining({ path: "tests.0.faults.1.kind", message: expect.stringMatching(/"delay" needs .*netem.*Specified qdisc kind is unknown/) }),
    ]);
  });

  it("accepts netem faults where a runner has netem", () => {
    expect(checkSuiteCapabilities(suite("[{kind: jitter, at: 2, ms: 50}]"), { netem: true })).toEqual([]);
  });

  it("accepts the faults every kernel here supports", () => {
    const spec = suite("[{kind: partition, at: 1, mode: majorities-ring}, {kind: loss, at: 2, probability: 0.1}, {kind: kill, at: 3, node: random}, {kind: restart, at: 4, node: all}, {kind: pause, at: 5, node: n1}, {kind: resume, at: 6, node: all}, {kind: bandwidth, at: 7, kbitPerSecond: 512}]");
    expect(checkSuiteCapabilities(spec, { netem: false })).toEqual([]);
  });
});
