// Set completeness, for broadcast and g-set: values are added to a set that
// every node should eventually hold in full. Owns the definitions:
//   acknowledged  an add (broadcast) that completed ok; indeterminate: info or no
//                 completion (may or may not have happened); failed: a definite error.
//   lost          acknowledged, but missing from some node's final read (→ FAIL).
//   never read    acknowledged, and in no read at all (a subset of lost when final reads exist).
//   unexpected    read, but never added, or added with a definite error (→ FAIL).
//   stale         acknowledged, and missing from some read invoked after the add completed
//                 (normal for an eventually consistent set; reported, not judged).
//   duplicated    a read that lists one value more than once (reported, not judged).
//   stable        a value is stable when every read invoked after some read lacking it
//                 includes it, the last read included, and every node has a read in that
//                 run (a node that never answered a read makes nothing stable). Its stable
//                 latency is Maelstrom's (Jepsen's set-full): the invocation of the last read
//                 that lacked it minus the time it was known (the add's completion, or the
//                 completion of the first read that had it, whichever was first), at least 0;
//                 0 when no read lacked it. So a value no read lacked after the main phase is
//                 not charged the recovery wait before the final reads. Values never stable
//                 (missing from the last read, or never read by some node) have no latency.
//                 Quantiles are Jepsen's too: the value at index floor(n × q) of the sorted
//                 latencies.
// Values are compared by their JSON text. Every node must answer its final read.
// Cost: linear in the total size of the reads, plus sorting the reads.
import { pairOperations, type HistoryEvent } from "../history.js";
import type { SetCompletenessEvidence } from "./evidence.js";
import { noneAcknowledged, type CheckContext, type CheckResult } from "./types.js";

const MAX_LISTED = 10;
const MAX_EXAMPLES = 5;
const LATENCY_QUANTILES = [0, 0.5, 0.95, 0.99, 1] as const;

interface SetNames {
  /** The operation that adds a value: broadcast, add. */
  addF: string;
  /** What a value is called in reasons: message, element. */
  noun: string;
  /** Past participle of adding, in reasons: broadcast, added. */
  added: string;
  /** The read_ok field the workload records (for reasons): messages, value. */
  readField: string;
}

type Outcome = "ok" | "info" | "fail";

interface Added {
  value: unknown;
  outcome: Outcome;
  invokedUs: number;
  /** Completion time of an acknowledged add. */
  completedUs?: number;
}

interface Read {
  node: string;
  invokedUs: number;
  completedUs: number;
  final: boolean;
  /** Interned value ids, each once. */
  ids: number[];
}

export const checkBroadcast = (events: readonly HistoryEvent[], ctx: CheckContext): CheckResult<SetCompletenessEvidence> =>
  checkSetCompleteness(events, ctx, { addF: "broadcast", noun: "message", added: "broadcast", readField: "messages" });

export const checkGSet = (events: readonly HistoryEvent[], ctx: CheckContext): CheckResult<SetCompletenessEvidence> =>
  checkSetCompleteness(events, ctx, { addF: "add", noun: "element", added: "added", readField: "value" });

export function checkSetCompleteness(events: readonly HistoryEvent[], ctx: CheckContext, names: SetNames): CheckResult<SetCompletenessEvidence> {
  const { addF, noun } = names;
  const ops = pairOperations(events);

  // Every distinct value (by JSON text) gets a small integer id. Reads become
  // lists of ids, and membership is tested with a stamp per id (the number of
  // the last pass that saw it) rather than a set per read.
  // Numbers (the common case) are keyed by value, which for JSON numbers is the
  // same as by text, without building the text.
  const idOfText = new Map<string, number>();
  const idOfNumber = new Map<number, number>();
  const stamp: number[] = [];
  let mark = 0;
  const intern = (value: unknown): number => {
    const byNumber = typeof value === "number";
    let id = byNumber ? idOfNumber.get(value) : idOfText.get(keyOf(value));
    if (id === undefined) {
      id = stamp.length;
      if (byNumber) idOfNumber.set(value, id);
      else idOfText.set(keyOf(value), id);
      stamp.push(0);
    }
    return id;
  };

  // Adds, by value. Our generators never add a value twice; if a history does,
  // the value counts as acknowledged if any add of it was.
  const added = new Map<number, Added>();
  const rank: Record<Outcome, number> = { fail: 0, info: 1, ok: 2 };
  for (const op of ops) {
    if (op.f !== addF) continue;
    const outcome: Outcome = op.completion?.type === "ok" ? "ok" : op.completion?.type === "fail" ? "fail" : "info";
    const id = intern(op.invoke.value);
    const entry: Added = { value: op.invoke.value, outcome, invokedUs: op.invoke.timeUs, completedUs: outcome === "ok" ? op.completion!.timeUs : undefined };
    const before = added.get(id);
    if (!before) added.set(id, entry);
    else {
      if (rank[outcome] > rank[before.outcome]) Object.assign(before, { outcome, completedUs: entry.completedUs });
      before.invokedUs = Math.min(before.invokedUs, entry.invokedUs);
    }
  }

  const reads: Read[] = [];
  const malformed: Array<{ node: string; value: unknown; timeUs: number }> = [];
  const duplicatedReads: Array<{ node: string; timeUs: number; values: unknown[] }> = [];
  const unexpected = new Map<number, { value: unknown; node: string; timeUs: number; addFailed: boolean }>();
  const seen = new Set<number>();
  /** The completion of the first read that had each value (Jepsen's "known" when it precedes the add's). */
  const firstReadUs = new Map<number, number>();
  for (const op of ops) {
    if (op.f !== "read" || op.completion?.type !== "ok") continue;
    const done = op.completion;
    if (!Array.isArray(done.value)) {
      malformed.push({ node: op.invoke.node, value: done.value ?? null, timeUs: done.timeUs });
      continue;
    }
    mark++;
    const ids: number[] = [];
    const twice: unknown[] = [];
    for (const value of done.value) {
      const id = intern(value);
      if (stamp[id] === mark) {
        twice.push(value);
        continue;
      }
      stamp[id] = mark;
      ids.push(id);
      if ((firstReadUs.get(id) ?? Infinity) > done.timeUs) firstReadUs.set(id, done.timeUs);
      if (seen.has(id)) continue;
      seen.add(id);
      const source = added.get(id);
      if (!source || source.outcome === "fail") unexpected.set(id, { value, node: op.invoke.node, timeUs: done.timeUs, addFailed: source !== undefined });
    }
    if (twice.length > 0) duplicatedReads.push({ node: op.invoke.node, timeUs: done.timeUs, values: twice.slice(0, MAX_LISTED) });
    reads.push({ node: op.invoke.node, invokedUs: op.invoke.timeUs, completedUs: done.timeUs, final: op.invoke.phase === "final", ids });
  }
  reads.sort((a, b) => a.invokedUs - b.invokedUs);
  /** Stamps the ids of `read` with a fresh mark and returns it: `stamp[id] === mark` then means "in this read". */
  const stampRead = (read: Read): number => {
    mark++;
    for (const id of read.ids) stamp[id] = mark;
    return mark;
  };

  // The last successful final read of each node.
  const finalRead = new Map<string, Read>();
  for (const read of reads) if (read.final) finalRead.set(read.node, read);
  const expectedNodes = ctx.nodeIds.length > 0 ? ctx.nodeIds : [...new Set(ops.filter((op) => op.invoke.phase === "final").map((op) => op.invoke.node))];
  const silentNodes = expectedNodes.filter((node) => !finalRead.has(node));

  const acknowledged = [...added].filter(([, a]) => a.outcome === "ok");
  const lostByNode: Record<string, unknown[]> = {};
  const lost = new Set<number>();
  for (const node of expectedNodes) {
    const read = finalRead.get(node);
    if (!read) continue;
    const inRead = stampRead(read);
    const missing = acknowledged.filter(([id]) => stamp[id] !== inRead);
    if (missing.length === 0) continue;
    lostByNode[node] = missing.map(([, a]) => a.value);
    for (const [id] of missing) lost.add(id);
  }
  const neverRead = acknowledged.filter(([id]) => !seen.has(id)).map(([, a]) => a.value);

  // Stability, by a backward scan: `alive` holds the values present in every
  // read from index i to the end; a value leaves it at the first read (going
  // back) that lacks it. Cost: the sizes of the reads.
  const stableFrom = new Map<number, number>();
  if (reads.length > 0) {
    let alive = reads[reads.length - 1]!.ids;
    for (const id of alive) stableFrom.set(id, reads.length - 1);
    for (let i = reads.length - 2; i >= 0 && alive.length > 0; i--) {
      const inRead = stampRead(reads[i]!);
      alive = alive.filter((id) => stamp[id] === inRead);
      for (const id of alive) stableFrom.set(id, i);
    }
  }
  // A run of reads that holds a value shows it reached every node only if every
  // node has a read in it: the run must start at or before each node's last
  // read. (A node that never answered a read makes nothing stable.)
  const lastReadOf = new Map<string, number>();
  reads.forEach((read, i) => lastReadOf.set(read.node, i));
  const reachedAllFrom = Math.min(...expectedNodes.map((node) => lastReadOf.get(node) ?? -1));
  const latenciesMs: number[] = [];
  let stale = 0;
  for (const [id, a] of added) {
    if (a.outcome === "fail") continue;
    const from = stableFrom.get(id);
    // The last read lacking the value is the one just before its stable run.
    const lastMissing = reads[(from ?? reads.length) - 1];
    if (from !== undefined && from <= reachedAllFrom) {
      const knownUs = Math.min(a.completedUs ?? Infinity, firstReadUs.get(id) ?? Infinity);
      latenciesMs.push(lastMissing ? Math.max(0, lastMissing.invokedUs - knownUs) / 1000 : 0);
    }
    if (a.outcome === "ok" && lastMissing && lastMissing.invokedUs > a.completedUs!) stale++;
  }
  latenciesMs.sort((a, b) => a - b);
  const stableLatencyMs =
    latenciesMs.length > 0 ? Object.fromEntries(LATENCY_QUANTILES.map((q) => [String(q), latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(latenciesMs.length * q))]!])) : null;

  const outcomes = [...added.values()].map((a) => a.outcome);
  const evidence: SetCompletenessEvidence = {
    kind: "set-completeness",
    attempted: added.size,
    acknowledged: acknowledged.length,
    failed: outcomes.filter((o) => o === "fail").length,
    indeterminate: outcomes.filter((o) => o === "info").length,
    reads: reads.length,
    finalReads: finalRead.size,
    lost: lost.size,
    neverRead: neverRead.length,
    stale,
    duplicatedReads: duplicatedReads.length,
    unexpected: unexpected.size,
    malformedReads: malformed.length,
    stableLatencyMs,
  };
  if (lost.size > 0) evidence.lostByNode = Object.fromEntries(Object.entries(lostByNode).map(([node, values]) => [node, values.slice(0, MAX_LISTED * 5)]));
  if (neverRead.length > 0) evidence.neverReadValues = neverRead.slice(0, MAX_LISTED * 5);
  if (unexpected.size > 0) evidence.unexpectedExamples = [...unexpected.values()].slice(0, MAX_EXAMPLES);
  if (malformed.length > 0) evidence.malformedExamples = malformed.slice(0, MAX_EXAMPLES);
  if (duplicatedReads.length > 0) evidence.duplicatedExamples = duplicatedReads.slice(0, MAX_EXAMPLES);
  if (silentNodes.length > 0) evidence.nodesWithoutFinalRead = silentNodes;

  const problems: string[] = [];
  if (silentNodes.length > 0) {
    problems.push(`${listWords(silentNodes)} never answered ${silentNodes.length === 1 ? "its" : "their"} final read`);
  }
  if (lost.size > 0) {
    const nodes = Object.keys(lostByNode);
    const where =
      nodes.length === 1
        ? `${nodes[0]}'s final read: ${listValues(lostByNode[nodes[0]!]!)}`
        : `final reads (${nodes.map((node) => `${node} lacks ${listValues(lostByNode[node]!)}`).join("; ")})`;
    const never = neverRead.length > 0 ? `; ${neverRead.length} of them were never read by any node` : "";
    problems.push(`${lost.size} of ${acknowledged.length} acknowledged ${noun}s were missing from ${where}${never}`);
  }
  if (unexpected.size > 0) {
    const values = [...unexpected.values()];
    const failedToo = values.some((u) => u.addFailed) ? ` (or only ${names.added} with a definite error)` : "";
    problems.push(`${values.length} ${noun}${values.length === 1 ? " was" : "s were"} read but never ${names.added}${failedToo}: ${listValues(values.map((u) => u.value))}, first read on ${values[0]!.node}`);
  }
  if (malformed.length > 0) {
    problems.push(`${malformed.length} read_ok replies had no \`${names.readField}\` array (e.g. from ${malformed[0]!.node}: ${JSON.stringify(malformed[0]!.value)})`);
  }
  if (acknowledged.length === 0) {
    const attempts = ops.filter((op) => op.f === addF).length;
    problems.push(noneAcknowledged(addF, attempts, "was acknowledged"));
  }
  if (problems.length > 0) return { verdict: "FAIL", reason: problems.join("; "), evidence };

  const notes: string[] = [];
  if (stableLatencyMs) notes.push(`stable latency median ${Math.round(stableLatencyMs["0.5"]!)} ms, max ${Math.round(stableLatencyMs["1"]!)} ms`);
  if (duplicatedReads.length > 0) notes.push(`${duplicatedReads.length} reads listed a ${noun} twice`);
  return {
    verdict: "PASS",
    reason: `all ${acknowledged.length} acknowledged ${noun}s reached every node's final read${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`,
    evidence,
  };
}

function keyOf(value: unknown): string {
  return JSON.stringify(value) ?? "undefined";
}

function listValues(values: readonly unknown[]): string {
  const shown = values.slice(0, MAX_LISTED).map((v) => JSON.stringify(v)).join(", ");
  return values.length > MAX_LISTED ? `${shown} and ${values.length - MAX_LISTED} more` : shown;
}

function listWords(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}
