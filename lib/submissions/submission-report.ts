// What a viewer may see of a submission's grading: the submission (scoped by
// getSubmissionForViewerOrThrow) and the results of its latest attempt,
// filtered by each test's visibility. Staff and platform admins see every
// result; the student sees "always" tests, and "after_due" tests once the
// deadline (their extension's, if later) has passed. Withheld results are
// counted, never returned.
import { getSubmissionForViewerOrThrow, STAFF_ROLES, type Actor } from "../courses/access.js";
import type { Db } from "../db.js";

export async function getSubmissionReportOrThrow(db: Db, actor: Actor, submissionId: string, now = new Date()) {
  const submission = await getSubmissionForViewerOrThrow(db, actor, submissionId);
  const staffView =
    actor.isPlatformAdmin ||
    (await db.membership.count({
      where: { courseId: submission.courseId, userId: actor.userId, role: { in: [...STAFF_ROLES] } },
    })) > 0;
  const attempt = submission.jobs[0]?.attempts[0] ?? null;
  const results = attempt?.results ?? [];
  let deadlinePassed = false;
  if (!staffView && results.some((r) => r.visibility === "after_due")) {
    const extension = await db.extension.findUnique({
      where: { labId_userId: { labId: submission.labId, userId: submission.userId } },
      select: { dueAt: true },
    });
    const dueAt = [submission.lab.dueAt, extension?.dueAt].filter((d): d is Date => d instanceof Date).sort((a, b) => b.getTime() - a.getTime())[0];
    deadlinePassed = dueAt !== undefined && now > dueAt;
  }
  const visible = results.filter((r) => staffView || r.visibility === "always" || (r.visibility === "after_due" && deadlinePassed));
  return { submission, staffView, results: visible, withheldResults: results.length - visible.length };
}

export type SubmissionReport = Awaited<ReturnType<typeof getSubmissionReportOrThrow>>;
