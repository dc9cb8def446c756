// Benchmark: what the report's message diagram costs on a journal as large as
// the agents keep (5 nodes × 20,000 entries: a broadcast run with a halves
// partition), measured step by step: reading the stored messages.jsonl,
// pairing sends with receipts and tying the lost ones to the partition, the
// diagram's model of the whole run (thinned to 400 arrows) and of a 1-s
// window, and the server-rendered HTML of the section. Prints medians.
// Run: npx tsx bench/message-diagram.ts [rounds]
import { performance } from "node:perf_hooks";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { MessageDiagram } from "../app/submissions/[id]/results/[resultId]/message-diagram.js";
import { diagramModel, journalMessages, parseJournal, serializeJournal, type MessageJournal } from "../lib/reports/message-journal.js";
import type { FaultBand } from "../lib/reports/plot-data.js";

const ROUNDS = Number(process.argv[2] ?? 5);
const NODES = ["n0", "n1", "n2", "n3", "n4"];
const PER_NODE = 20_000;
const side = (n: string) => (n === "n0" || n === "n1" ? 0 : 1);
const halves: FaultBand = { kind: "partition", nodes: NODES, detail: "halves: …", startMs: 10_000, endMs: 20_000, cuts: { n0: ["n2", "n3", "n4"], n1: ["n2", "n3", "n4"], n2: ["n0", "n1"], n3: ["n0", "n1"], n4: ["n0", "n1"] } };

function journal(): MessageJournal {
  const entries: MessageJournal["entries"] = [];
  const count = new Map(NODES.map((n) => [n, 0]));
  const room = (n: string) => count.get(n)! < PER_NODE;
  const keep = (e: MessageJournal["entries"][number]) => {
    if (!room(e.node)) return;
    count.set(e.node, count.get(e.node)! + 1);
    entries.push(e);
  };
  for (let i = 0, t = 0; NODES.some(room) && t < 60_000; i++, t += 3) {
    const origin = NODES[i % 5]!;
    keep({ t, node: origin, dir: "recv", src: `c${(i % 10) + 1}`, dest: origin, type: "broadcast", msg_id: i, in_reply_to: null, size: 60 });
    keep({ t: t + 0.2, node: origin, dir: "send", src: origin, dest: `c${(i % 10) + 1}`, type: "broadcast_ok", msg_id: null, in_reply_to: i, size: 50 });
    for (const peer of NODES) {
      if (peer === origin) continue;
      keep({ t: t + 0.3, node: origin, dir: "send", src: origin, dest: peer, type: "gossip", msg_id: null, in_reply_to: null, size: 40 });
      if (!(t > halves.startMs && t < halves.endMs && side(origin) !== side(peer))) keep({ t: t + 1, node: peer, dir: "recv", src: origin, dest: peer, type: "gossip", msg_id: null, in_reply_to: null, size: 40 });
    }
  }
  entries.sort((a, b) => a.t - b.t);
  return { format: "labgrade-messages/1", clock: "", nodes: NODES.map((node) => ({ node, entries: count.get(node)!, dropped: 0, wholeUntilMs: null, wholeFromMs: null, problem: null })), focus: null, entries };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function time<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const value = fn();
  return [value, performance.now() - start];
}

const stored = serializeJournal(journal());
const timings: Record<string, number[]> = { parse: [], pair: [], wholeRun: [], window1s: [], render: [] };
let html = "";
let arrows = 0;
let lost = 0;
let messages = 0;
for (let round = 0; round < ROUNDS; round++) {
  const [parsed, parseMs] = time(() => parseJournal(stored.toString("utf8")));
  const [paired, pairMs] = time(() => journalMessages(parsed, [halves]));
  const [whole, wholeMs] = time(() => diagramModel(parsed, paired, [halves], NODES, { fromMs: -Infinity, toMs: Infinity, nodes: [], types: [] }, 400));
  const [, windowMs] = time(() => diagramModel(parsed, paired, [halves], NODES, { fromMs: 12_000, toMs: 13_000, nodes: [], types: [] }, 400));
  const [markup, renderMs] = time(() => renderToStaticMarkup(createElement(MessageDiagram, { journal: parsed, messages: paired, bands: [halves], nodeIds: NODES, params: {}, basePath: "/r", downloadUrl: "/d" })));
  timings.parse!.push(parseMs);
  timings.pair!.push(pairMs);
  timings.wholeRun!.push(wholeMs);
  timings.window1s!.push(windowMs);
  timings.render!.push(renderMs);
  html = markup;
  arrows = whole.arrows.length;
  lost = whole.lost;
  messages = paired.length;
}
console.log(`journal: ${NODES.length} nodes × ${PER_NODE} entries, ${(stored.length / 1024 / 1024).toFixed(1)} MiB stored; ${messages} messages, ${lost} lost; whole run drawn as ${arrows} arrows`);
for (const [step, xs] of Object.entries(timings)) console.log(`${step.padEnd(9)} median ${median(xs).toFixed(0)} ms over ${ROUNDS} rounds`);
console.log(`section HTML: ${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB`);
