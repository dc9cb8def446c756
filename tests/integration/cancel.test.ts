// Cancelling a grading from the web: a queued one ends at once; a running one
// is aborted by its runner within seconds, with nothing left in Docker. Only
// the submitter and the course's staff may cancel. And a grading past its
// wall-clock budget is stopped the same way, as TIMED_OUT.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError } from "../../lib/errors.js";
import { MANAGED_LABEL } from "../../sandbox/labels.js";
import { DEMO_COURSE_SLUG } from "../../lib/seed/demo-course.js";
import { cancelSubmission } from "../../lib/submissions/cancel-submission.js";
import { createGradingStack, type GradingStack } from "../support/grading-stack.js";

let stack: GradingStack;

beforeAll(async () => {
  stack = await createGradingStack("cancel");
  await stack.publishLongEchoSuite(60);
});

afterAll(async () => {
  await stack?.close();
});

describe("cancelling a submission", () => {
  it("ends a queued one at once, and only its owner or staff may", async () => {
    const submission = await stack.submitReference("alice@demo.labgrade.test", "echo", "correct");
    await expect(cancelSubmission(stack.db, await stack.actor("bob@demo.labgrade.test"), submission.id)).rejects.toBeInstanceOf(NotFoundError);
    await cancelSubmission(stack.db, await stack.actor("alice@demo.labgrade.test"), submission.id);
    const cancelled = await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } });
    expect(cancelled.status).toBe("CANCELLED");
    // A runner that gets the job later does nothing with it.
    await stack.startRunner();
    await new Promise((r) => setTimeout(r, 2000));
    expect((await stack.db.gradingAttempt.count({ where: { job: { submissionId: submission.id } } }))).toBe(0);
  });

  it("aborts a running one within seconds and removes its cluster", async () => {
    const submission = await stack.submitReference("carol@demo.labgrade.test", "echo", "correct");
    const filter = JSON.stringify({ label: [`${MANAGED_LABEL}=1`, `labgrade.runner=${stack.runner!.id}`] });
    for (let i = 0; ; i++) {
      const s = await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } });
      if (s.status === "RUNNING" && (await stack.docker.listNetworks({ filters: filter })).length > 0) break;
      if (i > 600) throw new Error(`never started running: ${s.status}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await cancelSubmission(stack.db, await stack.actor("instructor@demo.labgrade.test"), submission.id);
    expect(await stack.waitForFinalStatus(submission.id, 30_000)).toBe("CANCELLED");
    const attempt = await stack.db.gradingAttempt.findFirstOrThrow({ where: { job: { submissionId: submission.id } } });
    expect(attempt.outcome).toBe("CANCELLED");
    expect(await stack.docker.listContainers({ all: true, filters: filter })).toEqual([]);
    expect(await stack.docker.listNetworks({ filters: filter })).toEqual([]);
  });

  it("stops a grading that outlives its budget: TIMED_OUT, the finished runs' points, nothing left in Docker", async () => {
    const course = await stack.db.course.findUniqueOrThrow({ where: { slug: DEMO_COURSE_SLUG } });
    await stack.createPythonEchoLab(course.id, { durationSeconds: 30 });
    await stack.runner!.close(); // the runner with the default budget must not take this one
    const runner = await stack.startRunner("budget-runner", { limits: { submissionBudgetMs: 8000 } });
    const submission = await stack.submitPythonEcho(await stack.actor("carol@demo.labgrade.test"), DEMO_COURSE_SLUG);
    expect(await stack.waitForFinalStatus(submission.id, 60_000)).toBe("TIMED_OUT");
    const row = await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } });
    expect(row).toMatchObject({ score: 0, finalScore: 0, maxScore: 1 });
    expect(row.statusDetail).toBe("grading took longer than its budget of 8 s; 0 of 1 test runs finished");
    const job = await stack.db.gradingJob.findFirstOrThrow({ where: { submissionId: submission.id }, include: { attempts: true } });
    expect(job.attempts.map((a) => a.outcome)).toEqual(["TIMED_OUT"]);
    const filters = JSON.stringify({ label: [`${MANAGED_LABEL}=1`, `labgrade.runner=${runner.id}`] });
    expect(await stack.docker.listContainers({ all: true, filters })).toEqual([]);
  }, 120_000);
});
