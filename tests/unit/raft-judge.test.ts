// The raft driver's spec and the runner's judgement of raft records: the
// spec names a course test from the catalogue and the cluster must fit it; a
// verdict line becomes PASS or FAIL with the reason in words and `raft`
// evidence; a record without a verdict, or with the tester's own error, is
// ours (an InfraError, retried), never the student's.
import { describe, expect, it } from "vitest";
import { evidenceOfKind, type RaftEvidence } from "../../lib/checkers/evidence.js";
import { InfraError } from "../../lib/errors.js";
import { RAFT_TESTS, raftTestNamed } from "../../lib/labs/mit-6.5840/raft-tests.js";
import { testSpecSchema } from "../../lib/suites/schema.js";
import { judge } from "../../runner/judge.js";
import type { ClusterTestResult } from "../../sandbox/cluster.js";
import { checkRecord, controllerSpecSchema, RECORD_FORMAT, type ControllerLine } from "../../sandbox/programs/controller/spec.js";
import { COURSE_TESTS } from "../../sandbox/programs/controller/drivers/raft/tests.js";

const suiteTest = testSpecSchema.parse({ name: "t", workload: "echo" });

const baseSpec = { driver: "raft", workload: "raft", protocol: "native", concurrency: 1, ratePerSecond: 1, durationMs: 1, seed: "1" } as const;

function record(body: ControllerLine[], end = true): ControllerLine[] {
  const lines: ControllerLine[] = [{ header: { format: RECORD_FORMAT, seed: "1", workload: "raft", driver: "raft", test: "TestFigure83C" } }, ...body];
  return end ? [...lines, { end: { lines: lines.length } }] : lines;
}

function cluster(lines: ControllerLine[]): ClusterTestResult {
  const ids = ["n0", "n1", "n2", "n3", "n4"];
  return {
    lines,
    recordProblem: checkRecord(lines),
    controllerLog: "",
    controllerExitCode: 0,
    timedOut: false,
    // A peer the test crashed last may still be down: not a failure of its own.
    nodes: ids.map((id) => ({ id, log: "", logTruncated: false, running: id !== "n4", exitCode: id === "n4" ? 137 : null, oomKilled: false })),
    network: { name: "lg-x" },
    addresses: { subnet: "198.18.1.0/24", gateway: "198.18.1.1", services: "198.18.1.2", controller: "198.18.1.3", nodes: {} },
    traffic: {},
    faults: [],
    shaping: { kind: "none", latency: null, scheduler: {} },
    mainPhaseStartWallMs: 0,
    setupMs: 10,
    teardownMs: 10,
  };
}

const evidence: RaftEvidence = {
  kind: "raft",
  test: "TestFigure83C",
  failedCheck: "apply",
  elapsedMs: 5000,
  timeline: [{ peer: "n0", fromMs: 0, toMs: 900, term: 1, leader: true }],
  faults: [{ kind: "crash", node: "n0", askedMs: 1000, doneMs: 1300, ok: true, detail: "n0 killed" }],
  applies: [{ peer: "n0", applied: 7, lastIndex: 7, snapshots: 0 }],
  disagreements: [{ index: 7, peer: "n2", command: 105, otherPeer: "n0", otherCommand: 203 }],
  rpcs: [{ peer: "n0", rpcs: 100, bytesSent: 9000, bytesReceived: 8000 }],
};

function infraError(fn: () => unknown): InfraError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InfraError) return err;
    throw err;
  }
  throw new Error("expected an InfraError");
}

describe("the catalogue and the raft spec", () => {
  it("lists every 3A–3D test with its peers and needs, and the driver has steps for each", () => {
    // The course's 28, and two of ours, each saying what it catches.
    expect(RAFT_TESTS.filter((t) => !("ours" in t))).toHaveLength(28);
    expect(RAFT_TESTS.filter((t) => "ours" in t).map((t) => t.name)).toEqual(["TestOneVotePerTerm3A", "TestFigure8Scenario3C"]);
    expect(raftTestNamed("TestManyElections3A")).toMatchObject({ part: "3A", servers: 7, crashes: false, unreliable: false });
    expect(raftTestNamed("TestFigure8Unreliable3C")).toMatchObject({ servers: 5, unreliable: true, longReordering: true, crashes: false });
    expect(raftTestNamed("TestSnapshotInit3D")).toMatchObject({ servers: 3, unreliable: true, crashes: true, snapshots: true });
    for (const t of RAFT_TESTS) expect(COURSE_TESTS[t.name], t.name).toBeTypeOf("function");
  });

  it("accepts a course test on a cluster of its size, with control addresses to point the driver anywhere", () => {
    const spec = controllerSpecSchema.parse({ ...baseSpec, nodeIds: ["n0", "n1", "n2"], raft: { test: "TestInitialElection3A", controlAddresses: ["127.0.0.1:4000", "127.0.0.1:4001", "127.0.0.1:4002"] } });
    expect(spec.raft).toMatchObject({ test: "TestInitialElection3A", faultTimeoutMs: 60_000, timeScale: 1 });
  });

  it("refuses a name that is not a course test, a cluster of the wrong size, and a raft driver without its test", () => {
    const bad = (raft: unknown, nodeIds = ["n0", "n1", "n2"]) => controllerSpecSchema.safeParse({ ...baseSpec, nodeIds, raft }).error?.issues[0]?.message;
    expect(bad({ test: "TestNoSuch3A" })).toMatch(/Invalid option/);
    expect(bad({ test: "TestManyElections3A" })).toBe("TestManyElections3A runs on 7 peers, but the cluster has 3 nodes");
    expect(bad(undefined)).toBe("the raft driver needs `raft` (the course test to run)");
    expect(bad({ test: "TestInitialElection3A", controlAddresses: ["a:1"] })).toBe("one control address per peer: 3 wanted, 1 given");
  });
});

describe("judging a raft record", () => {
  it("a passing verdict line is a PASS, whatever peers the test left crashed", () => {
    const judged = judge(suiteTest, cluster(record([{ verdict: { pass: true, test: "TestFigure83C", reason: "TestFigure83C passed", evidence: { ...evidence, failedCheck: undefined } } }])), "native");
    expect(judged.verdict).toBe("PASS");
    expect(evidenceOfKind(judged.evidence, "raft").faults[0]?.kind).toBe("crash");
  });

  it("a failing verdict line is a FAIL with the check in words and the disagreeing applies as evidence", () => {
    const judged = judge(suiteTest, cluster(record([{ verdict: { pass: false, test: "TestFigure83C", reason: "n2 applied 105 at index 7, n0 applied 203", evidence } }])), "native");
    expect(judged.verdict).toBe("FAIL");
    expect(judged.reason).toBe("TestFigure83C: n2 applied 105 at index 7, n0 applied 203");
    expect(evidenceOfKind(judged.evidence, "raft").disagreements).toEqual(evidence.disagreements);
  });

  it("a record with no verdict line (the controller died) is ours, not the student's", () => {
    expect(infraError(() => judge(suiteTest, cluster(record([{ raftStep: { tMs: 1, text: "checking for a single leader" } }])), "native")).code).toBe("raft.no-verdict");
    expect(infraError(() => judge(suiteTest, cluster(record([{ fatal: { message: "boom" } }])), "native")).message).toBe("the Raft tester stopped before its verdict: boom");
  });

  it("a raft run stopped at its wall-clock budget before its verdict is ours (the tester bounds the student's own time)", () => {
    const stopped = { ...cluster(record([{ raftStep: { tMs: 1, text: "crash n1" } }], false)), timedOut: true };
    expect(infraError(() => judge(suiteTest, stopped, "native")).code).toBe("raft.over-budget");
  });

  it("the tester's own error line is ours too, with its code", () => {
    const err = infraError(() => judge(suiteTest, cluster(record([{ testerError: { code: "raft.fault-timeout", message: "the runner did not carry out fault 3" } }])), "native"));
    expect(err.code).toBe("raft.fault-timeout");
    expect(err.message).toBe("the Raft tester could not run the test: the runner did not carry out fault 3");
  });

  it("a verdict in a cut record, or a malformed one, is never believed", () => {
    const cut = record([{ verdict: { pass: true, test: "TestFigure83C", reason: "passed", evidence } }], false);
    expect(infraError(() => judge(suiteTest, cluster(cut), "native")).code).toBe("history.incomplete");
    const malformed = record([{ verdict: { pass: true, test: "TestNoSuch3A", reason: "passed", evidence } } as ControllerLine]);
    expect(infraError(() => judge(suiteTest, cluster(malformed), "native")).code).toBe("raft.bad-verdict");
  });
});
