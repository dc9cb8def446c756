// Cancelling a grading: the student who submitted it, or staff of its course.
// A queued job is cancelled at once; a running one is flagged, and its runner
// aborts it within a second (runner/worker.ts), removing its containers. A
// regrade is staff's: the student cannot cancel it (and so dodge it).
import { getSubmissionForViewerOrThrow, STAFF_ROLES, type Actor } from "../courses/access.js";
import type { Db } from "../db.js";
import { ForbiddenError, StudentError } from "../errors.js";
import { isFinalStatus } from "./final-status.js";


/**
 * Why this actor may not cancel this submission now (null: they may). The
 * submission page asks before it offers the button; cancelSubmission refuses
 * with the same words.
 */
export async function whyNotCancellable(db: Db, actor: Actor, submission: { id: string; courseId: string; status: string }): Promise<{ error: Error } | null> {
  if (isFinalStatus(submission.status)) return { error: new StudentError("submission.finished", `this submission is already ${submission.status.toLowerCase().replace("_", " ")}`) };
  const inFlight = await db.gradingJob.findMany({ where: { submissionId: submission.id, status: { in: ["QUEUED", "RUNNING"] } }, select: { kind: true } });
  if (inFlight.some((j) => j.kind !== "SUBMISSION")) {
    const staff =
      actor.isPlatformAdmin ||
      (await db.membership.count({ where: { courseId: submission.courseId, userId: actor.userId, role: { in: [...STAFF_ROLES] } } })) > 0;
    if (!staff) return { error: new ForbiddenError("a regrade started by the course staff can only be cancelled by them") };
  }
  return null;
}

export async function cancelSubmission(db: Db, actor: Actor, submissionId: string): Promise<void> {
  const submission = await getSubmissionForViewerOrThrow(db, actor, submissionId);
  const refused = await whyNotCancellable(db, actor, submission);
  if (refused) throw refused.error;
  const now = new Date();
  await db.$transaction([
    db.gradingJob.updateMany({ where: { submissionId, status: { in: ["QUEUED", "RUNNING"] } }, data: { cancelRequestedAt: now } }),
    // Not started yet: nothing to abort, so it ends here.
    db.gradingJob.updateMany({ where: { submissionId, status: "QUEUED" }, data: { status: "CANCELLED", finishedAt: now } }),
    db.submission.updateMany({
      where: { id: submissionId, status: "QUEUED" },
      data: { status: "CANCELLED", statusDetail: "cancelled before it started", finishedAt: now },
    }),
    db.submission.updateMany({ where: { id: submissionId, status: { in: ["BUILDING", "RUNNING"] } }, data: { statusDetail: "cancelling" } }),
  ]);
}
