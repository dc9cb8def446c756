// Extensions: staff give one student a later due date for one lab; that
// student's submissions are on time until then while others' are late; bad
// dates and people outside the course are refused in words; every grant is
// audited; only the course's staff may grant.
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantExtension, listExtensions } from "../../lib/courses/extensions.js";
import { createDb, type Db } from "../../lib/db.js";
import { ForbiddenError, StudentError } from "../../lib/errors.js";
import { packReferenceSolution } from "../../lib/labs/pack-reference.js";
import { createGradingQueue } from "../../lib/queue.js";
import { DEMO_COURSE_SLUG, seedDemoCourse } from "../../lib/seed/demo-course.js";
import { createSubmission } from "../../lib/submissions/create-submission.js";
import { createMigratedDatabase, type ScratchDatabase } from "../support/databases.js";
import { actorByEmail } from "../support/actors.js";
import { REDIS_URL } from "../support/grading-stack.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
let database: ScratchDatabase;
let db: Db;
let queue: Queue;
const actor = (email: string) => actorByEmail(db, email);

beforeAll(async () => {
  database = await createMigratedDatabase("extensions");
  db = createDb(database.url);
  await seedDemoCourse(db);
  queue = createGradingQueue({ redisUrl: REDIS_URL, prefix: `test-ext-${randomBytes(4).toString("hex")}` });
  // The echo lab was due an hour ago and takes late work.
  await db.lab.updateMany({ where: { slug: "echo" }, data: { dueAt: new Date(Date.now() - 3600_000), latePolicy: "ACCEPT" } });
});

afterAll(async () => {
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  await db?.$disconnect();
  await database?.drop();
});

describe("extensions", () => {
  it("makes one student's submission on time while another's is late, and is audited", async () => {
    const ta = await actor("ta@demo.labgrade.test");
    const dueAt = new Date(Date.now() + 24 * 3600_000);
    await grantExtension(db, ta, { courseSlug: DEMO_COURSE_SLUG, labSlug: "echo", studentEmail: " Carol@demo.labgrade.test ", dueAt, reason: "ill" });
    const upload = await packReferenceSolution(path.join(ROOT, "tests/fixtures/kv-echo"));
    const carols = await createSubmission({ db, queue }, await actor("carol@demo.labgrade.test"), { courseSlug: DEMO_COURSE_SLUG, labSlug: "echo", upload });
    const bobs = await createSubmission({ db, queue }, await actor("bob@demo.labgrade.test"), { courseSlug: DEMO_COURSE_SLUG, labSlug: "echo", upload });
    expect(carols.late).toBe(false);
    expect(bobs.late).toBe(true);
    const listed = await listExtensions(db, ta, DEMO_COURSE_SLUG, "echo");
    expect(listed.map((e) => [e.user.email, e.dueAt.toISOString(), e.reason])).toEqual([["carol@demo.labgrade.test", dueAt.toISOString(), "ill"]]);
    const audit = await db.auditLog.findMany({ where: { action: "extension.grant" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({ student: "carol@demo.labgrade.test", reason: "ill" });
    // Granting again replaces it.
    const later = new Date(Date.now() + 48 * 3600_000);
    await grantExtension(db, ta, { courseSlug: DEMO_COURSE_SLUG, labSlug: "echo", studentEmail: "carol@demo.labgrade.test", dueAt: later });
    expect((await listExtensions(db, ta, DEMO_COURSE_SLUG, "echo")).map((e) => e.dueAt.toISOString())).toEqual([later.toISOString()]);
  });

  const refusals: Array<[string, () => Promise<unknown>, RegExp]> = [
    ["a date in the past", async () => grantExtension(db, await actor("ta@demo.labgrade.test"), { courseSlug: DEMO_COURSE_SLUG, labSlug: "echo", studentEmail: "bob@demo.labgrade.test", dueAt: new Date(Date.now() - 1000) }), /^the new due date \(\d+ \w+ \d{4}, \d\d:\d\d UTC\) must be in the future$/],
    ["an unknown email", async () => grantExtension(db, await actor("ta@demo.labgrade.test"), { courseSlug: DEMO_COURSE_SLUG, labSlug: "echo", studentEmail: "nobody@x.test", dueAt: new Date(Date.now() + 3600_000) }), /^no student with the email nobody@x\.test is in this course$/],
    ["a staff member as the student", async () => grantExtension(db, await actor("ta@demo.labgrade.test"), { courseSlug: DEMO_COURSE_SLUG, labSlug: "echo", studentEmail: "instructor@demo.labgrade.test", dueAt: new Date(Date.now() + 3600_000) }), /^no student with the email/],
    ["an invalid date", async () => grantExtension(db, await actor("ta@demo.labgrade.test"), { courseSlug: DEMO_COURSE_SLUG, labSlug: "echo", studentEmail: "bob@demo.labgrade.test", dueAt: new Date("nope") }), /^the new due date is not a date$/],
  ];
  for (const [what, call, message] of refusals) {
    it(`refuses ${what} in words`, async () => {
      const err = await call().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(StudentError);
      expect((err as Error).message).toMatch(message);
    });
  }

  it("is for staff only", async () => {
    const input = { courseSlug: DEMO_COURSE_SLUG, labSlug: "echo", studentEmail: "bob@demo.labgrade.test", dueAt: new Date(Date.now() + 3600_000) };
    await expect(grantExtension(db, await actor("bob@demo.labgrade.test"), input)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(listExtensions(db, await actor("bob@demo.labgrade.test"), DEMO_COURSE_SLUG, "echo")).rejects.toBeInstanceOf(ForbiddenError);
  });
});
