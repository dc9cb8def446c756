// A regrade never takes a score away while it runs: the grade export, the
// student's own best score and the leaderboard keep each submission's last
// graded score until the regrade records a new one, and keep it when the
// regrade is cancelled. A build failure's 0 is no grade, before or during a
// regrade. Real PostgreSQL and Redis.
import { randomBytes } from "node:crypto";
import type { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../lib/db.js";
import { gradeTable } from "../../lib/grades/export.js";
import { startAttempt, finishAttempt } from "../../lib/grading/attempts.js";
import { startRegrade } from "../../lib/jobs/regrade.js";
import { leaderboard } from "../../lib/leaderboards.js";
import { createGradingQueue } from "../../lib/queue.js";
import { DEMO_COURSE_SLUG, seedDemoCourse } from "../../lib/seed/demo-course.js";
import { bestScoresByLab } from "../../lib/submissions/best-scores.js";
import { cancelSubmission } from "../../lib/submissions/cancel-submission.js";
import { actorByEmail } from "../support/actors.js";
import { createMigratedDatabase, type ScratchDatabase } from "../support/databases.js";
import { startPrivateRedis, type PrivateRedis } from "../support/redis-server.js";

const C = DEMO_COURSE_SLUG;
const ALICE = "alice@demo.labgrade.test";
const BOB = "bob@demo.labgrade.test";
const STAFF = "instructor@demo.labgrade.test";
let database: ScratchDatabase;
let db: Db;
let redis: PrivateRedis;
let queue: Queue;
let lab: { id: string; courseId: string };

/** A submission whose one job ended with this status and score. */
async function finished(email: string, status: "GRADED" | "BUILD_FAILED", finalScore: number) {
  const user = await actorByEmail(db, email);
  const suite = await db.suiteVersion.findFirstOrThrow({ where: { labId: lab.id, publishedAt: { not: null } }, orderBy: { version: "desc" } });
  const submission = await db.submission.create({
    data: { courseId: lab.courseId, labId: lab.id, userId: user.userId, suiteVersionId: suite.id, archiveKey: `archives/${randomBytes(4).toString("hex")}`, archiveBytes: 1, contentHash: "0".repeat(64), status, score: finalScore, maxScore: 1, finalScore },
  });
  const job = await db.gradingJob.create({ data: { submissionId: submission.id, suiteVersionId: suite.id, status: "SUCCEEDED", finishedAt: new Date() } });
  await db.gradingAttempt.create({ data: { jobId: job.id, number: 1, runnerId: "test", outcome: status === "GRADED" ? "GRADED" : "BUILD_FAILED", finishedAt: new Date() } });
  return submission.id;
}

/** What each place shows for Alice and Bob on this lab. */
async function shown() {
  const table = await gradeTable(db, await actorByEmail(db, STAFF), C);
  const column = table.labs.findIndex((l) => l.id === lab.id);
  const exported = (email: string) => table.rows.find((r) => r.email === email)!.scores[column];
  const best = (await bestScoresByLab(db, await actorByEmail(db, ALICE), [lab.id])).get(lab.id)?.finalScore ?? null;
  const board = await leaderboard(db, await actorByEmail(db, STAFF), C, "echo");
  return { alice: exported(ALICE), bob: exported(BOB), aliceBest: best, boardScores: board.rows.map((r) => r.finalScore) };
}

beforeAll(async () => {
  database = await createMigratedDatabase("regrade-scores");
  db = createDb(database.url);
  await seedDemoCourse(db);
  lab = await db.lab.findFirstOrThrow({ where: { slug: "echo", course: { slug: C } }, select: { id: true, courseId: true } });
  redis = await startPrivateRedis();
  queue = createGradingQueue({ redisUrl: redis.url, prefix: "regrade-scores" });
});

afterAll(async () => {
  await queue?.close();
  await redis?.kill();
  await db?.$disconnect();
  await database?.drop();
});

describe("scores during a regrade", () => {
  it("keep the last graded score while the regrade waits and runs, and after it is cancelled; a build failure's 0 counts nowhere", async () => {
    const aliceSubmission = await finished(ALICE, "GRADED", 1);
    await finished(BOB, "BUILD_FAILED", 0);
    const before = await shown();
    expect(before).toEqual({ alice: 1, bob: null, aliceBest: 1, boardScores: [1] });

    const staff = await actorByEmail(db, STAFF);
    const started = await startRegrade({ db, queue }, staff, { courseSlug: C, labSlug: "echo", scope: { kind: "all" } });
    expect(started.total).toBe(2);
    expect((await db.submission.findUniqueOrThrow({ where: { id: aliceSubmission } })).status).toBe("QUEUED");
    expect(await shown()).toEqual(before);

    // The regrade's attempt starts: the submission is building, and still shows its score.
    const job = await db.gradingJob.findFirstOrThrow({ where: { submissionId: aliceSubmission, kind: "REGRADE" } });
    const start = await startAttempt(db, job.id, { id: aliceSubmission, courseId: lab.courseId, startedAt: null }, "test", undefined);
    expect(start.kind).toBe("started");
    expect(await shown()).toEqual(before);

    await cancelSubmission(db, staff, aliceSubmission);
    await db.submission.update({ where: { id: aliceSubmission }, data: { status: "CANCELLED" } }); // what the runner does when it aborts
    expect(await shown()).toEqual(before);
  });

  it("show the regrade's score once it is recorded", async () => {
    const submission = await finished(ALICE, "GRADED", 1);
    await db.submission.deleteMany({ where: { labId: lab.id, id: { not: submission } } });
    const staff = await actorByEmail(db, STAFF);
    await startRegrade({ db, queue }, staff, { courseSlug: C, labSlug: "echo", scope: { kind: "one", submissionId: submission } });
    const job = await db.gradingJob.findFirstOrThrow({ where: { submissionId: submission, kind: "REGRADE" } });
    const start = await startAttempt(db, job.id, { id: submission, courseId: lab.courseId, startedAt: null }, "test", undefined);
    if (start.kind !== "started") throw new Error(`the attempt did not start: ${start.kind}`);
    const suite = await db.suiteVersion.findFirstOrThrow({ where: { labId: lab.id, publishedAt: { not: null } }, orderBy: { version: "desc" } });
    await finishAttempt(db, job.id, start.attempt.id, submission, {
      outcome: "GRADED",
      submission: { status: "GRADED", statusDetail: "graded", score: 0.5, maxScore: 1, finalScore: 0.5, suiteVersionId: suite.id },
    });
    expect(await shown()).toMatchObject({ alice: 0.5, aliceBest: 0.5, boardScores: [0.5] });
  });
});
