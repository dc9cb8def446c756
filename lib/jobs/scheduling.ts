// Fair scheduling of grading jobs, on top of BullMQ's priorities (lower runs
// first, ties in arrival order).
//
// Rule: every student submission runs before every dry run, and every dry run
// before every regrade (bands). Within a band, courses take turns: a course's
// k-th waiting job gets a rank one past its previous waiting job, and a course
// with nothing waiting joins at the head rank. So a burst of 100 submissions
// in one course is interleaved with the others', one job per course per turn,
// instead of delaying them by 100 gradings. Ranks only grow within a burst and
// are stored on the job (GradingJob.priority), so the reconciler re-creates
// the same order after Redis loses the queue.
//
// A course's concurrency cap (Course.maxConcurrentJobs) is enforced by the
// runner when it starts a job (see admitJob): a job over the cap goes back to
// wait for a moment, and other courses' jobs run meanwhile.
import type { Tx } from "../db.js";

export type JobKind = "SUBMISSION" | "DRY_RUN" | "REGRADE";

/** First priority of each band; a band holds BAND_WIDTH ranks. BullMQ allows 0..2^21. */
export const PRIORITY_BAND: Record<JobKind, number> = { SUBMISSION: 1, DRY_RUN: 600_001, REGRADE: 1_200_001 };
const BAND_WIDTH = 600_000;


/** Lock key for priority assignment within a band (pg_advisory_xact_lock(int, int)). */
const PRIORITY_LOCK = 0x4c47_5052; // "LGPR"

/**
 * The priority for a new job of `kind` in `courseId`. Call it in the
 * transaction that creates the job: it serialises with other assignments in
 * the band, so two jobs created at once see each other.
 */
export async function fairPriority(tx: Tx, courseId: string, kind: JobKind): Promise<number> {
  const band = PRIORITY_BAND[kind];
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${PRIORITY_LOCK}::int, ${band}::int)`;
  const inBand = { status: "QUEUED" as const, kind, priority: { gte: band, lt: band + BAND_WIDTH } };
  const [course, all] = await Promise.all([
    tx.gradingJob.aggregate({ where: { ...inBand, submission: { courseId } }, _max: { priority: true } }),
    tx.gradingJob.aggregate({ where: inBand, _min: { priority: true } }),
  ]);
  const courseLast = course._max.priority;
  const rank = courseLast !== null ? courseLast + 1 : (all._min.priority ?? band);
  return Math.min(rank, band + BAND_WIDTH - 1);
}

/** Lock key for admitting jobs of one course (pg_advisory_xact_lock(int, int) with the course's hash). */
const ADMIT_LOCK = 0x4c47_4144; // "LGAD"

/**
 * Whether a job of `courseId` may start now under the course's concurrency
 * cap. Call it in the transaction that marks the job RUNNING: admissions in
 * one course are serialised, so two runners cannot both take the last slot.
 */
export async function admitJob(tx: Tx, courseId: string, jobId: string): Promise<{ admitted: true } | { admitted: false; running: number; cap: number }> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ADMIT_LOCK}::int, hashtext(${courseId}))`;
  const course = await tx.course.findUniqueOrThrow({ where: { id: courseId }, select: { maxConcurrentJobs: true } });
  const cap = course.maxConcurrentJobs;
  if (cap === null) return { admitted: true };
  const running = await tx.gradingJob.count({ where: { status: "RUNNING", id: { not: jobId }, submission: { courseId } } });
  return running < cap ? { admitted: true } : { admitted: false, running, cap };
}
