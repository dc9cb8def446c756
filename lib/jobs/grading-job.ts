// The grading job: one definition shared by the web (which enqueues) and the
// runner (which validates the payload before running it). The payload carries
// only the GradingJob id; PostgreSQL holds everything else, so a job re-created
// by the reconciler after Redis lost it is identical to the original.
import { z } from "zod";

export const GRADING_QUEUE = "grading";

/** A job in one of these has its one recorded outcome: no attempt starts on it again. */
export const FINAL_JOB_STATUSES = ["SUCCEEDED", "FAILED", "CANCELLED"] as const;

export function isFinalJobStatus(status: string): boolean {
  return (FINAL_JOB_STATUSES as readonly string[]).includes(status);
}

/** A runner whose heartbeat is older than this is considered dead (its containers are reaped). */
export const RUNNER_DEAD_AFTER_MS = 60_000;

/** How often a running attempt renews GradingAttempt.heartbeatAt. */
export const ATTEMPT_HEARTBEAT_MS = 5_000;

/**
 * An open attempt whose heartbeat is older than this is lost (its runner died,
 * or cannot reach the database): another attempt may take the job over and
 * reap its containers. A younger one is alive and is never duplicated. As long
 * as BullMQ's lock (30 s), so a killed runner's job is taken over as soon as
 * BullMQ hands it on.
 */
export const ATTEMPT_DEAD_AFTER_MS = 30_000;

export const gradeSubmissionJob = {
  name: "grade-submission",
  schema: z.object({
    /** GradingJob.id; also the BullMQ job id, so enqueueing twice is a no-op. */
    gradingJobId: z.string().min(1),
  }),
  /**
   * BullMQ's tries, for failures before an attempt could be recorded (the
   * database lost between two queries). An attempt that fails on our side is
   * retried by time instead (LABGRADE_INFRA_RETRY_MINUTES, runner/worker.ts),
   * and the student's own failures are results, never retried.
   */
  attempts: 3,
} as const;

export type GradeSubmissionPayload = z.infer<typeof gradeSubmissionJob.schema>;
