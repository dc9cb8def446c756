// The leaderboard's entries kept at grading time (LeaderboardEntry), against a
// real database: each recorded outcome updates its student's entry in the
// transaction that records it, so a view reads entries instead of scanning
// submissions; a regrade keeps the entry while it runs and moves it once its
// score is recorded; gradings of work after the freeze and dry runs change
// nothing; a change of the lab's rules (freeze, tie-breakers) makes the next
// view rebuild them.
import type { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../lib/db.js";
import { finishAttempt, startAttempt } from "../../lib/grading/attempts.js";
import { startRegrade } from "../../lib/jobs/regrade.js";
import { leaderboard } from "../../lib/leaderboards.js";
import { createGradingQueue } from "../../lib/queue.js";
import { DEMO_COURSE_SLUG, seedDemoCourse } from "../../lib/seed/demo-course.js";
import { actorByEmail } from "../support/actors.js";
import { createMigratedDatabase, type ScratchDatabase } from "../support/databases.js";
import { recordGradedSubmission } from "../support/graded-submission.js";
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

const at = (minutes: number) => new Date(Date.UTC(2026, 10, 1, 12, minutes));
const metrics = (msgsPerOp: number) => ({ operations: 100, serverMessages: msgsPerOp * 100, latencyMs: { p50: 1, p95: 2, p99: 3, max: 4 } });
const graded = async (email: string, finalScore: number, createdAt: Date, opts: { msgsPerOp?: number; kind?: "SUBMISSION" | "DRY_RUN" } = {}) =>
  recordGradedSubmission(db, { labId: lab.id, userId: (await actorByEmail(db, email)).userId, finalScore, metrics: metrics(opts.msgsPerOp ?? 1), createdAt, kind: opts.kind });
const entryOf = async (email: string) => db.leaderboardEntry.findUnique({ where: { labId_userId: { labId: lab.id, userId: (await actorByEmail(db, email)).userId } } });
const builtAt = async () => (await db.leaderboardBasis.findUniqueOrThrow({ where: { labId: lab.id } })).builtAt.getTime();
const view = async () => leaderboard(db, await actorByEmail(db, STAFF), C, "echo");
const setRules = (data: { leaderboardFrozenAt?: Date | null; leaderboardTieBreakers?: string[] }) => db.lab.update({ where: { id: lab.id }, data });

/** Regrades one submission to this outcome, as the runner records it; `check` runs while the regrade waits and while it runs. */
async function regrade(submissionId: string, outcome: { status: "GRADED" | "BUILD_FAILED"; finalScore: number }, check: () => Promise<void>) {
  await startRegrade({ db, queue }, await actorByEmail(db, STAFF), { courseSlug: C, labSlug: "echo", scope: { kind: "one", submissionId } });
  await check();
  const job = await db.gradingJob.findFirstOrThrow({ where: { submissionId, kind: "REGRADE", status: "QUEUED" } });
  const start = await startAttempt(db, job.id, { id: submissionId, courseId: lab.courseId, startedAt: null }, "test", undefined);
  if (start.kind !== "started") throw new Error(`the regrade's attempt did not start: ${start.kind}`);
  await check();
  const suite = await db.suiteVersion.findFirstOrThrow({ where: { labId: lab.id } });
  const recorded = await finishAttempt(db, job.id, start.attempt.id, submissionId, {
    outcome: outcome.status,
    submission: { status: outcome.status, statusDetail: "regraded", score: outcome.finalScore, maxScore: 1, finalScore: outcome.finalScore, suiteVersionId: suite.id },
  });
  if (!recorded) throw new Error("the regrade's outcome was not recorded");
}

beforeAll(async () => {
  database = await createMigratedDatabase("leaderboard-entries");
  db = createDb(database.url);
  await seedDemoCourse(db);
  lab = await db.lab.findFirstOrThrow({ where: { slug: "echo", course: { slug: C } }, select: { id: true, courseId: true } });
  redis = await startPrivateRedis();
  queue = createGradingQueue({ redisUrl: redis.url, prefix: "leaderboard-entries" });
  await setRules({ leaderboardFrozenAt: null, leaderboardTieBreakers: [] });
});

afterAll(async () => {
  await queue?.close();
  await redis?.kill();
  await db?.$disconnect();
  await database?.drop();
});

describe("leaderboard entries kept at grading time", () => {
  it("are built by the first view, then each recorded grading updates its student's entry and views rebuild nothing", async () => {
    await graded(ALICE, 0.5, at(0));
    expect(await db.leaderboardBasis.count({ where: { labId: lab.id } })).toBe(0);
    expect((await view()).rows.map((r) => r.finalScore)).toEqual([0.5]);
    const built = await builtAt();

    const best = await graded(ALICE, 1, at(1));
    expect(await entryOf(ALICE)).toMatchObject({ submissionId: best, finalScore: 1 });
    // A worse one later, and a tie later: the entry stays on the first at the best score.
    await graded(ALICE, 0.5, at(2));
    await graded(ALICE, 1, at(3));
    expect(await entryOf(ALICE)).toMatchObject({ submissionId: best, finalScore: 1, submittedAt: at(1) });
    await graded(BOB, 0.75, at(4));
    const board = await view();
    expect(board.rows.map((r) => [r.student?.email, r.finalScore, r.submissionId])).toEqual([
      [ALICE, 1, best],
      [BOB, 0.75, expect.any(String)],
    ]);
    expect(await builtAt()).toBe(built);
  });

  it("keep a submission's entry while its regrade waits and runs, and move it once the regrade's lower score or build failure is recorded", async () => {
    const first = await graded(BOB, 1, at(10));
    const second = await graded(BOB, 0.8, at(11));
    expect(await entryOf(BOB)).toMatchObject({ submissionId: first, finalScore: 1 });
    const unchanged = async () => expect(await entryOf(BOB)).toMatchObject({ submissionId: first, finalScore: 1 });
    await regrade(first, { status: "GRADED", finalScore: 0.25 }, unchanged);
    // Its best is now the other submission.
    expect(await entryOf(BOB)).toMatchObject({ submissionId: second, finalScore: 0.8 });
    // A regrade that fails to build: that 0 is no grade, and the next best (the 0.75 of the first test) stands.
    await regrade(second, { status: "BUILD_FAILED", finalScore: 0 }, async () => expect(await entryOf(BOB)).toMatchObject({ submissionId: second, finalScore: 0.8 }));
    expect(await entryOf(BOB)).toMatchObject({ finalScore: 0.75, submittedAt: at(4) });
    expect((await view()).rows.find((r) => r.student?.email === BOB)?.finalScore).toBe(0.75);
  });

  it("ignore gradings of work sent after the freeze; a change of freeze or tie-breakers makes the next view rebuild them", async () => {
    await setRules({ leaderboardFrozenAt: at(30) });
    await view();
    const frozenBuild = await builtAt();
    expect(await entryOf(BOB)).toMatchObject({ finalScore: 0.75 });
    // Full marks, but sent after the freeze: recorded, and not on the board.
    await graded(BOB, 1, at(40));
    expect(await entryOf(BOB)).toMatchObject({ finalScore: 0.75 });
    expect((await view()).rows.find((r) => r.student?.email === BOB)?.finalScore).toBe(0.75);
    expect(await builtAt()).toBe(frozenBuild);

    await setRules({ leaderboardFrozenAt: null });
    expect((await view()).rows.find((r) => r.student?.email === BOB)?.finalScore).toBe(1);
    expect(await builtAt()).toBeGreaterThan(frozenBuild);

    // With a tie-breaker, the entry is the submission at the best score with the best figure, not the first.
    const quiet = await graded(ALICE, 1, at(50), { msgsPerOp: 0.5 });
    expect(await entryOf(ALICE)).toMatchObject({ submittedAt: at(1) });
    await setRules({ leaderboardTieBreakers: ["msgsPerOp"] });
    await view();
    expect(await entryOf(ALICE)).toMatchObject({ submissionId: quiet, msgsPerOp: 0.5 });
  });

  it("never hold a dry run: the staff's full marks make no entry", async () => {
    await graded(STAFF, 1, at(60), { kind: "DRY_RUN", msgsPerOp: 0.1 });
    expect(await entryOf(STAFF)).toBeNull();
    const board = await view();
    expect(board.rows.map((r) => r.student?.email)).not.toContain(STAFF);
    expect(board.rows).toHaveLength(2);
  });
});
