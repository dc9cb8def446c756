// The catalogue of MIT 6.5840's Raft tests (lab 3, parts A to D) as our
// distributed tester runs them: each test by its course name, with what its
// cluster needs (the number of peers, packet shaping for loss and delay, a
// data volume for crashes) and the wall clock the runner should allow it.
// The runner sizes the cluster from it, suites name tests by it, and the
// controller's raft driver (sandbox/programs/controller/drivers/raft/) runs
// exactly these names; the steps of each test are the driver's.
//
// Budgets: the course fails any test that runs over 120 s (COURSE_TIME_LIMIT_MS,
// which the driver enforces on the test's own time, not counting the time the
// runner spends carrying out faults). `budgetMs` is the whole run's wall clock
// as the runner should allow it: the course's limit plus the faults' time on
// a real cluster (a crash and restart of a container, a firewall change),
// estimated from how many faults each test orders.

/** The course's per-test limit (its checkTimeout: "test took longer than 120 seconds"). */
export const COURSE_TIME_LIMIT_MS = 120_000;

export type RaftPart = "3A" | "3B" | "3C" | "3D";

export interface RaftTestInfo {
  /** The course's name of the test function, e.g. TestInitialElection3A. */
  name: string;
  part: RaftPart;
  /** Peers in the cluster: nodes n0 … n(servers-1). */
  servers: number;
  /** Loss and short delay between peers (the course's setunreliable(true)): needs a runner that can shape packets. */
  unreliable: boolean;
  /** Long random delays (the course's setlongreordering(true)): needs a runner that can shape packets. */
  longReordering: boolean;
  /** The test crashes and restarts peers: every node needs its data volume at /data. */
  crashes: boolean;
  /** The tester snapshots every 10 applied entries (3D's applier). */
  snapshots: boolean;
  /** The run's wall clock as the runner should allow it, ms (the course's limit plus the faults' time). */
  budgetMs: number;
  /** A test of ours, not the course's: what it catches that the course's tests catch only by luck (labs and reports say so). */
  ours?: string;
}

const test = (name: string, part: RaftPart, servers: number, needs: { unreliable?: boolean; longReordering?: boolean; crashes?: boolean; budgetMs?: number; ours?: string } = {}): RaftTestInfo => ({
  name,
  part,
  servers,
  unreliable: needs.unreliable ?? false,
  longReordering: needs.longReordering ?? false,
  crashes: needs.crashes ?? false,
  snapshots: part === "3D",
  budgetMs: needs.budgetMs ?? 180_000,
  ...(needs.ours ? { ours: needs.ours } : {}),
});

/** Every 3A–3D test, in the course's order, each part's tests of ours after the course's. */
export const RAFT_TESTS = [
  test("TestInitialElection3A", "3A", 3),
  test("TestReElection3A", "3A", 3),
  test("TestManyElections3A", "3A", 7),
  test("TestOneVotePerTerm3A", "3A", 3, {
    crashes: true,
    ours: "Two candidates stand for one term with only one voter between them (the followers are cut from each other and held still while the leader restarts). A Raft that votes twice in a term elects both; the course's election tests catch that only by luck.",
  }),
  test("TestBasicAgree3B", "3B", 3),
  test("TestRPCBytes3B", "3B", 3),
  test("TestFollowerFailure3B", "3B", 3),
  test("TestLeaderFailure3B", "3B", 3),
  test("TestFailAgree3B", "3B", 3),
  test("TestFailNoAgree3B", "3B", 5),
  test("TestConcurrentStarts3B", "3B", 3),
  test("TestRejoin3B", "3B", 3),
  test("TestBackup3B", "3B", 5),
  test("TestCount3B", "3B", 3),
  test("TestPersist13C", "3C", 3, { crashes: true }),
  test("TestPersist23C", "3C", 5, { crashes: true, budgetMs: 240_000 }),
  test("TestPersist33C", "3C", 3, { crashes: true }),
  // About one crash and one restart per election for ~30 s of test time.
  test("TestFigure83C", "3C", 5, { crashes: true, budgetMs: 360_000 }),
  test("TestUnreliableAgree3C", "3C", 5, { unreliable: true }),
  // A leader is cut off in about half the rounds it is found in: a few hundred firewall changes.
  test("TestFigure8Unreliable3C", "3C", 5, { unreliable: true, longReordering: true, budgetMs: 360_000 }),
  test("TestReliableChurn3C", "3C", 5, { crashes: true, budgetMs: 240_000 }),
  test("TestUnreliableChurn3C", "3C", 5, { unreliable: true, crashes: true, budgetMs: 240_000 }),
  test("TestFigure8Scenario3C", "3C", 5, {
    ours: "It plays Figure 8 of the Raft paper step by step: an entry of an old term is copied to a majority, then overwritten by a later leader. A Raft that commits an old term's entry by counting replicas has applied it by then; TestFigure83C catches that only by luck.",
  }),
  test("TestSnapshotBasic3D", "3D", 3),
  test("TestSnapshotInstall3D", "3D", 3),
  test("TestSnapshotInstallUnreliable3D", "3D", 3, { unreliable: true }),
  test("TestSnapshotInstallCrash3D", "3D", 3, { crashes: true, budgetMs: 300_000 }),
  test("TestSnapshotInstallUnCrash3D", "3D", 3, { unreliable: true, crashes: true, budgetMs: 300_000 }),
  test("TestSnapshotAllCrash3D", "3D", 3, { unreliable: true, crashes: true }),
  test("TestSnapshotInit3D", "3D", 3, { unreliable: true, crashes: true }),
] as const satisfies readonly RaftTestInfo[];

export type RaftTestName = (typeof RAFT_TESTS)[number]["name"];

/** The test names, for schemas (z.enum) and messages. */
export const RAFT_TEST_NAMES = RAFT_TESTS.map((t) => t.name) as [RaftTestName, ...RaftTestName[]];

/** The catalogue entry of a test, or undefined when the name is not a course test. */
export function raftTestNamed(name: string): RaftTestInfo | undefined {
  return RAFT_TESTS.find((t) => t.name === name);
}

/** Whether a test needs the runner to shape packets (loss, delay, long reordering). */
export function needsShaping(info: RaftTestInfo): boolean {
  return info.unreliable || info.longReordering;
}
