// The cluster's network layer for delay, jitter, reordering and duplication:
// what each node's packets to each peer go through, one way. Two ways to do
// it, chosen when the runner starts (capabilities.ts):
//   - "userspace": our packet scheduler (sandbox/programs/shaper), run in each node's
//     netctl sidecar: the node's packets to its peers go through netfilter
//     queue 0, and the scheduler releases each after its delay, per link, and
//     drops what a partition cuts, also while it holds it (preferred: the same
//     behaviour, measured by bench/shaper-accuracy.ts, on every host);
//   - "netem": the kernel's queueing discipline, one netem per shaped peer
//     under an htb on the node's interface, chosen by destination address
//     (for kernels without NFQUEUE; it cannot draw exponential delays);
//   - "none": neither exists; suite validation refuses these faults where no
//     runner can apply them, and a runner without them refuses the test
//     (an error of ours, retried), never fakes it.
// Only node-to-node packets are shaped (Maelstrom's --latency): clients and
// the services answer at once. Nothing is delayed in our agent: programs in
// native mode get the same network.
import { InfraError } from "../lib/errors.js";
import type { FaultStep, LATENCY_DISTRIBUTIONS, SHAPING_FAULTS } from "../lib/suites/schema.js";
import type { ClusterNode } from "./faults.js";

/** What shaping needs of a node: its namespace's sidecar and its address. */
export type ShapedNode = Pick<ClusterNode, "id" | "sidecar" | "ip">;
import { netctlExec } from "./netctl.js";
import type { Grudge } from "./partitions.js";

export type ShaperKind = "userspace" | "netem" | "none";

/** One link's shape: see sandbox/programs/shaper/plan.go. */
export interface LinkShape {
  /** Mean one-way delay, ms. */
  delayMs: number;
  /** constant (exactly delayMs), uniform (0 to 2·delayMs), exponential (mean delayMs). */
  distribution: (typeof LATENCY_DISTRIBUTIONS)[number];
  /** ± this much, uniformly, on each delay (ms). */
  jitterMs: number;
  /** This share of packets are released at once, overtaking the delayed ones. */
  reorderPercent: number;
  /** This share of packets arrive twice. */
  duplicatePercent: number;
  /**
   * Instead of the above, for the TCP segments with data a server sends from
   * this port (its replies): labrpc's long reordering holds replies, never
   * requests. The userspace scheduler only.
   */
  replies?: { sourcePort: number; shape: LinkShape };
}

export const NO_SHAPE: LinkShape = { delayMs: 0, distribution: "constant", jitterMs: 0, reorderPercent: 0, duplicatePercent: 0 };

/** Every node's outgoing shapes: by sender, then by receiver. A missing pair is not shaped. */
export type ShapePlan = Map<string, Map<string, LinkShape>>;

export const isShaped = (s: LinkShape): boolean => s.delayMs > 0 || s.jitterMs > 0 || s.reorderPercent > 0 || s.duplicatePercent > 0 || (s.replies !== undefined && isShaped(s.replies.shape));

/** A test's latency on every node-to-node packet for the whole run (the suite's `latency`). */
export interface BaseLatency {
  ms: number;
  distribution: LinkShape["distribution"];
}

/** A shaping fault step in force, with its node choice resolved ("random" picked). */
export type ShapingFault = Extract<FaultStep, { kind: (typeof SHAPING_FAULTS)[number] }>;

/** What a fault step gives when it names no value (as the netem steps always did). */
const DEFAULT_MS = 100;
const DEFAULT_PERCENT = 10;

function covers(fault: ShapingFault, sender: string, receiver: string): boolean {
  if (fault.from !== undefined) return fault.from === sender && fault.to === receiver;
  if (fault.node !== undefined) return fault.node === sender;
  return true;
}

/**
 * The shapes of every link: the test's latency, with the shaping steps in
 * force. On each link the latest step of each kind that covers it holds (so a
 * later `delay` replaces an earlier one on the same packets, and `ms: 0`
 * lifts it): delay adds its ms to the latency; jitter spreads each delay by ±
 * its ms (taking its ms as the delay where there is none, as netem's "delay X
 * X"); reorder sends its percent at once (with its ms as the delay where there
 * is none, or there would be nothing to overtake); duplicate sends its percent
 * twice.
 */
export function composeShapes(nodeIds: readonly string[], base: BaseLatency | null, faults: readonly ShapingFault[]): ShapePlan {
  const plan: ShapePlan = new Map();
  for (const sender of nodeIds) {
    const links = new Map<string, LinkShape>();
    for (const receiver of nodeIds) {
      if (receiver === sender) continue;
      const latest = new Map<ShapingFault["kind"], ShapingFault>();
      for (const fault of faults) if (covers(fault, sender, receiver)) latest.set(fault.kind, fault);
      const delay = latest.get("delay");
      const jitter = latest.get("jitter");
      const reorder = latest.get("reorder");
      const duplicate = latest.get("duplicate");
      const shape: LinkShape = { ...NO_SHAPE, ...(base ? { delayMs: base.ms, distribution: base.distribution } : {}) };
      if (delay) shape.delayMs += msOf(delay);
      if (jitter) {
        shape.jitterMs = msOf(jitter);
        if (shape.delayMs === 0) shape.delayMs = shape.jitterMs;
      }
      if (reorder) {
        shape.reorderPercent = percentOf(reorder);
        if (shape.delayMs === 0 && shape.reorderPercent > 0) shape.delayMs = msOf(reorder);
      }
      if (duplicate) shape.duplicatePercent = percentOf(duplicate);
      if (isShaped(shape)) links.set(receiver, shape);
    }
    plan.set(sender, links);
  }
  return plan;
}

const msOf = (fault: ShapingFault) => ("ms" in fault && fault.ms !== undefined ? fault.ms : DEFAULT_MS);
const percentOf = (fault: ShapingFault) => ("percent" in fault && fault.percent !== undefined ? fault.percent : DEFAULT_PERCENT);

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

/** The userspace scheduler's own figures (shaper stats), per node. */
export interface SchedulerStats {
  received: number;
  passed: number;
  delayed: number;
  released: number;
  reordered: number;
  duplicated: number;
  /** Copies decided but not sent (the packet was held in the kernel, or the kernel refused the copy). */
  duplicateFailed: number;
  /** Packets held as the kernel's own rather than as a copy (not whole, larger than the MTU, or too many bytes held). */
  heldInKernel: number;
  /** Held copies the kernel refused to take back when due: lost by the scheduler. */
  droppedReinject: number;
  droppedCut: number;
  droppedHeld: number;
  droppedFull: number;
  heldNow: number;
  heldMax: number;
  noBuffers: number;
  verdictErrors: number;
  /** The scheduler's own CPU time so far (user and system), microseconds. */
  cpuUs: number;
  /** How much earlier than due it releases packets now, to make up for its own release time. */
  compensationUs: number;
  /** How late releases were against their due time, microseconds. */
  lateUs: { p50?: number; p99?: number; max?: number; samples?: number };
  /** The kernel's counters of the queue (/proc/net/netfilter/nfnetlink_queue). */
  kernel: { queueDropped?: number; userDropped?: number; waiting?: number };
}

/** A cluster's shaping, whichever way it is done. */
export interface LinkShaper {
  readonly kind: Exclude<ShaperKind, "none">;
  /** Replaces every node's outgoing shapes. */
  shape(plan: ShapePlan): Promise<void>;
  /** A partition started (or healed, with an empty grudge): held packets it cuts are dropped. */
  partition(grudge: Grudge): Promise<void>;
  /** Limits these nodes' outgoing bandwidth, composed with the shapes; false: not this layer's job. */
  bandwidth(nodeIds: readonly string[], kbitPerSecond: number): Promise<boolean>;
  /** The network was healed: qdiscs were reset, limits are gone. */
  healed(): void;
  /** Per node, what the scheduler did (userspace only; nodes never shaped are left out). */
  stats(): Promise<Record<string, SchedulerStats>>;
  /** Words for the fault timeline: "(userspace scheduler)". */
  readonly label: string;
}

export function createShaper(kind: ShaperKind, nodes: readonly ShapedNode[]): LinkShaper | null {
  if (kind === "userspace") return new UserspaceShaper(nodes);
  if (kind === "netem") return new NetemShaper(nodes);
  return null;
}

function nodeOf(nodes: readonly ShapedNode[], id: string): ShapedNode {
  const node = nodes.find((n) => n.id === id);
  if (!node) throw new InfraError("faults.unknown_node", `unknown node ${id}`);
  return node;
}

/** The scheduler's firewall in a node's namespace: its peers' packets to the queue, its own re-injected copies past it. */
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
  const links: Record<string, LinkShape> = {};
  for (const [receiver, shape] of plan.get(sender) ?? []) if (isShaped(shape)) links[addressOf(receiver)] = shape;
  return { default: null, links, cut: [...cutFrom].map(addressOf) };
}

/** Where the scheduler's process and socket live in the sidecar. */
const SHAPER = "/opt/labgrade/shaper";
const SHAPER_SOCKET = "/run/labgrade-shaper.sock";

/**
 * Starts the scheduler in a sidecar and sends the node's peers' packets to
 * it: it listens before any packet is queued (a queue nobody reads drops
 * everything).
 */
export function startSchedulerScript(peerAddresses: readonly string[]): string {
  return [
    // GOMAXPROCS: the sidecar's task limit counts the scheduler's threads.
    `(GOMAXPROCS=2 ${SHAPER} serve > /run/shaper.log 2>&1 &)`,
    `for i in $(seq 1 100); do [ -S ${SHAPER_SOCKET} ] && break; sleep 0.05; done`,
    `[ -S ${SHAPER_SOCKET} ] || { cat /run/shaper.log >&2; echo "the packet scheduler did not start" >&2; exit 1; }`,
    queueRules(peerAddresses),
  ].join("; ");
}

/**
 * The userspace scheduler of a cluster: started in a node's sidecar the first
 * time that node is shaped (clusters without shaping pay nothing), then
 * reconfigured as shapes and partitions change.
 */
export class UserspaceShaper implements LinkShaper {
  readonly kind = "userspace" as const;
  readonly label = "userspace scheduler";
  private started = new Set<string>();
  private plan: ShapePlan = new Map();
  private cuts = new Map<string, Set<string>>();

  constructor(private readonly nodes: readonly ShapedNode[]) {}

  private addressOf = (id: string) => nodeOf(this.nodes, id).ip;

  private async ensureStarted(id: string): Promise<void> {
    if (this.started.has(id)) return;
    const peers = this.nodes.filter((n) => n.id !== id).map((n) => n.ip);
    await netctlExec(nodeOf(this.nodes, id).sidecar, id, startSchedulerScript(peers));
    this.started.add(id);
  }

  private async push(ids: Iterable<string>): Promise<void> {
    await Promise.all(
      [...ids].map(async (id) => {
        const shaped = [...(this.plan.get(id)?.values() ?? [])].some(isShaped);
        if (!shaped && !this.started.has(id)) return;
        await this.ensureStarted(id);
        const config = schedulerConfig(id, this.plan, this.cuts.get(id) ?? new Set(), this.addressOf);
        await netctlExec(nodeOf(this.nodes, id).sidecar, id, `${SHAPER} set '${JSON.stringify(config)}' > /dev/null`);
      }),
    );
  }

  async shape(plan: ShapePlan): Promise<void> {
    this.plan = plan;
    await this.push(this.nodes.map((n) => n.id));
  }

  async partition(grudge: Grudge): Promise<void> {
    const before = new Set(this.cuts.keys());
    this.cuts = cutsBySender(grudge);
    await this.push([...this.started].filter((id) => before.has(id) || this.cuts.has(id)));
  }

  /** The token bucket on the interface comes after the queue: the faults compose as they are. */
  async bandwidth(): Promise<boolean> {
    return false;
  }

  healed(): void {}

  async stats(): Promise<Record<string, SchedulerStats>> {
    const out: Record<string, SchedulerStats> = {};
    await Promise.all(
      [...this.started].map(async (id) => {
        out[id] = JSON.parse(await netctlExec(nodeOf(this.nodes, id).sidecar, id, `${SHAPER} stats`)) as SchedulerStats;
      }),
    );
    return out;
  }
}

/** netem's words for one link's shape (`tc qdisc … netem <these>`). */
export function netemSpec(shape: LinkShape): string {
  if (shape.replies) {
    throw new InfraError("shaping.netem_replies", "netem cannot hold a server's replies apart from its other packets (long reordering); this test needs a runner with the userspace scheduler");
  }
  if (shape.distribution === "exponential") {
    throw new InfraError("shaping.netem_exponential", "netem cannot draw exponential delays (it has no such distribution table); this test needs a runner with the userspace scheduler");
  }
  const ms = (n: number) => `${Math.round(n * 1000) / 1000}ms`;
  // uniform over 0..2·mean is netem's default (uniform) jitter of ±mean; our jitter adds to it.
  const spread = (shape.distribution === "uniform" ? shape.delayMs : 0) + shape.jitterMs;
  const words = [`delay ${ms(shape.delayMs)}${spread > 0 ? ` ${ms(spread)}` : ""}`];
  if (shape.reorderPercent > 0) words.push(`reorder ${shape.reorderPercent}%`);
  if (shape.duplicatePercent > 0) words.push(`duplicate ${shape.duplicatePercent}%`);
  return words.join(" ");
}

/** A rate no lab link reaches: "not limited". */
const UNLIMITED = "10gbit";

/**
 * The tc commands of one node's interface under netem: an htb whose default
 * class carries everything unshaped (clients, services) and one class per
 * shaped peer with its netem, chosen by destination address. A bandwidth
 * limit is every class's rate.
 */
export function netemCommands(links: ReadonlyMap<string, LinkShape>, addressOf: (id: string) => string, kbitPerSecond: number | null): string[] {
  const rate = kbitPerSecond ? `${Math.round(kbitPerSecond)}kbit` : UNLIMITED;
  const commands = [
    "tc qdisc del dev eth0 root 2>/dev/null || true",
    "tc qdisc add dev eth0 root handle 1: htb default 1",
    `tc class add dev eth0 parent 1: classid 1:1 htb rate ${rate}`,
  ];
  let minor = 2;
  for (const [peer, shape] of links) {
    if (!isShaped(shape)) continue;
    const id = minor++;
    commands.push(
      `tc class add dev eth0 parent 1: classid 1:${id} htb rate ${rate}`,
      `tc qdisc add dev eth0 parent 1:${id} handle ${id}: netem ${netemSpec(shape)}`,
      `tc filter add dev eth0 parent 1: protocol ip prio 1 u32 match ip dst ${addressOf(peer)}/32 flowid 1:${id}`,
    );
  }
  return commands;
}

/** Shaping with the kernel's netem, for kernels without NFQUEUE (see the file's header). */
export class NetemShaper implements LinkShaper {
  readonly kind = "netem" as const;
  readonly label = "netem";
  private plan: ShapePlan = new Map();
  private rates = new Map<string, number>();
  /** Nodes whose interface has our htb. */
  private built = new Set<string>();

  constructor(private readonly nodes: readonly ShapedNode[]) {}

  private async apply(ids: Iterable<string>): Promise<void> {
    await Promise.all(
      [...ids].map(async (id) => {
        const links = this.plan.get(id) ?? new Map<string, LinkShape>();
        const shaped = [...links.values()].some(isShaped);
        if (!shaped && !this.rates.has(id) && !this.built.has(id)) return;
        const addressOf = (peer: string) => nodeOf(this.nodes, peer).ip;
        await netctlExec(nodeOf(this.nodes, id).sidecar, id, netemCommands(links, addressOf, this.rates.get(id) ?? null).join("; "));
        this.built.add(id);
      }),
    );
  }

  async shape(plan: ShapePlan): Promise<void> {
    this.plan = plan;
    await this.apply(this.nodes.map((n) => n.id));
  }

  /** Packets netem holds reach the receiver later, where the partition's rules drop them. */
  async partition(): Promise<void> {}

  /** One tree per interface: the limit is the rate of its classes. */
  async bandwidth(nodeIds: readonly string[], kbitPerSecond: number): Promise<boolean> {
    for (const id of nodeIds) this.rates.set(id, kbitPerSecond);
    await this.apply(nodeIds);
    return true;
  }

  healed(): void {
    this.rates.clear();
    this.built.clear();
  }

  async stats(): Promise<Record<string, SchedulerStats>> {
    return {};
  }
}
