// g-counter and pn-counter: an eventually consistent counter. Clients add
// deltas (g-counter: 1…5; pn-counter: -5…5, never 0) and read the total;
// after the faults heal and the recovery wait, every node is read once more.
// Judged by lib/checkers/counter.ts.
//
// History values:
//   add   invoke: the delta (integer)   ok: the same delta
//   read  invoke: null   ok: the node's `value` exactly as sent (a number)
//   final reads are `read` operations with phase "final", one per node.
import { z } from "zod";
import { checkCounter } from "../../checkers/counter.js";
import type { Random } from "../../random.js";
import { defineWorkload, type GeneratedOp } from "../types.js";

const READ: GeneratedOp = { f: "read", value: null, body: { type: "read" } };

function counterWorkload(name: string, delta: (rng: Random) => number) {
  return defineWorkload({
    name,
    options: z.object({}),
    client: (rng) => ({
      next() {
        if (rng.next() < 0.5) return READ;
        const d = delta(rng);
        return { f: "add", value: d, body: { type: "add", delta: d } };
      },
    }),
    okValue: (op, reply) => (op.f === "read" ? reply.value : op.value),
    finalOps: () => [READ],
    check: checkCounter,
  });
}

export const gCounterWorkload = counterWorkload("g-counter", (rng) => 1 + rng.int(5));

export const pnCounterWorkload = counterWorkload("pn-counter", (rng) => {
  const magnitude = 1 + rng.int(5);
  return rng.next() < 0.5 ? -magnitude : magnitude;
});
