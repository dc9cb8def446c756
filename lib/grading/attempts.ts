// A grading job's attempts, as PostgreSQL records them: the lifecycle that
// makes a job's outcome exactly-once whatever the runners and Redis do.
//
// Each run of the handler is a new GradingAttempt (jobId, number); results
// hang off the attempt. At most one attempt of a job is open at a time: an
// attempt starts (under the job's row lock) only on a job that is not final
// and has no open attempt with a live heartbeat; open attempts whose heartbeat
// stopped are closed as lost first. Every later write of an attempt to its job
// or submission (progress, its outcome) is made under the same lock and only
// while the attempt is still open, so a lost or duplicate run (a job
// re-enqueued after Redis lost it, or taken over after a stall) can neither
// store a second outcome nor move a finished submission back. Our failures
// are retried by time, not by count (recordFailure).
import type { Db, Tx } from "../db.js";
import type { InfraError } from "../errors.js";
import { ATTEMPT_DEAD_AFTER_MS, isFinalJobStatus } from "../jobs/grading-job.js";
import { admitJob } from "../jobs/scheduling.js";
import { recordLeaderboardEntry } from "../leaderboards.js";

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
export class Superseded extends Error {
  constructor() {
    super("another attempt took the job over");
  }
}

/** The first wait after a failure of ours; each further one doubles, up to limits.infraRetryMaxDelayMs. */
export const INFRA_RETRY_FIRST_DELAY_MS = 2000;

// Heartbeats are stamped and judged by the database's clock, so runners on
// hosts whose clocks disagree still agree on which attempt is alive.
// ("heartbeatAt" is a UTC timestamp without time zone, as Prisma writes them.)

/** Renews an open attempt's heartbeat; false when the attempt is closed (another took the job over). */
export async function renewHeartbeat(db: Db | Tx, attemptId: string): Promise<boolean> {
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
export async function whileCurrent(db: Db, jobId: string, attemptId: string, write: (tx: Tx) => Promise<boolean>): Promise<boolean> {
  return db.$transaction(async (tx) => {
    await lockJob(tx, jobId);
    const open = await tx.gradingAttempt.count({ where: { id: attemptId, finishedAt: null } });
    return open === 0 ? false : write(tx);
  });
}

export type AttemptStart =
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
export async function startAttempt(
  db: Db,
  jobId: string,
  submission: { id: string; courseId: string; startedAt: Date | null },
  runnerId: string,
  /** The engine it runs on, recorded with it (runner/engine-leftovers.ts finds what it left there). */
  engine: { id: string; endpoint: string } | undefined,
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

/**
 * Records the attempt's verdict: claims the job (RUNNING to SUCCEEDED) and
 * writes the submission's outcome (and the student's leaderboard entry) in
 * one transaction, while the attempt is still the job's open one. False when it is not (it was taken for lost and
 * another attempt owns the job): that attempt's outcome stands, and this one
 * records nothing, so a job never has two outcomes.
 */
export async function finishAttempt(
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
    await recordLeaderboardEntry(tx, submissionId);
    return true;
  });
}

/** How an attempt that failed on our side (or was cancelled) was recorded. */
export type FailureRecorded =
  /** Another attempt owns the job: nothing of this one was written. */
  | { recorded: false }
  /** The job ended (cancelled, or failing on our side for longer than the retry window). */
  | { recorded: true; retryInMs?: undefined }
  /** The job waits to be tried again after `retryInMs`. */
  | { recorded: true; retryInMs: number };

/**
 * Records an attempt that failed on our side, or was cancelled: the attempt's
 * outcome, and either the job's end (cancelled; or failing for longer than
 * `retryWindowMs` since the first failure of this run of them) or its wait to
 * be tried again (2 s, 4 s, 8 s, ... up to `retryMaxDelayMs`), with what the
 * student reads meanwhile. Only while the attempt is the job's current one.
 */
export async function recordFailure(
  db: Db,
  ids: { jobId: string; attemptId: string; submissionId: string },
  /** What stopped it, as the attempt records it (errorCode, errorMessage); cancelled: by request. */
  failure: { code: string; message: string; cancelled: boolean },
  policy: { retryWindowMs: number; retryMaxDelayMs: number },
): Promise<FailureRecorded> {
  const { cancelled } = failure;
  const infra = failure;
  const now = new Date();
  let retryInMs: number | undefined;
  const recorded = await whileCurrent(db, ids.jobId, ids.attemptId, async (tx) => {
    const { infraFailingSince } = await tx.gradingJob.findUniqueOrThrow({ where: { id: ids.jobId }, select: { infraFailingSince: true } });
    // Our failures are retried by time, from the first of this run of them.
    const since = infraFailingSince ?? now;
    const givingUp = cancelled || now.getTime() - since.getTime() >= policy.retryWindowMs;
    await tx.gradingAttempt.update({
      where: { id: ids.attemptId },
      data: { finishedAt: now, outcome: cancelled ? "CANCELLED" : "INFRA_ERROR", errorCode: infra.code, errorMessage: infra.message },
    });
    if (givingUp) {
      await tx.gradingJob.updateMany({ where: { id: ids.jobId, status: "RUNNING" }, data: { status: cancelled ? "CANCELLED" : "FAILED", finishedAt: now } });
      await tx.submission.update({
        where: { id: ids.submissionId },
        data: cancelled
          ? { status: "CANCELLED", statusDetail: "cancelled", finishedAt: now }
          : { status: "INFRA_ERROR", statusDetail: `infrastructure error: ${infra.message}`, finishedAt: now },
      });
      return true;
    }
    const failures = await tx.gradingAttempt.count({ where: { jobId: ids.jobId, outcome: "INFRA_ERROR", finishedAt: { gte: since } } });
    retryInMs = Math.min(INFRA_RETRY_FIRST_DELAY_MS * 2 ** Math.max(0, failures - 1), policy.retryMaxDelayMs);
    await tx.gradingJob.updateMany({ where: { id: ids.jobId, status: "RUNNING" }, data: { status: "QUEUED", infraFailingSince: since } });
    await tx.submission.update({ where: { id: ids.submissionId }, data: { status: "QUEUED", statusDetail: waitingForMachines(infra, retryInMs) } });
    return true;
  });
  if (!recorded) return { recorded: false };
  return retryInMs === undefined ? { recorded: true } : { recorded: true, retryInMs };
}

/** What the student reads while the job waits to be tried again after our failure. */
function waitingForMachines(infra: { code: string }, retryInMs: number): string {
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
