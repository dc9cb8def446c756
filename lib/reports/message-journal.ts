// The message journal of a Maelstrom-mode run, as the report uses it: every
// envelope each node's agent sent or received for its node (header only:
// time, src, dest, type, msg_id, in_reply_to, size; never the body), stored
// as the run's `messages.jsonl` artifact (a header line, then one line per
// entry in time order), and what the report reads from it: the messages
// (a send paired with its receipt), the ones lost, the fault each was lost
// to, and the space-time diagram's model.
//
// Where it comes from (sandbox/programs/agent/journal.ts): the agent beside
// the student's program records what it carried on the wire, not what the
// program says. The agent shares the program's user, so a hostile program
// could still make it say anything; the journal therefore only explains, it
// never grades, and everything read from the controller's journal file is
// checked and bounded here.
//
// Time: agents stamp entries with the host's clock (all containers of a
// cluster share one host and its kernel clock), and the runner's fault
// timeline uses the same clock, both measured from the main phase's start
// (when the runner saw the controller's ready line). So journal times and
// fault bands are on one axis; the history's times start at the controller's
// own reading of that moment, a few milliseconds earlier at most.
import { z } from "zod";
import type { Evidence } from "../checkers/evidence.js";
import { pairOperations, type HistoryEvent } from "../history.js";
import { isServiceName } from "../maelstrom-services.js";
import { partitionSides, type FaultBand } from "./plot-data.js";

export { partitionSides };

export const JOURNAL_FORMAT = "labgrade-messages/1";
/** The artifact's name (kind MESSAGE_JOURNAL). */
export const JOURNAL_ARTIFACT = "messages.jsonl";
/** Most entries kept of one node (the agent keeps at most as many; a node saying more is cut here). */
export const MAX_JOURNAL_ENTRIES_PER_NODE = 20_000;
/** A send to a node later than this after the receiver's last entry may have arrived after its journal was taken. */
const FOLLOW_SLACK_MS = 50;
/** How long before a partition's stamp its rules may already drop packets (they are applied node by node). */
export const CUT_APPLY_MS = 250;
/** A receipt stamped this much before its send still pairs with it (both are read from one clock, in different processes). */
const CLOCK_SLACK_MS = 2;

export const JOURNAL_CLOCK_NOTE =
  "Times are ms after the main phase began, from the host's clock, which every container of the cluster shares; fault times use the same clock.";

export interface JournalEntry {
  /** ms after the main phase began. */
  t: number;
  /** The node whose agent saw it. */
  node: string;
  dir: "send" | "recv";
  src: string;
  dest: string;
  type: string;
  msg_id: number | null;
  in_reply_to: number | null;
  /** The envelope's size in bytes. */
  size: number;
}

export interface JournalNode {
  node: string;
  entries: number;
  /** Entries the agent (or we) did not keep, past the journal's caps. */
  dropped: number;
  /** The journal is whole before this time (ms after the main phase began); null: whole. */
  wholeUntilMs: number | null;
  /** The journal began then (ms after the main phase began; after a kill and restart, when the new agent started); null: before the main phase. */
  wholeFromMs: number | null;
  /** Why this node's journal is missing or cut (the agent did not answer, a line was not valid), or null. */
  problem: string | null;
}

/** An operation whose messages the diagram highlights: the failing one (lin-kv) or those whose value was lost (broadcast). */
export interface FocusOperation {
  label: string;
  client: string;
  node: string;
  startMs: number;
  /** null: never answered. */
  endMs: number | null;
}

export interface MessageJournal {
  format: typeof JOURNAL_FORMAT;
  clock: string;
  nodes: JournalNode[];
  focus: { what: string; operations: FocusOperation[] } | null;
  entries: JournalEntry[];
}

const nodeName = z.string().regex(/^n\d+$/);
const name = z.string().max(64);
const id = z.number().int().nullable();
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const fileLineSchema = z.union([
  z
    .object({
      node: nodeName,
      entries: z.array(z.tuple([z.number().finite(), z.union([z.literal(0), z.literal(1)]), name, name, name, id, id, count])).max(10_000),
    })
    .strict(),
  z.object({ node: nodeName, tail: z.object({ startedAtMs: z.number().finite(), dropped: count, droppedBytes: count, firstDroppedAtMs: z.number().finite().nullable() }).strict() }).strict(),
  z.object({ node: nodeName, missing: z.string().max(500) }).strict(),
]);

/**
 * The journal from the controller's journal file (sandbox/programs/controller/
 * journal-file.ts), times made relative to the main phase's start. A node's
 * line that is not valid ends what is read of that node (and says so); a
 * send not from the node, or a receipt not for it, is not what its agent could
 * have seen and is left out. Null when there is no file (native mode, raft).
 */
export function journalFromFile(bytes: Buffer | null, nodeIds: readonly string[], startWallMs: number): MessageJournal | null {
  if (!bytes) return null;
  const nodes = new Map<string, JournalNode & { sawEnd: boolean }>(
    nodeIds.map((node) => [node, { node, entries: 0, dropped: 0, wholeUntilMs: null, wholeFromMs: null, problem: null, sawEnd: false }]),
  );
  const entries: JournalEntry[] = [];
  const cut = (info: JournalNode, atMs: number | null, problem: string | null) => {
    if (atMs !== null) info.wholeUntilMs = info.wholeUntilMs === null ? atMs : Math.min(info.wholeUntilMs, atMs);
    info.problem ??= problem;
  };
  for (const text of bytes.toString("utf8").split("\n")) {
    if (text.trim() === "") continue;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      break; // only a cut last line can be no JSON
    }
    const parsed = fileLineSchema.safeParse(raw);
    const claimed = typeof raw === "object" && raw !== null ? (raw as { node?: unknown }).node : undefined;
    const info = nodes.get(parsed.success ? parsed.data.node : typeof claimed === "string" ? claimed : "");
    if (!info || info.sawEnd) continue;
    if (!parsed.success) {
      cut(info, lastTime(entries, info.node), "a part of this node's journal was not valid; the rest of it was ignored");
      info.sawEnd = true;
      continue;
    }
    const line = parsed.data;
    if ("missing" in line) {
      cut(info, lastTime(entries, info.node) ?? 0, line.missing);
      info.sawEnd = true;
    } else if ("tail" in line) {
      info.dropped += line.tail.dropped;
      if (line.tail.startedAtMs > startWallMs) info.wholeFromMs = line.tail.startedAtMs - startWallMs;
      if (line.tail.firstDroppedAtMs !== null) cut(info, line.tail.firstDroppedAtMs - startWallMs, `${line.tail.dropped} entries past the journal's limit were only counted`);
      info.sawEnd = true;
    } else {
      for (const [wall, dir, src, dest, type, msgId, inReplyTo, size] of line.entries) {
        if ((dir === 0 && src !== info.node) || (dir === 1 && dest !== info.node)) continue;
        if (info.entries >= MAX_JOURNAL_ENTRIES_PER_NODE) {
          info.dropped++;
          cut(info, wall - startWallMs, `more than ${MAX_JOURNAL_ENTRIES_PER_NODE} entries; the rest were not kept`);
          continue;
        }
        info.entries++;
        entries.push({ t: wall - startWallMs, node: info.node, dir: dir === 0 ? "send" : "recv", src, dest, type, msg_id: msgId, in_reply_to: inReplyTo, size });
      }
    }
  }
  for (const info of nodes.values()) if (!info.sawEnd) cut(info, lastTime(entries, info.node) ?? 0, "the node's agent sent no journal (it may have been down when the test ended)");
  entries.sort((a, b) => a.t - b.t);
  return { format: JOURNAL_FORMAT, clock: JOURNAL_CLOCK_NOTE, nodes: [...nodes.values()].map(({ sawEnd: _s, ...n }) => n), focus: null, entries };
}

function lastTime(entries: readonly JournalEntry[], node: string): number | null {
  for (let i = entries.length - 1; i >= 0; i--) if (entries[i]!.node === node) return entries[i]!.t;
  return null;
}

/** The artifact's bytes: the header (format, clock, nodes, focus) on the first line, then one entry per line. */
export function serializeJournal(journal: MessageJournal): Buffer {
  const { entries, ...header } = journal;
  return Buffer.from([JSON.stringify(header), ...entries.map((e) => JSON.stringify(e))].join("\n") + "\n");
}

/** The stored artifact, read back; throws on a header of another format. Entry lines that are not valid are skipped. */
export function parseJournal(text: string): MessageJournal {
  const lines = text.split("\n");
  const header = JSON.parse(lines[0] ?? "null") as Omit<MessageJournal, "entries"> | null;
  if (header?.format !== JOURNAL_FORMAT) throw new Error(`not a message journal (format ${JSON.stringify(header?.format)}, expected ${JOURNAL_FORMAT})`);
  const entries: JournalEntry[] = [];
  const isId = (v: unknown) => v === null || Number.isSafeInteger(v);
  // Our own artifact, so a plain shape check per line (a schema per line costs more than the rest of the report).
  for (const line of lines.slice(1)) {
    if (line.trim() === "") continue;
    const e = JSON.parse(line) as JournalEntry;
    const ok =
      typeof e === "object" && e !== null && Number.isFinite(e.t) && typeof e.node === "string" && (e.dir === "send" || e.dir === "recv") && typeof e.src === "string" && typeof e.dest === "string" && typeof e.type === "string" && isId(e.msg_id) && isId(e.in_reply_to) && Number.isSafeInteger(e.size);
    if (ok) entries.push({ t: e.t, node: e.node, dir: e.dir, src: e.src, dest: e.dest, type: e.type, msg_id: e.msg_id, in_reply_to: e.in_reply_to, size: e.size });
  }
  return { ...header, entries };
}

/**
 * The operations the diagram highlights, from the checker's evidence: for a
 * linearizability failure the impossible operation, for lost broadcasts the
 * broadcast operations of the lost values. Client ids follow the controller's
 * (process p is client c<p+1>).
 */
export function focusOperations(events: readonly HistoryEvent[], evidence: Evidence): MessageJournal["focus"] {
  const ops = pairOperations(events);
  const asFocus = (op: (typeof ops)[number], label: string): FocusOperation => ({
    label,
    client: `c${op.process + 1}`,
    node: op.invoke.node,
    startMs: op.invoke.timeUs / 1000,
    endMs: op.completion ? op.completion.timeUs / 1000 : null,
  });
  if (evidence.kind === "linearizability" && evidence.impossible) {
    const bad = evidence.impossible;
    const op = ops.find((o) => o.process === bad.process && Math.abs(o.invoke.timeUs - bad.startUs) < 1);
    return op ? { what: "the operation no order explains", operations: [asFocus(op, `${op.f} ${JSON.stringify(op.invoke.value)}`)] } : null;
  }
  if (evidence.kind === "set-completeness") {
    const lost = new Set(Object.values(evidence.lostByNode ?? {}).flatMap((values) => values.map((v) => JSON.stringify(v))));
    const focus = ops.filter((o) => o.f === "broadcast" && lost.has(JSON.stringify(o.invoke.value))).slice(0, 200);
    return focus.length > 0 ? { what: "the broadcasts of the lost values", operations: focus.map((o) => asFocus(o, `broadcast ${JSON.stringify(o.invoke.value)}`)) } : null;
  }
  return null;
}

export type MessageStatus =
  /** Sent and received, both seen by our agents. */
  | "delivered"
  /**
   * Sent to a node whose agent never received it, while that node's journal
   * was whole; or a request to a service never answered while its sender's
   * journal went on (our services answer every request that reaches them,
   * so its answer is the request's other side).
   */
  | "lost"
  /** Sent to a node whose journal stops before we could know (cut, missing, or the test ended), or a service's answer that could still have been on its way. */
  | "unknown"
  /** One end is a client or a service, which keep no journal: drawn as seen by the node's end (a service's answered request, its answer, anything to or from a client). */
  | "one-sided";

export interface JournalMessage {
  src: string;
  dest: string;
  type: string;
  msgId: number | null;
  inReplyTo: number | null;
  size: number;
  sentMs: number;
  /** null: never received (or not known). */
  recvMs: number | null;
  status: MessageStatus;
  /** For a lost message: the index of the fault band it was lost to (in the bands given), or null when no fault explains it. */
  cause: number | null;
}

const isNode = (id: string) => /^n\d+$/.test(id);

/** How long after a request to a service its answer may still be on its way (the test's latency, a busy host). */
const SERVICE_ANSWER_MS = 1000;

/** Pairs each send with its receipt (same src, dest, type, ids and size; the latest such send before it) and finds what was lost, and to which fault. */
export function journalMessages(journal: MessageJournal, bands: readonly FaultBand[]): JournalMessage[] {
  const nodes = new Map(journal.nodes.map((n) => [n.node, n]));
  const lastSeen = new Map<string, number>();
  for (const e of journal.entries) lastSeen.set(e.node, e.t);
  const key = (e: JournalEntry) => `${e.src}\u0000${e.dest}\u0000${e.type}\u0000${e.msg_id}\u0000${e.in_reply_to}\u0000${e.size}`;
  const waiting = new Map<string, JournalMessage[]>();
  const messages: JournalMessage[] = [];
  const receipts: JournalEntry[] = [];
  // A service's answers, by the node that got them, the service, and the request they answer.
  const answer = (node: string, service: string, msgId: number) => `${node}\u0000${service}\u0000${msgId}`;
  const answered = new Set<string>();
  for (const e of journal.entries) if (e.dir === "recv" && isServiceName(e.src) && e.in_reply_to !== null) answered.add(answer(e.dest, e.src, e.in_reply_to));
  const unanswered: JournalMessage[] = [];
  // Every send first (a receipt may be stamped in the same millisecond as its send, on another node's journal line).
  for (const e of journal.entries) {
    const message = (recvMs: number | null, status: MessageStatus): JournalMessage => ({
      src: e.src,
      dest: e.dest,
      type: e.type,
      msgId: e.msg_id,
      inReplyTo: e.in_reply_to,
      size: e.size,
      sentMs: e.t,
      recvMs,
      status,
      cause: null,
    });
    if (e.dir === "send") {
      const journaled = isNode(e.dest) && nodes.has(e.dest);
      // A request to a service (it has an id to be answered to) is followed by its answer, below.
      const request = isServiceName(e.dest) && e.msg_id !== null && !answered.has(answer(e.src, e.dest, e.msg_id));
      const m = message(journaled ? null : e.t, journaled ? "lost" : "one-sided");
      if (request) {
        m.recvMs = null;
        unanswered.push(m);
      }
      messages.push(m);
      if (journaled) {
        const queue = waiting.get(key(e));
        if (queue) queue.push(m);
        else waiting.set(key(e), [m]);
      }
    } else if (isNode(e.src) && nodes.has(e.src)) {
      receipts.push(e);
    } else {
      messages.push(message(e.t, "one-sided"));
    }
  }
  for (const e of receipts) {
    const queue = waiting.get(key(e));
    if (!queue) continue; // a receipt with no send: the sender's journal was cut; nothing to draw it from
    // The latest send of that header not after this receipt: an older twin
    // still waiting was lost (or overtaken, where taking it instead would
    // change only which of two delivered twins is which).
    let lo = 0;
    let hi = queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (queue[mid]!.sentMs <= e.t + CLOCK_SLACK_MS) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) continue;
    const [m] = queue.splice(lo - 1, 1);
    m!.recvMs = e.t;
    m!.status = "delivered";
  }
  for (const m of messages) {
    if (m.status !== "lost") continue;
    const receiver = nodes.get(m.dest)!;
    const followed =
      (receiver.wholeUntilMs === null || m.sentMs < receiver.wholeUntilMs) &&
      (receiver.wholeFromMs === null || m.sentMs >= receiver.wholeFromMs) &&
      m.sentMs <= (lastSeen.get(m.dest) ?? -Infinity) - FOLLOW_SLACK_MS;
    if (!followed) m.status = "unknown";
    else m.cause = causeOf(m, bands);
  }
  // An unanswered request: lost if its sender's agent went on journaling long after (the same
  // agent would have written the answer down), else its answer may have been on its way.
  for (const m of unanswered) {
    const sender = nodes.get(m.src);
    const followed = sender !== undefined && (sender.wholeUntilMs === null || m.sentMs + SERVICE_ANSWER_MS < sender.wholeUntilMs) && m.sentMs + SERVICE_ANSWER_MS <= (lastSeen.get(m.src) ?? -Infinity);
    m.status = followed ? "lost" : "unknown";
    if (followed) m.cause = causeOf(m, bands);
  }
  return messages;
}

/** Whether a partition cut a and b apart: two nodes by its cuts; a node and a service when it cut that node off from the services (servicesWithMajority). */
function cutBetween(band: FaultBand, a: string, b: string): boolean {
  const callerOfService = isServiceName(a) ? b : isServiceName(b) ? a : null;
  if (callerOfService !== null) return band.servicesCut?.includes(callerOfService) ?? false;
  return band.cuts ? (band.cuts[a]?.includes(b) ?? false) || (band.cuts[b]?.includes(a) ?? false) : band.nodes.includes(a) || band.nodes.includes(b);
}

/** The fault a lost message was sent under: a partition cutting its two ends apart first, then its receiver killed or paused, then packet loss. */
export function causeOf(m: Pick<JournalMessage, "src" | "dest" | "sentMs">, bands: readonly FaultBand[]): number | null {
  // A partition is stamped once its rules are all in; they go in node by node just before, so a
  // message sent in those moments is lost to it too.
  const active = bands
    .map((band, i) => ({ band, i }))
    .filter(({ band }) => m.sentMs >= band.startMs - (band.kind === "partition" ? CUT_APPLY_MS : 0) && m.sentMs <= band.endMs);
  const pick = (test: (b: FaultBand) => boolean) => active.find(({ band }) => test(band))?.i;
  return (
    pick((b) => b.kind === "partition" && cutBetween(b, m.src, m.dest)) ??
    pick((b) => (b.kind === "kill" || b.kind === "pause") && b.nodes.includes(m.dest)) ??
    pick((b) => b.kind === "loss") ??
    null
  );
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10}`;

/** A fault band in words: "the halves partition (2.4–6.2 s)". */
export function describeBand(band: FaultBand): string {
  const what = band.kind === "partition" ? `${band.detail.split(":")[0]} partition` : band.kind === "kill" || band.kind === "pause" ? `${band.kind} of ${band.nodes.join(", ")}` : band.kind;
  return `the ${what} (${seconds(band.startMs)}–${seconds(band.endMs)} s)`;
}

/** A list of node names, as a range when it is one ("n2–n4"). */
export function nodeList(nodes: readonly string[]): string {
  const sorted = [...new Set(nodes)].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  const numbers = sorted.map((n) => Number(n.slice(1)));
  const consecutive = sorted.every((n) => isNode(n)) && numbers.every((v, i) => i === 0 || v === numbers[i - 1]! + 1);
  return consecutive && sorted.length >= 3 ? `${sorted[0]}–${sorted[sorted.length - 1]}` : sorted.join(", ");
}

/**
 * The lost messages in words, by the fault each was lost to: "All 34 lost
 * messages (broadcast) were sent during the halves partition (2.4–6.2 s)
 * across its cut and never reached n2–n4." One sentence per fault, then the
 * ones no fault explains, then what could not be followed.
 */
export function lostMessageReasons(messages: readonly JournalMessage[], bands: readonly FaultBand[]): string[] {
  const lost = messages.filter((m) => m.status === "lost");
  const unknown = messages.filter((m) => m.status === "unknown").length;
  const sentences: string[] = [];
  const byCause = new Map<number | null, JournalMessage[]>();
  for (const m of lost) {
    const group = byCause.get(m.cause);
    if (group) group.push(m);
    else byCause.set(m.cause, [m]);
  }
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const types = (group: readonly JournalMessage[]) => [...new Set(group.map((m) => m.type))].sort().slice(0, 5).join(", ");
  const causes = [...byCause.keys()].filter((c): c is number => c !== null).sort((a, b) => bands[a]!.startMs - bands[b]!.startMs);
  for (const cause of causes) {
    const group = byCause.get(cause)!;
    const band = bands[cause]!;
    const all = group.length === lost.length && lost.length > 1 ? "All " : "";
    const how = band.kind === "partition" ? " across its cut" : "";
    const reached = [...new Set(group.map((m) => m.dest))];
    const text = `${all}${plural(group.length, "lost message", "lost messages")} (${types(group)}) ${group.length === 1 ? "was" : "were"} sent during ${describeBand(band)}${how} and never reached ${nodeList(reached)}.`;
    sentences.push(text.charAt(0).toUpperCase() + text.slice(1));
  }
  const unexplained = byCause.get(null);
  if (unexplained) {
    sentences.push(
      `${plural(unexplained.length, "message", "messages")} (${types(unexplained)}) sent while no fault was cutting ${unexplained.length === 1 ? "its" : "their"} path never arrived (first at ${seconds(unexplained[0]!.sentMs)} s, to ${nodeList(unexplained.map((m) => m.dest))}).`,
    );
  }
  if (unknown > 0) sentences.push(`${plural(unknown, "message", "messages")} sent as the test ended, or past the end of a receiver's journal, could not be followed.`);
  return sentences;
}

export interface DiagramFilter {
  /** Window, ms after the main phase began. */
  fromMs: number;
  toMs: number;
  /** Show only messages from or to these lanes (empty: all). */
  nodes: string[];
  /** Show only these message types (empty: all). */
  types: string[];
}

export interface DiagramArrow extends JournalMessage {
  /** A message of a focus operation (a client request or reply of it). */
  focus: boolean;
}

export interface DiagramModel {
  /** Lanes left to right: nodes, then services, then clients. */
  lanes: string[];
  arrows: DiagramArrow[];
  /** Messages in the window and filter, before thinning. */
  matching: number;
  /** Lost messages in the window and filter. */
  lost: number;
  /** Of those, drawn (all, unless there are more than three quarters of the arrows allowed). */
  lostDrawn: number;
  /** Every type in the journal, for the filter. */
  types: string[];
  /** Every lane in the journal, for the filter. */
  allLanes: string[];
  bands: Array<FaultBand & { index: number; sides: string[][] }>;
  window: { fromMs: number; toMs: number };
  /** The journal's time span. */
  spanMs: { fromMs: number; toMs: number };
}

const laneRank = (id: string) => (isNode(id) ? 0 : /^c\d+$/.test(id) ? 2 : 1);
const byLane = (a: string, b: string) => laneRank(a) - laneRank(b) || (Number(a.slice(1)) || 0) - (Number(b.slice(1)) || 0) || a.localeCompare(b);

/** Whether a message belongs to a focus operation: the operation's client and node, within its time. */
function inFocus(m: JournalMessage, focus: MessageJournal["focus"]): boolean {
  if (!focus) return false;
  return focus.operations.some((op) => {
    const ends = (m.src === op.client && m.dest === op.node) || (m.src === op.node && m.dest === op.client);
    return ends && m.sentMs >= op.startMs - 5 && m.sentMs <= (op.endMs ?? Infinity) + 5;
  });
}

/** Every lane and message type of a run's messages, and their time span (for the diagram's filters). */
export function journalExtent(messages: readonly JournalMessage[]): { lanes: string[]; types: string[]; spanMs: { fromMs: number; toMs: number } } {
  const lanes = new Set<string>();
  const types = new Set<string>();
  let fromMs = Infinity;
  let toMs = -Infinity;
  for (const m of messages) {
    lanes.add(m.src);
    lanes.add(m.dest);
    types.add(m.type);
    fromMs = Math.min(fromMs, m.sentMs);
    toMs = Math.max(toMs, m.recvMs ?? m.sentMs);
  }
  return { lanes: [...lanes].sort(byLane), types: [...types].sort(), spanMs: messages.length > 0 ? { fromMs, toMs } : { fromMs: 0, toMs: 0 } };
}

/** At most `room` of `items`, evenly spread (every k-th), in their order. */
function evenly<T>(items: readonly T[], room: number): T[] {
  if (items.length <= room) return [...items];
  const step = items.length / Math.max(room, 1);
  return Array.from({ length: room }, (_, i) => items[Math.floor(i * step)]!);
}

/**
 * What the diagram draws for a window and filter, at most `maxArrows`: the
 * focus operations' messages (up to a quarter), the lost ones (up to three
 * quarters with them), then an even sample (every k-th in time) of the rest,
 * so a run of tens of thousands of messages draws in a few hundred arrows; a
 * narrower window shows all.
 */
export function diagramModel(journal: MessageJournal, messages: readonly JournalMessage[], bands: readonly FaultBand[], nodeIds: readonly string[], filter: DiagramFilter, maxArrows = 400): DiagramModel {
  const { lanes: allLanes, types, spanMs: span } = journalExtent(messages);
  const nodeSet = new Set(filter.nodes);
  const typeSet = new Set(filter.types);
  const shown = messages.filter(
    (m) =>
      m.sentMs <= filter.toMs &&
      (m.recvMs ?? m.sentMs) >= filter.fromMs &&
      (nodeSet.size === 0 || nodeSet.has(m.src) || nodeSet.has(m.dest)) &&
      (typeSet.size === 0 || typeSet.has(m.type)),
  );
  const focus: DiagramArrow[] = [];
  const lost: DiagramArrow[] = [];
  const rest: DiagramArrow[] = [];
  for (const m of shown) {
    const arrow = { ...m, focus: inFocus(m, journal.focus) };
    (arrow.focus ? focus : arrow.status === "lost" ? lost : rest).push(arrow);
  }
  // The highlighted first, then the lost, then the rest, each an even sample past its share.
  const drawnFocus = evenly(focus, Math.floor(maxArrows / 4));
  const drawnLost = evenly(lost, Math.max(0, Math.floor(maxArrows * 0.75) - drawnFocus.length));
  const arrows = [...drawnFocus, ...drawnLost, ...evenly(rest, Math.max(0, maxArrows - drawnFocus.length - drawnLost.length))].sort((a, b) => a.sentMs - b.sentMs);
  const lanes = nodeSet.size === 0 ? [...new Set(arrows.flatMap((a) => [a.src, a.dest]))].sort(byLane) : allLanes.filter((l) => nodeSet.has(l) || arrows.some((a) => a.src === l || a.dest === l));
  for (const node of nodeIds) if ((nodeSet.size === 0 || nodeSet.has(node)) && !lanes.includes(node)) lanes.push(node);
  lanes.sort(byLane);
  return {
    lanes,
    arrows,
    matching: shown.length,
    lost: shown.filter((m) => m.status === "lost").length,
    lostDrawn: arrows.filter((a) => a.status === "lost").length,
    types,
    allLanes,
    bands: bands
      .map((band, index) => ({ ...band, index, sides: band.kind === "partition" ? partitionSides(band, nodeIds) : [] }))
      .filter((b) => b.endMs >= filter.fromMs && b.startMs <= filter.toMs),
    window: { fromMs: filter.fromMs, toMs: filter.toMs },
    spanMs: span,
  };
}
