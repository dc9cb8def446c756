// PostgreSQL is the source of truth; Redis only carries work. The reconciler
// makes Redis agree: every GradingJob the database says is waiting, or running
// without a live attempt, must exist in the queue. It covers a web process
// that died between commit and enqueue, and a Redis that lost its data. A job
// whose open attempt still renews its heartbeat is never enqueued again (that
// would run it twice). It also repairs a submission whose latest job is final
// but which does not read as finished, from the job's one recorded outcome.
//
// rerunInfraFailures queues again the jobs that ended FAILED on our side not
// long ago; runners call it when their engine answers again.
import type { Queue } from "bullmq";
import type { Db } from "../lib/db.js";
import { ATTEMPT_DEAD_AFTER_MS, isFinalJobStatus } from "../lib/jobs/grading-job.js";
import { enqueueGradingJob } from "../lib/queue.js";
import { isFinalStatus } from "../lib/submissions/final-status.js";

export interface ReconcileReport {
  checked: number;
  enqueued: string[];
  /** RUNNING jobs left alone because their attempt is alive (whether or not Redis still has them). */
  alive: string[];
  /** Submissions set from their final job's outcome. */
  repaired: string[];
}

export async function reconcileQueue(db: Db, queue: Queue, opts: { batch?: number; minAgeMs?: number } = {}): Promise<ReconcileReport> {
  const minAge = new Date(Date.now() - (opts.minAgeMs ?? 5_000));
  const jobs = await db.gradingJob.findMany({
    where: { status: { in: ["QUEUED", "RUNNING"] }, createdAt: { lt: minAge } },
    // In queue order, so jobs of equal priority keep their order when re-created.
    orderBy: [{ priority: "asc" }, { createdAt: "asc" }],
    take: opts.batch ?? 500,
    select: { id: true, priority: true },
  });
  // Judged by the database's clock, as the heartbeats are stamped (lib/grading/attempts.ts).
  const live = await db.$queryRaw<Array<{ jobId: string }>>`
    SELECT DISTINCT "jobId" FROM "GradingAttempt"
    WHERE "finishedAt" IS NULL AND "heartbeatAt" > (now() AT TIME ZONE 'UTC') - (${ATTEMPT_DEAD_AFTER_MS}::int * interval '1 millisecond')`;
  const liveJobs = new Set(live.map((r) => r.jobId));
  const enqueued: string[] = [];
  const alive: string[] = [];
  for (const job of jobs) {
    if (liveJobs.has(job.id)) {
      alive.push(job.id);
      continue;
    }
    if (!(await enqueueAgain(queue, job))) continue;
    await db.gradingJob.update({ where: { id: job.id }, data: { enqueuedAt: new Date() } });
    enqueued.push(job.id);
  }
  const repaired = await repairFinishedSubmissions(db, { batch: opts.batch });
  return { checked: jobs.length, enqueued, alive, repaired };
}

/**
 * Puts the job in the queue unless it is there and not over. One the queue
 * thinks is over while the database disagrees (e.g. the runner could not
 * record the outcome) runs again; results are idempotent.
 */
async function enqueueAgain(queue: Queue, job: { id: string; priority: number }): Promise<boolean> {
  const existing = await queue.getJob(job.id);
  if (existing) {
    const state = await existing.getState();
    if (state !== "completed" && state !== "failed") return false;
    await existing.remove().catch(() => undefined);
  }
  await enqueueGradingJob(queue, job);
  return true;
}

/**
 * Submissions whose latest job is final but whose status is not (a late
 * duplicate attempt moved one back to RUNNING before attempts were
 * serialised): the status and its detail are set from the job's outcome. The
 * scores were written with the outcome, in the transaction that claimed the
 * job, and stay.
 */
export async function repairFinishedSubmissions(db: Db, opts: { batch?: number } = {}): Promise<string[]> {
  const candidates = await db.$queryRaw<Array<{ id: string }>>`
    SELECT j."id" FROM "GradingJob" j JOIN "Submission" s ON s."id" = j."submissionId"
    WHERE j."status" IN ('SUCCEEDED', 'FAILED', 'CANCELLED')
      AND s."status" NOT IN ('GRADED', 'BUILD_FAILED', 'INFRA_ERROR', 'CANCELLED', 'TIMED_OUT')
      AND NOT EXISTS (SELECT 1 FROM "GradingJob" n WHERE n."submissionId" = j."submissionId" AND n."createdAt" > j."createdAt")
    LIMIT ${opts.batch ?? 500}`;
  const repaired: string[] = [];
  for (const { id } of candidates) {
    const submissionId = await db.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT "id" FROM "GradingJob" WHERE "id" = ${id} FOR UPDATE`;
      const job = await tx.gradingJob.findUniqueOrThrow({
        where: { id },
        include: { submission: { select: { id: true, status: true, score: true, maxScore: true, finishedAt: true } }, attempts: { orderBy: { number: "desc" } } },
      });
      if (!isFinalJobStatus(job.status) || isFinalStatus(job.submission.status)) return undefined;
      const last = job.attempts[0];
      const winner = job.attempts.find((a) => a.outcome === "GRADED" || a.outcome === "BUILD_FAILED" || a.outcome === "TIMED_OUT");
      const { score, maxScore } = job.submission;
      const outcome =
        job.status === "CANCELLED"
          ? { status: "CANCELLED" as const, statusDetail: "cancelled" }
          : job.status === "FAILED"
            ? { status: "INFRA_ERROR" as const, statusDetail: `infrastructure error: ${last?.errorMessage ?? "the grading failed on our side"}` }
            : winner?.outcome === "BUILD_FAILED"
              ? { status: "BUILD_FAILED" as const, statusDetail: "the build failed (see the build log)" }
              : winner?.outcome === "TIMED_OUT"
                ? { status: "TIMED_OUT" as const, statusDetail: "grading took longer than its budget" }
                : { status: "GRADED" as const, statusDetail: score !== null && score === maxScore ? "all tests passed" : "graded" };
      await tx.submission.update({ where: { id: job.submission.id }, data: { ...outcome, finishedAt: job.finishedAt ?? job.submission.finishedAt ?? new Date() } });
      return job.submission.id;
    });
    if (submissionId) repaired.push(submissionId);
  }
  return repaired;
}

/**
 * Queues again the jobs that ended FAILED (our failure, retried for
 * LABGRADE_INFRA_RETRY_MINUTES to no avail) at most `withinMs` ago. Only a
 * submission's latest job whose submission still reads INFRA_ERROR, and a
 * student's own submission only while it is their latest in the lab (a newer
 * one is what they want graded); older failures are left for staff to regrade.
 */
export async function rerunInfraFailures(db: Db, queue: Queue, opts: { withinMs: number; now?: Date }): Promise<string[]> {
  if (opts.withinMs <= 0) return [];
  const now = opts.now ?? new Date();
  const since = new Date(now.getTime() - opts.withinMs);
  const failed = await db.$queryRaw<Array<{ id: string }>>`
    SELECT j."id" FROM "GradingJob" j JOIN "Submission" s ON s."id" = j."submissionId"
    WHERE j."status" = 'FAILED' AND j."finishedAt" >= ${since} AND j."cancelRequestedAt" IS NULL AND s."status" = 'INFRA_ERROR'
      AND NOT EXISTS (SELECT 1 FROM "GradingJob" n WHERE n."submissionId" = j."submissionId" AND n."createdAt" > j."createdAt")
      AND (j."kind" <> 'SUBMISSION' OR NOT EXISTS (
        SELECT 1 FROM "Submission" t WHERE t."labId" = s."labId" AND t."userId" = s."userId" AND t."createdAt" > s."createdAt"))
    ORDER BY j."priority", j."createdAt"
    LIMIT 500`;
  const queued: string[] = [];
  for (const { id } of failed) {
    const job = await db.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT "id" FROM "GradingJob" WHERE "id" = ${id} FOR UPDATE`;
      const job = await tx.gradingJob.findUniqueOrThrow({ where: { id }, select: { id: true, priority: true, status: true, submissionId: true } });
      if (job.status !== "FAILED") return undefined;
      await tx.gradingJob.update({ where: { id }, data: { status: "QUEUED", finishedAt: null, infraFailingSince: null, enqueuedAt: new Date() } });
      await tx.submission.update({
        where: { id: job.submissionId },
        data: { status: "QUEUED", statusDetail: "waiting for a runner: graded again now that the grading machines answer (not counted against you)", finishedAt: null },
      });
      return job;
    });
    if (!job) continue;
    // Enqueued at once; should Redis be away, the reconciler does it.
    await enqueueAgain(queue, job).catch(() => undefined);
    queued.push(id);
  }
  return queued;
}
