// A graded submission of a lab, its outcome recorded as a runner records it
// (finishAttempt, so everything kept at grading time is kept): one job of the
// kind asked for, one attempt, one test result carrying the metrics given.
import { randomBytes } from "node:crypto";
import type { Db } from "../../lib/db.js";
import { finishAttempt } from "../../lib/grading/attempts.js";

export async function recordGradedSubmission(
  db: Db,
  fields: { labId: string; userId: string; finalScore: number; metrics: object; createdAt: Date; kind?: "SUBMISSION" | "DRY_RUN" },
): Promise<string> {
  const lab = await db.lab.findUniqueOrThrow({ where: { id: fields.labId } });
  const suite = await db.suiteVersion.findFirstOrThrow({ where: { labId: lab.id } });
  const submission = await db.submission.create({
    data: { courseId: lab.courseId, labId: lab.id, userId: fields.userId, suiteVersionId: suite.id, archiveKey: `archives/${randomBytes(4).toString("hex")}`, archiveBytes: 1, contentHash: "0".repeat(64), status: "RUNNING", createdAt: fields.createdAt },
  });
  const job = await db.gradingJob.create({ data: { submissionId: submission.id, suiteVersionId: suite.id, kind: fields.kind ?? "SUBMISSION", status: "RUNNING" } });
  const attempt = await db.gradingAttempt.create({ data: { jobId: job.id, number: 1, runnerId: "test" } });
  const { finalScore } = fields;
  await db.testResult.create({ data: { attemptId: attempt.id, testName: "echo", repetition: 0, seed: "1", verdict: finalScore >= 1 ? "PASS" : "FAIL", reason: "", points: finalScore, maxPoints: 1, durationMs: 1000, metrics: fields.metrics } });
  const recorded = await finishAttempt(db, job.id, attempt.id, submission.id, {
    outcome: "GRADED",
    submission: { status: "GRADED", statusDetail: "graded", score: finalScore, maxScore: 1, finalScore, suiteVersionId: suite.id },
  });
  if (!recorded) throw new Error("the grading's outcome was not recorded");
  return submission.id;
}
