// The cluster's services container: lin-kv, seq-kv, lww-kv and lin-tso in
// Maelstrom mode, and the cluster's own resolver in both modes
// (programs/services). It starts first: nodes may call it as soon as they run.
import { hostsEnv } from "../addressing.js";
import { hardenedHostConfig, SANDBOX_USER, type Limits } from "../hardening.js";
import { memberOf, type ClusterContext } from "./resources.js";

export async function startServices(ctx: ClusterContext, opts: { image: string; limits: Limits; protocol: "maelstrom" | "native"; seed: string }): Promise<void> {
  const net = memberOf(ctx, ctx.plan.services, "services");
  const services = await ctx.docker.createContainer({
    name: `lg-${ctx.id}-services`,
    Hostname: "services",
    Image: opts.image,
    Cmd: ["/usr/local/bin/node", "/opt/labgrade/services.js"],
    User: SANDBOX_USER,
    Env: [
      `LABGRADE_SERVICES=${opts.protocol === "maelstrom" ? "kv,dns" : "dns"}`,
      `LABGRADE_CLUSTER_HOSTS=${hostsEnv(ctx.plan)}`,
      // The test's seed: seq-kv's and lww-kv's stale answers replay with it.
      `LABGRADE_SERVICES_SEED=${opts.seed}`,
    ],
    Labels: { ...ctx.labels, "labgrade.node": "services" },
    HostConfig: hardenedHostConfig(opts.limits, net.HostConfig),
    NetworkingConfig: net.NetworkingConfig,
  });
  ctx.resources.containers.push(services);
  await services.start();
}
