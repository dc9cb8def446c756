// Leaderboards against a real database: each student's best submission,
// ranked by score, then the lab's tie-breakers, then time; frozen boards
// ignore later work; hidden boards are for staff, and so are boards of labs
// with tests students may not see yet; students see pseudonyms
// only, never a real name or email (checked on everything they are given);
// students pick their own pseudonym, unique in the course.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setMyPseudonym } from "../../lib/courses/pseudonyms.js";
import { createDb, type Db } from "../../lib/db.js";
import { ForbiddenError, StudentError } from "../../lib/errors.js";
import { figuresFrom, leaderboard } from "../../lib/leaderboards.js";
import { DEMO_COURSE_SLUG, DEMO_USERS, seedDemoCourse } from "../../lib/seed/demo-course.js";
import { createMigratedDatabase, type ScratchDatabase } from "../support/databases.js";
import { actorByEmail } from "../support/actors.js";
import { recordGradedSubmission } from "../support/graded-submission.js";

const C = DEMO_COURSE_SLUG;
let database: ScratchDatabase;
let db: Db;
const actor = (email: string) => actorByEmail(db, email);

/** A graded submission with one test result carrying these metrics, its outcome recorded as a runner records it. */
async function graded(email: string, finalScore: number, metrics: object, createdAt: Date, kind: "SUBMISSION" | "DRY_RUN" = "SUBMISSION") {
  const lab = await db.lab.findFirstOrThrow({ where: { slug: "echo", course: { slug: C } } });
  return recordGradedSubmission(db, { labId: lab.id, userId: (await actor(email)).userId, finalScore, metrics, createdAt, kind });
}

const at = (minutes: number) => new Date(Date.UTC(2026, 10, 1, 12, minutes));
const figures = (msgsPerOp: number, p50: number) => ({ operations: 100, serverMessages: msgsPerOp * 100, latencyMs: { p50, p95: p50 * 2, p99: p50 * 3, max: p50 * 4 } });

beforeAll(async () => {
  database = await createMigratedDatabase("leaderboard");
  db = createDb(database.url);
  await seedDemoCourse(db);
  // Alice and Bob both reach full marks; Bob with fewer messages, Alice first and faster.
  await graded("alice@demo.labgrade.test", 0.5, figures(1, 1), at(0));
  await graded("alice@demo.labgrade.test", 1, figures(6, 2), at(10));
  await graded("bob@demo.labgrade.test", 1, figures(3, 9), at(20));
  await graded("carol@demo.labgrade.test", 0.5, figures(1, 1), at(5));
  // Staff dry runs never appear.
  await graded("instructor@demo.labgrade.test", 1, figures(0.1, 0.1), at(1), "DRY_RUN");
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const order = (rows: Array<{ pseudonym: string; rank: number }>) => rows.map((r) => `${r.rank}:${r.pseudonym}`);

describe("leaderboard", () => {
  it("computes a submission's figures from the sums over its results", async () => {
    expect(figuresFrom({ operations: 300, messages: 1200, meanP50: 3.333, worstP99: 12 })).toEqual({ msgsPerOp: 4, p50LatencyMs: 3.33, p99LatencyMs: 12 });
    expect(figuresFrom({ operations: null, messages: null, meanP50: null, worstP99: null })).toEqual({ msgsPerOp: null, p50LatencyMs: null, p99LatencyMs: null });
    // Operations but no message count (native mode, or counters that could not be read): no figure, never 0.
    expect(figuresFrom({ operations: 300, messages: null, meanP50: 1, worstP99: 2 }).msgsPerOp).toBeNull();
    // From the database: Alice's best (6 messages per operation, p50 2 ms, p99 6 ms).
    await db.lab.updateMany({ where: { slug: "echo" }, data: { leaderboardTieBreakers: ["msgsPerOp"] } });
    const board = await leaderboard(db, await actor("alice@demo.labgrade.test"), C, "echo");
    expect(board.rows.find((r) => r.isMe)?.figures).toEqual({ msgsPerOp: 6, p50LatencyMs: 2, p99LatencyMs: 6 });
  });

  it("ranks by score, then the chosen efficiency figure, then time", async () => {
    const alice = await actor("alice@demo.labgrade.test");
    await db.lab.updateMany({ where: { slug: "echo" }, data: { leaderboardTieBreakers: ["msgsPerOp"] } });
    expect(order((await leaderboard(db, alice, C, "echo")).rows)).toEqual(["1:lazy-gossip", "2:quiet-raft", "3:brave-paxos"]);
    await db.lab.updateMany({ where: { slug: "echo" }, data: { leaderboardTieBreakers: ["p50LatencyMs"] } });
    expect(order((await leaderboard(db, alice, C, "echo")).rows)).toEqual(["1:quiet-raft", "2:lazy-gossip", "3:brave-paxos"]);
    // No tie-breaker: who reached the score first.
    await db.lab.updateMany({ where: { slug: "echo" }, data: { leaderboardTieBreakers: [] } });
    const board = await leaderboard(db, alice, C, "echo");
    expect(order(board.rows)).toEqual(["1:quiet-raft", "2:lazy-gossip", "3:brave-paxos"]);
    expect(board.rows.find((r) => r.isMe)).toMatchObject({ pseudonym: "quiet-raft", finalScore: 1, figures: { msgsPerOp: 6 } });
  });

  it("shows students pseudonyms only, and staff who is who", async () => {
    const bob = await actor("bob@demo.labgrade.test");
    const student = await leaderboard(db, bob, C, "echo");
    const given = JSON.stringify(student);
    for (const u of DEMO_USERS) {
      expect(given).not.toContain(u.email);
      expect(given).not.toContain(u.name);
    }
    // Only their own submission is linked.
    expect(student.rows.filter((r) => r.submissionId !== null).map((r) => r.pseudonym)).toEqual(["lazy-gossip"]);
    const staff = await leaderboard(db, await actor("ta@demo.labgrade.test"), C, "echo");
    expect(staff.rows.map((r) => r.student?.email)).toEqual(["alice@demo.labgrade.test", "bob@demo.labgrade.test", "carol@demo.labgrade.test"]);
  });

  it("ignores work after the freeze, and is hidden from students when the staff hide it", async () => {
    const carol = await actor("carol@demo.labgrade.test");
    await db.lab.updateMany({ where: { slug: "echo" }, data: { leaderboardFrozenAt: at(30), leaderboardTieBreakers: ["msgsPerOp"] } });
    // Full marks with the fewest messages, but after the freeze.
    await graded("carol@demo.labgrade.test", 1, figures(1, 1), at(40));
    expect(order((await leaderboard(db, carol, C, "echo")).rows)).toEqual(["1:lazy-gossip", "2:quiet-raft", "3:brave-paxos"]);
    await db.lab.updateMany({ where: { slug: "echo" }, data: { leaderboardFrozenAt: null } });
    expect(order((await leaderboard(db, carol, C, "echo")).rows)).toEqual(["1:brave-paxos", "2:lazy-gossip", "3:quiet-raft"]);
    await db.lab.updateMany({ where: { slug: "echo" }, data: { leaderboardVisible: false } });
    await expect(leaderboard(db, carol, C, "echo")).rejects.toBeInstanceOf(ForbiddenError);
    expect((await leaderboard(db, await actor("ta@demo.labgrade.test"), C, "echo")).rows).toHaveLength(3);
    await db.lab.updateMany({ where: { slug: "echo" }, data: { leaderboardVisible: true } });
  });

  it("stays closed to students while a published suite has tests they may not see yet", async () => {
    const carol = await actor("carol@demo.labgrade.test");
    const lab = await db.lab.findFirstOrThrow({ where: { slug: "echo", course: { slug: C } } });
    const suite = await db.suiteVersion.findFirstOrThrow({ where: { labId: lab.id }, orderBy: { version: "desc" } });
    const spec = suite.spec as { tests: Array<Record<string, unknown>> };
    const withVisibility = (visibility: string) => ({ ...spec, tests: [...spec.tests, { ...spec.tests[0], name: "secret", visibility }] }) as object;
    const extra = await db.suiteVersion.create({
      data: { labId: lab.id, version: suite.version + 1, source: "# hidden", sourceHash: "1".repeat(64), spec: withVisibility("hidden"), publishedAt: new Date() },
    });
    try {
      await expect(leaderboard(db, carol, C, "echo")).rejects.toThrow(/hidden tests: its leaderboard opens when the staff release the results/);
      expect((await leaderboard(db, await actor("ta@demo.labgrade.test"), C, "echo")).rows).toHaveLength(3);
      // Released: open again.
      await db.lab.update({ where: { id: lab.id }, data: { resultsReleasedAt: new Date(Date.now() - 1000) } });
      expect((await leaderboard(db, carol, C, "echo")).rows).toHaveLength(3);
      // After-due tests: closed until the due date, open after it.
      await db.suiteVersion.update({ where: { id: extra.id }, data: { spec: withVisibility("after_due") } });
      await db.lab.update({ where: { id: lab.id }, data: { resultsReleasedAt: null, dueAt: new Date(Date.now() + 3600_000) } });
      await expect(leaderboard(db, carol, C, "echo")).rejects.toBeInstanceOf(ForbiddenError);
      await db.lab.update({ where: { id: lab.id }, data: { dueAt: new Date(Date.now() - 3600_000) } });
      expect((await leaderboard(db, carol, C, "echo")).rows).toHaveLength(3);
      // A draft with hidden tests changes nothing.
      await db.suiteVersion.update({ where: { id: extra.id }, data: { spec: withVisibility("hidden"), publishedAt: null } });
      expect((await leaderboard(db, carol, C, "echo")).rows).toHaveLength(3);
    } finally {
      await db.suiteVersion.delete({ where: { id: extra.id } });
      await db.lab.update({ where: { id: lab.id }, data: { resultsReleasedAt: null, dueAt: lab.dueAt } });
    }
  });

  it("lets a student pick a pseudonym that is free, and nobody else", async () => {
    const alice = await actor("alice@demo.labgrade.test");
    expect(await setMyPseudonym(db, alice, C, "Fast-Paxos")).toBe("fast-paxos");
    expect((await leaderboard(db, alice, C, "echo")).rows.find((r) => r.isMe)?.pseudonym).toBe("fast-paxos");
    await expect(setMyPseudonym(db, alice, C, "lazy-gossip")).rejects.toThrow(/taken/);
    await expect(setMyPseudonym(db, alice, C, "x")).rejects.toBeInstanceOf(StudentError);
    await expect(setMyPseudonym(db, await actor("ta@demo.labgrade.test"), C, "sneaky-ta")).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("a submission with a run whose messages were not counted has no messages-per-operation figure, and ranks after those that have one", async () => {
    const course = await db.course.findUniqueOrThrow({ where: { slug: C } });
    const dave = await db.user.create({ data: { email: "dave@demo.labgrade.test", name: "Dave" } });
    await db.membership.create({ data: { courseId: course.id, userId: dave.id, role: "STUDENT", pseudonym: "silent-node" } });
    // Full marks, first of all, and no count of messages (native mode, or a node whose counters could not be read).
    await graded("dave@demo.labgrade.test", 1, { ...figures(1, 1), serverMessages: null }, at(-5));
    await db.lab.updateMany({ where: { slug: "echo" }, data: { leaderboardTieBreakers: ["msgsPerOp"] } });
    const rows = (await leaderboard(db, await actor("dave@demo.labgrade.test"), C, "echo")).rows;
    expect(rows.find((r) => r.isMe)).toMatchObject({ pseudonym: "silent-node", figures: { msgsPerOp: null } });
    expect(order(rows).at(-1)).toBe("4:silent-node");
  });
});
