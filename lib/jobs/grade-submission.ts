// The grading job: one definition shared by the web (which enqueues) and the
// runner (which validates the payload before running it). The payload carries
// only the GradingJob id; PostgreSQL holds everything else, so a job re-created
// by the reconciler after Redis lost it is identical to the original.
import { z } from "zod";

export const GRADING_QUEUE = "grading";

/** A runner whose heartbeat is older than this is considered dead (its jobs are taken over, its containers reaped). */
export const RUNNER_DEAD_AFTER_MS = 60_000;

export const gradeSubmissionJob = {
  name: "grade-submission",
  schema: z.object({
    /** GradingJob.id; also the BullMQ job id, so enqueueing twice is a no-op. */
    gradingJobId: z.string().min(1),
  }),
  /** Attempts per job; only infrastructure errors are retried. */
  attempts: 3,
} as const;

export type GradeSubmissionPayload = z.infer<typeof gradeSubmissionJob.schema>;
