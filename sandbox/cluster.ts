// One test's cluster: a fresh internal Docker network (no egress, no route to
// other labs), N node containers n0..n(N-1) running our agent around the
// student's program, and the controller container that drives the client
// side. Everything is created through the Docker API (a remote engine works),
// carries the owner's labels, and is removed in `finally`.
import readline from "node:readline";
import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import { InfraError } from "../lib/errors.js";
import { Random } from "../lib/random.js";
import type { FaultStep } from "../lib/suites/schema.js";
import { runFaultSchedule, type FaultEvent } from "./fault-schedule.js";
import { ClusterFaults, type ClusterNode } from "./faults.js";
import { readOutput, truncateMiddle, waitForExit } from "./container-io.js";
import { controllerSpecSchema, type ControllerLine, type ControllerSpecInput } from "./controller/spec.js";
import { hardenedHostConfig, SANDBOX_USER, type Limits } from "./hardening.js";
import { labelsFor, type ResourceOwner } from "./labels.js";
import { randomSuffix } from "./build.js";
import { createBoundedVolume, removeVolume } from "./volumes.js";
import { SERVICE_NAMES } from "./services/services.js";

export interface ClusterTestRequest {
  /** Volume holding /work/src and /work/out from the build step. */
  buildVolume: string;
  runImage: string;
  /** Image of the controller (our base image). */
  controllerImage: string;
  runCommand: string;
  nodeCount: number;
  controller: Omit<ControllerSpecInput, "nodeIds" | "protocol">;
  nodeLimits: Limits;
  controllerLimits: Limits;
  /** Budget for the whole test, from the first create to the controller's exit. */
  wallClockMs: number;
  owner: ResourceOwner;
  signal?: AbortSignal;
  /** The test's fault schedule (empty: no faults, no netctl sidecars). */
  faults?: FaultStep[];
  /** Maelstrom envelopes through our agent (default), or the program's own transport. */
  protocol?: "maelstrom" | "native";
  /** Whether this engine's kernel has netem (see capabilities.ts). */
  netemAvailable?: boolean;
  /** Give each node a /data volume that survives kill and restart. */
  dataVolume?: boolean;
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
  lines: ControllerLine[];
  controllerLog: string;
  controllerExitCode: number | null;
  /** The controller did not finish within the wall-clock budget. */
  timedOut: boolean;
  nodes: NodeReport[];
  network: { name: string; subnet?: string };
  /** What the fault schedule did, when. */
  faults: FaultEvent[];
  /** Host clock when the main phase started (the controller's "ready"). */
  mainPhaseStartWallMs: number | null;
  setupMs: number;
  teardownMs: number;
}

const NODE_LOG_BYTES = 256 * 1024;

export async function runClusterTest(docker: Docker, req: ClusterTestRequest): Promise<ClusterTestResult> {
  const started = Date.now();
  const id = randomSuffix();
  const labels = labelsFor(req.owner);
  const nodeIds = Array.from({ length: req.nodeCount }, (_, i) => `n${i}`);
  const protocol = req.protocol ?? "maelstrom";
  const spec = controllerSpecSchema.parse({ ...req.controller, nodeIds, protocol });
  const containers: Docker.Container[] = [];
  const volumes: string[] = [];
  let network: Docker.Network | undefined;
  let faults: ClusterFaults | undefined;
  try {
    network = await docker.createNetwork({
      Name: `lg-${id}`,
      Driver: "bridge",
      Internal: true,
      CheckDuplicate: true,
      Labels: labels,
    });
    const netName = `lg-${id}`;
    const endpoint = (...aliases: string[]) => ({ EndpointsConfig: { [netName]: { Aliases: aliases } } });
    if (protocol === "maelstrom") {
      // One container answers for every service name, before any node can call it.
      const services = await docker.createContainer({
        name: `lg-${id}-services`,
        Hostname: "services",
        Image: req.controllerImage,
        Cmd: ["/usr/local/bin/node", "/opt/labgrade/services.js"],
        User: SANDBOX_USER,
        Env: ["LABGRADE_SERVICES=1"],
        Labels: { ...labels, "labgrade.node": "services" },
        HostConfig: hardenedHostConfig(req.controllerLimits, { NetworkMode: netName }),
        NetworkingConfig: endpoint(...SERVICE_NAMES),
      });
      containers.push(services);
      await services.start();
    }
    if (req.dataVolume) {
      for (const nodeId of nodeIds) {
        // Bounded, and kept mounted by a holder so it survives kill and restart.
        volumes.push(
          await createBoundedVolume(docker, { name: `lg-${id}-${nodeId}-data`, sizeBytes: req.nodeLimits.tmpfsBytes, labels, holderImage: req.controllerImage }),
        );
      }
    }
    const nodes = await Promise.all(
      nodeIds.map((nodeId) =>
        docker.createContainer({
          name: `lg-${id}-${nodeId}`,
          Hostname: nodeId,
          Image: req.runImage,
          Cmd: ["/usr/local/bin/node", "/opt/labgrade/agent.js"],
          User: SANDBOX_USER,
          WorkingDir: "/work/src",
          Env: [
            `LABGRADE_NODE_ID=${nodeId}`,
            `LABGRADE_NODE_IDS=${nodeIds.join(",")}`,
            `LABGRADE_RUN_COMMAND=${req.runCommand}`,
            `LABGRADE_PROTOCOL=${protocol}`,
            "LABGRADE_WORKDIR=/work/src",
            "HOME=/tmp",
          ],
          Labels: { ...labels, "labgrade.node": nodeId },
          HostConfig: hardenedHostConfig(req.nodeLimits, {
            NetworkMode: netName,
            Mounts: [
              { Type: "volume", Source: req.buildVolume, Target: "/work", ReadOnly: true },
              ...(req.dataVolume ? [{ Type: "volume" as const, Source: `lg-${id}-${nodeId}-data`, Target: "/data", ReadOnly: false }] : []),
            ],
          }),
          NetworkingConfig: endpoint(nodeId),
        }),
      ),
    );
    containers.push(...nodes);
    await Promise.all(nodes.map((c) => c.start()));
    const clusterNodes: ClusterNode[] = await Promise.all(
      nodes.map(async (container, i) => {
        const info = await container.inspect();
        return { id: nodeIds[i]!, container, ip: info.NetworkSettings.Networks[netName]?.IPAddress ?? "" };
      }),
    );
    req.onNodesReady?.(clusterNodes.map((n) => ({ id: n.id, ip: n.ip, containerId: n.container.id })));
    const steps = req.faults ?? [];
    if (steps.length > 0) {
      faults = new ClusterFaults(docker, clusterNodes, req.controllerImage, labels);
      await faults.start();
    }
    const controller = await docker.createContainer({
      name: `lg-${id}-controller`,
      Hostname: "controller",
      Image: req.controllerImage,
      Cmd: ["/usr/local/bin/node", "/opt/labgrade/controller.js"],
      User: SANDBOX_USER,
      Env: [`LABGRADE_TEST=${JSON.stringify(spec)}`],
      Labels: { ...labels, "labgrade.node": "controller" },
      HostConfig: hardenedHostConfig(req.controllerLimits, { NetworkMode: netName }),
      NetworkingConfig: endpoint("controller"),
    });
    containers.push(controller);
    const readyAt = watchForReady(docker, controller);
    await controller.start();
    const setupMs = Date.now() - started;

    const budget = AbortSignal.timeout(Math.max(1, req.wallClockMs - setupMs));
    const stopSchedule = new AbortController();
    const schedule = readyAt.then((startWallMs) =>
      faults && startWallMs !== null
        ? runFaultSchedule({
            faults,
            nodeIds,
            steps,
            rng: new Random(spec.seed).fork(),
            startWallMs,
            mainPhaseMs: spec.durationMs,
            netemAvailable: req.netemAvailable ?? false,
            signal: stopSchedule.signal,
          })
        : [],
    );
    const exit = await waitForExit(controller, req.signal ? AbortSignal.any([req.signal, budget]) : budget);
    stopSchedule.abort();
    const timeline = await schedule;
    if (req.signal?.aborted) throw new InfraError("cancelled", "the test was cancelled");
    if (!exit) await controller.kill().catch(() => undefined);

    const controllerOutput = await readOutput(controller);
    const lines: ControllerLine[] = [];
    for (const line of controllerOutput.stdout.split("\n")) {
      if (line.trim() === "") continue;
      try {
        lines.push(JSON.parse(line) as ControllerLine);
      } catch {
        // Only our controller writes here; a torn last line after a kill is expected.
      }
    }
    const nodeReports = await Promise.all(
      nodes.map(async (container, i): Promise<NodeReport> => {
        const [output, info] = await Promise.all([readOutput(container), container.inspect()]);
        const log = truncateMiddle(output.stdout + output.stderr, NODE_LOG_BYTES);
        return {
          id: nodeIds[i]!,
          log: log.text,
          logTruncated: log.truncated,
          running: info.State.Running,
          exitCode: info.State.Running ? null : info.State.ExitCode,
          oomKilled: info.State.OOMKilled,
        };
      }),
    );
    const netInfo = await network.inspect();
    const teardownStart = Date.now();
    await faults?.close();
    await teardown(docker, containers, network, volumes);
    containers.length = 0;
    volumes.length = 0;
    network = undefined;
    return {
      lines,
      controllerLog: controllerOutput.stderr,
      controllerExitCode: exit ? exit.StatusCode : null,
      timedOut: !exit,
      nodes: nodeReports,
      network: { name: netName, subnet: netInfo.IPAM?.Config?.[0]?.Subnet },
      faults: timeline,
      mainPhaseStartWallMs: await readyAt,
      setupMs,
      teardownMs: Date.now() - teardownStart,
    };
  } catch (err) {
    if (err instanceof InfraError) throw err;
    throw new InfraError("docker.cluster", `could not run the test cluster: ${String(err)}`, { cause: err });
  } finally {
    await faults?.close();
    await teardown(docker, containers, network, volumes);
  }
}

async function teardown(docker: Docker, containers: Docker.Container[], network: Docker.Network | undefined, volumes: string[]): Promise<void> {
  await Promise.all(containers.map((c) => c.remove({ force: true, v: true }).catch(() => undefined)));
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

