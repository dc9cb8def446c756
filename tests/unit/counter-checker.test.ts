import { describe, expect, it } from "vitest";
import { checkCounter, possibleSums } from "../../lib/checkers/counter.js";
import type { CheckContext } from "../../lib/checkers/types.js";
import { history, type OpSpec } from "./history-fixture.js";

const ctx: CheckContext = { nodeIds: ["n0", "n1"], budgetMs: 1000 };
const add = (delta: number, from: number, extra: Partial<OpSpec> = {}): OpSpec => ({ f: "add", value: delta, from, ...extra });
const read = (node: string, value: unknown, from: number, extra: Partial<OpSpec> = {}): OpSpec => ({ f: "read", node, result: value, from, ...extra });
const finalReads = (n0: unknown, n1: unknown = n0) => [read("n0", n0, 1000, { final: true }), read("n1", n1, 1001, { final: true })];

describe("counter checker", () => {
  const cases: Array<{ name: string; ops: OpSpec[]; verdict: "PASS" | "FAIL"; reason: RegExp }> = [
    {
      name: "final reads equal to the acknowledged sum pass",
      ops: [add(3, 0), add(4, 10), ...finalReads(7)],
      verdict: "PASS",
      reason: /every node's final read matched the 2 acknowledged adds \(sum 7\), and all 2 reads were within bounds/,
    },
    {
      name: "a final read short of the acknowledged sum fails with the bounds",
      ops: [add(3, 0), add(4, 10), ...finalReads(7, 3)],
      verdict: "FAIL",
      reason: /^n1's final read was 3, but it had to be 7 \(the acknowledged adds sum to 7\)$/,
    },
    {
      name: "an indeterminate add may have happened",
      ops: [add(3, 0), add(5, 10, { type: "info" }), ...finalReads(8)],
      verdict: "PASS",
      reason: /allowing for 1 indeterminate adds/,
    },
    {
      name: "an indeterminate add may not have happened",
      ops: [add(3, 0), add(5, 10, { type: "open" }), ...finalReads(3)],
      verdict: "PASS",
      reason: /sum 3/,
    },
    {
      name: "only sums of whole subsets of indeterminate adds are acceptable",
      ops: [add(3, 0), add(5, 10, { type: "info" }), ...finalReads(5)],
      verdict: "FAIL",
      reason: /n0's final read was 5, but it had to be 3 or 8 \(the acknowledged adds sum to 3, plus any subset of 1 indeterminate adds\)/,
    },
    {
      name: "a failed add must not be counted",
      ops: [add(3, 0), add(5, 10, { type: "fail" }), ...finalReads(8)],
      verdict: "FAIL",
      reason: /final read was 8, but it had to be 3 \(/,
    },
    {
      name: "negative deltas of a pn-counter count",
      ops: [add(3, 0), add(-5, 10), add(-1, 20, { type: "info" }), ...finalReads(-2, -3)],
      verdict: "PASS",
      reason: /sum -2/,
    },
    {
      name: "a stale read during the test is allowed",
      ops: [add(3, 0), add(4, 10), read("n1", 0, 20), read("n0", 3, 30), ...finalReads(7)],
      verdict: "PASS",
      reason: /all 4 reads were within bounds/,
    },
    {
      name: "a read counting an add not yet invoked fails",
      ops: [add(3, 0), read("n1", 7, 5), add(4, 10), ...finalReads(7)],
      verdict: "FAIL",
      reason: /^1 read returned a value no subset of the adds invoked so far can sum to; e\.g\. n1 at 0\.006 s returned 7, outside 0…3$/,
    },
    {
      name: "a read may include an add concurrent with it",
      ops: [add(3, 0), add(4, 10, { to: 30 }), read("n1", 7, 20, { to: 25 }), ...finalReads(7)],
      verdict: "PASS",
      reason: /within bounds/,
    },
    {
      name: "a mid-test pn-counter read below every possible subset fails",
      ops: [add(-2, 0), add(3, 10), read("n0", -3, 20), ...finalReads(1)],
      verdict: "FAIL",
      reason: /returned -3, outside -2…3/,
    },
    {
      name: "a non-numeric read fails",
      ops: [add(1, 0), ...finalReads("1")],
      verdict: "FAIL",
      reason: /n0's final read was "1"/,
    },
    {
      name: "a node without a final read fails",
      ops: [add(1, 0), read("n0", 1, 1000, { final: true }), read("n1", null, 1001, { final: true, type: "info" })],
      verdict: "FAIL",
      reason: /^n1 never answered its final read$/,
    },
    {
      name: "no acknowledged add fails",
      ops: [add(1, 0, { type: "fail" }), ...finalReads(0)],
      verdict: "FAIL",
      reason: /none of the 1 add requests was acknowledged/,
    },
  ];

  it.each(cases)("$name", ({ ops, verdict, reason }) => {
    const result = checkCounter(history(...ops), ctx);
    expect(result.verdict).toBe(verdict);
    expect(result.reason).toMatch(reason);
  });

  it("names the bad read and its bounds in the evidence", () => {
    const result = checkCounter(history(add(2, 0), add(1, 5, { type: "info" }), ...finalReads(2, 9)), ctx);
    expect(result.evidence.examples).toEqual([{ node: "n1", timeUs: 1_002_000, value: 9, final: true, acceptable: [[2, 3]] }]);
  });

  it("judges a long history quickly", () => {
    const ops: OpSpec[] = [];
    let sum = 0;
    for (let i = 0; i < 5000; i++) {
      const delta = (i % 11) - 5;
      ops.push(add(delta, i * 10, { type: i % 50 === 0 ? "info" : "ok" }), read(`n${i % 2}`, sum, i * 10 + 5));
      if (i % 50 !== 0) sum += delta;
    }
    ops.push(...finalReads(sum).map((op) => ({ ...op, from: op.from + 60_000 })));
    const started = performance.now();
    expect(checkCounter(history(...ops), ctx).verdict).toBe("PASS");
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("possible counter sums", () => {
  const cases: Array<{ base: number; deltas: number[]; ranges: Array<[number, number]> }> = [
    { base: 5, deltas: [], ranges: [[5, 5]] },
    { base: 0, deltas: [3], ranges: [[0, 0], [3, 3]] },
    { base: 0, deltas: [1, 1, 1], ranges: [[0, 3]] },
    { base: 10, deltas: [-2, 5], ranges: [[8, 8], [10, 10], [13, 13], [15, 15]] },
    { base: 0, deltas: [1, 2, 4], ranges: [[0, 7]] },
  ];
  it.each(cases)("$base plus subsets of $deltas", ({ base, deltas, ranges }) => {
    expect(possibleSums(base, deltas)).toEqual(ranges);
  });

  it("widens to the hull, still including every subset sum, when the ranges explode", () => {
    const deltas = Array.from({ length: 30 }, (_, i) => 2 ** (i + 1));
    const ranges = possibleSums(0, deltas);
    expect(ranges[0]![0]).toBe(0);
    expect(ranges[ranges.length - 1]![1]).toBe(deltas.reduce((a, b) => a + b, 0));
  });
});
