// The staff's course overview over a real database: best-score buckets per
// lab, students without a submission, per-test pass rates from the latest
// graded attempt only (with gradings that both passed and failed a test),
// slowest tests first; dry runs never count; students may not see it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { courseOverviewForStaff } from "../../lib/courses/overview.js";
import { createDb, type Db } from "../../lib/db.js";
import { ForbiddenError } from "../../lib/errors.js";
import { DEMO_COURSE_SLUG, seedDemoCourse } from "../../lib/seed/demo-course.js";
import { actorByEmail } from "../support/actors.js";
import { createMigratedDatabase, type ScratchDatabase } from "../support/databases.js";

let database: ScratchDatabase;
let db: Db;

type Run = { test: string; verdict: "PASS" | "FAIL"; ms: number };

/** A graded echo submission whose attempts carry these runs (the last attempt is the latest). */
async function graded(email: string, finalScore: number, attempts: Run[][], opts: { dryRun?: boolean } = {}) {
  const user = await db.user.findUniqueOrThrow({ where: { email } });
  const lab = await db.lab.findFirstOrThrow({ where: { slug: "echo", course: { slug: DEMO_COURSE_SLUG } }, include: { suiteVersions: true } });
  const submission = await db.submission.create({
    data: {
      courseId: lab.courseId,
      labId: lab.id,
      userId: user.id,
      suiteVersionId: lab.suiteVersions[0]!.id,
      archiveKey: "archives/test",
      archiveBytes: 1,
      contentHash: "0".repeat(64),
      status: "GRADED",
      score: finalScore,
      maxScore: 1,
      finalScore,
    },
  });
  const job = await db.gradingJob.create({ data: { submissionId: submission.id, suiteVersionId: lab.suiteVersions[0]!.id, status: "SUCCEEDED", kind: opts.dryRun ? "DRY_RUN" : "SUBMISSION" } });
  for (const [n, runs] of attempts.entries()) {
    const attempt = await db.gradingAttempt.create({ data: { jobId: job.id, number: n + 1, runnerId: "test", outcome: "GRADED", finishedAt: new Date(Date.now() + n * 1000) } });
    for (const [i, run] of runs.entries()) {
      await db.testResult.create({
        data: { attemptId: attempt.id, testName: run.test, repetition: runs.slice(0, i).filter((r) => r.test === run.test).length, seed: "1", verdict: run.verdict, reason: "", durationMs: run.ms },
      });
    }
  }
}

beforeAll(async () => {
  database = await createMigratedDatabase("course-overview");
  db = createDb(database.url);
  await seedDemoCourse(db);
  // Alice: full marks; her first attempt (superseded) failed everything and must not count.
  await graded("alice@demo.labgrade.test", 1, [
    [{ test: "quick", verdict: "FAIL", ms: 99_000 }],
    [
      { test: "quick", verdict: "PASS", ms: 1000 },
      { test: "quick", verdict: "FAIL", ms: 3000 },
      { test: "slow", verdict: "PASS", ms: 20_000 },
    ],
  ]);
  // Bob: half marks.
  await graded("bob@demo.labgrade.test", 0.5, [[{ test: "quick", verdict: "PASS", ms: 2000 }, { test: "quick", verdict: "PASS", ms: 2000 }, { test: "slow", verdict: "FAIL", ms: 30_000 }]]);
  // A staff dry run: not a student's work.
  await graded("instructor@demo.labgrade.test", 0, [[{ test: "quick", verdict: "FAIL", ms: 500_000 }]], { dryRun: true });
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe("courseOverviewForStaff", () => {
  it("spreads best scores, lists who has not submitted, and counts tests from the latest attempts only", async () => {
    const overview = await courseOverviewForStaff(db, await actorByEmail(db, "ta@demo.labgrade.test"), DEMO_COURSE_SLUG);
    expect(overview.students).toBe(3);
    const echo = overview.labs.find((l) => l.lab.slug === "echo")!;
    expect(echo.graded).toBe(2);
    expect(Object.fromEntries(echo.distribution.map((b) => [b.label, b.students]))).toMatchObject({ "0–20 %": 0, "40–60 %": 1, "full marks": 1 });
    expect(echo.medianFraction).toBe(0.5);
    expect(echo.withoutSubmission.map((u) => u.email)).toEqual(["carol@demo.labgrade.test"]);

    const quick = echo.tests.find((t) => t.testName === "quick")!;
    expect(quick).toMatchObject({ runs: 4, passes: 3, mixedGradings: 1, maxMs: 3000 });
    expect(quick.meanMs).toBe(2000);
    const slow = echo.tests.find((t) => t.testName === "slow")!;
    expect(slow).toMatchObject({ runs: 2, passes: 1, mixedGradings: 0, maxMs: 30_000 });
    expect(overview.slowest.map((t) => t.testName)).toEqual(["slow", "quick"]);

    // Another lab with nobody graded yet: everyone is missing, nothing is bucketed.
    const other = overview.labs.find((l) => l.lab.slug !== "echo")!;
    expect(other.graded).toBe(0);
    expect(other.withoutSubmission).toHaveLength(3);
  });

  it("puts students × labs in a grid: best score, submitted but not graded, or no submission", async () => {
    // Carol submits to a second lab; her submission is still waiting.
    const carol = await db.user.findUniqueOrThrow({ where: { email: "carol@demo.labgrade.test" } });
    const other = await db.lab.findFirstOrThrow({ where: { slug: { not: "echo" }, course: { slug: DEMO_COURSE_SLUG } }, include: { suiteVersions: true }, orderBy: { createdAt: "asc" } });
    await db.submission.create({
      data: { courseId: other.courseId, labId: other.id, userId: carol.id, suiteVersionId: other.suiteVersions[0]!.id, archiveKey: "archives/test", archiveBytes: 1, contentHash: "1".repeat(64), status: "QUEUED" },
    });
    const overview = await courseOverviewForStaff(db, await actorByEmail(db, "instructor@demo.labgrade.test"), DEMO_COURSE_SLUG);
    const echoColumn = overview.labs.findIndex((l) => l.lab.slug === "echo");
    const otherColumn = overview.labs.findIndex((l) => l.lab.id === other.id);
    const row = (email: string) => overview.grid.find((r) => r.user.email === email)!.cells;
    expect(overview.grid.map((r) => r.user.email)).toEqual(["alice@demo.labgrade.test", "bob@demo.labgrade.test", "carol@demo.labgrade.test"]);
    expect(row("alice@demo.labgrade.test")[echoColumn]).toEqual({ state: "graded", best: 1, max: 1 });
    expect(row("bob@demo.labgrade.test")[echoColumn]).toEqual({ state: "graded", best: 0.5, max: 1 });
    expect(row("carol@demo.labgrade.test")[echoColumn]).toEqual({ state: "none" });
    expect(row("carol@demo.labgrade.test")[otherColumn]).toEqual({ state: "ungraded" });
    expect(row("alice@demo.labgrade.test")[otherColumn]).toEqual({ state: "none" });
  });

  it("is for staff only", async () => {
    await expect(courseOverviewForStaff(db, await actorByEmail(db, "alice@demo.labgrade.test"), DEMO_COURSE_SLUG)).rejects.toBeInstanceOf(ForbiddenError);
  });
});
