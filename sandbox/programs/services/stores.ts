// What the services answer, as Maelstrom's own services behave (its
// src/maelstrom/service.clj, read for this): one key-value operation applied
// to one store, with each service's own consistency.
//   lin-kv   linearizable: every operation on the latest state, in arrival order.
//   seq-kv   sequential: the service keeps its last WINDOW_STATES states. An
//            operation that would change nothing where it is tried (a read, a
//            failed cas, a write of the value already there) may be answered
//            from a past state: one chosen at random from the caller's own last
//            state up to, but not including, the latest (the latest only when
//            the caller has already seen it). Anything that changes the state
//            runs on the latest one. Each caller (a node) therefore sees its own
//            operations in order and never goes back in time, while its reads
//            lag the others' writes until it writes itself: a node that wrote a
//            key and reads it gets its own write, a node that reads a key
//            others write gets a stale value, usually. Where Maelstrom's buffer
//            index wraps for a caller more than WINDOW_STATES states behind, we
//            start its choice at the oldest state kept (its documented promise:
//            a caller never goes back in time).
//   lww-kv   last-write-wins over REPLICAS independent replicas, each with a
//            Lamport clock: every operation first merges one random replica into
//            another (newer timestamp wins), then runs on one random replica.
//            Reads may be stale, missing, or go back in time; concurrent writes
//            are resolved by timestamp. (Maelstrom's code, as written, drops the
//            merge it computes, so its replicas never converge; we do what its
//            documentation says they do: gossip.)
//   lin-tso  a counter handing out 0, 1, 2, … (as Maelstrom's starts at 0).
// The random choices come from the test's seed, one stream per service and
// caller, so a caller's n-th request makes the same choice in every run with
// that seed (which state it lands on still depends on what the other nodes
// did meanwhile).
import { Random, seedFor } from "../../../lib/random.js";
import type { Envelope } from "../agent/wire.js";

type Body = Envelope["body"];
export type Reply = Record<string, unknown>;

/** Maelstrom error codes the services use. */
const NOT_SUPPORTED = 10;
const MALFORMED = 12;
const KEY_DOES_NOT_EXIST = 20;
const PRECONDITION_FAILED = 22;

/** States seq-kv keeps (Maelstrom's ring buffer of 32). */
export const WINDOW_STATES = 32;
/** Replicas lww-kv simulates (Maelstrom's 5). */
export const REPLICAS = 5;

const error = (code: number, text: string): Reply => ({ type: "error", code, text });

/** Values and keys compare by their JSON text, as Maelstrom keys may be numbers or strings. */
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * One operation on one key whose current value is `current` (undefined: no
 * such key): the reply, and the new value when the operation sets one.
 */
function apply(body: Body, current: { value: unknown } | undefined): { reply: Reply; set?: { value: unknown } } {
  switch (body.type) {
    case "read":
      return { reply: current ? { type: "read_ok", value: current.value } : error(KEY_DOES_NOT_EXIST, "key does not exist") };
    case "write":
      return { reply: { type: "write_ok" }, set: { value: body.value } };
    case "cas":
      if (!current) {
        return body.create_if_not_exists === true ? { reply: { type: "cas_ok" }, set: { value: body.to } } : { reply: error(KEY_DOES_NOT_EXIST, "key does not exist") };
      }
      if (!same(current.value, body.from)) {
        return { reply: error(PRECONDITION_FAILED, `current value ${JSON.stringify(current.value)} is not ${JSON.stringify(body.from)}`) };
      }
      return { reply: { type: "cas_ok" }, set: { value: body.to } };
    default:
      return { reply: error(NOT_SUPPORTED, `key-value services do not support ${body.type}`) };
  }
}

/** A request's problem before any store is touched, or null. */
function malformed(body: Body): Reply | null {
  if (!["read", "write", "cas"].includes(body.type)) return error(NOT_SUPPORTED, `key-value services do not support ${body.type}`);
  if (body.key === undefined) return error(MALFORMED, "missing key");
  return null;
}

/** One random stream per caller of a service, each drawn from the seed by name (so callers do not share draws). */
class CallerStreams {
  private readonly streams = new Map<string, Random>();

  constructor(private readonly seed: string, private readonly service: string) {}

  of(caller: string): Random {
    let stream = this.streams.get(caller);
    if (!stream) this.streams.set(caller, (stream = new Random(seedFor(this.seed, `${this.service}/${caller}`))));
    return stream;
  }
}

export interface KvService {
  handle(caller: string, body: Body): Reply;
}

/** lin-kv: one map, every operation applied in arrival order. */
export class LinearizableKv implements KvService {
  private readonly values = new Map<string, { value: unknown }>();

  handle(_caller: string, body: Body): Reply {
    const problem = malformed(body);
    if (problem) return problem;
    const key = JSON.stringify(body.key);
    const { reply, set } = apply(body, this.values.get(key));
    if (set) this.values.set(key, set);
    return reply;
  }
}

/** One value a key took, from state `index` on. */
interface Version {
  index: number;
  value: { value: unknown } | undefined;
}

/**
 * seq-kv (see the file's header). The states are kept per key as versions:
 * state i holds, for each key, its newest version at or before i. Versions no
 * caller can reach any more (older than the window, bar the newest of them)
 * are dropped as keys are written.
 */
export class SequentialKv implements KvService {
  private latest = 0;
  private readonly versions = new Map<string, Version[]>();
  /** The last state each caller observed. */
  private readonly observed = new Map<string, number>();
  private readonly streams: CallerStreams;

  constructor(seed: string) {
    this.streams = new CallerStreams(seed, "seq-kv");
  }

  handle(caller: string, body: Body): Reply {
    const problem = malformed(body);
    if (problem) return problem;
    const key = JSON.stringify(body.key);
    const oldest = Math.max(0, this.latest - (WINDOW_STATES - 1));
    const from = Math.max(this.observed.get(caller) ?? 0, oldest);
    // Past states only, unless the caller is already at the latest (Maelstrom's rand-int over [from, latest)).
    const index = from === this.latest ? from : from + this.streams.of(caller).int(this.latest - from);
    const tried = apply(body, this.valueAt(key, index));
    if (!tried.set || same(tried.set, this.valueAt(key, index))) {
      this.observed.set(caller, index);
      return tried.reply;
    }
    // It would change the state: only the latest may be changed, or the order of states would fork.
    const { reply, set } = apply(body, this.valueAt(key, this.latest));
    this.latest++;
    if (set) this.record(key, set);
    this.observed.set(caller, this.latest);
    return reply;
  }

  private valueAt(key: string, index: number): { value: unknown } | undefined {
    const versions = this.versions.get(key) ?? [];
    for (let i = versions.length - 1; i >= 0; i--) if (versions[i]!.index <= index) return versions[i]!.value;
    return undefined;
  }

  private record(key: string, value: { value: unknown }): void {
    let versions = this.versions.get(key);
    if (!versions) this.versions.set(key, (versions = []));
    versions.push({ index: this.latest, value });
    const oldest = Math.max(0, this.latest - (WINDOW_STATES - 1));
    // Keep the newest version at or before the oldest reachable state: it is that state's value.
    let keepFrom = 0;
    while (keepFrom + 1 < versions.length && versions[keepFrom + 1]!.index <= oldest) keepFrom++;
    if (keepFrom > 0) versions.splice(0, keepFrom);
  }
}

interface Stamped {
  ts: number;
  value: unknown;
}

interface Replica {
  clock: number;
  values: Map<string, Stamped>;
}

/** Orders two values written at the same Lamport time, the same way on every replica. */
function tieBreak(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const [x, y] = [JSON.stringify(a), JSON.stringify(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** lww-kv (see the file's header). */
export class LastWriteWinsKv implements KvService {
  private readonly replicas: Replica[] = Array.from({ length: REPLICAS }, () => ({ clock: 0, values: new Map() }));
  private readonly streams: CallerStreams;

  constructor(seed: string) {
    this.streams = new CallerStreams(seed, "lww-kv");
  }

  handle(caller: string, body: Body): Reply {
    const problem = malformed(body);
    if (problem) return problem;
    const rng = this.streams.of(caller);
    this.merge(this.replicas[rng.int(REPLICAS)]!, this.replicas[rng.int(REPLICAS)]!);
    const replica = this.replicas[rng.int(REPLICAS)]!;
    const key = JSON.stringify(body.key);
    const current = replica.values.get(key);
    const { reply, set } = apply(body, current && { value: current.value });
    if (set) replica.values.set(key, { ts: replica.clock++, value: set.value });
    return reply;
  }

  /** `into` takes the newer of each key's values, and the later clock. */
  private merge(from: Replica, into: Replica): void {
    if (from === into) return;
    into.clock = Math.max(into.clock, from.clock);
    for (const [key, theirs] of from.values) {
      const ours = into.values.get(key);
      if (!ours || theirs.ts > ours.ts || (theirs.ts === ours.ts && tieBreak(theirs.value, ours.value) > 0)) into.values.set(key, theirs);
    }
  }
}

/** lin-tso: strictly increasing timestamps from 0. */
export class TimestampOracle {
  private next = 0;

  handle(body: Body): Reply {
    return body.type === "ts" ? { type: "ts_ok", ts: this.next++ } : error(NOT_SUPPORTED, `lin-tso does not support ${body.type}`);
  }
}

/** The four services of one cluster, their random choices drawn from `seed`. */
export class ClusterServices {
  private readonly kv: Record<string, KvService>;
  private readonly tso = new TimestampOracle();

  constructor(seed: string) {
    this.kv = { "lin-kv": new LinearizableKv(), "seq-kv": new SequentialKv(seed), "lww-kv": new LastWriteWinsKv(seed) };
  }

  /** The reply body (without ids) to `caller`'s request to `service`. */
  handle(service: string, caller: string, body: Body): Reply {
    if (service === "lin-tso") return this.tso.handle(body);
    const kv = this.kv[service];
    return kv ? kv.handle(caller, body) : error(NOT_SUPPORTED, `there is no service ${service}`);
  }
}
