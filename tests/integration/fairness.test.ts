// Fairness with a real runner: students' submissions from two courses are
// interleaved (a burst in one course does not starve the other), a student's
// burst delays a classmate by at most one grading, each waiting
// submission knows its place, a course's concurrency cap holds while the other
// course's jobs run beside it, and staff regrades wait behind student work.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../lib/courses/access.js";
import { ForbiddenError, NotFoundError } from "../../lib/errors.js";
import { queueOverviewForStaff } from "../../lib/jobs/queue-overview.js";
import { queuePlace } from "../../lib/jobs/queue-place.js";
import { regradeProgress, startRegrade } from "../../lib/jobs/regrade.js";
import { PRIORITY_BAND } from "../../lib/jobs/scheduling.js";
import { DEMO_COURSE_SLUG } from "../../lib/seed/demo-course.js";
import { getSubmissionReportOrThrow } from "../../lib/submissions/submission-report.js";
import { parseSuite } from "../../lib/suites/parse-suite.js";
import { createGradingStack, type GradingStack } from "../support/grading-stack.js";

let stack: GradingStack;
let courseA: string;
let courseB: string;
let alice: Actor;
let dana: Actor;

const submit = (actor: Actor, courseSlug: string) => stack.submitPythonEcho(actor, courseSlug);

async function until(fn: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function waitAll(ids: string[]): Promise<void> {
  for (const id of ids) expect(await stack.waitForFinalStatus(id, 180_000)).toBe("GRADED");
}

beforeAll(async () => {
  stack = await createGradingStack("fairness");
  courseA = (await stack.db.course.findUniqueOrThrow({ where: { slug: DEMO_COURSE_SLUG } })).id;
  const b = await stack.db.course.create({ data: { slug: "fair-b", title: "Course B" } });
  courseB = b.id;
  const danaUser = await stack.db.user.create({ data: { email: "dana@b.labgrade.test", name: "Dana" } });
  await stack.db.membership.create({ data: { courseId: courseB, userId: danaUser.id, role: "STUDENT" } });
  await stack.createPythonEchoLab(courseA);
  await stack.createPythonEchoLab(courseB);
  alice = await stack.actor("alice@demo.labgrade.test");
  dana = { userId: danaUser.id, isPlatformAdmin: false };
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe("fair scheduling", () => {
  it("interleaves two courses' submissions instead of serving a burst first, and tells each its place", async () => {
    // Course A bursts four submissions, then course B sends two; no runner is up yet.
    const a = [];
    for (let i = 0; i < 4; i++) a.push(await submit(alice, DEMO_COURSE_SLUG));
    const b = [await submit(dana, "fair-b"), await submit(dana, "fair-b")];
    const expected = [a[0], b[0], a[1], b[1], a[2], a[3]].map((s) => s!.id);

    const jobs = await stack.db.gradingJob.findMany({ where: { submissionId: { in: expected } }, select: { submissionId: true, priority: true } });
    for (const j of jobs) expect(j.priority).toBeLessThan(PRIORITY_BAND.DRY_RUN);
    // B's first submission is second in line, not fifth.
    expect(await queuePlace(stack.db, b[0]!.id)).toMatchObject({ position: 2, running: 0, capacity: 0, estimatedStartAt: null });
    expect((await queuePlace(stack.db, a[3]!.id))!.position).toBe(6);

    await stack.startRunner("fair-runner-1");
    expect((await queuePlace(stack.db, a[3]!.id))!.capacity).toBe(1);
    await waitAll(expected);
    const started = await stack.db.submission.findMany({ where: { id: { in: expected } }, orderBy: { startedAt: "asc" }, select: { id: true } });
    expect(started.map((s) => s.id)).toEqual(expected);
    // Now that gradings have finished, a waiting submission gets an estimate.
    const runner = stack.runner!;
    await runner.worker.pause();
    const waiting = await submit(alice, DEMO_COURSE_SLUG);
    const place = await queuePlace(stack.db, waiting.id);
    expect(place).toMatchObject({ position: 1, capacity: 1 });
    expect(place!.averageGradingMs).toBeGreaterThan(1000);
    expect(place!.estimatedStartAt!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    void runner.worker.resume();
    await waitAll([waiting.id]);
    await runner.close();
  }, 400_000);

  it("keeps a course within its concurrency cap while another course's job runs beside it", async () => {
    await stack.db.course.update({ where: { id: courseA }, data: { maxConcurrentJobs: 1 } });
    const a = [await submit(alice, DEMO_COURSE_SLUG), await submit(alice, DEMO_COURSE_SLUG), await submit(alice, DEMO_COURSE_SLUG)];
    const b = [await submit(dana, "fair-b")];
    const runner = await stack.startRunner("fair-runner-2", { concurrency: 2 });
    await waitAll([...a, ...b].map((s) => s.id));
    const rows = await stack.db.submission.findMany({
      where: { id: { in: [...a, ...b].map((s) => s.id) } },
      select: { id: true, courseId: true, startedAt: true, finishedAt: true },
    });
    const spans = (course: string) => rows.filter((r) => r.courseId === course).map((r) => [r.startedAt!.getTime(), r.finishedAt!.getTime()] as const);
    const overlaps = (x: readonly [number, number], y: readonly [number, number]) => x[0] < y[1] && y[0] < x[1];
    const aSpans = spans(courseA);
    for (let i = 0; i < aSpans.length; i++) for (let j = i + 1; j < aSpans.length; j++) expect(overlaps(aSpans[i]!, aSpans[j]!)).toBe(false);
    // Course B was not held back by A's cap: its job ran while one of A's did.
    expect(aSpans.some((s) => overlaps(s, spans(courseB)[0]!))).toBe(true);
    await runner.close();
    await stack.db.course.update({ where: { id: courseA }, data: { maxConcurrentJobs: null } });
  }, 300_000);

  it("regrades each student's latest submission against the new suite, after waiting student work, with progress for staff only", async () => {
    const carol = await stack.actor("carol@demo.labgrade.test");
    const ta = await stack.actor("ta@demo.labgrade.test");
    const runner1 = await stack.startRunner("fair-runner-3");
    const carols = await submit(carol, DEMO_COURSE_SLUG);
    await waitAll([carols.id]);
    await runner1.close();
    // Staff publish version 2 of the suite: a second test.
    const lab = await stack.db.lab.findFirstOrThrow({ where: { courseId: courseA, slug: "py-echo" } });
    const source = "tests:\n  - name: echo\n    workload: echo\n    nodes: 1\n    rate: 5\n    durationSeconds: 1\n  - name: echo-again\n    workload: echo\n    nodes: 1\n    rate: 5\n    durationSeconds: 1\n";
    const parsed = parseSuite(source);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const v2 = await stack.db.suiteVersion.create({ data: { labId: lab.id, version: 2, source, spec: parsed.spec as object, sourceHash: parsed.sourceHash, publishedAt: new Date() } });

    const input = { courseSlug: DEMO_COURSE_SLUG, labSlug: "py-echo", scope: { kind: "latest-per-student" as const } };
    await expect(startRegrade({ db: stack.db, queue: stack.queue }, alice, input)).rejects.toBeInstanceOf(ForbiddenError);
    const started = await startRegrade({ db: stack.db, queue: stack.queue }, ta, input);
    expect(started).toMatchObject({ suiteVersion: 2, total: 2, skipped: 0 });
    const latestAlice = await stack.db.submission.findFirstOrThrow({ where: { userId: alice.userId, labId: lab.id }, orderBy: { createdAt: "desc" } });
    expect(latestAlice.status).toBe("QUEUED");
    // A student's new submission, sent after the regrade began, still goes first.
    const fresh = await submit(dana, "fair-b");
    expect(await regradeProgress(stack.db, ta, started.batchId)).toMatchObject({ total: 2, queued: 2, done: 0 });
    await expect(regradeProgress(stack.db, alice, started.batchId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(regradeProgress(stack.db, dana, started.batchId)).rejects.toBeInstanceOf(NotFoundError);

    const runner = await stack.startRunner("fair-runner-4");
    await waitAll([fresh.id, latestAlice.id, carols.id]);
    await until(async () => (await regradeProgress(stack.db, ta, started.batchId)).done === 1);
    expect(await regradeProgress(stack.db, ta, started.batchId)).toMatchObject({ total: 2, succeeded: 2, failed: 0, done: 1 });
    const regradeJobs = await stack.db.gradingJob.findMany({ where: { regradeBatchId: started.batchId }, include: { attempts: true } });
    const freshStart = (await stack.db.gradingJob.findFirstOrThrow({ where: { submissionId: fresh.id }, include: { attempts: true } })).attempts[0]!.startedAt;
    for (const j of regradeJobs) expect(j.attempts[0]!.startedAt.getTime()).toBeGreaterThan(freshStart.getTime());
    for (const id of [latestAlice.id, carols.id]) {
      const s = await stack.db.submission.findUniqueOrThrow({ where: { id } });
      expect(s).toMatchObject({ status: "GRADED", suiteVersionId: v2.id, score: s.maxScore });
      const report = await getSubmissionReportOrThrow(stack.db, ta, id);
      expect(report.results.map((r) => r.testName).sort()).toEqual(["echo", "echo-again"]);
    }
    // The regrade did not use up anyone's submissions.
    expect(await stack.db.submission.count({ where: { labId: lab.id, userId: carol.userId } })).toBe(1);
    await runner.close();
  }, 300_000);

  // After the regrade test: bob's submission would change its "latest per student".
  it("starts a classmate's submission after at most one of a bursting student's gradings", async () => {
    // One runner slot; alice sends six at once, then bob (same course) one.
    const bob = await stack.actor("bob@demo.labgrade.test");
    const runner = await stack.startRunner("fair-runner-burst");
    const burst = [];
    for (let i = 0; i < 6; i++) burst.push(await submit(alice, DEMO_COURSE_SLUG));
    const classmate = await submit(bob, DEMO_COURSE_SLUG);
    // He is shown he is next (second if alice's first has not started yet), not seventh.
    expect((await queuePlace(stack.db, classmate.id))!.position).toBeLessThanOrEqual(2);
    await waitAll([...burst, classmate].map((s) => s.id));
    const firstStart = async (submissionId: string) =>
      (await stack.db.gradingAttempt.findFirstOrThrow({ where: { job: { submissionId } }, orderBy: { startedAt: "asc" } })).startedAt.getTime();
    const bobStart = await firstStart(classmate.id);
    const aliceStarts = await Promise.all(burst.map((s) => firstStart(s.id)));
    expect(aliceStarts.filter((t) => t < bobStart).length).toBeLessThanOrEqual(1);
    // Alice's own burst still runs in the order she sent it.
    expect([...aliceStarts].sort((a, b) => a - b)).toEqual(aliceStarts);
    await runner.close();
  }, 300_000);

  it("shows a course's staff their own gradings by name and the rest of the queue only as counts", async () => {
    const mine = await submit(alice, DEMO_COURSE_SLUG);
    const theirs = await submit(dana, "fair-b");
    const ta = await stack.actor("ta@demo.labgrade.test");
    const overview = await queueOverviewForStaff(stack.db, ta, DEMO_COURSE_SLUG);
    expect(overview.all.queued).toBe(2);
    expect(overview.jobs.map((j) => j.submissionId)).toEqual([mine.id]);
    expect(overview.jobs[0]).toMatchObject({ lab: "py-echo", kind: "SUBMISSION", status: "QUEUED" });
    expect(JSON.stringify(overview)).not.toContain(theirs.id);
    expect(overview.runners.map((r) => r.id)).toContain("fair-runner-4");
    expect(overview.regrades).toHaveLength(1);
    expect(overview.regrades[0]).toMatchObject({ lab: "py-echo", scope: "latest-per-student", total: 2, succeeded: 2 });
    // Students, and another course's people, get "not found".
    await expect(queueOverviewForStaff(stack.db, alice, DEMO_COURSE_SLUG)).rejects.toBeInstanceOf(NotFoundError);
    await expect(queueOverviewForStaff(stack.db, dana, DEMO_COURSE_SLUG)).rejects.toBeInstanceOf(NotFoundError);
  });
});
