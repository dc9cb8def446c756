// echo: every acknowledged echo must return exactly the text that was sent,
// and at least one operation must have succeeded (a node that never answers
// cannot pass by saying nothing wrong).
import { pairOperations, type HistoryEvent } from "../history.js";
import type { EchoEvidence } from "./evidence.js";
import { noneAcknowledged, type CheckResult } from "./types.js";

const MAX_EXAMPLES = 5;

export function checkEcho(events: readonly HistoryEvent[]): CheckResult<EchoEvidence> {
  const ops = pairOperations(events).filter((op) => op.f === "echo");
  let ok = 0;
  let fail = 0;
  let info = 0;
  const mismatches: Array<{ sent: unknown; received: unknown; node: string; timeUs: number }> = [];
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
    ok++;
    if (done.value !== op.invoke.value) {
      mismatches.push({ sent: op.invoke.value, received: done.value, node: op.invoke.node, timeUs: op.invoke.timeUs });
    }
  }
  const counts = { kind: "echo" as const, operations: ops.length, ok, fail, info, mismatched: mismatches.length };
  if (mismatches.length > 0) {
    const first = mismatches[0]!;
    return {
      verdict: "FAIL",
      reason: `${mismatches.length} of ${ok} acknowledged echoes returned a different text; e.g. node ${first.node} was sent ${JSON.stringify(first.sent)} and replied ${JSON.stringify(first.received)}`,
      evidence: { ...counts, examples: mismatches.slice(0, MAX_EXAMPLES) },
    };
  }
  if (ok === 0) {
    return {
      verdict: "FAIL",
      reason: noneAcknowledged("echo", ops.length, `was answered with echo_ok (${fail} failed, ${info} got no reply)`),
      evidence: counts,
    };
  }
  return {
    verdict: "PASS",
    reason: `all ${ok} acknowledged echoes returned the text sent${info + fail > 0 ? ` (${info + fail} requests were not acknowledged)` : ""}`,
    evidence: counts,
  };
}
