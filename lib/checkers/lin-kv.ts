// lin-kv: every key must behave as one linearizable register with read, write
// and compare-and-set. Invariant: PASS only when a linearization of every
// key's sub-history was found; a search cut short by the budget gives
// UNKNOWN, and FAIL only when the search proved that no order exists.
//
// The history format is lin-kv's (lib/workloads/lin-kv/). Linearizability
// is compositional (Herlihy & Wing's locality), so each key is checked on its
// own: the history is split by key into register histories, and each is
// searched over the register model (linearizability/register.ts) by the
// generic search (linearizability/search.ts, Wing & Gong's with Lowe's
// memoisation, as in Porcupine).
//
// Semantics: an `ok` operation took effect once between its invocation and its
// completion; a `fail` operation never changed the key, but one refused with
// error 20 (key does not exist) saw the key absent and a cas refused with 22
// saw a value other than its `from`, each at one point between invocation and
// completion (register.ts: an observation that changes nothing; Maelstrom,
// through Knossos, drops every `fail`, and so passes a read answered 20 after
// an acknowledged write, a lost write); any other `fail` never took effect
// (dropped); an `info`
// operation, or one never completed, may have taken effect once at any time
// after its invocation, or never (its return is at +infinity and it may be
// left out). Every key starts absent (null); reads of an absent key come back
// as error 20, a definite `fail`, so an `ok` read of null is only explained
// while the key is absent. An operation other than read, write and cas, or a
// value of the wrong shape, is refused (MalformedHistoryError) naming the
// event: skipping it could hide a violation.
//
// On FAIL the evidence is a small sub-history of the failing key that is
// itself not linearizable and that was reached from the real history only by
// steps that cannot hide a linearization (linearizability/shrink.ts), so it
// is a faithful explanation rather than an artefact of cutting the history
// (linearizability/explain.ts).
import type { HistoryEvent, Operation } from "../history.js";
import { explainViolation, type KeyFailure, type KeyHistory } from "./linearizability/explain.js";
import { ABSENT, CAS, MISMATCH, NONE, READ, registerModel, WRITE, type RegisterKind } from "./linearizability/register.js";
import { searchLinearization, type Budget } from "./linearizability/search.js";
import type { LinearizabilityEvidence } from "./evidence.js";
import { DEFAULT_CHECK_MEMORY_MB } from "./index.js";
import { MalformedHistoryError, noneAcknowledged, type CheckContext, type CheckResult } from "./types.js";

/** After a proved violation, shrinking its evidence may use at least this share of the budget. */
const SHRINK_MIN_BUDGET_SHARE = 0.1;

interface Split {
  keys: KeyHistory[];
  /** observingFailures: failed operations that saw something of the key (error 20 or 22), among `fail`. */
  counts: { operations: number; ok: number; fail: number; indeterminate: number; observingFailures: number };
  /** Interned value → the value itself, for messages. */
  values: unknown[];
}

/** How a definite failure bears on its key: what it saw, or nothing (it never took effect). */
function failureObservation(op: Operation): { kind: RegisterKind; observes: "absent" | "from" } | null {
  const code = op.completion?.error?.code;
  // 20: key does not exist (read or cas: either read the key's absence); 22: precondition failed (cas only).
  if (code === 20 && (op.f === "read" || op.f === "cas")) return { kind: READ, observes: "absent" };
  if (code === 22 && op.f === "cas") return { kind: MISMATCH, observes: "from" };
  return null;
}

/** The event's value as [key, argument], or a refusal naming the event. */
function pairOf(event: HistoryEvent, what: string): [unknown, unknown] {
  const value = event.value;
  if (!Array.isArray(value) || value.length !== 2 || value[0] === undefined || value[0] === null) {
    throw new MalformedHistoryError(event, `${what} must be a pair [key, ${event.f === "cas" ? "[from, to]" : "value"}], got ${JSON.stringify(value) ?? "nothing"}`);
  }
  return value as [unknown, unknown];
}

/** As pairOperations (the next event of a process completes its invocation), with the events' positions. */
function pairWithPositions(events: readonly HistoryEvent[]): Array<{ op: Operation; call: number; ret: number }> {
  const paired: Array<{ op: Operation; call: number; ret: number }> = [];
  // By process number (small integers from 0): an array is cheaper than a Map here.
  const open: Array<{ op: Operation; call: number; ret: number } | undefined> = [];
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    if (event.type === "invoke") {
      const entry = { op: { process: event.process, f: event.f, invoke: event } as Operation, call: i, ret: Infinity };
      open[event.process] = entry;
      paired.push(entry);
    } else {
      const entry = open[event.process];
      if (entry) {
        entry.op.completion = event;
        entry.ret = i;
        open[event.process] = undefined;
      }
    }
  }
  return paired;
}

/** Values and keys as small integers: numbers directly, anything else by its JSON text. */
class Interned<T> {
  private readonly numbers = new Map<number, T>();
  private readonly others = new Map<string, T>();
  get(value: unknown): T | undefined {
    return typeof value === "number" ? this.numbers.get(value) : this.others.get(JSON.stringify(value ?? null));
  }
  set(value: unknown, id: T): void {
    if (typeof value === "number") this.numbers.set(value, id);
    else this.others.set(JSON.stringify(value ?? null), id);
  }
}

function splitByKey(events: readonly HistoryEvent[]): Split {
  const valueIds = new Interned<number>();
  valueIds.set(null, ABSENT);
  const values: unknown[] = [null];
  const intern = (value: unknown): number => {
    let id = valueIds.get(value);
    if (id === undefined) {
      id = values.length;
      valueIds.set(value, id);
      values.push(value);
    }
    return id;
  };
  const byKey = new Interned<KeyHistory>();
  const keys: KeyHistory[] = [];
  const counts = { operations: 0, ok: 0, fail: 0, indeterminate: 0, observingFailures: 0 };
  for (const { op, call, ret } of pairWithPositions(events)) {
    if (op.f !== "read" && op.f !== "write" && op.f !== "cas") {
      throw new MalformedHistoryError(op.invoke, `lin-kv has no operation ${JSON.stringify(op.f)} (its operations are read, write and cas)`);
    }
    const [key, argument] = pairOf(op.invoke, "the invocation's value");
    if (op.f === "cas" && (!Array.isArray(argument) || argument.length !== 2)) {
      throw new MalformedHistoryError(op.invoke, `a cas's argument must be a pair [from, to], got ${JSON.stringify(argument) ?? "nothing"}`);
    }
    const done = op.completion;
    if (done && done.f !== op.f) throw new MalformedHistoryError(done, `completes process ${op.process}'s ${JSON.stringify(op.f)}, invoked at event ${op.invoke.index}, as another operation`);
    counts.operations++;
    let observation: ReturnType<typeof failureObservation> = null;
    if (done?.type === "fail") {
      counts.fail++;
      observation = failureObservation(op);
      if (!observation) continue;
      counts.observingFailures++;
    }
    const definite = done?.type === "ok" || done?.type === "fail";
    if (done?.type === "ok") counts.ok++;
    else if (!definite) counts.indeterminate++;
    // A read that may or may not have happened tells nothing.
    if (op.f === "read" && !definite) continue;
    let kind: RegisterKind;
    let observes = NONE;
    let writes = NONE;
    if (observation) {
      kind = observation.kind;
      observes = observation.observes === "absent" ? ABSENT : intern((argument as unknown[])[0]);
    } else if (op.f === "read") {
      kind = READ;
      const [readKey, read] = pairOf(done!, "an ok read's value");
      if (readKey !== key && JSON.stringify(readKey) !== JSON.stringify(key)) throw new MalformedHistoryError(done!, `an ok read of key ${JSON.stringify(key)} answered for key ${JSON.stringify(readKey)}`);
      observes = intern(read);
    } else if (op.f === "write") {
      kind = WRITE;
      writes = intern(argument);
    } else {
      kind = CAS;
      const [from, to] = argument as [unknown, unknown];
      observes = intern(from);
      writes = intern(to);
    }
    let history = byKey.get(key);
    if (!history) {
      history = { key, ops: [] };
      byKey.set(key, history);
      keys.push(history);
    }
    history.ops.push({ input: { kind, observes, writes }, definite, call, ret: definite ? ret : Infinity, source: op });
  }
  return { keys, counts, values };
}

/** Checks that every key of a lin-kv history behaves as a linearizable register. */
export function checkLinearizable(events: readonly HistoryEvent[], ctx: CheckContext, now: () => number = () => performance.now()): CheckResult<LinearizabilityEvidence> {
  const startedMs = now();
  const memoryBudgetMb = ctx.memoryBudgetMb ?? DEFAULT_CHECK_MEMORY_MB;
  const budget: Budget = { deadlineMs: startedMs + ctx.budgetMs, now, steps: 0, memoryLimitBytes: memoryBudgetMb * 2 ** 20 };
  const { keys, counts, values } = splitByKey(events);
  if (counts.ok === 0) {
    return {
      verdict: "FAIL",
      reason: noneAcknowledged("read, write or cas", counts.operations, `succeeded (${counts.fail} failed, ${counts.indeterminate} got no definite answer)`),
      evidence: { kind: "linearizability", ...counts },
    };
  }

  // Small keys first: they settle quickly, so a budget spent on one hard key
  // still leaves the others decided.
  const ordered = [...keys].sort((a, b) => a.ops.length - b.ops.length);
  const failing: KeyFailure[] = [];
  const undecided: KeyHistory[] = [];
  // Keys left undecided because one search's memo outgrew the memory budget
  // (the others ran out of time): each search has the whole memory budget.
  let outOfMemory = 0;
  const undecide = (history: KeyHistory) => {
    undecided.push(history);
    if (budget.exhausted === "memory") outOfMemory++;
    budget.exhausted = undefined;
  };
  for (const history of ordered) {
    if (now() >= budget.deadlineMs) {
      undecided.push(history);
      continue;
    }
    // With indeterminate operations, the relaxed search first: it proves most
    // violations at once, where the exact one may have to explore a lot.
    const reuse = history.ops.some((o) => o.ret === Infinity);
    if (reuse) {
      const relaxed = searchLinearization(registerModel, history.ops, budget, ABSENT, true);
      if (relaxed.outcome === "violation") {
        failing.push({ history, frontier: relaxed.frontier, reuse });
        continue;
      }
      if (relaxed.outcome === "undecided") {
        undecide(history);
        continue;
      }
    }
    const { outcome, frontier } = searchLinearization(registerModel, history.ops, budget);
    if (outcome === "violation") failing.push({ history, frontier, reuse: false });
    else if (outcome === "undecided") undecide(history);
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
        kind: "linearizability",
        ...evidence,
        failingKeys: failing.slice(0, 20).map((f) => f.history.key),
        ...(undecided.length > 0 ? { undecidedKeys: undecided.slice(0, 20).map((h) => h.key) } : {}),
        summary,
      },
    };
  }
  if (undecided.length > 0) {
    const undecidedOps = undecided.reduce((sum, h) => sum + h.ops.length, 0);
    const outOfTime = undecided.length - outOfMemory;
    const budgets = [
      ...(outOfTime > 0 ? [`the ${ctx.budgetMs} ms budget${outOfMemory > 0 ? ` (${outOfTime} keys)` : ""}`] : []),
      ...(outOfMemory > 0 ? [`the ${memoryBudgetMb} MB memory budget of a search${outOfTime > 0 ? ` (${outOfMemory} keys)` : ""}`] : []),
    ];
    return {
      verdict: "UNKNOWN",
      reason: `could not decide linearizability within ${budgets.join(" and ")}: ${undecided.length} of ${keys.length} keys (${undecidedOps} operations) were not settled; the other keys are linearizable`,
      evidence: {
        kind: "linearizability",
        ...summary,
        budgetMs: ctx.budgetMs,
        memoryBudgetMb,
        ...(outOfMemory > 0 ? { keysOverMemoryBudget: outOfMemory } : {}),
        undecidedKeys: undecided.slice(0, 20).map((h) => h.key),
      },
    };
  }
  const notAcknowledged = counts.fail + counts.indeterminate;
  return {
    verdict: "PASS",
    reason: `all ${counts.ok} acknowledged operations on ${keys.length} key${keys.length === 1 ? "" : "s"} are linearizable${notAcknowledged > 0 ? ` (${counts.fail} failed and ${counts.indeterminate} indeterminate operations taken into account)` : ""}`,
    evidence: { kind: "linearizability", ...summary },
  };
}
