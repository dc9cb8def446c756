// The lab page's list of tests (lib/suites/test-summary.ts): each test's
// workload, faults, points and when its results are shown, in words; a test
// whose results are not shown at once keeps its details for staff.
import { describe, expect, it } from "vitest";
import { parseSuite } from "../../lib/suites/parse-suite.js";
import { faultInWords, summariseSuite } from "../../lib/suites/test-summary.js";
import type { SuiteSpec } from "../../lib/suites/schema.js";

function suite(source: string): SuiteSpec {
  const parsed = parseSuite(source);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

const SOURCE = `
tests:
  - name: partitioned
    workload: broadcast
    nodes: 5
    concurrency: 4
    rate: 20
    durationSeconds: 20
    recoverySeconds: 10
    points: 3
    latency: {ms: 100}
    faults:
      - {kind: partition, at: 5, mode: halves}
      - {kind: heal, at: 12}
  - name: secret
    workload: broadcast
    visibility: hidden
    repetitions: 3
    faults:
      - {kind: kill, at: 2, node: n1}
  - name: figure8
    raft: TestFigure8Unreliable3C
    visibility: after_due
`;

describe("the lab page's tests", () => {
  it("says what runs, its faults, points and when results are shown", () => {
    const [partitioned, secret, figure8] = summariseSuite(suite(SOURCE), false);
    expect(partitioned).toEqual({
      name: "partitioned",
      points: 3,
      repetitions: 1,
      visibility: "always",
      shown: "results shown as soon as it has run",
      runs: "broadcast on 5 nodes: 4 clients at 20 operations/s for 20 s, then 10 s to recover",
      faults: ["100 ms constant latency on every message between nodes", "partition (halves) at 5 s", "heal everything at 12 s"],
    });
    // Not shown at once: name, points, repetitions and when, but no details for students.
    expect(secret).toMatchObject({ name: "secret", repetitions: 3, shown: "results shown when the staff release them", runs: null, faults: null });
    expect(figure8).toMatchObject({ shown: "results shown after the due date", runs: null, faults: null });
  });

  it("gives staff every test's details", () => {
    const [, secret, figure8] = summariseSuite(suite(SOURCE), true);
    expect(secret!.faults).toEqual(["kill n1 at 2 s"]);
    expect(figure8!.runs).toBe("the course's TestFigure8Unreliable3C on 5 peers, with its own checks, budget and disconnections");
    expect(figure8!.faults).toEqual(["an unreliable network (loss and delay)", "long reordering of replies"]);
  });

  it.each([
    [{ kind: "loss", at: 1, probability: 0.25 }, "25 % packet loss at 1 s"],
    [{ kind: "restart", at: 4, node: "all" }, "restart every node at 4 s"],
    [{ kind: "delay", at: 2, from: "n0", to: "n1", ms: 50 }, "50 ms more delay on the packets from n0 to n1 at 2 s"],
    [{ kind: "duplicate", at: 0.5 }, "10 % of the packets duplicated at 0.5 s"],
    [{ kind: "partition", at: 3, mode: "isolate", node: "n2" }, "partition (isolate around n2) at 3 s"],
  ] as const)("words %j as %s", (step, words) => {
    expect(faultInWords(step as never)).toBe(words);
  });
});
