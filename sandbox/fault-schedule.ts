// Runs a test's fault schedule against a live cluster, on the clock of the
// main phase, and records what happened when: the fault timeline shown under
// the latency plot. Random choices (which node, which halves) come from the
// test's seed. When the main phase ends everything is healed: network rules
// flushed, paused nodes resumed, killed nodes restarted.
import { errorMessage } from "../lib/errors.js";
import type { Random } from "../lib/random.js";
import type { FaultStep } from "../lib/suites/schema.js";
import type { ClusterFaults } from "./faults.js";
import { describeGrudge, partition } from "./partitions.js";
import type { ShapingFault } from "./shaping.js";

export interface FaultEvent {
  /** Milliseconds after the main phase started. */
  atMs: number;
  /** Host clock (ms since the epoch) when the fault took effect. */
  wallMs: number;
  /** A suite's step, the heal at the end of the main phase, or a fault a driver ordered (ordered-faults.ts). */
  kind: FaultStep["kind"] | "heal-all" | "connect" | "unreliable" | "reliable" | "longReordering" | "noLongReordering";
  nodes: string[];
  detail: string;
  ok: boolean;
  /** For heals: packets our rules had dropped on each node since the last heal (nodes whose counters could not be read are left out). */
  droppedPackets?: Record<string, number>;
  /** For a suite's step and the final heal: when it was planned, ms after the main phase started. */
  plannedMs?: number;
  /** Why it took effect more than LATE_AFTER_MS after it was planned, in words (measured, never guessed). */
  late?: string;
  /** For partitions: each node and the nodes it is cut off from (the grudge), so a report can say who could not reach whom. */
  cuts?: Record<string, string[]>;
  /** For partitions of a test with servicesWithMajority: the nodes cut off from the services too (none: absent). */
  servicesCut?: string[];
}

/** A fault stamped this long after its planned time says why in the timeline. */
export const LATE_AFTER_MS = 200;

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;
const inSeconds = (ms: number) => `${(ms / 1000).toFixed(ms < 1000 ? 2 : 1)} s`;

/**
 * Why a fault took effect `atMs - plannedMs` late: it began late (the step
 * before was still being applied, or the runner's timer fired late), and how
 * long the parts of applying it took. Undefined when it was on time.
 */
export function explainLateness(t: { plannedMs: number; startedMs: number; atMs: number; previousDoneMs: number | null; parts: Array<{ what: string; ms: number }> }): string | undefined {
  const late = t.atMs - t.plannedMs;
  if (late <= LATE_AFTER_MS) return undefined;
  const reasons: string[] = [];
  const beganLate = t.startedMs - t.plannedMs;
  if (beganLate > LATE_AFTER_MS / 2) {
    reasons.push(
      t.previousDoneMs !== null && t.previousDoneMs > t.plannedMs
        ? `it began ${inSeconds(beganLate)} late: the step before it was still being applied until ${inSeconds(t.previousDoneMs)}`
        : `it began ${inSeconds(beganLate)} late: the runner's timer fired late (the machine was busy)`,
    );
  }
  for (const part of t.parts) if (part.ms >= 50) reasons.push(`${part.what} took ${inSeconds(part.ms)}`);
  if (reasons.length === 0) reasons.push(`applying it took ${inSeconds(t.atMs - t.startedMs)}`);
  return `${inSeconds(late)} after its planned ${inSeconds(t.plannedMs)}: ${reasons.join("; ")}`;
}

export interface ScheduleOptions {
  faults: ClusterFaults;
  nodeIds: string[];
  steps: FaultStep[];
  rng: Random;
  /** Host clock when the main phase started. */
  startWallMs: number;
  mainPhaseMs: number;
  signal: AbortSignal;
}

const sleepUntil = (wallMs: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, wallMs - Date.now()));
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

export async function runFaultSchedule(opts: ScheduleOptions): Promise<FaultEvent[]> {
  const timeline: FaultEvent[] = [];
  const killed = new Set<string>();
  const paused = new Set<string>();
  // A fault is stamped when it has surely taken effect: after a cut or a kill
  // is applied, but when a restart or resume *begins* (the node may run from then).
  const record = (kind: FaultEvent["kind"], nodes: string[], detail: string, ok = true, wallMs = Date.now()) =>
    timeline.push({ atMs: wallMs - opts.startWallMs, wallMs, kind, nodes, detail, ok });
  // What each step's parts took, for explainLateness.
  let parts: Array<{ what: string; ms: number }> = [];
  const timed = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    const began = Date.now();
    try {
      return await work();
    } finally {
      parts.push({ what, ms: Date.now() - began });
    }
  };
  let previousDoneMs: number | null = null;
  const annotate = (plannedMs: number, startedWall: number, from: number) => {
    for (const event of timeline.slice(from)) {
      event.plannedMs = plannedMs;
      const late = explainLateness({ plannedMs, startedMs: startedWall - opts.startWallMs, atMs: event.atMs, previousDoneMs, parts });
      if (late) event.late = late;
    }
    previousDoneMs = Date.now() - opts.startWallMs;
  };

  const pick = (choice: string, from: string[]) => (choice === "random" ? opts.rng.pick(from) : choice);
  const steps = [...opts.steps].sort((a, b) => a.at - b.at);
  // Kill and pause take a node not already held (nor in `skip`) and hold it in
  // their set; restart and resume give back one held node, or all of them.
  const hold = async (kind: "kill" | "pause", choice: string, held: Set<string>, act: (node: string) => Promise<void>, detail: string, skip = new Set<string>()) => {
    const node = pick(choice, opts.nodeIds.filter((n) => !held.has(n) && !skip.has(n)));
    await timed(`${kind === "kill" ? "killing" : "pausing"} ${node}`, () => act(node));
    held.add(node);
    record(kind, [node], `${node} ${detail}`);
  };
  const release = async (kind: "restart" | "resume", choice: string, held: Set<string>, act: (node: string) => Promise<void>, detail: string) => {
    const began = Date.now();
    const nodes = choice === "all" ? [...held] : [pick(choice, [...held])];
    for (const node of nodes) {
      await act(node);
      held.delete(node);
    }
    record(kind, nodes, `${nodes.join(", ") || "no node"} ${detail}`, true, began);
  };

  for (const step of steps) {
    if (step.at * 1000 >= opts.mainPhaseMs) break;
    await sleepUntil(opts.startWallMs + step.at * 1000, opts.signal);
    if (opts.signal.aborted) break;
    const startedWall = Date.now();
    const recorded = timeline.length;
    parts = [];
    try {
      switch (step.kind) {
        case "partition": {
          const target = step.node ? pick(step.node, opts.nodeIds) : undefined;
          const grudge = partition(step.mode, opts.nodeIds, opts.rng, target);
          const servicesCut = await timed(`installing the cut on ${plural(grudge.size, "node")}`, () => opts.faults.partition(grudge));
          const services = servicesCut.length > 0 ? `; services cut off from ${servicesCut.join(", ")}` : "";
          record("partition", [...grudge.keys()], `${step.mode}: ${describeGrudge(grudge)}${services}`);
          timeline[timeline.length - 1]!.cuts = Object.fromEntries([...grudge].map(([node, cut]) => [node, [...cut].sort()]));
          if (servicesCut.length > 0) timeline[timeline.length - 1]!.servicesCut = [...servicesCut].sort();
          break;
        }
        case "heal": {
          const droppedPackets = await timed(`reading the drop counters of ${plural(opts.nodeIds.length, "node")}`, () => countDrops(opts));
          await timed("removing the cut", () => opts.faults.heal());
          record("heal", opts.nodeIds, "network healed");
          timeline[timeline.length - 1]!.droppedPackets = droppedPackets;
          break;
        }
        case "loss":
          await opts.faults.loss(step.probability);
          record("loss", opts.nodeIds, `${Math.round(step.probability * 100)}% of packets between nodes dropped`);
          break;
        case "bandwidth":
          await opts.faults.bandwidth(step.kbitPerSecond);
          record("bandwidth", opts.nodeIds, `outgoing bandwidth limited to ${step.kbitPerSecond} kbit/s`);
          break;
        case "kill":
          await hold("kill", step.node, killed, (n) => opts.faults.kill(n), "killed (SIGKILL)");
          break;
        case "restart":
          await release("restart", step.node, killed, (n) => opts.faults.restart(n), "restarted");
          break;
        case "pause":
          await hold("pause", step.node, paused, (n) => opts.faults.pause(n), "paused (cgroup frozen)", killed);
          break;
        case "resume":
          await release("resume", step.node, paused, (n) => opts.faults.resume(n), "resumed");
          break;
        case "delay":
        case "jitter":
        case "reorder":
        case "duplicate": {
          const fault = step.node ? { ...step, node: pick(step.node, opts.nodeIds) } : step;
          await opts.faults.shape(fault);
          const senders = fault.from ? [fault.from] : fault.node ? [fault.node] : opts.nodeIds;
          record(step.kind, senders, `${describeShaping(fault)} (${opts.faults.shaper?.label ?? "no shaper"})`);
        }
      }
    } catch (err) {
      record(step.kind, [], `could not apply ${step.kind}: ${errorMessage(err)}`, false);
    }
    annotate(step.at * 1000, startedWall, recorded);
  }

  // The main phase is over (or the test was stopped): heal everything for the
  // recovery phase and final reads.
  await sleepUntil(opts.startWallMs + opts.mainPhaseMs, opts.signal);
  if (steps.length > 0) {
    const done: string[] = [];
    const startedWall = Date.now();
    const recorded = timeline.length;
    parts = [];
    try {
      const droppedPackets = await timed(`reading the drop counters of ${plural(opts.nodeIds.length - killed.size, "node")}`, () => countDrops(opts, killed));
      await timed("removing every cut", () => opts.faults.heal());
      if (paused.size > 0) await timed(`resuming ${[...paused].join(", ")}`, async () => { for (const node of paused) await opts.faults.resume(node); });
      if (killed.size > 0) await timed(`restarting ${[...killed].join(", ")}`, async () => { for (const node of killed) await opts.faults.restart(node); });
      done.push("network healed");
      if (paused.size > 0) done.push(`resumed ${[...paused].join(", ")}`);
      if (killed.size > 0) done.push(`restarted ${[...killed].join(", ")}`);
      record("heal-all", opts.nodeIds, done.join("; "));
      timeline[timeline.length - 1]!.droppedPackets = droppedPackets;
    } catch (err) {
      record("heal-all", opts.nodeIds, `could not heal: ${errorMessage(err)}`, false);
    }
    annotate(opts.mainPhaseMs, startedWall, recorded);
  }
  return timeline;
}

async function countDrops(opts: ScheduleOptions, skip: Set<string> = new Set()): Promise<Record<string, number>> {
  // All nodes at once: read one after another, 25 nodes' counters held a heal back by seconds.
  const counts: Record<string, number> = {};
  await Promise.all(
    opts.nodeIds
      .filter((n) => !skip.has(n))
      .map(async (node) => {
        try {
          counts[node] = await opts.faults.droppedPackets(node);
        } catch {
          // Not known (the counters could not be read): left out, never shown as 0.
        }
      }),
  );
  return Object.fromEntries(opts.nodeIds.filter((n) => n in counts).map((n) => [n, counts[n]!]));
}

/** A shaping step in words, for the timeline: "delay +100 ms on n1's packets to its peers". */
export function describeShaping(fault: ShapingFault): string {
  const ms = "ms" in fault && fault.ms !== undefined ? fault.ms : 100;
  const percent = "percent" in fault && fault.percent !== undefined ? fault.percent : 10;
  const what = {
    delay: `delay +${ms} ms`,
    jitter: `jitter ±${ms} ms`,
    reorder: `${percent}% of packets reordered`,
    duplicate: `${percent}% of packets duplicated`,
  }[fault.kind];
  const where = fault.from ? `one way from ${fault.from} to ${fault.to}` : fault.node ? `on ${fault.node}'s packets to its peers` : "on every packet between nodes";
  return `${what} ${where}`;
}
