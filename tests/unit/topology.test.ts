import { describe, expect, it } from "vitest";
import { buildTopology, TOPOLOGY_NAMES, type Topology } from "../../lib/workloads/broadcast/topology.js";

const nodes = (n: number) => Array.from({ length: n }, (_, i) => `n${i}`);

function reachable(topology: Topology, start: string): Set<string> {
  const seen = new Set([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const next of topology[queue.shift()!] ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

describe("broadcast topologies", () => {
  const cases = TOPOLOGY_NAMES.flatMap((name) => [1, 2, 3, 5, 9, 10, 25].map((n) => ({ name, n })));

  it.each(cases)("$name over $n nodes is symmetric, connected and loop-free", ({ name, n }) => {
    const ids = nodes(n);
    const topology = buildTopology(name, ids);
    expect(Object.keys(topology)).toEqual(ids);
    for (const [node, neighbours] of Object.entries(topology)) {
      expect(neighbours).not.toContain(node);
      expect(new Set(neighbours).size).toBe(neighbours.length);
      for (const other of neighbours) expect(topology[other]).toContain(node);
    }
    expect(reachable(topology, "n0").size).toBe(n);
  });

  const shapes: Array<{ name: string; n: number; expected: Partial<Topology> }> = [
    { name: "line", n: 4, expected: { n0: ["n1"], n1: ["n0", "n2"], n3: ["n2"] } },
    { name: "grid", n: 9, expected: { n0: ["n1", "n3"], n4: ["n1", "n3", "n5", "n7"], n8: ["n5", "n7"] } },
    { name: "grid", n: 5, expected: { n2: ["n1"], n3: ["n0", "n4"], n4: ["n1", "n3"] } },
    { name: "tree2", n: 7, expected: { n0: ["n1", "n2"], n1: ["n0", "n3", "n4"], n6: ["n2"] } },
    { name: "tree3", n: 5, expected: { n0: ["n1", "n2", "n3"], n1: ["n0", "n4"] } },
    { name: "tree4", n: 6, expected: { n0: ["n1", "n2", "n3", "n4"], n1: ["n0", "n5"] } },
    { name: "total", n: 3, expected: { n0: ["n1", "n2"], n1: ["n0", "n2"], n2: ["n0", "n1"] } },
  ];

  it.each(shapes)("$name over $n nodes has the expected neighbours", ({ name, n, expected }) => {
    expect(buildTopology(name, nodes(n))).toMatchObject(expected);
  });

  it("keeps a 25-node grid at most four neighbours per node", () => {
    const degrees = Object.values(buildTopology("grid", nodes(25))).map((list) => list.length);
    expect(Math.max(...degrees)).toBe(4);
    expect(Math.min(...degrees)).toBe(2);
  });

  it("uses the node ids it is given, in their order", () => {
    expect(buildTopology("line", ["n2", "n0", "n1"])).toEqual({ n2: ["n0"], n0: ["n2", "n1"], n1: ["n0"] });
  });

  it("refuses an unknown topology by name", () => {
    expect(() => buildTopology("ring", nodes(3))).toThrow(/unknown topology "ring"/);
  });
});
