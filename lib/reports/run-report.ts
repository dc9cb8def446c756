// One test run's report, as a viewer may see it: the result (only if the
// submission report's visibility rules show it), its stored artifacts, the
// tail of each node's log, and the figures the page lays out. Artifacts are
// reached only through a result the viewer may see, so a hidden test's
// history is as unreachable as its verdict.
import type { RunNetwork } from "../checkers/types.js";
import { getBlobOrThrow, getBlobTails } from "../blobs.js";
import type { Actor } from "../courses/access.js";
import type { Evidence } from "../checkers/evidence.js";
import type { Db } from "../db.js";
import { NotFoundError } from "../errors.js";
import type { HistoryMetrics } from "../metrics.js";
import type { CriterionResult } from "../suites/targets.js";
import { getVisibleResultOrThrow } from "../submissions/submission-report.js";
import type { FaultTimelineEntry } from "./plot-data.js";

/** Shown on the page from the end of each node's log; the whole log is a download. */
export const LOG_TAIL_BYTES = 8 * 1024;

/**
 * What the runner stored per node (runner/judge.ts,
 * NodeMessageFigures), as read back: packets counted by the node's firewall
 * (toNodes, toServices, fromServices) and what its agent reported. Runs graded
 * before the firewall counted stored the agent's own serverMessagesSent/Received.
 */
export interface NodeStats {
  node: string;
  toNodes?: number | null;
  toServices?: number | null;
  fromServices?: number | null;
  serverMessagesSent?: number;
  serverMessagesReceived?: number;
  clientMessagesIn?: number | null;
  clientMessagesOut?: number | null;
  oversizeDropped?: number | null;
  malformedStdoutLines?: number | null;
  refusedDatagrams?: number | null;
  sentByType?: Record<string, number>;
}

export type RunMetrics = Partial<HistoryMetrics> & {
  msgsPerOp?: number | null;
  serverMessages?: number | null;
  serverPackets?: number | null;
  perNode?: NodeStats[];
  setupMs?: number;
  faults?: Array<FaultTimelineEntry & { droppedPackets?: Record<string, number>; plannedMs?: number; late?: string }>;
  network?: RunNetwork | null;
  /** The test's availability and targets as judged (runs graded before suites had them have none). */
  criteria?: CriterionResult[];
};

export async function getRunReportOrThrow(db: Db, actor: Actor, submissionId: string, resultId: string) {
  const report = await getVisibleResultOrThrow(db, actor, submissionId, resultId);
  const artifacts = await db.artifact.findMany({
    where: { testResultId: report.result.id },
    orderBy: { name: "asc" },
    select: { id: true, kind: true, name: true, sizeBytes: true, truncated: true, storageKey: true },
  });
  const logs = artifacts.filter((a) => a.kind === "NODE_LOG");
  const tails = await getBlobTails(db, logs.map((a) => a.storageKey), LOG_TAIL_BYTES);
  return {
    ...report,
    metrics: report.result.metrics as RunMetrics,
    evidence: readEvidence(report.result.evidence),
    artifacts: artifacts.map(({ storageKey: _key, ...a }) => a),
    logs: logs.map(({ storageKey, ...a }) => ({ ...a, tail: (tails.get(storageKey) ?? Buffer.alloc(0)).toString("utf8"), cut: a.sizeBytes > LOG_TAIL_BYTES })),
  };
}

export type RunReport = Awaited<ReturnType<typeof getRunReportOrThrow>>;

/**
 * Stored evidence as the union the report picks its sections by. Results
 * stored before evidence carried a kind are named by their shape: the
 * linearizability checker's had `searchSteps` or a counterexample, the set
 * checkers' `stableLatencyMs`; others get no section of their own.
 */
export function readEvidence(stored: unknown): Evidence {
  const evidence = (typeof stored === "object" && stored !== null && !Array.isArray(stored) ? stored : {}) as Record<string, unknown>;
  if (typeof evidence.kind === "string") return evidence as unknown as Evidence;
  if ("stableLatencyMs" in evidence) return { ...evidence, kind: "set-completeness" } as unknown as Evidence;
  if ("impossible" in evidence || "searchSteps" in evidence || "summary" in evidence || Array.isArray(evidence.operations)) return { ...evidence, kind: "linearizability" } as unknown as Evidence;
  return { ...evidence, kind: "run" } as Evidence;
}

/** One artifact of a test run the viewer may see, with its bytes. */
export async function getArtifactForViewerOrThrow(db: Db, actor: Actor, submissionId: string, artifactId: string) {
  const artifact = await db.artifact.findUnique({ where: { id: artifactId } });
  if (!artifact?.testResultId) throw new NotFoundError("artifact");
  // The rules of the result it belongs to, within this submission's latest grading.
  await getVisibleResultOrThrow(db, actor, submissionId, artifact.testResultId);
  return { artifact, bytes: await getBlobOrThrow(db, artifact.storageKey) };
}

/**
 * How packets between nodes were delayed in a run, in words for its report:
 * "100 ms latency (constant) on every packet between nodes; delays applied
 * by our packet scheduler: 9482 packets held, none lost by the scheduler, 99 %
 * released within 8.4 ms of their time. Clients and services are not delayed."
 */
export function describeNetwork(network: RunNetwork): string {
  const latency = network.latency ? `${network.latency.ms} ms latency (${network.latency.distribution}) on every packet between nodes` : "no latency of its own";
  const by = network.shaper === "userspace" ? "our packet scheduler" : "the kernel's netem";
  const held = network.delayedPackets !== null ? `: ${network.delayedPackets} packets held, ${network.lostByScheduler ? `${network.lostByScheduler} lost by the scheduler` : "none lost by the scheduler"}` : "";
  const late = network.delayedPackets !== null && network.lateP99Ms !== null ? `, 99 % released within ${Math.round(network.lateP99Ms * 10) / 10} ms of their time` : "";
  return `${latency}; delays applied by ${by}${held}${late}. Clients and services are not delayed.`;
}
