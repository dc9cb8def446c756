// The message journal: the agent's bounded recorder, reading the
// controller's journal file (hostile input), pairing sends with receipts,
// lost messages tied to the fault that cut them, the reasons in words, and
// the diagram's model (window, filters, thinning, focus).
import { describe, expect, it } from "vitest";
import { MessageJournal as Recorder, type JournalEntry as WireEntry } from "../../sandbox/programs/agent/journal.js";
import {
  diagramModel,
  focusOperations,
  journalFromFile,
  journalMessages,
  lostMessageReasons,
  nodeList,
  parseJournal,
  partitionSides,
  serializeJournal,
  type MessageJournal,
} from "../../lib/reports/message-journal.js";
import type { FaultBand } from "../../lib/reports/plot-data.js";
import type { HistoryEvent } from "../../lib/history.js";

const START = 1_700_000_000_000;
const envelope = (src: string, dest: string, type: string, msg_id?: number, in_reply_to?: number) => ({ src, dest, body: { type, msg_id, in_reply_to } });

describe("the agent's journal", () => {
  it("keeps entries up to its caps, then counts what it drops and says from when", () => {
    let now = START;
    const journal = new Recorder(3, 1024 * 1024, () => now++);
    for (let i = 0; i < 5; i++) journal.record(0, envelope("n0", "n1", "gossip", i), 40);
    expect(journal.size).toBe(3);
    // The clock's first reading is the journal's start; entries follow.
    expect(journal.tail()).toEqual({ startedAtMs: START, dropped: 2, droppedBytes: [3, 4].reduce((sum, i) => sum + JSON.stringify([START + 1 + i, 0, "n0", "n1", "gossip", i, null, 40]).length + 1, 0), firstDroppedAtMs: START + 4 });
    expect(journal.parts(2).map((p) => p.length)).toEqual([2, 1]);
    expect(journal.parts()[0]![0]).toEqual([START + 1, 0, "n0", "n1", "gossip", 0, null, 40]);
  });

  it("caps bytes too, cuts long names, and keeps only whole-number ids, never the body", () => {
    const journal = new Recorder(1000, 200, () => START);
    journal.record(1, { src: "c1", dest: "n0", body: { type: "x".repeat(500), msg_id: 1.5, in_reply_to: "7", secret: "body" } as never }, 10);
    const [entry] = journal.parts()[0]!;
    expect(entry![4]).toHaveLength(64);
    expect(entry![5]).toBeNull();
    expect(entry![6]).toBeNull();
    expect(JSON.stringify(entry)).not.toContain("body");
    for (let i = 0; i < 10; i++) journal.record(0, envelope("n0", "n1", "gossip"), 10);
    const kept = journal.size;
    expect(kept).toBeLessThan(5);
    expect(journal.tail().dropped).toBe(11 - kept);
    expect(journal.tail().droppedBytes).toBeGreaterThan(0);
  });
});

const wire = (t: number, dir: 0 | 1, src: string, dest: string, type: string, msgId: number | null = null, inReplyTo: number | null = null, size = 50): WireEntry => [START + t, dir, src, dest, type, msgId, inReplyTo, size];
const file = (...lines: unknown[]) => Buffer.from(lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n");
const tail = { startedAtMs: START - 5000, dropped: 0, droppedBytes: 0, firstDroppedAtMs: null };

describe("reading the journal file", () => {
  it("makes times relative to the main phase, in time order, and checks what a hostile agent sent", () => {
    const journal = journalFromFile(
      file(
        { node: "n0", entries: [wire(10, 0, "n0", "n1", "gossip"), wire(5, 1, "c1", "n0", "broadcast", 1)] },
        // A send the agent of n0 could not have made (from another node), and a receipt not for n0: left out.
        { node: "n0", entries: [wire(11, 0, "n1", "n2", "gossip"), wire(12, 1, "n1", "n2", "gossip")] },
        { node: "n0", tail },
        { node: "n1", entries: [wire(11, 1, "n0", "n1", "gossip")] },
        { node: "n1", entries: [["not", "an", "entry"]] },
        { node: "n1", entries: [wire(20, 1, "n0", "n1", "gossip")] },
        { node: "n9", entries: [wire(1, 0, "n9", "n0", "gossip")] },
      ),
      ["n0", "n1", "n2"],
      START,
    )!;
    expect(journal.entries.map((e) => [e.t, e.node, e.dir, e.src, e.dest])).toEqual([
      [5, "n0", "recv", "c1", "n0"],
      [10, "n0", "send", "n0", "n1"],
      [11, "n1", "recv", "n0", "n1"],
    ]);
    expect(journal.nodes).toEqual([
      { node: "n0", entries: 2, dropped: 0, wholeUntilMs: null, wholeFromMs: null, problem: null },
      { node: "n1", entries: 1, dropped: 0, wholeUntilMs: 11, wholeFromMs: null, problem: "a part of this node's journal was not valid; the rest of it was ignored" },
      { node: "n2", entries: 0, dropped: 0, wholeUntilMs: 0, wholeFromMs: null, problem: "the node's agent sent no journal (it may have been down when the test ended)" },
    ]);
    expect(journalFromFile(null, ["n0"], START)).toBeNull();
  });

  it("says from when a journal was cut at its limit, and what the controller noted", () => {
    const journal = journalFromFile(
      file({ node: "n0", entries: [wire(1, 0, "n0", "n1", "gossip")] }, { node: "n0", tail: { startedAtMs: START + 700, dropped: 7, droppedBytes: 300, firstDroppedAtMs: START + 900 } }, { node: "n1", missing: "the node's agent did not send its whole journal within 5 s" }),
      ["n0", "n1"],
      START,
    )!;
    // n0's agent started 0.7 s into the main phase (a node restarted after a kill): its journal is whole from then.
    expect(journal.nodes[0]).toMatchObject({ dropped: 7, wholeFromMs: 700, wholeUntilMs: 900, problem: "7 entries past the journal's limit were only counted" });
    expect(journal.nodes[1]).toMatchObject({ wholeUntilMs: 0, problem: "the node's agent did not send its whole journal within 5 s" });
  });

  it("round-trips through the artifact (a header line, then one entry per line)", () => {
    const journal = journalFromFile(file({ node: "n0", entries: [wire(1, 0, "n0", "n1", "gossip", 3)] }, { node: "n0", tail }), ["n0", "n1"], START)!;
    const text = serializeJournal(journal).toString();
    expect(text.split("\n")[1]).toBe('{"t":1,"node":"n0","dir":"send","src":"n0","dest":"n1","type":"gossip","msg_id":3,"in_reply_to":null,"size":50}');
    expect(parseJournal(text)).toEqual(journal);
    expect(() => parseJournal('{"format":"labgrade-plot/1"}')).toThrow(/not a message journal/);
  });
});

/** A journal from entries given as [t, observer, dir, src, dest, type, msg_id?, in_reply_to?]. */
function journalOf(nodeIds: string[], rows: Array<[number, string, "send" | "recv", string, string, string, number?, number?]>): MessageJournal {
  return {
    format: "labgrade-messages/1",
    clock: "",
    focus: null,
    nodes: nodeIds.map((node) => ({ node, entries: 0, dropped: 0, wholeUntilMs: null, wholeFromMs: null, problem: null })),
    entries: rows.map(([t, node, dir, src, dest, type, msgId, inReplyTo]) => ({ t, node, dir, src, dest, type, msg_id: msgId ?? null, in_reply_to: inReplyTo ?? null, size: 40 })),
  };
}

const halves: FaultBand = { kind: "partition", nodes: ["n0", "n1", "n2", "n3", "n4"], detail: "halves: n0 ✕ n2,n3,n4; …", startMs: 2400, endMs: 6200, cuts: { n0: ["n2", "n3", "n4"], n1: ["n2", "n3", "n4"], n2: ["n0", "n1"], n3: ["n0", "n1"], n4: ["n0", "n1"] } };
const NODES = ["n0", "n1", "n2", "n3", "n4"];

describe("lost messages and their faults", () => {
  it("pairs sends with receipts without msg_ids, in order, and marks the unreceived ones lost to the partition that cut them", () => {
    const rows: Array<[number, string, "send" | "recv", string, string, string, number?, number?]> = [
      [100, "n0", "send", "n0", "n1", "gossip"],
      [100.5, "n1", "recv", "n0", "n1", "gossip"],
      // Sent as the cut's rules went in, just before its stamp: lost to it too.
      [2300, "n1", "send", "n1", "n3", "gossip"],
      [3000, "n0", "send", "n0", "n2", "gossip"],
      [3000, "n0", "send", "n0", "n3", "gossip"],
      [3000, "n0", "send", "n0", "n1", "gossip"],
      [3001, "n1", "recv", "n0", "n1", "gossip"],
      [4000, "n1", "send", "n1", "n4", "gossip"],
      [7000, "n0", "send", "n0", "n2", "gossip"],
      [7001, "n2", "recv", "n0", "n2", "gossip"],
      [7200, "n2", "send", "n2", "lin-kv", "read", 5],
      [7201, "n2", "recv", "lin-kv", "n2", "read_ok", 9, 5],
      [7300, "n2", "recv", "c3", "n2", "broadcast", 1],
      // Keep every receiver's journal going past the last send, so none is "unknown".
      ...NODES.map((n): [number, string, "send" | "recv", string, string, string] => [9000, n, "recv", "c1", n, "read"]),
    ];
    const messages = journalMessages(journalOf(NODES, rows), [halves]);
    const status = messages.filter((m) => m.type === "gossip").map((m) => [m.sentMs, m.dest, m.status, m.cause]);
    expect(status).toEqual([
      [100, "n1", "delivered", null],
      [2300, "n3", "lost", 0],
      [3000, "n2", "lost", 0],
      [3000, "n3", "lost", 0],
      [3000, "n1", "delivered", null],
      [4000, "n4", "lost", 0],
      [7000, "n2", "delivered", null],
    ]);
    // A request to a service that was answered, and the answer: each drawn from the node's end.
    expect(messages.find((m) => m.dest === "lin-kv")).toMatchObject({ status: "one-sided", recvMs: 7200 });
    expect(messages.find((m) => m.src === "lin-kv")).toMatchObject({ status: "one-sided", recvMs: 7201 });
    expect(messages.find((m) => m.src === "c3")).toMatchObject({ status: "one-sided", sentMs: 7300, recvMs: 7300 });
    expect(lostMessageReasons(messages, [halves])).toEqual(["All 4 lost messages (gossip) were sent during the halves partition (2.4–6.2 s) across its cut and never reached n2–n4."]);
  });

  it("pairs a receipt stamped in the same millisecond as its send, listed before it, with that send and not a twin lost earlier", () => {
    const messages = journalMessages(
      journalOf(["n0", "n3"], [
        [3841, "n3", "send", "n3", "n0", "gossip"],
        [4514, "n0", "recv", "n3", "n0", "gossip"],
        [4514, "n3", "send", "n3", "n0", "gossip"],
        [9000, "n0", "recv", "c1", "n0", "read"],
      ]),
      [{ ...halves, startMs: 1500, endMs: 4000, cuts: { n3: ["n0"], n0: ["n3"] } }],
    );
    expect(messages.filter((m) => m.type === "gossip").map((m) => [m.sentMs, m.recvMs, m.status, m.cause])).toEqual([
      [3841, null, "lost", 0],
      [4514, 4514, "delivered", null],
    ]);
  });

  it("calls a message unknown, not lost, when the receiver's journal stops before it, and says what no fault explains", () => {
    const journal = journalOf(["n0", "n1", "n2"], [
      [500, "n0", "send", "n0", "n1", "gossip"],
      [900, "n0", "send", "n0", "n2", "gossip"],
      [1000, "n1", "recv", "c1", "n1", "read"],
      [5000, "n2", "recv", "c1", "n2", "read"],
    ]);
    journal.nodes[2]!.wholeUntilMs = 800;
    const messages = journalMessages(journal, []);
    expect(messages.slice(0, 2).map((m) => [m.dest, m.status, m.cause])).toEqual([
      ["n1", "lost", null],
      ["n2", "unknown", null],
    ]);
    // A receiver whose agent started later (killed and restarted) cannot say what it got before.
    journal.nodes[1]!.wholeFromMs = 600;
    expect(journalMessages(journal, [])[0]!.status).toBe("unknown");
    expect(lostMessageReasons(messages, [])).toEqual([
      "1 message (gossip) sent while no fault was cutting its path never arrived (first at 0.5 s, to n1).",
      "1 message sent as the test ended, or past the end of a receiver's journal, could not be followed.",
    ]);
  });

  it("calls a request to a service lost when no answer came while its sender's journal went on, and ties it to the partition that cut the sender off from the services", () => {
    // n0 alone, cut off from the other nodes and (servicesWithMajority) from the services.
    const isolate: FaultBand = { kind: "partition", nodes: ["n0", "n1", "n2"], detail: "isolate: n0 ✕ n1,n2; services cut off from n0", startMs: 1000, endMs: 4000, cuts: { n0: ["n1", "n2"], n1: ["n0"], n2: ["n0"] }, servicesCut: ["n0"] };
    const rows: Array<[number, string, "send" | "recv", string, string, string, number?, number?]> = [
      [500, "n0", "send", "n0", "lin-kv", "read", 1],
      [501, "n0", "recv", "lin-kv", "n0", "read_ok", 1, 1],
      [1500, "n0", "send", "n0", "lin-kv", "write", 2],
      [2000, "n0", "send", "n0", "seq-kv", "cas", 3],
      // The majority keeps its services.
      [2000, "n1", "send", "n1", "lin-kv", "read", 1],
      [2001, "n1", "recv", "lin-kv", "n1", "read_ok", 7, 1],
      // No id: nothing can answer it, so nothing says it was lost.
      [2500, "n0", "send", "n0", "lin-kv", "write"],
      // Unanswered, but no fault cut it: lost, explained by none.
      [4500, "n1", "send", "n1", "lww-kv", "read", 2],
      // Sent as n0's journal ends: its answer could still have come.
      [5600, "n0", "send", "n0", "lin-kv", "read", 4],
      [6000, "n0", "recv", "c1", "n0", "echo"],
      [6000, "n1", "recv", "c1", "n1", "echo"],
    ];
    const messages = journalMessages(journalOf(["n0", "n1", "n2"], rows), [isolate]);
    const toServices = messages.filter((m) => m.dest.includes("-")).map((m) => [m.sentMs, m.src, m.dest, m.status, m.cause, m.recvMs]);
    expect(toServices).toEqual([
      [500, "n0", "lin-kv", "one-sided", null, 500],
      [1500, "n0", "lin-kv", "lost", 0, null],
      [2000, "n0", "seq-kv", "lost", 0, null],
      [2000, "n1", "lin-kv", "one-sided", null, 2000],
      [2500, "n0", "lin-kv", "one-sided", null, 2500],
      [4500, "n1", "lww-kv", "lost", null, null],
      [5600, "n0", "lin-kv", "unknown", null, null],
    ]);
    expect(lostMessageReasons(messages, [isolate])).toEqual([
      "2 lost messages (cas, write) were sent during the isolate partition (1–4 s) across its cut and never reached lin-kv, seq-kv.",
      "1 message (read) sent while no fault was cutting its path never arrived (first at 4.5 s, to lww-kv).",
      "1 message sent as the test ended, or past the end of a receiver's journal, could not be followed.",
    ]);
    // A partition that leaves the services to everyone (Maelstrom's way) explains no lost request.
    const { servicesCut: _cut, ...maelstrom } = isolate;
    expect(journalMessages(journalOf(["n0", "n1", "n2"], rows), [maelstrom]).find((m) => m.sentMs === 1500)).toMatchObject({ status: "lost", cause: null });
  });

  it("ties a loss to a kill of the receiver when no partition cuts the pair, and names partition sides", () => {
    const kill: FaultBand = { kind: "kill", nodes: ["n1"], detail: "n1 killed", startMs: 1000, endMs: 2000 };
    const journal = journalOf(["n0", "n1"], [
      [1500, "n0", "send", "n0", "n1", "gossip"],
      [3000, "n1", "recv", "c1", "n1", "read"],
    ]);
    const messages = journalMessages(journal, [halves, kill]);
    expect(messages[0]).toMatchObject({ status: "lost", cause: 1 });
    expect(lostMessageReasons(messages, [halves, kill])[0]).toBe("1 lost message (gossip) was sent during the kill of n1 (1–2 s) and never reached n1.");
    expect(partitionSides(halves, NODES)).toEqual([
      ["n0", "n1"],
      ["n2", "n3", "n4"],
    ]);
    expect(nodeList(["n4", "n2", "n3"])).toBe("n2–n4");
    expect(nodeList(["n1", "n3"])).toBe("n1, n3");
  });
});

describe("the diagram's model", () => {
  const rows: Array<[number, string, "send" | "recv", string, string, string, number?]> = [];
  for (let i = 0; i < 1000; i++) {
    rows.push([i * 10, "n0", "send", "n0", "n1", "gossip"], [i * 10 + 1, "n1", "recv", "n0", "n1", "gossip"]);
    if (i % 100 === 0) rows.push([i * 10, "n0", "send", "n0", "n2", "ping"]);
  }
  rows.push([500, "n1", "recv", "c1", "n1", "broadcast", 1], [501, "n1", "send", "n1", "c1", "broadcast_ok"], [20_000, "n2", "recv", "c1", "n2", "read"]);
  rows.sort((a, b) => a[0] - b[0]);
  const journal: MessageJournal = { ...journalOf(["n0", "n1", "n2"], rows), focus: { what: "the broadcasts of the lost values", operations: [{ label: "broadcast 7", client: "c1", node: "n1", startMs: 499, endMs: 502 }] } };
  const messages = journalMessages(journal, []);

  it("draws every lost and focus message and thins the rest evenly to the cap", () => {
    const model = diagramModel(journal, messages, [], ["n0", "n1", "n2"], { fromMs: 0, toMs: 30_000, nodes: [], types: [] }, 100);
    expect(model.matching).toBe(messages.length);
    expect(model.arrows).toHaveLength(100);
    expect(model.lost).toBe(10);
    expect(model.arrows.filter((a) => a.status === "lost")).toHaveLength(10);
    expect(model.arrows.filter((a) => a.focus).map((a) => a.type)).toEqual(["broadcast", "broadcast_ok"]);
    expect(model.lanes).toEqual(["n0", "n1", "n2", "c1"]);
    expect(model.types).toEqual(["broadcast", "broadcast_ok", "gossip", "ping", "read"]);
    // Evenly: the thinned arrows span the run, not its first seconds.
    const gossip = model.arrows.filter((a) => a.type === "gossip");
    expect(Math.max(...gossip.map((a) => a.sentMs))).toBeGreaterThan(9000);
  });

  it("shows everything in a narrow window, and filters by node and type", () => {
    const narrow = diagramModel(journal, messages, [], ["n0", "n1", "n2"], { fromMs: 1000, toMs: 1500, nodes: [], types: [] }, 100);
    expect(narrow.arrows.length).toBe(narrow.matching);
    expect(narrow.arrows.every((a) => a.sentMs <= 1500 && (a.recvMs ?? a.sentMs) >= 1000)).toBe(true);
    const pings = diagramModel(journal, messages, [], ["n0", "n1", "n2"], { fromMs: 0, toMs: 30_000, nodes: [], types: ["ping"] }, 100);
    expect(pings.arrows.every((a) => a.type === "ping")).toBe(true);
    expect(pings.arrows).toHaveLength(10);
    const toN2 = diagramModel(journal, messages, [halves], ["n0", "n1", "n2"], { fromMs: 0, toMs: 30_000, nodes: ["n2"], types: [] }, 100);
    expect(toN2.arrows.every((a) => a.src === "n2" || a.dest === "n2")).toBe(true);
    expect(toN2.lanes).toEqual(["n0", "n2", "c1"]);
    expect(toN2.bands[0]!.sides).toEqual([["n0", "n1"], ["n2"]]);
  });
});

describe("focus operations", () => {
  const events: HistoryEvent[] = [
    { index: 0, type: "invoke", process: 0, f: "broadcast", value: 7, timeUs: 1_000_000, node: "n1" },
    { index: 1, type: "invoke", process: 1, f: "broadcast", value: 8, timeUs: 1_100_000, node: "n2" },
    { index: 2, type: "ok", process: 0, f: "broadcast", value: null, timeUs: 1_002_000, node: "n1" },
    { index: 3, type: "ok", process: 1, f: "broadcast", value: null, timeUs: 1_103_000, node: "n2" },
  ];

  it("are the broadcasts of the lost values, or the impossible operation", () => {
    const lost = focusOperations(events, { kind: "set-completeness", lostByNode: { n3: [8] } } as never);
    expect(lost).toEqual({ what: "the broadcasts of the lost values", operations: [{ label: "broadcast 8", client: "c2", node: "n2", startMs: 1100, endMs: 1103 }] });
    const lin = focusOperations(events, { kind: "linearizability", impossible: { process: 0, f: "broadcast", type: "ok", startUs: 1_000_000, endUs: 1_002_000 } } as never);
    expect(lin?.operations.map((o) => o.client)).toEqual(["c1"]);
    expect(focusOperations(events, { kind: "run" } as never)).toBeNull();
  });
});
