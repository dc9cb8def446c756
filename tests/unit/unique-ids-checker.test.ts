import { describe, expect, it } from "vitest";
import { checkUniqueIds } from "../../lib/checkers/unique-ids.js";
import { history, type OpSpec } from "./history-fixture.js";

const gen = (id: unknown, from: number, extra: Partial<OpSpec> = {}): OpSpec => ({ f: "generate", result: id, from, ...extra });

describe("unique-ids checker", () => {
  const cases: Array<{ name: string; ops: OpSpec[]; verdict: "PASS" | "FAIL"; reason: RegExp }> = [
    { name: "distinct ids pass", ops: [gen(1, 0), gen(2, 1), gen("n1-1", 2)], verdict: "PASS", reason: /all 3 generated ids are distinct/ },
    {
      name: "the same id from two nodes fails and names both",
      ops: [gen("a", 0, { node: "n0" }), gen("b", 1), gen("a", 2, { node: "n2" })],
      verdict: "FAIL",
      reason: /1 id was handed out more than once among 3 generated; e\.g\. "a" came from n0 and again from n2/,
    },
    {
      name: "ids are compared by JSON text, so 1 and \"1\" differ",
      ops: [gen(1, 0), gen("1", 1)],
      verdict: "PASS",
      reason: /all 2/,
    },
    {
      name: "structured ids that are equal as JSON are duplicates",
      ops: [gen({ node: "n0", seq: 1 }, 0), gen({ node: "n0", seq: 1 }, 1)],
      verdict: "FAIL",
      reason: /handed out more than once/,
    },
    {
      name: "an id from a timed-out request does not count",
      ops: [gen("a", 0), gen(null, 1, { type: "info" })],
      verdict: "PASS",
      reason: /all 1 generated ids are distinct \(1 requests were not acknowledged\)/,
    },
    {
      name: "no acknowledged generate fails",
      ops: [gen(null, 0, { type: "fail" }), gen(null, 1, { type: "open" })],
      verdict: "FAIL",
      reason: /none of the 2 generate requests was answered with generate_ok \(1 failed, 1 got no reply\)/,
    },
    {
      name: "a generate_ok without an id fails",
      ops: [gen(1, 0), { f: "generate", from: 1, node: "n2" }],
      verdict: "FAIL",
      reason: /^1 generate_ok reply carried no id \(e\.g\. from n2\)$/,
    },
    { name: "an empty history fails", ops: [], verdict: "FAIL", reason: /no generate operation was attempted/ },
  ];

  it.each(cases)("$name", ({ ops, verdict, reason }) => {
    const result = checkUniqueIds(history(...ops));
    expect(result.verdict).toBe(verdict);
    expect(result.reason).toMatch(reason);
  });

  it("keeps both operations of a duplicate as evidence", () => {
    const result = checkUniqueIds(history(gen(7, 0, { node: "n0" }), gen(7, 5, { node: "n3" })));
    expect(result.evidence.examples).toEqual([
      { id: 7, first: expect.objectContaining({ node: "n0", invokedUs: 0 }), second: expect.objectContaining({ node: "n3", invokedUs: 5000 }) },
    ]);
  });

  it("counts each duplicated id once however often it repeats", () => {
    const result = checkUniqueIds(history(gen(1, 0), gen(1, 1), gen(1, 2), gen(2, 3), gen(2, 4)));
    expect(result.evidence.duplicatedIds).toBe(2);
    expect(result.reason).toMatch(/^2 ids were handed out more than once among 5/);
  });
});
