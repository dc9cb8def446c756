// A Raft run's report sections (raft-sections.tsx) drawn from evidence as the
// tester stores it: the disagreeing applies as a table row each, two leaders
// of one term named, the lanes and bands counted on the SVG. The browser test
// (tests/e2e/raft-report.test.ts) reads a real failing run; this one the cases
// a run cannot be made to produce on demand (a Figure 8 disagreement).
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { RaftSections } from "../../app/submissions/[id]/results/[resultId]/raft-sections.js";
import type { RaftEvidence } from "../../lib/checkers/evidence.js";

const evidence: RaftEvidence = {
  kind: "raft",
  test: "TestFigure83C",
  failedCheck: "nCommitted",
  elapsedMs: 12_000,
  timeline: [
    { peer: "n0", fromMs: 0, toMs: 4000, term: 2, leader: true },
    { peer: "n1", fromMs: 0, toMs: 4000, term: 2, leader: true },
    { peer: "n1", fromMs: 4000, toMs: 12_000, term: null, leader: false },
    { peer: "n2", fromMs: 0, toMs: 12_000, term: 3, leader: false },
  ],
  faults: [
    { kind: "crash", node: "n1", askedMs: 3990, doneMs: 4000, ok: true, detail: "n1 crashed" },
    { kind: "disconnect", node: "n2", askedMs: 5000, doneMs: 5300, ok: true, detail: "n2 disconnected" },
  ],
  applies: [
    { peer: "n0", applied: 7, lastIndex: 7, snapshots: 0 },
    { peer: "n2", applied: 6, lastIndex: 6, snapshots: 0 },
  ],
  disagreements: [{ index: 7, peer: "n2", command: 105, otherPeer: "n0", otherCommand: 203 }],
  rpcs: [{ peer: "n0", rpcs: 40, bytesSent: 2048, bytesReceived: 1024 }, { peer: "n1", rpcs: null, bytesSent: null, bytesReceived: null }],
};

describe("a Raft run's report sections", () => {
  const html = renderToStaticMarkup(createElement(RaftSections, { evidence }));

  it("draws a lane per peer, every span, and a band per fault on its peer's lane", () => {
    expect(html).toContain('data-peers="3"');
    expect(html).toContain('data-spans="4"');
    expect(html).toContain('data-leader-spans="2"');
    expect(html).toContain('data-fault-bands="2"');
    expect(html.match(/data-band="crashed"/g)).toHaveLength(1);
    expect(html.match(/data-band="disconnected"/g)).toHaveLength(1);
  });

  it("gives the drawing's spans as a table, a row each in lane order", () => {
    const table = html.slice(html.indexOf('data-testid="raft-timeline-table"'), html.indexOf("</details>", html.indexOf('data-testid="raft-timeline-table"')));
    const rows = [...table.matchAll(/<tr><td>(n\d)<\/td><td class="numeric">([^<]+)<\/td><td class="numeric">([^<]+)<\/td><td>([^<]+)<\/td><td class="numeric">([^<]+)<\/td><\/tr>/g)].map((m) => m.slice(1).join(" "));
    expect(rows).toEqual([
      "n0 0.0 s 4.0 s leader 2",
      "n1 0.0 s 4.0 s leader 2",
      "n1 4.0 s 12.0 s down or not answering —",
      "n2 0.0 s 12.0 s follower or candidate 3",
    ]);
  });

  it("names two leaders of one term", () => {
    expect(html).toContain("Two leaders in term 2: n0 from 0.0 s and n1 from 0.0 s.");
  });

  it("lists the applies that disagree, a row each, with both commands", () => {
    const table = html.slice(html.indexOf('data-testid="raft-disagreements"'));
    expect(table).toContain("<td class=\"numeric\">7</td><td>n2</td><td><code>105</code></td><td>n0</td><td><code>203</code></td>");
  });

  it("shows a peer that was down at the end without figures", () => {
    const peers = html.slice(html.indexOf('data-testid="raft-peers"'));
    expect(peers).toMatch(/<td>n1<\/td>(<td class="numeric">—<\/td>){6}/);
  });
});
