// Grades one GradingJob: build the submission, run every test (each
// repetition on a fresh cluster), check the histories, and record the results.
//
// Exactly once: each run of the handler is a new GradingAttempt (jobId,
// number); results hang off the attempt. At most one attempt of a job is open
// at a time: an attempt starts (under the job's row lock) only on a job that
// is not final and has no open attempt with a live heartbeat; open attempts
// whose heartbeat stopped are closed as lost first. Every later write of an
// attempt to its job or submission (progress, its outcome) is made under the
// same lock and only while the attempt is still open, so a lost or duplicate
// run (a job re-enqueued after Redis lost it, or taken over after a stall)
// can neither store a second outcome nor move a finished submission back.
import type Docker from "dockerode";
import { UnrecoverableError } from "bullmq";
import { normaliseArchive } from "../lib/archive.js";
import { getBlobOrThrow, putBlob } from "../lib/blobs.js";
import { DEFAULT_CHECK_BUDGET_MS } from "../lib/checkers/index.js";
import { RESULT_FORMAT, type CheckResult, type ResultDocument } from "../lib/checkers/types.js";
import { isConnectionLoss, waitForDatabase, type Db, type Prisma, type Tx } from "../lib/db.js";
import { errorMessage, InfraError, StudentError } from "../lib/errors.js";
import type { HistoryEvent } from "../lib/history.js";
import { ATTEMPT_DEAD_AFTER_MS, ATTEMPT_HEARTBEAT_MS, isFinalJobStatus } from "../lib/jobs/grade-submission.js";
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
import { engineOf, type EngineIdentity } from "../sandbox/engine.js";
import { reapEarlierAttempts, reapRecordedLeftovers } from "./engine-leftovers.js";
import { reapJobLeftovers } from "../sandbox/reaper.js";
import { pingEngine } from "../sandbox/capabilities.js";
import { EXIT_LINE_TOO_LONG, MAX_LINE_BYTES, type AgentStats } from "../sandbox/agent/wire.js";
import { agentStatsSchema, type LimitViolation } from "../sandbox/controller/spec.js";
import { serverMessagesOf } from "../sandbox/traffic.js";
import type { ShaperKind } from "../sandbox/shaping.js";
import type { RunNetwork } from "../lib/checkers/types.js";

export interface GradeDeps {
  db: Db;
  docker: Docker;
  runnerId: string;
  limits: RunnerLimits;
  /** How this runner delays packets (probed at start, sandbox/capabilities.ts); default none. */
  shaper?: ShaperKind;
  /** Called on every state change, for live progress. */
  publish?: (submissionId: string, event: Record<string, unknown>) => void;
  log?: (line: string) => void;
  /** How often the attempt renews its heartbeat (default ATTEMPT_HEARTBEAT_MS; tests stretch it to play a stalled attempt). */
  attemptHeartbeatMs?: number;
}

/** Prisma's messages end with the driver's own words, after a code frame. */
const lastLine = (message: string) => message.trim().split("\n").filter((l) => l.trim() !== "").pop() ?? message;

/** The job's course is at its concurrency cap: the job must wait (not an attempt, not an error). */
export class CourseAtCapacity extends Error {
  constructor(readonly cap: number) {
    super(`the course is at its limit of ${cap} concurrent gradings`);
  }
}

/** Another attempt of the job is running and alive: this run must not start a second one (not an attempt, not an error). */
export class AttemptInProgress extends Error {
  constructor(
    readonly attemptNumber: number,
    readonly runnerId: string,
    /** When its heartbeat goes stale unless renewed (then the job may be taken over). */
    readonly staleInMs: number,
  ) {
    super(`attempt ${attemptNumber} of this job is still running on ${runnerId}`);
  }
}

/** The attempt failed on our side and is recorded; the job is to be tried again after `delayMs`. */
export class RetryGrading extends Error {
  constructor(
    readonly delayMs: number,
    readonly infra: InfraError,
  ) {
    super(`${infra.code}: ${infra.message}; trying again in ${Math.round(delayMs / 1000)} s`);
  }
}

/** This attempt was closed by another (it was taken for lost): it writes nothing more. */
class Superseded extends Error {
  constructor() {
    super("another attempt took the job over");
  }
}

/** The first wait after a failure of ours; each further one doubles, up to limits.infraRetryMaxDelayMs. */
const INFRA_RETRY_FIRST_DELAY_MS = 2000;
/** How long the catch waits for the engine to answer before it calls the failure an engine outage. */
const ENGINE_PING_TIMEOUT_MS = 5000;

export type Verdict = "PASS" | "FAIL" | "UNKNOWN" | "LIMIT_EXCEEDED";

/** Largest history stored as an artifact. */
const MAX_HISTORY_BYTES = 32 * 1024 * 1024;

export async function gradeJob(
  deps: GradeDeps,
  gradingJobId: string,
  opts: {
    /** Aborted when staff or the student cancel. */
    signal?: AbortSignal;
    /** Aborted when the runner finds its engine no longer answering: the attempt ends as our failure. */
    engineLost?: AbortSignal;
  } = {},
): Promise<void> {
  const { db } = deps;
  const job = await db.gradingJob.findUnique({
    where: { id: gradingJobId },
    include: { submission: { include: { lab: true } }, suiteVersion: true },
  });
  if (!job) throw new UnrecoverableError(`grading job ${gradingJobId} does not exist`);
  if (isFinalJobStatus(job.status)) return; // already recorded
  const suite = suiteSpecSchema.safeParse(job.suiteVersion.spec);
  if (!suite.success) throw new UnrecoverableError(`suite version ${job.suiteVersionId} is invalid: ${suite.error.message}`);
  const { submission } = job;
  const lab = submission.lab;

  // The engine this attempt runs on is recorded with it, so a later attempt
  // finds what this one left wherever it ran (engine-leftovers.ts).
  // (An engine that does not answer fails the attempt at its first step instead, recorded as ours.)
  const engine = await engineOf(deps.docker).catch(() => undefined);
  const started = await startAttempt(db, job.id, submission, deps.runnerId, engine);
  if (started.kind === "final") return;
  if (started.kind === "live") throw new AttemptInProgress(started.number, started.runnerId, started.staleInMs);
  if (started.kind === "at-capacity") {
    await db.submission.updateMany({
      where: { id: submission.id, status: "QUEUED" },
      data: { statusDetail: `waiting: the course is running its limit of ${started.cap} grading${started.cap === 1 ? "" : "s"} at once` },
    });
    throw new CourseAtCapacity(started.cap);
  }
  const { attempt } = started;
  deps.log?.(`job ${job.id}: attempt ${attempt.number} on ${deps.runnerId}`);
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
  // Renewed while the attempt runs; when the renewal finds the attempt closed,
  // another attempt has taken the job over, and this one stops.
  const superseded = new AbortController();
  const heartbeat = setInterval(() => {
    void renewHeartbeat(db, attempt.id)
      .then((renewed) => !renewed && superseded.abort())
      .catch(() => undefined); // the database is away: the attempt waits for it elsewhere
  }, deps.attemptHeartbeatMs ?? ATTEMPT_HEARTBEAT_MS);
  const signal = AbortSignal.any([overBudget, superseded.signal, ...(opts.signal ? [opts.signal] : []), ...(opts.engineLost ? [opts.engineLost] : [])]);
  /** A progress write, made only while this attempt is the job's open one; otherwise the attempt stops. */
  const progress = async (data: Prisma.SubmissionUpdateInput) => {
    const written = await whileCurrent(db, job.id, attempt.id, async (tx) => {
      await tx.submission.update({ where: { id: submission.id }, data });
      return true;
    });
    if (!written) {
      superseded.abort();
      throw new Superseded();
    }
  };
  const passesByTest = new Map<string, number>();
  const points = () => suite.data.tests.reduce((sum, test) => sum + (test.points * (passesByTest.get(test.name) ?? 0)) / test.repetitions, 0);
  const possible = suite.data.tests.reduce((sum, test) => sum + test.points, 0);
  let finishedRuns = 0;
  let totalRuns = 0;
  try {
    // Earlier attempts may have left containers of this job behind: a runner
    // that died mid-job, or an attempt whose engine stopped answering under it
    // (its teardown could not reach the engine). They are all closed now (the
    // start refused to run beside a live one), so all of it goes, on whichever
    // engine it ran (or it is recorded for a runner of that engine); and what
    // others recorded as left on this engine goes too.
    if (engine) {
      await reapEarlierAttempts({ ...deps, engine }, job.id, attempt.id);
      await reapRecordedLeftovers({ ...deps, engine }).catch((err: unknown) => deps.log?.(`recorded leftovers not removed yet: ${errorMessage(err)}`));
    }
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
      const claimed = await finish(db, job.id, attempt.id, submission.id, {
        outcome: "BUILD_FAILED",
        submission: { status: "BUILD_FAILED", statusDetail: build.reason, buildLog: build.log, score: 0, finalScore: 0, suiteVersionId: job.suiteVersionId },
      });
      if (claimed) deps.publish?.(submission.id, { status: "BUILD_FAILED" });
      return;
    }
    await progress({ buildLog: build.log });

    const runs = suite.data.tests.flatMap((test) => seedsFor(test).map((seed, repetition) => ({ test, seed, repetition })));
    totalRuns = runs.length;
    for (const [i, run] of runs.entries()) {
      if (signal.aborted) throw new InfraError("cancelled", "the grading was stopped");
      const detail = `running test ${i + 1}/${runs.length}: ${run.test.name}${run.test.repetitions > 1 ? ` (repetition ${run.repetition + 1})` : ""}`;
      await progress({ status: "RUNNING", statusDetail: detail });
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
        shaper: deps.shaper ?? "none",
        latency: run.test.latency ?? null,
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
    const claimed = await finish(db, job.id, attempt.id, submission.id, {
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
    if (claimed) deps.publish?.(submission.id, { status: "GRADED", score: earned, maxScore: possible });
    else deps.log?.(`job ${job.id}: attempt ${attempt.number} finished after another attempt took the job over; its results do not count`);
  } catch (err) {
    if (superseded.signal.aborted || err instanceof Superseded) {
      await release().catch(() => undefined);
      deps.log?.(`job ${job.id}: attempt ${attempt.number} was taken for lost and another attempt took the job over; it records nothing`);
      return;
    }
    const engineLost = opts.engineLost?.aborted === true;
    // Whichever step met the abort (the sandbox calls them all "cancelled"), only the request makes it a cancellation.
    const cancelled = !engineLost && opts.signal?.aborted === true;
    if (overBudget.aborted && !cancelled && !engineLost) {
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
    let infra = cancelled
      ? new InfraError("cancelled", "the grading was cancelled", { cause: err })
      : err instanceof InfraError
        ? err
        : lostDatabase
          ? new InfraError("database.unavailable", `the database became unreachable: ${lastLine(errorMessage(err))}`, { cause: err })
          : new InfraError("runner.unexpected", errorMessage(err), { cause: err });
    await release().catch(() => undefined);
    // Whatever call met it, an engine that does not answer is the cause.
    const engine = engineLost ? { ok: false as const, error: "the runner stopped getting answers from it" } : await pingEngine(deps.docker, ENGINE_PING_TIMEOUT_MS);
    if (!engine.ok && !cancelled && !lostDatabase) {
      infra = new InfraError("engine.unavailable", `the Docker engine stopped answering (${engine.error}): ${infra.message}`, { cause: err });
    }
    // Nothing of a failed attempt stays: what its teardown left goes now,
    // while this attempt is still the job's open one (so no other attempt of
    // the job can be running). An engine that does not answer is swept when
    // it answers again (runner/worker.ts), or by the job's next attempt.
    if (engine.ok) await reapJobLeftovers(deps.docker, job.id, new Set([deps.runnerId])).catch(() => undefined);
    // The outcome goes to the database, so it waits for the database to return.
    if (lostDatabase) await waitForDatabase(db, { log: deps.log });
    const now = new Date();
    let retryInMs: number | undefined;
    const recorded = await whileCurrent(db, job.id, attempt.id, async (tx) => {
      const { infraFailingSince } = await tx.gradingJob.findUniqueOrThrow({ where: { id: job.id }, select: { infraFailingSince: true } });
      // Our failures are retried by time, from the first of this run of them.
      const since = infraFailingSince ?? now;
      const givingUp = cancelled || now.getTime() - since.getTime() >= deps.limits.infraRetryWindowMs;
      await tx.gradingAttempt.update({
        where: { id: attempt.id },
        data: { finishedAt: now, outcome: cancelled ? "CANCELLED" : "INFRA_ERROR", errorCode: infra.code, errorMessage: infra.message },
      });
      if (givingUp) {
        await tx.gradingJob.updateMany({ where: { id: job.id, status: "RUNNING" }, data: { status: cancelled ? "CANCELLED" : "FAILED", finishedAt: now } });
        await tx.submission.update({
          where: { id: submission.id },
          data: cancelled
            ? { status: "CANCELLED", statusDetail: "cancelled", finishedAt: now }
            : { status: "INFRA_ERROR", statusDetail: `infrastructure error: ${infra.message}`, finishedAt: now },
        });
        return true;
      }
      const failures = await tx.gradingAttempt.count({ where: { jobId: job.id, outcome: "INFRA_ERROR", finishedAt: { gte: since } } });
      retryInMs = Math.min(INFRA_RETRY_FIRST_DELAY_MS * 2 ** Math.max(0, failures - 1), deps.limits.infraRetryMaxDelayMs);
      await tx.gradingJob.updateMany({ where: { id: job.id, status: "RUNNING" }, data: { status: "QUEUED", infraFailingSince: since } });
      await tx.submission.update({ where: { id: submission.id }, data: { status: "QUEUED", statusDetail: waitingForMachines(infra, retryInMs) } });
      return true;
    });
    if (!recorded) {
      deps.log?.(`job ${job.id}: attempt ${attempt.number} failed (${infra.code}) after another attempt took the job over; it records nothing`);
      return;
    }
    deps.publish?.(submission.id, { status: cancelled ? "CANCELLED" : retryInMs === undefined ? "INFRA_ERROR" : "QUEUED" });
    if (cancelled) throw new UnrecoverableError("cancelled");
    if (retryInMs === undefined) {
      throw new UnrecoverableError(`${infra.code}: ${infra.message} (failing on our side for ${Math.round(deps.limits.infraRetryWindowMs / 60_000)} min; not retried further)`);
    }
    throw new RetryGrading(retryInMs, infra);
  } finally {
    clearInterval(heartbeat);
    await release().catch(() => undefined);
  }
}

/** What the student reads while the job waits to be tried again after our failure. */
function waitingForMachines(infra: InfraError, retryInMs: number): string {
  const why =
    infra.code === "engine.unavailable"
      ? "a grading machine's container engine is not answering"
      : infra.code === "database.unavailable"
        ? "our database was unreachable"
        : infra.code === "runner.lost"
          ? "a grading machine stopped"
          : "a fault on our side";
  return `waiting for the grading machines (${why}); trying again in ${Math.max(1, Math.round(retryInMs / 1000))} s; this does not count against you`;
}

// Heartbeats are stamped and judged by the database's clock, so runners on
// hosts whose clocks disagree still agree on which attempt is alive.
// ("heartbeatAt" is a UTC timestamp without time zone, as Prisma writes them.)

/** Renews an open attempt's heartbeat; false when the attempt is closed (another took the job over). */
async function renewHeartbeat(db: Db | Tx, attemptId: string): Promise<boolean> {
  const renewed = await db.$executeRaw`UPDATE "GradingAttempt" SET "heartbeatAt" = (now() AT TIME ZONE 'UTC') WHERE "id" = ${attemptId} AND "finishedAt" IS NULL`;
  return renewed > 0;
}

/** Takes the job's row lock: attempt starts, progress writes and outcomes of one job are serialised on it. */
async function lockJob(tx: Tx, jobId: string): Promise<void> {
  await tx.$queryRaw`SELECT "id" FROM "GradingJob" WHERE "id" = ${jobId} FOR UPDATE`;
}

/**
 * Runs `write` in a transaction holding the job's row lock, only while
 * `attemptId` is still open (and so the job's current attempt: a new attempt
 * closes every open one first). False when it is not: another attempt took the
 * job over, and nothing of this one may be written.
 */
async function whileCurrent(db: Db, jobId: string, attemptId: string, write: (tx: Tx) => Promise<boolean>): Promise<boolean> {
  return db.$transaction(async (tx) => {
    await lockJob(tx, jobId);
    const open = await tx.gradingAttempt.count({ where: { id: attemptId, finishedAt: null } });
    return open === 0 ? false : write(tx);
  });
}

type AttemptStart =
  | { kind: "started"; attempt: { id: string; number: number } }
  /** The job got its outcome meanwhile (e.g. from the attempt a duplicate run raced with). */
  | { kind: "final" }
  | { kind: "live"; number: number; runnerId: string; staleInMs: number }
  | { kind: "at-capacity"; cap: number };

/**
 * Starts an attempt, in one transaction under the job's row lock: refused on
 * a final job and beside a live attempt; open attempts whose heartbeat
 * stopped are closed as lost.
 */
async function startAttempt(
  db: Db,
  jobId: string,
  submission: { id: string; courseId: string; startedAt: Date | null },
  runnerId: string,
  engine: EngineIdentity | undefined,
): Promise<AttemptStart> {
  return db.$transaction(async (tx): Promise<AttemptStart> => {
    await lockJob(tx, jobId);
    const { status } = await tx.gradingJob.findUniqueOrThrow({ where: { id: jobId }, select: { status: true } });
    if (isFinalJobStatus(status)) return { kind: "final" };
    const now = new Date();
    const open = await tx.$queryRaw<Array<{ number: number; runnerId: string; ageMs: number }>>`
      SELECT "number", "runnerId", (EXTRACT(EPOCH FROM ((now() AT TIME ZONE 'UTC') - "heartbeatAt")) * 1000)::float8 AS "ageMs"
      FROM "GradingAttempt" WHERE "jobId" = ${jobId} AND "finishedAt" IS NULL ORDER BY "number" DESC`;
    const live = open.find((a) => a.ageMs < ATTEMPT_DEAD_AFTER_MS);
    if (live) return { kind: "live", number: live.number, runnerId: live.runnerId, staleInMs: ATTEMPT_DEAD_AFTER_MS - live.ageMs };
    // Staff may cap how many of a course's gradings run at once.
    const admission = await admitJob(tx, submission.courseId, jobId);
    if (!admission.admitted) return { kind: "at-capacity", cap: admission.cap };
    await tx.gradingAttempt.updateMany({
      where: { jobId, finishedAt: null },
      data: {
        finishedAt: now,
        outcome: "INFRA_ERROR",
        errorCode: "runner.lost",
        errorMessage: `the runner stopped renewing the attempt's heartbeat for over ${ATTEMPT_DEAD_AFTER_MS / 1000} s before it finished`,
      },
    });
    const earlier = await tx.gradingAttempt.findMany({ where: { jobId }, select: { number: true } });
    const number = earlier.reduce((max, a) => Math.max(max, a.number), 0) + 1;
    const attempt = await tx.gradingAttempt.create({ data: { jobId, number, runnerId, engineId: engine?.id, engineEndpoint: engine?.endpoint } });
    await renewHeartbeat(tx, attempt.id);
    await tx.gradingJob.update({ where: { id: jobId }, data: { status: "RUNNING" } });
    await tx.submission.update({
      where: { id: submission.id },
      // A job's first attempt starts the clock (a regrade's too); retries keep it.
      data: { status: "BUILDING", statusDetail: "building", startedAt: number === 1 ? now : (submission.startedAt ?? now) },
    });
    return { kind: "started", attempt };
  });
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

/**
 * Records the attempt's verdict: claims the job (RUNNING to SUCCEEDED) and
 * writes the submission's outcome in one transaction, while the attempt is
 * still the job's open one. False when it is not (it was taken for lost and
 * another attempt owns the job): that attempt's outcome stands, and this one
 * records nothing, so a job never has two outcomes.
 */
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
): Promise<boolean> {
  return whileCurrent(db, jobId, attemptId, async (tx) => {
    const now = new Date();
    const claimed = await tx.gradingJob.updateMany({ where: { id: jobId, status: "RUNNING" }, data: { status: "SUCCEEDED", finishedAt: now } });
    if (claimed.count === 0) {
      // Open, yet its job is not running: nothing this attempt found may stand.
      await tx.gradingAttempt.update({
        where: { id: attemptId },
        data: { finishedAt: now, outcome: "INFRA_ERROR", errorCode: "attempt.orphaned", errorMessage: "the job was no longer running when this attempt finished" },
      });
      return false;
    }
    await tx.gradingAttempt.update({ where: { id: attemptId }, data: { finishedAt: now, outcome: result.outcome } });
    await tx.submission.update({ where: { id: submissionId }, data: { ...result.submission, finishedAt: now } });
    return true;
  });
}
