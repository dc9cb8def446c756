// Which submissions count with their score (grade export, a student's best
// score, leaderboards): those whose last recorded grading was GRADED. A
// regrade does not take a score away while it runs: the submission keeps the
// score of its last grading (startRegrade leaves it in place) until the new
// outcome is recorded, and keeps it if the regrade is cancelled or ends on our
// side. A build failure's or a time-out's 0 never counts as a grade, and a
// regrade of one clears it first (startRegrade), so "in flight with a score"
// always means "graded before".
import { Prisma } from "../db.js";
import type { SubmissionStatus } from "../generated/prisma/enums.js";

/** Statuses whose recorded score is not a grade. */
const NOT_A_GRADE: SubmissionStatus[] = ["BUILD_FAILED", "TIMED_OUT"];

/** Prisma `where` for a submission that counts with its score. */
export const COUNTS_WITH_SCORE = { finalScore: { not: null }, status: { notIn: NOT_A_GRADE } } satisfies Prisma.SubmissionWhereInput;

/** The same, as SQL over a "Submission" aliased `s`. */
export const countsWithScoreSql = Prisma.sql`s."finalScore" IS NOT NULL AND s.status NOT IN ('BUILD_FAILED', 'TIMED_OUT')`;

/** Whether a submission in this status, about to be regraded, keeps its score meanwhile. */
export function keepsScoreWhileRegraded(status: SubmissionStatus): boolean {
  return !NOT_A_GRADE.includes(status);
}
