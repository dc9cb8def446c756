// The fault schedule's dropped-packet figures at a heal: a node whose counters
// cannot be read is left out, never reported as having dropped nothing. The
// firewall itself is exercised against real containers in
// tests/integration/faults.test.ts; here the cluster's faults are a small
// stand-in, because a counter read that fails cannot be provoked there on demand.
import { describe, expect, it } from "vitest";
import { Random } from "../../lib/random.js";
import type { ClusterFaults } from "../../sandbox/faults.js";
import { explainLateness, runFaultSchedule } from "../../sandbox/fault-schedule.js";

function faultsWhere(counters: Record<string, number | Error>, partitionMs = 0): ClusterFaults {
  const stand = {
    partition: async () => {
      await new Promise((resolve) => setTimeout(resolve, partitionMs));
      return [];
    },
    heal: async () => undefined,
    droppedPackets: async (node: string) => {
      const value = counters[node];
      if (value instanceof Error) throw value;
      return value ?? 0;
    },
  };
  return stand as unknown as ClusterFaults;
}

describe("dropped packets at a heal", () => {
  it("reports each node's count, and leaves out a node whose counters could not be read", async () => {
    const timeline = await runFaultSchedule({
      faults: faultsWhere({ n0: 12, n1: new Error("iptables: the netctl container is gone"), n2: 0 }),
      nodeIds: ["n0", "n1", "n2"],
      steps: [
        { kind: "partition", at: 0, mode: "isolate" },
        { kind: "heal", at: 0.05 },
      ],
      rng: new Random("1"),
      startWallMs: Date.now(),
      mainPhaseMs: 100,
      signal: new AbortController().signal,
    });
    expect(timeline.map((e) => e.kind)).toEqual(["partition", "heal", "heal-all"]);
    expect(timeline[1]!.droppedPackets).toEqual({ n0: 12, n2: 0 });
    expect(timeline[2]!.droppedPackets).toEqual({ n0: 12, n2: 0 });
  });
});

describe("a fault that took effect late", () => {
  it("says why, from what was measured: the cut took long, so the heal after it began late", async () => {
    const timeline = await runFaultSchedule({
      faults: faultsWhere({ n0: 1, n1: 2 }, 700),
      nodeIds: ["n0", "n1"],
      steps: [
        { kind: "partition", at: 0.1, mode: "isolate" },
        { kind: "heal", at: 0.3 },
      ],
      rng: new Random("1"),
      startWallMs: Date.now(),
      mainPhaseMs: 2000,
      signal: new AbortController().signal,
    });
    const [partition, heal, healAll] = timeline;
    expect(partition!.plannedMs).toBe(100);
    expect(partition!.late).toMatch(/^0\.\d\d s after its planned 0\.10 s: installing the cut on 2 nodes took 0\.\d\d s$/);
    expect(heal!.plannedMs).toBe(300);
    expect(heal!.late).toMatch(/it began 0\.\d\d s late: the step before it was still being applied until 0\.\d\d s/);
    // The final heal was on time: nothing to explain.
    expect(healAll!.plannedMs).toBe(2000);
    expect(healAll!.late).toBeUndefined();
  });

  it.each([
    [{ plannedMs: 1000, startedMs: 1010, atMs: 1150, previousDoneMs: null, parts: [] }, undefined],
    [{ plannedMs: 1000, startedMs: 1600, atMs: 1650, previousDoneMs: 200, parts: [] }, "0.65 s after its planned 1.0 s: it began 0.60 s late: the runner's timer fired late (the machine was busy)"],
    [{ plannedMs: 5000, startedMs: 5000, atMs: 7400, previousDoneMs: null, parts: [{ what: "reading the drop counters of 25 nodes", ms: 2100 }, { what: "removing the cut", ms: 30 }] }, "2.4 s after its planned 5.0 s: reading the drop counters of 25 nodes took 2.1 s"],
    [{ plannedMs: 0, startedMs: 0, atMs: 900, previousDoneMs: null, parts: [] }, "0.90 s after its planned 0.00 s: applying it took 0.90 s"],
  ] as const)("explains %j as %s", (timing, words) => {
    expect(explainLateness({ ...timing, parts: [...timing.parts] })).toBe(words);
  });
});
