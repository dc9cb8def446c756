// Counter bounds, for g-counter and pn-counter (eventually consistent
// counters, as Maelstrom defines them):
//   final reads  each node's final read must equal the sum of the acknowledged
//                adds plus the deltas of some subset of the indeterminate ones
//                (info, or no completion). Failed adds (definite errors) count
//                for nothing. The acceptable values are computed exactly, as a
//                set of integer ranges.
//   other reads  may be stale (eventual consistency), so a read may include any
//                subset of the adds invoked before it completed, acknowledged or
//                not: its value must lie between the sum of their negative deltas
//                and the sum of their positive deltas. This catches invented and
//                double-counted increments, never a merely stale read.
// Every node must answer its final read, and at least one add must succeed.
import { pairOperations, type HistoryEvent } from "../history.js";
import type { CounterEvidence } from "./evidence.js";
import { noneAcknowledged, type CheckContext, type CheckResult } from "./types.js";

const MAX_EXAMPLES = 5;
/** Past this many disjoint ranges the acceptable set is widened to its hull (still sound, only less strict). */
const MAX_RANGES = 1000;

/** Closed integer ranges [lo, hi], sorted, disjoint and not adjacent. */
type Ranges = Array<[number, number]>;

interface BadRead {
  node: string;
  timeUs: number;
  value: unknown;
  final: boolean;
  /** What the value had to be in (closed integer ranges). */
  acceptable: Ranges;
}

export function checkCounter(events: readonly HistoryEvent[], ctx: CheckContext): CheckResult<CounterEvidence> {
  const ops = pairOperations(events);
  const outcomeOfInvoke = new Map<number, "ok" | "fail" | "info">();
  let definite = 0;
  const indeterminate: number[] = [];
  let addsAttempted = 0;
  let addsOk = 0;
  for (const op of ops) {
    if (op.f !== "add") continue;
    addsAttempted++;
    const outcome = op.completion?.type === "ok" ? "ok" : op.completion?.type === "fail" ? "fail" : "info";
    outcomeOfInvoke.set(op.invoke.index, outcome);
    const delta = deltaOf(op.invoke.value);
    if (outcome === "ok") {
      addsOk++;
      definite += delta;
    } else if (outcome === "info" && delta !== 0) indeterminate.push(delta);
  }
  const finalAcceptable = possibleSums(definite, indeterminate);

  // One pass in history order: a read may include any add invoked before it completed.
  const opOfCompletion = new Map<number, { node: string; final: boolean }>();
  for (const op of ops) if (op.f === "read" && op.completion) opOfCompletion.set(op.completion.index, { node: op.invoke.node, final: op.invoke.phase === "final" });
  let lowest = 0;
  let highest = 0;
  let reads = 0;
  const bad: BadRead[] = [];
  const finalReadNodes = new Set<string>();
  for (const event of events) {
    if (event.type === "invoke" && event.f === "add" && outcomeOfInvoke.get(event.index) !== "fail") {
      const delta = deltaOf(event.value);
      if (delta < 0) lowest += delta;
      else highest += delta;
      continue;
    }
    if (event.type !== "ok" || event.f !== "read") continue;
    const read = opOfCompletion.get(event.index);
    if (!read) continue;
    reads++;
    if (read.final) finalReadNodes.add(read.node);
    const acceptable: Ranges = read.final ? finalAcceptable : [[lowest, highest]];
    if (!contains(acceptable, event.value)) bad.push({ node: read.node, timeUs: event.timeUs, value: event.value, final: read.final, acceptable });
  }

  const expectedNodes = ctx.nodeIds.length > 0 ? ctx.nodeIds : [...new Set(ops.filter((op) => op.invoke.phase === "final").map((op) => op.invoke.node))];
  const silentNodes = expectedNodes.filter((node) => !finalReadNodes.has(node));
  const badFinal = bad.filter((b) => b.final);
  const badOther = bad.filter((b) => !b.final);
  const evidence: CounterEvidence = {
    kind: "counter",
    adds: addsAttempted,
    acknowledgedAdds: addsOk,
    indeterminateAdds: indeterminate.length,
    acknowledgedSum: definite,
    finalAcceptable: finalAcceptable.slice(0, MAX_EXAMPLES * 4),
    reads,
    badFinalReads: badFinal.length,
    badReads: badOther.length,
  };
  if (bad.length > 0) evidence.examples = [...badFinal.slice(0, MAX_EXAMPLES), ...badOther.slice(0, MAX_EXAMPLES)];
  if (silentNodes.length > 0) evidence.nodesWithoutFinalRead = silentNodes;

  const problems: string[] = [];
  if (silentNodes.length > 0) problems.push(`${listWords(silentNodes)} never answered ${silentNodes.length === 1 ? "its" : "their"} final read`);
  if (badFinal.length > 0) {
    const first = badFinal[0]!;
    const others = badFinal.length > 1 ? ` (and ${badFinal.length - 1} more final reads were wrong)` : "";
    const subset = indeterminate.length > 0 ? `, plus any subset of ${indeterminate.length} indeterminate adds` : "";
    problems.push(
      `${first.node}'s final read was ${JSON.stringify(first.value)}, but it had to be ${describeRanges(first.acceptable)} (the acknowledged adds sum to ${definite}${subset})${others}`,
    );
  }
  if (badOther.length > 0) {
    const first = badOther[0]!;
    const [lo, hi] = first.acceptable[0]!;
    problems.push(
      `${badOther.length} read${badOther.length === 1 ? "" : "s"} returned a value no subset of the adds invoked so far can sum to; e.g. ${first.node} at ${(first.timeUs / 1e6).toFixed(3)} s returned ${JSON.stringify(first.value)}, outside ${lo}…${hi}`,
    );
  }
  if (addsOk === 0) problems.push(noneAcknowledged("add", addsAttempted, "was acknowledged"));
  if (problems.length > 0) return { verdict: "FAIL", reason: problems.join("; "), evidence };
  return {
    verdict: "PASS",
    reason:
      `every node's final read matched the ${addsOk} acknowledged adds (sum ${definite}` +
      `${indeterminate.length > 0 ? `, allowing for ${indeterminate.length} indeterminate adds` : ""}), and all ${reads} reads were within bounds`,
    evidence,
  };
}

function deltaOf(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** `base` plus the sum of every subset of `deltas` (integers), as ranges. */
export function possibleSums(base: number, deltas: readonly number[]): Ranges {
  let ranges: Ranges = [[base, base]];
  for (let i = 0; i < deltas.length; i++) {
    if (ranges.length > MAX_RANGES) {
      const rest = deltas.slice(i);
      const lo = ranges[0]![0] + rest.filter((d) => d < 0).reduce((a, d) => a + d, 0);
      const hi = ranges[ranges.length - 1]![1] + rest.filter((d) => d > 0).reduce((a, d) => a + d, 0);
      return [[lo, hi]];
    }
    const delta = deltas[i]!;
    const shifted = ranges.map(([lo, hi]): [number, number] => [lo + delta, hi + delta]);
    ranges = mergeRanges(mergeSorted(ranges, shifted));
  }
  return ranges;
}

function mergeSorted(a: Ranges, b: Ranges): Ranges {
  const out: Ranges = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]![0] <= b[j]![0])) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

function mergeRanges(sorted: Ranges): Ranges {
  const out: Ranges = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]); // a copy: merging must not alter the input's ranges
  }
  return out;
}

function contains(ranges: Ranges, value: unknown): boolean {
  if (typeof value !== "number" || !Number.isInteger(value)) return false;
  // Binary search for the last range starting at or below value.
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ranges[mid]![0] <= value) lo = mid;
    else hi = mid - 1;
  }
  const range = ranges[lo];
  return range !== undefined && range[0] <= value && value <= range[1];
}

function describeRanges(ranges: Ranges): string {
  const parts = ranges.slice(0, 6).map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}…${hi}`));
  return (ranges.length > 6 ? [...parts, `… (${ranges.length} ranges)`] : parts).join(" or ");
}

function listWords(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}
