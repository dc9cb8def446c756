import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { jepsenEtcdHistory, simulateLinKv } from "../../bench/linearizability.js";
import { checkLinearizable } from "../../lib/checkers/lin-kv.js";
import { ABSENT, CAS, MISMATCH, NONE, READ, registerModel, WRITE, type RegisterInput } from "../../lib/checkers/linearizability/register.js";
import { searchLinearization } from "../../lib/checkers/linearizability/search.js";
import type { SearchOp } from "../../lib/checkers/linearizability/model.js";
import { MalformedHistoryError, type CheckContext } from "../../lib/checkers/types.js";
import { history, type OpSpec } from "./history-fixture.js";

const ctx: CheckContext = { nodeIds: ["n0", "n1"], budgetMs: 10_000 };
type End = Pick<OpSpec, "type" | "to" | "error">;
const KEY_ABSENT = { type: "fail", error: { code: 20, text: "key does not exist" } } as const;
const NOT_FROM = { type: "fail", error: { code: 22, text: "precondition failed" } } as const;
const write = (key: number, value: number, from: number, end: End = {}): OpSpec => ({ f: "write", value: [key, value], from, ...end });
const read = (key: number, value: number | null, from: number, end: End = {}): OpSpec => ({ f: "read", value: [key, null], result: [key, value], from, ...end });
const cas = (key: number, expect: number, to: number, from: number, end: End = {}): OpSpec => ({ f: "cas", value: [key, [expect, to]], from, ...end });

describe("linearizability checker", () => {
  const cases: Array<{ name: string; ops: OpSpec[]; verdict: "PASS" | "FAIL"; reason: RegExp }> = [
    {
      name: "sequential writes and reads pass",
      ops: [write(0, 1, 0), read(0, 1, 10), write(0, 2, 20), read(0, 2, 30)],
      verdict: "PASS",
      reason: /^all 4 acknowledged operations on 1 key are linearizable$/,
    },
    {
      name: "a read concurrent with a write may see the old value",
      ops: [write(0, 1, 0), write(0, 2, 10, { to: 30 }), read(0, 1, 15, { to: 20 })],
      verdict: "PASS",
      reason: /linearizable/,
    },
    {
      name: "a read concurrent with a write may see the new value",
      ops: [write(0, 1, 0), write(0, 2, 10, { to: 30 }), read(0, 2, 15, { to: 20 })],
      verdict: "PASS",
      reason: /linearizable/,
    },
    {
      name: "a read after a completed overwrite may not see the old value",
      ops: [write(0, 1, 0), write(0, 2, 10), read(0, 1, 20)],
      verdict: "FAIL",
      // Everything before the overwrite is cut: from whatever the key held then, the read is impossible.
      reason: /^key 0: no order of these 2 operations, whatever the key held at 0\.010 s, explains the read of 1 by process 2 at 0\.020 s \(the last completed write was 2\)$/,
    },
    {
      name: "a read of a value nothing wrote fails on its own",
      ops: [write(0, 1, 0), read(0, 4, 10)],
      verdict: "FAIL",
      reason: /^key 0: no order of these 1 operations explains the read of 4 .*nothing wrote 4 to this key before it/,
    },
    {
      name: "a read of an absent key (null) is fine before any write",
      ops: [read(0, null, 0), write(0, 3, 10), read(0, 3, 20)],
      verdict: "PASS",
      reason: /linearizable/,
    },
    {
      name: "a key cannot become absent again",
      ops: [write(0, 3, 0), read(0, null, 10)],
      verdict: "FAIL",
      reason: /the read that found the key absent/,
    },
    {
      name: "two reads may not see a concurrent write go back and forth",
      // Both reads are concurrent with the write, but once one process saw 2,
      // a later read (begun after that one ended) cannot see 1 again.
      ops: [write(0, 1, 0), write(0, 2, 10, { to: 100 }), read(0, 2, 20, { to: 30 }), read(0, 1, 40, { to: 50 })],
      verdict: "FAIL",
      reason: /explains the read of 1 by process 3/,
    },
    {
      name: "an indeterminate write may take effect after its invocation, even long after",
      ops: [write(0, 1, 0), write(0, 2, 10, { type: "info" }), read(0, 1, 20), read(0, 2, 500)],
      verdict: "PASS",
      reason: /\(0 failed and 1 indeterminate operations taken into account\)/,
    },
    {
      name: "an indeterminate write may never take effect",
      ops: [write(0, 1, 0), write(0, 2, 10, { type: "open" }), read(0, 1, 500)],
      verdict: "PASS",
      reason: /linearizable/,
    },
    {
      name: "an indeterminate write cannot take effect twice",
      ops: [write(0, 1, 0), write(0, 2, 10, { type: "info" }), read(0, 2, 20), write(0, 1, 30), read(0, 2, 40)],
      verdict: "FAIL",
      reason: /explains the read of 2 by process 4/,
    },
    {
      name: "an indeterminate write cannot take effect before it was invoked",
      ops: [write(0, 1, 0), read(0, 2, 10), write(0, 2, 20, { type: "info" })],
      verdict: "FAIL",
      reason: /read of 2/,
    },
    {
      name: "a failed write never took effect",
      ops: [write(0, 1, 0), write(0, 2, 10, { type: "fail" }), read(0, 2, 20)],
      verdict: "FAIL",
      reason: /^key 0: no order of these 1 operations explains the read of 2 .*nothing wrote 2/,
    },
    {
      name: "a cas succeeds only from the value it expects",
      ops: [write(0, 1, 0), cas(0, 1, 3, 10), read(0, 3, 20)],
      verdict: "PASS",
      reason: /linearizable/,
    },
    {
      name: "an acknowledged cas from a value the key cannot hold fails",
      ops: [write(0, 1, 0), cas(0, 2, 3, 10)],
      verdict: "FAIL",
      reason: /explains the cas from 2 to 3/,
    },
    {
      name: "a refused cas (error 22) changes nothing",
      ops: [write(0, 1, 0), cas(0, 2, 3, 10, NOT_FROM), read(0, 1, 20)],
      verdict: "PASS",
      reason: /\(1 failed and 0 indeterminate operations taken into account\)/,
    },
    // Definite failures that saw something of the key (Maelstrom drops them all).
    {
      name: "a read answered 20 (key does not exist) after an acknowledged write is a lost write",
      ops: [write(0, 3, 0), read(0, null, 10, KEY_ABSENT)],
      verdict: "FAIL",
      reason: /^key 0: no order of these 2 operations, whatever the key held at 0\.000 s, explains the read answered with error 20 \(key does not exist\) by process 1 at 0\.010 s \(the last completed write was 3\)$/,
    },
    {
      name: "a read answered 20 before any write is fine",
      ops: [read(0, null, 0, KEY_ABSENT), write(0, 3, 10), read(0, 3, 20)],
      verdict: "PASS",
      reason: /\(1 failed and 0 indeterminate operations taken into account\)/,
    },
    {
      name: "a read answered 20 concurrent with the first write may come before it",
      ops: [write(0, 3, 0, { to: 30 }), read(0, null, 10, { ...KEY_ABSENT, to: 20 }), read(0, 3, 40)],
      verdict: "PASS",
      reason: /linearizable/,
    },
    {
      name: "a read answered 20 after only an indeterminate write is fine (the write may not have happened yet)",
      ops: [write(0, 3, 0, { type: "info" }), read(0, null, 10, KEY_ABSENT), read(0, 3, 20)],
      verdict: "PASS",
      reason: /\(1 failed and 1 indeterminate operations taken into account\)/,
    },
    {
      name: "two reads answered 20 and then a value and then 20 again: the key came back from the dead",
      ops: [read(0, null, 0, KEY_ABSENT), write(0, 1, 10, { type: "info" }), read(0, 1, 20), read(0, null, 30, KEY_ABSENT)],
      verdict: "FAIL",
      reason: /explains the read answered with error 20 \(key does not exist\) by process 3/,
    },
    {
      name: "a cas answered 20 after an acknowledged write is a lost write too",
      ops: [write(0, 1, 0), cas(0, 1, 2, 10, KEY_ABSENT)],
      verdict: "FAIL",
      reason: /explains the cas from 1 to 2 answered with error 20 \(key does not exist\) by process 1 .*the last completed write was 1/,
    },
    {
      name: "a cas refused with 22 while the key certainly held its `from` fails",
      ops: [write(0, 1, 0), cas(0, 1, 3, 10, NOT_FROM), read(0, 1, 20)],
      verdict: "FAIL",
      reason: /^key 0: no order of these 2 operations(, whatever the key held at 0\.000 s,)? explains the cas from 1 to 3 refused with error 22 \(the key did not hold 1\) by process 1 at 0\.010 s \(the last completed write was 1\)/,
    },
    {
      name: "a cas refused with 22 concurrent with a write away from its `from` is fine",
      ops: [write(0, 1, 0), write(0, 2, 10, { to: 30 }), cas(0, 1, 3, 15, { ...NOT_FROM, to: 20 }), read(0, 2, 40)],
      verdict: "PASS",
      reason: /linearizable/,
    },
    {
      name: "a cas refused with 22 pins the order: the concurrent write came first, so a later read of the old value fails",
      ops: [write(0, 1, 0), write(0, 2, 10, { to: 100 }), cas(0, 1, 3, 15, { ...NOT_FROM, to: 20 }), read(0, 1, 30)],
      verdict: "FAIL",
      reason: /explains the read of 1 by process 3/,
    },
    {
      name: "a cas refused with 22 on an absent key is accepted (the key did not hold `from`)",
      ops: [cas(0, 1, 3, 0, NOT_FROM), write(0, 1, 10), read(0, 1, 20)],
      verdict: "PASS",
      reason: /linearizable/,
    },
    {
      name: "other definite failures (e.g. 11, temporarily unavailable) saw nothing",
      ops: [write(0, 1, 0), read(0, null, 10, { type: "fail" }), cas(0, 1, 2, 20, { type: "fail" }), read(0, 1, 30)],
      verdict: "PASS",
      reason: /\(2 failed and 0 indeterminate operations taken into account\)/,
    },
    {
      name: "keys are independent registers",
      ops: [write(0, 1, 0), write(1, 2, 5), read(0, 1, 10), read(1, 2, 15)],
      verdict: "PASS",
      reason: /^all 4 acknowledged operations on 2 keys are linearizable$/,
    },
    {
      name: "a violation on one key is reported with the key and the others counted",
      ops: [write(0, 1, 0), write(1, 2, 5), write(0, 3, 10), read(0, 1, 20), write(1, 4, 25), read(1, 2, 30)],
      verdict: "FAIL",
      reason: /^key [01]: .*; 1 other key also fails$/,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const result = checkLinearizable(history(...c.ops), ctx);
      expect(result.reason).toMatch(c.reason);
      expect(result.verdict).toBe(c.verdict);
    });
  }

  it("fails Jepsen's etcd_000 history, as Porcupine does, on a read no pending write explains", () => {
    // Porcupine's test data (test_data/jepsen/etcd_000.log); Porcupine's test expects "not linearizable".
    const events = jepsenEtcdHistory(readFileSync(path.resolve(import.meta.dirname, "../../bench/fixtures/jepsen-etcd-000.log"), "utf8"));
    const result = checkLinearizable(events, ctx);
    expect(result.reason).toBe("key 0: no order of these 2 operations, whatever the key held at 0.073 s, explains the read of 2 by process 11 at 0.084 s (the last completed write was 1)");
    expect(result.verdict).toBe("FAIL");
    expect(result.evidence).toMatchObject({ minimal: true, summary: { operations: 85, fail: 20, observingFailures: 20, indeterminate: 16 } });
  });

  it("shows the failure that saw something in the counterexample, with its error", () => {
    const result = checkLinearizable(history(write(0, 3, 0), read(0, null, 10, KEY_ABSENT)), ctx);
    expect(result.evidence).toMatchObject({
      impossible: { f: "read", type: "fail", error: { code: 20 }, value: [0, null] },
      lastCompletedWrite: 3,
      summary: { fail: 1, observingFailures: 1 },
    });
  });

  const malformed: Array<{ name: string; ops: OpSpec[]; message: RegExp }> = [
    {
      name: "an operation lin-kv does not have (a misspelled read)",
      ops: [write(0, 1, 0), { f: "Read", value: [0, null], from: 10 }],
      message: /^event 2 \(invoke "Read" of process 1\): lin-kv has no operation "Read" \(its operations are read, write and cas\)$/,
    },
    { name: "a cas whose argument is not a pair", ops: [{ f: "cas", value: [0, 5], from: 0 }], message: /^event 0 \(invoke "cas" of process 0\): a cas's argument must be a pair \[from, to\], got 5$/ },
    { name: "a cas whose argument has three values", ops: [{ f: "cas", value: [0, [1, 2, 3]], from: 0 }], message: /a cas's argument must be a pair \[from, to\], got \[1,2,3\]/ },
    { name: "a value that is not [key, value]", ops: [{ f: "write", value: 3, from: 0 }], message: /^event 0 \(invoke "write" of process 0\): the invocation's value must be a pair \[key, value\], got 3$/ },
    { name: "an operation without a key", ops: [{ f: "read", value: [null, null], from: 0 }], message: /the invocation's value must be a pair \[key, value\], got \[null,null\]/ },
    { name: "an ok read whose value is not [key, value]", ops: [write(0, 1, 0), { f: "read", value: [0, null], result: 1, from: 10 }], message: /^event 3 \(ok "read" of process 1\): an ok read's value must be a pair \[key, value\], got 1$/ },
    { name: "an ok read answered for another key", ops: [write(0, 1, 0), { f: "read", value: [0, null], result: [1, 1], from: 10 }], message: /an ok read of key 0 answered for key 1/ },
  ];
  for (const c of malformed) {
    it(`refuses ${c.name}, naming the event`, () => {
      const events = history(...c.ops);
      let thrown: unknown;
      try {
        checkLinearizable(events, ctx);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(MalformedHistoryError);
      expect((thrown as Error).message).toMatch(c.message);
    });
  }

  it("says UNKNOWN, naming the memory budget, when one search's memo outgrows it", () => {
    // 20 concurrent writes of distinct values and a read of a value none
    // wrote: refuting it means trying every subset of the writes (2^20), each
    // a memo entry.
    const ops: OpSpec[] = [];
    for (let i = 0; i < 20; i++) ops.push(write(0, i, i, { to: 1000 }));
    ops.push(read(0, 99, 25, { to: 900 }));
    const result = checkLinearizable(history(...ops), { ...ctx, budgetMs: 60_000, memoryBudgetMb: 1 });
    expect(result.reason).toMatch(/^could not decide linearizability within the 1 MB memory budget of a search: 1 of 1 keys \(21 operations\) were not settled/);
    expect(result.verdict).toBe("UNKNOWN");
    expect(result.evidence).toMatchObject({ memoryBudgetMb: 1, keysOverMemoryBudget: 1 });
  });

  it("cuts the evidence down to the operations that matter", () => {
    // Noise on the same key before the violation: the evidence should not carry it.
    const noise: OpSpec[] = [];
    for (let i = 0; i < 40; i++) noise.push(i % 2 === 0 ? write(0, i % 5, i * 10) : read(0, (i - 1) % 5, i * 10));
    const ops = [...noise, write(0, 1, 1000), write(0, 2, 1010), read(0, 1, 1020)];
    const result = checkLinearizable(history(...ops), ctx);
    expect(result.verdict).toBe("FAIL");
    const evidence = result.evidence as { operations: Array<{ f: string; value: unknown }>; minimal: boolean; impossible: { value: unknown } };
    expect(evidence.minimal).toBe(true);
    expect(evidence.impossible.value).toEqual([0, 1]);
    expect(evidence.operations.length).toBeLessThanOrEqual(3);
    // The shrunk evidence is itself not linearizable (checked by brute force).
    expect(evidence.operations.map((o) => `${o.f} ${JSON.stringify(o.value)}`)).toContain("write [0,2]");
  });

  it("reports no operation at all as a failure of the lab, not of linearizability", () => {
    expect(checkLinearizable([], ctx)).toMatchObject({ verdict: "FAIL", reason: /no read, write or cas operation was attempted/ });
    const allFailed = checkLinearizable(history(write(0, 1, 0, { type: "fail" }), read(0, 1, 5, { type: "info" })), ctx);
    expect(allFailed).toMatchObject({ verdict: "FAIL", reason: "none of the 2 read, write or cas requests succeeded (1 failed, 1 got no definite answer)" });
  });

  it("says UNKNOWN, naming the undecided keys, when the budget runs out", () => {
    let clock = 0;
    const result = checkLinearizable(history(write(0, 1, 0), read(0, 1, 10)), { ...ctx, budgetMs: 5 }, () => (clock += 10));
    expect(result.verdict).toBe("UNKNOWN");
    expect(result.reason).toMatch(/could not decide linearizability within the 5 ms budget: 1 of 1 keys \(2 operations\) were not settled/);
  });

  it("stays polynomial with many indeterminate writes (counted by class, not enumerated)", () => {
    // 30 concurrent writes of the same two values that never got an answer:
    // enumerating subsets would be 2^30 configurations.
    const ops: OpSpec[] = [write(0, 0, 0)];
    for (let i = 0; i < 30; i++) ops.push(write(0, i % 2 === 0 ? 1 : 2, 10 + i, { type: "info" }));
    // Reads alternating 1, 2, 1, ... need every one of the 30 writes to take effect, in turn.
    for (let i = 0; i < 30; i++) ops.push(read(0, i % 2 === 0 ? 1 : 2, 100 + i * 10));
    const result = checkLinearizable(history(...ops), ctx);
    expect(result.verdict).toBe("PASS");
    expect((result.evidence as { searchSteps: number }).searchSteps).toBeLessThan(100_000);
    // One more read of 1 needs a 16th write of 1, which nobody sent.
    const tooMany = checkLinearizable(history(...ops, read(0, 1, 400)), ctx);
    expect(tooMany.verdict).toBe("FAIL");
    expect(tooMany.reason).toMatch(/explains the read of 1 by process 61 at 0\.400 s/);
    expect((tooMany.evidence as { summary: { searchSteps: number } }).summary.searchSteps).toBeLessThan(100_000);
  });
});

// ---- agreement with a brute-force oracle on small random histories ----

interface SmallOp {
  kind: "read" | "write" | "cas";
  a: number | null;
  b: number;
  type: "ok" | "fail" | "info";
  /** A fail's error: 20 (read, cas: saw the key absent), 22 (cas: saw a value other than `a`), 11 (saw nothing). */
  code?: number;
  call: number;
  ret: number;
}

/** Whether a failure saw something of the key (and so must have happened, changing nothing). */
const observes = (o: SmallOp) => o.type === "fail" && ((o.code === 20 && o.kind !== "write") || (o.code === 22 && o.kind === "cas"));

/** Tries every order (and every subset of indeterminate operations) directly. */
function bruteForceLinearizable(ops: readonly SmallOp[]): boolean {
  const live = ops.filter((o) => (o.type !== "fail" || observes(o)) && !(o.kind === "read" && o.type === "info"));
  const definite = (o: SmallOp) => o.type === "ok" || observes(o);
  const taken = new Array<boolean>(live.length).fill(false);
  const step = (value: number | null): boolean => {
    if (live.every((o, i) => taken[i] || !definite(o))) return true;
    for (let i = 0; i < live.length; i++) {
      if (taken[i]) continue;
      const o = live[i]!;
      // It may go next only if no pending definite operation returned before it was called.
      if (live.some((p, j) => !taken[j] && j !== i && definite(p) && p.ret < o.call)) continue;
      let after: number | null;
      if (o.type === "fail") {
        if (o.code === 20 ? value !== null : value === o.a) continue;
        after = value;
      } else if (o.kind === "read") {
        if (o.a !== value) continue;
        after = value;
      } else if (o.kind === "write") after = o.b;
      else {
        if (o.a !== value) continue;
        after = o.b;
      }
      taken[i] = true;
      const found = step(after);
      taken[i] = false;
      if (found) return true;
    }
    return false;
  };
  return step(null);
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomHistory(random: () => number): SmallOp[] {
  const count = 2 + Math.floor(random() * 7);
  const pick = (n: number) => Math.floor(random() * n);
  const ops: SmallOp[] = [];
  for (let i = 0; i < count; i++) {
    // Calls at even times and returns at odd ones: no ties between them.
    const call = 2 * pick(20);
    const ret = call + 1 + 2 * pick(8);
    const roll = random();
    const type = roll < 0.7 ? "ok" : roll < 0.85 ? "info" : "fail";
    const kind = (["read", "write", "cas"] as const)[pick(3)]!;
    const a = kind === "read" ? (random() < 0.2 ? null : pick(3)) : kind === "cas" ? pick(3) : null;
    const code = type === "fail" ? [11, 20, 22][pick(3)] : undefined;
    ops.push({ kind, a, b: pick(3), type, ...(code !== undefined ? { code } : {}), call, ret });
  }
  return ops;
}

function toSpecs(ops: readonly SmallOp[]): OpSpec[] {
  return ops.map((o) => {
    const end: End = { type: o.type, to: o.ret, ...(o.code !== undefined ? { error: { code: o.code, text: "refused" } } : {}) };
    if (o.kind === "read") return read(0, o.a, o.call, end);
    if (o.kind === "write") return write(0, o.b, o.call, end);
    return cas(0, o.a!, o.b, o.call, end);
  });
}

const TRIALS = Number(process.env.LIN_ORACLE_TRIALS ?? 3000);

describe("linearizability checker against brute force", () => {
  it("agrees on random small histories, and its evidence is itself not linearizable", () => {
    const random = mulberry32(20261123);
    let failures = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const ops = randomHistory(random);
      const expected = bruteForceLinearizable(ops);
      const result = checkLinearizable(history(...toSpecs(ops)), ctx);
      if (result.verdict === "FAIL" && /requests succeeded|was attempted/.test(result.reason)) continue;
      expect({ trial, ops, verdict: result.verdict }).toEqual({ trial, ops, verdict: expected ? "PASS" : "FAIL" });
      if (expected) continue;
      failures++;
      // Evidence from an absent start must itself be a failing history.
      const evidence = result.evidence as { initialValue: string; operations: Array<{ process: number }> };
      if (evidence.initialValue !== "absent") continue;
      // The fixture gives every operation its own process: its index.
      expect(bruteForceLinearizable(evidence.operations.map((e) => ops[e.process]!))).toBe(false);
    }
    // The generator must actually produce both outcomes in numbers.
    expect(failures).toBeGreaterThan(300);
  });
});

describe("linearizability search with positions too late to pack", () => {
  // The search sorts its entries packed into doubles while positions are
  // below 2^31, and by comparison beyond: both orders must decide alike.
  it("decides random small histories the same either way", () => {
    const random = mulberry32(7);
    const id = (v: number | null) => (v === null ? ABSENT : v + 1);
    let violations = 0;
    for (let trial = 0; trial < 500; trial++) {
      const ops: Array<SearchOp<RegisterInput>> = randomHistory(random).flatMap((o) => {
        if (o.type === "fail" && !observes(o)) return [];
        if (o.kind === "read" && o.type === "info") return [];
        const definite = o.type !== "info";
        const input: RegisterInput =
          o.type === "fail"
            ? o.code === 20
              ? { kind: READ, observes: ABSENT, writes: NONE }
              : { kind: MISMATCH, observes: id(o.a), writes: NONE }
            : o.kind === "read"
              ? { kind: READ, observes: id(o.a), writes: NONE }
              : o.kind === "write"
                ? { kind: WRITE, observes: NONE, writes: id(o.b) }
                : { kind: CAS, observes: id(o.a), writes: id(o.b) };
        return [{ input, definite, call: o.call, ret: definite ? o.ret : Infinity }];
      });
      const late = ops.map((o) => ({ ...o, call: o.call + 2 ** 31, ret: o.ret + 2 ** 31 }));
      const budget = () => ({ deadlineMs: Infinity, now: () => 0, steps: 0, memoryLimitBytes: 2 ** 30 });
      const early = searchLinearization(registerModel, ops, budget());
      const shifted = searchLinearization(registerModel, late, budget());
      expect({ trial, outcome: shifted.outcome, frontier: shifted.frontier - 2 ** 31 }).toEqual({ trial, outcome: early.outcome, frontier: early.frontier - 0 });
      if (early.outcome === "violation") violations++;
    }
    expect(violations).toBeGreaterThan(50);
  });
});

describe("linearizability checker on simulated runs", () => {
  // simulateLinKv applies every operation to a real register at a point inside
  // its interval, so without an injected fault its histories are linearizable.
  for (const indeterminateRate of [0, 0.05, 0.2]) {
    it(`passes a linearizable 3000-operation history with ${indeterminateRate * 100} % lost replies, and fails it with one stale read`, () => {
      const options = { seed: String(1000 + indeterminateRate * 100), operations: 3000, clients: 8, keys: 3, indeterminateRate };
      const valid = checkLinearizable(simulateLinKv(options).events, ctx);
      expect(valid.reason).toMatch(/are linearizable/);
      expect(valid.verdict).toBe("PASS");

      const { events, injected } = simulateLinKv({ ...options, staleRead: true });
      const invalid = checkLinearizable(events, ctx);
      expect(invalid.verdict).toBe("FAIL");
      const evidence = invalid.evidence as { key: unknown; impossible: { process: number; startUs: number } };
      expect(evidence.key).toBe(injected!.key);
      expect(evidence.impossible).toMatchObject({ process: injected!.process, startUs: injected!.startUs });
    });
  }
});
