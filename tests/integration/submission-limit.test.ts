// The lab page tells a student how many submissions they have left from the
// list of their newest submissions it reads anyway (submissionLimitFromNewest),
// and asks the database (submissionLimitState) only when that list may not
// hold every submission in the limit's window. Both must say the same thing:
// against real rows, for windows the list covers and windows it does not.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getLabWithMyWorkOrThrow } from "../../lib/courses/access.js";
import { createDb, type Db } from "../../lib/db.js";
import { DEMO_COURSE_SLUG, seedDemoCourse } from "../../lib/seed/demo-course.js";
import { submissionLimitFromNewest, submissionLimitState } from "../../lib/submissions/create-submission.js";
import type { SubmissionStatus } from "../../lib/generated/prisma/enums.js";
import { actorByEmail } from "../support/actors.js";
import { createMigratedDatabase, type ScratchDatabase } from "../support/databases.js";

let database: ScratchDatabase;
let db: Db;
const TAKE = 5;
const now = new Date();

beforeAll(async () => {
  database = await createMigratedDatabase("submission-limit");
  db = createDb(database.url);
  await seedDemoCourse(db);
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

beforeEach(async () => {
  await db.submission.deleteMany({ where: { lab: { slug: "echo" } } });
});

/** Alice's submissions to echo, `minutesAgo` each, with a status and whether it counts. */
async function submit(rows: Array<{ minutesAgo: number; status?: SubmissionStatus; counts?: boolean }>) {
  const alice = await actorByEmail(db, "alice@demo.labgrade.test");
  const lab = await db.lab.findFirstOrThrow({ where: { slug: "echo", course: { slug: DEMO_COURSE_SLUG } } });
  const suite = await db.suiteVersion.findFirstOrThrow({ where: { labId: lab.id } });
  await db.submission.createMany({
    data: rows.map((r, i) => ({
      courseId: lab.courseId,
      labId: lab.id,
      userId: alice.userId,
      suiteVersionId: suite.id,
      archiveKey: `archives/limit-${i}`,
      archiveBytes: 1,
      contentHash: String(i).padStart(64, "0"),
      status: r.status ?? "GRADED",
      countsTowardLimit: r.counts ?? true,
      createdAt: new Date(now.getTime() - r.minutesAgo * 60_000),
    })),
  });
  return alice;
}

/** Both answers for a lab limited to `limit` per `windowMinutes` (null: ever). */
async function bothAnswers(limit: number, windowMinutes: number | null) {
  await db.lab.updateMany({ where: { slug: "echo" }, data: { submissionLimit: limit, submissionWindowSeconds: windowMinutes === null ? null : windowMinutes * 60 } });
  const alice = await actorByEmail(db, "alice@demo.labgrade.test");
  const { lab, submissions } = await getLabWithMyWorkOrThrow(db, alice, DEMO_COURSE_SLUG, "echo", TAKE);
  return { fromList: submissionLimitFromNewest(lab, submissions, TAKE, now), fromDb: await submissionLimitState(db, lab, alice.userId, now) };
}

describe("submissions left, from the lab page's list", () => {
  it("agrees with the database when the list reaches past the window: refunded and uncounted submissions are not counted", async () => {
    await submit([
      { minutesAgo: 5 },
      { minutesAgo: 10, status: "INFRA_ERROR" },
      { minutesAgo: 15, status: "CANCELLED" },
      { minutesAgo: 20, counts: false },
      { minutesAgo: 90 },
      { minutesAgo: 120 },
    ]);
    const { fromList, fromDb } = await bothAnswers(3, 60);
    expect(fromDb).toEqual({ limit: 3, used: 1, nextAllowedAt: null });
    expect(fromList).toEqual(fromDb);
  });

  it("agrees when the limit is reached, with the time the oldest counted one leaves the window", async () => {
    await submit([{ minutesAgo: 1 }, { minutesAgo: 2 }, { minutesAgo: 50 }, { minutesAgo: 70 }]);
    const { fromList, fromDb } = await bothAnswers(3, 60);
    expect(fromDb).toEqual({ limit: 3, used: 3, nextAllowedAt: new Date(now.getTime() + 10 * 60_000) });
    expect(fromList).toEqual(fromDb);
  });

  it("agrees with fewer submissions than the list holds, over a limit with no window", async () => {
    await submit([{ minutesAgo: 1 }, { minutesAgo: 60 * 24 * 30 }]);
    const { fromList, fromDb } = await bothAnswers(2, null);
    expect(fromDb).toEqual({ limit: 2, used: 2, nextAllowedAt: null });
    expect(fromList).toEqual(fromDb);
  });

  it("declines (the database answers) when the whole list is inside the window: older ones in it may count too", async () => {
    await submit(Array.from({ length: TAKE + 2 }, (_, i) => ({ minutesAgo: i + 1 })));
    const { fromList, fromDb } = await bothAnswers(10, 60);
    expect(fromList).toBeNull();
    expect(fromDb).toEqual({ limit: 10, used: TAKE + 2, nextAllowedAt: null });
  });

  it("declines with a full list and no window: every submission ever is in it", async () => {
    await submit(Array.from({ length: TAKE }, (_, i) => ({ minutesAgo: i + 1 })));
    const { fromList, fromDb } = await bothAnswers(10, null);
    expect(fromList).toBeNull();
    expect(fromDb.used).toBe(TAKE);
  });
});
