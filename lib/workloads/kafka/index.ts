// kafka: a replicated, Kafka-style log per key (Fly.io's challenge 5).
// Clients are Maelstrom's: each operation is a send of a distinct integer
// message to a key, or a poll of the keys the client consumes from the next
// offset it has not consumed yet; a poll that returned messages is followed by
// a commit of the highest offset it returned per key; now and then (1 in 64
// operations) a client takes new keys to consume, asking the committed offsets
// of those it does not consume yet, and starts each there (or at 0). After the
// faults heal and the recovery wait, every node is polled from offset 0 on
// every key of the run (every key any send went to), and polled on from where each reply ended (a
// node may return any number of contiguous messages per poll) until it has
// returned the highest offset the main phase saw on every key, or for at most
// 10 s, as Maelstrom's final polls do. Judged by lib/checkers/kafka.ts.
//
// Keys are integers sent as strings and rotate as Maelstrom's do
// (lib/workloads/kafka/keys.ts): `keyCount` keys are live at once, each takes
// at most `maxWritesPerKey` sends, then a fresh key ("10", "11", …) replaces it,
// so logs stay short and a run writes to many keys.
//
// Where this differs from Maelstrom, none of it in what a node must do: the
// commit after a poll is an operation of its own in the history (Maelstrom
// makes it inside the poll's); messages are distinct across the run, not
// counters per key; an exhausted key is redrawn as a send's key (Elle redraws
// the operation too); and clients are not crashed every 30 s / concurrency.
//
// History values:
//   send                    invoke: {key, msg}          ok: {key, msg, offset} (offset as the node sent it)
//   poll                    invoke: {offsets: {k: o}}   ok: {msgs: {k: [[offset, msg], ...]}} as the node sent it
//   commit_offsets          invoke: {offsets: {k: o}}   ok: {offsets} (the same offsets)
//   list_committed_offsets  invoke: {keys: [k, ...]}    ok: {offsets: {k: o}} as the node sent it
//   final polls are `poll` operations with phase "final", a node's first from offset 0 on every key.
import { z } from "zod";
import { checkKafka } from "../../checkers/kafka.js";
import { distinctValues } from "../distinct-values.js";
import { defineWorkload, type FinalClient, type GeneratedOp, type WorkloadContext } from "../types.js";
import { KafkaKeys } from "./keys.js";

/** How long a node's final polls may go on (Maelstrom clips its final generator to 10 s). */
const FINAL_POLLS_MS = 10_000;
/** The pause before a final poll that follows one which returned nothing new (Maelstrom staggers its final polls by about 200 ms). */
const FINAL_POLL_PAUSE_MS = 200;
/** The share of operations that are a change of the keys a client consumes (Jepsen's kafka sub-p, 1/64). */
const NEW_KEYS_PROBABILITY = 1 / 64;
/** The share of changes of keys that also take every key sent but not yet polled by anyone (Jepsen's poll-unseen, 1/3). */
const UNSEEN_PROBABILITY = 1 / 3;

type KafkaOptions = { keyCount: number; maxWritesPerKey: number };

/** Per test run (its context): the keys every client draws from, and what the main phase saw of each. */
const runKeys = new WeakMap<object, KafkaKeys>();

function keysOf(ctx: WorkloadContext<KafkaOptions>): KafkaKeys {
  let keys = runKeys.get(ctx);
  if (!keys) {
    keys = new KafkaKeys(ctx.seed, ctx.options.keyCount, ctx.options.maxWritesPerKey);
    runKeys.set(ctx, keys);
  }
  return keys;
}

/** Calls `each` with every well-formed [offset, msg] key and offset of a poll_ok's msgs; ignores the rest (a node's reply is data). */
function forEachPolled(msgs: unknown, each: (key: string, offset: number) => void) {
  if (!isRecord(msgs)) return;
  for (const [k, entries] of Object.entries(msgs)) {
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      const offset = Array.isArray(entry) ? entry[0] : undefined;
      if (isOffset(offset)) each(k, offset);
    }
  }
}

/**
 * A node's final polls: every key of the run (lib/workloads/kafka/keys.ts
 * allKeys: every key any send went to), from offset 0, then on
 * from one past the highest offset each reply returned, for the keys not yet
 * polled up to the highest offset the main phase saw (its "target"), until
 * none is left or the time is up. A poll that brought nothing new is followed
 * by a short pause.
 */
function finalPolls(ctx: WorkloadContext<KafkaOptions>): FinalClient {
  const keys = keysOf(ctx);
  const position = new Map<string, number>(keys.allKeys().map((k) => [k, 0]));
  let first = true;
  let progressed = true;
  return {
    next(elapsedMs) {
      if (elapsedMs >= FINAL_POLLS_MS) return undefined;
      const pending = first ? [...position.keys()] : [...position.keys()].filter((k) => (position.get(k) ?? 0) <= keys.highestSeen(k));
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

function pollOp(offsets: Record<string, number>): GeneratedOp {
  return { f: "poll", value: { offsets }, body: { type: "poll", offsets } };
}

const byNumber = (a: string, b: string) => Number(a) - Number(b);

export const kafkaWorkload = defineWorkload({
  name: "kafka",
  options: z.object({
    /** Keys live at once (Maelstrom's --key-count; its kafka workload's default is 10). */
    keyCount: z.number().int().min(1).max(10_000).default(10).describe("keys live at once"),
    /**
     * Sends a key takes before a fresh key replaces it (Maelstrom's
     * --max-writes-per-key, default 16): logs stay this short, and a run of
     * n sends writes to about n / maxWritesPerKey keys, all polled at the end.
     */
    maxWritesPerKey: z.number().int().min(1).max(1_000_000).default(16).describe("sends a key takes before a fresh key replaces it"),
  }),
  client: (rng, ctx) => {
    const keys = keysOf(ctx);
    const nextMessage = distinctValues(ctx);
    /** The keys this client consumes (Maelstrom's assigned keys), each with the offset it polls from next. */
    let consuming = new Map<string, number>();
    /** Per key, the highest offset the last poll returned: the next operation commits it, as Maelstrom commits after every poll. */
    let toCommit: Record<string, number> | undefined;

    return {
      next() {
        if (toCommit) {
          const offsets = toCommit;
          toCommit = undefined;
          return { f: "commit_offsets", value: { offsets }, body: { type: "commit_offsets", offsets } };
        }
        if (rng.next() < NEW_KEYS_PROBABILITY) {
          // New keys to consume: one drawn as a send's would be, and now and then every key nobody has polled up to its last send.
          const chosen = new Set([keys.forRead(rng)]);
          if (rng.next() < UNSEEN_PROBABILITY) for (const k of keys.unseen()) chosen.add(k);
          const listed = [...chosen].sort(byNumber);
          return { f: "list_committed_offsets", value: { keys: listed }, body: { type: "list_committed_offsets", keys: listed } };
        }
        if (rng.next() < 0.5) {
          const key = keys.forSend();
          const msg = nextMessage();
          return { f: "send", value: { key, msg }, body: { type: "send", key, msg } };
        }
        // Before it first takes keys a client polls none, as Maelstrom's does.
        return pollOp(Object.fromEntries(consuming));
      },
      observe(op, reply) {
        if (op.f === "send" && reply?.type === "send_ok" && isOffset(reply.offset)) keys.sawSent((op.value as { key: string }).key, reply.offset);
        if (op.f === "poll" && reply?.type === "poll_ok") {
          const highest: Record<string, number> = {};
          forEachPolled(reply.msgs, (k, offset) => {
            // Only the keys this client polls: anything else a node returns is not a log it consumes.
            if (!consuming.has(k)) return;
            if (offset + 1 > consuming.get(k)!) consuming.set(k, offset + 1);
            if (offset > (highest[k] ?? -1)) highest[k] = offset;
            keys.sawPolled(k, offset);
          });
          if (Object.keys(highest).length > 0) toCommit = highest;
        }
        if (op.f === "list_committed_offsets" && reply?.type === "list_committed_offsets_ok") {
          // Keys it already consumes go on from where it is; a new one starts at its committed offset, or at 0.
          const committed = isRecord(reply.offsets) ? reply.offsets : {};
          const listed = (op.value as { keys: string[] }).keys;
          consuming = new Map(listed.map((k) => [k, consuming.get(k) ?? (isOffset(committed[k]) ? committed[k] : 0)]));
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

function isOffset(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
