// One test's cluster: a fresh internal Docker network on a /24 of its own
// (no egress, no route to other labs, fixed addresses: addressing.ts), the
// services container (lin-kv & co. in Maelstrom mode, and the cluster's own
// resolver in both modes), N nodes n0..n(N-1) — each a netctl sidecar that
// owns the node's network namespace and the node's container in it, running
// our agent around the student's program — and the controller container that
// drives the client side and leaves its record on a volume. Its steps are in
// cluster/ (services, nodes, controller, collect; resources tracks what exists
// and removes it in order); packets between nodes go through the network layer
// (shaping.ts) and faults through faults.ts. Everything is created through the
// Docker API (a remote engine works), carries the owner's labels, and is
// removed in `finally`.
//
// Nobody in the cluster asks a DNS server outside it: every container's
// /etc/hosts names every member, and the only upstream of the engine's
// embedded resolver is ours, which knows only those names.
import type Docker from "dockerode";
import { CancelledError, InfraError } from "../lib/errors.js";
import { Random } from "../lib/random.js";
import { SHAPING_FAULTS, type FaultStep } from "../lib/suites/schema.js";
import { createClusterNetwork, extraHosts, type ClusterAddresses } from "./addressing.js";
import { randomSuffix } from "./build.js";
import { nodeReports, parseRecord, readTraffic, type NodeReport } from "./cluster/collect.js";
import { startController } from "./cluster/controller.js";
import { startNodes, startSidecars } from "./cluster/nodes.js";
import { ClusterResources, type ClusterContext } from "./cluster/resources.js";
import { cutServicesFrom, startServices } from "./cluster/services.js";
import { readOutput, waitForExit } from "./container-io.js";
import { runFaultSchedule, type FaultEvent } from "./fault-schedule.js";
import { ClusterFaults, type ClusterNode } from "./faults.js";
import { OrderedFaults } from "./ordered-faults.js";
import type { Limits } from "./hardening.js";
import { labelsFor, type ResourceOwner } from "./labels.js";
import { journalFromFile, type MessageJournal } from "../lib/reports/message-journal.js";
import { checkRecord, controllerSpecSchema, JOURNAL_FILE, MAX_JOURNAL_FILE_BYTES, MAX_RECORD_BYTES, RECORD_DIR, RECORD_FILE, type ControllerLine, type ControllerSpecInput } from "./programs/controller/spec.js";
import { composeShapes, createShaper, type BaseLatency, type SchedulerStats, type ShaperKind } from "./shaping.js";
import type { NodeTraffic } from "./traffic.js";
import { createBoundedVolume, readVolumeFile } from "./volumes.js";

export type { NodeReport };

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
  /** Partitions cut the services off too from every node left without a majority (the suite's servicesWithMajority). */
  servicesWithMajority?: boolean;
  /** Give each node a /data volume that survives kill and restart. */
  dataVolume?: boolean;
  /** Where cluster subnets come from (LABGRADE_LAB_SUBNET_POOL); default 198.18.0.0/16. */
  subnetPool?: string;
  /** Called with each node's address once the cluster is up (tests and the report use it). */
  onNodesReady?: (nodes: Array<{ id: string; ip: string; containerId: string }>) => void;
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
  /** Maelstrom mode: every envelope the agents carried (lib/reports/message-journal.ts); null without one (native mode, no main phase). */
  journal?: MessageJournal | null;
  setupMs: number;
  teardownMs: number;
}

/** The journal file, read against the main phase's start (its times are the host clock's, as the fault timeline's). */
async function journalOf(bytes: Buffer | null, nodeIds: readonly string[], readyAt: Promise<number | null>): Promise<MessageJournal | null> {
  const start = await readyAt;
  return start === null ? null : journalFromFile(bytes, nodeIds, start);
}

/** The history volume: the record's limit and room for the end lines written past it, and the message journals' file. */
const RECORD_VOLUME_BYTES = MAX_RECORD_BYTES + 1024 * 1024 + MAX_JOURNAL_FILE_BYTES;

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
  const resources = new ClusterResources(docker);
  try {
    const networkName = `lg-${id}`;
    const created = await createClusterNetwork(docker, { name: networkName, labels, pool: req.subnetPool ?? "198.18.0.0/16", nodeIds });
    resources.network = created.network;
    const plan = created.plan;
    const ctx: ClusterContext = { docker, id, networkName, plan, hosts: extraHosts(plan), labels, resources };

    // The network's steps, in order (cluster/): services and resolver, volumes,
    // the nodes' namespaces, the test's latency, the nodes, the controller.
    const services = await startServices(ctx, { image: req.controllerImage, limits: req.controllerLimits, protocol, seed: spec.seed });
    const dataVolumes: Record<string, string> = {};
    if (req.dataVolume) {
      for (const nodeId of nodeIds) {
        // Bounded, and kept mounted by a holder so it survives kill and restart.
        dataVolumes[nodeId] = await createBoundedVolume(docker, { name: `lg-${id}-${nodeId}-data`, sizeBytes: req.nodeLimits.tmpfsBytes, labels, holderImage: req.controllerImage });
        resources.volumes.push(dataVolumes[nodeId]);
      }
    }
    const recordVolume = await createBoundedVolume(docker, { name: `lg-${id}-record`, sizeBytes: RECORD_VOLUME_BYTES, labels, holderImage: req.controllerImage });
    resources.volumes.push(recordVolume);
    const sidecars = await startSidecars(ctx, nodeIds, req.controllerImage);
    // The test's latency is the network the programs start on: in force before any of them runs.
    const shaper = createShaper(shaperKind, nodeIds.map((nodeId, i) => ({ id: nodeId, sidecar: sidecars[i]!, ip: plan.nodes[nodeId]! })));
    if (latency) await shaper!.shape(composeShapes(nodeIds, latency, []));
    const nodes = await startNodes(ctx, nodeIds, sidecars, {
      buildVolume: req.buildVolume,
      runImage: req.runImage,
      runCommand: req.runCommand,
      protocol,
      limits: req.nodeLimits,
      dataVolumes: req.dataVolume ? dataVolumes : undefined,
    });
    const clusterNodes: ClusterNode[] = nodes.map((container, i) => ({ id: nodeIds[i]!, container, sidecar: sidecars[i]!, ip: plan.nodes[nodeIds[i]!]! }));
    req.onNodesReady?.(clusterNodes.map((n) => ({ id: n.id, ip: n.ip, containerId: n.container.id })));
    const steps = req.faults ?? [];
    const cutServices = req.servicesWithMajority && protocol === "maelstrom" ? (cut: readonly string[]) => cutServicesFrom(services, cut) : null;
    const faults = new ClusterFaults(clusterNodes, shaper, latency, cutServices);
    // Faults the driver orders as it runs (the Raft tester), stamped from the main phase's start once it is known.
    let mainPhaseStart: number | null = null;
    const controllerStart = Date.now();
    const ordered = new OrderedFaults(faults, nodeIds, () => mainPhaseStart ?? controllerStart);
    const { container: controller, readyAt } = await startController(ctx, {
      image: req.controllerImage,
      limits: req.controllerLimits,
      spec,
      recordVolume,
      onFault: (request) => ordered.apply(request),
    });
    void readyAt.then((at) => (mainPhaseStart = at));
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
    await ordered.resumeAll();
    const timeline = [...(await schedule), ...ordered.timeline].sort((a, b) => a.wallMs - b.wallMs);
    if (req.signal?.aborted) throw new CancelledError("the test was stopped");
    if (!exit) await controller.kill().catch(() => undefined);

    // What it left, read before anything is removed (cluster/collect.ts).
    const [controllerOutput, recordBytes, journalBytes, traffic, scheduler] = await Promise.all([
      readOutput(controller),
      readVolumeFile(docker, recordVolume, RECORD_FILE, RECORD_VOLUME_BYTES),
      protocol === "maelstrom" ? readVolumeFile(docker, recordVolume, JOURNAL_FILE, MAX_JOURNAL_FILE_BYTES) : Promise.resolve(null),
      readTraffic(clusterNodes, plan),
      faults.schedulerStats(),
    ]);
    const lines = parseRecord(recordBytes);
    const reports = await nodeReports(clusterNodes);
    const netInfo = await created.network.inspect();
    const teardownStart = Date.now();
    await resources.removeAll();
    return {
      lines,
      recordProblem: recordBytes === null ? "the controller left no record" : checkRecord(lines),
      controllerLog: controllerOutput.stderr,
      controllerExitCode: exit ? exit.StatusCode : null,
      timedOut: !exit,
      nodes: reports,
      network: { name: networkName, subnet: netInfo.IPAM?.Config?.[0]?.Subnet },
      addresses: plan,
      traffic,
      faults: timeline,
      shaping: { kind: shaperKind, latency, scheduler },
      mainPhaseStartWallMs: await readyAt,
      journal: await journalOf(journalBytes, nodeIds, readyAt),
      setupMs,
      teardownMs: Date.now() - teardownStart,
    };
  } catch (err) {
    if (err instanceof InfraError || err instanceof CancelledError) throw err;
    throw new InfraError("docker.cluster", `could not run the test cluster: ${String(err)}`, { cause: err });
  } finally {
    await resources.removeAll();
  }
}
