// The services and partitions on a real cluster: as in Maelstrom a partition
// leaves every node its services, unless the test sets servicesWithMajority,
// when a node left without a majority loses them until the heal. The fixture
// answers each echo only through lin-kv (a write, then a read), so an echo
// sent to a node cut off from the services goes unanswered.
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pairOperations, type HistoryEvent } from "../../lib/history.js";
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
  return { result, partition, outcomes };
}

describe("services under partitions", () => {
  it("stay reachable from a cut-off node by default, as in Maelstrom", async () => {
    const { partition, outcomes } = await run(false);
    expect(partition.ok).toBe(true);
    expect(partition.detail).not.toMatch(/services/);
    const duringCut = outcomes("n0", true);
    expect(duringCut.length).toBeGreaterThan(5);
    expect(duringCut.every((o) => o === "ok"), JSON.stringify(duringCut)).toBe(true);
  });

  it("with servicesWithMajority are lost to the node a partition leaves without a majority, until the heal", async () => {
    const { result, partition, outcomes } = await run(true);
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
  });
});
