// Staff regrades: re-run one submission, each student's latest, or every
// submission of a lab against the lab's current published suite version, in
// the REGRADE priority band (after every waiting student submission; see
// scheduling.ts), as one batch whose progress staff can follow.
//
// A submission still waiting or being graded is left alone (counted as
// skipped), so no submission ever has two jobs in flight. Regrades never count
// against a student's submission limit: they create no submission.
import type { Queue } from "bullmq";
import { getLabForMemberOrThrow, isStaff, NOT_A_DRY_RUN, refuseIfArchived, type Actor } from "../courses/access.js";
import type { Db } from "../db.js";
import { ForbiddenError, NotFoundError, StudentError } from "../errors.js";
import { keepsScoreWhileRegraded } from "../submissions/counted-score.js";
import { isFinalStatus } from "../submissions/final-status.js";
import { enqueueGradingJob } from "../queue.js";
import { fairPriorities } from "./scheduling.js";

export type RegradeScope = { kind: "one"; submissionId: string } | { kind: "latest-per-student" } | { kind: "all" };


export interface RegradeStarted {
  batchId: string;
  suiteVersion: number;
  /** Jobs created. */
  total: number;
  /** Submissions left alone because they were still waiting or being graded. */
  skipped: number;
}

export async function startRegrade(
  deps: { db: Db; queue: Queue },
  actor: Actor,
  input: { courseSlug: string; labSlug: string; scope: RegradeScope },
): Promise<RegradeStarted> {
  const { db } = deps;
  const { course, role, lab } = await getLabForMemberOrThrow(db, actor, input.courseSlug, input.labSlug);
  if (!actor.isPlatformAdmin && !isStaff(role)) throw new ForbiddenError("only course staff may regrade");
  refuseIfArchived(course);
  const suite = await db.suiteVersion.findFirst({ where: { labId: lab.id, publishedAt: { not: null } }, orderBy: { version: "desc" } });
  if (!suite) throw new StudentError("lab.no_suite", "this lab has no published test suite to regrade against");

  const candidates = await db.submission.findMany({
    where: { labId: lab.id, ...NOT_A_DRY_RUN, ...(input.scope.kind === "one" ? { id: input.scope.submissionId } : {}) },
    orderBy: { createdAt: "desc" },
    select: { id: true, userId: true, status: true },
  });
  if (input.scope.kind === "one" && candidates.length === 0) throw new NotFoundError("submission");
  let chosen = candidates;
  if (input.scope.kind === "latest-per-student") {
    const seen = new Set<string>();
    chosen = candidates.filter((c) => !seen.has(c.userId) && seen.add(c.userId));
  }
  const ready = chosen.filter((c) => isFinalStatus(c.status));

  const { batch, jobs } = await db.$transaction(async (tx) => {
    const batch = await tx.regradeBatch.create({
      data: { labId: lab.id, scope: input.scope.kind === "one" ? "one" : input.scope.kind, requestedById: actor.userId, total: ready.length },
    });
    const jobs: Array<{ id: string; priority: number }> = [];
    // Newest first (as chosen): each student's latest submission is regraded before anyone's older ones.
    const priorities = await fairPriorities(tx, "REGRADE", ready.map((s) => ({ courseId: course.id, userId: s.userId })));
    for (const [i, submission] of ready.entries()) {
      const priority = priorities[i]!;
      const job = await tx.gradingJob.create({
        data: { submissionId: submission.id, suiteVersionId: suite.id, kind: "REGRADE", priority, regradeBatchId: batch.id, enqueuedAt: new Date() },
        select: { id: true, priority: true },
      });
      jobs.push(job);
    }
    const queued = { status: "QUEUED", statusDetail: `queued for a regrade against suite version ${suite.version}`, finishedAt: null } as const;
    // A graded submission keeps its score until the regrade records a new one (counted-score.ts);
    // a build failure's or time-out's 0 is no grade to keep.
    await tx.submission.updateMany({ where: { id: { in: ready.filter((s) => keepsScoreWhileRegraded(s.status)).map((s) => s.id) } }, data: queued });
    await tx.submission.updateMany({
      where: { id: { in: ready.filter((s) => !keepsScoreWhileRegraded(s.status)).map((s) => s.id) } },
      data: { ...queued, score: null, finalScore: null },
    });
    await tx.auditLog.create({
      data: {
        courseId: course.id,
        actorId: actor.userId,
        action: "regrade.start",
        targetType: "lab",
        targetId: lab.id,
        details: { batchId: batch.id, scope: input.scope, suiteVersion: suite.version, total: ready.length, skipped: chosen.length - ready.length },
      },
    });
    return { batch, jobs };
  });
  for (const job of jobs) {
    // A failed enqueue is picked up by the runners' reconciler.
    await enqueueGradingJob(deps.queue, job).catch(() => undefined);
  }
  return { batchId: batch.id, suiteVersion: suite.version, total: ready.length, skipped: chosen.length - ready.length };
}

export interface RegradeProgress {
  batchId: string;
  scope: string;
  total: number;
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Share of jobs over: succeeded, failed or cancelled. */
  done: number;
}

/** A batch's progress, for the course's staff (and platform admins) only. */
export async function regradeProgress(db: Db, actor: Actor, batchId: string): Promise<RegradeProgress> {
  const batch = await db.regradeBatch.findUnique({ where: { id: batchId }, select: { id: true, scope: true, total: true, labId: true } });
  if (!batch) throw new NotFoundError("regrade");
  const lab = await db.lab.findUniqueOrThrow({ where: { id: batch.labId }, select: { courseId: true } });
  if (!actor.isPlatformAdmin) {
    const member = await db.membership.findUnique({ where: { courseId_userId: { courseId: lab.courseId, userId: actor.userId } }, select: { role: true } });
    // Not staff of that course: as if it did not exist (no cross-tenant probing).
    if (!member || !isStaff(member.role)) throw new NotFoundError("regrade");
  }
  const counts = await db.gradingJob.groupBy({ by: ["status"], where: { regradeBatchId: batchId }, _count: { _all: true } });
  const count = (status: string) => counts.find((c) => c.status === status)?._count._all ?? 0;
  const over = count("SUCCEEDED") + count("FAILED") + count("CANCELLED");
  return {
    batchId: batch.id,
    scope: batch.scope,
    total: batch.total,
    queued: count("QUEUED"),
    running: count("RUNNING"),
    succeeded: count("SUCCEEDED"),
    failed: count("FAILED"),
    cancelled: count("CANCELLED"),
    done: batch.total === 0 ? 1 : over / batch.total,
  };
}
