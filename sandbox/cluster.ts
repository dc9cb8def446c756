// One test's cluster: a fresh internal Docker network on a /24 of its own
// (no egress, no route to other labs, fixed addresses: addressing.ts), the
// services container (lin-kv & co. in Maelstrom mode, and the cluster's own
// resolver in both modes), N nodes n0..n(N-1) — each a netctl sidecar that
// owns the node's network namespace and the node's container in it, running
// our agent around the student's program — and the controller container that
// drives the client side and leaves its record on a volume. Everything is
// created through the Docker API (a remote engine works), carries the owner's
// labels, and is removed in `finally`.
//
// Nobody in the cluster asks a DNS server outside it: every container's
// /etc/hosts names every member, and the only upstream of the engine's
// embedded resolver is ours, which knows only those names.
import readline from "node:readline";
import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import { InfraError } from "../lib/errors.js";
import { Random } from "../lib/random.js";
import { SHAPING_FAULTS, type FaultStep } from "../lib/suites/schema.js";
import { createClusterNetwork, extraHosts, hostsEnv, type ClusterAddresses } from "./addressing.js";
import { runFaultSchedule, type FaultEvent } from "./fault-schedule.js";
import { ClusterFaults, FAULT_CHAIN_SETUP, type ClusterNode } from "./faults.js";
import { readOutput, truncateMiddle, waitForExit } from "./container-io.js";
import { AGENT_STARTED } from "./agent/wire.js";
import { checkRecord, controllerSpecSchema, MAX_RECORD_BYTES, RECORD_DIR, RECORD_FILE, type ControllerLine, type ControllerSpecInput } from "./controller/spec.js";
import { hardenedHostConfig, SANDBOX_USER, type Limits } from "./hardening.js";
import { labelsFor, type ResourceOwner } from "./labels.js";
import { randomSuffix } from "./build.js";
import { netctlExec, startNetctl } from "./netctl.js";
import { composeShapes, createShaper, type BaseLatency, type SchedulerStats, type ShaperKind } from "./shaping.js";
import { installCounters, readCounters, type NodeTraffic } from "./traffic.js";
import { createBoundedVolume, readVolumeFile, removeVolume } from "./volumes.js";

export interface ClusterTestRequest {
  /** Volume holding /work/src and /work/out from the build step. */
  buildVolume: string;
  runImage: string;
  /** Image of the controller, the services and the netctl sidecars (our base image). */
  controllerImage: string;
  runCommand: string;
  nodeCount: number;
  controller: Omit<ControllerSpecInput, "nodeIds" | "protocol" | "recordPath">;
  nodeLimits: Limits;
  controllerLimits: Limits;
  /** Budget for the whole test, from the first create to the controller's exit. */
  wallClockMs: number;
  owner: ResourceOwner;
  signal?: AbortSignal;
  /** The test's fault schedule (empty: no faults). */
  faults?: FaultStep[];
  /** Maelstrom envelopes through our agent (default), or the program's own transport. */
  protocol?: "maelstrom" | "native";
  /** How this runner delays packets (capabilities.ts, shaping.ts); default none. */
  shaper?: ShaperKind;
  /** The test's latency on every packet between nodes (the suite's `latency`). */
  latency?: BaseLatency | null;
  /** Give each node a /data volume that survives kill and restart. */
  dataVolume?: boolean;
  /** Where cluster subnets come from (LABGRADE_LAB_SUBNET_POOL); default 198.18.0.0/16. */
  subnetPool?: string;
  /** Called with each node's address once the cluster is up (tests and the report use it). */
  onNodesReady?: (nodes: Array<{ id: string; ip: string; containerId: string }>) => void;
}

export interface NodeReport {
  id: string;
  /** What the node printed on stderr (its log), with the agent's lines on stdout. */
  log: string;
  logTruncated: boolean;
  running: boolean;
  exitCode: number | null;
  oomKilled: boolean;
}

export interface ClusterTestResult {
  /** The controller's record, line by line (spec.ts); whole only when `recordProblem` is null. */
  lines: ControllerLine[];
  /** Why the record is not whole (the controller was stopped, or it was cut), or null. */
  recordProblem: string | null;
  controllerLog: string;
  controllerExitCode: number | null;
  /** The controller did not finish within the wall-clock budget. */
  timedOut: boolean;
  nodes: NodeReport[];
  network: { name: string; subnet?: string };
  addresses: ClusterAddresses;
  /**
   * Packets between servers by node, from the firewall counters of each
   * node's namespace (traffic.ts); a node whose counters could not be read is
   * left out, never counted as 0.
   */
  traffic: Record<string, NodeTraffic>;
  /** What the fault schedule did, when. */
  faults: FaultEvent[];
  /** How packets were shaped, and what the userspace scheduler counted on each node it ran on. */
  shaping: { kind: ShaperKind; latency: BaseLatency | null; scheduler: Record<string, SchedulerStats> };
  /** Host clock when the main phase started (the controller's "ready"). */
  mainPhaseStartWallMs: number | null;
  setupMs: number;
  teardownMs: number;
}

const NODE_LOG_BYTES = 256 * 1024;
/** The history volume: the record's limit and room for the end lines written past it. */
const RECORD_VOLUME_BYTES = MAX_RECORD_BYTES + 1024 * 1024;

export async function runClusterTest(docker: Docker, req: ClusterTestRequest): Promise<ClusterTestResult> {
  const started = Date.now();
  const id = randomSuffix();
  const labels = labelsFor(req.owner);
  const nodeIds = Array.from({ length: req.nodeCount }, (_, i) => `n${i}`);
  const protocol = req.protocol ?? "maelstrom";
  const spec = controllerSpecSchema.parse({ ...req.controller, nodeIds, protocol, recordPath: `${RECORD_DIR}/${RECORD_FILE}` });
  const shaperKind = req.shaper ?? "none";
  const latency = req.latency ?? null;
  const shapedSteps = (req.faults ?? []).filter((f) => (SHAPING_FAULTS as readonly string[]).includes(f.kind));
  if (shaperKind === "none" && (latency || shapedSteps.length > 0)) {
    // Ours to fix (another runner can): never run the test on a network other than the one it asks for.
    throw new InfraError(
      "shaping.unavailable",
      `the test asks for ${latency ? "latency" : `"${shapedSteps[0]!.kind}"`}, and this runner can hold packets neither with its scheduler (NFQUEUE) nor with netem`,
    );
  }
  // Removed in this order: what joined a sidecar's namespace goes before the sidecar.
  const containers: Docker.Container[] = [];
  const sidecars: Docker.Container[] = [];
  const volumes: string[] = [];
  let network: Docker.Network | undefined;
  try {
    const netName = `lg-${id}`;
    const created = await createClusterNetwork(docker, { name: netName, labels, pool: req.subnetPool ?? "198.18.0.0/16", nodeIds });
    network = created.network;
    const plan = created.plan;
    const hosts = extraHosts(plan);
    // Our containers on the network: a fixed address, every member in /etc/hosts, only our resolver upstream.
    const member = (address: string, name: string) => ({
      HostConfig: { NetworkMode: netName, ExtraHosts: hosts, Dns: [plan.services], DnsSearch: [] },
      NetworkingConfig: { EndpointsConfig: { [netName]: { IPAMConfig: { IPv4Address: address }, Aliases: [name] } } },
    });

    // The services and the resolver come first: nodes may call them as soon as they run.
    const servicesNet = member(plan.services, "services");
    const services = await docker.createContainer({
      name: `lg-${id}-services`,
      Hostname: "services",
      Image: req.controllerImage,
      Cmd: ["/usr/local/bin/node", "/opt/labgrade/services.js"],
      User: SANDBOX_USER,
      Env: [`LABGRADE_SERVICES=${protocol === "maelstrom" ? "kv,dns" : "dns"}`, `LABGRADE_CLUSTER_HOSTS=${hostsEnv(plan)}`],
      Labels: { ...labels, "labgrade.node": "services" },
      HostConfig: hardenedHostConfig(req.controllerLimits, servicesNet.HostConfig),
      NetworkingConfig: servicesNet.NetworkingConfig,
    });
    containers.push(services);
    await services.start();
    if (req.dataVolume) {
      for (const nodeId of nodeIds) {
        // Bounded, and kept mounted by a holder so it survives kill and restart.
        volumes.push(
          await createBoundedVolume(docker, { name: `lg-${id}-${nodeId}-data`, sizeBytes: req.nodeLimits.tmpfsBytes, labels, holderImage: req.controllerImage }),
        );
      }
    }
    const recordVolume = await createBoundedVolume(docker, { name: `lg-${id}-record`, sizeBytes: RECORD_VOLUME_BYTES, labels, holderImage: req.controllerImage });
    volumes.push(recordVolume);

    // Each node's namespace, with its fault chain and traffic counters in place before its program runs.
    const nodeSidecars = await Promise.all(
      nodeIds.map(async (nodeId) => {
        const sidecar = await startNetctl(docker, {
          name: `lg-${id}-${nodeId}-netctl`,
          image: req.controllerImage,
          nodeId,
          networkName: netName,
          address: plan.nodes[nodeId]!,
          extraHosts: hosts,
          resolver: plan.services,
          labels,
        });
        sidecars.push(sidecar);
        await netctlExec(sidecar, nodeId, FAULT_CHAIN_SETUP);
        await installCounters(sidecar, nodeId, peersOf(plan, nodeId), plan.services);
        return sidecar;
      }),
    );
    // The test's latency is the network the programs start on: in force before any of them runs.
    const shaper = createShaper(shaperKind, nodeIds.map((nodeId, i) => ({ id: nodeId, sidecar: nodeSidecars[i]!, ip: plan.nodes[nodeId]! })));
    if (latency) await shaper!.shape(composeShapes(nodeIds, latency, []));
    const nodes = await Promise.all(
      nodeIds.map((nodeId, i) =>
        docker.createContainer({
          name: `lg-${id}-${nodeId}`,
          Image: req.runImage,
          Cmd: ["/usr/local/bin/node", "/opt/labgrade/agent.js"],
          User: SANDBOX_USER,
          WorkingDir: "/work/src",
          Env: [
            `LABGRADE_NODE_ID=${nodeId}`,
            `LABGRADE_NODE_IDS=${nodeIds.join(",")}`,
            `LABGRADE_RUN_COMMAND=${req.runCommand}`,
            `LABGRADE_PROTOCOL=${protocol}`,
            `LABGRADE_CLUSTER_HOSTS=${hostsEnv(plan)}`,
            "LABGRADE_WORKDIR=/work/src",
            "HOME=/tmp",
          ],
          Labels: { ...labels, "labgrade.node": nodeId },
          HostConfig: hardenedHostConfig(req.nodeLimits, {
            NetworkMode: `container:${nodeSidecars[i]!.id}`,
            // The engine's init is PID 1: it reaps what the student's program orphans.
            Init: true,
            Mounts: [
              { Type: "volume", Source: req.buildVolume, Target: "/work", ReadOnly: true },
              ...(req.dataVolume ? [{ Type: "volume" as const, Source: `lg-${id}-${nodeId}-data`, Target: "/data", ReadOnly: false }] : []),
            ],
          }),
        }),
      ),
    );
    containers.push(...nodes);
    await Promise.all(nodes.map((c) => c.start()));
    const clusterNodes: ClusterNode[] = nodes.map((container, i) => ({ id: nodeIds[i]!, container, sidecar: nodeSidecars[i]!, ip: plan.nodes[nodeIds[i]!]! }));
    req.onNodesReady?.(clusterNodes.map((n) => ({ id: n.id, ip: n.ip, containerId: n.container.id })));
    const steps = req.faults ?? [];
    const faults = new ClusterFaults(clusterNodes, shaper, latency);
    const controllerNet = member(plan.controller, "controller");
    const controller = await docker.createContainer({
      name: `lg-${id}-controller`,
      Hostname: "controller",
      Image: req.controllerImage,
      Cmd: ["/usr/local/bin/node", "/opt/labgrade/controller.js"],
      User: SANDBOX_USER,
      Env: [`LABGRADE_TEST=${JSON.stringify(spec)}`],
      Labels: { ...labels, "labgrade.node": "controller" },
      HostConfig: hardenedHostConfig(req.controllerLimits, {
        ...controllerNet.HostConfig,
        Mounts: [{ Type: "volume", Source: recordVolume, Target: RECORD_DIR, ReadOnly: false }],
      }),
      NetworkingConfig: controllerNet.NetworkingConfig,
    });
    containers.push(controller);
    const readyAt = watchForReady(docker, controller);
    await controller.start();
    const setupMs = Date.now() - started;

    const budget = AbortSignal.timeout(Math.max(1, req.wallClockMs - setupMs));
    const stopSchedule = new AbortController();
    const schedule = readyAt.then((startWallMs) =>
      steps.length > 0 && startWallMs !== null
        ? runFaultSchedule({
            faults,
            nodeIds,
            steps,
            rng: new Random(spec.seed).fork(),
            startWallMs,
            mainPhaseMs: spec.durationMs,
            signal: stopSchedule.signal,
          })
        : [],
    );
    const exit = await waitForExit(controller, req.signal ? AbortSignal.any([req.signal, budget]) : budget);
    stopSchedule.abort();
    const timeline = await schedule;
    if (req.signal?.aborted) throw new InfraError("cancelled", "the test was cancelled");
    if (!exit) await controller.kill().catch(() => undefined);

    const [controllerOutput, recordBytes, traffic, scheduler] = await Promise.all([
      readOutput(controller),
      readVolumeFile(docker, recordVolume, RECORD_FILE, RECORD_VOLUME_BYTES),
      readTraffic(clusterNodes, plan),
      faults.schedulerStats(),
    ]);
    const lines = parseRecord(recordBytes);
    const nodeReports = await Promise.all(
      nodes.map(async (container, i): Promise<NodeReport> => {
        const [output, info] = await Promise.all([readOutput(container), container.inspect()]);
        const whole = output.stdout + output.stderr;
        const log = truncateMiddle(whole, NODE_LOG_BYTES);
        return {
          id: nodeIds[i]!,
          log: log.text,
          // Cut by us, or by the engine's rotation (the agent's first line is gone).
          logTruncated: log.truncated || !whole.startsWith("[agent ") || !whole.slice(0, 200).includes(AGENT_STARTED),
          running: info.State.Running,
          exitCode: info.State.Running ? null : info.State.ExitCode,
          oomKilled: info.State.OOMKilled,
        };
      }),
    );
    const netInfo = await network.inspect();
    const teardownStart = Date.now();
    await teardown(docker, containers, sidecars, network, volumes);
    containers.length = 0;
    sidecars.length = 0;
    volumes.length = 0;
    network = undefined;
    return {
      lines,
      recordProblem: recordBytes === null ? "the controller left no record" : checkRecord(lines),
      controllerLog: controllerOutput.stderr,
      controllerExitCode: exit ? exit.StatusCode : null,
      timedOut: !exit,
      nodes: nodeReports,
      network: { name: netName, subnet: netInfo.IPAM?.Config?.[0]?.Subnet },
      addresses: plan,
      traffic,
      faults: timeline,
      shaping: { kind: shaperKind, latency, scheduler },
      mainPhaseStartWallMs: await readyAt,
      setupMs,
      teardownMs: Date.now() - teardownStart,
    };
  } catch (err) {
    if (err instanceof InfraError) throw err;
    throw new InfraError("docker.cluster", `could not run the test cluster: ${String(err)}`, { cause: err });
  } finally {
    await teardown(docker, containers, sidecars, network, volumes);
  }
}

/** A node's peers (every other node) by id, with their addresses. */
function peersOf(plan: ClusterAddresses, nodeId: string): Record<string, string> {
  return Object.fromEntries(Object.entries(plan.nodes).filter(([id]) => id !== nodeId));
}

async function readTraffic(nodes: ClusterNode[], plan: ClusterAddresses): Promise<Record<string, NodeTraffic>> {
  const traffic: Record<string, NodeTraffic> = {};
  await Promise.all(
    nodes.map(async (node) => {
      try {
        traffic[node.id] = await readCounters(node.sidecar, node.id, peersOf(plan, node.id), plan.services);
      } catch {
        // Not known: left out, never shown as 0 (ClusterTestResult.traffic).
      }
    }),
  );
  return traffic;
}

/** The record's lines; a line that is not JSON (only a cut last line can be) ends it. */
function parseRecord(bytes: Buffer | null): ControllerLine[] {
  const lines: ControllerLine[] = [];
  if (!bytes) return lines;
  for (const text of bytes.toString("utf8").split("\n")) {
    if (text.trim() === "") continue;
    try {
      lines.push(JSON.parse(text) as ControllerLine);
    } catch {
      break;
    }
  }
  return lines;
}

async function teardown(docker: Docker, containers: Docker.Container[], sidecars: Docker.Container[], network: Docker.Network | undefined, volumes: string[]): Promise<void> {
  await Promise.all(containers.map((c) => c.remove({ force: true, v: true }).catch(() => undefined)));
  await Promise.all(sidecars.map((c) => c.remove({ force: true, v: true }).catch(() => undefined)));
  await network?.remove().catch(() => undefined);
  await Promise.all(volumes.map((v) => removeVolume(docker, v)));
}

/**
 * Resolves with the host clock at which the controller printed its `ready`
 * line (the start of the main phase), or null if it never did. Follows the
 * container's output through the API, attached before start so no line is missed.
 */
function watchForReady(docker: Docker, controller: Docker.Container): Promise<number | null> {
  return new Promise((resolve) => {
    controller.attach({ stream: true, stdout: true, stderr: false }).then(
      (stream) => {
        const out = new PassThrough();
        docker.modem.demuxStream(stream, out, new PassThrough());
        const lines = readline.createInterface({ input: out });
        let done = false;
        const finish = (value: number | null) => {
          if (done) return;
          done = true;
          resolve(value);
          lines.close();
          (stream as unknown as { destroy?: () => void }).destroy?.();
        };
        lines.on("line", (line) => {
          if (line.startsWith('{"ready"')) finish(Date.now());
        });
        stream.on("end", () => finish(null));
        stream.on("error", () => finish(null));
      },
      () => resolve(null),
    );
  });
}

