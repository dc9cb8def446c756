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
  return { submission, staffView, results: visible, passRates: passRates(visible), withheldResults: results.length - visible.length };
}

export interface TestPassRate {
  testName: string;
  runs: number;
  passes: number;
  /** passes / runs: a test repeated K times (each with its own seed) passes in this fraction of them. */
  passRate: number;
}

/** Per test, in the order the tests first appear: how many of its repetitions passed. */
export function passRates(results: ReadonlyArray<{ testName: string; verdict: string }>): TestPassRate[] {
  const byTest = new Map<string, TestPassRate>();
  for (const r of results) {
    let rate = byTest.get(r.testName);
    if (!rate) byTest.set(r.testName, (rate = { testName: r.testName, runs: 0, passes: 0, passRate: 0 }));
    rate.runs++;
    if (r.verdict === "PASS") rate.passes++;
    rate.passRate = rate.passes / rate.runs;
  }
  return [...byTest.values()];
}

export type SubmissionReport = Awaited<ReturnType<typeof getSubmissionReportOrThrow>>;
