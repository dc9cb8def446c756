// Fair scheduling of grading jobs, on top of BullMQ's priorities (lower runs
// first, ties in arrival order).
//
// Bands: every student submission runs before every dry run, and every dry
// run before every regrade.
//
// Within a band, rounds, and within a round, turns. A job's priority is
// band + round × TURNS_PER_ROUND + turn:
// - Students take turns (rounds). A student's next job goes one round past
//   the latest round they were served or are waiting in; a student with
//   nothing waiting, running or recently served joins the round being served
//   now (the lowest round of any waiting or running job). So a burst of 20
//   from one student fills 20 rounds while a classmate's submission joins the
//   current one and starts after at most one of the burst's gradings. Each
//   student has at most one job in a round.
// - Courses take turns within a round: a course's next job in a round takes
//   the turn one past its previous waiting one there, and a course with
//   nothing waiting in the round joins at the round's head. So one course's
//   100 waiting submissions (from one student or from 100) delay another
//   course's newly waiting one by one grading, not 100.
// - "Recently served" is the memory that keeps rounds honest (start-time fair
//   queueing): a student whose grading finished while the band stayed busy
//   goes one round past it, instead of joining the current round again ahead
//   of everyone still waiting there. Without it, classmates who resubmit as
//   soon as their result arrives would keep the current round open and starve
//   a burst's next job. The band is busy since its oldest waiting or running
//   job was created; when nothing waits or runs, rounds start again from 0.
// - What this gives up: equal shares between courses at every moment. A
//   priority is fixed when its job is created (nothing already queued moves),
//   so students, not courses, take the rounds: a course whose students each
//   have several waiting gets one job per student per round, not one per
//   round. Only their second and later waiting jobs compete that way; a
//   course's cap (below) bounds what one course can take.
// Priorities are stored on the job (GradingJob.priority), so the reconciler
// re-creates the same order after Redis loses the queue; a job keeps its
// priority for life (retries and cap waits included).
//
// A course's concurrency cap (Course.maxConcurrentJobs) is enforced by the
// runner when it starts a job (see admitJob): a job over the cap goes back to
// wait for a moment, and other courses' jobs run meanwhile.
import type { Tx } from "../db.js";

export type JobKind = "SUBMISSION" | "DRY_RUN" | "REGRADE";

/** First priority of each band; a band holds BAND_WIDTH priorities. BullMQ allows 0..2^21. */
export const PRIORITY_BAND: Record<JobKind, number> = { SUBMISSION: 1, DRY_RUN: 600_001, REGRADE: 1_200_001 };
const BAND_WIDTH = 600_000;
/** Turns in one round: more courses' (or one course's students') jobs than this in a round share the last turn, in arrival order. */
export const TURNS_PER_ROUND = 1000;
/** Rounds in a band: a student with more jobs than this in one busy period shares the last round, in arrival order. */
export const ROUNDS_PER_BAND = BAND_WIDTH / TURNS_PER_ROUND;

/** Whose a job is, for taking turns: the submission's course and student (for dry runs, the staff member who started them). */
export interface JobOwner {
  courseId: string;
  userId: string;
}

/** A job of the band as fair ordering needs it. */
export interface BandJob extends JobOwner {
  priority: number;
  status: "QUEUED" | "RUNNING" | "SUCCEEDED";
  createdAt: Date;
  /** SUCCEEDED jobs only: when it finished. */
  finishedAt?: Date | null;
}

export function bandPosition(kind: JobKind, priority: number): { round: number; turn: number } {
  const offset = priority - PRIORITY_BAND[kind];
  return { round: Math.floor(offset / TURNS_PER_ROUND), turn: offset % TURNS_PER_ROUND };
}

export function priorityAt(kind: JobKind, round: number, turn: number): number {
  return PRIORITY_BAND[kind] + Math.min(round, ROUNDS_PER_BAND - 1) * TURNS_PER_ROUND + Math.min(turn, TURNS_PER_ROUND - 1);
}

/**
 * The order of one band as its jobs stand, handing out priorities for new
 * jobs (see the file header). Pure: `fairPriorities` feeds it from the
 * database; tests feed it by hand.
 */
export class BandOrder {
  /** The round being served: the lowest of any waiting or running job (0 when the band is idle). */
  private readonly currentRound: number;
  /** Each student's latest round: waiting, running or served while the band stayed busy. */
  private readonly latestRound = new Map<string, number>();
  /** Per round: the lowest waiting turn, and each course's highest waiting turn. */
  private readonly rounds = new Map<number, { headTurn: number; lastTurn: Map<string, number> }>();

  constructor(
    private readonly kind: JobKind,
    jobs: BandJob[],
  ) {
    const active = jobs.filter((j) => j.status !== "SUCCEEDED");
    const busySince = active.reduce((min, j) => Math.min(min, j.createdAt.getTime()), Infinity);
    this.currentRound = active.length === 0 ? 0 : active.reduce((min, j) => Math.min(min, bandPosition(kind, j.priority).round), Infinity);
    for (const job of jobs) {
      // A grading served before the band's busy period belongs to rounds that have started again.
      if (job.status === "SUCCEEDED" && !(job.finishedAt && job.finishedAt.getTime() >= busySince)) continue;
      const { round, turn } = bandPosition(kind, job.priority);
      this.noteStudent(job.userId, round);
      if (job.status === "QUEUED") this.noteTurn(job.courseId, round, turn);
    }
  }

  /** The priority for a new job of `owner`, counted as waiting from now on. */
  next(owner: JobOwner): number {
    const latest = this.latestRound.get(owner.userId);
    const round = Math.min(latest === undefined ? this.currentRound : Math.max(this.currentRound, latest + 1), ROUNDS_PER_BAND - 1);
    const inRound = this.rounds.get(round);
    const courseLast = inRound?.lastTurn.get(owner.courseId);
    const turn = Math.min(courseLast !== undefined ? courseLast + 1 : (inRound?.headTurn ?? 0), TURNS_PER_ROUND - 1);
    this.noteStudent(owner.userId, round);
    this.noteTurn(owner.courseId, round, turn);
    return priorityAt(this.kind, round, turn);
  }

  private noteStudent(userId: string, round: number): void {
    this.latestRound.set(userId, Math.max(round, this.latestRound.get(userId) ?? round));
  }

  private noteTurn(courseId: string, round: number, turn: number): void {
    const r = this.rounds.get(round) ?? { headTurn: turn, lastTurn: new Map<string, number>() };
    r.headTurn = Math.min(r.headTurn, turn);
    r.lastTurn.set(courseId, Math.max(turn, r.lastTurn.get(courseId) ?? turn));
    this.rounds.set(round, r);
  }
}

/** Lock key for priority assignment within a band (pg_advisory_xact_lock(int, int)). */
const PRIORITY_LOCK = 0x4c47_5052; // "LGPR"

/**
 * Priorities for new jobs of `kind`, one per owner, in order (a batch's later
 * jobs see its earlier ones). Call it in the transaction that creates the
 * jobs: it serialises with other assignments in the band, so jobs created at
 * once see each other.
 */
export async function fairPriorities(tx: Tx, kind: JobKind, owners: JobOwner[]): Promise<number[]> {
  const band = PRIORITY_BAND[kind];
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${PRIORITY_LOCK}::int, ${band}::int)`;
  const userIds = [...new Set(owners.map((o) => o.userId))];
  // The band's waiting and running jobs, and the owners' gradings served since the oldest of those was created.
  const jobs = await tx.$queryRaw<BandJob[]>`
    WITH active AS (
      SELECT j.priority, j.status::text AS status, j."createdAt", j."finishedAt", s."courseId", s."userId"
      FROM "GradingJob" j JOIN "Submission" s ON s.id = j."submissionId"
      WHERE j.kind = ${kind}::"JobKind" AND j.status IN ('QUEUED', 'RUNNING') AND j.priority >= ${band} AND j.priority < ${band + BAND_WIDTH}
    )
    SELECT * FROM active
    UNION ALL
    SELECT j.priority, j.status::text, j."createdAt", j."finishedAt", s."courseId", s."userId"
    FROM "GradingJob" j JOIN "Submission" s ON s.id = j."submissionId"
    WHERE j.kind = ${kind}::"JobKind" AND j.status = 'SUCCEEDED' AND j.priority >= ${band} AND j.priority < ${band + BAND_WIDTH}
      AND s."userId" = ANY(${userIds}) AND j."finishedAt" >= (SELECT min("createdAt") FROM active)`;
  const order = new BandOrder(kind, jobs);
  return owners.map((owner) => order.next(owner));
}

/** The priority for one new job of `kind` (see fairPriorities). */
export async function fairPriority(tx: Tx, kind: JobKind, owner: JobOwner): Promise<number> {
  return (await fairPriorities(tx, kind, [owner]))[0]!;
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
