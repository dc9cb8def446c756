// Broadcast topologies: who each node is told its neighbours are (Maelstrom's
// built-in grid, line, tree2, tree3, tree4 and total). Every topology built
// here is symmetric (b in a's list iff a in b's), connected, free of
// self-loops and duplicates, and lists neighbours in node order.

export type Topology = Record<string, string[]>;

export const TOPOLOGY_NAMES = ["grid", "line", "tree2", "tree3", "tree4", "total"] as const;

/** The topology `name` over `nodeIds` (in the order given: index i is node i). */
export function buildTopology(name: string, nodeIds: readonly string[]): Topology {
  const n = nodeIds.length;
  const edges: Array<[number, number]> = [];
  switch (name) {
    case "grid": {
      // Row-major in a grid ceil(√n) wide; the last row may be partial.
      const width = Math.max(1, Math.ceil(Math.sqrt(n)));
      for (let i = 0; i < n; i++) {
        if ((i + 1) % width !== 0 && i + 1 < n) edges.push([i, i + 1]);
        if (i + width < n) edges.push([i, i + width]);
      }
      break;
    }
    case "line":
      for (let i = 0; i + 1 < n; i++) edges.push([i, i + 1]);
      break;
    case "tree2":
    case "tree3":
    case "tree4": {
      // Heap layout: node i's children are k·i+1 … k·i+k.
      const k = Number(name.slice(4));
      for (let i = 1; i < n; i++) edges.push([Math.floor((i - 1) / k), i]);
      break;
    }
    case "total":
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) edges.push([i, j]);
      break;
    default:
      throw new Error(`unknown topology ${JSON.stringify(name)} (known: ${TOPOLOGY_NAMES.join(", ")})`);
  }
  const neighbours = nodeIds.map(() => new Set<number>());
  for (const [a, b] of edges) {
    neighbours[a]!.add(b);
    neighbours[b]!.add(a);
  }
  const topology: Topology = {};
  nodeIds.forEach((id, i) => {
    topology[id] = [...neighbours[i]!].sort((a, b) => a - b).map((j) => nodeIds[j]!);
  });
  return topology;
}
