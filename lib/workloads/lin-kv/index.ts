// lin-kv: Maelstrom's linearizable key-value workload. Clients read, write and
// compare-and-set small integers on ctx.keyCount keys; the checker
// (lib/checkers/lin-kv.ts) requires every key to behave as one
// linearizable register. Invariant: every history value is a pair whose first
// element is the key, so the checker can split the history by key without
// knowing anything else about the operation.
//
// History format for lin-kv (what checkers and students read):
//   f       invocation value        ok value                 request body
//   read    [key, null]             [key, valueRead]         {type:"read", key}
//   write   [key, v]                [key, v]                 {type:"write", key, value: v}
//   cas     [key, [from, to]]       [key, [from, to]]        {type:"cas", key, from, to}
// Keys are integers 0..keyCount-1 and values integers 0..4 (few values, so a
// cas often finds what it expects and reads are ambiguous enough to matter).
// A read_ok without a value is recorded as valueRead null. Errors are the
// controller's business: 20 (key does not exist) and 22 (precondition failed)
// are definite and become `fail` with value null; timeouts and indefinite
// codes become `info`.
import { z } from "zod";
import { checkLinearizable } from "../../checkers/lin-kv.js";
import { defineWorkload, keyCountOption, type GeneratedOp } from "../types.js";
import { linKvKey } from "./history.js";

/** Values written and compared are drawn from 0..VALUE_COUNT-1, as in Maelstrom. */
const VALUE_COUNT = 5;

export const linKvWorkload = defineWorkload({
  name: "lin-kv",
  options: z.object({
    /** Keys 0..keyCount-1, each a register of its own. */
    keyCount: keyCountOption,
  }),
  client: (rng, ctx) => ({
    next(): GeneratedOp {
      const key = rng.int(Math.max(1, ctx.options.keyCount));
      // An even mix of reads, writes and cas, like Jepsen's (gen/mix [r w cas]).
      const kind = rng.int(3);
      if (kind === 0) return { f: "read", value: [key, null], body: { type: "read", key } };
      if (kind === 1) {
        const value = rng.int(VALUE_COUNT);
        return { f: "write", value: [key, value], body: { type: "write", key, value } };
      }
      const from = rng.int(VALUE_COUNT);
      const to = rng.int(VALUE_COUNT);
      return { f: "cas", value: [key, [from, to]], body: { type: "cas", key, from, to } };
    },
  }),
  okValue: (op, reply) => (op.f === "read" ? [linKvKey(op.value), reply.value ?? null] : op.value),
  check: checkLinearizable,
});
