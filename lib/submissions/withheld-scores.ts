// Which labs' scores a student may not see yet. A lab's total score would
// tell whether its hidden tests passed, so it is withheld wherever the
// student's gradings hold a result the visibility rule (visibility.ts)
// withholds from them. The course page, the lab page's own submissions and
// the API's best scores all ask this. Staff and platform admins see
// everything; a student's own gradings in a course they are staff of are not
// withheld from them either.
import { STAFF_ROLES, type Actor } from "../courses/access.js";
import { Prisma, type Db } from "../db.js";
import { deadlinePassed, isShown } from "./visibility.js";

/**
 * Suite versions with a test other than "always" (hidden, or after_due): a lab
 * none of whose versions is one holds nothing to withhold.
 */
export const MAY_WITHHOLD: Prisma.SuiteVersionWhereInput = {
  OR: (["hidden", "after_due"] as const).map((visibility) => ({ spec: { path: ["tests"], array_contains: [{ visibility }] } })),
};

export async function labsWithWithheldScores(db: Db, actor: Actor, labIds: string[], now = new Date()): Promise<Set<string>> {
  if (actor.isPlatformAdmin || labIds.length === 0) return new Set();
  // A result's visibility is its test's in the suite version it was graded
  // with: the results of a lab that may withhold nothing are not read at all
  // (the join below costs PostgreSQL milliseconds to plan and more to run for
  // a student with many gradings, on every view of a lab or course page).
  const hiding = await db.suiteVersion.findMany({ where: { labId: { in: labIds }, ...MAY_WITHHOLD }, distinct: ["labId"], select: { labId: true } });
  return withheldScoresOf(db, actor, hiding.map((h) => h.labId), now);
}

/** labsWithWithheldScores among labs already known to have a suite version that MAY_WITHHOLD. */
export async function withheldScoresOf(db: Db, actor: Actor, labIds: string[], now = new Date()): Promise<Set<string>> {
  if (actor.isPlatformAdmin || labIds.length === 0) return new Set();
  const rows = await db.$queryRaw<Array<{ labId: string; visibility: string; dueAt: Date | null; resultsReleasedAt: Date | null }>>`
    SELECT DISTINCT s."labId", r.visibility, GREATEST(l."dueAt", e."dueAt") AS "dueAt", l."resultsReleasedAt"
    FROM "Submission" s
    JOIN "Lab" l ON l.id = s."labId"
    LEFT JOIN "Extension" e ON e."labId" = s."labId" AND e."userId" = s."userId"
    JOIN "GradingJob" j ON j."submissionId" = s.id
    JOIN "GradingAttempt" a ON a."jobId" = j.id
    JOIN "TestResult" r ON r."attemptId" = a.id
    WHERE s."userId" = ${actor.userId} AND s."labId" = ANY(${labIds}) AND r.visibility <> 'always'
      AND NOT EXISTS (
        SELECT 1 FROM "Membership" m
        WHERE m."courseId" = s."courseId" AND m."userId" = s."userId" AND m.role::text IN (${Prisma.join([...STAFF_ROLES])})
      )`;
  const withheld = (r: (typeof rows)[number]) =>
    !isShown(r.visibility, { staff: false, released: r.resultsReleasedAt !== null && now >= r.resultsReleasedAt, deadlinePassed: deadlinePassed(r.dueAt, now) });
  return new Set(rows.filter(withheld).map((r) => r.labId));
}
