import { describe, expect, it } from "vitest";
import { checkSuiteCapabilities, shapingOf } from "../../lib/suites/capabilities.js";
import { parseSuite } from "../../lib/suites/parse-suite.js";

const suite = (faults: string, extra = "") => {
  const parsed = parseSuite(`tests:\n  - name: t\n    workload: echo\n${extra}    faults: ${faults}\n`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
};

const NONE = { shaping: { available: false, detail: "no NFQUEUE (iptables: No chain/target/match by that name); no netem (Specified qdisc kind is unknown)" } };

describe("suite checked against runner capabilities", () => {
  it("refuses shaping faults and latency when no runner can hold packets, saying why", () => {
    const problems = checkSuiteCapabilities(suite("[{kind: partition, at: 1, mode: halves}, {kind: delay, at: 2, ms: 100}]", "    latency: {ms: 100}\n"), NONE);
    expect(problems).toEqual([
      expect.objectContaining({ path: "tests.0.latency", message: expect.stringMatching(/latency needs a runner that can delay packets.*Specified qdisc kind is unknown/) }),
      expect.objectContaining({ path: "tests.0.faults.1.kind", message: expect.stringMatching(/"delay" needs a runner that can hold packets.*NFQUEUE/) }),
    ]);
  });

  it("accepts shaping where a runner can shape", () => {
    expect(checkSuiteCapabilities(suite("[{kind: jitter, at: 2, ms: 50}, {kind: duplicate, at: 3, percent: 5, from: n0, to: n1}]"), { shaping: { available: true } })).toEqual([]);
  });

  it("accepts the faults every kernel supports", () => {
    const spec = suite("[{kind: partition, at: 1, mode: majorities-ring}, {kind: loss, at: 2, probability: 0.1}, {kind: kill, at: 3, node: random}, {kind: restart, at: 4, node: all}, {kind: pause, at: 5, node: n1}, {kind: resume, at: 6, node: all}, {kind: bandwidth, at: 7, kbitPerSecond: 512}]");
    expect(checkSuiteCapabilities(spec, NONE)).toEqual([]);
  });

  it("parseSuite puts a capability problem on its line", () => {
    const source = ["tests:", "  - name: t", "    workload: echo", "    faults:", "      - {kind: heal, at: 1}", "      - {kind: reorder, at: 2, percent: 20}", ""].join("\n");
    const parsed = parseSuite(source, { capabilities: NONE });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual([expect.objectContaining({ line: 6, path: "tests.0.faults.1.kind" })]);
    // Offline (no capabilities known) the same suite is valid.
    expect(parseSuite(source).ok).toBe(true);
  });

  it("reads a runner's shaping from what it recorded, runners from before shaping included", () => {
    expect(shapingOf({ shaping: { kind: "userspace" } })).toEqual({ kind: "userspace", detail: undefined });
    expect(shapingOf({ netem: { available: true, detail: "sch_netem present" } })).toEqual({ kind: "netem" });
    expect(shapingOf({ netem: { available: false, detail: "Specified qdisc kind is unknown" } })).toEqual({ kind: "none", detail: "Specified qdisc kind is unknown" });
    expect(shapingOf(null)).toEqual({ kind: "none", detail: undefined });
  });
});
