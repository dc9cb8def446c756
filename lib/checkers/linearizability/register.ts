// The register model (model.ts): one key of lin-kv, with read, write and
// compare-and-set. States are interned values: ABSENT (the key does not
// exist; reads of it come back as error 20, a definite fail, so an `ok` read
// of null is explained only while the key is absent) and 1, 2, … for the
// values written; ANY stands for "whatever the key held" where shrinking cut
// a history's beginning off.
//
// A definite failure that says something about the key is an operation too,
// one that observes and changes nothing (as Porcupine's etcd model treats a
// cas answered "compare failed"): a read or cas refused with error 20 saw the
// key absent (a read answered so after an acknowledged write is a lost
// write), and a cas refused with error 22 saw a value other than its `from`
// (MISMATCH). Other failures never took effect and tell nothing.
import { INVALID, type Model, type SearchOp } from "./model.js";

export const READ = 0;
export const WRITE = 1;
export const CAS = 2;
/** A cas refused with error 22: the key did not hold `observes` then. */
export const MISMATCH = 3;
export type RegisterKind = typeof READ | typeof WRITE | typeof CAS | typeof MISMATCH;

/** Register state of an absent key (null). Other values are interned to 1, 2, ... */
export const ABSENT = 0;
/** Register state "any value at all": the start of a history whose beginning was cut off. */
export const ANY = -2;
/** No value (a write observes none; a read writes none). */
export const NONE = -1;

/** One register operation: what it requires before it and what it leaves. */
export interface RegisterInput {
  kind: RegisterKind;
  /** The value this operation requires before it (read: the value read; cas: `from`; MISMATCH: the one value it excludes), or NONE. */
  observes: number;
  /** The value this operation leaves (write: the value; cas: `to`), or NONE. */
  writes: number;
}

type Op = SearchOp<RegisterInput>;

/**
 * Which of `candidates` can leave `current` together, such that if what
 * stays has no linearization then `current` has none either — so the
 * remainder's failure still explains the original's. Reads only observe, so
 * they can always go. An operation w that writes v can go when no remaining
 * operation could have seen w's write: every remaining observer of v (a read
 * of v, or a cas from v) either returned before w was invoked, or was invoked
 * after a remaining definite writer X returned, X being invoked after w
 * returned (in any linearization, X then separates w from that observer).
 * Sound but not always telling: a stale read of v would shrink to the read
 * alone, every write of v being overwritten; so the latest writer of a value
 * that is still observed stays, and the evidence shows where v came from.
 * A MISMATCH of `from` f observes every value but f, so it counts as an
 * observer of every write of another value.
 */
function soundDeletions(current: readonly Op[], candidates: readonly Op[], pinned: Op | undefined): Set<Op> {
  const deleted = new Set(candidates.filter((c) => c !== pinned));
  for (;;) {
    const observersOf = new Map<number, Op[]>();
    const writersOf = new Map<number, Op[]>();
    const definiteWriters: Op[] = [];
    const mismatches: Op[] = [];
    for (const o of current) {
      if (deleted.has(o)) continue;
      if (o.input.kind === MISMATCH) mismatches.push(o);
      else if (o.input.observes !== NONE) pushTo(observersOf, o.input.observes, o);
      if (o.input.writes !== NONE) {
        pushTo(writersOf, o.input.writes, o);
        if (o.definite) definiteWriters.push(o);
      }
    }
    definiteWriters.sort((a, b) => a.call - b.call);
    let violator: Op | undefined;
    for (const w of deleted) {
      if (w.input.writes === NONE || (violator && w.call < violator.call)) continue;
      const observers = [...(observersOf.get(w.input.writes) ?? []), ...mismatches.filter((m) => m.input.observes !== w.input.writes)];
      if (observers.length === 0) continue;
      const overwriter = w.ret !== Infinity && (writersOf.get(w.input.writes) ?? []).some((o) => o.call > w.call) ? earliestReturning(definiteWriters, w.ret) : undefined;
      if (!overwriter || !observers.every((r) => r.ret < w.call || r.call > overwriter.ret)) violator = w;
    }
    // Keep the latest operation that cannot go, and look again: keeping it
    // may have made others unsafe to remove (or safe, as an overwriter).
    if (!violator) return deleted;
    deleted.delete(violator);
  }
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Of writers sorted by call, the one invoked after `after` that returns first. */
function earliestReturning(writers: readonly Op[], after: number): Op | undefined {
  let lo = 0;
  let hi = writers.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (writers[mid]!.call <= after) lo = mid + 1;
    else hi = mid;
  }
  let best: Op | undefined;
  for (let i = lo; i < writers.length; i++) {
    const x = writers[i]!;
    // Every later writer is called after x.call, and returns later still.
    if (best && x.call > best.ret) break;
    if (!best || x.ret < best.ret) best = x;
  }
  return best;
}

export const registerModel: Model<RegisterInput> = {
  initial: ABSENT,
  any: ANY,
  step(state, op) {
    if (op.kind === WRITE) return op.writes;
    // Refused with 22: anything but `from` (an absent key included, though a
    // Maelstrom service says 20 there), and "any" stays "any".
    if (op.kind === MISMATCH) return state === op.observes ? INVALID : state;
    if (state !== op.observes && state !== ANY) return INVALID;
    return op.kind === READ ? op.observes : op.writes;
  },
  // A read, a refused cas, or a cas from v to v, changes nothing.
  isObserver: (op) => op.kind === READ || op.kind === MISMATCH || (op.kind === CAS && op.observes === op.writes),
  effectClass: (op) => `${op.kind}:${op.observes}:${op.writes}`,
  stateBound: (ops) => new Set(ops.filter((o) => o.writes !== NONE).map((o) => o.writes)).size,
  soundDeletions,
  // A read (or cas) of a value nothing wrote fails on its own; a MISMATCH never does.
  failsAlone: (op, prefix) =>
    op.input.kind !== MISMATCH && op.input.observes !== NONE && op.input.observes !== ABSENT && !prefix.some((o) => o.input.writes === op.input.observes),
};
