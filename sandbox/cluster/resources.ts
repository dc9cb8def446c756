// What a test cluster has created so far, and its removal in the one order
// that works: what joined a sidecar's namespace (nodes, and the services and
// controller) before the sidecars, then the network, then the volumes. Every
// step of cluster.ts registers what it creates here, so a failure at any step
// removes exactly what exists.
import type Docker from "dockerode";
import type { ClusterAddresses } from "../addressing.js";
import { removeVolume } from "../volumes.js";

export class ClusterResources {
  readonly containers: Docker.Container[] = [];
  readonly sidecars: Docker.Container[] = [];
  readonly volumes: string[] = [];
  network: Docker.Network | undefined;

  constructor(private readonly docker: Docker) {}

  async removeAll(): Promise<void> {
    await Promise.all(this.containers.splice(0).map((c) => c.remove({ force: true, v: true }).catch(() => undefined)));
    await Promise.all(this.sidecars.splice(0).map((c) => c.remove({ force: true, v: true }).catch(() => undefined)));
    const network = this.network;
    this.network = undefined;
    await network?.remove().catch(() => undefined);
    await Promise.all(this.volumes.splice(0).map((v) => removeVolume(this.docker, v)));
  }
}

/** What every step needs to know of the cluster: its name, its addresses, its labels. */
export interface ClusterContext {
  docker: Docker;
  /** The cluster's suffix: its containers are lg-<id>-<role>. */
  id: string;
  networkName: string;
  plan: ClusterAddresses;
  /** "name:address" lines for every container's /etc/hosts. */
  hosts: string[];
  labels: Record<string, string>;
  resources: ClusterResources;
}

/** Networking of one of our containers on the lab network: a fixed address, every member in /etc/hosts, only our resolver upstream. */
export function memberOf(ctx: ClusterContext, address: string, name: string) {
  return {
    HostConfig: { NetworkMode: ctx.networkName, ExtraHosts: ctx.hosts, Dns: [ctx.plan.services], DnsSearch: [] },
    NetworkingConfig: { EndpointsConfig: { [ctx.networkName]: { IPAMConfig: { IPv4Address: address }, Aliases: [name] } } },
  };
}

/** A node's peers (every other node) by id, with their addresses. */
export function peersOf(plan: ClusterAddresses, nodeId: string): Record<string, string> {
  return Object.fromEntries(Object.entries(plan.nodes).filter(([id]) => id !== nodeId));
}
