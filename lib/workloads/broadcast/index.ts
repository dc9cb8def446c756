// broadcast: each node is told its neighbours (setup), clients broadcast
// distinct integers to random nodes and read what a node has seen; after the
// faults heal and the recovery wait, every node is read once more. The
// set-completeness checker (lib/checkers/set-completeness.ts) judges it.
//
// History values:
//   broadcast  invoke: the message (integer, distinct across the test)   ok: the same message
//   read       invoke: null   ok: the node's `messages` exactly as sent (an array of messages)
//   final reads are `read` operations with phase "final", one per node.
import { z } from "zod";
import { checkBroadcast } from "../../checkers/set-completeness.js";
import { distinctValues } from "../distinct-values.js";
import { defineWorkload, type GeneratedOp } from "../types.js";
import { buildTopology, TOPOLOGY_NAMES } from "./topology.js";

const READ: GeneratedOp = { f: "read", value: null, body: { type: "read" } };

export const broadcastWorkload = defineWorkload({
  name: "broadcast",
  options: z.object({
    /** Who each node is told its neighbours are (Maelstrom's topologies). */
    topology: z.enum(TOPOLOGY_NAMES).default("grid").describe("the topology the nodes are told"),
  }),
  setup: (ctx) => {
    const topology = buildTopology(ctx.options.topology, ctx.nodeIds);
    return ctx.nodeIds.map((node) => ({ node, body: { type: "topology", topology } }));
  },
  client: (rng, ctx) => {
    const nextMessage = distinctValues(ctx);
    return {
      next() {
        if (rng.next() < 0.5) return READ;
        const message = nextMessage();
        return { f: "broadcast", value: message, body: { type: "broadcast", message } };
      },
    };
  },
  okValue: (op, reply) => (op.f === "read" ? reply.messages : op.value),
  finalOps: () => [READ],
  check: checkBroadcast,
});
