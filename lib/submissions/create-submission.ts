// A student submits an archive to a lab. Everything that needs no bytes is
// checked first (membership, opening, deadline, the limit, a published suite,
// a place to upload), so a refused upload is never read; then the archive is
// read no further than the lab's limit and validated before anything is
// stored. The limit is counted again and the submission and its grading job
// inserted in one transaction that holds a lock on (lab, student), so parallel
// submissions cannot all slip under it. Enqueue only after the commit: if
// Redis is unreachable then, the submission is still accepted, and the
// runners' reconciler enqueues every QUEUED job the database holds.
import type { Queue } from "bullmq";
import { normaliseArchive } from "../archive.js";
import { putBlob } from "../blobs.js";
import { getLabForMemberOrThrow, isStaff, refuseIfArchived, type Actor } from "../courses/access.js";
import type { Db, Tx } from "../db.js";
import { dueDateFor } from "../grading/late-policy.js";
import { StudentError } from "../errors.js";
import { fairPriority } from "../jobs/scheduling.js";
import { enqueueGradingJob } from "../queue.js";
import type { UploadSlots } from "./upload-slots.js";
import { withUpload, type UploadSource } from "./upload-source.js";

export interface CreateSubmissionInput {
  courseSlug: string;
  labSlug: string;
  /** The archive's bytes, or a body still to be read (only once the checks pass, and no further than the lab's limit). */
  upload: Buffer | UploadSource;
}

export interface SubmissionLimitState {
  limit: number | null;
  used: number;
  /** When the oldest counted submission leaves the window (null: no limit or not reached). */
  nextAllowedAt: Date | null;
}

/** Statuses of ours that are refunded: they never count against the student. */
const REFUNDED = ["INFRA_ERROR", "CANCELLED"] as const;

const windowStart = (windowSeconds: number | null, now: Date) => (windowSeconds ? new Date(now.getTime() - windowSeconds * 1000) : new Date(0));

/** The state of a limit from the counted submissions' times in its window, oldest first. */
function limitStateOf(limit: number, windowSeconds: number | null, counted: Date[]): SubmissionLimitState {
  const oldest = counted[counted.length - limit];
  return {
    limit,
    used: counted.length,
    nextAllowedAt: counted.length >= limit && oldest && windowSeconds ? new Date(oldest.getTime() + windowSeconds * 1000) : null,
  };
}

export async function submissionLimitState(
  db: Db | Tx,
  lab: { id: string; submissionLimit: number | null; submissionWindowSeconds: number | null },
  userId: string,
  now = new Date(),
): Promise<SubmissionLimitState> {
  if (lab.submissionLimit === null) return { limit: null, used: 0, nextAllowedAt: null };
  const counted = await db.submission.findMany({
    where: { labId: lab.id, userId, countsTowardLimit: true, createdAt: { gte: windowStart(lab.submissionWindowSeconds, now) }, status: { notIn: [...REFUNDED] } },
    orderBy: { createdAt: "asc" },
    select: { createdAt: true },
  });
  return limitStateOf(lab.submissionLimit, lab.submissionWindowSeconds, counted.map((s) => s.createdAt));
}

/**
 * The same state from submissions already read: the student's newest on the
 * lab, newest first, at most `take` of them (a page's list; dry runs, which
 * such lists leave out, never count). Null when they may not hold every
 * submission in the window (`take` came back and the oldest is still inside
 * it): ask submissionLimitState then.
 */
export function submissionLimitFromNewest(
  lab: { submissionLimit: number | null; submissionWindowSeconds: number | null },
  newest: Array<{ createdAt: Date; status: string; countsTowardLimit: boolean }>,
  take: number,
  now = new Date(),
): SubmissionLimitState | null {
  if (lab.submissionLimit === null) return { limit: null, used: 0, nextAllowedAt: null };
  const since = windowStart(lab.submissionWindowSeconds, now);
  const last = newest.at(-1);
  if (newest.length >= take && last && last.createdAt >= since) return null;
  const counted = newest.filter((s) => s.countsTowardLimit && s.createdAt >= since && !(REFUNDED as readonly string[]).includes(s.status)).map((s) => s.createdAt);
  return limitStateOf(lab.submissionLimit, lab.submissionWindowSeconds, counted.reverse());
}

function limitReached(limit: SubmissionLimitState): StudentError {
  const when = limit.nextAllowedAt ? `; next submission allowed at ${limit.nextAllowedAt.toISOString()}` : "";
  return new StudentError("submission.limit", `you have used all ${limit.limit} submissions for this lab${when}`);
}

const isUsedUp = (limit: SubmissionLimitState) => limit.limit !== null && limit.used >= limit.limit;

/**
 * `uploadSlots`: the process's places for uploads in progress; one is held
 * from before the body is read until the submission is stored or refused.
 */
export async function createSubmission(deps: { db: Db; queue: Queue; uploadSlots?: UploadSlots }, actor: Actor, input: CreateSubmissionInput) {
  const { db } = deps;
  const { course, role, lab } = await getLabForMemberOrThrow(db, actor, input.courseSlug, input.labSlug);
  refuseIfArchived(course);
  const now = new Date();
  const staff = isStaff(role);
  if (!staff && lab.opensAt && lab.opensAt > now) throw new StudentError("lab.not_open", `this lab opens at ${lab.opensAt.toISOString()}`);
  // The student's own due date (their extension's, if any): the late policy counts from the same one.
  const dueAt = await dueDateFor(db, lab, actor.userId);
  const late = dueAt !== null && now > dueAt;
  if (late && lab.latePolicy === "REFUSE" && !staff) {
    throw new StudentError("lab.past_due", `the deadline (${dueAt.toISOString()}) has passed and this lab does not accept late work`);
  }
  // Counted again under the lock below; this early count spares reading an upload that cannot count.
  if (!staff) {
    const limit = await submissionLimitState(db, lab, actor.userId, now);
    if (isUsedUp(limit)) throw limitReached(limit);
  }
  const suite = await db.suiteVersion.findFirst({
    where: { labId: lab.id, publishedAt: { not: null } },
    orderBy: { version: "desc" },
  });
  if (!suite) throw new StudentError("lab.no_suite", "this lab has no published test suite yet; ask the course staff");

  const { submission, job } = await withUpload(input.upload, { maxBytes: lab.maxArchiveBytes, userId: actor.userId, slots: deps.uploadSlots }, async (upload) => {
    const { archive } = await normaliseArchive(upload, 0, {
      maxArchiveBytes: lab.maxArchiveBytes,
      maxUnpackedBytes: 64 * 1024 * 1024,
      maxEntries: 5000,
    });
    // Content-addressed and idempotent: stored before the transaction, harmless if it then refuses.
    const blob = await putBlob(db, `archives/${archive.contentHash}`, upload);

    return db.$transaction(async (tx) => {
      if (!staff) {
        // One submission of this student to this lab at a time from here to the commit.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`submission-limit:${lab.id}:${actor.userId}`}))`;
        const limit = await submissionLimitState(tx, lab, actor.userId);
        if (isUsedUp(limit)) throw limitReached(limit);
      }
      const submission = await tx.submission.create({
        data: {
          courseId: course.id,
          labId: lab.id,
          userId: actor.userId,
          suiteVersionId: suite.id,
          archiveKey: blob.key,
          archiveBytes: blob.sizeBytes,
          contentHash: archive.contentHash,
          late,
          countsTowardLimit: !staff,
          statusDetail: "waiting for a runner",
        },
      });
      const priority = await fairPriority(tx, "SUBMISSION", { courseId: course.id, userId: actor.userId });
      const job = await tx.gradingJob.create({
        data: { submissionId: submission.id, suiteVersionId: suite.id, kind: "SUBMISSION", priority, enqueuedAt: new Date() },
      });
      return { submission, job };
    });
  });
  try {
    await enqueueGradingJob(deps.queue, job);
  } catch (err) {
    // Accepted all the same: the reconciler will enqueue it (see file header).
    console.warn(`submission ${submission.id}: enqueue failed, the reconciler will retry: ${String(err)}`);
  }
  return submission;
}
