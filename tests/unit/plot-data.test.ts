import { describe, expect, it } from "vitest";
import { historyMetrics } from "../../lib/metrics.js";
import { faultBands, partitionSides, plotData, type FaultTimelineEntry } from "../../lib/reports/plot-data.js";
import { history } from "./history-fixture.js";

const at = (atMs: number, kind: string, nodes: string[] = [], ok = true): FaultTimelineEntry => ({ atMs, kind, nodes, detail: `${kind} ${nodes.join(",")}`, ok });

describe("fault bands", () => {
  it("pairs partitions with heals, kills with restarts and pauses with resumes", () => {
    const bands = faultBands(
      [at(2000, "partition", ["n0"]), at(5000, "heal", ["n0", "n1", "n2"]), at(3000, "kill", ["n1"]), at(4000, "pause", ["n2"]), at(6000, "restart", ["n1"]), at(7000, "resume", ["n2"])],
      10_000,
    );
    expect(bands.map((b) => [b.kind, b.nodes, b.startMs, b.endMs])).toEqual([
      ["partition", ["n0"], 2000, 5000],
      ["kill", ["n1"], 3000, 6000],
      ["pause", ["n2"], 4000, 7000],
    ]);
  });

  it("ends a network fault when another of its kind replaces it, and everything at heal-all or the end of the main phase", () => {
    const bands = faultBands([at(1000, "partition", ["n0"]), at(2000, "partition", ["n1"]), at(2500, "loss", ["n0", "n1"]), at(3000, "kill", ["n2"]), at(8000, "heal-all")], 10_000);
    expect(bands.map((b) => [b.kind, b.startMs, b.endMs])).toEqual([
      ["partition", 1000, 2000],
      ["partition", 2000, 8000],
      ["loss", 2500, 8000],
      ["kill", 3000, 8000],
    ]);
    expect(faultBands([at(1000, "pause", ["n0"])], 4000)).toMatchObject([{ kind: "pause", startMs: 1000, endMs: 4000 }]);
  });

  it("ends the bands of faults a driver ordered with their own undo: the last connect, reliable, no long reordering", () => {
    const bands = faultBands(
      [at(1000, "unreliable", ["n0", "n1", "n2"]), at(2000, "partition", ["n1"]), at(3000, "partition", ["n1", "n2"]), at(4000, "connect", ["n2"]), at(5000, "longReordering", ["n0", "n1", "n2"]), at(6000, "reliable"), at(7000, "noLongReordering")],
      10_000,
    );
    expect(bands.map((b) => [b.kind, b.nodes.join(","), b.startMs, b.endMs])).toEqual([
      ["unreliable", "n0,n1,n2", 1000, 6000],
      ["partition", "n1", 2000, 3000],
      ["partition", "n1,n2", 3000, 4000],
      ["longReordering", "n0,n1,n2", 5000, 7000],
    ]);
  });

  it("draws no band for a fault that failed to apply, and a restart of nothing closes nothing", () => {
    expect(faultBands([at(1000, "delay", [], false), at(2000, "restart", [])], 5000)).toEqual([]);
  });
});

describe("plot data", () => {
  it("has one point per invoked operation, with its outcome, and an unanswered one lasts to the history's end", () => {
    const events = history({ f: "read", from: 0, to: 10 }, { f: "write", from: 5, to: 7, type: "fail" }, { f: "read", from: 20, to: 90, type: "info" }, { f: "cas", from: 30, type: "open" });
    const plot = plotData(events, [], 1000, historyMetrics(events).throughput);
    expect(plot.operations.startMs).toEqual([0, 5, 20, 30]);
    expect(plot.operations.latencyMs).toEqual([10, 2, 70, 60]);
    expect(plot.operations.outcome).toBe("ofii");
    expect(plot.operations.f.map((i) => plot.operations.names[i])).toEqual(["read", "write", "read", "cas"]);
    expect(plot.operations.process).toEqual([0, 1, 2, 3]);
    expect(plot.throughput.ok.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it("marks a cas whose precondition missed (22) and a read of a missing key (20) as declined, not failed", () => {
    const events = history({ f: "cas", from: 0, to: 1, type: "fail" }, { f: "cas", from: 0, to: 1, type: "fail" }, { f: "read", from: 0, to: 1, type: "fail" });
    const codes = [22, 11, 20];
    let completion = 0;
    for (const event of events) if (event.type === "fail") event.error = { code: codes[completion++]!, text: "" };
    expect(plotData(events, [], 1000, historyMetrics(events).throughput).operations.outcome).toBe("dfd");
  });
});

describe("a partition's sides", () => {
  it.each([
    // halves: n0 n1 | n2 n3 n4
    [{ n0: ["n2", "n3", "n4"], n1: ["n2", "n3", "n4"], n2: ["n0", "n1"], n3: ["n0", "n1"], n4: ["n0", "n1"] }, [["n0", "n1"], ["n2", "n3", "n4"]]],
    // isolate n1
    [{ n0: ["n1"], n1: ["n0", "n2"], n2: ["n1"] }, [["n0", "n2"], ["n1"]]],
    // one way: n0 hears nobody, the others still hear each other (and n0)
    [{ n0: ["n1", "n2"], n1: [], n2: [] }, [["n0"], ["n1", "n2"]]],
  ] as const)("%j has sides %j", (cuts, sides) => {
    expect(partitionSides({ cuts: cuts as unknown as Record<string, string[]> }, ["n0", "n1", "n2", "n3", "n4"].filter((n) => n in cuts))).toEqual(sides);
  });

  it("has none without cuts", () => {
    expect(partitionSides({}, ["n0", "n1"])).toEqual([]);
  });
});
