// Which labs' scores a student may not see yet. A lab's total score would
// tell whether its hidden tests passed, so it is withheld wherever the
// student's gradings hold a result the report would withhold (see
// submission-report.ts): a `hidden` test before the staff release the lab's
// results, or an `after_due` test before the deadline (the student's
// extension's, if later). The course page, the lab page's own submissions and
// the API's best scores all ask this. Staff and platform admins see everything.
import type { Actor } from "../courses/access.js";
import type { Db } from "../db.js";

export async function labsWithWithheldScores(db: Db, actor: Actor, labIds: string[], now = new Date()): Promise<Set<string>> {
  if (actor.isPlatformAdmin || labIds.length === 0) return new Set();
  const rows = await db.$queryRaw<Array<{ labId: string; visibility: string; dueAt: Date | null }>>`
    SELECT DISTINCT s."labId", r.visibility, GREATEST(l."dueAt", e."dueAt") AS "dueAt"
    FROM "Submission" s
    JOIN "Lab" l ON l.id = s."labId"
    LEFT JOIN "Extension" e ON e."labId" = s."labId" AND e."userId" = s."userId"
    JOIN "GradingJob" j ON j."submissionId" = s.id
    JOIN "GradingAttempt" a ON a."jobId" = j.id
    JOIN "TestResult" r ON r."attemptId" = a.id
    WHERE s."userId" = ${actor.userId} AND s."labId" = ANY(${labIds}) AND r.visibility <> 'always'
      AND (l."resultsReleasedAt" IS NULL OR l."resultsReleasedAt" > ${now})
      AND NOT EXISTS (
        SELECT 1 FROM "Membership" m
        WHERE m."courseId" = s."courseId" AND m."userId" = s."userId" AND m.role IN ('OWNER', 'INSTRUCTOR', 'TA')
      )`;
  const deadlinePassed = (dueAt: Date | null) => dueAt !== null && now > dueAt;
  return new Set(rows.filter((r) => r.visibility === "hidden" || (r.visibility === "after_due" && !deadlinePassed(r.dueAt))).map((r) => r.labId));
}
