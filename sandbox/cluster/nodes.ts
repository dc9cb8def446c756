// A cluster's nodes, each two containers: its netctl sidecar, which owns the
// node's network namespace with its fault chain and traffic counters in place
// before the program runs (netctl.ts, traffic.ts), and the node's own
// container in that namespace, hardened, running our agent around the
// student's program under the engine's init.
import type Docker from "dockerode";
import { hostsEnv } from "../addressing.js";
import { FAULT_CHAIN_SETUP } from "../faults.js";
import { CLIENT_PORT } from "../programs/agent/wire.js";
import { hardenedHostConfig, SANDBOX_USER, type Limits } from "../hardening.js";
import { netctlExec, startNetctl } from "../netctl.js";
import { installCounters } from "../traffic.js";
import { peersOf, type ClusterContext } from "./resources.js";

/**
 * Only the controller (and the node itself, over loopback) reaches a node's
 * client port: a hostile peer that connected to it would be heard as that
 * node's client, or in the Raft tester as the tester itself (Start, Kill, the
 * applies). After the fault chain, so a partition still cuts first; outside
 * it, so a heal never lifts the guard.
 */
function clientPortGuard(controller: string): string {
  return `iptables -A INPUT ! -i lo -p tcp --dport ${CLIENT_PORT} ! -s ${controller}/32 -j DROP`;
}

/** Each node's namespace, ready for its program: the sidecars, in node order. */
export async function startSidecars(ctx: ClusterContext, nodeIds: readonly string[], image: string): Promise<Docker.Container[]> {
  return Promise.all(
    nodeIds.map(async (nodeId) => {
      const sidecar = await startNetctl(ctx.docker, {
        name: `lg-${ctx.id}-${nodeId}-netctl`,
        image,
        nodeId,
        networkName: ctx.networkName,
        address: ctx.plan.nodes[nodeId]!,
        extraHosts: ctx.hosts,
        resolver: ctx.plan.services,
        labels: ctx.labels,
      });
      ctx.resources.sidecars.push(sidecar);
      await netctlExec(sidecar, nodeId, `${FAULT_CHAIN_SETUP}; ${clientPortGuard(ctx.plan.controller)}`);
      await installCounters(sidecar, nodeId, peersOf(ctx.plan, nodeId), ctx.plan.services);
      return sidecar;
    }),
  );
}

export interface NodeProgram {
  buildVolume: string;
  runImage: string;
  runCommand: string;
  protocol: "maelstrom" | "native";
  limits: Limits;
  /** Each node's /data volume (survives kill and restart), by node id; none when absent. */
  dataVolumes?: Record<string, string>;
}

/** The nodes' containers, each in its sidecar's namespace, started; in node order. */
export async function startNodes(ctx: ClusterContext, nodeIds: readonly string[], sidecars: readonly Docker.Container[], program: NodeProgram): Promise<Docker.Container[]> {
  const nodes = await Promise.all(
    nodeIds.map((nodeId, i) =>
      ctx.docker.createContainer({
        name: `lg-${ctx.id}-${nodeId}`,
        Image: program.runImage,
        Cmd: ["/usr/local/bin/node", "/opt/labgrade/agent.js"],
        User: SANDBOX_USER,
        WorkingDir: "/work/src",
        Env: [
          `LABGRADE_NODE_ID=${nodeId}`,
          `LABGRADE_NODE_IDS=${nodeIds.join(",")}`,
          `LABGRADE_RUN_COMMAND=${program.runCommand}`,
          `LABGRADE_PROTOCOL=${program.protocol}`,
          `LABGRADE_CLUSTER_HOSTS=${hostsEnv(ctx.plan)}`,
          "LABGRADE_WORKDIR=/work/src",
          "HOME=/tmp",
        ],
        Labels: { ...ctx.labels, "labgrade.node": nodeId },
        HostConfig: hardenedHostConfig(program.limits, {
          NetworkMode: `container:${sidecars[i]!.id}`,
          // The engine's init is PID 1: it reaps what the student's program orphans.
          Init: true,
          Mounts: [
            { Type: "volume", Source: program.buildVolume, Target: "/work", ReadOnly: true },
            ...(program.dataVolumes?.[nodeId] ? [{ Type: "volume" as const, Source: program.dataVolumes[nodeId], Target: "/data", ReadOnly: false }] : []),
          ],
        }),
      }),
    ),
  );
  ctx.resources.containers.push(...nodes);
  // Which node the engine refused to start, in the error (its own message names only the request).
  await Promise.all(nodes.map((c, i) => c.start().catch((err: Error) => Promise.reject(new Error(`${nodeIds[i]}'s container did not start: ${err.message}`, { cause: err })))));
  return nodes;
}
