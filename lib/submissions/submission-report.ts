// What a viewer may see of a submission's grading: the submission (scoped by
// getSubmissionForViewerOrThrow) and the results of its latest attempt,
// filtered by the visibility rule (visibility.ts). A withheld result shows
// only its test's name and repetition, and while any is withheld the total
// score is not shown either (it would tell whether the hidden tests passed).
import { getSubmissionForViewerOrThrow, type Actor } from "../courses/access.js";
import type { Db } from "../db.js";
import { NotFoundError } from "../errors.js";
import { dueDateFor } from "../grading/late-policy.js";
import { deadlinePassed, isShown, resultsReleased, seesAsStaff } from "./visibility.js";

export async function getSubmissionReportOrThrow(db: Db, actor: Actor, submissionId: string, now = new Date()) {
  const submission = await getSubmissionForViewerOrThrow(db, actor, submissionId);
  const staffView = await seesAsStaff(db, actor, submission.courseId);
  const attempt = submission.jobs[0]?.attempts[0] ?? null;
  const results = attempt?.results ?? [];
  const state = { staff: staffView, released: resultsReleased(submission.lab, now), deadlinePassed: false };
  if (!state.staff && !state.released && results.some((r) => r.visibility === "after_due")) {
    state.deadlinePassed = deadlinePassed(await dueDateFor(db, { id: submission.labId, dueAt: submission.lab.dueAt }, submission.userId), now);
  }
  const shown = (r: { visibility: string }) => isShown(r.visibility, state);
  const visible = results.filter(shown);
  const withheld = results.filter((r) => !shown(r)).map((r) => ({ testName: r.testName, repetition: r.repetition, visibility: r.visibility }));
  return {
    submission,
    staffView,
    results: visible,
    passRates: passRates(visible),
    withheld,
    withheldResults: withheld.length,
    /** Null while results are withheld: the total would reveal them. */
    score: withheld.length > 0 ? null : { score: submission.score, finalScore: submission.finalScore, maxScore: submission.maxScore },
    /** Points of the results shown. */
    shownPoints: { earned: visible.reduce((sum, r) => sum + r.points, 0), possible: visible.reduce((sum, r) => sum + r.maxPoints, 0) },
  };
}

/** Whether one test result of a submission may be shown to the actor (the report's rules), with the submission. */
export async function getVisibleResultOrThrow(db: Db, actor: Actor, submissionId: string, resultId: string) {
  const report = await getSubmissionReportOrThrow(db, actor, submissionId);
  const result = report.results.find((r) => r.id === resultId);
  if (!result) throw new NotFoundError("test result");
  return { ...report, result };
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
