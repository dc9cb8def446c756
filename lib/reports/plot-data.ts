// What a test run's report plots, computed once when the run is recorded and
// stored as its `plot.json` artifact: every operation as a point (when it was
// invoked, how long it took, how it ended), the faults as bands (from when
// each took effect until it was undone), and completions over time. Columns,
// not objects, so a 10k-operation run stays a few hundred kilobytes.
import { pairOperations, type HistoryEvent } from "../history.js";
import type { HistoryMetrics } from "../metrics.js";

export const PLOT_FORMAT = "labgrade-plot/1";

/** One entry of the runner's fault timeline (sandbox/fault-schedule.ts FaultEvent), as stored in a result's metrics. */
export interface FaultTimelineEntry {
  atMs: number;
  kind: string;
  nodes: string[];
  detail: string;
  ok: boolean;
  /** For partitions: each node and the nodes it was cut off from (runs recorded before this have none). */
  cuts?: Record<string, string[]>;
  /** For partitions of a test with servicesWithMajority: the nodes cut off from the services too. */
  servicesCut?: string[];
}

/** A fault that was active from startMs to endMs (ms after the main phase began). */
export interface FaultBand {
  kind: string;
  /** The nodes it acted on (for a partition: the nodes whose traffic was cut). */
  nodes: string[];
  detail: string;
  startMs: number;
  endMs: number;
  /** For a partition: who was cut off from whom (FaultTimelineEntry.cuts), when recorded. */
  cuts?: Record<string, string[]>;
  /** For a partition: the nodes it cut off from the services too (FaultTimelineEntry.servicesCut), if any. */
  servicesCut?: string[];
}

/**
 * One-letter outcomes in `PlotData.operations.outcome`: ok; declined (a
 * definite answer that is part of the operation's meaning, not an error: a cas
 * whose `from` did not match, error 22, or a key that does not exist, error
 * 20); fail (any other definite error); info (no definite answer, or none at
 * all). Plots from before "declined" existed hold only o, f and i.
 */
export const OUTCOME_CODES = { o: "ok", d: "declined", f: "fail", i: "info" } as const;

/** Maelstrom's key-does-not-exist (20) and precondition-failed (22): the service answered, the operation simply did not apply. */
const DECLINED_CODES = new Set([20, 22]);
export type OutcomeCode = keyof typeof OUTCOME_CODES;

export interface PlotData {
  format: typeof PLOT_FORMAT;
  /** Length of the main phase (faults end there at the latest), in ms. */
  mainPhaseMs: number;
  /** One entry per invoked operation, in invocation order. */
  operations: {
    /** Invocation time, ms after the main phase began. */
    startMs: number[];
    /** Until the completion; for an operation never answered, until the history's last event. */
    latencyMs: number[];
    /** One OutcomeCode per operation. */
    outcome: string;
    /** Index into `names`. */
    f: number[];
    names: string[];
    process: number[];
  };
  faults: FaultBand[];
  throughput: HistoryMetrics["throughput"];
}

const NETWORK_FAULTS = new Set(["partition", "loss", "bandwidth", "delay", "jitter", "reorder", "duplicate", "unreliable", "longReordering"]);
/** Faults a driver ordered (sandbox/ordered-faults.ts) that end one network band: the last connect ends the cuts. */
const NETWORK_UNDO: Record<string, string> = { connect: "partition", reliable: "unreliable", noLongReordering: "longReordering" };
const NODE_FAULTS: Record<string, string> = { restart: "kill", resume: "pause" };

const round2 = (v: number) => Math.round(v * 100) / 100;

/**
 * Pairs each applied fault with what undid it: network faults (partition,
 * loss, delay, ...) last until a heal or until the next fault of the same kind
 * replaces them; a kill until its node is restarted, a pause until it is
 * resumed; "heal-all" at the end of the main phase undoes everything. Faults
 * that failed to apply make no band. Whatever is still active at `mainPhaseMs`
 * ends there.
 */
export function faultBands(timeline: readonly FaultTimelineEntry[], mainPhaseMs: number): FaultBand[] {
  const bands: FaultBand[] = [];
  const open = new Map<string, FaultBand>();
  const close = (key: string, atMs: number) => {
    const band = open.get(key);
    if (!band) return;
    band.endMs = Math.max(band.startMs, atMs);
    bands.push(band);
    open.delete(key);
  };
  const ordered = [...timeline].sort((a, b) => a.atMs - b.atMs);
  for (const e of ordered) {
    if (!e.ok) continue;
    const atMs = Math.max(0, e.atMs);
    if (e.kind === "heal-all") {
      for (const key of [...open.keys()]) close(key, atMs);
    } else if (e.kind === "heal") {
      for (const key of [...open.keys()]) if (NETWORK_FAULTS.has(key)) close(key, atMs);
    } else if (NETWORK_UNDO[e.kind]) {
      close(NETWORK_UNDO[e.kind]!, atMs);
    } else if (NETWORK_FAULTS.has(e.kind)) {
      close(e.kind, atMs);
      open.set(e.kind, { kind: e.kind, nodes: e.nodes, detail: e.detail, startMs: atMs, endMs: atMs, ...(e.cuts ? { cuts: e.cuts } : {}), ...(e.servicesCut ? { servicesCut: e.servicesCut } : {}) });
    } else if (e.kind === "kill" || e.kind === "pause") {
      for (const node of e.nodes) open.set(`${e.kind}:${node}`, { kind: e.kind, nodes: [node], detail: e.detail, startMs: atMs, endMs: atMs });
    } else if (NODE_FAULTS[e.kind]) {
      for (const node of e.nodes) close(`${NODE_FAULTS[e.kind]}:${node}`, atMs);
    }
  }
  for (const key of [...open.keys()]) close(key, Math.max(mainPhaseMs, 0));
  return bands.sort((a, b) => a.startMs - b.startMs);
}

/** The plot of one run: its history's operations, its fault timeline, and the throughput its metrics already hold (historyMetrics). */
export function plotData(events: readonly HistoryEvent[], timeline: readonly FaultTimelineEntry[], mainPhaseMs: number, throughput: HistoryMetrics["throughput"]): PlotData {
  const lastUs = events.reduce((max, e) => Math.max(max, e.timeUs), 0);
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const ops = pairOperations(events);
  const operations: PlotData["operations"] = { startMs: [], latencyMs: [], outcome: "", f: [], names, process: [] };
  let outcome = "";
  for (const op of ops) {
    let f = nameIndex.get(op.f);
    if (f === undefined) {
      nameIndex.set(op.f, (f = names.length));
      names.push(op.f);
    }
    const done = op.completion;
    operations.startMs.push(round2(op.invoke.timeUs / 1000));
    operations.latencyMs.push(round2(Math.max(0, (done ? done.timeUs : lastUs) - op.invoke.timeUs) / 1000));
    outcome += done?.type === "ok" ? "o" : done?.type === "fail" ? (done.error && DECLINED_CODES.has(done.error.code) ? "d" : "f") : "i";
    operations.f.push(f);
    operations.process.push(op.process);
  }
  operations.outcome = outcome;
  return { format: PLOT_FORMAT, mainPhaseMs, operations, faults: faultBands(timeline, mainPhaseMs), throughput };
}

/**
 * Who was cut off from whom in a partition, as sides: [["n0","n1"],["n2","n3","n4"]]
 * (nodes with the same cuts are one side; a node a one-way cut leaves deaf is a
 * side of its own), in the order of `nodeIds`. None for a band without cuts.
 */
export function partitionSides(band: Pick<FaultBand, "cuts">, nodeIds: readonly string[]): string[][] {
  if (!band.cuts) return [];
  const sides = new Map<string, string[]>();
  for (const node of nodeIds) {
    const signature = [...(band.cuts[node] ?? [])].sort().join(",");
    const side = sides.get(signature);
    if (side) side.push(node);
    else sides.set(signature, [node]);
  }
  return [...sides.values()];
}
