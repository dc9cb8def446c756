// The tester's operations and the course tests' steps against the toy Raft
// cluster in memory (tests/support/toy-raft.ts), with the course's timing
// scaled down 100 times: a correct toy passes, and each broken toy fails the
// check that should catch it, for the reason in words.
import { describe, expect, it } from "vitest";
import { raftTestNamed } from "../../lib/labs/mit-6.5840/raft-tests.js";
import { Random } from "../../lib/random.js";
import { RaftCheckFailure, RaftTesterError } from "../../sandbox/programs/controller/drivers/raft/checks.js";
import { RaftTester } from "../../sandbox/programs/controller/drivers/raft/tester.js";
import { COURSE_TESTS } from "../../sandbox/programs/controller/drivers/raft/tests.js";
import type { ControllerLine } from "../../sandbox/programs/controller/spec.js";
import { ToyFaults, ToyPeerHosts, ToyRaftCluster, type ToyBug } from "../support/toy-raft.js";

const SCALE = 0.01;

function makeTester(name: string, bugs: ToyBug[] = [], answer?: ToyFaults["answer"], scale = SCALE) {
  const info = raftTestNamed(name)!;
  const toy = new ToyRaftCluster(info.servers, new Set(bugs));
  const lines: ControllerLine[] = [];
  const tester = new RaftTester({ info, peers: new ToyPeerHosts(toy), faults: new ToyFaults(toy, answer), rng: new Random("7"), record: (l) => lines.push(l), timeScale: scale });
  return { tester, toy, lines };
}

/** Runs a course test on the toy: "pass", or the failure that stopped it. */
async function run(name: string, bugs: ToyBug[] = []): Promise<{ outcome: "pass" | RaftCheckFailure; toy: ToyRaftCluster; lines: ControllerLine[] }> {
  // Figure 8's thousand rounds of a few ms each would outrun a 1.2-s limit at 1/100 of the course's time.
  const { tester, toy, lines } = makeTester(name, bugs, undefined, name.startsWith("TestFigure8") ? 0.05 : SCALE);
  try {
    if (tester.info.unreliable) await tester.setUnreliable(true);
    await COURSE_TESTS[name as keyof typeof COURSE_TESTS]!(tester);
    await tester.appliesSettled();
    if (tester.stoppedBy) throw tester.stoppedBy;
    return { outcome: "pass", toy, lines };
  } catch (err) {
    const first = tester.stoppedBy ?? err;
    if (first instanceof RaftCheckFailure) return { outcome: first, toy, lines };
    throw first;
  } finally {
    tester.finished = true;
  }
}

describe("the tester's operations", () => {
  it("one() returns the index a leader put the command at once enough peers applied it", async () => {
    const { tester } = makeTester("TestBasicAgree3B");
    expect(await tester.one(100, 3, false)).toBe(1);
    expect(await tester.one(200, 3, false)).toBe(2);
  });

  it("one() without retry fails after its 2 s when nothing commits", async () => {
    const { tester } = makeTester("TestBasicAgree3B", ["noCommit"]);
    const t0 = performance.now();
    await expect(tester.one(100, 3, false)).rejects.toThrow("one(100) failed to reach agreement: a leader put it at index 1 but 0 of the 3 peers wanted applied it within 2 s");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(2000 * SCALE);
  });

  it("one() with retry gives up after its 10 s", async () => {
    const { tester } = makeTester("TestBasicAgree3B", ["noCommit"]);
    const t0 = performance.now();
    await expect(tester.one(100, 3, true)).rejects.toThrow("3 peers did not apply it within 10 s");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(10_000 * SCALE);
  });

  it("checkOneLeader fails after ten tries when no peer leads", async () => {
    const { tester } = makeTester("TestInitialElection3A", ["neverLeads"]);
    await expect(tester.checkOneLeader()).rejects.toThrow("expected one leader, got none");
  });

  it("a fault the runner refuses stops the test as ours, not the student's", async () => {
    const { tester } = makeTester("TestReElection3A", [], (kind) => (kind === "disconnect" ? { ok: false, detail: "no firewall here" } : null));
    const err: unknown = await tester.disconnect(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RaftTesterError);
    expect((err as Error).message).toBe("the runner could not disconnect n1: no firewall here");
  });

  it("the course's 120 s limit counts the test's own time, not the runner's time on faults", async () => {
    const info = raftTestNamed("TestReElection3A")!;
    const toy = new ToyRaftCluster(info.servers);
    let now = 0;
    const clock = { now: () => now, sleep: () => Promise.resolve() };
    const tester = new RaftTester({ info, peers: new ToyPeerHosts(toy), faults: new ToyFaults(toy), rng: new Random("1"), record: () => undefined, clock });
    now = 130_000;
    tester.faultMs = 20_000;
    await tester.sleep(10);
    expect(tester.stoppedBy).toBeNull();
    tester.faultMs = 5_000;
    await expect(tester.sleep(10)).rejects.toThrow("the test took longer than 120 seconds (125 s of its own time, not counting 5 s the runner spent on faults)");
  });
});

describe("election safety over the whole run", () => {
  /** Peers that answer GetState from a script: n0 leads term 2 first, n1 leads term 2 later (never both at one instant). */
  function scripted(electionSafetyAlways: boolean) {
    const info = raftTestNamed("TestInitialElection3A")!;
    let calls = 0;
    const peers = {
      n: 3,
      onApply: () => undefined,
      onHello: () => undefined,
      request: (peer: number) => {
        calls++;
        const late = calls > 3;
        return Promise.resolve({ term: 2, isLeader: late ? peer === 1 : peer === 0 });
      },
      crashing: () => undefined,
      reconnect: () => Promise.resolve(undefined),
    };
    const toy = new ToyRaftCluster(3);
    return new RaftTester({ info, peers, faults: new ToyFaults(toy), rng: new Random("3"), record: () => undefined, timeScale: SCALE, electionSafetyAlways });
  }

  it("fails two peers seen leading one term at different moments, which checkOneLeader's rounds cannot see", async () => {
    const tester = scripted(true);
    await tester.sample();
    await tester.sample();
    expect(tester.stoppedBy?.message).toBe("two leaders in term 2: n0 and n1");
    expect((tester.stoppedBy as RaftCheckFailure).check).toBe("electionSafety");
  });

  it("is the course's check only when turned off: each round alone has one leader", async () => {
    const tester = scripted(false);
    expect(await tester.checkOneLeader()).toBe(0);
    expect(await tester.checkOneLeader()).toBe(1);
    expect(tester.stoppedBy).toBeNull();
  });
});

describe("3A on the toy", () => {
  for (const name of ["TestInitialElection3A", "TestReElection3A", "TestManyElections3A"]) {
    it(`${name} passes a toy that elects one leader per term`, async () => {
      const { outcome, toy } = await run(name);
      expect(outcome).toBe("pass");
      if (name !== "TestInitialElection3A") expect(toy.faults.length).toBeGreaterThan(0);
    });
  }

  it("TestInitialElection3A fails a toy with two leaders in a term", async () => {
    const { outcome } = await run("TestInitialElection3A", ["twoLeaders"]);
    expect(outcome).toBeInstanceOf(RaftCheckFailure);
    expect((outcome as RaftCheckFailure).message).toBe("two leaders in term 1: n0 and n1");
  });

  it("TestReElection3A orders the course's faults: the leader cut off, rejoined, then a lost quorum and its return", async () => {
    const { toy } = await run("TestReElection3A");
    expect(toy.faults).toEqual(["disconnect n0", "connect n0", "disconnect n1", "disconnect n2", "connect n2", "connect n1"]);
  });

  it("TestManyElections3A chooses whom to cut from the seed: the same faults for the same seed", async () => {
    const a = await run("TestManyElections3A");
    const b = await run("TestManyElections3A");
    expect(a.toy.faults).toEqual(b.toy.faults);
  });
});

describe("our scenario tests on the toy", () => {
  it("TestOneVotePerTerm3A cuts the followers' link, holds them still while the leader restarts, and thaws them together", async () => {
    const { outcome, toy } = await run("TestOneVotePerTerm3A");
    expect(outcome).toBe("pass");
    expect(toy.faults.slice(0, 7)).toEqual(["cutLink n1–n2", "pause n1", "pause n2", "crash n0", "restart n0", "resume n1", "resume n2"]);
    expect(toy.faults.filter((f) => f.startsWith("joinLink"))).toHaveLength(4);
  });

  it("TestOneVotePerTerm3A fails a toy with two leaders in a term", async () => {
    const { outcome } = await run("TestOneVotePerTerm3A", ["twoLeaders"]);
    expect((outcome as RaftCheckFailure).message).toMatch(/^two leaders in term \d+: n0 and n1$/);
  });

  it("TestFigure8Scenario3C plays the paper's Figure 8: X to two peers, the other three elect L, which is cut off with Y, then L with a and b", async () => {
    const { outcome, toy } = await run("TestFigure8Scenario3C");
    expect(outcome).toBe("pass");
    expect(toy.faults).toEqual([
      ...["disconnect n2", "disconnect n3", "disconnect n4"],
      ...["disconnect n0", "disconnect n1", "connect n2", "connect n3", "connect n4"],
      "disconnect n2",
      ...["connect n0", "connect n1"],
      ...["disconnect n0", "disconnect n1", "connect n2", "cutLink n3–n4"],
      ...["connect n0", "connect n1", "joinLink n3–n4"],
    ]);
  });

  it("TestFigure8Scenario3C fails a toy whose peers disagree", async () => {
    const { outcome } = await run("TestFigure8Scenario3C", ["divergent"]);
    expect((outcome as RaftCheckFailure).message).toContain("applied");
  });
});

describe("3B on the toy", () => {
  const names = ["TestBasicAgree3B", "TestRPCBytes3B", "TestFollowerFailure3B", "TestLeaderFailure3B", "TestFailAgree3B", "TestFailNoAgree3B", "TestConcurrentStarts3B", "TestRejoin3B", "TestBackup3B", "TestCount3B"];
  for (const name of names) {
    it(`${name} passes a toy that agrees`, async () => {
      expect((await run(name)).outcome).toBe("pass");
    });
  }

  const failing: Array<[string, ToyBug, string]> = [
    ["TestBasicAgree3B", "divergent", "n2 applied 201 at index 2, n1 applied 200"],
    ["TestBasicAgree3B", "gap", "n2 applied index 3 out of order: it had not applied index 2"],
    ["TestBasicAgree3B", "noCommit", "one(100) failed to reach agreement"],
    ["TestCount3B", "manyRpcs", "too many RPCs (240) to agree on 10 entries; the course allows 42"],
    ["TestRPCBytes3B", "manyRpcs", "too many RPC bytes"],
  ];
  for (const [name, bug, reason] of failing) {
    it(`${name} fails a toy with the bug ${bug}: ${reason}`, async () => {
      const { outcome } = await run(name, [bug]);
      expect(outcome).toBeInstanceOf(RaftCheckFailure);
      expect((outcome as RaftCheckFailure).message).toContain(reason);
    });
  }

  it("TestRPCBytes3B counts the RPCs' encoded arguments when the peer hosts report them, as labrpc does", async () => {
    const { tester, toy } = makeTester("TestRPCBytes3B", ["manyRpcs"]);
    toy.reportArgsBytes = true;
    await COURSE_TESTS.TestRPCBytes3B!(tester);
    expect(tester.stoppedBy).toBeNull();
  });

  it("TestFollowerFailure3B checks that a leader cut from its majority commits nothing", async () => {
    const { toy } = await run("TestFollowerFailure3B");
    expect(toy.faults).toEqual(["disconnect n1", "disconnect n2"]);
    expect(toy.log).toHaveLength(4);
  });
});

describe("3C on the toy", () => {
  const names = ["TestPersist13C", "TestPersist23C", "TestPersist33C", "TestFigure83C", "TestUnreliableAgree3C", "TestFigure8Unreliable3C", "TestReliableChurn3C", "TestUnreliableChurn3C"];
  for (const name of names) {
    it(`${name} passes a toy that keeps its log over crashes`, async () => {
      const { outcome, toy } = await run(name);
      expect(outcome).toBe("pass");
      expect(toy.faults.length).toBeGreaterThan(0);
    });
  }

  it("TestPersist13C crashes and restarts as the course does, all peers first", async () => {
    const { toy } = await run("TestPersist13C");
    expect(toy.faults.slice(0, 6)).toEqual(["crash n0", "crash n1", "crash n2", "restart n0", "restart n1", "restart n2"]);
  });

  it("TestUnreliableAgree3C turns loss on first and off before its last agreement", async () => {
    const { toy } = await run("TestUnreliableAgree3C");
    expect(toy.faults).toEqual(["unreliable", "reliable"]);
  });

  it("TestFigure8Unreliable3C turns long reordering on at round 200", async () => {
    const { toy, lines } = await run("TestFigure8Unreliable3C");
    expect(toy.faults).toContain("longReordering");
    expect(lines.some((l) => "raftStep" in l && l.raftStep.text === "long reordering on")).toBe(true);
  });

  it("TestReliableChurn3C fails a toy whose peers disagree", async () => {
    const { outcome } = await run("TestReliableChurn3C", ["divergent"]);
    expect(outcome).toBeInstanceOf(RaftCheckFailure);
    expect((outcome as RaftCheckFailure).message).toMatch(/applied .* at index 2/);
  });
});

describe("3D on the toy", () => {
  const names = ["TestSnapshotBasic3D", "TestSnapshotInstall3D", "TestSnapshotInstallUnreliable3D", "TestSnapshotInstallCrash3D", "TestSnapshotInstallUnCrash3D", "TestSnapshotAllCrash3D", "TestSnapshotInit3D"];
  for (const name of names) {
    it(`${name} passes a toy that snapshots when told`, async () => {
      const { outcome, lines } = await run(name);
      expect(outcome).toBe("pass");
      // The tester's applier snapshotted (a snapshot request per tenth entry shows as snapshots the toy kept).
      expect(lines.some((l) => "apply" in l && l.apply.index === 9)).toBe(true);
    });
  }

  it("TestSnapshotInstall3D catches up a cut-off follower with an installed snapshot, and the tester takes its copy from it", async () => {
    const { outcome, lines } = await run("TestSnapshotInstall3D");
    expect(outcome).toBe("pass");
    expect(lines.some((l) => "apply" in l && l.apply.snapshotIndex !== undefined)).toBe(true);
  });

  it("TestSnapshotBasic3D fails a peer that never trims its log: the persisted state grows past 2000 bytes", async () => {
    const { outcome } = await run("TestSnapshotBasic3D", ["keepsWholeLog"]);
    expect(outcome).toBeInstanceOf(RaftCheckFailure);
    expect((outcome as RaftCheckFailure).message).toMatch(/^the persisted Raft state grew to \d+ bytes/);
  });

  it("TestSnapshotInstall3D fails a peer whose installed snapshot's index is not the snapshot's own", async () => {
    const { outcome } = await run("TestSnapshotInstall3D", ["snapshotMismatch"]);
    expect((outcome as RaftCheckFailure).message).toMatch(/applied a snapshot whose SnapshotIndex \d+ does not match the snapshot's own index \d+/);
  });

  it("TestSnapshotInit3D restores each restarted peer's copy from the snapshot in its hello", async () => {
    const { outcome, toy } = await run("TestSnapshotInit3D");
    expect(outcome).toBe("pass");
    expect(toy.faults.filter((f) => f.startsWith("restart"))).toHaveLength(6);
  });
});
