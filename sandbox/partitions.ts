// Partition shapes, as "grudges": for each node, the set of nodes whose
// packets it drops. Pure functions of the node list and a seeded generator, so
// a schedule replays exactly from its seed. Shapes follow Jepsen's nemeses.
import type { Random } from "../lib/random.js";
import { type PARTITION_MODES } from "../lib/suites/schema.js";

export type Grudge = Map<string, Set<string>>;

export type PartitionMode = (typeof PARTITION_MODES)[number];

function shuffle<T>(items: readonly T[], rng: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Every node drops packets from every node outside its own component. */
export function completeGrudge(components: string[][]): Grudge {
  const grudge: Grudge = new Map();
  for (const component of components) {
    const others = components.filter((c) => c !== component).flat();
    for (const node of component) grudge.set(node, new Set(others));
  }
  return grudge;
}

export function partition(mode: PartitionMode, nodes: readonly string[], rng: Random, target?: string): Grudge {
  if (nodes.length < 2) return new Map();
  const order = shuffle(nodes, rng);
  switch (mode) {
    case "isolate": {
      const lonely = target ?? order[0]!;
      return completeGrudge([[lonely], nodes.filter((n) => n !== lonely)]);
    }
    case "halves": {
      const cut = Math.floor(order.length / 2);
      return completeGrudge([order.slice(0, cut), order.slice(cut)]);
    }
    case "majority-minority": {
      // The minority is as large as it can be while still a minority.
      const minority = Math.floor((order.length - 1) / 2) || 1;
      return completeGrudge([order.slice(0, minority), order.slice(minority)]);
    }
    case "majorities-ring": {
      // Each node sees a majority (itself and its neighbours on a random ring),
      // and no two nodes see the same majority.
      const majority = Math.floor(order.length / 2) + 1;
      const grudge: Grudge = new Map();
      order.forEach((node, i) => {
        const visible = new Set<string>();
        for (let k = -Math.floor((majority - 1) / 2); visible.size < majority; k++) {
          visible.add(order[(i + k + order.length) % order.length]!);
        }
        grudge.set(node, new Set(nodes.filter((n) => !visible.has(n))));
      });
      return grudge;
    }
    case "one-way": {
      // One node stops hearing the others; they still hear it.
      const deaf = target ?? order[0]!;
      return new Map([[deaf, new Set(nodes.filter((n) => n !== deaf))]]);
    }
  }
}

/**
 * The nodes a partition leaves without a majority: those that hear at most
 * half of the cluster, themselves included. With a suite's
 * servicesWithMajority they lose the services too.
 */
export function nodesWithoutMajority(grudge: Grudge, nodes: readonly string[]): string[] {
  return nodes.filter((node) => 2 * (nodes.length - (grudge.get(node)?.size ?? 0)) <= nodes.length);
}

/** "n0 | n1 n2" style description for the fault timeline. */
export function describeGrudge(grudge: Grudge): string {
  const parts: string[] = [];
  for (const [node, dropped] of grudge) if (dropped.size > 0) parts.push(`${node} ✕ ${[...dropped].sort().join(",")}`);
  return parts.sort().join("; ") || "no cuts";
}
