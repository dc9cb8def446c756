// unique-ids: every id acknowledged with generate_ok must differ from every
// other (ids may be any JSON value; two ids are the same when their JSON text
// is), every generate_ok must carry an id, and at least one generate must
// have succeeded.
import { pairOperations, type HistoryEvent } from "../history.js";
import type { UniqueIdsEvidence } from "./evidence.js";
import { noneAcknowledged, type CheckResult } from "./types.js";

const MAX_EXAMPLES = 5;

interface Issued {
  node: string;
  process: number;
  invokedUs: number;
  completedUs: number;
}

export function checkUniqueIds(events: readonly HistoryEvent[]): CheckResult<UniqueIdsEvidence> {
  const ops = pairOperations(events).filter((op) => op.f === "generate");
  let fail = 0;
  let info = 0;
  const firstById = new Map<string, Issued>();
  const duplicates: Array<{ id: unknown; first: Issued; second: Issued }> = [];
  const duplicatedIds = new Set<string>();
  const missing: Issued[] = [];
  for (const op of ops) {
    const done = op.completion;
    if (!done || done.type === "info") {
      info++;
      continue;
    }
    if (done.type === "fail") {
      fail++;
      continue;
    }
    const issued: Issued = { node: op.invoke.node, process: op.process, invokedUs: op.invoke.timeUs, completedUs: done.timeUs };
    if (done.value === undefined || done.value === null) {
      missing.push(issued);
      continue;
    }
    const key = JSON.stringify(done.value);
    const first = firstById.get(key);
    if (first) {
      duplicatedIds.add(key);
      duplicates.push({ id: done.value, first, second: issued });
    } else {
      firstById.set(key, issued);
    }
  }
  const ok = ops.length - fail - info;
  const counts = { kind: "unique-ids" as const, operations: ops.length, ok, fail, info, distinctIds: firstById.size, duplicatedIds: duplicatedIds.size, withoutId: missing.length };
  if (missing.length > 0) {
    return {
      verdict: "FAIL",
      reason: `${missing.length} generate_ok repl${missing.length === 1 ? "y" : "ies"} carried no id (e.g. from ${missing[0]!.node})`,
      evidence: { ...counts, examples: missing.slice(0, MAX_EXAMPLES) },
    };
  }
  if (duplicates.length > 0) {
    const { id, first, second } = duplicates[0]!;
    return {
      verdict: "FAIL",
      reason:
        `${duplicatedIds.size} id${duplicatedIds.size === 1 ? " was" : "s were"} handed out more than once among ${ok} generated; ` +
        `e.g. ${JSON.stringify(id)} came from ${first.node} and again from ${second.node}`,
      evidence: { ...counts, examples: duplicates.slice(0, MAX_EXAMPLES) },
    };
  }
  if (ok === 0) {
    return {
      verdict: "FAIL",
      reason: noneAcknowledged("generate", ops.length, `was answered with generate_ok (${fail} failed, ${info} got no reply)`),
      evidence: counts,
    };
  }
  return {
    verdict: "PASS",
    reason: `all ${ok} generated ids are distinct${info + fail > 0 ? ` (${info + fail} requests were not acknowledged)` : ""}`,
    evidence: counts,
  };
}
