// The cluster's network layer for delay, jitter, reordering and duplication:
// what each node's outgoing packets to each peer go through. Two ways to do
// it, chosen by what the engine's kernel has (capabilities.ts):
//   - "netem": the kernel's queueing discipline on the node's interface (one
//     shape for all of a node's outgoing packets);
//   - "userspace": our packet scheduler (sandbox/shaper), run in each node's
//     netctl sidecar: the node's packets to its peers go through netfilter
//     queue 0 and the scheduler releases each after its delay, per link
//     (one-way), and drops what a partition cuts, also while it holds it;
//   - "none": neither exists; shaping faults are refused by suite validation
//     and recorded as not applied, never faked.
// Only node-to-node packets are shaped (Maelstrom's --latency): clients and
// the services answer at once. Nothing is ever delayed in our agent: native
// programs get the same network.
import type { Grudge } from "./partitions.js";
import { netctlExec } from "./netctl.js";
import type { ClusterNode } from "./faults.js";

export type ShaperKind = "netem" | "userspace" | "none";

/** One link's shape (or all of a node's links'): see sandbox/shaper/plan.go. */
export interface LinkShape {
  /** Mean one-way delay, ms. */
  delayMs: number;
  /** constant (exactly delayMs), uniform (0 to 2·delayMs), exponential (mean delayMs). */
  distribution: "constant" | "uniform" | "exponential";
  /** ± this much, uniformly, on each delay (ms). */
  jitterMs: number;
  /** This share of packets are released at once, overtaking the delayed ones. */
  reorderPercent: number;
  /** This share of packets arrive twice. */
  duplicatePercent: number;
}

export const NO_SHAPE: LinkShape = { delayMs: 0, distribution: "constant", jitterMs: 0, reorderPercent: 0, duplicatePercent: 0 };

/** Every node's outgoing shapes: by sender, then by receiver. A missing pair is not shaped. */
export type ShapePlan = Map<string, Map<string, LinkShape>>;

const isShaped = (s: LinkShape) => s.delayMs > 0 || s.jitterMs > 0 || s.reorderPercent > 0 || s.duplicatePercent > 0;

/** The scheduler's firewall in a node's namespace: its peers' packets to the queue, re-injected duplicates past it. */
export function queueRules(peerAddresses: readonly string[]): string {
  return [
    "iptables -N LABGRADE-SHAPE",
    // Copies the scheduler re-injects carry its mark: neither queued again nor counted again (traffic.ts).
    "iptables -A LABGRADE-SHAPE -m mark --mark 0x5a17 -j RETURN",
    ...peerAddresses.map((ip) => `iptables -A LABGRADE-SHAPE -d ${ip}/32 -j NFQUEUE --queue-num 0`),
    "iptables -A OUTPUT -j LABGRADE-SHAPE",
  ].join("; ");
}

/** The scheduler's configuration for one sender (plan.go's Config), by address. */
export function schedulerConfig(sender: string, plan: ShapePlan, cutFrom: ReadonlySet<string>, addressOf: (id: string) => string) {
  const links: Record<string, Omit<LinkShape, never>> = {};
  for (const [receiver, shape] of plan.get(sender) ?? []) if (isShaped(shape)) links[addressOf(receiver)] = shape;
  return { default: null, links, cut: [...cutFrom].map(addressOf) };
}

/** The receivers each sender is cut off from, from a partition's grudges (each receiver drops what comes from its grudge). */
export function cutsBySender(grudge: Grudge): Map<string, Set<string>> {
  const cuts = new Map<string, Set<string>>();
  for (const [receiver, senders] of grudge) {
    for (const sender of senders) {
      let set = cuts.get(sender);
      if (!set) cuts.set(sender, (set = new Set()));
      set.add(receiver);
    }
  }
  return cuts;
}

/** The scheduler's own figures (shaper stats), per node. */
export interface SchedulerStats {
  received: number;
  passed: number;
  delayed: number;
  released: number;
  reordered: number;
  duplicated: number;
  droppedCut: number;
  droppedHeld: number;
  droppedFull: number;
  heldNow: number;
  heldMax: number;
  noBuffers: number;
  verdictErrors: number;
  lateUs: { p50?: number; p99?: number; max?: number; samples?: number };
  kernel: { queueDropped?: number; userDropped?: number; waiting?: number };
}

/**
 * The userspace scheduler of a cluster: started in a node's sidecar the first
 * time that node is shaped (so clusters without shaping pay nothing), then
 * reconfigured as shapes and partitions change.
 */
export class UserspaceShaper {
  readonly kind = "userspace" as const;
  private started = new Set<string>();
  private plan: ShapePlan = new Map();
  private cuts = new Map<string, Set<string>>();

  constructor(private readonly nodes: readonly ClusterNode[]) {}

  private node(id: string): ClusterNode {
    const node = this.nodes.find((n) => n.id === id);
    if (!node) throw new Error(`unknown node ${id}`);
    return node;
  }

  private addressOf = (id: string) => this.node(id).ip;

  private async ensureStarted(id: string): Promise<void> {
    if (this.started.has(id)) return;
    const node = this.node(id);
    const peers = this.nodes.filter((n) => n.id !== id).map((n) => n.ip);
    // The scheduler listens before any packet is queued to it (a queue nobody reads drops everything).
    await netctlExec(
      node.sidecar,
      id,
      [
        "(/opt/labgrade/shaper serve > /run/shaper.log 2>&1 &)",
        "for i in $(seq 1 100); do [ -S /run/labgrade-shaper.sock ] && break; sleep 0.05; done",
        '[ -S /run/labgrade-shaper.sock ] || { cat /run/shaper.log >&2; echo "the packet scheduler did not start" >&2; exit 1; }',
        queueRules(peers),
      ].join("; "),
    );
    this.started.add(id);
  }

  private async push(ids: Iterable<string>): Promise<void> {
    await Promise.all(
      [...ids].map(async (id) => {
        const shaped = [...(this.plan.get(id)?.values() ?? [])].some(isShaped);
        if (!shaped && !this.started.has(id)) return;
        await this.ensureStarted(id);
        const config = schedulerConfig(id, this.plan, this.cuts.get(id) ?? new Set(), this.addressOf);
        await netctlExec(this.node(id).sidecar, id, `/opt/labgrade/shaper set '${JSON.stringify(config)}' > /dev/null`);
      }),
    );
  }

  /** Replaces every node's outgoing shapes. */
  async shape(plan: ShapePlan): Promise<void> {
    this.plan = plan;
    await this.push(this.nodes.map((n) => n.id));
  }

  /**
   * A partition (or its heal, with an empty grudge): packets a node holds for
   * a receiver that now drops it are dropped, not released later.
   */
  async partition(grudge: Grudge): Promise<void> {
    const before = new Set(this.cuts.keys());
    this.cuts = cutsBySender(grudge);
    await this.push([...this.started].filter((id) => before.has(id) || this.cuts.has(id)));
  }

  /** Each started scheduler's figures (nodes never shaped are left out). */
  async stats(): Promise<Record<string, SchedulerStats>> {
    const out: Record<string, SchedulerStats> = {};
    await Promise.all(
      [...this.started].map(async (id) => {
        out[id] = JSON.parse(await netctlExec(this.node(id).sidecar, id, "/opt/labgrade/shaper stats")) as SchedulerStats;
      }),
    );
    return out;
  }
}

/** A test's latency on every node-to-node packet for the whole run (the suite's `latency`). */
export interface BaseLatency {
  ms: number;
  distribution: LinkShape["distribution"];
}

/** One shaping fault step in force (the suite's delay, jitter, reorder, duplicate), and the links it covers. */
export interface ShapingFault {
  kind: "delay" | "jitter" | "reorder" | "duplicate";
  ms?: number;
  percent?: number;
  /** Only this node's outgoing packets. */
  node?: string;
  /** Only the one-way link from → to. */
  from?: string;
  to?: string;
}

/** Defaults of a fault step that names no value: as the netem steps always had. */
const DEFAULT_MS = 100;
const DEFAULT_PERCENT = 10;

function covers(fault: ShapingFault, sender: string, receiver: string): boolean {
  if (fault.from !== undefined || fault.to !== undefined) return fault.from === sender && fault.to === receiver;
  if (fault.node !== undefined) return fault.node === sender;
  return true;
}

/**
 * The shapes of every link: the test's latency, with the fault steps in force
 * on top, in the order they were applied. delay adds its ms; jitter widens by
 * ± its ms (with its ms as the delay where there was none, as netem's "delay
 * X X"); reorder releases its percent at once (with a delay of its ms where
 * there was none, or there would be nothing to overtake); duplicate doubles
 * its percent of packets.
 */
export function composeShapes(nodeIds: readonly string[], base: BaseLatency | null, faults: readonly ShapingFault[]): ShapePlan {
  const plan: ShapePlan = new Map();
  for (const sender of nodeIds) {
    const links = new Map<string, LinkShape>();
    for (const receiver of nodeIds) {
      if (receiver === sender) continue;
      const shape: LinkShape = { ...NO_SHAPE, ...(base ? { delayMs: base.ms, distribution: base.distribution } : {}) };
      for (const fault of faults) {
        if (!covers(fault, sender, receiver)) continue;
        const ms = fault.ms ?? DEFAULT_MS;
        const percent = fault.percent ?? DEFAULT_PERCENT;
        if (fault.kind === "delay") shape.delayMs += ms;
        else if (fault.kind === "jitter") {
          if (shape.delayMs === 0) shape.delayMs = ms;
          shape.jitterMs = Math.max(shape.jitterMs, ms);
        } else if (fault.kind === "reorder") {
          if (shape.delayMs === 0) shape.delayMs = ms;
          shape.reorderPercent = percent;
        } else shape.duplicatePercent = percent;
      }
      if (isShaped(shape)) links.set(receiver, shape);
    }
    plan.set(sender, links);
  }
  return plan;
}
