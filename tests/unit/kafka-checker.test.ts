import { describe, expect, it } from "vitest";
import { checkKafka } from "../../lib/checkers/kafka.js";
import type { CheckContext } from "../../lib/checkers/types.js";
import { history, type OpSpec } from "./history-fixture.js";

type Entries = Record<string, Array<[number, unknown]>>;

const ctx: CheckContext = { nodeIds: ["n0", "n1"], budgetMs: 1000 };
const send = (key: string, msg: unknown, offset: number, from: number, extra: Partial<OpSpec> = {}): OpSpec => ({
  f: "send",
  value: { key, msg },
  result: { key, msg, offset },
  from,
  ...extra,
});
const poll = (node: string, offsets: Record<string, number>, msgs: Entries, from: number, extra: Partial<OpSpec> = {}): OpSpec => ({
  f: "poll",
  node,
  value: { offsets },
  result: { msgs },
  from,
  ...extra,
});
const finalPolls = (n0: Entries, n1: Entries = n0): OpSpec[] => [
  poll("n0", { 0: 0, 1: 0 }, n0, 1000, { final: true }),
  poll("n1", { 0: 0, 1: 0 }, n1, 1001, { final: true }),
];
const commit = (offsets: Record<string, number>, from: number, extra: Partial<OpSpec> = {}): OpSpec => ({ f: "commit_offsets", value: { offsets }, from, ...extra });
const list = (keys: string[], offsets: Record<string, number>, from: number, extra: Partial<OpSpec> = {}): OpSpec => ({
  f: "list_committed_offsets",
  value: { keys },
  result: { offsets },
  from,
  ...extra,
});

/** Three acknowledged sends and complete final polls: a valid base to add one anomaly to. */
const base: OpSpec[] = [send("0", 1, 0, 0), send("0", 2, 1, 2), send("1", 3, 0, 4)];
const everything: Entries = { 0: [[0, 1], [1, 2]], 1: [[0, 3]] };

describe("kafka checker", () => {
  const cases: Array<{ name: string; ops: OpSpec[]; verdict: "PASS" | "FAIL"; reason: RegExp }> = [
    {
      name: "a log every node returns in full passes",
      ops: [...base, poll("n1", { 0: 0 }, { 0: [[0, 1]] }, 3), ...finalPolls(everything)],
      verdict: "PASS",
      reason: /all 3 acknowledged sends were in every node's final polls \(2\), with no skipped, reordered or conflicting offsets in 3 polls/,
    },
    {
      name: "an acknowledged send missing from a final poll is lost",
      ops: [...base, ...finalPolls(everything, { 0: [[0, 1]], 1: [[0, 3]] })],
      verdict: "FAIL",
      reason: /^1 of 3 acknowledged sends were missing from n1's final polls: "0"@1 \(msg 2\)$/,
    },
    {
      // Maelstrom: a poll may return any number of contiguous messages; the final phase polls on.
      name: "final polls that each return a few messages pass together",
      ops: [
        ...base,
        poll("n0", { 0: 0, 1: 0 }, { 0: [[0, 1]], 1: [[0, 3]] }, 1000, { final: true }),
        poll("n0", { 0: 1 }, { 0: [[1, 2]] }, 1002, { final: true }),
        poll("n1", { 0: 0, 1: 0 }, { 0: [[0, 1]] }, 1001, { final: true }),
        poll("n1", { 0: 1, 1: 0 }, { 0: [[1, 2]], 1: [[0, 3]] }, 1003, { final: true }),
      ],
      verdict: "PASS",
      reason: /^all 3 acknowledged sends were in every node's final polls \(4\)/,
    },
    {
      name: "final polls that stop short of an acknowledged send lose it",
      ops: [...base, ...finalPolls(everything), poll("n1", { 0: 0 }, { 0: [[0, 1]] }, 1002, { final: true }), send("0", 4, 2, 500)],
      verdict: "FAIL",
      reason: /^1 of 4 acknowledged sends were missing from final polls \(n0 lacks "0"@2 \(msg 4\); n1 lacks "0"@2 \(msg 4\)\); 1 of them were never returned by any poll$/,
    },
    {
      name: "a main-phase poll returning only the first few messages skips nothing",
      ops: [...base, send("0", 4, 2, 6), poll("n1", { 0: 0 }, { 0: [[0, 1]] }, 10), poll("n1", { 0: 1 }, { 0: [[1, 2], [2, 4]] }, 12), ...finalPolls({ ...everything, 0: [[0, 1], [1, 2], [2, 4]] })],
      verdict: "PASS",
      reason: /all 4/,
    },
    {
      name: "a send no poll ever returned is reported as never polled",
      ops: [...base, ...finalPolls({ 0: [[0, 1]], 1: [[0, 3]] })],
      verdict: "FAIL",
      reason: /final polls \(n0 lacks "0"@1 \(msg 2\); n1 lacks "0"@1 \(msg 2\)\); 1 of them were never returned by any poll/,
    },
    {
      name: "a poll that jumps over an acknowledged offset skips it",
      ops: [...base, send("0", 4, 2, 6), poll("n1", { 0: 0 }, { 0: [[0, 1], [2, 4]] }, 10), ...finalPolls({ 0: [[0, 1], [1, 2], [2, 4]], 1: [[0, 3]] })],
      verdict: "FAIL",
      reason: /^1 poll skipped an acknowledged message; e\.g\. n1's poll of key "0" from offset 0 at 0\.011 s returned offsets 0, 2 but not 1 \(msg 2\), acknowledged before the poll began$/,
    },
    {
      name: "a poll starting after it cannot skip an offset below its start",
      ops: [...base, poll("n1", { 0: 1 }, { 0: [[1, 2]] }, 10), ...finalPolls(everything)],
      verdict: "PASS",
      reason: /all 3/,
    },
    {
      name: "a poll may miss a send still in flight when it began",
      ops: [
        send("0", 1, 0, 0),
        send("0", 2, 1, 10, { to: 50 }),
        send("0", 3, 2, 12, { to: 14 }),
        poll("n0", { 0: 0 }, { 0: [[0, 1], [2, 3]] }, 20),
        ...finalPolls({ 0: [[0, 1], [1, 2], [2, 3]] }),
      ],
      verdict: "PASS",
      reason: /all 3/,
    },
    {
      name: "two acknowledged sends given one offset conflict",
      ops: [send("0", 1, 0, 0), send("0", 2, 0, 2), ...finalPolls({ 0: [[0, 1]] })],
      verdict: "FAIL",
      reason: /1 offset holds two different messages; e\.g\. "0"@0 was 1 \(send on n0\) and 2 \(send on n0\)/,
    },
    {
      name: "a poll returning another message at an acknowledged offset conflicts",
      ops: [...base, send("0", 9, 5, 5, { type: "info" }), poll("n1", { 0: 0 }, { 0: [[0, 9]] }, 10), ...finalPolls(everything)],
      verdict: "FAIL",
      reason: /^1 offset holds two different messages; e\.g\. "0"@0 was 1 \(send on n0\) and 9 \(poll on n1\)$/,
    },
    {
      name: "a send acknowledged after another gets a higher offset",
      ops: [send("0", 1, 5, 0), send("0", 2, 3, 10), ...finalPolls({ 0: [[3, 2], [5, 1]] })],
      verdict: "FAIL",
      reason: /1 send was given an offset lower than an earlier acknowledged send on the same key; e\.g\. on key "0", msg 2 got offset 3 from n0 after msg 1 had been acknowledged at offset 5/,
    },
    {
      name: "concurrent sends may get offsets in either order",
      ops: [send("0", 1, 5, 0, { to: 20 }), send("0", 2, 3, 10, { to: 15 }), ...finalPolls({ 0: [[3, 2], [5, 1]] })],
      verdict: "PASS",
      reason: /all 2/,
    },
    {
      name: "offsets out of order within a poll fail",
      ops: [...base, poll("n0", { 0: 0 }, { 0: [[1, 2], [0, 1]] }, 10), ...finalPolls(everything)],
      verdict: "FAIL",
      reason: /^1 poll listed offsets out of order; e\.g\. n0 returned key "0" offsets 1, 0$/,
    },
    {
      name: "a polled message nobody sent is unexpected",
      ops: [...base, ...finalPolls({ ...everything, 1: [[0, 3], [1, 99]] }, everything)],
      verdict: "FAIL",
      reason: /1 polled message was never sent to its key; e\.g\. n0 returned 99 at "1"@1/,
    },
    {
      name: "a message sent to another key is unexpected on this one",
      ops: [...base, ...finalPolls({ 0: [[0, 1], [1, 2], [2, 3]], 1: [[0, 3]] }, everything)],
      verdict: "FAIL",
      reason: /never sent to its key; e\.g\. n0 returned 3 at "0"@2/,
    },
    {
      name: "a definitely failed send must not appear",
      ops: [...base, send("1", 4, 1, 5, { type: "fail" }), ...finalPolls({ ...everything, 1: [[0, 3], [1, 4]] }, everything)],
      verdict: "FAIL",
      reason: /never sent to its key/,
    },
    {
      name: "an indeterminate send may appear",
      ops: [...base, send("1", 4, 1, 5, { type: "info" }), ...finalPolls({ ...everything, 1: [[0, 3], [1, 4]] })],
      verdict: "PASS",
      reason: /all 3/,
    },
    {
      // Maelstrom: after a commit of c, a fresh consumer must start "at c + 1 (or lower)"; lower only re-reads.
      name: "a committed offset listed behind a completed commit passes and is mentioned",
      ops: [...base, commit({ 0: 0 }, 10), commit({ 0: 1 }, 20), list(["0"], { 0: 0 }, 30, { node: "n1" }), ...finalPolls(everything)],
      verdict: "PASS",
      reason: /\(1 committed offset listing was behind an acknowledged commit, e\.g\. n1 listed key "0" as 0 after 1 was committed: allowed \(consumers re-read\), not judged\)$/,
    },
    {
      name: "the last commit wins even when it is lower",
      ops: [...base, commit({ 0: 1 }, 10), commit({ 0: 0 }, 20), list(["0"], { 0: 0 }, 30), ...finalPolls(everything)],
      verdict: "PASS",
      reason: /all 3/,
    },
    {
      name: "keeping the highest commit is fine too",
      ops: [...base, commit({ 0: 1 }, 10), commit({ 0: 0 }, 20), list(["0"], { 0: 1 }, 30), ...finalPolls(everything)],
      verdict: "PASS",
      reason: /all 3/,
    },
    {
      name: "a listing concurrent with a commit may show it or not",
      ops: [...base, commit({ 0: 0 }, 10), commit({ 0: 1 }, 20, { to: 40 }), list(["0"], { 0: 0 }, 30), list(["0"], { 0: 1 }, 31), ...finalPolls(everything)],
      verdict: "PASS",
      reason: /all 3/,
    },
    {
      name: "an indeterminate commit may show up at any time",
      ops: [...base, commit({ 0: 0 }, 10), commit({ 0: 1 }, 20, { type: "info" }), list(["0"], { 0: 1 }, 300), list(["0"], { 0: 0 }, 301), ...finalPolls(everything)],
      verdict: "PASS",
      reason: /all 3/,
    },
    {
      name: "a committed offset listed past a message nobody processed fails",
      ops: [...base, commit({ 0: 0 }, 10), list(["0"], { 0: 7 }, 30), ...finalPolls(everything)],
      verdict: "FAIL",
      reason:
        /^1 committed offset listing was ahead of the commits; e\.g\. n0 listed key "0"'s committed offset as 7 at 0\.031 s when offset 0 was the highest committed, so a consumer starting there would skip offset 1 \(msg 2\), which no client had processed$/,
    },
    {
      name: "a committed offset listed for a key before any commit of it fails if it skips a message",
      ops: [...base, list(["1"], { 1: 1 }, 30), ...finalPolls(everything)],
      verdict: "FAIL",
      reason: /n0 listed key "1"'s committed offset as 1 at 0\.031 s before any commit of it, so a consumer starting there would skip offset 0 \(msg 3\)/,
    },
    {
      name: "a committed offset listed one past the commit (where a consumer resumes) passes",
      ops: [...base, commit({ 0: 0 }, 10), list(["0"], { 0: 1 }, 30), ...finalPolls(everything)],
      verdict: "PASS",
      reason: /all 3/,
    },
    {
      name: "a committed offset listed past every message skips nothing and passes",
      ops: [...base, commit({ 1: 0 }, 10), list(["1"], { 1: 9 }, 30), ...finalPolls(everything)],
      verdict: "PASS",
      reason: /all 3/,
    },
    {
      name: "a committed offset forgotten after its commit completed passes and is mentioned",
      ops: [...base, commit({ 0: 1 }, 10), list(["0"], {}, 30), ...finalPolls(everything)],
      verdict: "PASS",
      reason: /n0 listed key "0" as null after 1 was committed: allowed/,
    },
    {
      name: "a key never committed may be listed as 0",
      ops: [...base, list(["0", "1"], { 0: 0, 1: 0 }, 30), ...finalPolls(everything)],
      verdict: "PASS",
      reason: /^all 3 acknowledged sends were in every node's final polls \(2\), with no skipped, reordered or conflicting offsets in 2 polls$/,
    },
    {
      name: "a committed offset that is not an integer is malformed",
      ops: [...base, list(["0"], { 0: "1" as unknown as number }, 30), ...finalPolls(everything)],
      verdict: "FAIL",
      reason: /^1 list_committed_offsets_ok reply was malformed; e\.g\. from n0: \{"offsets":\{"0":"1"\}\}$/,
    },
    {
      name: "listing a key nobody committed may return nothing",
      ops: [...base, list(["0", "1"], {}, 30), ...finalPolls(everything)],
      verdict: "PASS",
      reason: /all 3/,
    },
    {
      name: "a node without a final poll fails",
      ops: [...base, poll("n0", { 0: 0, 1: 0 }, everything, 1000, { final: true }), poll("n1", { 0: 0, 1: 0 }, {}, 1001, { final: true, type: "info" })],
      verdict: "FAIL",
      reason: /^n1 never answered a final poll$/,
    },
    {
      name: "a malformed poll reply fails",
      ops: [...base, { f: "poll", node: "n1", value: { offsets: { 0: 0 } }, result: { msgs: { 0: [1, 2] } }, from: 10 }, ...finalPolls(everything)],
      verdict: "FAIL",
      reason: /1 poll_ok reply was malformed; e\.g\. from n1: \{"msgs":\{"0":\[1,2\]\}\}/,
    },
    {
      name: "a send_ok without an offset is malformed",
      ops: [...base, { f: "send", value: { key: "1", msg: 4 }, result: { key: "1", msg: 4 }, from: 10 }, ...finalPolls(everything)],
      verdict: "FAIL",
      reason: /1 send_ok reply was malformed/,
    },
    {
      name: "no acknowledged send fails",
      ops: [send("0", 1, 0, 0, { type: "info" }), ...finalPolls({})],
      verdict: "FAIL",
      reason: /none of the 1 send requests was acknowledged/,
    },
    {
      name: "one message at two offsets passes but is mentioned",
      ops: [...base, ...finalPolls({ 0: [[0, 1], [1, 2], [2, 2]], 1: [[0, 3]] })],
      verdict: "PASS",
      reason: /\(1 messages appear at more than one offset\)/,
    },
  ];

  it.each(cases)("$name", ({ ops, verdict, reason }) => {
    const result = checkKafka(history(...ops), ctx);
    expect(result.verdict).toBe(verdict);
    expect(result.reason).toMatch(reason);
  });

  it("gives the lost sends per node and counts every anomaly as evidence", () => {
    const result = checkKafka(history(...base, ...finalPolls({ 0: [[0, 1]], 1: [[0, 3]] }, everything)), ctx);
    expect(result.evidence).toMatchObject({ acknowledgedSends: 3, lost: 1, neverPolled: 0, lostByNode: { n0: [{ key: "0", offset: 1, msg: 2 }] } });
  });

  // Maelstrom's keys rotate: a run writes at most maxWritesPerKey (16) messages to each of hundreds of keys.
  it.each([
    { name: "every node returned every short log", lose: undefined, verdict: "PASS", reason: /^all 11200 acknowledged sends were in every node's final polls/ },
    { name: "one node lacks one message of a late key", lose: { node: "n1", key: "650", offset: 7 }, verdict: "FAIL", reason: /^1 of 11200 acknowledged sends were missing from n1's final polls: "650"@7 \(msg 650007\)$/ },
  ])("many rotated keys: $name", ({ lose, verdict, reason }) => {
    const ops: OpSpec[] = [];
    const logs: Entries = {};
    for (let k = 0; k < 700; k++) {
      const key = String(k);
      logs[key] = [];
      for (let o = 0; o < 16; o++) {
        ops.push(send(key, k * 1000 + o, o, k * 20 + o));
        logs[key].push([o, k * 1000 + o]);
      }
      ops.push(poll(`n${k % 2}`, { [key]: 0 }, { [key]: logs[key].slice(0, 3) }, k * 20 + 17), commit({ [key]: 2 }, k * 20 + 18));
    }
    // Final polls as a solution returning three messages per key per poll gets them: from 0, 3, 6, … on every key.
    let at = 20_000;
    for (const node of ["n0", "n1"]) {
      for (let from = 0; from < 16; from += 3) {
        const offsets = Object.fromEntries(Object.keys(logs).map((k) => [k, from]));
        const msgs = Object.fromEntries(
          Object.entries(logs).map(([k, log]) => [k, log.slice(from, from + 3).filter(([o]) => !(lose && node === lose.node && k === lose.key && o === lose.offset))]),
        );
        ops.push(poll(node, offsets, msgs, at++, { final: true }));
      }
    }
    const result = checkKafka(history(...ops), ctx);
    expect(result.verdict).toBe(verdict);
    expect(result.reason).toMatch(reason);
  });

  it("judges a long history quickly", () => {
    const ops: OpSpec[] = [];
    const log: Array<[number, unknown]> = [];
    for (let i = 0; i < 5000; i++) {
      ops.push(send("0", i, i, i * 10));
      log.push([i, i]);
      if (i % 5 === 0) ops.push(poll(`n${i % 2}`, { 0: Math.max(0, i - 20) }, { 0: log.slice(Math.max(0, i - 20)) }, i * 10 + 5));
      if (i % 7 === 0) ops.push(commit({ 0: i }, i * 10 + 6), list(["0"], { 0: i }, i * 10 + 8));
    }
    ops.push(...finalPolls({ 0: log }).map((op) => ({ ...op, from: op.from + 60_000 })));
    const started = performance.now();
    expect(checkKafka(history(...ops), ctx).verdict).toBe("PASS");
    expect(performance.now() - started).toBeLessThan(1500);
  });
});
