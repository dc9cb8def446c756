// What a Raft run's report draws (lib/reports/raft-timeline.ts): lanes per
// peer, fault bands paired with what undid them, and who led in each term.
import { describe, expect, it } from "vitest";
import type { RaftEvidence } from "../../lib/checkers/evidence.js";
import { raftFaultBands, raftLanes, raftTerms } from "../../lib/reports/raft-timeline.js";

const fault = (kind: string, atMs: number, node?: string, ok = true): RaftEvidence["faults"][number] => ({ kind, ...(node ? { node } : {}), askedMs: atMs - 5, doneMs: atMs, ok, detail: `${kind} ${node ?? ""}` });

describe("a Raft run's timeline", () => {
  it("puts a disconnect and a crash on their peer's lane until the connect or restart, and a network mode across all, ending what is left at the test's end", () => {
    const bands = raftFaultBands({
      elapsedMs: 10_000,
      faults: [
        fault("disconnect", 1000, "n1"),
        fault("disconnect", 1500, "n2"),
        fault("connect", 3000, "n1"),
        fault("crash", 4000, "n0"),
        fault("restart", 6000, "n0"),
        fault("unreliable", 2000),
        fault("crash", 7000, "n2", false),
        fault("longReordering", 8000),
      ],
    });
    expect(bands.map((b) => [b.kind, b.peer ?? "all", b.fromMs, b.toMs])).toEqual([
      ["disconnected", "n1", 1000, 3000],
      ["disconnected", "n2", 1500, 10_000],
      ["unreliable", "all", 2000, 10_000],
      ["crashed", "n0", 4000, 6000],
      ["longReordering", "all", 8000, 10_000],
    ]);
  });

  it("draws a cut link on both its ends' lanes until it is joined (from either end), and a pause until the resume", () => {
    const link = (kind: string, atMs: number, node: string, peer: string) => ({ ...fault(kind, atMs, node), peer });
    const bands = raftFaultBands({
      elapsedMs: 9000,
      faults: [link("cutLink", 1000, "n2", "n1"), fault("pause", 1200, "n1"), fault("resume", 2000, "n1"), link("joinLink", 3000, "n1", "n2"), link("cutLink", 5000, "n0", "n1")],
    });
    expect(bands.map((b) => [b.kind, b.peer, b.fromMs, b.toMs])).toEqual([
      ["linkCut", "n1", 1000, 3000],
      ["linkCut", "n2", 1000, 3000],
      ["paused", "n1", 1200, 2000],
      ["linkCut", "n0", 5000, 9000],
      ["linkCut", "n1", 5000, 9000],
    ]);
  });

  it("names every leader of a term, so two leaders in one term show", () => {
    const terms = raftTerms({
      timeline: [
        { peer: "n0", fromMs: 0, toMs: 1000, term: 1, leader: true },
        { peer: "n0", fromMs: 1000, toMs: 2000, term: 1, leader: true },
        { peer: "n1", fromMs: 500, toMs: 1500, term: 1, leader: true },
        { peer: "n2", fromMs: 0, toMs: 3000, term: 1, leader: false },
        { peer: "n2", fromMs: 3000, toMs: 4000, term: 2, leader: true },
        { peer: "n1", fromMs: 3000, toMs: 4000, term: null, leader: false },
      ],
    });
    expect(terms).toEqual([
      { term: 1, leaders: [{ peer: "n0", fromMs: 0, toMs: 2000 }, { peer: "n1", fromMs: 500, toMs: 1500 }] },
      { term: 2, leaders: [{ peer: "n2", fromMs: 3000, toMs: 4000 }] },
    ]);
  });

  it("has a lane for every peer in numeric order, a peer that applied but was never sampled included", () => {
    const lanes = raftLanes({
      timeline: [
        { peer: "n10", fromMs: 0, toMs: 1, term: 1, leader: false },
        { peer: "n2", fromMs: 5, toMs: 9, term: 1, leader: false },
        { peer: "n2", fromMs: 0, toMs: 5, term: 1, leader: true },
      ],
      applies: [{ peer: "n0", applied: 3, lastIndex: 3, snapshots: 0 }],
    });
    expect(lanes.map((l) => [l.peer, l.spans.map((s) => s.fromMs)])).toEqual([
      ["n0", []],
      ["n2", [0, 5]],
      ["n10", [0]],
    ]);
  });
});
