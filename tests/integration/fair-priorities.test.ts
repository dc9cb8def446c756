// fairPriorities against real PostgreSQL (no runner): the query that feeds
// the band order reads what it should. A band's waiting and running jobs set
// the round being served; a student's grading served while the band stayed
// busy counts, one served before the oldest waiting job was created does not.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../lib/db.js";
import { bandPosition, fairPriority, priorityAt, type JobKind } from "../../lib/jobs/scheduling.js";
import { createMigratedDatabase, type ScratchDatabase } from "../support/databases.js";

let database: ScratchDatabase;
let db: Db;
let courseId: string;
let labId: string;
let suiteVersionId: string;
const users: Record<string, string> = {};

beforeAll(async () => {
  database = await createMigratedDatabase("fair_priorities");
  db = createDb(database.url);
  courseId = (await db.course.create({ data: { slug: "fp", title: "FP" } })).id;
  labId = (
    await db.lab.create({ data: { courseId, slug: "lab", title: "Lab", workload: "echo", buildImage: "i", runImage: "i", buildCommand: "true", runCommand: "true" } })
  ).id;
  suiteVersionId = (await db.suiteVersion.create({ data: { labId, version: 1, source: "", spec: {}, sourceHash: "h" } })).id;
  for (const name of ["alice", "carl", "dave", "erin"]) users[name] = (await db.user.create({ data: { email: `${name}@fp.test`, name } })).id;
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

async function job(student: string, status: "QUEUED" | "RUNNING" | "SUCCEEDED", round: number, turn: number, at: { createdAt: Date; finishedAt?: Date }, kind: JobKind = "SUBMISSION") {
  const submission = await db.submission.create({
    data: { courseId, labId, userId: users[student]!, suiteVersionId, archiveKey: "k", archiveBytes: 1, contentHash: "h", createdAt: at.createdAt },
  });
  await db.gradingJob.create({
    data: { submissionId: submission.id, suiteVersionId, kind, status, priority: priorityAt(kind, round, turn), createdAt: at.createdAt, finishedAt: at.finishedAt ?? null },
  });
}

const next = (student: string, kind: JobKind = "SUBMISSION") =>
  db.$transaction(async (tx) => bandPosition(kind, await fairPriority(tx, kind, { courseId, userId: users[student]! })));

describe("fair priorities from the database", () => {
  it("puts a student served while the band stayed busy a round on, and forgets what was served before", async () => {
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 20, 0, s));
    // Erin was graded before anything now waiting was created.
    await job("erin", "SUCCEEDED", 3, 0, { createdAt: t(0), finishedAt: t(5) });
    // Dave's long grading holds round 0; alice waits in round 1; carl was served in round 0 since.
    await job("dave", "RUNNING", 0, 0, { createdAt: t(10) });
    await job("alice", "QUEUED", 1, 0, { createdAt: t(11) });
    await job("carl", "SUCCEEDED", 0, 1, { createdAt: t(12), finishedAt: t(20) });

    expect(await next("carl")).toEqual({ round: 1, turn: 1 }); // after alice's
    expect(await next("erin")).toEqual({ round: 0, turn: 0 }); // a newcomer again: the round being served
    expect(await next("alice")).toEqual({ round: 2, turn: 0 });
    // Another band is its own: nothing waits in it, so it starts from its first round.
    expect(await next("alice", "REGRADE")).toEqual({ round: 0, turn: 0 });
  });
});
