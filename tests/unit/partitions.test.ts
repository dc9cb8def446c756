import { describe, expect, it } from "vitest";
import { Random } from "../../lib/random.js";
import { describeGrudge, nodesWithoutMajority, partition } from "../../sandbox/partitions.js";

const nodes = ["n0", "n1", "n2", "n3", "n4"];
const sees = (grudge: Map<string, Set<string>>, node: string) => nodes.filter((n) => !grudge.get(node)?.has(n));

describe("nodes a partition leaves without a majority (they lose the services with servicesWithMajority)", () => {
  it("is the minority of a majority-minority cut, the isolated node, and the deaf one", () => {
    const g = partition("majority-minority", nodes, new Random("2"));
    expect(nodesWithoutMajority(g, nodes).sort()).toEqual(nodes.filter((n) => sees(g, n).length === 2).sort());
    expect(nodesWithoutMajority(partition("isolate", nodes, new Random("1"), "n2"), nodes)).toEqual(["n2"]);
    expect(nodesWithoutMajority(partition("one-way", nodes, new Random("1"), "n4"), nodes)).toEqual(["n4"]);
  });

  it("is nobody when every node sees a majority, or there is no cut", () => {
    expect(nodesWithoutMajority(partition("majorities-ring", nodes, new Random("3")), nodes)).toEqual([]);
    expect(nodesWithoutMajority(new Map(), nodes)).toEqual([]);
    expect(nodesWithoutMajority(new Map(), ["n0"])).toEqual([]);
  });

  it("is everybody when halves of an even cluster leave no side a majority", () => {
    const four = ["n0", "n1", "n2", "n3"];
    expect(nodesWithoutMajority(partition("halves", four, new Random("4")), four)).toEqual(four);
  });
});

describe("partition shapes", () => {
  it("isolate cuts one node from all others, both ways", () => {
    const g = partition("isolate", nodes, new Random("1"), "n2");
    expect([...g.get("n2")!].sort()).toEqual(["n0", "n1", "n3", "n4"]);
    for (const n of ["n0", "n1", "n3", "n4"]) expect([...g.get(n)!]).toEqual(["n2"]);
  });

  it("majority-minority leaves exactly one side with a majority", () => {
    const g = partition("majority-minority", nodes, new Random("2"));
    const sizes = nodes.map((n) => sees(g, n).length).sort();
    expect(sizes).toEqual([2, 2, 3, 3, 3]);
  });

  it("majorities-ring gives every node a majority, and no two the same one", () => {
    const g = partition("majorities-ring", nodes, new Random("3"));
    const views = nodes.map((n) => sees(g, n).sort().join(","));
    for (const view of views) expect(view.split(",").length).toBe(3);
    expect(new Set(views).size).toBe(nodes.length);
  });

  it("one-way makes one node deaf while the others still hear it", () => {
    const g = partition("one-way", nodes, new Random("4"), "n0");
    expect(g.get("n0")!.size).toBe(4);
    expect([...g.keys()]).toEqual(["n0"]);
  });

  it("is a pure function of the seed", () => {
    const a = describeGrudge(partition("halves", nodes, new Random("42")));
    const b = describeGrudge(partition("halves", nodes, new Random("42")));
    expect(a).toBe(b);
    expect(a).toMatch(/✕/);
  });
});

describe("replacing a node's rules", () => {
  it("is one iptables-restore transaction that declares (and so empties) our chain, then adds each rule", async () => {
    const { replaceChain } = await import("../../sandbox/faults.js");
    expect(replaceChain(["-s 198.18.0.3 -j DROP", "-s 198.18.0.4 -j DROP"])).toBe(
      "printf '%s\\n' '*filter' ':LABGRADE - [0:0]' '-A LABGRADE -s 198.18.0.3 -j DROP' '-A LABGRADE -s 198.18.0.4 -j DROP' 'COMMIT' | iptables-restore --noflush",
    );
    // No rules: the chain is emptied, in the same one step.
    expect(replaceChain([])).toBe("printf '%s\\n' '*filter' ':LABGRADE - [0:0]' 'COMMIT' | iptables-restore --noflush");
  });
});
