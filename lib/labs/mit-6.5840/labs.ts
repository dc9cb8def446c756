// MIT 6.5840's Raft lab, in its four parts (3A election, 3B log, 3C
// persistence, 3D snapshots), each a lab of its own with its own deadline as
// the course has them. A student uploads their skeleton's src/ folder as it is;
// the build lays our harness over it (harness-overlay.ts) and builds our peer
// host around their Raft; each suite test names one of the course's tests,
// which our distributed tester runs on a real cluster (raft-tests.ts, the
// controller's raft driver).
import { TOOLCHAINS } from "../../toolchains.js";
import type { BuiltinLab, ReferenceSolution } from "../builtin-lab.js";
import { RAFT_TESTS, type RaftPart } from "./raft-tests.js";

/** The Raft labs' build: our script in the overlay detects the layout and builds the peer host. */
export const RAFT_BUILD = {
  buildImage: TOOLCHAINS.go.buildImage,
  buildCommand: "sh labgrade/build.sh",
  runImage: TOOLCHAINS.go.runImage,
  runCommand: "/work/out/peer",
} as const;

const PART_TITLES: Record<RaftPart, string> = {
  "3A": "leader election",
  "3B": "log",
  "3C": "persistence",
  "3D": "log compaction",
};

/** What every part's description says: what to upload, and what differs from the course's tester. */
const RAFT_LAB_COMMON = [
  "## What to upload",
  "",
  "Your skeleton's `src/` folder, as it is (module `6.5840`, the 2024 layout with `raft/` or the 2025",
  "layout with `raft1/`, `raftapi/` and `tester1/`): from inside it, `labgrade submit COURSE LAB .`,",
  "or a `.tar.gz` of its contents. Nothing needs editing for us. We build your Raft package against our",
  "own `labrpc`, `labgob`, Persister and (2025) `raftapi` and `tester1`, which replace the skeleton's",
  "copies (the build log names every file replaced), and leave out the skeleton's test files and its",
  "in-process tester. Your other folders (MapReduce, key-value) are not built.",
  "",
  "## How our network differs from labrpc",
  "",
  "Each peer runs in its own container, and RPCs between them cross real TCP. The course's tests run",
  "as written, with their checks and time limits, but their faults are real:",
  "",
  "- **disconnect** is a firewall cut between that peer and every other, both ways, and the TCP",
  "  connections it crosses are aborted, so what was in flight is lost, as in labrpc;",
  "- **crash** is a SIGKILL of the peer's container, and a restart runs your `Make` again from what",
  "  your Persister saved (`Save` is atomic and durable on the peer's own disk);",
  "- **unreliable** drops 10% of packets between peers and delays each by 0–27 ms; TCP resends what",
  "  was lost, so an RPC is late rather than gone, except when its call gives up;",
  "- **long reordering** holds two thirds of the packets for 200 ms to 2.2 s.",
  "",
  "`Call` returns false when no reply came, and never retries by itself. As in labrpc with long",
  "delays on, a call may take up to 7 s to give up (drawn per call between 100 ms and 7 s), and a",
  "call that gave up can no longer be delivered: a leader that waits for RPCs one at a time is",
  "caught here as it is in the course. Clocks, scheduling and timeouts are real, so a timing bug the",
  "simulated network hides can show up here: the report shows every peer's term and role over time",
  "against the faults, and each peer's log.",
].join("\n");

function raftLab(part: RaftPart, dueInDays: number, intro: string[], references: ReferenceSolution[] = []): BuiltinLab {
  const tests = RAFT_TESTS.filter((t) => t.part === part);
  const slug = `raft-${part.toLowerCase()}`;
  return {
    slug,
    title: `Raft ${part}: ${PART_TITLES[part]}`,
    workload: "raft",
    protocol: "NATIVE",
    dueInDays,
    ...RAFT_BUILD,
    description: [
      `# Raft ${part}: ${PART_TITLES[part]}`,
      "",
      ...intro,
      "",
      "## How it is tested",
      "",
      `The course's ${part} tests, each on a cluster of its own: ${tests.filter((t) => !t.ours).map((t) => `\`${t.name}\` (${t.servers} peers)`).join(", ")}.`,
      ...tests.filter((t) => t.ours).flatMap((t) => ["", `Beyond the course's: \`${t.name}\` (${t.servers} peers), a test of ours. ${t.ours}`]),
      "",
      RAFT_LAB_COMMON,
    ].join("\n"),
    suiteSource: [
      `# Raft ${part}, default suite: every test of the part, as the course runs it${tests.some((t) => t.ours) ? ", and ours after them" : ""}.`,
      "version: 1",
      "tests:",
      ...tests.flatMap((t) => [`  - name: ${kebab(t.name)}`, `    raft: ${t.name}`, "    points: 1"]),
      "",
    ].join("\n"),
    references,
  };
}

/** TestFigure8Unreliable3C → figure8-unreliable. */
export function kebab(testName: string): string {
  return testName
    .replace(/^Test/, "")
    .replace(/3[A-D]$/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .toLowerCase();
}

export const RAFT_LABS: BuiltinLab[] = [
  raftLab("3A", 7, [
    "Implement Raft leader election and heartbeats (AppendEntries with no log entries): a single leader is",
    "elected, stays leader while all is well, and a new one takes over when the old leader fails or is cut",
    "off. `Make`, `GetState` and the RequestVote and AppendEntries RPCs are yours.",
  ]),
  raftLab("3B", 14, [
    "Implement the leader and follower code that appends new log entries: `Start` begins agreement on a",
    "command, and every peer sends committed commands on `applyCh`, in order, once.",
  ]),
  raftLab("3C", 21, [
    "Make your Raft keep its persistent state (currentTerm, votedFor, the log) through `persister.Save`,",
    "and read it back in `Make`: a peer that crashes and restarts picks up where it left off.",
  ]),
  raftLab("3D", 28, [
    "Implement `Snapshot(index, snapshot)` and InstallSnapshot: the service snapshots every 10 entries,",
    "your Raft drops the log it covers, keeps the snapshot with its state, and brings lagging peers up to",
    "date with it.",
  ]),
];
