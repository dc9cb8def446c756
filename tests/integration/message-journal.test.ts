// The message journal on a real cluster: a broadcast run (the no-retry
// node, which gossips each value once and never again) with a halves
// partition in the middle. Every envelope the agents carried is in the
// journal (checked against the agents' counters and the controller's own
// history), and every gossip sent across the cut while it stood is marked
// lost, and lost to that partition; gossip within a side, and before and
// after it, arrived.
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { journalMessages, lostMessageReasons, partitionSides } from "../../lib/reports/message-journal.js";
import { faultBands } from "../../lib/reports/plot-data.js";
import { buildFixture, faultEvent, runFixtureCluster } from "../support/sandbox.js";

const docker = new Docker();
let build: Awaited<ReturnType<typeof buildFixture>>;

beforeAll(async () => {
  build = await buildFixture(docker, "py-broadcast-no-retry", "labgrade/python:latest", "python3 -m py_compile node.py");
  expect(build.ok).toBe(true);
});

afterAll(async () => {
  await build?.remove();
});

describe("message journal", () => {
  it("journals every envelope of a broadcast run and marks the gossip that crossed the partition as lost to it", async () => {
    const durationMs = 6000;
    const result = await runFixtureCluster(docker, build.volume, {
      runImage: "labgrade/python:latest",
      runCommand: "python3 /work/src/node.py",
      nodeCount: 4,
      controller: { workload: "broadcast", concurrency: 2, ratePerSecond: 20, durationMs, seed: "21", requestTimeoutMs: 2000, readyTimeoutMs: 20_000, options: { topology: "total" } },
      faults: [
        { kind: "partition", at: 1.5, mode: "halves" },
        { kind: "heal", at: 4 },
      ],
    });
    expect(result.recordProblem).toBeNull();
    const journal = result.journal!;
    expect(journal).toBeTruthy();
    expect(journal.nodes.map((n) => [n.node, n.problem, n.dropped])).toEqual(["n0", "n1", "n2", "n3"].map((n) => [n, null, 0]));

    // Every envelope: each node's sends and receipts match what its agent counted.
    const stats = result.lines.flatMap((l) => ("stats" in l ? [l.stats] : []));
    expect(stats).toHaveLength(4);
    for (const s of stats) {
      const mine = journal.entries.filter((e) => e.node === s.node);
      expect(mine.filter((e) => e.dir === "send").length, s.node).toBe(s.serverMessagesSent + s.clientMessagesOut);
      expect(mine.filter((e) => e.dir === "recv").length, s.node).toBe(s.serverMessagesReceived + s.clientMessagesIn);
    }
    // And against the controller's own history: one client request journaled per operation invoked (plus c0's topology).
    const invoked = result.lines.filter((l) => "event" in l && l.event.type === "invoke").length;
    expect(invoked).toBeGreaterThan(50);
    expect(journal.entries.filter((e) => e.dir === "recv" && /^c\d+$/.test(e.src)).length).toBe(invoked + 4);
    expect(journal.entries.every((e) => !("body" in e) && !("message" in e))).toBe(true);

    const cut = faultEvent(result, "partition");
    const heal = faultEvent(result, "heal");
    const bands = faultBands(result.faults, durationMs);
    const partition = bands.findIndex((b) => b.kind === "partition");
    const sides = partitionSides(bands[partition]!, ["n0", "n1", "n2", "n3"]);
    expect(sides).toHaveLength(2);
    const sideOf = (node: string) => sides.findIndex((s) => s.includes(node));
    const messages = journalMessages(journal, bands);
    const gossip = messages.filter((m) => m.type === "gossip");
    const margin = 100;
    const during = gossip.filter((m) => m.sentMs > cut.atMs + margin && m.sentMs < heal.atMs - margin);
    const across = during.filter((m) => sideOf(m.src) !== sideOf(m.dest));
    const within = during.filter((m) => sideOf(m.src) === sideOf(m.dest));
    expect(across.length).toBeGreaterThan(10);
    expect(across.filter((m) => m.status !== "lost" || m.cause !== partition)).toEqual([]);
    expect(within.length).toBeGreaterThan(10);
    expect(within.filter((m) => m.status !== "delivered")).toEqual([]);
    // Outside the partition (with a margin for packets in flight at its edges), nothing was lost.
    const outside = gossip.filter((m) => m.sentMs < cut.atMs - margin || (m.sentMs > heal.atMs + margin && m.status !== "unknown"));
    expect(outside.length).toBeGreaterThan(10);
    expect(outside.filter((m) => m.status !== "delivered")).toEqual([]);
    // A delivered message arrives after it was sent, on the one host clock.
    expect(gossip.filter((m) => m.status === "delivered").every((m) => m.recvMs! >= m.sentMs - 2 && m.recvMs! - m.sentMs < 500)).toBe(true);

    const reasons = lostMessageReasons(messages, bands);
    const lost = messages.filter((m) => m.status === "lost");
    console.log(`journal: ${journal.entries.length} entries, ${messages.length} messages, ${lost.length} lost; ${reasons.join(" ")}`);
    expect(reasons[0]).toMatch(new RegExp(`^All ${lost.length} lost messages \\(gossip\\) were sent during the halves partition \\(\\d+\\.\\d–\\d+\\.\\d s\\) across its cut and never reached `));
  });
});
