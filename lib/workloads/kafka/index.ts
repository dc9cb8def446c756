// kafka: a replicated, Kafka-style log per key (Fly.io's challenge 5).
// Clients send distinct integer messages to random keys, poll from the next
// offset they have not consumed yet on a few keys, commit what they have
// consumed, and list committed offsets. After the faults heal and the
// recovery wait, every node is polled from offset 0 on every key, and polled
// on from where each reply ended (a node may return any number of contiguous
// messages per poll) until it has returned the highest offset the main phase
// saw on every key, or for at most 10 s, as Maelstrom's final polls do.
// Judged by lib/checkers/kafka.ts.
//
// Keys are integers sent as strings, "0" … "<keyCount-1>", as Maelstrom's
// kafka workload sends them: solutions parse them as numbers.
//
// History values:
//   send                    invoke: {key, msg}          ok: {key, msg, offset} (offset as the node sent it)
//   poll                    invoke: {offsets: {k: o}}   ok: {msgs: {k: [[offset, msg], ...]}} as the node sent it
//   commit_offsets          invoke: {offsets: {k: o}}   ok: {offsets} (the same offsets)
//   list_committed_offsets  invoke: {keys: [k, ...]}    ok: {offsets: {k: o}} as the node sent it
//   final polls are `poll` operations with phase "final", a node's first from offset 0 on every key.
import { z } from "zod";
import { checkKafka } from "../../checkers/kafka.js";
import type { Random } from "../../random.js";
import { distinctValues } from "../distinct-values.js";
import { defineWorkload, keyCountOption, type FinalClient, type GeneratedOp, type WorkloadContext } from "../types.js";

/** How long a node's final polls may go on (Maelstrom clips its final generator to 10 s). */
const FINAL_POLLS_MS = 10_000;
/** The pause before a final poll that follows one which returned nothing new (Maelstrom staggers its final polls by about 200 ms). */
const FINAL_POLL_PAUSE_MS = 200;

const keysOf = (ctx: WorkloadContext<{ keyCount: number }>) => Array.from({ length: ctx.options.keyCount }, (_, i) => String(i));

/** Per test run (its context): per key, the highest offset any acknowledged send or poll of the main phase returned. */
const highestSeen = new WeakMap<object, Map<string, number>>();

function highestOf(ctx: WorkloadContext): Map<string, number> {
  let highest = highestSeen.get(ctx);
  if (!highest) {
    highest = new Map();
    highestSeen.set(ctx, highest);
  }
  return highest;
}

/** Calls `each` with every well-formed [offset, msg] key and offset of a poll_ok's msgs; ignores the rest (a node's reply is data). */
function forEachPolled(msgs: unknown, each: (key: string, offset: number) => void) {
  if (!isRecord(msgs)) return;
  for (const [k, entries] of Object.entries(msgs)) {
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      const offset = Array.isArray(entry) ? entry[0] : undefined;
      if (typeof offset === "number" && Number.isInteger(offset) && offset >= 0) each(k, offset);
    }
  }
}

function raise(map: Map<string, number>, key: string, value: number) {
  if (value > (map.get(key) ?? -1)) map.set(key, value);
}

/**
 * A node's final polls: every key from offset 0, then on from one past the
 * highest offset each reply returned, for the keys not yet polled up to the
 * highest offset the main phase saw (its "target"), until none is left or the
 * time is up. A poll that brought nothing new is followed by a short pause.
 */
function finalPolls(ctx: WorkloadContext<{ keyCount: number }>): FinalClient {
  const targets = highestOf(ctx);
  const position = new Map<string, number>(keysOf(ctx).map((k) => [k, 0]));
  let first = true;
  let progressed = true;
  return {
    next(elapsedMs) {
      if (elapsedMs >= FINAL_POLLS_MS) return undefined;
      const pending = first ? [...position.keys()] : [...position.keys()].filter((k) => (position.get(k) ?? 0) <= (targets.get(k) ?? -1));
      if (pending.length === 0) return undefined;
      const delayMs = first || progressed ? 0 : FINAL_POLL_PAUSE_MS;
      first = false;
      progressed = false;
      return { op: pollOp(Object.fromEntries(pending.map((k) => [k, position.get(k) ?? 0]))), delayMs };
    },
    observe(_op, reply) {
      if (reply?.type !== "poll_ok") return;
      forEachPolled(reply.msgs, (k, offset) => {
        if (!position.has(k) || offset + 1 <= position.get(k)!) return;
        position.set(k, offset + 1);
        progressed = true;
      });
    },
  };
}

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
    /** Logs "0" … "<keyCount-1>". */
    keyCount: keyCountOption,
  }),
  client: (rng, ctx) => {
    const keys = keysOf(ctx);
    const keySet = new Set(keys);
    const highest = highestOf(ctx);
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
        if (op.f === "send" && reply?.type === "send_ok" && typeof reply.offset === "number" && Number.isInteger(reply.offset) && reply.offset >= 0) {
          raise(highest, (op.value as { key: string }).key, reply.offset);
        }
        if (op.f === "poll" && reply?.type === "poll_ok") {
          forEachPolled(reply.msgs, (k, offset) => {
            // Only the keys this workload polls: anything else a node returns is not a log of this test.
            if (!keySet.has(k)) return;
            if (offset + 1 > (position.get(k) ?? 0)) position.set(k, offset + 1);
            raise(highest, k, offset);
          });
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
  finalClient: (ctx) => finalPolls(ctx),
  finalTimeLimitMs: FINAL_POLLS_MS,
  check: checkKafka,
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
