// kafka: a replicated, Kafka-style log per key (Fly.io's challenge 5).
// Clients send distinct integer messages to random keys, poll from the next
// offset they have not consumed yet on a few keys, commit what they have
// consumed, and list committed offsets. After the faults heal and the
// recovery wait, every node is polled from offset 0 on every key. Judged by
// lib/checkers/kafka.ts.
//
// History values (keys are "k0" … "k<keyCount-1>"):
//   send                    invoke: {key, msg}          ok: {key, msg, offset} (offset as the node sent it)
//   poll                    invoke: {offsets: {k: o}}   ok: {msgs: {k: [[offset, msg], ...]}} as the node sent it
//   commit_offsets          invoke: {offsets: {k: o}}   ok: {offsets} (the same offsets)
//   list_committed_offsets  invoke: {keys: [k, ...]}    ok: {offsets: {k: o}} as the node sent it
//   final polls are `poll` operations with phase "final" from offset 0 on every key, one per node.
import { z } from "zod";
import { checkKafka } from "../../checkers/kafka.js";
import type { Random } from "../../random.js";
import { distinctValues } from "../distinct-values.js";
import { defineWorkload, keyCountOption, type GeneratedOp, type WorkloadContext } from "../types.js";

const keysOf = (ctx: WorkloadContext<{ keyCount: number }>) => Array.from({ length: ctx.options.keyCount }, (_, i) => `k${i}`);

/** Up to `max` distinct keys, in key order. */
function someKeys(rng: Random, keys: readonly string[], max: number): string[] {
  const chosen = new Set<string>();
  const count = 1 + rng.int(Math.min(max, keys.length));
  while (chosen.size < count) chosen.add(rng.pick(keys));
  return keys.filter((k) => chosen.has(k));
}

function pollOp(offsets: Record<string, number>): GeneratedOp {
  return { f: "poll", value: { offsets }, body: { type: "poll", offsets } };
}

export const kafkaWorkload = defineWorkload({
  name: "kafka",
  options: z.object({
    /** Logs "k0" … "k<keyCount-1>". */
    keyCount: keyCountOption,
  }),
  client: (rng, ctx) => {
    const keys = keysOf(ctx);
    const nextMessage = distinctValues(ctx);
    /** Per key: the offset this client polls from next (one past the last it consumed). */
    const position = new Map<string, number>();
    /** Per key: the last offset this client had acknowledged as committed. */
    const committed = new Map<string, number>();

    const poll = () => pollOp(Object.fromEntries(someKeys(rng, keys, 3).map((k) => [k, position.get(k) ?? 0])));

    return {
      next() {
        const roll = rng.next();
        if (roll < 0.5) {
          const key = rng.pick(keys);
          const msg = nextMessage();
          return { f: "send", value: { key, msg }, body: { type: "send", key, msg } };
        }
        if (roll < 0.8) return poll();
        if (roll < 0.9) {
          // Commit the last consumed offset of every key consumed since the last commit.
          const offsets: Record<string, number> = {};
          for (const [k, next] of position) if (next - 1 > (committed.get(k) ?? -1)) offsets[k] = next - 1;
          if (Object.keys(offsets).length === 0) return poll();
          return { f: "commit_offsets", value: { offsets }, body: { type: "commit_offsets", offsets } };
        }
        const listed = someKeys(rng, keys, 3);
        return { f: "list_committed_offsets", value: { keys: listed }, body: { type: "list_committed_offsets", keys: listed } };
      },
      observe(op, reply) {
        if (op.f === "poll" && reply?.type === "poll_ok" && isRecord(reply.msgs)) {
          for (const [k, entries] of Object.entries(reply.msgs)) {
            if (!Array.isArray(entries)) continue;
            for (const entry of entries) {
              const offset = Array.isArray(entry) ? entry[0] : undefined;
              if (typeof offset === "number" && Number.isInteger(offset) && offset + 1 > (position.get(k) ?? 0)) position.set(k, offset + 1);
            }
          }
        }
        if (op.f === "commit_offsets" && reply?.type === "commit_offsets_ok") {
          for (const [k, offset] of Object.entries((op.value as { offsets: Record<string, number> }).offsets)) {
            if (offset > (committed.get(k) ?? -1)) committed.set(k, offset);
          }
        }
      },
    };
  },
  okValue: (op, reply) => {
    switch (op.f) {
      case "send":
        return { ...(op.value as object), offset: reply.offset };
      case "poll":
        return { msgs: reply.msgs };
      case "commit_offsets":
        return op.value;
      default:
        return { offsets: reply.offsets };
    }
  },
  finalOps: (ctx) => [pollOp(Object.fromEntries(keysOf(ctx).map((k) => [k, 0])))],
  check: checkKafka,
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
