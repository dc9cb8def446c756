// Grades one GradingJob: build the submission, run every test (each
// repetition on a fresh cluster), check the histories, and record the results.
//
// Exactly once: each run of the handler is a new GradingAttempt (jobId,
// number); results hang off the attempt, and the final transaction flips the
// job from RUNNING to SUCCEEDED only if this attempt is still the job's
// current one, so a duplicate run (e.g. a job that ran twice after a stall)
// can never store a second verdict.
import type Docker from "dockerode";
import { UnrecoverableError } from "bullmq";
import { normaliseArchive } from "../lib/archive.js";
import { getBlobOrThrow, putBlob } from "../lib/blobs.js";
import { DEFAULT_CHECK_BUDGET_MS } from "../lib/checkers/index.js";
import { RESULT_FORMAT, type CheckResult, type ResultDocument } from "../lib/checkers/types.js";
import { isConnectionLoss, waitForDatabase, type Db } from "../lib/db.js";
import { errorMessage, InfraError, StudentError } from "../lib/errors.js";
import type { HistoryEvent } from "../lib/history.js";
import { admitJob } from "../lib/jobs/scheduling.js";
import { historyMetrics } from "../lib/metrics.js";
import { newSeed, Random } from "../lib/random.js";
import { dueDateFor, scoreAfterLatePolicy } from "../lib/grading/late-policy.js";
import { plotData } from "../lib/reports/plot-data.js";
import { suiteSpecSchema, workloadOptionsOf, type TestSpec } from "../lib/suites/schema.js";
import { BASE_IMAGE } from "../lib/toolchains.js";
import { WORKLOADS } from "../lib/workloads/index.js";
import { buildSubmission, removeVolume } from "../sandbox/build.js";
import { runClusterTest, type ClusterTestResult } from "../sandbox/cluster.js";
import type { RunnerLimits } from "./limits.js";
import { SANDBOX_UID } from "../sandbox/images/recipes.js";
import { engineOf } from "../sandbox/engine.js";
import { reapEarlierAttempts, reapRecordedLeftovers } from "./engine-leftovers.js";
import { EXIT_LINE_TOO_LONG, MAX_LINE_BYTES, type AgentStats } from "../sandbox/agent/wire.js";
import { agentStatsSchema, type LimitViolation } from "../sandbox/controller/spec.js";
import { serverMessagesOf } from "../sandbox/traffic.js";

export interface GradeDeps {
  db: Db;
  docker: Docker;
  runnerId: string;
  limits: RunnerLimits;
  /** Whether this runner's kernel has netem (probed at start). */
  netemAvailable?: boolean;
  /** Called on every state change, for live progress. */
  publish?: (submissionId: string, event: Record<string, unknown>) => void;
  log?: (line: string) => void;
}

/** Prisma's messages end with the driver's own words, after a code frame. */
const lastLine = (message: string) => message.trim().split("\n").filter((l) => l.trim() !== "").pop() ?? message;

/** The job's course is at its concurrency cap: the job must wait (not an attempt, not an error). */
export class CourseAtCapacity extends Error {
  constructor(readonly cap: number) {
    super(`the course is at its limit of ${cap} concurrent gradings`);
  }
}

export type Verdict = "PASS" | "FAIL" | "UNKNOWN" | "LIMIT_EXCEEDED";

/** Largest history stored as an artifact. */
const MAX_HISTORY_BYTES = 32 * 1024 * 1024;

export async function gradeJob(deps: GradeDeps, gradingJobId: string, opts: { finalAttempt: boolean; signal?: AbortSignal }): Promise<void> {
  const { db } = deps;
  const job = await db.gradingJob.findUnique({
    where: { id: gradingJobId },
    include: { submission: { include: { lab: true } }, suiteVersion: true },
  });
  if (!job) throw new UnrecoverableError(`grading job ${gradingJobId} does not exist`);
  if (job.status === "SUCCEEDED" || job.status === "FAILED" || job.status === "CANCELLED") return; // already recorded
  const suite = suiteSpecSchema.safeParse(job.suiteVersion.spec);
  if (!suite.success) throw new UnrecoverableError(`suite version ${job.suiteVersionId} is invalid: ${suite.error.message}`);
  const { submission } = job;
  const lab = submission.lab;

  // Earlier attempts may have left containers of this job behind: a runner
  // that died mid-job (its BullMQ lock expired, so the job came to us), or an
  // attempt whose engine restarted under it (its teardown could not reach the
  // engine). Only one attempt of a job runs at a time, so all of it goes now,
  // rather than at the next sweep, on whichever engine it ran (or it is
  // recorded for a runner of that engine); and what others recorded as left
  // on this engine goes too.
  // (An engine that does not answer fails the attempt at its first step instead, recorded as ours.)
  const engine = await engineOf(deps.docker).catch(() => undefined);
  if (engine) {
    await reapEarlierAttempts({ ...deps, engine }, job.id);
    await reapRecordedLeftovers({ ...deps, engine }).catch((err: unknown) => deps.log?.(`recorded leftovers not removed yet: ${errorMessage(err)}`));
  }
  const attempt = await db.$transaction(async (tx) => {
    // Staff may cap how many of a course's gradings run at once.
    const admission = await admitJob(tx, submission.courseId, job.id);
    if (!admission.admitted) return admission;
    // An earlier attempt still open belongs to a runner that died mid-job.
    await tx.gradingAttempt.updateMany({
      where: { jobId: job.id, finishedAt: null },
      data: { finishedAt: new Date(), outcome: "INFRA_ERROR", errorCode: "runner.lost", errorMessage: "the runner stopped before finishing" },
    });
    const last = await tx.gradingAttempt.findFirst({ where: { jobId: job.id }, orderBy: { number: "desc" } });
    const attempt = await tx.gradingAttempt.create({
      data: { jobId: job.id, number: (last?.number ?? 0) + 1, runnerId: deps.runnerId, engineId: engine?.id, engineEndpoint: engine?.endpoint },
    });
    await tx.gradingJob.update({ where: { id: job.id }, data: { status: "RUNNING" } });
    await tx.submission.update({
      where: { id: submission.id },
      // A job's first attempt starts the clock (a regrade's too); retries keep it.
      data: { status: "BUILDING", statusDetail: "building", startedAt: attempt.number === 1 ? new Date() : (submission.startedAt ?? new Date()) },
    });
    return attempt;
  });
  if ("admitted" in attempt) {
    await db.submission.update({
      where: { id: submission.id },
      data: { statusDetail: `waiting: the course is running its limit of ${attempt.cap} grading${attempt.cap === 1 ? "" : "s"} at once` },
    });
    throw new CourseAtCapacity(attempt.cap);
  }
  deps.publish?.(submission.id, { status: "BUILDING" });

  const owner = { runnerId: deps.runnerId, jobId: job.id, attemptId: attempt.id, owner: `${submission.courseId}/${submission.userId}` };
  let volume: string | undefined;
  // Docker resources go before the outcome is recorded: once a submission
  // reads as finished, nothing of it is left running.
  const release = async () => {
    const v = volume;
    volume = undefined;
    if (v) await removeVolume(deps.docker, v);
  };
  // The whole grading's wall-clock budget: past it, whatever runs is stopped
  // and the submission is TIMED_OUT with the points of the runs that finished.
  const overBudget = AbortSignal.timeout(deps.limits.submissionBudgetMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, overBudget]) : overBudget;
  const passesByTest = new Map<string, number>();
  const points = () => suite.data.tests.reduce((sum, test) => sum + (test.points * (passesByTest.get(test.name) ?? 0)) / test.repetitions, 0);
  const possible = suite.data.tests.reduce((sum, test) => sum + test.points, 0);
  let finishedRuns = 0;
  let totalRuns = 0;
  try {
    const upload = await getBlobOrThrow(db, submission.archiveKey);
    // Refused or unpackable archives are the student's build failure, never
    // our error to retry: one accepted before a rule existed is refused here,
    // and buildSubmission reports what the engine could not unpack.
    const normalised = await normaliseArchive(upload, SANDBOX_UID, {
      maxArchiveBytes: Math.max(lab.maxArchiveBytes, upload.length),
      maxUnpackedBytes: 64 * 1024 * 1024,
      maxEntries: 5000,
    }).catch((err: unknown) => {
      if (err instanceof StudentError) return err;
      throw err;
    });
    const build =
      normalised instanceof StudentError
        ? { ok: false as const, volume: undefined, reason: `the archive was refused: ${normalised.message}`, log: `${normalised.code}: ${normalised.message}` }
        : await buildSubmission(deps.docker, {
            tar: normalised.tar,
            image: lab.buildImage,
            command: lab.buildCommand,
            timeoutMs: deps.limits.buildTimeoutMs,
            limits: deps.limits.build,
            owner: { ...owner, test: "build" },
            signal,
          });
    volume = build.volume;
    if (!build.ok) {
      await release();
      await finish(db, job.id, attempt.id, submission.id, {
        outcome: "BUILD_FAILED",
        submission: { status: "BUILD_FAILED", statusDetail: build.reason, buildLog: build.log, score: 0, finalScore: 0, suiteVersionId: job.suiteVersionId },
      });
      deps.publish?.(submission.id, { status: "BUILD_FAILED" });
      return;
    }
    await db.submission.update({ where: { id: submission.id }, data: { buildLog: build.log } });

    const runs = suite.data.tests.flatMap((test) => seedsFor(test).map((seed, repetition) => ({ test, seed, repetition })));
    totalRuns = runs.length;
    for (const [i, run] of runs.entries()) {
      if (signal.aborted) throw new InfraError("cancelled", "the grading was stopped");
      const detail = `running test ${i + 1}/${runs.length}: ${run.test.name}${run.test.repetitions > 1 ? ` (repetition ${run.repetition + 1})` : ""}`;
      await db.submission.update({ where: { id: submission.id }, data: { status: "RUNNING", statusDetail: detail } });
      deps.publish?.(submission.id, { status: "RUNNING", detail });
      const started = Date.now();
      const cluster = await runClusterTest(deps.docker, {
        buildVolume: build.volume,
        runImage: lab.runImage,
        controllerImage: BASE_IMAGE,
        runCommand: lab.runCommand,
        nodeCount: run.test.nodes,
        controller: {
          workload: run.test.workload,
          concurrency: run.test.concurrency,
          ratePerSecond: run.test.rate,
          durationMs: Math.round(run.test.durationSeconds * 1000),
          seed: run.seed,
          requestTimeoutMs: Math.round(run.test.requestTimeoutSeconds * 1000),
          readyTimeoutMs: 20_000,
          options: workloadOptionsOf(run.test),
          recoveryMs: Math.round(run.test.recoverySeconds * 1000),
        },
        nodeLimits: deps.limits.node,
        controllerLimits: deps.limits.controller,
        wallClockMs: Math.round((run.test.durationSeconds + run.test.recoverySeconds) * 1000) + 60_000,
        owner: { ...owner, test: run.test.name },
        signal,
        protocol: lab.protocol === "NATIVE" ? "native" : "maelstrom",
        faults: run.test.faults,
        dataVolume: run.test.dataVolume,
        netemAvailable: deps.netemAvailable ?? false,
        subnetPool: deps.limits.subnetPool,
      });
      const judged = judge(run.test, cluster, lab.protocol === "NATIVE" ? "native" : "maelstrom");
      if (judged.verdict === "PASS") passesByTest.set(run.test.name, (passesByTest.get(run.test.name) ?? 0) + 1);
      await recordTestResult(db, attempt.id, run, judged, cluster, Date.now() - started);
      finishedRuns++;
      deps.publish?.(submission.id, { test: run.test.name, repetition: run.repetition, verdict: judged.verdict });
    }
    const earned = points();
    const finalScore = scoreAfterLatePolicy(earned, lab, submission.createdAt, await dueDateFor(db, lab, submission.userId));
    await release();
    await finish(db, job.id, attempt.id, submission.id, {
      outcome: "GRADED",
      submission: {
        status: "GRADED",
        statusDetail: earned === possible ? "all tests passed" : "graded",
        score: earned,
        maxScore: possible,
        finalScore,
        // A regrade's suite version becomes the submission's.
        suiteVersionId: job.suiteVersionId,
      },
    });
    deps.publish?.(submission.id, { status: "GRADED", score: earned, maxScore: possible });
  } catch (err) {
    if (overBudget.aborted && !opts.signal?.aborted) {
      const earned = points();
      await release().catch(() => undefined);
      await finish(db, job.id, attempt.id, submission.id, {
        outcome: "TIMED_OUT",
        submission: {
          status: "TIMED_OUT",
          statusDetail: `grading took longer than its budget of ${Math.round(deps.limits.submissionBudgetMs / 1000)} s; ${finishedRuns} of ${totalRuns || "the"} test runs finished`,
          score: earned,
          maxScore: possible,
          finalScore: scoreAfterLatePolicy(earned, lab, submission.createdAt, await dueDateFor(db, lab, submission.userId)),
          suiteVersionId: job.suiteVersionId,
        },
      });
      deps.publish?.(submission.id, { status: "TIMED_OUT" });
      return;
    }
    const lostDatabase = !(err instanceof InfraError) && isConnectionLoss(err);
    const infra =
      err instanceof InfraError
        ? err
        : lostDatabase
          ? new InfraError("database.unavailable", `the database became unreachable: ${lastLine(errorMessage(err))}`, { cause: err })
          : new InfraError("runner.unexpected", errorMessage(err), { cause: err });
    const cancelled = infra.code === "cancelled";
    await release().catch(() => undefined);
    // The outcome goes to the database, so it waits for the database to return.
    if (lostDatabase) await waitForDatabase(db, { log: deps.log });
    await db.$transaction([
      db.gradingAttempt.update({
        where: { id: attempt.id },
        data: { finishedAt: new Date(), outcome: cancelled ? "CANCELLED" : "INFRA_ERROR", errorCode: infra.code, errorMessage: infra.message },
      }),
      db.gradingJob.updateMany({
        where: { id: job.id, status: "RUNNING" },
        data: cancelled || opts.finalAttempt ? { status: cancelled ? "CANCELLED" : "FAILED", finishedAt: new Date() } : { status: "QUEUED" },
      }),
      db.submission.update({
        where: { id: submission.id },
        data:
          cancelled || opts.finalAttempt
            ? { status: cancelled ? "CANCELLED" : "INFRA_ERROR", statusDetail: cancelled ? "cancelled" : `infrastructure error: ${infra.message}`, finishedAt: new Date() }
            : { status: "QUEUED", statusDetail: "retrying after an infrastructure error (not counted against you)" },
      }),
    ]);
    deps.publish?.(submission.id, { status: cancelled ? "CANCELLED" : "INFRA_ERROR" });
    if (cancelled) throw new UnrecoverableError("cancelled");
    throw infra;
  } finally {
    await release().catch(() => undefined);
  }
}

/** One seed per repetition: the suite's fixed seed derives the rest; otherwise fresh ones. */
function seedsFor(test: TestSpec): string[] {
  if (!test.seed) return Array.from({ length: test.repetitions }, () => newSeed());
  const rng = new Random(test.seed);
  return Array.from({ length: test.repetitions }, (_, i) => {
    if (i === 0) return test.seed!;
    return ((BigInt(rng.nextU32()) << 32n) | BigInt(rng.nextU32())).toString();
  });
}

interface Judged extends Omit<CheckResult, "verdict"> {
  verdict: Verdict;
  events: HistoryEvent[];
  metrics: ResultDocument["metrics"];
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
  };
  const oom = cluster.nodes.filter((n) => n.oomKilled).map((n) => n.id);
  if (oom.length > 0) {
    return { verdict: "LIMIT_EXCEEDED", reason: `memory limit exceeded on ${oom.join(", ")}`, evidence: { kind: "run", oomKilled: oom }, events, metrics };
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
  const dead = cluster.nodes.filter((n) => !n.running);
  if (fatal) {
    const exits = dead.map((n) => `${n.id} exited with code ${n.exitCode}`).join(", ");
    return { verdict: "FAIL", reason: `${fatal}${exits ? ` (${exits})` : ""}`, evidence: { kind: "run", nodes: dead.map((n) => ({ id: n.id, exitCode: n.exitCode })) }, events, metrics };
  }
  // Judging a cut history could pass a solution on the part that was kept: never.
  if (cluster.recordProblem) throw new InfraError("history.incomplete", `the test's record is not whole: ${cluster.recordProblem}`);
  const checked = WORKLOADS[test.workload].check(events, { nodeIds, budgetMs: DEFAULT_CHECK_BUDGET_MS });
  if (checked.verdict === "PASS" && dead.length > 0) {
    return {
      verdict: "FAIL",
      reason: `node ${dead.map((n) => `${n.id} (exit code ${n.exitCode})`).join(", ")} stopped during the test`,
      evidence: checked.evidence,
      events,
      metrics,
    };
  }
  return { ...checked, events, metrics };
}

async function recordTestResult(
  db: Db,
  attemptId: string,
  run: { test: TestSpec; seed: string; repetition: number },
  judged: Judged,
  cluster: ClusterTestResult,
  durationMs: number,
): Promise<void> {
  const prefix = `attempts/${attemptId}/${run.test.name}/${run.repetition}`;
  const historyJson = Buffer.from(JSON.stringify({ format: "labgrade-history/1", seed: run.seed, test: run.test, events: judged.events }));
  const results: ResultDocument = {
    format: RESULT_FORMAT,
    workload: run.test.workload,
    seed: run.seed,
    test: run.test.name,
    verdict: judged.verdict,
    reason: judged.reason,
    evidence: judged.evidence,
    metrics: judged.metrics,
  };
  const stored = [
    historyJson.length <= MAX_HISTORY_BYTES
      ? { kind: "HISTORY" as const, name: "history.json", bytes: historyJson, truncated: false }
      : undefined,
    { kind: "RESULTS" as const, name: "results.json", bytes: Buffer.from(JSON.stringify(results)), truncated: false },
    { kind: "PLOT_DATA" as const, name: "plot.json", bytes: Buffer.from(JSON.stringify(plotData(judged.events, cluster.faults, run.test.durationSeconds * 1000, judged.metrics.throughput))), truncated: false },
    ...cluster.nodes.map((n) => ({ kind: "NODE_LOG" as const, name: `${n.id}.log`, bytes: Buffer.from(n.log), truncated: n.logTruncated })),
    { kind: "NODE_LOG" as const, name: "controller.log", bytes: Buffer.from(cluster.controllerLog), truncated: false },
  ].filter((a) => a !== undefined);
  const blobs = await Promise.all(stored.map((a) => putBlob(db, `${prefix}/${a.name}`, a.bytes)));
  const points = judged.verdict === "PASS" ? run.test.points / run.test.repetitions : 0;
  await db.testResult.create({
    data: {
      attemptId,
      testName: run.test.name,
      repetition: run.repetition,
      seed: run.seed,
      verdict: judged.verdict,
      reason: judged.reason,
      points,
      maxPoints: run.test.points / run.test.repetitions,
      visibility: run.test.visibility,
      durationMs,
      metrics: judged.metrics as object,
      evidence: judged.evidence as object,
      artifacts: {
        create: stored.map((a, i) => ({
          attemptId,
          kind: a.kind,
          name: a.name,
          storageKey: blobs[i]!.key,
          sizeBytes: blobs[i]!.sizeBytes,
          sha256: blobs[i]!.sha256,
          truncated: a.truncated,
        })),
      },
    },
  });
}

async function finish(
  db: Db,
  jobId: string,
  attemptId: string,
  submissionId: string,
  result: {
    outcome: "GRADED" | "BUILD_FAILED" | "TIMED_OUT";
    submission: {
      status: "GRADED" | "BUILD_FAILED" | "TIMED_OUT";
      statusDetail: string;
      buildLog?: string;
      score: number;
      maxScore?: number;
      finalScore: number;
      suiteVersionId: string;
    };
  },
): Promise<void> {
  await db.$transaction(async (tx) => {
    const claimed = await tx.gradingJob.updateMany({
      where: { id: jobId, status: "RUNNING", attempts: { none: { number: { gt: (await tx.gradingAttempt.findUniqueOrThrow({ where: { id: attemptId } })).number } } } },
      data: { status: "SUCCEEDED", finishedAt: new Date() },
    });
    await tx.gradingAttempt.update({ where: { id: attemptId }, data: { finishedAt: new Date(), outcome: result.outcome } });
    // Another attempt took over (or the job was cancelled): its result stands, not ours.
    if (claimed.count === 0) return;
    await tx.submission.update({ where: { id: submissionId }, data: { ...result.submission, finishedAt: new Date() } });
  });
}
