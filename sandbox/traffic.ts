// Messages between servers, counted where no node can forge or avoid the
// count: firewall counters in each node's network namespace, made and read
// by its netctl sidecar (netctl.ts), never by the node. As Maelstrom counts
// msgs-per-op: every message that involves no client, in both directions,
// node to node and node to service and service to node.
//   - out to each peer node: every packet, whatever its protocol or port (a
//     node that talks over its own sockets instead of the agent is counted
//     all the same);
//   - out to the services and in from them: their port only (so the DNS
//     queries the engine's resolver makes on the node's behalf do not count).
// A node-to-node packet is counted once, by its sender (also when the
// receiver's partition rule then drops it: it was sent). In Maelstrom mode a
// packet is one envelope (one datagram, counted before the kernel fragments
// it); in native mode the program's own transport decides what a packet
// carries, so the counts are packets, not messages.
import type Docker from "dockerode";
import { PEER_PORT } from "./programs/agent/wire.js";
import { netctlExec } from "./netctl.js";

const OUT_CHAIN = "LABGRADE-COUNT-OUT";
const IN_CHAIN = "LABGRADE-COUNT-IN";

export interface PacketCount {
  packets: number;
  bytes: number;
}

export interface NodeTraffic {
  /** Sent to each peer node, by id. */
  toNodes: Record<string, PacketCount>;
  toServices: PacketCount;
  fromServices: PacketCount;
}

/**
 * The script that installs the counters in a node's namespace: one rule per
 * peer and per direction of service traffic, each without a target (it only
 * counts, then the packet goes on). First in OUTPUT and INPUT, so nothing
 * before them can skip them.
 */
export function countingRules(peers: Record<string, string>, servicesAddress: string): string {
  return [
    `iptables -N ${OUT_CHAIN}`,
    `iptables -N ${IN_CHAIN}`,
    // Copies the packet scheduler re-injects (duplication, shaping.ts) are the network's doing, not the node's.
    `iptables -A ${OUT_CHAIN} -m mark --mark 0x5a17 -j RETURN`,
    ...Object.values(peers).map((ip) => `iptables -A ${OUT_CHAIN} -d ${ip}/32`),
    `iptables -A ${OUT_CHAIN} -d ${servicesAddress}/32 -p udp --dport ${PEER_PORT}`,
    `iptables -A ${IN_CHAIN} -s ${servicesAddress}/32 -p udp --sport ${PEER_PORT}`,
    `iptables -I OUTPUT 1 -j ${OUT_CHAIN}`,
    `iptables -I INPUT 1 -j ${IN_CHAIN}`,
  ].join("; ");
}

/** Reads the counters from `iptables-save -c` output (exported for unit tests). */
export function parseCounters(saved: string, peers: Record<string, string>, servicesAddress: string): NodeTraffic {
  const byAddress = new Map(Object.entries(peers).map(([id, ip]) => [`${ip}/32`, id]));
  const traffic: NodeTraffic = { toNodes: Object.fromEntries(Object.keys(peers).map((id) => [id, { packets: 0, bytes: 0 }])), toServices: { packets: 0, bytes: 0 }, fromServices: { packets: 0, bytes: 0 } };
  for (const line of saved.split("\n")) {
    const match = /^\[(\d+):(\d+)\] -A (\S+) (.*)$/.exec(line.trim());
    if (!match) continue;
    const count = { packets: Number(match[1]), bytes: Number(match[2]) };
    const [chain, rule] = [match[3], match[4]!];
    if (chain === OUT_CHAIN) {
      const dest = /-d (\S+)/.exec(rule)?.[1];
      if (dest === `${servicesAddress}/32`) traffic.toServices = count;
      else if (dest && byAddress.has(dest)) traffic.toNodes[byAddress.get(dest)!] = count;
    } else if (chain === IN_CHAIN && rule.includes(`-s ${servicesAddress}/32`)) {
      traffic.fromServices = count;
    }
  }
  return traffic;
}

export async function installCounters(sidecar: Docker.Container, nodeId: string, peers: Record<string, string>, servicesAddress: string): Promise<void> {
  await netctlExec(sidecar, nodeId, countingRules(peers, servicesAddress));
}

export async function readCounters(sidecar: Docker.Container, nodeId: string, peers: Record<string, string>, servicesAddress: string): Promise<NodeTraffic> {
  return parseCounters(await netctlExec(sidecar, nodeId, "iptables-save -c -t filter"), peers, servicesAddress);
}

/** Every message between servers in a cluster: what msgs-per-op divides. */
export function serverMessagesOf(traffic: Record<string, NodeTraffic>): number {
  let total = 0;
  for (const node of Object.values(traffic)) {
    for (const count of Object.values(node.toNodes)) total += count.packets;
    total += node.toServices.packets + node.fromServices.packets;
  }
  return total;
}
