// The linearizability search, generic over a model (model.ts): Wing & Gong's
// search with Lowe's memoisation, as in Porcupine. The calls and returns of
// one partition's operations sit in a doubly-linked list in history order;
// the search repeatedly linearizes a call that comes before the first pending
// return, and backtracks when it reaches a return it cannot satisfy; a
// (linearized set, state) pair seen before is never explored twice.
//
// Semantics: a definite operation took effect once between its invocation and
// its completion; an indefinite one (info, or never completed: its return is
// at +infinity) may have taken effect once at any time after its invocation,
// or never. Invariant: "linearizable" only when an order was found,
// "violation" only when the search proved none exists, "undecided" when the
// budget (time, or memory for the memo) ran out first.
import { INVALID, type Model, type SearchOp } from "./model.js";

/** The clock is read once per this many search steps (a power of two). */
const CLOCK_EVERY_STEPS = 4096;
/** End of the entry list. */
const NIL = -1;
/** Entries are sorted packed as (position × 2 + return?) × OP_SPAN + operation, exact while below 2^53 (else compared). */
const OP_SPAN = 2 ** 21;
const MAX_POSITION = 2 ** 31;

/**
 * A plain array of small integers: a search allocates a dozen per call, and
 * for the short partitions most searches see (and the shrinking's many
 * trials) typed arrays cost more to allocate than they save.
 */
function ints(length: number, value = 0): number[] {
  return new Array<number>(length).fill(value);
}
/**
 * What one memo entry holds in V8, estimated: the hash table's slot (with
 * the table's spare room) and the key string's header (plus two bytes per
 * character), and with indeterminate operations the typed array of counts
 * (plus four bytes a class). Measured against the heap (2k operations on one
 * key from 40 clients: 4.3 M entries, 387 MB of heap, 94 bytes each).
 */
const MEMO_ENTRY_BYTES = 80;
const MEMO_COUNTS_BYTES = 120;
/** Below every state a model uses (its INVALID and "any" states are small negatives): memo keys encode states from here. */
const INVALID_OR_BELOW = -16;

export interface SearchResult {
  outcome: "linearizable" | "violation" | "undecided";
  /**
   * The latest return the search ever got stuck at. On a violation, the
   * definite operation returning there is the one whose completion made the
   * history impossible: some order explains every operation that returned
   * before it, and none explains it too.
   */
  frontier: number;
}

export interface Budget {
  deadlineMs: number;
  now: () => number;
  steps: number;
  /** What one search's memo may hold, in bytes (estimated; see MEMO_ENTRY_BYTES). */
  memoryLimitBytes: number;
  /** Which budget an undecided search ran out of (the last one to). */
  exhausted?: "time" | "memory";
}

/**
 * Searches for a linearization of one partition's operations from `initial`
 * (the model's initial state, or its "any" state for a history cut at the
 * front).
 *
 * With `reuse`, an unbounded operation (info, never completed) may take effect
 * any number of times after its invocation instead of at most once. That is a
 * relaxation: every linearization of the history is one of the relaxed
 * history too, so a violation of the relaxed history is a violation of the
 * history. It is cheap to search (only the register state and the bounded
 * operations taken matter), so it proves most violations that the exact
 * search, with many indeterminate operations, could not finish proving.
 */
export function searchLinearization<I>(model: Model<I>, ops: readonly SearchOp<I>[], budget: Budget, initial = model.initial, reuse = false): SearchResult {
  // An operation that may be left out and changes nothing constrains nothing.
  const relevant = ops.filter((o) => o.definite || !model.isObserver(o.input));
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
  // history order (a call before a return at the same position, then in
  // operation order). Sorted as numbers (position, return?, operation) packed
  // into one double, exact below 2^53: no objects and no comparator.
  const entryCount = n + nBounded;
  const sortedOp = ints(entryCount);
  const sortedIsReturn = ints(entryCount);
  if (n < OP_SPAN && all.every((o) => o.call < MAX_POSITION && (o.ret === Infinity || o.ret < MAX_POSITION))) {
    const packed = new Float64Array(entryCount);
    for (let i = 0; i < n; i++) {
      packed[i] = all[i]!.call * 2 * OP_SPAN + i;
      if (i < nBounded) packed[n + i] = (all[i]!.ret * 2 + 1) * OP_SPAN + i;
    }
    packed.sort();
    for (let k = 0; k < entryCount; k++) {
      sortedOp[k] = packed[k]! % OP_SPAN;
      sortedIsReturn[k] = Math.floor(packed[k]! / OP_SPAN) % 2;
    }
  } else {
    // Too long a history or too late a position to pack: the same order by comparison.
    const order: number[] = [];
    for (let e = 0; e < entryCount; e++) order.push(e);
    const time = (e: number) => (e < n ? all[e]!.call : all[e - n]!.ret);
    order.sort((a, b) => time(a) - time(b) || Number(a >= n) - Number(b >= n) || a - b);
    order.forEach((e, k) => {
      sortedOp[k] = e < n ? e : e - n;
      sortedIsReturn[k] = e < n ? 0 : 1;
    });
  }
  // Node 0 is the list head; nodes 1..entryCount are the entries.
  const next = ints(entryCount + 1);
  const prev = ints(entryCount + 1);
  const entryOp = ints(entryCount + 1);
  const entryIsCall = ints(entryCount + 1);
  const callNode = ints(n);
  const returnNode = ints(n, NIL);
  for (let node = 1; node <= entryCount; node++) {
    const op = sortedOp[node - 1]!;
    const isReturn = sortedIsReturn[node - 1] === 1;
    entryOp[node] = op;
    entryIsCall[node] = isReturn ? 0 : 1;
    if (isReturn) returnNode[op] = node;
    else callNode[op] = node;
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
  const lastConcurrent = ints(nBounded);
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
  const classOf = ints(n);
  const classPrevious = ints(n, NIL);
  const classIds = new Map<string, number>();
  const lastOfClass: number[] = [];
  for (let o = nBounded; o < n; o++) {
    const op = all[o]!;
    const name = model.effectClass(op.input);
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

  const taken = ints(n);
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
  // The key as 16-bit characters, built flat in one call (a string grown by
  // concatenation is a tree of pieces, several times the size): the state and
  // p (two characters each), then which operations of p's window are taken,
  // sixteen to a character (the window's length follows from p).
  const keyCodes: number[] = [];
  const memoKey = (state: number): string => {
    const s = state - INVALID_OR_BELOW;
    const last = lastConcurrent[p]!;
    // The usual short window without an array.
    if (last - p <= 16) {
      let bits = 0;
      for (let j = p + 1; j <= last; j++) if (taken[j]) bits |= 1 << (j - p - 1);
      return String.fromCharCode(s & 0xffff, s >>> 16, p & 0xffff, p >>> 16, bits);
    }
    keyCodes.length = 0;
    keyCodes.push(s & 0xffff, s >>> 16, p & 0xffff, p >>> 16);
    for (let base = p + 1; base <= last; base += 16) {
      let bits = 0;
      const end = Math.min(last, base + 15);
      for (let j = base; j <= end; j++) if (taken[j]) bits |= 1 << (j - base);
      keyCodes.push(bits);
    }
    return String.fromCharCode.apply(null, keyCodes);
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
  const pure = ints(n);
  for (let o = 0; o < n; o++) if (all[o]!.definite && model.isObserver(all[o]!.input)) pure[o] = 1;
  // Memo: for each (state, bounded operations taken), the counts of unbounded
  // ones taken in configurations already explored. A configuration that took
  // at least as many of every class as one explored has fewer options left
  // and nothing more to offer (what it can do, that one could do too).
  const seen = new Map<string, Int32Array[]>();
  // Without indeterminate operations (or with reuse) a key is all there is to remember.
  const seenKeys = new Set<string>();
  let memoBytes = 0;
  const visit = (key: string): boolean => {
    if (classCount === 0 || reuse) {
      // One hash lookup: the set grows only by a key not seen before.
      const size = seenKeys.size;
      if (seenKeys.add(key).size === size) return false;
      memoBytes += MEMO_ENTRY_BYTES + 2 * key.length;
      return true;
    }
    const explored = seen.get(key);
    if (!explored) {
      seen.set(key, [classTaken.slice()]);
      memoBytes += MEMO_ENTRY_BYTES + 2 * key.length + MEMO_COUNTS_BYTES + 4 * classCount;
      return true;
    }
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
    memoBytes += MEMO_COUNTS_BYTES + 4 * classCount;
    return true;
  };
  // A path takes each operation once, or with reuse, between two bounded
  // operations, reusable ones leading to distinct states (a repeated state
  // would repeat a memo key): at most one per state they can reach, plus the start.
  const maxDepth = reuse ? (nBounded + 1) * (model.stateBound(all.map((o) => o.input)) + 1) : n;
  const stackNode = ints(maxDepth);
  const stackState = ints(maxDepth);
  const stackForced = ints(maxDepth);
  let depth = 0;
  let frontier = -1;
  let state = initial;
  let entry = next[0]!;
  for (;;) {
    budget.steps++;
    if ((budget.steps & (CLOCK_EVERY_STEPS - 1)) === 0) {
      if (budget.now() >= budget.deadlineMs) {
        budget.exhausted = "time";
        return { outcome: "undecided", frontier };
      }
      if (memoBytes > budget.memoryLimitBytes) {
        budget.exhausted = "memory";
        return { outcome: "undecided", frontier };
      }
    }
    let backtrack = true;
    if (entry !== NIL) {
      const o = entryOp[entry]!;
      const isCall = entryIsCall[entry] === 1;
      // A call: linearize the operation now, if the register allows it. A
      // return of an optional operation: leave it out. A definite return: stop.
      const inTurn = o < nBounded || reuse || classPrevious[o] === NIL || taken[classPrevious[o]!] === 1;
      const after = !isCall ? (all[o]!.definite ? INVALID : state) : inTurn ? model.step(state, all[o]!.input) : INVALID;
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
