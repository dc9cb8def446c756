import { describe, expect, it } from "vitest";
import { checkBroadcast, checkGSet } from "../../lib/checkers/set-completeness.js";
import type { CheckContext } from "../../lib/checkers/types.js";
import { history, type OpSpec } from "./history-fixture.js";

const ctx: CheckContext = { nodeIds: ["n0", "n1"], budgetMs: 1000 };
const bcast = (message: number, from: number, extra: Partial<OpSpec> = {}): OpSpec => ({ f: "broadcast", value: message, from, ...extra });
const read = (node: string, messages: unknown, from: number, extra: Partial<OpSpec> = {}): OpSpec => ({ f: "read", node, result: messages, from, ...extra });
const finalRead = (node: string, messages: unknown, from = 1000) => read(node, messages, from, { final: true });

describe("set-completeness checker (broadcast)", () => {
  const cases: Array<{ name: string; ops: OpSpec[]; verdict: "PASS" | "FAIL"; reason: RegExp }> = [
    {
      name: "every acknowledged message in every final read passes",
      ops: [bcast(1, 0), bcast(2, 10), read("n0", [1], 20), finalRead("n0", [1, 2]), finalRead("n1", [2, 1])],
      verdict: "PASS",
      reason: /all 2 acknowledged messages reached every node's final read/,
    },
    {
      name: "a message missing from one node's final read fails and names it",
      ops: [bcast(17, 0), bcast(42, 1), bcast(88, 2), bcast(5, 3), finalRead("n0", [17, 42, 88, 5]), finalRead("n1", [5])],
      verdict: "FAIL",
      reason: /^3 of 4 acknowledged messages were missing from n1's final read: 17, 42, 88$/,
    },
    {
      name: "messages lost on several nodes are listed per node",
      ops: [bcast(1, 0), bcast(2, 1), finalRead("n0", [2]), finalRead("n1", [1])],
      verdict: "FAIL",
      reason: /2 of 2 acknowledged messages were missing from final reads \(n0 lacks 1; n1 lacks 2\)/,
    },
    {
      name: "a message nobody ever read is also reported as never read",
      ops: [bcast(1, 0), bcast(2, 1), finalRead("n0", [1]), finalRead("n1", [1])],
      verdict: "FAIL",
      reason: /1 of 2 acknowledged messages were missing from final reads \(n0 lacks 2; n1 lacks 2\); 1 of them were never read by any node/,
    },
    {
      name: "an indeterminate broadcast may be missing",
      ops: [bcast(1, 0), bcast(2, 1, { type: "info" }), bcast(3, 2, { type: "open" }), finalRead("n0", [1]), finalRead("n1", [1, 3])],
      verdict: "PASS",
      reason: /all 1 acknowledged messages/,
    },
    {
      name: "an indeterminate broadcast may be present",
      ops: [bcast(1, 0), bcast(2, 1, { type: "info" }), finalRead("n0", [1, 2]), finalRead("n1", [1, 2])],
      verdict: "PASS",
      reason: /all 1 acknowledged/,
    },
    {
      name: "a value nobody broadcast fails as unexpected",
      ops: [bcast(1, 0), read("n1", [1, 999], 5), finalRead("n0", [1]), finalRead("n1", [1])],
      verdict: "FAIL",
      reason: /1 message was read but never broadcast: 999, first read on n1/,
    },
    {
      name: "a broadcast that definitely failed must not be read",
      ops: [bcast(1, 0), bcast(2, 1, { type: "fail" }), finalRead("n0", [1, 2]), finalRead("n1", [1])],
      verdict: "FAIL",
      reason: /read but never broadcast \(or only broadcast with a definite error\): 2/,
    },
    {
      name: "a node without a final read fails",
      ops: [bcast(1, 0), finalRead("n0", [1]), read("n1", null, 1000, { final: true, type: "info" })],
      verdict: "FAIL",
      reason: /^n1 never answered its final read$/,
    },
    {
      name: "a read reply without a messages array fails",
      ops: [bcast(1, 0), read("n0", { messages: [1] }, 5), finalRead("n0", [1]), finalRead("n1", [1])],
      verdict: "FAIL",
      reason: /1 read_ok replies had no `messages` array \(e\.g\. from n0: \{"messages":\[1\]\}\)/,
    },
    {
      name: "no acknowledged broadcast at all fails",
      ops: [bcast(1, 0, { type: "info" }), finalRead("n0", []), finalRead("n1", [])],
      verdict: "FAIL",
      reason: /none of the 1 broadcast requests was acknowledged/,
    },
    {
      name: "a duplicated message in a read passes but is mentioned",
      ops: [bcast(1, 0), read("n0", [1, 1], 5), finalRead("n0", [1]), finalRead("n1", [1])],
      verdict: "PASS",
      reason: /1 reads listed a message twice/,
    },
    {
      name: "stale reads during the test are allowed",
      ops: [bcast(1, 0), read("n1", [], 10), read("n1", [], 20), finalRead("n0", [1]), finalRead("n1", [1])],
      verdict: "PASS",
      reason: /all 1 acknowledged/,
    },
  ];

  it.each(cases)("$name", ({ ops, verdict, reason }) => {
    const result = checkBroadcast(history(...ops), ctx);
    expect(result.verdict).toBe(verdict);
    expect(result.reason).toMatch(reason);
  });

  it("counts lost, never-read, stale, duplicated and unexpected values", () => {
    const result = checkBroadcast(
      history(bcast(1, 0), bcast(2, 1), bcast(3, 2), read("n0", [1, 1, 7], 10), read("n1", [1], 20), finalRead("n0", [1, 3]), finalRead("n1", [1, 3])),
      ctx,
    );
    expect(result.evidence).toMatchObject({
      attempted: 3,
      acknowledged: 3,
      lost: 1,
      neverRead: 1,
      // 3 is missing from both mid-test reads; 2 from every read.
      stale: 2,
      duplicatedReads: 1,
      unexpected: 1,
      lostByNode: { n0: [2], n1: [2] },
    });
  });

  it("measures stable latency as Maelstrom does: from when a message was known to the last read that lacked it", () => {
    // 1 is acknowledged at 1 ms; reads at 100 (without), 200 (with), 300 (without: not yet stable), 400, 1000 (with):
    // the last read without it began at 300 ms, so 299 ms.
    // 2 is acknowledged at 151 ms; the only read without it began at 100 ms, before it was known: 0.
    // Jepsen's quantiles take index floor(n × q): of two latencies the median is the higher.
    const result = checkBroadcast(
      history(
        bcast(1, 0),
        read("n0", [], 100),
        bcast(2, 150),
        read("n0", [1, 2], 200),
        read("n1", [2], 300),
        read("n1", [1, 2], 400),
        finalRead("n0", [1, 2], 1000),
        finalRead("n1", [1, 2], 1001),
      ),
      ctx,
    );
    expect(result.verdict).toBe("PASS");
    expect(result.evidence.stableLatencyMs).toEqual({ "0": 0, "0.5": 299, "0.95": 299, "0.99": 299, "1": 299 });
    expect(result.reason).toMatch(/stable latency median 299 ms, max 299 ms/);
  });

  it("counts from the first read that had a message when it came before the broadcast's acknowledgement", () => {
    // 1's broadcast is acknowledged only at 500 ms, but a read completed with it at 51 ms; n1 lacked it at 300 ms.
    const result = checkBroadcast(history(bcast(1, 0, { to: 500 }), read("n0", [1], 50), read("n1", [], 300), finalRead("n0", [1]), finalRead("n1", [1], 1001)), ctx);
    expect(result.evidence.stableLatencyMs).toMatchObject({ "0": 249, "1": 249 });
  });

  it("counts a concurrent read that saw a message first as zero latency", () => {
    const result = checkBroadcast(history(read("n0", [1], 0, { to: 50 }), bcast(1, 10), finalRead("n0", [1]), finalRead("n1", [1], 1001)), ctx);
    expect(result.evidence.stableLatencyMs).toMatchObject({ "0": 0, "1": 0 });
  });

  it("has no stable latency for a message missing from the last read, and does not charge the wait before the final reads", () => {
    const result = checkBroadcast(history(bcast(1, 0), bcast(2, 1), finalRead("n0", [1, 2]), finalRead("n1", [1], 1001)), ctx);
    // Only 1 has a latency: no read ever lacked it, so 0 (the final reads came 1 s later, after the recovery wait).
    expect(result.evidence.stableLatencyMs).toEqual({ "0": 0, "0.5": 0, "0.95": 0, "0.99": 0, "1": 0 });
  });

  it("has no stable latency for messages that never reached every node", () => {
    // n1 never answered a read: n0's reads alone show nothing reached every node.
    const silent = checkBroadcast(history(bcast(1, 0), read("n0", [1], 100), finalRead("n0", [1]), read("n1", null, 1001, { final: true, type: "info" })), ctx);
    expect(silent.verdict).toBe("FAIL");
    expect(silent.evidence.stableLatencyMs).toBeNull();
    // n1's last read came before 2 was sent: 2 reached n0 only, 1 reached both. Counted, 2 would
    // have 150 ms (n0's read at 400 lacked it); only 1 is, which no read lacked: 0.
    const early = checkBroadcast(history(bcast(1, 0), read("n1", [1], 100), bcast(2, 250), read("n0", [1], 400), finalRead("n0", [1, 2], 500)), ctx);
    expect(early.evidence.stableLatencyMs).toEqual({ "0": 0, "0.5": 0, "0.95": 0, "0.99": 0, "1": 0 });
  });

  it("shows no stable latency for a single-node run whose node never held a message", () => {
    const one: CheckContext = { nodeIds: ["n0"], budgetMs: 1000 };
    const result = checkBroadcast(history(bcast(1, 0), bcast(2, 10), read("n0", [], 100), finalRead("n0", [])), one);
    expect(result.verdict).toBe("FAIL");
    expect(result.evidence.stableLatencyMs).toBeNull();
    expect(result.reason).not.toMatch(/stable latency/);
  });

  it("uses the nodes seen in final operations when the context names none", () => {
    const result = checkBroadcast(history(bcast(1, 0), finalRead("n0", [1]), read("n5", null, 1000, { final: true, type: "info" })), { nodeIds: [], budgetMs: 1000 });
    expect(result.reason).toBe("n5 never answered its final read");
  });

  it("judges a large history quickly", () => {
    const ops: OpSpec[] = [];
    const all: number[] = [];
    for (let i = 0; i < 3000; i++) {
      ops.push(bcast(i, i * 10));
      all.push(i);
      if (i % 2 === 0) ops.push(read(`n${i % 2}`, all.slice(0, Math.max(0, i - 5)), i * 10 + 5));
    }
    ops.push(finalRead("n0", all, 40_000), finalRead("n1", all, 40_001));
    const events = history(...ops);
    const started = performance.now();
    const result = checkBroadcast(events, ctx);
    expect(result.verdict).toBe("PASS");
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("set-completeness checker (g-set)", () => {
  const add = (element: number, from: number, extra: Partial<OpSpec> = {}): OpSpec => ({ f: "add", value: element, from, ...extra });

  it("passes when every node holds every acknowledged element", () => {
    const result = checkGSet(history(add(1, 0), add(2, 1), finalRead("n0", [1, 2]), finalRead("n1", [1, 2])), ctx);
    expect(result.verdict).toBe("PASS");
    expect(result.reason).toMatch(/all 2 acknowledged elements reached every node's final read/);
  });

  it("fails with elements, not messages, in its reason", () => {
    const result = checkGSet(history(add(1, 0), add(2, 1), finalRead("n0", [1, 2]), finalRead("n1", [2])), ctx);
    expect(result.verdict).toBe("FAIL");
    expect(result.reason).toBe("1 of 2 acknowledged elements were missing from n1's final read: 1");
  });

  it("ignores broadcast operations", () => {
    const result = checkGSet(history(add(1, 0), bcast(9, 1), finalRead("n0", [1]), finalRead("n1", [1])), ctx);
    expect(result.evidence.attempted).toBe(1);
  });

  it("names the value field in a malformed read", () => {
    const result = checkGSet(history(add(1, 0), read("n0", 5, 3), finalRead("n0", [1]), finalRead("n1", [1])), ctx);
    expect(result.reason).toMatch(/had no `value` array/);
  });
});
