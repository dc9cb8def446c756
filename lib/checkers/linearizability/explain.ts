// A lin-kv violation explained: the failing key's history shrunk to a small
// sub-history that is itself not linearizable (shrink.ts), the operation
// whose completion made it impossible, and the context a student needs (the
// last completed write, where the value it saw came from), in words and as
// evidence for the report's counterexample.
import type { Operation } from "../../history.js";
import type { EvidenceOp, LinearizabilityEvidence } from "../evidence.js";
import type { SearchOp } from "./model.js";
import { ABSENT, CAS, MISMATCH, NONE, READ, registerModel, WRITE, type RegisterInput } from "./register.js";
import type { Budget } from "./search.js";
import { shrinkViolation } from "./shrink.js";

/** At most this many operations are kept in the evidence. */
const MAX_EVIDENCE_OPS = 50;

/** One operation on one key: what the register model sees, and the history's operation it came from. */
export type KeyOp = SearchOp<RegisterInput> & { source: Operation };

/** One key's operations. */
export interface KeyHistory {
  key: unknown;
  ops: KeyOp[];
}

/** A key proved not linearizable: where its search got stuck, and under which semantics. */
export interface KeyFailure {
  history: KeyHistory;
  frontier: number;
  /** Proved with indeterminate operations reusable (see searchLinearization), which the shrinking keeps. */
  reuse: boolean;
}

const seconds = (us: number) => `${(us / 1_000_000).toFixed(3)} s`;

function show(values: readonly unknown[], id: number): string {
  return JSON.stringify(values[id] ?? null);
}

function describeOp(values: readonly unknown[], { input: op, source }: KeyOp): string {
  const casArgument = () => (Array.isArray(source.invoke.value) && Array.isArray(source.invoke.value[1]) ? (source.invoke.value[1] as unknown[]) : []);
  // Failures that saw something: what they were answered, and what that says.
  if (source.completion?.type === "fail") {
    const [from, to] = casArgument().map((v) => JSON.stringify(v ?? null));
    if (op.kind === MISMATCH) return `cas from ${from} to ${to} refused with error 22 (the key did not hold ${from})`;
    return `${source.f === "cas" ? `cas from ${from} to ${to}` : "read"} answered with error 20 (key does not exist)`;
  }
  if (op.kind === READ) return op.observes === ABSENT ? "read that found the key absent" : `read of ${show(values, op.observes)}`;
  if (op.kind === WRITE) return `write of ${show(values, op.writes)}`;
  return `cas from ${show(values, op.observes)} to ${show(values, op.writes)}`;
}

function evidenceOp(op: KeyOp): EvidenceOp {
  const done = op.source.completion;
  return {
    process: op.source.process,
    f: op.source.f,
    // A completion is never an invocation.
    type: done ? (done.type as EvidenceOp["type"]) : "pending",
    value: done?.type === "ok" ? done.value : op.source.invoke.value,
    startUs: op.source.invoke.timeUs,
    endUs: done ? done.timeUs : null,
    node: op.source.invoke.node,
    ...(done?.error ? { error: done.error } : {}),
  };
}

/** The violation on one key, in words and evidence: shrunk to a small failing sub-history first. */
export function explainViolation(failure: KeyFailure, values: readonly unknown[], budget: Budget): { reason: string; evidence: Omit<LinearizabilityEvidence, "kind"> } {
  const { history } = failure;
  const shrunk = shrinkViolation(registerModel, history.ops, failure.frontier, budget, failure.reuse);
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
  let lastWrite: KeyOp | undefined;
  let source: KeyOp | undefined;
  // A refused cas (MISMATCH) saw "not this value": no write is its source.
  const observesValue = culprit.input.observes !== NONE && culprit.input.kind !== MISMATCH;
  for (const o of history.ops) {
    if (o.input.writes !== NONE && o.definite && o.ret < culprit.call && (!lastWrite || o.ret > lastWrite.ret)) lastWrite = o;
    if (observesValue && o.input.writes === culprit.input.observes && o.call < culprit.ret && (!source || o.call > source.call)) source = o;
  }
  const context: string[] = [];
  if (observesValue && culprit.input.observes !== ABSENT && !source) context.push(`nothing wrote ${show(values, culprit.input.observes)} to this key before it`);
  context.push(
    lastWrite
      ? `the last completed write was ${show(values, lastWrite.input.writes)}${lastWrite.input.kind === CAS ? `, by a cas from ${show(values, lastWrite.input.observes)}` : ""}`
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
      ...(lastWrite ? { lastCompletedWrite: values[lastWrite.input.writes] ?? null } : {}),
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
