// MIT 6.5840's Raft on a real network (issue 19), end to end without the
// queue: our harness's own Go tests; a whole skeleton src/ tree with our
// reference Raft inside (2025 and 2024 layouts) built unchanged with the
// harness laid over it; then course tests run by our distributed tester on
// real clusters, with real partitions, crashes from /data and real loss and
// delay, judged as the runner judges them. The correct reference passes each;
// each broken one fails its named test for its named reason. CI runs a
// subset of the course's tests once; bench/raft-suite.ts runs all of them,
// repeated.
import Docker from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { normaliseArchive, packDirectory } from "../../lib/archive.js";
import { HARNESS_DIR } from "../../lib/labs/mit-6.5840/harness-overlay.js";
import type { RaftLayout } from "../../lib/labs/mit-6.5840/pack-raft.js";
import { needsShaping, raftTestNamed, type RaftTestName } from "../../lib/labs/mit-6.5840/raft-tests.js";
import { buildSubmission, removeVolume } from "../../sandbox/build.js";
import { probeCapabilities } from "../../sandbox/capabilities.js";
import { SANDBOX_UID } from "../../sandbox/images/recipes.js";
import { buildRaftReference, runRaftCourseTest } from "../support/raft.js";
import { limits, testOwner } from "../support/sandbox.js";

const docker = new Docker();
const builds = new Map<string, ReturnType<typeof buildRaftReference>>();
let queue: Promise<unknown> = Promise.resolve();

/** Builds a reference as a student's upload, one at a time, shared by its tests. */
function buildOf(layout: RaftLayout, reference: string) {
  const key = `${layout}:${reference}`;
  let build = builds.get(key);
  if (!build) {
    build = queue.then(() => buildRaftReference(docker, layout, reference));
    queue = build.catch(() => undefined);
    builds.set(key, build);
  }
  return build;
}

const capabilities = probeCapabilities(docker);

async function runCourseTest(layout: RaftLayout, reference: string, name: RaftTestName) {
  const build = await buildOf(layout, reference);
  expect(build.ok, build.log).toBe(true);
  const run = await runRaftCourseTest(docker, { buildVolume: build.volume!, test: name, shaper: (await capabilities).shaping.kind, owner: `raft-${reference}-${name}` });
  console.log(`${reference} ${name}: ${run.judged.verdict} in ${(run.wallMs / 1000).toFixed(1)} s (seed ${run.seed}): ${run.judged.reason}`);
  return run;
}

afterAll(async () => {
  const settled = await Promise.allSettled(builds.values());
  await Promise.all(settled.map((s) => (s.status === "fulfilled" && s.value.volume ? removeVolume(docker, s.value.volume) : undefined)));
});

describe("the harness", () => {
  it("passes its own Go tests (gofmt, go vet, go test) in the Go image, offline", async () => {
    const { tar } = await normaliseArchive(await packDirectory(HARNESS_DIR), SANDBOX_UID);
    const result = await buildSubmission(docker, {
      tar,
      image: "labgrade/go:latest",
      command: 'test -z "$(gofmt -l .)" && go vet ./... && go test -count=1 ./...',
      timeoutMs: 300_000,
      limits: limits.build,
      owner: testOwner("raft-harness-tests"),
    });
    await removeVolume(docker, result.volume);
    expect(result.ok, result.log).toBe(true);
  }, 320_000);

  it.each(["2025", "2024"] as const)("builds a whole %s skeleton with our Raft inside, unchanged, naming its layout and what it replaced", async (layout) => {
    const build = await buildOf(layout, `raft-${layout}`);
    expect(build.ok, build.log).toBe(true);
    expect(build.replaced, "the skeleton's copies of our packages give way").toEqual(expect.arrayContaining(["labrpc/labrpc.go", "labgob/labgob.go"]));
    expect(build.log).toContain(`layout: ${layout}`);
    expect(build.log).toMatch(layout === "2025" ? /removed raft1\/raft_test\.go/ : /removed raft\/test_test\.go/);
    expect(build.log).toMatch(layout === "2025" ? /removed raft1\/test\.go/ : /removed raft\/config\.go/);
  }, 600_000);
});

describe("the correct reference on a real network", () => {
  const tests: Array<[RaftLayout, RaftTestName]> = [
    ["2025", "TestInitialElection3A"],
    ["2025", "TestOneVotePerTerm3A"],
    ["2025", "TestFailNoAgree3B"],
    ["2025", "TestPersist13C"],
    ["2025", "TestUnreliableAgree3C"],
    ["2025", "TestFigure8Unreliable3C"],
    ["2025", "TestSnapshotInstall3D"],
    ["2024", "TestFigure8Scenario3C"],
  ];
  it.each(tests)("%s layout passes %s", async (layout, name) => {
    const info = raftTestNamed(name)!;
    if (needsShaping(info) && (await capabilities).shaping.kind === "none") {
      console.log(`SKIPPED: ${name} needs lost and delayed packets and this runner can shape none`);
      return;
    }
    const { judged, cluster } = await runCourseTest(layout, `raft-${layout}`, name);
    expect(judged.verdict, judged.reason).toBe("PASS");
    expect(judged.evidence.kind).toBe("raft");
    if (name === "TestFailNoAgree3B") {
      // The tester decided its faults as it ran, and the runner carried them out as firewall cuts.
      expect(cluster.faults.filter((f) => f.kind === "partition" && f.ok).length).toBeGreaterThan(0);
    }
    if (name === "TestPersist13C") expect(cluster.faults.some((f) => f.kind === "kill" && f.ok)).toBe(true);
    if (name === "TestOneVotePerTerm3A") {
      // The followers' link was cut on the wire, and they were frozen and thawed.
      expect(cluster.faults.some((f) => f.kind === "partition" && f.ok && f.cuts !== undefined && Object.values(f.cuts).every((from) => from.length === 1))).toBe(true);
      expect(cluster.faults.filter((f) => (f.kind === "pause" || f.kind === "resume") && f.ok)).toHaveLength(16);
    }
    if (name === "TestFigure8Unreliable3C") {
      // The network was made unreliable and reordering, on the wire, by the scheduler.
      expect(cluster.faults.some((f) => f.kind === "longReordering" && f.ok)).toBe(true);
      expect(Object.values(cluster.shaping.scheduler).reduce((sum, s) => sum + s.delayed, 0)).toBeGreaterThan(1000);
    }
  }, 420_000);
});

describe("broken references fail their named test for their named reason", () => {
  const broken: Array<[string, RaftTestName, RegExp]> = [
    // Restarted peers come back empty: what was committed before the crash is applied nowhere,
    // or (the same bug seen first) peers that forgot their votes elect a second leader of a term.
    ["never-persists", "TestPersist13C", /only \d peers? applied index \d+; wanted 3|two leaders in term \d+/],
    // A follower behind the leader's snapshot is never brought up to date.
    ["no-install-snapshot", "TestSnapshotInstall3D", /failed to reach agreement/],
    // Backing up and sending one entry per heartbeat takes longer than one()'s 10 s to fix up 50 entries.
    ["slow-backup", "TestBackup3B", /failed to reach agreement: 3 peers did not apply it within 10 s/],
    // The leader waits for its call to the cut-off follower (up to 7 s) before it sends a command to the other:
    // one of FailAgree's one()s with the follower cut off (102 to 106, at index 2 to 6) gives up after its 2 s.
    ["sync-rpc", "TestFailAgree3B", /one\(10[2-6]\) failed to reach agreement: a leader put it at index [2-6] but [01] of the 2 peers wanted applied it within 2 s/],
    // Our scenario tests, which play on purpose what the course's tests reach by luck:
    // the restarted leader votes for both followers, which stand for one term and cannot reach each other;
    ["votes-twice", "TestOneVotePerTerm3A", /two leaders in term \d+: n\d and n\d/],
    // an old term's entry, committed by counting, is overwritten by a later leader.
    ["figure8", "TestFigure8Scenario3C", /n\d applied \d+ at index \d+, n\d applied \d+/],
  ];
  // The Figure 8 scenario does not expose its bug on every run (the e2e report test once saw it
  // pass): up to three runs there, each printed; every other case must fail on its first.
  const runsOf = (variant: string) => (variant === "figure8" ? 3 : 1);
  it.each(broken)("%s fails %s", async (variant, name, reason) => {
    let { judged } = await runCourseTest("2025", `broken-2025/${variant}`, name);
    for (let run = 1; run < runsOf(variant) && judged.verdict === "PASS"; run++) ({ judged } = await runCourseTest("2025", `broken-2025/${variant}`, name));
    expect(judged.verdict, judged.reason).toBe("FAIL");
    expect(judged.reason).toMatch(reason);
  }, 420_000);
});
