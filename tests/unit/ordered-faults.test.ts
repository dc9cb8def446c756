// The faults a driver orders as it runs (sandbox/ordered-faults.ts): each
// request changes one part of the network's state and keeps the rest, and
// every one lands in the timeline. The cluster is a recording stand-in here;
// the Raft tests on real clusters (raft-tester.test.ts) carry them out for real.
import { describe, expect, it } from "vitest";
import type { ClusterFaults } from "../../sandbox/faults.js";
import { faultRequestSchema, OrderedFaults } from "../../sandbox/ordered-faults.js";
import type { Grudge } from "../../sandbox/partitions.js";
import type { ShapingFault } from "../../sandbox/shaping.js";

interface NetworkState {
  grudge: Grudge;
  lossProbability: number;
  shaping: ShapingFault[];
  replies?: { sourcePort: number; shape: unknown };
}

function standIn() {
  const calls: string[] = [];
  const networks: NetworkState[] = [];
  const faults = {
    setNetwork: async (state: NetworkState) => {
      networks.push(state);
    },
    kill: async (node: string) => {
      calls.push(`kill ${node}`);
    },
    restart: async (node: string) => {
      calls.push(`restart ${node}`);
    },
    pause: async (node: string) => {
      calls.push(`pause ${node}`);
    },
    resume: async (node: string) => {
      calls.push(`resume ${node}`);
    },
  } as unknown as ClusterFaults;
  return { faults, calls, networks, last: () => networks[networks.length - 1]! };
}

const nodes = ["n0", "n1", "n2"];
const cuts = (grudge: Grudge) => Object.fromEntries([...grudge].map(([node, from]) => [node, [...from].sort()]));

describe("faults a driver orders", () => {
  it("cuts a disconnected node off both ways, keeps the loss of an unreliable network across cuts, and ends the band at the last connect", async () => {
    const { faults, networks, last } = standIn();
    const ordered = new OrderedFaults(faults, nodes, () => 0);
    await ordered.apply({ id: 1, kind: "unreliable" });
    expect(last().lossProbability).toBe(0.1);
    expect(last().shaping.map((s) => s.kind)).toEqual(["delay", "jitter"]);

    await ordered.apply({ id: 2, kind: "disconnect", node: "n1" });
    expect(cuts(last().grudge)).toEqual({ n0: ["n1"], n1: ["n0", "n2"], n2: ["n1"] });
    expect(last().lossProbability).toBe(0.1);

    await ordered.apply({ id: 3, kind: "disconnect", node: "n2" });
    expect(cuts(last().grudge)).toEqual({ n0: ["n1", "n2"], n1: ["n0", "n2"], n2: ["n0", "n1"] });

    await ordered.apply({ id: 4, kind: "connect", node: "n1" });
    expect(cuts(last().grudge)).toEqual({ n0: ["n2"], n1: ["n2"], n2: ["n0", "n1"] });
    await ordered.apply({ id: 5, kind: "connect", node: "n2" });
    expect(last().grudge.size).toBe(0);
    await ordered.apply({ id: 6, kind: "reliable" });
    expect(last()).toMatchObject({ lossProbability: 0, shaping: [] });
    expect(networks).toHaveLength(6);

    expect(ordered.timeline.map((e) => [e.kind, e.nodes.join(",")])).toEqual([
      ["unreliable", "n0,n1,n2"],
      ["partition", "n1"],
      ["partition", "n1,n2"],
      ["partition", "n2"],
      ["connect", "n2"],
      ["reliable", "n0,n1,n2"],
    ]);
    expect(ordered.timeline[2]!.detail).toBe("n2 disconnected; cut off from every other node: n1, n2 (connected: n0)");
  });

  it("long reordering holds two thirds of the replies (data from the RPC port) for 200 ms to 2.2 s, beside an unreliable network's delay", async () => {
    const { faults, last } = standIn();
    const ordered = new OrderedFaults(faults, nodes, () => 0);
    await ordered.apply({ id: 1, kind: "unreliable" });
    await ordered.apply({ id: 2, kind: "longReordering" });
    expect(last().lossProbability).toBe(0.1);
    expect(last().shaping.map((s) => s.kind)).toEqual(["delay", "jitter"]);
    expect(last().replies).toEqual({ sourcePort: 7000, shape: { delayMs: 1200, distribution: "constant", jitterMs: 1000, reorderPercent: 33, duplicatePercent: 0 } });
    await ordered.apply({ id: 3, kind: "noLongReordering" });
    expect(last().shaping.map((s) => s.kind)).toEqual(["delay", "jitter"]);
    expect(last().replies).toBeUndefined();
  });

  it("crashes and restarts like the course's crash1 and start1 (a restart of a live node kills it first), and refuses what it cannot do", async () => {
    const { faults, calls } = standIn();
    const ordered = new OrderedFaults(faults, nodes, () => 0);
    expect(await ordered.apply({ id: 1, kind: "crash", node: "n0" })).toMatchObject({ ok: true });
    expect(await ordered.apply({ id: 2, kind: "crash", node: "n0" })).toMatchObject({ ok: false, detail: "could not crash n0: n0 is already down" });
    await ordered.apply({ id: 3, kind: "restart", node: "n0" });
    await ordered.apply({ id: 4, kind: "restart", node: "n2" });
    expect(calls).toEqual(["kill n0", "restart n0", "kill n2", "restart n2"]);
    expect(await ordered.apply({ id: 5, kind: "disconnect", node: "n7" })).toMatchObject({ ok: false, detail: expect.stringContaining("n7 is not one of this test's nodes") });
    expect(ordered.timeline.filter((e) => !e.ok)).toHaveLength(2);
    expect(ordered.timeline.map((e) => e.kind)).toEqual(["kill", "kill", "restart", "restart", "partition"]);
  });

  it("cuts one link both ways beside the disconnects, names who is cut from whom, and joins it again", async () => {
    const { faults, networks } = standIn();
    const linked = new OrderedFaults(faults, nodes, () => 0);
    expect(await linked.apply({ id: 1, kind: "cutLink", node: "n2", peer: "n0" })).toMatchObject({ ok: true, detail: "link n2–n0 cut; links cut: n0–n2" });
    expect(cuts(networks.at(-1)!.grudge)).toEqual({ n0: ["n2"], n2: ["n0"] });
    await linked.apply({ id: 2, kind: "disconnect", node: "n1" });
    expect(cuts(networks.at(-1)!.grudge)).toEqual({ n0: ["n1", "n2"], n1: ["n0", "n2"], n2: ["n0", "n1"] });
    expect(linked.timeline[1]).toMatchObject({ kind: "partition", nodes: ["n0", "n1", "n2"], cuts: { n0: ["n1", "n2"], n1: ["n0", "n2"], n2: ["n0", "n1"] } });
    expect(linked.timeline[1]!.detail).toBe("n1 disconnected; cut off from every other node: n1 (connected: n0, n2); links cut: n0–n2");
    await linked.apply({ id: 3, kind: "connect", node: "n1" });
    expect(cuts(networks.at(-1)!.grudge)).toEqual({ n0: ["n2"], n2: ["n0"] });
    // Joined from either end.
    await linked.apply({ id: 4, kind: "joinLink", node: "n0", peer: "n2" });
    expect(networks.at(-1)!.grudge.size).toBe(0);
    expect(linked.timeline.map((e) => [e.kind, e.nodes.join(",")])).toEqual([
      ["partition", "n0,n2"],
      ["partition", "n0,n1,n2"],
      ["partition", "n0,n2"],
      ["connect", "n0,n2"],
    ]);
  });

  it("pauses and resumes nodes, refuses to crash or restart a paused one, and thaws what the driver left paused at the end", async () => {
    const { faults, calls } = standIn();
    const ordered = new OrderedFaults(faults, nodes, () => 0);
    expect(await ordered.apply({ id: 1, kind: "pause", node: "n1" })).toMatchObject({ ok: true, detail: "n1 paused (cgroup frozen)" });
    expect(await ordered.apply({ id: 2, kind: "pause", node: "n1" })).toMatchObject({ ok: false, detail: "could not pause n1: n1 is already paused" });
    expect(await ordered.apply({ id: 3, kind: "crash", node: "n1" })).toMatchObject({ ok: false, detail: "could not crash n1: n1 is paused: resume it before crashing it" });
    expect(await ordered.apply({ id: 4, kind: "restart", node: "n1" })).toMatchObject({ ok: false });
    await ordered.apply({ id: 5, kind: "resume", node: "n1" });
    expect(await ordered.apply({ id: 6, kind: "resume", node: "n1" })).toMatchObject({ ok: false, detail: "could not resume n1: n1 is not paused" });
    await ordered.apply({ id: 7, kind: "crash", node: "n0" });
    expect(await ordered.apply({ id: 8, kind: "pause", node: "n0" })).toMatchObject({ ok: false, detail: "could not pause n0: n0 is down: it cannot be paused" });
    await ordered.apply({ id: 9, kind: "pause", node: "n2" });
    await ordered.resumeAll();
    expect(calls).toEqual(["pause n1", "resume n1", "kill n0", "pause n2", "resume n2"]);
    expect(ordered.timeline.at(-1)).toMatchObject({ kind: "resume", nodes: ["n2"], ok: true, detail: "n2 resumed at the end of the test" });
  });

  it("reads only well-formed requests: a node for node faults, none for network modes, no other keys", () => {
    expect(faultRequestSchema.safeParse({ id: 1, kind: "cutLink", node: "n1", peer: "n2" }).success).toBe(true);
    expect(faultRequestSchema.safeParse({ id: 1, kind: "cutLink", node: "n1" }).success).toBe(false);
    expect(faultRequestSchema.safeParse({ id: 1, kind: "cutLink", node: "n1", peer: "n1" }).success).toBe(false);
    expect(faultRequestSchema.safeParse({ id: 1, kind: "disconnect", node: "n1", peer: "n2" }).success).toBe(false);
    expect(faultRequestSchema.safeParse({ id: 1, kind: "pause", node: "n1" }).success).toBe(true);
    expect(faultRequestSchema.safeParse({ id: 1, kind: "disconnect", node: "n1" }).success).toBe(true);
    expect(faultRequestSchema.safeParse({ id: 1, kind: "disconnect" }).success).toBe(false);
    expect(faultRequestSchema.safeParse({ id: 1, kind: "unreliable", node: "n1" }).success).toBe(false);
    expect(faultRequestSchema.safeParse({ id: 1, kind: "partition", node: "n1" }).success).toBe(false);
    expect(faultRequestSchema.safeParse({ id: 1, kind: "crash", node: "n1", exec: "rm -rf /" }).success).toBe(false);
  });
});
