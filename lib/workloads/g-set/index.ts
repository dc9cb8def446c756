// g-set: a grow-only set replicated across the nodes. Clients add distinct
// integers and read the whole set; after the faults heal and the recovery
// wait, every node is read once more. Judged like broadcast, by the
// set-completeness checker (lib/checkers/set-completeness.ts).
//
// History values:
//   add   invoke: the element (integer, distinct across the test)   ok: the same element
//   read  invoke: null   ok: the node's `value` exactly as sent (an array of elements)
//   final reads are `read` operations with phase "final", one per node.
import { z } from "zod";
import { checkGSet } from "../../checkers/set-completeness.js";
import { distinctValues } from "../distinct-values.js";
import { defineWorkload, type GeneratedOp } from "../types.js";

const READ: GeneratedOp = { f: "read", value: null, body: { type: "read" } };

export const gSetWorkload = defineWorkload({
  name: "g-set",
  options: z.object({}),
  client: (rng, ctx) => {
    const nextElement = distinctValues(ctx);
    return {
      next() {
        if (rng.next() < 0.5) return READ;
        const element = nextElement();
        return { f: "add", value: element, body: { type: "add", element } };
      },
    };
  },
  okValue: (op, reply) => (op.f === "read" ? reply.value : op.value),
  finalOps: () => [READ],
  check: checkGSet,
});
