// unique-ids: clients ask any node for a fresh id; every id handed out must
// be distinct across the whole cluster, whatever the faults. Judged by
// lib/checkers/unique-ids.ts.
//
// History values:
//   generate  invoke: null   ok: the id exactly as the node sent it (any JSON value)
import { z } from "zod";
import { checkUniqueIds } from "../../checkers/unique-ids.js";
import { defineWorkload } from "../types.js";

export const uniqueIdsWorkload = defineWorkload({
  name: "unique-ids",
  options: z.object({}),
  client: () => ({
    next: () => ({ f: "generate", value: null, body: { type: "generate" } }),
  }),
  okValue: (_op, reply) => reply.id,
  check: checkUniqueIds,
});
