// The verdict rules of one test run: what the cluster did (its record, its
// nodes, its counters) becomes PASS, FAIL, UNKNOWN or LIMIT_EXCEEDED, with a
// reason in plain words and the evidence. Limits come first (memory, the
// wall clock, an overlong line, the controller's limits), then a controller
// that gave up, then the workload's checker on a history that must be whole;
// a pass with a node that died is a FAIL. A Raft run (the controller's raft
// driver: our distributed tester) carries its own verdict line instead of a
// history (judgeRaft); a raft record without one is our failure, never the
// student's. Also the run's metrics: the
// firewall's message counts (trusted), the agents' (shown, never graded), the
// fault timeline and the network the run had.
import { DEFAULT_CHECK_BUDGET_MS, DEFAULT_CHECK_MEMORY_MB } from "../lib/checkers/index.js";
import type { CheckResult, ResultDocument, RunNetwork } from "../lib/checkers/types.js";
import { InfraError } from "../lib/errors.js";
import type { Verdict } from "../lib/grading/verdict.js";
import type { HistoryEvent } from "../lib/history.js";
import { historyMetrics } from "../lib/metrics.js";
import { isRaftTest, type TestSpec } from "../lib/suites/schema.js";
import { judgeCriteria, unmetCriteriaReason, type CriterionResult } from "../lib/suites/targets.js";
import { WORKLOADS } from "../lib/workloads/index.js";
import { EXIT_LINE_TOO_LONG, MAX_LINE_BYTES, type AgentStats } from "../sandbox/programs/agent/wire.js";
import type { ClusterTestResult } from "../sandbox/cluster.js";
import { agentStatsSchema, raftVerdictSchema, type ControllerLine, type LimitViolation } from "../sandbox/programs/controller/spec.js";
import { serverMessagesOf } from "../sandbox/traffic.js";

/** A run judged: its verdict, reason and evidence, the history it was judged on, and its metrics. */
export interface Judged extends Omit<CheckResult, "verdict"> {
  verdict: Verdict;
  events: HistoryEvent[];
  metrics: ResultDocument["metrics"] & {
    /** The test's availability and targets, each met or not with the run's figure (only for runs that reached the checker). */
    criteria?: CriterionResult[];
  };
}

/**
 * Per node, the messages it exchanged with other servers. The first three come
 * from the firewall counters of its namespace (trusted; null when they could
 * not be read), the rest from its agent, which the student's program could
 * alter (informational; null when the agent did not report or its figures
 * were not believable).
 */
export interface NodeMessageFigures {
  node: string;
  toNodes: number | null;
  toServices: number | null;
  fromServices: number | null;
  clientMessagesIn: number | null;
  clientMessagesOut: number | null;
  oversizeDropped: number | null;
  malformedStdoutLines: number | null;
  unknownDestinations: number | null;
  refusedDatagrams: number | null;
  sentByType: Record<string, number>;
}

/** The node figures of a run: the firewall's counts, and the agents' reports where they are believable. */
export function nodeMessageFigures(nodeIds: readonly string[], traffic: ClusterTestResult["traffic"], reported: readonly unknown[]): NodeMessageFigures[] {
  const agents = new Map<string, AgentStats>();
  for (const raw of reported) {
    const parsed = agentStatsSchema.safeParse(raw);
    if (parsed.success && nodeIds.includes(parsed.data.node)) agents.set(parsed.data.node, parsed.data);
  }
  return nodeIds.map((node) => {
    const counted = traffic[node];
    const agent = agents.get(node);
    return {
      node,
      toNodes: counted ? Object.values(counted.toNodes).reduce((sum, c) => sum + c.packets, 0) : null,
      toServices: counted ? counted.toServices.packets : null,
      fromServices: counted ? counted.fromServices.packets : null,
      clientMessagesIn: agent?.clientMessagesIn ?? null,
      clientMessagesOut: agent?.clientMessagesOut ?? null,
      oversizeDropped: agent?.oversizeDropped ?? null,
      malformedStdoutLines: agent?.malformedStdoutLines ?? null,
      unknownDestinations: agent?.unknownDestinations ?? null,
      refusedDatagrams: agent?.refusedDatagrams ?? null,
      sentByType: agent?.sentByType ?? {},
    };
  });
}

/** The report's account of packet shaping: the latency, who applied it, and what the scheduler did. */
export function networkOf(shaping: ClusterTestResult["shaping"]): RunNetwork | null {
  const stats = Object.values(shaping.scheduler);
  if (shaping.kind === "none" || (!shaping.latency && stats.length === 0)) return null;
  const sum = (pick: (s: (typeof stats)[number]) => number) => stats.reduce((total, s) => total + pick(s), 0);
  return {
    shaper: shaping.kind,
    latency: shaping.latency,
    delayedPackets: shaping.kind === "userspace" ? sum((s) => s.delayed) : null,
    lostByScheduler:
      shaping.kind === "userspace" ? sum((s) => s.droppedFull + s.droppedReinject + s.verdictErrors + (s.kernel.queueDropped ?? 0) + (s.kernel.userDropped ?? 0)) : null,
    lateP99Ms: shaping.kind === "userspace" && stats.length > 0 ? Math.max(...stats.map((s) => s.lateUs.p99 ?? 0)) / 1000 : null,
  };
}

/** Turns what the cluster did into a verdict: limits first, then the checker. */
export function judge(test: TestSpec, cluster: ClusterTestResult, protocol: "maelstrom" | "native" = "maelstrom"): Judged {
  const events: HistoryEvent[] = [];
  const reported: unknown[] = [];
  const violations: LimitViolation[] = [];
  let fatal: string | undefined;
  for (const line of cluster.lines) {
    if ("event" in line) events.push(line.event);
    else if ("stats" in line) reported.push(line.stats);
    else if ("violation" in line) violations.push(line.violation);
    else if ("fatal" in line) fatal = line.fatal.message;
  }
  const fromHistory = historyMetrics(events);
  const nodeIds = cluster.nodes.map((n) => n.id);
  const perNode = nodeMessageFigures(nodeIds, cluster.traffic, reported);
  // Every node's counters, or no figure at all: a partial count would flatter the solution.
  const counted = nodeIds.every((id) => cluster.traffic[id] !== undefined);
  const serverPackets = counted ? serverMessagesOf(cluster.traffic) : null;
  // In Maelstrom mode a packet between servers is one envelope; in native mode the program's transport decides.
  const serverMessages = protocol === "maelstrom" ? serverPackets : null;
  const metrics = {
    ...fromHistory,
    serverMessages,
    serverPackets,
    msgsPerOp: serverMessages !== null && fromHistory.operations > 0 ? serverMessages / fromHistory.operations : null,
    perNode,
    setupMs: cluster.setupMs,
    /** The fault timeline, for the report's bands under the latency plot. */
    faults: cluster.faults,
    /** How packets between nodes were delayed, for the report (null: they were not). */
    network: networkOf(cluster.shaping),
  };
  const oom = cluster.nodes.filter((n) => n.oomKilled).map((n) => n.id);
  if (oom.length > 0) {
    return { verdict: "LIMIT_EXCEEDED", reason: `memory limit exceeded on ${oom.join(", ")}`, evidence: { kind: "run", oomKilled: oom }, events, metrics };
  }
  if (cluster.timedOut && isRaftRecord(cluster.lines) && !cluster.lines.some((l) => "verdict" in l)) {
    // The raft tester bounds the student's own time itself (the course's 120 s); past the run's budget it was the faults' time: ours.
    throw new InfraError("raft.over-budget", "the Raft test ran past its wall-clock budget before its verdict (the runner's faults took longer than the catalogue allows)");
  }
  if (cluster.timedOut) {
    return { verdict: "LIMIT_EXCEEDED", reason: "the test exceeded its wall-clock limit and was stopped", evidence: { kind: "run" }, events, metrics };
  }
  const longLines = cluster.nodes.filter((n) => !n.running && n.exitCode === EXIT_LINE_TOO_LONG).map((n) => n.id);
  if (longLines.length > 0) {
    return {
      verdict: "LIMIT_EXCEEDED",
      reason: `${longLines.join(", ")} wrote a line of output over ${MAX_LINE_BYTES} bytes without a newline (stdout carries one envelope per line; log to stderr)`,
      evidence: { kind: "run", lineTooLong: longLines },
      events,
      metrics,
    };
  }
  if (violations.length > 0) {
    return { verdict: "LIMIT_EXCEEDED", reason: violations[0]!.detail, evidence: { kind: "run", violations: violations.slice(0, 20) }, events, metrics };
  }
  if (isRaftRecord(cluster.lines)) return { ...judgeRaft(cluster.lines, fatal, cluster.recordProblem), events, metrics };
  const dead = cluster.nodes.filter((n) => !n.running);
  if (fatal) {
    const exits = dead.map((n) => `${n.id} exited with code ${n.exitCode}`).join(", ");
    return { verdict: "FAIL", reason: `${fatal}${exits ? ` (${exits})` : ""}`, evidence: { kind: "run", nodes: dead.map((n) => ({ id: n.id, exitCode: n.exitCode })) }, events, metrics };
  }
  // Judging a cut history could pass a solution on the part that was kept: never.
  if (cluster.recordProblem) throw new InfraError("history.incomplete", `the test's record is not whole: ${cluster.recordProblem}`);
  // A Raft test judged by anything but its tester's record would be judged by nothing: ours.
  if (isRaftTest(test)) throw new InfraError("raft.no-verdict", `the controller left no Raft tester's record for ${test.raft}`);
  const checked = WORKLOADS[test.workload].check(events, { nodeIds, budgetMs: DEFAULT_CHECK_BUDGET_MS, memoryBudgetMb: DEFAULT_CHECK_MEMORY_MB });
  // Availability and targets are judged on every checked run, so the report shows each figure even when the checker failed.
  const criteria = judgeCriteria(test, { metrics, evidence: checked.evidence });
  const judgedMetrics = criteria.length > 0 ? { ...metrics, criteria } : metrics;
  if (checked.verdict === "PASS" && dead.length > 0) {
    return {
      verdict: "FAIL",
      reason: `node ${dead.map((n) => `${n.id} (exit code ${n.exitCode})`).join(", ")} stopped during the test`,
      evidence: checked.evidence,
      events,
      metrics: judgedMetrics,
    };
  }
  const unmet = unmetCriteriaReason(criteria);
  if (checked.verdict === "PASS" && unmet) {
    // A criterion missed on a figure the run had is the solution's; one whose figure was never measured decides nothing.
    const missed = criteria.some((c) => !c.met && c.figure !== null);
    return { verdict: missed ? "FAIL" : "UNKNOWN", reason: unmet, evidence: checked.evidence, events, metrics: judgedMetrics };
  }
  return { ...checked, events, metrics: judgedMetrics };
}

/** Whether the record is the raft driver's (its header says so). */
export function isRaftRecord(lines: readonly ControllerLine[]): boolean {
  const first = lines[0];
  return first !== undefined && "header" in first && first.header.driver === "raft";
}

/**
 * A raft record's verdict: the tester's own verdict line (PASS, or FAIL with
 * the failed check in words), checked before it is believed. A testerError
 * line, a controller that died before its verdict, or a record that is not
 * whole is ours: an InfraError, retried, never charged to the student.
 * Peers crashed by the test are not "nodes that died": the tester itself
 * notices a peer that stopped on its own and fails the check that met it.
 */
export function judgeRaft(lines: readonly ControllerLine[], fatal: string | undefined, recordProblem: string | null): CheckResult & { verdict: Verdict } {
  const testerError = lines.find((l): l is Extract<ControllerLine, { testerError: unknown }> => "testerError" in l);
  if (testerError) throw new InfraError(testerError.testerError.code, `the Raft tester could not run the test: ${testerError.testerError.message}`);
  const verdictLine = lines.find((l): l is Extract<ControllerLine, { verdict: unknown }> => "verdict" in l);
  if (!verdictLine) {
    throw new InfraError("raft.no-verdict", fatal ? `the Raft tester stopped before its verdict: ${fatal}` : `the Raft tester left no verdict${recordProblem ? ` (${recordProblem})` : ""}`);
  }
  if (recordProblem) throw new InfraError("history.incomplete", `the test's record is not whole: ${recordProblem}`);
  const parsed = raftVerdictSchema.safeParse(verdictLine.verdict);
  if (!parsed.success) throw new InfraError("raft.bad-verdict", `the Raft tester's verdict line is malformed: ${parsed.error.issues[0]?.message ?? "unknown"}`);
  const v = parsed.data;
  return { verdict: v.pass ? "PASS" : "FAIL", reason: v.pass ? v.reason : `${v.test}: ${v.reason}`, evidence: v.evidence };
}
