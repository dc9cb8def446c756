// Addresses of one test cluster. Every cluster gets a /24 of its own from the
// lab pool (LABGRADE_LAB_SUBNET_POOL, inside 198.18.0.0/15), chosen here and
// given to Docker at creation: Docker allows fixed container addresses only on
// networks whose subnet was given explicitly. Fixed addresses let everything
// in the cluster know who is who without asking any DNS server: each
// container's /etc/hosts names every member, the services check that a
// request's `src` is the node it came from, and the traffic counters of each
// node's namespace tell peers from services by address.
//
// Layout of the /24 a.b.c.0: .1 the bridge's gateway (the host side), .2 the
// services container (lin-kv & co. and the cluster's resolver), .3 the
// controller, .10 + i node n<i>.
import type Docker from "dockerode";
import { InfraError } from "../lib/errors.js";
import { SERVICE_NAMES } from "./programs/services/names.js";

export interface ClusterAddresses {
  /** e.g. "198.18.37.0/24" */
  subnet: string;
  gateway: string;
  services: string;
  controller: string;
  /** Node id → address. */
  nodes: Record<string, string>;
}

const FIRST_NODE_HOST = 10;
/** Room in a /24 after the fixed members (.10 … .254). */
export const MAX_CLUSTER_NODES = 254 - FIRST_NODE_HOST;

interface Cidr {
  base: number;
  prefix: number;
}

function ipToInt(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`"${ip}" is not an IPv4 address`);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export function parseCidr(text: string): Cidr {
  const match = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not an IPv4 subnet like 198.18.0.0/16`);
  const prefix = Number(match[2]);
  if (prefix > 32) throw new Error(`"${text}": a prefix is at most 32`);
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return { base: (ipToInt(match[1]!) & mask) >>> 0, prefix };
}

function contains(outer: Cidr, inner: Cidr): boolean {
  if (inner.prefix < outer.prefix) return false;
  const mask = outer.prefix === 0 ? 0 : (~0 << (32 - outer.prefix)) >>> 0;
  return ((inner.base & mask) >>> 0) === outer.base;
}

function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b) || contains(b, a);
}

/** Lab networks must stay in the range reserved for network testing. */
const TEST_RANGE = parseCidr("198.18.0.0/15");

/** Checks a lab pool: a subnet of 198.18.0.0/15 with room for at least one /24. */
export function parseLabPool(text: string): Cidr {
  const pool = parseCidr(text);
  if (!contains(TEST_RANGE, pool)) throw new Error(`"${text}" is not inside 198.18.0.0/15 (the range reserved for network testing)`);
  if (pool.prefix > 24) throw new Error(`"${text}" is smaller than one /24 (each cluster takes a /24)`);
  return pool;
}

/** The fixed addresses of a cluster in the /24 that starts at `subnetBase`. */
export function planAddresses(subnet: string, nodeIds: readonly string[]): ClusterAddresses {
  const { base, prefix } = parseCidr(subnet);
  if (prefix !== 24) throw new Error(`a cluster's subnet is a /24, not ${subnet}`);
  if (nodeIds.length > MAX_CLUSTER_NODES) throw new Error(`at most ${MAX_CLUSTER_NODES} nodes fit a cluster's /24`);
  return {
    subnet: `${intToIp(base)}/24`,
    gateway: intToIp(base + 1),
    services: intToIp(base + 2),
    controller: intToIp(base + 3),
    nodes: Object.fromEntries(nodeIds.map((id, i) => [id, intToIp(base + FIRST_NODE_HOST + i)])),
  };
}

/** Every name in the cluster and its address: the nodes, the services' names, the controller. */
export function clusterHosts(plan: ClusterAddresses): Record<string, string> {
  return {
    ...plan.nodes,
    ...Object.fromEntries(SERVICE_NAMES.map((name) => [name, plan.services])),
    services: plan.services,
    controller: plan.controller,
  };
}

/** The hosts table as Docker's ExtraHosts ("name:address"), written into each container's /etc/hosts. */
export function extraHosts(plan: ClusterAddresses): string[] {
  return Object.entries(clusterHosts(plan)).map(([name, ip]) => `${name}:${ip}`);
}

/** The hosts table as one environment value ("n0=198.18.3.10,lin-kv=198.18.3.2,…"), for our programs in the cluster. */
export function hostsEnv(plan: ClusterAddresses): string {
  return Object.entries(clusterHosts(plan))
    .map(([name, ip]) => `${name}=${ip}`)
    .join(",");
}

/** Reads hostsEnv() back (name → address). */
export function parseHostsEnv(text: string): Map<string, string> {
  const table = new Map<string, string>();
  for (const pair of text.split(",")) {
    const [name, ip] = pair.split("=");
    if (name && ip) table.set(name, ip);
  }
  return table;
}

/** Subnets the engine's networks already use (its default bridge's too). */
async function subnetsInUse(docker: Docker): Promise<Cidr[]> {
  const networks = await docker.listNetworks();
  const used: Cidr[] = [];
  for (const network of networks) {
    for (const config of network.IPAM?.Config ?? []) {
      const subnet = (config as { Subnet?: string }).Subnet;
      if (subnet && /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(subnet)) used.push(parseCidr(subnet));
    }
  }
  return used;
}

/** How many times a pick is retried when another runner took the same /24 meanwhile. */
const CREATE_ATTEMPTS = 8;

/**
 * Creates an internal network on a free /24 of the pool, with the cluster's
 * address plan. Another runner on the same engine may pick the same /24 at
 * the same moment: the engine refuses the second ("overlaps"), which picks again.
 */
export async function createClusterNetwork(
  docker: Docker,
  req: { name: string; labels: Record<string, string>; pool: string; nodeIds: readonly string[]; random?: () => number },
): Promise<{ network: Docker.Network; plan: ClusterAddresses }> {
  const pool = parseLabPool(req.pool);
  const random = req.random ?? Math.random;
  let lastError: unknown;
  for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
    const used = await subnetsInUse(docker);
    const count = 2 ** (24 - pool.prefix);
    const free: number[] = [];
    for (let i = 0; i < count; i++) {
      const candidate = { base: (pool.base + i * 256) >>> 0, prefix: 24 };
      if (!used.some((u) => overlaps(u, candidate))) free.push(candidate.base);
    }
    if (free.length === 0) throw new InfraError("network.pool_exhausted", `every /24 of the lab pool ${req.pool} is in use`);
    const base = free[Math.floor(random() * free.length)]!;
    const plan = planAddresses(`${intToIp(base)}/24`, req.nodeIds);
    try {
      const network = await docker.createNetwork({
        Name: req.name,
        Driver: "bridge",
        Internal: true,
        CheckDuplicate: true,
        Labels: req.labels,
        IPAM: { Driver: "default", Config: [{ Subnet: plan.subnet, Gateway: plan.gateway }] },
      });
      return { network, plan };
    } catch (err) {
      lastError = err;
      if (!/overlap/i.test(String(err))) throw err;
    }
  }
  throw new InfraError("network.create", `could not find a free /24 in ${req.pool} after ${CREATE_ATTEMPTS} tries: ${String(lastError)}`, { cause: lastError });
}
