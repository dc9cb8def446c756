// kafka: append-only logs per key with offsets, polls and committed offsets.
// Owns these definitions ("before" means earlier in the history: the order in
// which the controller saw invocations and replies):
//   conflicting offset  two different messages at one (key, offset), from acknowledged
//                       sends or polls: two sends were given the same offset, or a poll
//                       returned a different message than the send acknowledged.
//   nonmonotonic send   a send invoked after another send on its key was acknowledged got
//                       a lower offset (a consumer past the first would never see it).
//   nonmonotonic poll   a poll listing a key's offsets not strictly increasing.
//   unexpected          a polled message that was never sent to that key (or only with a
//                       definite error).
//   skipped             a poll of key k from offset r that returned some offset above o but
//                       not o, where o ≥ r is the offset of a send acknowledged before the
//                       poll was invoked. A poll may return any number of messages: only a
//                       gap below the highest offset it returned counts.
//   lost                an acknowledged send missing from all of a node's final polls
//                       (after the recovery wait every node is polled from offset 0 on
//                       every key, then on from where each reply ended, as Maelstrom's
//                       final polls do).
//   committed ahead     Maelstrom's contract: after a commit of offset c, a consumer that
//                       starts from the listed committed offset must start at c + 1 or
//                       lower. So a listed offset L is wrong when some known message of the
//                       key (acknowledged or polled) sits at an offset o with C < o < L,
//                       where C is the highest offset any commit invoked before the listing
//                       completed (and not definitely failed) asked for, or -1: a consumer
//                       starting at L would skip o, which nobody said was processed. A key
//                       never committed may be omitted or listed as 0; a listing lower than
//                       the commits is allowed ("or lower": consumers re-read), and is
//                       reported as behind, not judged. Maelstrom itself never judges
//                       committed offsets; this is the one listing that loses messages.
//   duplicated          one message at two offsets of a key (reported, not judged).
// Every node must answer a final poll, and at least one send must succeed.
import { pairOperations, type HistoryEvent } from "../history.js";
import type { KafkaEvidence } from "./evidence.js";
import { noneAcknowledged, type CheckContext, type CheckResult } from "./types.js";

const MAX_EXAMPLES = 5;

type Outcome = "ok" | "fail" | "info";

interface Send {
  key: string;
  msg: unknown;
  outcome: Outcome;
  /** Offset of an acknowledged send. */
  offset?: number;
  invokeIndex: number;
  completeIndex: number;
  node: string;
  timeUs: number;
}

interface Poll {
  node: string;
  final: boolean;
  invokeIndex: number;
  completeIndex: number;
  timeUs: number;
  requested: Record<string, unknown>;
  msgs: Map<string, Array<[number, unknown]>>;
}

interface Commit {
  offsets: Record<string, unknown>;
  outcome: Outcome;
  invokeIndex: number;
  /** Infinity when the commit never completed definitely (info): it is never superseded. */
  completeIndex: number;
}

export function checkKafka(events: readonly HistoryEvent[], ctx: CheckContext): CheckResult<KafkaEvidence> {
  const ops = pairOperations(events);
  const sends: Send[] = [];
  const polls: Poll[] = [];
  const commits: Commit[] = [];
  const lists: Array<{ node: string; keys: unknown; offsets: unknown; invokeIndex: number; completeIndex: number; timeUs: number }> = [];
  const malformed: Array<{ f: string; node: string; timeUs: number; value: unknown }> = [];

  for (const op of ops) {
    const done = op.completion;
    const outcome: Outcome = done?.type === "ok" ? "ok" : done?.type === "fail" ? "fail" : "info";
    const base = { invokeIndex: op.invoke.index, completeIndex: done && outcome !== "info" ? done.index : Infinity };
    const where = { node: op.invoke.node, timeUs: done?.timeUs ?? op.invoke.timeUs };
    const request = (op.invoke.value ?? {}) as Record<string, unknown>;
    if (op.f === "send") {
      const send: Send = { key: String(request.key), msg: request.msg, outcome, ...base, ...where };
      if (outcome === "ok") {
        const offset = (done!.value as { offset?: unknown } | null)?.offset;
        if (!isOffset(offset)) {
          malformed.push({ f: "send", ...where, value: done!.value });
          send.outcome = "info";
        } else send.offset = offset;
      }
      sends.push(send);
    } else if (op.f === "poll" && outcome === "ok") {
      const msgs = parseMsgs((done!.value as { msgs?: unknown } | null)?.msgs);
      if (!msgs) malformed.push({ f: "poll", ...where, value: done!.value });
      else polls.push({ final: op.invoke.phase === "final", requested: asRecord(request.offsets), msgs, ...base, ...where });
    } else if (op.f === "commit_offsets" && outcome !== "fail") {
      commits.push({ offsets: asRecord(request.offsets), outcome, ...base });
    } else if (op.f === "list_committed_offsets" && outcome === "ok") {
      const offsets = (done!.value as { offsets?: unknown } | null)?.offsets;
      if (offsets !== undefined && !isRecord(offsets)) malformed.push({ f: "list_committed_offsets", ...where, value: done!.value });
      else lists.push({ keys: request.keys, offsets: offsets ?? {}, ...base, ...where });
    }
  }

  // --- offsets and messages agree --------------------------------------------
  const slot = (key: string, offset: number) => `${key}\u0000${offset}`;
  const msgAt = new Map<string, { msg: unknown; text: string; from: string }>();
  const conflicts: Array<{ key: string; offset: number; msgs: unknown[]; from: string[] }> = [];
  const conflictSlots = new Set<string>();
  /** Per key, every offset known to hold a message (acknowledged or polled). */
  const knownOffsets = new Map<string, Set<number>>();
  const note = (key: string, offset: number, msg: unknown, from: string) => {
    const text = JSON.stringify(msg) ?? "undefined";
    const at = msgAt.get(slot(key, offset));
    if (!at) {
      msgAt.set(slot(key, offset), { msg, text, from });
      const known = knownOffsets.get(key) ?? new Set<number>();
      known.add(offset);
      knownOffsets.set(key, known);
    }
    else if (at.text !== text && !conflictSlots.has(slot(key, offset))) {
      conflictSlots.add(slot(key, offset));
      conflicts.push({ key, offset, msgs: [at.msg, msg], from: [at.from, from] });
    }
  };
  const acked = sends.filter((s) => s.outcome === "ok");
  for (const s of acked) note(s.key, s.offset!, s.msg, `send on ${s.node}`);

  // Which messages were attempted on which key (for unexpected), and where each was seen (for duplicates).
  const msgId = (key: string, msg: unknown) => `${key}\u0000${JSON.stringify(msg)}`;
  const rank: Record<Outcome, number> = { fail: 0, info: 1, ok: 2 };
  const attempted = new Map<string, Outcome>();
  for (const s of sends) {
    const before = attempted.get(msgId(s.key, s.msg));
    if (!before || rank[s.outcome] > rank[before]) attempted.set(msgId(s.key, s.msg), s.outcome);
  }
  const unexpected: Array<{ node: string; key: string; offset: number; msg: unknown; timeUs: number }> = [];
  const unexpectedIds = new Set<string>();
  const offsetsOfMsg = new Map<string, { key: string; msg: unknown; offsets: Set<number> }>();
  const seenAt = (key: string, msg: unknown, offset: number) => {
    const id = msgId(key, msg);
    const entry = offsetsOfMsg.get(id) ?? { key, msg, offsets: new Set<number>() };
    entry.offsets.add(offset);
    offsetsOfMsg.set(id, entry);
  };
  for (const s of acked) seenAt(s.key, s.msg, s.offset!);
  const nonmonotonicPolls: Array<{ node: string; key: string; offsets: number[]; timeUs: number }> = [];
  for (const poll of polls) {
    for (const [key, entries] of poll.msgs) {
      let previous = -Infinity;
      let monotonic = true;
      for (const [offset, msg] of entries) {
        if (offset <= previous) monotonic = false;
        previous = offset;
        note(key, offset, msg, `poll on ${poll.node}`);
        const id = msgId(key, msg);
        const outcome = attempted.get(id);
        if ((outcome === undefined || outcome === "fail") && !unexpectedIds.has(id)) {
          unexpectedIds.add(id);
          unexpected.push({ node: poll.node, key, offset, msg, timeUs: poll.timeUs });
        }
        seenAt(key, msg, offset);
      }
      if (!monotonic) nonmonotonicPolls.push({ node: poll.node, key, offsets: entries.map(([o]) => o).slice(0, 20), timeUs: poll.timeUs });
    }
  }
  const duplicated = [...offsetsOfMsg.values()].filter((m) => m.offsets.size > 1).map((m) => ({ key: m.key, msg: m.msg, offsets: [...m.offsets] }));

  // --- sends acknowledged earlier have lower offsets ---------------------------
  const nonmonotonicSends: Array<{ key: string; earlier: { offset: number; msg: unknown }; later: { offset: number; msg: unknown; node: string } }> = [];
  {
    const byIndex = new Map<number, { send: Send; end: "invoke" | "ok" }>();
    for (const s of acked) {
      byIndex.set(s.invokeIndex, { send: s, end: "invoke" });
      byIndex.set(s.completeIndex, { send: s, end: "ok" });
    }
    const highest = new Map<string, Send>();
    const floorAtInvoke = new Map<Send, Send | undefined>();
    for (const event of events) {
      const hit = byIndex.get(event.index);
      if (!hit) continue;
      const { send, end } = hit;
      if (end === "invoke") floorAtInvoke.set(send, highest.get(send.key));
      else {
        const floor = floorAtInvoke.get(send);
        // An equal offset is a conflict, reported as such.
        if (floor && send.offset! < floor.offset!) {
          nonmonotonicSends.push({ key: send.key, earlier: { offset: floor.offset!, msg: floor.msg }, later: { offset: send.offset!, msg: send.msg, node: send.node } });
        }
        const top = highest.get(send.key);
        if (!top || send.offset! > top.offset!) highest.set(send.key, send);
      }
    }
  }

  // --- polls skip no acknowledged offset ---------------------------------------
  const ackedByKey = new Map<string, Send[]>();
  for (const s of acked) {
    const onKey = ackedByKey.get(s.key) ?? [];
    onKey.push(s);
    ackedByKey.set(s.key, onKey);
  }
  for (const list of ackedByKey.values()) list.sort((a, b) => a.offset! - b.offset!);
  const skipped: Array<{ node: string; key: string; from: number; missing: number; msg: unknown; returned: number[]; timeUs: number }> = [];
  // Final polls are judged as a whole below (lost), not here.
  for (const poll of polls) {
    if (poll.final) continue;
    for (const [key, entries] of poll.msgs) {
      const onKey = ackedByKey.get(key);
      if (!onKey || entries.length === 0) continue;
      const returned = new Set(entries.map(([o]) => o));
      let top = -Infinity;
      let bottom = Infinity;
      for (const o of returned) {
        top = Math.max(top, o);
        bottom = Math.min(bottom, o);
      }
      const requested = poll.requested[key];
      const from = isOffset(requested) ? requested : bottom;
      for (let i = lowerBound(onKey, from); i < onKey.length && onKey[i]!.offset! < top; i++) {
        const s = onKey[i]!;
        if (s.completeIndex < poll.invokeIndex && !returned.has(s.offset!)) {
          skipped.push({ node: poll.node, key, from, missing: s.offset!, msg: s.msg, returned: [...returned].sort((a, b) => a - b).slice(0, 20), timeUs: poll.timeUs });
        }
      }
    }
  }

  // --- final polls see every acknowledged send ---------------------------------
  // A node's final polls together: each may return only part of a log.
  const finalPolled = new Map<string, Set<string>>();
  let finalPolls = 0;
  for (const poll of polls) {
    if (!poll.final) continue;
    finalPolls++;
    const present = finalPolled.get(poll.node) ?? new Set<string>();
    for (const [key, entries] of poll.msgs) for (const [offset] of entries) present.add(slot(key, offset));
    finalPolled.set(poll.node, present);
  }
  const expectedNodes = ctx.nodeIds.length > 0 ? ctx.nodeIds : [...new Set(ops.filter((op) => op.invoke.phase === "final").map((op) => op.invoke.node))];
  const silentNodes = expectedNodes.filter((node) => !finalPolled.has(node));
  const lostByNode: Record<string, Array<{ key: string; offset: number; msg: unknown }>> = {};
  const lost = new Set<Send>();
  for (const node of expectedNodes) {
    const present = finalPolled.get(node);
    if (!present) continue;
    const missing = acked.filter((s) => !present.has(slot(s.key, s.offset!)));
    if (missing.length === 0) continue;
    lostByNode[node] = missing.map((s) => ({ key: s.key, offset: s.offset!, msg: s.msg }));
    for (const s of missing) lost.add(s);
  }
  const polledSlots = new Set<string>();
  for (const poll of polls) for (const [key, entries] of poll.msgs) for (const [offset] of entries) polledSlots.add(slot(key, offset));
  const neverPolled = acked.filter((s) => !polledSlots.has(slot(s.key, s.offset!)));

  // --- committed offsets ------------------------------------------------------
  const commitsByKey = new Map<string, Array<{ offset: number; invokeIndex: number; completeIndex: number; acknowledged: boolean }>>();
  for (const c of commits) {
    for (const [key, offset] of Object.entries(c.offsets)) {
      if (!isOffset(offset)) continue;
      const list = commitsByKey.get(key) ?? [];
      list.push({ offset, invokeIndex: c.invokeIndex, completeIndex: c.completeIndex, acknowledged: c.outcome === "ok" });
      commitsByKey.set(key, list);
    }
  }
  // Sorted: the lowest offset a consumer starting too far ahead would skip comes first.
  const sortedKnown = new Map([...knownOffsets].map(([key, set]) => [key, [...set].sort((a, b) => a - b)]));
  const aheadCommitted: Array<{ node: string; key: string; listed: number; committed: number | null; skips: { offset: number; msg: unknown }; timeUs: number }> = [];
  const behindCommitted: Array<{ node: string; key: string; listed: number | null; atLeast: number; timeUs: number }> = [];
  for (const list of lists) {
    const offsets = list.offsets as Record<string, unknown>;
    const asked = Array.isArray(list.keys) ? list.keys.map(String) : Object.keys(offsets);
    // An offset is an integer; a negative one is below every message, so it only makes a consumer re-read.
    if (asked.some((key) => offsets[key] !== undefined && offsets[key] !== null && !Number.isInteger(offsets[key]))) {
      malformed.push({ f: "list_committed_offsets", node: list.node, timeUs: list.timeUs, value: { offsets } });
      continue;
    }
    for (const key of asked) {
      const listed = offsets[key];
      const onKey = (commitsByKey.get(key) ?? []).filter((c) => c.invokeIndex < list.completeIndex);
      const committed = onKey.reduce((high, c) => Math.max(high, c.offset), -1);
      const where = { node: list.node, key, timeUs: list.timeUs };
      if (typeof listed === "number") {
        const known = sortedKnown.get(key) ?? [];
        const skipped = known[firstAbove(known, committed)];
        if (skipped !== undefined && skipped < listed) {
          aheadCommitted.push({ ...where, listed, committed: committed < 0 ? null : committed, skips: { offset: skipped, msg: msgAt.get(slot(key, skipped))!.msg } });
          continue;
        }
      }
      // Behind: lower than every commit that could still be the latest (a commit is superseded
      // once another started after it completed and completed before the listing began).
      let supersededBefore = -Infinity;
      for (const c of onKey) if (c.acknowledged && c.completeIndex < list.invokeIndex) supersededBefore = Math.max(supersededBefore, c.invokeIndex);
      if (supersededBefore === -Infinity) continue;
      const atLeast = onKey.filter((c) => c.completeIndex >= supersededBefore).reduce((low, c) => Math.min(low, c.offset), Infinity);
      if (typeof listed !== "number" || listed < atLeast) behindCommitted.push({ ...where, listed: typeof listed === "number" ? listed : null, atLeast });
    }
  }

  // --- verdict ------------------------------------------------------------------
  const evidence: KafkaEvidence = {
    kind: "kafka",
    sends: sends.length,
    acknowledgedSends: acked.length,
    polls: polls.length,
    finalPolls,
    commits: commits.length,
    listings: lists.length,
    lost: lost.size,
    neverPolled: neverPolled.length,
    skipped: skipped.length,
    conflictingOffsets: conflicts.length,
    nonmonotonicSends: nonmonotonicSends.length,
    nonmonotonicPolls: nonmonotonicPolls.length,
    unexpected: unexpected.length,
    committedAhead: aheadCommitted.length,
    committedBehind: behindCommitted.length,
    duplicated: duplicated.length,
    malformedReplies: malformed.length,
  };
  const examples = (name: `${string}Examples`, list: readonly unknown[]) => {
    if (list.length > 0) evidence[name] = list.slice(0, MAX_EXAMPLES);
  };
  if (lost.size > 0) evidence.lostByNode = Object.fromEntries(Object.entries(lostByNode).map(([node, list]) => [node, list.slice(0, 50)]));
  examples("neverPolledExamples", neverPolled.map((s) => ({ key: s.key, offset: s.offset, msg: s.msg })));
  examples("skippedExamples", skipped);
  examples("conflictExamples", conflicts);
  examples("nonmonotonicSendExamples", nonmonotonicSends);
  examples("nonmonotonicPollExamples", nonmonotonicPolls);
  examples("unexpectedExamples", unexpected);
  examples("committedAheadExamples", aheadCommitted);
  examples("committedBehindExamples", behindCommitted);
  examples("duplicatedExamples", duplicated);
  examples("malformedExamples", malformed);
  if (silentNodes.length > 0) evidence.nodesWithoutFinalPoll = silentNodes;

  const problems: string[] = [];
  if (silentNodes.length > 0) problems.push(`${listWords(silentNodes)} never answered a final poll`);
  if (lost.size > 0) {
    const nodes = Object.keys(lostByNode);
    const show = (list: Array<{ key: string; offset: number; msg: unknown }>) =>
      list.slice(0, 5).map((m) => `${at(m.key, m.offset)} (msg ${JSON.stringify(m.msg)})`).join(", ") + (list.length > 5 ? ` and ${list.length - 5} more` : "");
    const where = nodes.length === 1 ? `${nodes[0]}'s final polls: ${show(lostByNode[nodes[0]!]!)}` : `final polls (${nodes.map((n) => `${n} lacks ${show(lostByNode[n]!)}`).join("; ")})`;
    problems.push(`${lost.size} of ${acked.length} acknowledged sends were missing from ${where}${neverPolled.length > 0 ? `; ${neverPolled.length} of them were never returned by any poll` : ""}`);
  }
  if (skipped.length > 0) {
    const s = skipped[0]!;
    problems.push(
      `${skipped.length} poll${skipped.length === 1 ? "" : "s"} skipped an acknowledged message; e.g. ${s.node}'s poll of key ${JSON.stringify(s.key)} from offset ${s.from} at ${seconds(s.timeUs)} returned offsets ${s.returned.join(", ")} but not ${s.missing} (msg ${JSON.stringify(s.msg)}), acknowledged before the poll began`,
    );
  }
  if (conflicts.length > 0) {
    const c = conflicts[0]!;
    problems.push(`${conflicts.length} offset${conflicts.length === 1 ? " holds" : "s hold"} two different messages; e.g. ${at(c.key, c.offset)} was ${JSON.stringify(c.msgs[0])} (${c.from[0]}) and ${JSON.stringify(c.msgs[1])} (${c.from[1]})`);
  }
  if (nonmonotonicSends.length > 0) {
    const s = nonmonotonicSends[0]!;
    problems.push(
      `${nonmonotonicSends.length} send${nonmonotonicSends.length === 1 ? " was" : "s were"} given an offset lower than an earlier acknowledged send on the same key; e.g. on key ${JSON.stringify(s.key)}, msg ${JSON.stringify(s.later.msg)} got offset ${s.later.offset} from ${s.later.node} after msg ${JSON.stringify(s.earlier.msg)} had been acknowledged at offset ${s.earlier.offset}`,
    );
  }
  if (nonmonotonicPolls.length > 0) {
    const p = nonmonotonicPolls[0]!;
    problems.push(`${nonmonotonicPolls.length} poll${nonmonotonicPolls.length === 1 ? "" : "s"} listed offsets out of order; e.g. ${p.node} returned key ${JSON.stringify(p.key)} offsets ${p.offsets.join(", ")}`);
  }
  if (unexpected.length > 0) {
    const u = unexpected[0]!;
    problems.push(`${unexpected.length} polled message${unexpected.length === 1 ? " was" : "s were"} never sent to ${unexpected.length === 1 ? "its" : "their"} key; e.g. ${u.node} returned ${JSON.stringify(u.msg)} at ${at(u.key, u.offset)}`);
  }
  if (aheadCommitted.length > 0) {
    const a = aheadCommitted[0]!;
    const committed = a.committed === null ? "before any commit of it" : `when offset ${a.committed} was the highest committed`;
    problems.push(
      `${aheadCommitted.length} committed offset listing${aheadCommitted.length === 1 ? " was" : "s were"} ahead of the commits; e.g. ${a.node} listed key ${JSON.stringify(a.key)}'s committed offset as ${a.listed} at ${seconds(a.timeUs)} ${committed}, so a consumer starting there would skip offset ${a.skips.offset} (msg ${JSON.stringify(a.skips.msg)}), which no client had processed`,
    );
  }
  if (malformed.length > 0) {
    const m = malformed[0]!;
    problems.push(`${malformed.length} ${m.f}_ok repl${malformed.length === 1 ? "y was" : "ies were"} malformed; e.g. from ${m.node}: ${JSON.stringify(m.value)}`);
  }
  if (acked.length === 0) problems.push(noneAcknowledged("send", sends.length, "was acknowledged"));
  if (problems.length > 0) return { verdict: "FAIL", reason: problems.join("; "), evidence };
  const notes = [
    duplicated.length > 0 ? `${duplicated.length} messages appear at more than one offset` : "",
    behindCommitted.length > 0
      ? `${behindCommitted.length} committed offset listing${behindCommitted.length === 1 ? " was" : "s were"} behind an acknowledged commit, e.g. ${behindCommitted[0]!.node} listed key ${JSON.stringify(behindCommitted[0]!.key)} as ${JSON.stringify(behindCommitted[0]!.listed)} after ${behindCommitted[0]!.atLeast} was committed: allowed (consumers re-read), not judged`
      : "",
  ].filter(Boolean);
  const noted = notes.length > 0 ? ` (${notes.join("; ")})` : "";
  return {
    verdict: "PASS",
    reason: `all ${acked.length} acknowledged sends were in every node's final polls (${finalPolls}), with no skipped, reordered or conflicting offsets in ${polls.length} polls${noted}`,
    evidence,
  };
}

function isOffset(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

/** A poll_ok's msgs, or undefined if it is not a map of keys to [[offset, msg], ...]. */
function parseMsgs(value: unknown): Map<string, Array<[number, unknown]>> | undefined {
  if (!isRecord(value)) return undefined;
  const msgs = new Map<string, Array<[number, unknown]>>();
  for (const [key, entries] of Object.entries(value)) {
    if (!Array.isArray(entries)) return undefined;
    const parsed: Array<[number, unknown]> = [];
    for (const entry of entries) {
      if (!Array.isArray(entry) || entry.length !== 2 || !isOffset(entry[0])) return undefined;
      parsed.push([entry[0], entry[1]]);
    }
    msgs.set(key, parsed);
  }
  return msgs;
}

/** First index whose send offset is ≥ offset (sends sorted by offset). */
function lowerBound(sends: readonly Send[], offset: number): number {
  let lo = 0;
  let hi = sends.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sends[mid]!.offset! < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index of a sorted list whose value is above `value` (the list's length if none is). */
function firstAbove(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A message's place as reasons show it: keys are numbers sent as strings, so the key is quoted ("3"@12). */
function at(key: string, offset: number): string {
  return `${JSON.stringify(key)}@${offset}`;
}

function seconds(us: number): string {
  return `${(us / 1e6).toFixed(3)} s`;
}

function listWords(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}
