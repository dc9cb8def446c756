// The services and partitions on a real cluster: as in Maelstrom a partition
// leaves every node its services, unless the test sets servicesWithMajority,
// when a node left without a majority loses them until the heal. The fixture
// answers each echo only through lin-kv (a write, then a read), so an echo
// sent to a node cut off from the services goes unanswered. The message
// journal draws those requests to lin-kv as lost to the partition (our
// services answer every request that reaches them), and none by default.
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pairOperations, type HistoryEvent } from "../../lib/history.js";
import { journalMessages } from "../../lib/reports/message-journal.js";
import { faultBands } from "../../lib/reports/plot-data.js";
import type { FaultStep } from "../../lib/suites/schema.js";
import { buildFixture, runFixtureCluster, testOwner } from "../support/sandbox.js";

const docker = new Docker();
const PYTHON = "labgrade/python:latest";
let build: Awaited<ReturnType<typeof buildFixture>>;

beforeAll(async () => {
  build = await buildFixture(docker, "kv-echo", PYTHON, "true");
}, 120_000);

afterAll(async () => {
  await build?.remove();
});

const ISOLATE_N0: FaultStep[] = [
  { kind: "partition", at: 1, mode: "isolate", node: "n0" },
  { kind: "heal", at: 4 },
];

async function run(servicesWithMajority: boolean) {
  const result = await runFixtureCluster(docker, build.volume, {
    runImage: PYTHON,
    runCommand: "python3 /work/src/node.py",
    nodeCount: 3,
    controller: { workload: "echo", concurrency: 3, ratePerSecond: 30, durationMs: 6000, seed: "5", requestTimeoutMs: 1000, readyTimeoutMs: 20_000 },
    faults: ISOLATE_N0,
    servicesWithMajority,
    owner: testOwner(`services-partition-${servicesWithMajority}`),
  });
  const events = result.lines.flatMap((l) => ("event" in l ? [l.event as HistoryEvent] : []));
  const partition = result.faults.find((f) => f.kind === "partition")!;
  const heal = result.faults.find((f) => f.kind === "heal")!;
  // Main-phase microseconds of the cut: from when it was in force to when the heal was planned (it
  // begins no earlier; on a busy machine removing the rules takes a while, and the services come back first).
  const cut = { fromUs: partition.atMs * 1000, toUs: (heal.plannedMs ?? heal.atMs) * 1000 };
  const echoes = pairOperations(events).filter((op) => op.f === "echo");
  const outcomes = (node: string, during: boolean) =>
    echoes
      .filter((op) => op.invoke.node === node && (op.invoke.timeUs > cut.fromUs && op.invoke.timeUs < cut.toUs) === during)
      .map((op) => op.completion?.type ?? "open");
  // The journal's requests from n0 to lin-kv, and which fault band each lost one is tied to.
  const bands = faultBands(result.faults, 6000);
  const toLinKv = journalMessages(result.journal!, bands).filter((m) => m.src === "n0" && m.dest === "lin-kv");
  const lostTo = (during: boolean) =>
    toLinKv.filter((m) => (m.sentMs * 1000 > cut.fromUs && m.sentMs * 1000 < cut.toUs) === during).map((m) => (m.status === "lost" ? `lost to ${m.cause === null ? "nothing" : bands[m.cause]!.kind}` : m.status));
  return { result, partition, outcomes, lostTo };
}

describe("services under partitions", () => {
  it("stay reachable from a cut-off node by default, as in Maelstrom", async () => {
    const { partition, outcomes, lostTo } = await run(false);
    expect(partition.ok).toBe(true);
    expect(partition.detail).not.toMatch(/services/);
    const duringCut = outcomes("n0", true);
    expect(duringCut.length).toBeGreaterThan(5);
    expect(duringCut.every((o) => o === "ok"), JSON.stringify(duringCut)).toBe(true);
    // Every request to lin-kv answered: none drawn as lost.
    expect(lostTo(true).length).toBeGreaterThan(5);
    expect([...lostTo(true), ...lostTo(false)].filter((s) => s !== "one-sided")).toEqual([]);
  });

  it("with servicesWithMajority are lost to the node a partition leaves without a majority, until the heal", async () => {
    const { result, partition, outcomes, lostTo } = await run(true);
    expect(partition.ok).toBe(true);
    expect(partition.detail).toMatch(/services cut off from n0$/);
    // n0's echoes during the cut got no answer from lin-kv, so none from n0 (but at the heal's edge).
    const duringCut = outcomes("n0", true);
    expect(duringCut.length).toBeGreaterThan(5);
    expect(duringCut.filter((o) => o === "ok").length, JSON.stringify(duringCut)).toBeLessThan(duringCut.length / 4);
    // The majority kept its services, and n0 got them back at the heal.
    expect(outcomes("n1", true).every((o) => o === "ok")).toBe(true);
    expect(outcomes("n0", false).filter((o) => o === "ok").length).toBeGreaterThan(5);
    expect(result.traffic.n0!.toServices.packets).toBeGreaterThan(result.traffic.n0!.fromServices.packets);
    // The journal: n0's requests to lin-kv during the cut lost to the partition (at its edges some
    // still got through), and none lost to no fault at all.
    expect(result.faults.find((f) => f.kind === "partition")!.servicesCut).toEqual(["n0"]);
    const during = lostTo(true);
    expect(during.filter((s) => s === "lost to partition").length, JSON.stringify(during)).toBeGreaterThan(during.length * 0.75);
    expect([...during, ...lostTo(false)].filter((s) => s === "lost to nothing")).toEqual([]);
    expect(lostTo(false).filter((s) => s === "one-sided").length).toBeGreaterThan(5);
  });
});
