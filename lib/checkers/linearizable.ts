// lin-kv: every key must behave as one linearizable register with read, write
// and compare-and-set. Invariant: PASS only when a linearization of every
// key's sub-history was found; a search cut short by the budget gives
// UNKNOWN, and FAIL only when the search proved that no order exists.
//
// The history format is lin-kv's (lib/workloads/lin-kv.ts). Linearizability
// is compositional (Herlihy & Wing's locality), so each key is checked on its
// own. Per key, the search is Wing & Gong's, with Lowe's memoisation, as in
// Porcupine: the calls and returns of the operations sit in a doubly-linked
// list in history order; the search repeatedly linearizes a call that comes
// before the first pending return, and backtracks when it reaches a return it
// cannot satisfy; a (linearized set, register state) pair seen before is never
// explored twice.
//
// Semantics: an `ok` operation took effect once between its invocation and its
// completion; a `fail` operation never took effect (dropped); an `info`
// operation, or one never completed, may have taken effect once at any time
// after its invocation, or never (its return is at +infinity and it may be
// left out). Every key starts absent (null); reads of an absent key come back
// as error 20, a definite `fail`, so an `ok` read of null is only explained
// while the key is absent.
//
// On FAIL the evidence is a small sub-history of the failing key that is
// itself not linearizable and that was reached from the real history only by
// steps that cannot hide a linearization (see shrinkViolation), so it is a
// faithful explanation rather than an artefact of cutting the history.
import { pairOperations, type HistoryEvent, type Operation } from "../history.js";
import { linKvKey } from "../workloads/lin-kv/history.js";
import { noneAcknowledged, type CheckContext, type CheckResult } from "./types.js";

/** At most this many operations are kept in the evidence. */
const MAX_EVIDENCE_OPS = 50;
/** The clock is read once per this many search steps (a power of two). */
const CLOCK_EVERY_STEPS = 4096;
/** After a proved violation, shrinking its evidence may use at least this share of the budget. */
const SHRINK_MIN_BUDGET_SHARE = 0.1;

const READ = 0;
const WRITE = 1;
const CAS = 2;
type Kind = typeof READ | typeof WRITE | typeof CAS;

/** Register state of an absent key (null). Other values are interned to 1, 2, ... */
const ABSENT = 0;
/** Register state "any value at all": the start of a history whose beginning was cut off. */
const ANY = -2;
const INVALID = -1;
const NONE = -1;
/** End of the entry list. */
const NIL = -1;

/** One operation on one key, as the search sees it. */
interface RegisterOp {
  kind: Kind;
  /** The value this operation requires before it (read: the value read; cas: `from`), or NONE. */
  observes: number;
  /** The value this operation leaves (write: the value; cas: `to`), or NONE. */
  writes: number;
  /** Whether it must take effect (ok). Otherwise it may take effect once between call and ret, or never. */
  definite: boolean;
  /** Position of the invocation in the history. */
  call: number;
  /** Position of the ok completion in the history; Infinity for info and never-completed operations. */
  ret: number;
  source: Operation;
}

interface SearchResult {
  outcome: "linearizable" | "violation" | "timeout";
  /**
   * The latest return the search ever got stuck at. On a violation, the
   * definite operation returning there is the one whose completion made the
   * history impossible: some order explains every operation that returned
   * before it, and none explains it too.
   */
  frontier: number;
}

interface Budget {
  deadlineMs: number;
  now: () => number;
  steps: number;
}

/** The register's transition: the state after `op`, or INVALID if `op` cannot happen in `state`. */
function apply(state: number, op: RegisterOp): number {
  if (op.kind === WRITE) return op.writes;
  if (state !== op.observes && state !== ANY) return INVALID;
  return op.kind === READ ? op.observes : op.writes;
}

/** Whether an operation never changes the register (a read, or a cas from v to v). */
const isPureObserver = (op: RegisterOp) => op.kind === READ || (op.kind === CAS && op.observes === op.writes);

/**
 * Searches for a linearization of one key's operations from `initial` (ABSENT,
 * or ANY for a history cut at the front).
 *
 * With `reuse`, an unbounded operation (info, never completed) may take effect
 * any number of times after its invocation instead of at most once. That is a
 * relaxation: every linearization of the history is one of the relaxed
 * history too, so a violation of the relaxed history is a violation of the
 * history. It is cheap to search (only the register state and the bounded
 * operations taken matter), so it proves most violations that the exact
 * search, with many indeterminate operations, could not finish proving.
 */
function searchRegister(ops: readonly RegisterOp[], budget: Budget, initial = ABSENT, reuse = false): SearchResult {
  // An operation that may be left out and changes nothing constrains nothing.
  const relevant = ops.filter((o) => o.definite || !isPureObserver(o));
  // Bounded operations (with a return) are indexed 0..nBounded-1 in call
  // order; unbounded ones (info, never completed) follow.
  const bounded = relevant.filter((o) => o.ret !== Infinity).sort((a, b) => a.call - b.call);
  const unbounded = relevant.filter((o) => o.ret === Infinity).sort((a, b) => a.call - b.call);
  let mustRemain = bounded.reduce((sum, o) => sum + (o.definite ? 1 : 0), 0);
  if (mustRemain === 0) return { outcome: "linearizable", frontier: Infinity };
  const nBounded = bounded.length;
  const all = [...bounded, ...unbounded];
  const n = all.length;

  // Entries: a call for every operation and a return for bounded ones, in
  // history order (a call before a return at the same position).
  const order: Array<{ time: number; isReturn: number; op: number }> = [];
  for (let i = 0; i < n; i++) {
    order.push({ time: all[i]!.call, isReturn: 0, op: i });
    if (i < nBounded) order.push({ time: all[i]!.ret, isReturn: 1, op: i });
  }
  order.sort((a, b) => a.time - b.time || a.isReturn - b.isReturn);
  const entryCount = order.length;
  // Node 0 is the list head; nodes 1..entryCount are the entries.
  const next = new Int32Array(entryCount + 1);
  const prev = new Int32Array(entryCount + 1);
  const entryOp = new Int32Array(entryCount + 1);
  const entryIsCall = new Uint8Array(entryCount + 1);
  const callNode = new Int32Array(n);
  const returnNode = new Int32Array(n).fill(NIL);
  for (let node = 1; node <= entryCount; node++) {
    const e = order[node - 1]!;
    entryOp[node] = e.op;
    entryIsCall[node] = e.isReturn ? 0 : 1;
    if (e.isReturn) returnNode[e.op] = node;
    else callNode[e.op] = node;
    prev[node] = node - 1;
    next[node - 1] = node;
  }
  next[entryCount] = NIL;

  // While bounded operation p is pending, every operation taken (linearized
  // or left out) was called before p returned: calls are only taken ahead of
  // the first pending return. So the set taken is "all bounded operations
  // below p, some between p and lastConcurrent[p], and so many of each class
  // of unbounded ones"
  // — a short memo key even for long histories.
  const lastConcurrent = new Int32Array(nBounded);
  for (let i = 0; i < nBounded; i++) {
    const ret = bounded[i]!.ret;
    let lo = i;
    let hi = nBounded - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (bounded[mid]!.call <= ret) lo = mid;
      else hi = mid - 1;
    }
    lastConcurrent[i] = lo;
  }

  // Unbounded operations with the same effect are interchangeable once
  // invoked: a linearization using a later-invoked one can use an earlier one
  // of its class instead. So each class is taken in call order, and the memo
  // key only needs how many of each class are taken (not which, which would
  // make the search exponential in the number of indeterminate operations).
  const classOf = new Int32Array(n);
  const classPrevious = new Int32Array(n).fill(NIL);
  const classIds = new Map<string, number>();
  const lastOfClass: number[] = [];
  for (let o = nBounded; o < n; o++) {
    const op = all[o]!;
    const name = `${op.kind}:${op.observes}:${op.writes}`;
    let c = classIds.get(name);
    if (c === undefined) {
      c = lastOfClass.length;
      classIds.set(name, c);
      lastOfClass.push(NIL);
    }
    classOf[o] = c;
    classPrevious[o] = lastOfClass[c]!;
    lastOfClass[c] = o;
  }
  const classTaken = new Int32Array(lastOfClass.length);

  const taken = new Uint8Array(n);
  const classCount = lastOfClass.length;
  let p = 0;
  const reusable = (o: number) => reuse && o >= nBounded;
  const take = (o: number) => {
    if (reusable(o)) return;
    taken[o] = 1;
    if (o < nBounded) {
      if (all[o]!.definite) mustRemain--;
      if (o === p) while (p < nBounded && taken[p]) p++;
    } else {
      classTaken[classOf[o]!]!++;
    }
  };
  const untake = (o: number) => {
    if (reusable(o)) return;
    taken[o] = 0;
    if (o < nBounded) {
      if (all[o]!.definite) mustRemain++;
      if (o < p) p = o;
    } else {
      classTaken[classOf[o]!]!--;
    }
  };
  const memoKey = (state: number): string => {
    let key = `${state}:${p}`;
    const last = lastConcurrent[p]!;
    for (let j = p + 1; j <= last; j++) if (taken[j]) key += `,${j - p}`;
    return key;
  };
  const remove = (node: number) => {
    next[prev[node]!] = next[node]!;
    if (next[node] !== NIL) prev[next[node]!] = prev[node]!;
  };
  const restore = (node: number) => {
    next[prev[node]!] = node;
    if (next[node] !== NIL) prev[next[node]!] = node;
  };

  // A definite pure observer that holds now can be linearized now and never
  // reconsidered: in any linearization from here it could be moved first (it
  // changes nothing, and every operation that must precede it already has).
  // Leaving out an optional operation at its return is likewise the last
  // option there. Such steps are "forced": backtracking passes through them.
  const pure = Uint8Array.from(all, (o) => (o.definite && isPureObserver(o) ? 1 : 0));
  // Memo: for each (state, bounded operations taken), the counts of unbounded
  // ones taken in configurations already explored. A configuration that took
  // at least as many of every class as one explored has fewer options left
  // and nothing more to offer (what it can do, that one could do too).
  const seen = new Map<string, Int32Array[]>();
  const visit = (key: string): boolean => {
    const explored = seen.get(key);
    if (!explored) {
      seen.set(key, [classTaken.slice()]);
      return true;
    }
    if (classCount === 0 || reuse) return false;
    for (const counts of explored) {
      let covers = true;
      for (let c = 0; c < classCount; c++) {
        if (classTaken[c]! < counts[c]!) {
          covers = false;
          break;
        }
      }
      if (covers) return false;
    }
    explored.push(classTaken.slice());
    return true;
  };
  // A path takes each operation once, or with reuse, between two bounded
  // operations, reusable ones leading to distinct states (a repeated state
  // would repeat a memo key): at most one per value written, plus the start.
  const written = new Set<number>();
  for (const o of all) if (o.writes !== NONE) written.add(o.writes);
  const maxDepth = reuse ? (nBounded + 1) * (written.size + 1) : n;
  const stackNode = new Int32Array(maxDepth);
  const stackState = new Int32Array(maxDepth);
  const stackForced = new Uint8Array(maxDepth);
  let depth = 0;
  let frontier = -1;
  let state = initial;
  let entry = next[0]!;
  for (;;) {
    budget.steps++;
    if ((budget.steps & (CLOCK_EVERY_STEPS - 1)) === 0 && budget.now() >= budget.deadlineMs) return { outcome: "timeout", frontier };
    let backtrack = true;
    if (entry !== NIL) {
      const o = entryOp[entry]!;
      const isCall = entryIsCall[entry] === 1;
      // A call: linearize the operation now, if the register allows it. A
      // return of an optional operation: leave it out. A definite return: stop.
      const inTurn = o < nBounded || reuse || classPrevious[o] === NIL || taken[classPrevious[o]!] === 1;
      const after = !isCall ? (all[o]!.definite ? INVALID : state) : inTurn ? apply(state, all[o]!) : INVALID;
      if (after !== INVALID) {
        const forced = !isCall || (pure[o] === 1 && after === state);
        take(o);
        if (mustRemain === 0) return { outcome: "linearizable", frontier: Infinity };
        const key = memoKey(after);
        if (visit(key)) {
          stackNode[depth] = callNode[o]!;
          stackState[depth] = state;
          stackForced[depth] = forced ? 1 : 0;
          depth++;
          state = after;
          // A reusable operation stays available (it has no return to remove).
          if (!reusable(o)) {
            remove(callNode[o]!);
            if (returnNode[o] !== NIL) remove(returnNode[o]!);
          }
          entry = next[0]!;
          continue;
        }
        // Seen before means it failed from there, so a forced step fails here.
        untake(o);
        backtrack = forced;
      } else if (!isCall) {
        frontier = Math.max(frontier, all[o]!.ret);
      } else {
        backtrack = false;
      }
      if (!backtrack) entry = next[entry]!;
    }
    // Undo choices back to the last one with an alternative.
    while (backtrack) {
      if (depth === 0) return { outcome: "violation", frontier };
      depth--;
      const node = stackNode[depth]!;
      state = stackState[depth]!;
      const o = entryOp[node]!;
      untake(o);
      if (!reusable(o)) {
        if (returnNode[o] !== NIL) restore(returnNode[o]!);
        restore(node);
      }
      entry = next[node]!;
      backtrack = stackForced[depth] === 1;
    }
  }
}

/** The history split by key, in the register encoding. */
interface KeyHistory {
  key: unknown;
  ops: RegisterOp[];
}

/** A key proved not linearizable: where its search got stuck, and under which semantics. */
interface KeyFailure {
  history: KeyHistory;
  frontier: number;
  /** Proved with indeterminate operations reusable (see searchRegister), which the shrinking keeps. */
  reuse: boolean;
}

interface Split {
  keys: KeyHistory[];
  counts: { operations: number; ok: number; fail: number; indeterminate: number };
  /** Interned value → the value itself, for messages. */
  values: unknown[];
}

function splitByKey(events: readonly HistoryEvent[]): Split {
  const position = new Map<HistoryEvent, number>();
  events.forEach((event, i) => position.set(event, i));
  const valueIds = new Map<string, number>([["null", ABSENT]]);
  const values: unknown[] = [null];
  const intern = (value: unknown): number => {
    const text = JSON.stringify(value ?? null);
    let id = valueIds.get(text);
    if (id === undefined) {
      id = values.length;
      valueIds.set(text, id);
      values.push(value);
    }
    return id;
  };
  const byKey = new Map<string, KeyHistory>();
  const counts = { operations: 0, ok: 0, fail: 0, indeterminate: 0 };
  for (const op of pairOperations(events)) {
    if (op.f !== "read" && op.f !== "write" && op.f !== "cas") continue;
    counts.operations++;
    const done = op.completion;
    if (done?.type === "fail") {
      counts.fail++;
      continue;
    }
    const definite = done?.type === "ok";
    if (definite) counts.ok++;
    else counts.indeterminate++;
    // A read that may or may not have happened tells nothing.
    if (op.f === "read" && !definite) continue;
    const argument = Array.isArray(op.invoke.value) ? op.invoke.value[1] : undefined;
    let kind: Kind;
    let observes = NONE;
    let writes = NONE;
    if (op.f === "read") {
      kind = READ;
      observes = intern(Array.isArray(done!.value) ? done!.value[1] : null);
    } else if (op.f === "write") {
      kind = WRITE;
      writes = intern(argument);
    } else {
      kind = CAS;
      const [from, to] = Array.isArray(argument) ? argument : [undefined, undefined];
      observes = intern(from);
      writes = intern(to);
    }
    const key = linKvKey(op.invoke.value);
    const keyText = JSON.stringify(key) ?? "undefined";
    let history = byKey.get(keyText);
    if (!history) {
      history = { key, ops: [] };
      byKey.set(keyText, history);
    }
    history.ops.push({
      kind,
      observes,
      writes,
      definite,
      call: position.get(op.invoke)!,
      ret: definite ? position.get(done!)! : Infinity,
      source: op,
    });
  }
  return { keys: [...byKey.values()], counts, values };
}

/**
 * The history as it stood when the definite operation returning at `cut`
 * completed: later invocations are left out, and operations still running
 * then become indeterminate. If a prefix is not linearizable neither is the
 * whole (every linearization of the whole restricts to one of the prefix),
 * so the first non-linearizable prefix pins the operation whose completion
 * made the history impossible.
 */
function prefixAt(ops: readonly RegisterOp[], cut: number): RegisterOp[] {
  return ops.filter((o) => o.call < cut).map((o) => (o.ret <= cut ? o : { ...o, definite: false, ret: Infinity }));
}

/**
 * The history from position `from` on, to be searched from ANY state:
 * operations that completed before `from` are left out (their effect is
 * folded into "whatever the value was at `from`"), and operations running at
 * `from` become optional, invoked at `from` (if one took effect earlier, that
 * too is in the value at `from`), keeping their return. Any linearization of
 * the whole gives one of this, so if this fails the whole fails; and cutting
 * later only relaxes more.
 */
function suffixFrom(ops: readonly RegisterOp[], from: number): RegisterOp[] {
  return ops.filter((o) => o.ret > from).map((o) => (o.call >= from ? o : { ...o, definite: false, call: from }));
}

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
 */
function soundDeletions(current: readonly RegisterOp[], candidates: readonly RegisterOp[], pinned: RegisterOp | undefined): Set<RegisterOp> {
  const deleted = new Set(candidates.filter((c) => c !== pinned));
  for (;;) {
    const observersOf = new Map<number, RegisterOp[]>();
    const writersOf = new Map<number, RegisterOp[]>();
    const definiteWriters: RegisterOp[] = [];
    for (const o of current) {
      if (deleted.has(o)) continue;
      if (o.observes !== NONE) pushTo(observersOf, o.observes, o);
      if (o.writes !== NONE) {
        pushTo(writersOf, o.writes, o);
        if (o.definite) definiteWriters.push(o);
      }
    }
    definiteWriters.sort((a, b) => a.call - b.call);
    let violator: RegisterOp | undefined;
    for (const w of deleted) {
      if (w.writes === NONE || (violator && w.call < violator.call)) continue;
      const observers = observersOf.get(w.writes);
      if (!observers) continue;
      const overwriter = w.ret !== Infinity && (writersOf.get(w.writes) ?? []).some((o) => o.call > w.call) ? earliestReturning(definiteWriters, w.ret) : undefined;
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
function earliestReturning(writers: readonly RegisterOp[], after: number): RegisterOp | undefined {
  let lo = 0;
  let hi = writers.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (writers[mid]!.call <= after) lo = mid + 1;
    else hi = mid;
  }
  let best: RegisterOp | undefined;
  for (let i = lo; i < writers.length; i++) {
    const x = writers[i]!;
    // Every later writer is called after x.call, and returns later still.
    if (best && x.call > best.ret) break;
    if (!best || x.ret < best.ret) best = x;
  }
  return best;
}

interface Shrunk {
  ops: RegisterOp[];
  /** The operation whose completion made the history impossible, when found. */
  culprit?: RegisterOp;
  /** ANY when the history before `from` was cut off; ABSENT otherwise. */
  initial: number;
  /** Where the evidence starts, when cut at the front: the operation invoked there. */
  from?: RegisterOp;
  /** Whether shrinking ran to the end (false: the budget ran out first). */
  complete: boolean;
}

/**
 * Shrinks a key's non-linearizable history, given the frontier of the search
 * that failed on it: to the prefix ending where the culprit returned, then to
 * the latest front cut that still fails (failing front cuts are monotone, and
 * the latest is usually close to the culprit, so it is found by galloping
 * back from it), then by deleting chunks of operations with halving chunk
 * sizes (as in delta debugging) while the remainder still fails and every
 * deletion is sound.
 */
function shrinkViolation(ops: readonly RegisterOp[], frontier: number, budget: Budget, reuse: boolean): Shrunk {
  const prefix = prefixAt(ops, frontier);
  const culprit = prefix.find((o) => o.definite && o.ret === frontier);
  if (!culprit) return { ops: [...ops], initial: ABSENT, complete: false };

  // A read (or cas) of a value nothing wrote fails on its own.
  if (culprit.observes !== NONE && culprit.observes !== ABSENT && !prefix.some((o) => o.writes === culprit.observes)) {
    return { ops: [culprit], culprit, initial: ABSENT, complete: true };
  }

  // starts[i] are candidate front cuts; -1 stands for no cut (known to fail).
  const starts = prefix.filter((o) => o.call <= culprit.call).sort((a, b) => a.call - b.call);
  const failsFrom = (i: number): boolean | undefined => {
    const { outcome } = searchRegister(suffixFrom(prefix, starts[i]!.call), budget, ANY, reuse);
    return outcome === "timeout" ? undefined : outcome === "violation";
  };
  let fails = -1;
  let holds = starts.length;
  for (let distance = 1; ; distance *= 2) {
    const i = starts.length - distance;
    if (i <= fails) break;
    const result = failsFrom(i);
    if (result === undefined) return { ops: prefix, culprit, initial: ABSENT, complete: false };
    if (result) {
      fails = i;
      break;
    }
    holds = i;
  }
  while (holds - fails > 1) {
    const mid = (fails + holds) >> 1;
    const result = failsFrom(mid);
    if (result === undefined) return { ops: prefix, culprit, initial: ABSENT, complete: false };
    if (result) fails = mid;
    else holds = mid;
  }
  const from = fails >= 0 ? starts[fails] : undefined;
  const initial = from ? ANY : ABSENT;
  let current = (from ? suffixFrom(prefix, from.call) : prefix).sort((a, b) => a.call - b.call);

  let chunk = current.length;
  for (;;) {
    let progress = false;
    for (let start = 0; start < current.length; start += chunk) {
      const deleted = soundDeletions(current, current.slice(start, start + chunk), culprit);
      if (deleted.size === 0) continue;
      const trial = current.filter((o) => !deleted.has(o));
      const { outcome } = searchRegister(trial, budget, initial, reuse);
      if (outcome === "timeout") return { ops: current, culprit, initial, from, complete: false };
      if (outcome === "violation") {
        current = trial;
        progress = true;
        start -= deleted.size;
      }
    }
    if (progress) chunk = Math.min(chunk, current.length);
    else if (chunk === 1) break;
    else chunk = Math.ceil(chunk / 2);
  }
  return { ops: current, culprit, initial, from, complete: true };
}

const seconds = (us: number) => `${(us / 1_000_000).toFixed(3)} s`;

function show(values: readonly unknown[], id: number): string {
  return JSON.stringify(values[id] ?? null);
}

function describeOp(values: readonly unknown[], op: RegisterOp): string {
  if (op.kind === READ) return op.observes === ABSENT ? "read that found the key absent" : `read of ${show(values, op.observes)}`;
  if (op.kind === WRITE) return `write of ${show(values, op.writes)}`;
  return `cas from ${show(values, op.observes)} to ${show(values, op.writes)}`;
}

function evidenceOp(op: RegisterOp) {
  const done = op.source.completion;
  return {
    process: op.source.process,
    f: op.source.f,
    type: done ? done.type : "pending",
    value: done?.type === "ok" ? done.value : op.source.invoke.value,
    startUs: op.source.invoke.timeUs,
    endUs: done ? done.timeUs : null,
    node: op.source.invoke.node,
  };
}

/** The violation on one key, in words and evidence. */
function explainViolation(failure: KeyFailure, values: readonly unknown[], budget: Budget) {
  const { history } = failure;
  const shrunk = shrinkViolation(history.ops, failure.frontier, budget, failure.reuse);
  const { culprit, from } = shrunk;
  let ops = [...shrunk.ops].sort((a, b) => a.call - b.call);
  let omitted = 0;
  if (ops.length > MAX_EVIDENCE_OPS) {
    // Keep the operations nearest the impossible one (or the start, if unknown).
    const anchor = culprit ? ops.indexOf(culprit) : 0;
    const first = Math.max(0, Math.min(anchor - MAX_EVIDENCE_OPS + 1, ops.length - MAX_EVIDENCE_OPS));
    omitted = ops.length - MAX_EVIDENCE_OPS;
    ops = ops.slice(first, first + MAX_EVIDENCE_OPS);
  }
  const key = JSON.stringify(history.key);
  if (!culprit) {
    return {
      reason: `key ${key}: no order of its ${history.ops.length} operations is linearizable (the budget ran out before the failing part could be isolated)`,
      evidence: { key: history.key, operations: ops.map(evidenceOp), ...(omitted > 0 ? { omittedOperations: omitted } : {}), minimal: false },
    };
  }

  // Context from the whole key: the last write that completed before the
  // impossible operation began, and the latest write of the value it saw.
  let lastWrite: RegisterOp | undefined;
  let source: RegisterOp | undefined;
  for (const o of history.ops) {
    if (o.writes !== NONE && o.definite && o.ret < culprit.call && (!lastWrite || o.ret > lastWrite.ret)) lastWrite = o;
    if (culprit.observes !== NONE && o.writes === culprit.observes && o.call < culprit.ret && (!source || o.call > source.call)) source = o;
  }
  const context: string[] = [];
  if (culprit.observes !== NONE && culprit.observes !== ABSENT && !source) context.push(`nothing wrote ${show(values, culprit.observes)} to this key before it`);
  context.push(
    lastWrite
      ? `the last completed write was ${show(values, lastWrite.writes)}${lastWrite.kind === CAS ? `, by a cas from ${show(values, lastWrite.observes)}` : ""}`
      : "no write had completed before it",
  );
  const window = from ? `, whatever the key held at ${seconds(from.source.invoke.timeUs)},` : "";
  let reason = `key ${key}: no order of these ${shrunk.ops.length} operations${window} explains the ${describeOp(values, culprit)} by process ${culprit.source.process} at ${seconds(culprit.source.invoke.timeUs)} (${context.join("; ")})`;
  if (!shrunk.complete) reason += "; the evidence may not be minimal (the budget ran out while shrinking it)";
  return {
    reason,
    evidence: {
      key: history.key,
      impossible: evidenceOp(culprit),
      ...(lastWrite ? { lastCompletedWrite: values[lastWrite.writes] ?? null } : {}),
      ...(source && !shrunk.ops.includes(source) ? { valueWrittenBy: evidenceOp(source) } : {}),
      // Evidence cut at the front starts from any value at startsAtUs; otherwise from an absent key.
      initialValue: from ? "any" : "absent",
      ...(from ? { startsAtUs: from.source.invoke.timeUs } : {}),
      operations: ops.map(evidenceOp),
      ...(omitted > 0 ? { omittedOperations: omitted } : {}),
      minimal: shrunk.complete,
    },
  };
}

/** Checks that every key of a lin-kv history behaves as a linearizable register. */
export function checkLinearizable(events: readonly HistoryEvent[], ctx: CheckContext, now: () => number = () => performance.now()): CheckResult {
  const startedMs = now();
  const budget: Budget = { deadlineMs: startedMs + ctx.budgetMs, now, steps: 0 };
  const { keys, counts, values } = splitByKey(events);
  if (counts.ok === 0) {
    return {
      verdict: "FAIL",
      reason: noneAcknowledged("read, write or cas", counts.operations, `succeeded (${counts.fail} failed, ${counts.indeterminate} got no definite answer)`),
      evidence: counts,
    };
  }

  // Small keys first: they settle quickly, so a budget spent on one hard key
  // still leaves the others decided.
  const ordered = [...keys].sort((a, b) => a.ops.length - b.ops.length);
  const failing: KeyFailure[] = [];
  const undecided: KeyHistory[] = [];
  for (const history of ordered) {
    if (now() >= budget.deadlineMs) {
      undecided.push(history);
      continue;
    }
    // With indeterminate operations, the relaxed search first: it proves most
    // violations at once, where the exact one may have to explore a lot.
    const reuse = history.ops.some((o) => o.ret === Infinity);
    if (reuse) {
      const relaxed = searchRegister(history.ops, budget, ABSENT, true);
      if (relaxed.outcome === "violation") {
        failing.push({ history, frontier: relaxed.frontier, reuse });
        continue;
      }
      if (relaxed.outcome === "timeout") {
        undecided.push(history);
        continue;
      }
    }
    const { outcome, frontier } = searchRegister(history.ops, budget);
    if (outcome === "violation") failing.push({ history, frontier, reuse: false });
    else if (outcome === "timeout") undecided.push(history);
  }
  const summary = { ...counts, keys: keys.length, searchSteps: budget.steps };

  if (failing.length > 0) {
    // The verdict is proved; the evidence may use what is left of the budget,
    // and at least a share of it.
    budget.deadlineMs = Math.max(budget.deadlineMs, now() + ctx.budgetMs * SHRINK_MIN_BUDGET_SHARE);
    const { reason, evidence } = explainViolation(failing[0]!, values, budget);
    const others = failing.length - 1;
    return {
      verdict: "FAIL",
      reason: others > 0 ? `${reason}; ${others} other key${others === 1 ? "" : "s"} also fail${others === 1 ? "s" : ""}` : reason,
      evidence: {
        ...evidence,
        failingKeys: failing.slice(0, 20).map((f) => f.history.key),
        ...(undecided.length > 0 ? { undecidedKeys: undecided.slice(0, 20).map((h) => h.key) } : {}),
        summary,
      },
    };
  }
  if (undecided.length > 0) {
    const undecidedOps = undecided.reduce((sum, h) => sum + h.ops.length, 0);
    return {
      verdict: "UNKNOWN",
      reason: `could not decide linearizability within the ${ctx.budgetMs} ms budget: ${undecided.length} of ${keys.length} keys (${undecidedOps} operations) were not settled; the other keys are linearizable`,
      evidence: { ...summary, budgetMs: ctx.budgetMs, undecidedKeys: undecided.slice(0, 20).map((h) => h.key) },
    };
  }
  const notAcknowledged = counts.fail + counts.indeterminate;
  return {
    verdict: "PASS",
    reason: `all ${counts.ok} acknowledged operations on ${keys.length} key${keys.length === 1 ? "" : "s"} are linearizable${notAcknowledged > 0 ? ` (${counts.fail} failed and ${counts.indeterminate} indeterminate operations taken into account)` : ""}`,
    evidence: summary,
  };
}
