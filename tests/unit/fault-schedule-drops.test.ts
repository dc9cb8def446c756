// The fault schedule's dropped-packet figures at a heal: a node whose counters
// cannot be read is left out, never reported as having dropped nothing. The
// firewall itself is exercised against real containers in
// tests/integration/faults.test.ts; here the cluster's faults are a small
// stand-in, because a counter read that fails cannot be provoked there on demand.
import { describe, expect, it } from "vitest";
import { Random } from "../../lib/random.js";
import type { ClusterFaults } from "../../sandbox/faults.js";
import { runFaultSchedule } from "../../sandbox/fault-schedule.js";

function faultsWhere(counters: Record<string, number | Error>): ClusterFaults {
  const stand = {
    partition: async () => [],
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
