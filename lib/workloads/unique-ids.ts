// unique-ids: clients ask any node for a fresh id; every id handed out must
// be distinct across the whole cluster, whatever the faults.
//
// History values:
//   generate  invoke: null   ok: the id exactly as the node sent it (any JSON value)
import type { Workload } from "./types.js";

export const uniqueIdsWorkload: Workload = {
  name: "unique-ids",
  client: () => ({
    next: () => ({ f: "generate", value: null, body: { type: "generate" } }),
  }),
  okValue: (_op, reply) => reply.id,
};
