// Real faults on a running cluster, applied without giving any node
// NET_ADMIN. Network faults run in each node's netctl sidecar (netctl.ts),
// which owns the node's network namespace and holds NET_ADMIN itself; the
// student's program, in the node container, has no capability at all.
// Everything goes through the Docker API, so it works against a remote
// engine. Kill, restart and pause use the engine directly: the namespace, its
// address and its rules stay with the sidecar while the node is down.
//
// Rules live in our own chain (LABGRADE) hooked into INPUT, so a heal is a
// flush of that chain and nothing else in the namespace is touched.
import type Docker from "dockerode";
import { InfraError } from "../lib/errors.js";
import { netctlExec } from "./netctl.js";
import { nodesWithoutMajority, type Grudge } from "./partitions.js";
import { composeShapes, NO_SHAPE, type BaseLatency, type LinkShape, type LinkShaper, type SchedulerStats, type ShapingFault } from "./shaping.js";

export interface ClusterNode {
  id: string;
  container: Docker.Container;
  /** The sidecar owning the node's network namespace. */
  sidecar: Docker.Container;
  ip: string;
}

/** Installs the faults' chain in a node's namespace (once, when its sidecar starts). */
export const FAULT_CHAIN_SETUP = "iptables -N LABGRADE; iptables -I INPUT 1 -j LABGRADE";

/**
 * A script that replaces every rule of our chain in one iptables-restore
 * transaction: flushing and then adding, rule by rule, would leave the node
 * open for a moment, and a packet of a long-cut peer could slip through it
 * (a Raft leader that hears a higher term from a node it is cut from steps
 * down). Rules are iptables arguments without the chain: "-s 198.18.0.3 -j DROP".
 */
export function replaceChain(rules: readonly string[]): string {
  const lines = ["*filter", ":LABGRADE - [0:0]", ...rules.map((rule) => `-A LABGRADE ${rule}`), "COMMIT"];
  return `printf '%s\\n' ${lines.map((line) => `'${line}'`).join(" ")} | iptables-restore --noflush`;
}

/** A shell suffix that aborts this namespace's TCP connections to or from these addresses ("" for none). */
function abortConnections(ips: readonly string[]): string {
  if (ips.length === 0) return "";
  return `; ss -K -t -n '${ips.map((ip) => `dst ${ip}`).join(" or ")}' >/dev/null`;
}

export class ClusterFaults {
  /** How packets are delayed here (shaping.ts), or null where they cannot be. */
  readonly shaper: LinkShaper | null;
  /** The test's latency, in force for the whole run. */
  private base: BaseLatency | null = null;
  /** Shaping steps in force since the last heal, in the order applied. */
  private shaping: ShapingFault[] = [];
  /** How a server's replies are held apart from its other packets (setNetwork), or null. */
  private replies: { sourcePort: number; shape: LinkShape } | null = null;

  /**
   * `shaper` delays packets here (null: nothing can); `latency` is the test's,
   * already in force (cluster.ts applies it before the programs start);
   * `cutServices`, when the test has partitions cut the services off too
   * (servicesWithMajority), tells the services which nodes not to answer.
   */
  constructor(
    private readonly nodes: ClusterNode[],
    shaper: LinkShaper | null = null,
    latency: BaseLatency | null = null,
    private readonly cutServices: ((nodeIds: readonly string[]) => Promise<void>) | null = null,
  ) {
    this.shaper = shaper;
    this.base = latency;
  }

  private shaperOrThrow(what: string): LinkShaper {
    if (!this.shaper) {
      throw new InfraError("shaping.unavailable", `${what} needs packets held on their way, and this runner can do it neither with its packet scheduler nor with netem`);
    }
    return this.shaper;
  }

  private async reshape(): Promise<void> {
    if (!this.shaper) return;
    const plan = composeShapes(this.nodes.map((n) => n.id), this.base, this.shaping);
    const replies = this.replies;
    if (replies) {
      for (const sender of this.nodes) {
        const links = plan.get(sender.id) ?? new Map<string, LinkShape>();
        plan.set(sender.id, links);
        for (const receiver of this.nodes) if (receiver.id !== sender.id) links.set(receiver.id, { ...(links.get(receiver.id) ?? NO_SHAPE), replies });
      }
    }
    await this.shaper.shape(plan);
  }

  /** A delay, jitter, reorder or duplicate step, on top of the latency, until a heal. */
  async shape(fault: ShapingFault): Promise<void> {
    this.shaperOrThrow(`"${fault.kind}"`);
    this.shaping.push(fault);
    await this.reshape();
  }

  /** What the userspace scheduler did on each node it ran on (empty elsewhere). */
  async schedulerStats(): Promise<Record<string, SchedulerStats>> {
    return this.shaper ? this.shaper.stats() : {};
  }

  /** Runs a shell script in a node's network namespace (as its sidecar); returns stdout. */
  async exec(nodeId: string, script: string): Promise<string> {
    return netctlExec(this.node(nodeId).sidecar, nodeId, script);
  }

  private ipOf(id: string): string {
    const node = this.nodes.find((n) => n.id === id);
    if (!node) throw new InfraError("faults.unknown_node", `unknown node ${id}`);
    return node.ip;
  }

  /**
   * Replaces all network rules with the grudge: each node drops packets from
   * the listed nodes. Returns the nodes cut off from the services with it
   * (only when the test asks for that: otherwise none).
   */
  async partition(grudge: Grudge): Promise<string[]> {
    // Packets the scheduler holds for a receiver that now drops them are dropped, not released later.
    await this.shaper?.partition(grudge);
    await Promise.all(this.nodes.map((n) => this.exec(n.id, replaceChain([...(grudge.get(n.id) ?? [])].map((peer) => `-s ${this.ipOf(peer)} -j DROP`)))));
    if (!this.cutServices) return [];
    const cut = nodesWithoutMajority(grudge, this.nodes.map((n) => n.id));
    await this.cutServices(cut);
    return cut;
  }

  /**
   * Puts the network between nodes in one state, replacing whatever was in
   * force: these cuts, this loss, these shaping steps on top of the test's
   * latency. Each node's rules change in one transaction (replaceChain), so a
   * cut node never has a moment without its cut (the tester's disconnect and
   * unreliable modes change while the other stays: ordered-faults.ts).
   * Then every TCP connection a cut crosses is aborted on both sides (`ss
   * -K`): what was sent on it and not yet delivered is lost, as labrpc loses
   * a disconnected peer's requests and replies, rather than resent by TCP and
   * delivered once the cut heals.
   */
  async setNetwork(state: { grudge: Grudge; lossProbability: number; shaping: ShapingFault[]; replies?: { sourcePort: number; shape: LinkShape } }): Promise<void> {
    if (state.shaping.length > 0) this.shaperOrThrow(`"${state.shaping[0]!.kind}"`);
    if (state.replies) this.shaperOrThrow("holding replies");
    if (state.lossProbability < 0 || state.lossProbability > 1) throw new InfraError("faults.bad_probability", `loss probability must be in [0, 1], got ${state.lossProbability}`);
    await this.shaper?.partition(state.grudge);
    const peers = this.nodes.map((n) => n.ip).join(",");
    await Promise.all(
      this.nodes.map((n) => {
        const cut = [...(state.grudge.get(n.id) ?? [])].map((peer) => this.ipOf(peer));
        const drops = cut.map((ip) => `-s ${ip} -j DROP`);
        const loss = state.lossProbability > 0 ? [`-s ${peers} -m statistic --mode random --probability ${state.lossProbability} -j DROP`] : [];
        return this.exec(n.id, replaceChain([...drops, ...loss]) + abortConnections(cut));
      }),
    );
    this.shaping = [...state.shaping];
    this.replies = state.replies ?? null;
    await this.reshape();
  }

  /** Drops each packet between nodes with the given probability (clients are spared). */
  async loss(probability: number, nodeIds: string[] = this.nodes.map((n) => n.id)): Promise<void> {
    if (!(probability > 0 && probability <= 1)) throw new InfraError("faults.bad_probability", `loss probability must be in (0, 1], got ${probability}`);
    const peers = this.nodes.map((n) => n.ip).join(",");
    await Promise.all(
      nodeIds.map((id) => this.exec(id, `iptables -A LABGRADE -s ${peers} -m statistic --mode random --probability ${probability} -j DROP`)),
    );
  }

  /** Limits each node's outgoing bandwidth (token bucket). */
  async bandwidth(kbitPerSecond: number, nodeIds: string[] = this.nodes.map((n) => n.id)): Promise<void> {
    if (await this.shaper?.bandwidth(nodeIds, kbitPerSecond)) return;
    await Promise.all(
      nodeIds.map((id) => this.exec(id, `tc qdisc replace dev eth0 root tbf rate ${Math.round(kbitPerSecond)}kbit burst 32kbit latency 400ms`)),
    );
  }

  /**
   * Removes every network fault: rules flushed, queueing disciplines reset,
   * shaping steps lifted. The test's latency stays: it is the network itself.
   */
  async heal(): Promise<void> {
    await this.shaper?.partition(new Map());
    await this.cutServices?.([]);
    await Promise.all(this.nodes.map((n) => this.exec(n.id, "iptables -F LABGRADE; tc qdisc del dev eth0 root 2>/dev/null || true")));
    this.shaper?.healed();
    this.shaping = [];
    this.replies = null;
    await this.reshape();
  }

  /** Packets dropped by our rules on a node so far (for evidence and tests). */
  async droppedPackets(nodeId: string): Promise<number> {
    const out = await this.exec(nodeId, "iptables -L LABGRADE -v -n -x");
    return out
      .split("\n")
      .filter((l) => /\sDROP\s/.test(l))
      .reduce((sum, l) => sum + Number(l.trim().split(/\s+/)[0] ?? 0), 0);
  }

  /** kill -9 of the whole node container (program and agent). */
  async kill(nodeId: string): Promise<void> {
    await this.node(nodeId).container.kill({ signal: "SIGKILL" });
  }

  /** Starts a killed node again, in the namespace its sidecar kept: same address, same rules in force. */
  async restart(nodeId: string): Promise<void> {
    await this.node(nodeId).container.start();
  }

  async pause(nodeId: string): Promise<void> {
    await this.node(nodeId).container.pause();
  }

  async resume(nodeId: string): Promise<void> {
    await this.node(nodeId).container.unpause();
  }

  private node(id: string): ClusterNode {
    const node = this.nodes.find((n) => n.id === id);
    if (!node) throw new InfraError("faults.unknown_node", `unknown node ${id}`);
    return node;
  }
}
