// The course tester's checks on made-up inputs: each case must fail when the
// check is wrong (two leaders in a term, term disagreement, a leader where
// none may be, disagreeing applies, gaps, out-of-order applies in snapshot
// mode, snapshots that do not match) and pass when it is right.
import { describe, expect, it } from "vitest";
import { agreedTerm, ApplyLogs, checkNoLeaderAmong, oneLeaderOf, RaftCheckFailure, rpcBytesBound, agreementRpcBound } from "../../sandbox/programs/controller/drivers/raft/checks.js";
import { decodeSnapshot, encodeSnapshot } from "../../sandbox/programs/controller/drivers/raft/snapshot.js";
import { MAX_SPANS_PER_PEER, Timeline } from "../../sandbox/programs/controller/drivers/raft/timeline.js";

const leader = (term: number) => ({ term, isLeader: true });
const follower = (term: number) => ({ term, isLeader: false });

function failureOf(fn: () => unknown): RaftCheckFailure {
  try {
    fn();
  } catch (err) {
    if (err instanceof RaftCheckFailure) return err;
    throw err;
  }
  throw new Error("expected the check to fail");
}

describe("checkOneLeader's round", () => {
  it("fails with two leaders in one term, naming them", () => {
    const err = failureOf(() => oneLeaderOf([follower(4), leader(4), follower(4), leader(4)]));
    expect(err.message).toBe("two leaders in term 4: n1 and n3");
    expect(err.check).toBe("checkOneLeader");
  });

  it("picks the leader of the latest term when old leaders linger in older terms", () => {
    expect(oneLeaderOf([leader(2), follower(5), leader(5), null])).toBe(2);
  });

  it("finds no leader when nobody leads (the caller tries again)", () => {
    expect(oneLeaderOf([follower(1), null, follower(1)])).toBeNull();
  });
});

describe("checkTerms and checkNoLeader", () => {
  it("fails when connected peers disagree on the term", () => {
    expect(failureOf(() => agreedTerm([follower(3), null, leader(4)])).message).toBe("servers disagree on term: n0 is in term 3, n2 in term 4");
    expect(agreedTerm([follower(3), null, leader(3)])).toBe(3);
  });

  it("fails when a connected peer claims to lead", () => {
    expect(failureOf(() => checkNoLeaderAmong([null, follower(2), leader(2)])).message).toContain("n2 claims to lead term 2");
    expect(() => checkNoLeaderAmong([null, follower(2), follower(3)])).not.toThrow();
  });
});

describe("the applier's copies of the logs", () => {
  it("fails when two peers apply different commands at one index, in the issue's words", () => {
    const logs = new ApplyLogs(3, false);
    expect(logs.applyCommand(0, 1, 203)).toBeNull();
    const err = logs.applyCommand(2, 1, 105);
    expect(err?.message).toBe("n2 applied 105 at index 1, n0 applied 203");
    expect(logs.disagreements).toEqual([{ index: 1, peer: "n2", command: 105, otherPeer: "n0", otherCommand: 203 }]);
    expect(() => logs.nCommitted(1)).toThrow(/n2 applied 105/);
  });

  it("tells 5 from \"5\", as the course compares Go values", () => {
    const logs = new ApplyLogs(2, false);
    logs.applyCommand(0, 1, 5);
    expect(logs.applyCommand(1, 1, "5")).not.toBeNull();
  });

  it("fails on a gap: index 3 applied without index 2", () => {
    const logs = new ApplyLogs(1, false);
    logs.applyCommand(0, 1, 10);
    expect(logs.applyCommand(0, 3, 30)?.message).toBe("n0 applied index 3 out of order: it had not applied index 2");
  });

  it("allows re-applying from index 1 after a restart (a fresh copy)", () => {
    const logs = new ApplyLogs(2, false);
    logs.applyCommand(0, 1, 10);
    logs.applyCommand(0, 2, 20);
    logs.restart(0, null);
    expect(logs.applyCommand(0, 1, 10)).toBeNull();
    expect(logs.nCommitted(2)).toEqual({ count: 0, command: undefined });
  });

  it("counts who applied an index and with what (nCommitted)", () => {
    const logs = new ApplyLogs(3, false);
    logs.applyCommand(0, 1, "a");
    logs.applyCommand(1, 1, "a");
    expect(logs.nCommitted(1)).toEqual({ count: 2, command: "a" });
    expect(logs.nCommitted(2).count).toBe(0);
  });

  it("fails in snapshot mode on an apply that does not follow the last one exactly", () => {
    const logs = new ApplyLogs(1, true);
    logs.applyCommand(0, 1, 1);
    expect(logs.applyCommand(0, 1, 1)?.message).toBe("n0 applied index 1 out of order: expected index 2");
  });

  it("snapshots after every tenth entry (index 9, 19, …) in snapshot mode only", () => {
    expect([8, 9, 10, 19].map((i) => new ApplyLogs(1, true).snapshotDue(i))).toEqual([false, true, false, true]);
    expect(new ApplyLogs(1, false).snapshotDue(9)).toBe(false);
  });

  it("takes a peer's copy from an installed snapshot and checks its index", () => {
    const logs = new ApplyLogs(2, true);
    for (let i = 1; i <= 9; i++) logs.applyCommand(0, i, i * 10);
    const snap = decodeSnapshot(encodeSnapshot({ lastIncludedIndex: 9, log: logs.snapshotLog(0, 9) }))!;
    expect(logs.applySnapshot(1, 9, snap)).toBeNull();
    expect(logs.lastAppliedOf(1)).toBe(9);
    expect(logs.nCommitted(9)).toEqual({ count: 2, command: 90 });
    expect(logs.applyCommand(1, 10, 100)).toBeNull();
    expect(new ApplyLogs(2, true).applySnapshot(1, 10, snap)?.message).toContain("SnapshotIndex 10 does not match");
    expect(new ApplyLogs(2, true).applySnapshot(1, 9, null)?.message).toContain("not one the tester made");
  });

  it("rejects bytes that are not the tester's snapshot", () => {
    expect(decodeSnapshot(Buffer.from("hello").toString("base64"))).toBeNull();
    expect(decodeSnapshot(Buffer.from(JSON.stringify({ format: "other", lastIncludedIndex: 0, log: [null] })).toString("base64"))).toBeNull();
  });
});

describe("the course's bounds", () => {
  it("RPCBytes allows servers × bytes + 50,000 and Count (iters + 4) × 3", () => {
    expect(rpcBytesBound(3, 50_000)).toBe(200_000);
    expect(agreementRpcBound(10)).toBe(42);
  });
});

describe("the terms-and-roles timeline", () => {
  it("merges samples that agree into stretches, and a down peer is a stretch of its own", () => {
    const tl = new Timeline(2);
    tl.add(0, [{ term: 1, leader: true }, { term: 1, leader: false }]);
    tl.add(100, [{ term: 1, leader: true }, null]);
    tl.add(200, [{ term: 2, leader: false }, null]);
    expect(tl.spans()).toEqual([
      { peer: "n0", fromMs: 0, toMs: 200, term: 1, leader: true },
      { peer: "n0", fromMs: 200, toMs: 200, term: 2, leader: false },
      { peer: "n1", fromMs: 0, toMs: 100, term: 1, leader: false },
      { peer: "n1", fromMs: 100, toMs: 200, term: null, leader: false },
    ]);
  });

  it("keeps only the latest stretches of a peer that changes term very often", () => {
    const tl = new Timeline(1);
    for (let t = 0; t < MAX_SPANS_PER_PEER + 50; t++) tl.add(t, [{ term: t, leader: false }]);
    const spans = tl.spans();
    expect(spans.length).toBeLessThanOrEqual(MAX_SPANS_PER_PEER + 1);
    expect(spans[spans.length - 1]!.term).toBe(MAX_SPANS_PER_PEER + 49);
  });
});
