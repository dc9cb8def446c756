// The cluster's services container: lin-kv, seq-kv, lww-kv and lin-tso in
// Maelstrom mode, and the cluster's own resolver in both modes
// (programs/services). It starts first: nodes may call it as soon as they run.
import type Docker from "dockerode";
import { InfraError } from "../../lib/errors.js";
import { hostsEnv } from "../addressing.js";
import { demultiplex } from "../container-io.js";
import { hardenedHostConfig, SANDBOX_USER, type Limits } from "../hardening.js";
import { CONTROL_PORT } from "../programs/services/names.js";
import { memberOf, type ClusterContext } from "./resources.js";

export async function startServices(ctx: ClusterContext, opts: { image: string; limits: Limits; protocol: "maelstrom" | "native"; seed: string }): Promise<Docker.Container> {
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
  return services;
}

/**
 * Tells the services which nodes a partition cut off from them (none: every
 * node reaches them again), over their control socket on the container's own
 * loopback (programs/services/services.ts), and waits until it is in force.
 */
export async function cutServicesFrom(services: Docker.Container, nodeIds: readonly string[]): Promise<void> {
  const script = [
    "const socket = require('node:dgram').createSocket('udp4');",
    "const timer = setTimeout(() => { console.log('no answer'); process.exit(1); }, 5000);",
    "socket.on('message', (reply) => { clearTimeout(timer); console.log(String(reply)); process.exit(String(reply) === 'ok' ? 0 : 1); });",
    `socket.send(${JSON.stringify(JSON.stringify({ cut: nodeIds }))}, ${CONTROL_PORT}, '127.0.0.1');`,
  ].join(" ");
  const exec = await services.exec({ Cmd: ["/usr/local/bin/node", "-e", script], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const { ExitCode } = await exec.inspect();
  if (ExitCode !== 0) {
    const { stdout, stderr } = demultiplex(Buffer.concat(chunks));
    throw new InfraError("faults.services", `could not cut the services off from ${nodeIds.join(", ") || "nobody"}: ${(stdout + stderr).trim() || `exit code ${ExitCode}`}`);
  }
}
