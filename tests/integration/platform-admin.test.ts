// Platform admins running the platform, against a real database: courses made
// with their owners (each email by the roster's rule), copied into a new term
// (labs, suites, references; nobody and no work), archived (read-only, hidden
// from lists) and unarchived; the platform's queue, runners and audit log.
// Every action is audited, and every one is refused to anyone else, a
// course's owner included, as "not found".
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CourseArchivedError, listLabsForMember, listMyCourses, type Actor } from "../../lib/courses/access.js";
import { grantExtension } from "../../lib/courses/extensions.js";
import { setMyPseudonym } from "../../lib/courses/pseudonyms.js";
import { importRoster, setMemberRole } from "../../lib/courses/roster.js";
import { createDb, type Db } from "../../lib/db.js";
import { NotFoundError, StudentError } from "../../lib/errors.js";
import { startRegrade } from "../../lib/jobs/regrade.js";
import { createLab, labFieldsOf } from "../../lib/labs/manage-labs.js";
import { packReferenceSolution } from "../../lib/labs/pack-reference.js";
import { setCourseArchived } from "../../lib/platform/archive-course.js";
import { listAuditLog } from "../../lib/platform/audit-log.js";
import { copyCourse } from "../../lib/platform/copy-course.js";
import { CourseFieldsError } from "../../lib/platform/course-fields.js";
import { createCourse } from "../../lib/platform/create-course.js";
import { platformOverview } from "../../lib/platform/platform-overview.js";
import { createGradingQueue } from "../../lib/queue.js";
import { DEMO_COURSE_SLUG, seedDemoCourse } from "../../lib/seed/demo-course.js";
import { createSubmission } from "../../lib/submissions/create-submission.js";
import { saveSuiteVersion } from "../../lib/suites/suite-versions.js";
import { actorByEmail } from "../support/actors.js";
import { createMigratedDatabase, type ScratchDatabase } from "../support/databases.js";
import { createCourse as createCourseFixture, createUser } from "../support/factories.js";
import { REDIS_URL } from "../support/grading-stack.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const C = DEMO_COURSE_SLUG;
let database: ScratchDatabase;
let db: Db;
let queue: Queue;
let admin: Actor;
let instructor: Actor;
let student: Actor;
/** The owner of a course of their own: a course's owner is still not a platform admin. */
let owner: Actor;

const form = (over: Partial<{ slug: string; title: string; term: string; owners: string }> = {}) => ({ slug: `ds-${randomBytes(3).toString("hex")}`, title: "Distributed Systems", term: "Spring 2027", owners: "", ...over });

beforeAll(async () => {
  database = await createMigratedDatabase("platform-admin");
  db = createDb(database.url);
  await seedDemoCourse(db);
  queue = createGradingQueue({ redisUrl: REDIS_URL, prefix: `test-platform-${randomBytes(4).toString("hex")}` });
  admin = await actorByEmail(db, "admin@demo.labgrade.test");
  instructor = await actorByEmail(db, "instructor@demo.labgrade.test");
  student = await actorByEmail(db, "alice@demo.labgrade.test");
  const { members } = await createCourseFixture(db, { members: { OWNER: {} } });
  owner = await actorByEmail(db, members.OWNER!.email);
});

afterAll(async () => {
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  await db?.$disconnect();
  await database?.drop();
});

describe("creating a course", () => {
  it("makes the course and its owners by the roster's rule, in one audited step", async () => {
    const proven = await createUser(db, { password: "a long enough password" });
    const unproven = await createUser(db, { password: "a long enough password", proven: false });
    const newcomer = `new-owner-${randomBytes(3).toString("hex")}@uni.test`;
    const { course, owners } = await createCourse(db, admin, form({ slug: "ds-s27", owners: `${proven.email.toUpperCase()}, ${newcomer}\n${unproven.email} ${proven.email}` }));
    expect(course).toMatchObject({ slug: "ds-s27", title: "Distributed Systems", term: "Spring 2027" });
    expect(owners).toEqual([
      { email: proven.email, outcome: "owner" },
      { email: newcomer, outcome: "new account" },
      { email: unproven.email, outcome: "waiting for email proof" },
    ]);
    const memberships = await db.membership.findMany({ where: { courseId: course.id }, include: { user: { select: { email: true, passwordHash: true } } } });
    expect(memberships.map((m) => [m.user.email, m.role]).sort()).toEqual([[newcomer, "OWNER"], [proven.email, "OWNER"]].sort());
    expect(memberships.find((m) => m.user.email === newcomer)?.user.passwordHash).toBeNull();
    expect(await db.pendingMembership.findMany({ where: { courseId: course.id }, select: { email: true, role: true } })).toEqual([{ email: unproven.email, role: "OWNER" }]);
    const entry = await db.auditLog.findFirstOrThrow({ where: { action: "course.create", courseId: course.id } });
    expect(entry).toMatchObject({ actorId: admin.userId, targetType: "course", targetId: course.id, details: { slug: "ds-s27", owners } });
    // The proven owner runs it at once: it is on their list, and they may make labs in it.
    const provenActor = await actorByEmail(db, proven.email);
    expect((await listMyCourses(db, provenActor)).map((c) => [c.slug, c.role])).toEqual([["ds-s27", "OWNER"]]);
  });

  it("refuses every problem at its field, a taken short name too, and leaves nothing behind", async () => {
    const before = { courses: await db.course.count(), users: await db.user.count() };
    const err = await createCourse(db, admin, { slug: "Bad Slug", title: " ", term: "", owners: "someone@uni.test, not-an-email" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CourseFieldsError);
    expect((err as CourseFieldsError).problems).toEqual({
      slug: expect.stringMatching(/"Bad Slug" is not a short name: use 1 to 63 lowercase letters/),
      title: "give the course a title",
      owners: 'not email addresses: "not-an-email"',
    });
    expect((await createCourse(db, admin, form({ owners: "" })).catch((e: CourseFieldsError) => e.problems)).owners).toMatch(/at least one owner/);
    const taken = await createCourse(db, admin, form({ slug: C, owners: "someone@uni.test" })).catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(CourseFieldsError);
    expect((taken as CourseFieldsError).problems).toEqual({ slug: `the short name "${C}" is taken by another course; choose another` });
    expect({ courses: await db.course.count(), users: await db.user.count() }).toEqual(before);
  });
});

describe("copying a course into a new term", () => {
  it("copies labs as undated drafts, the published suite as version 1 and newer drafts after it, shared reference archives; no people, no work", async () => {
    const demo = await db.course.findUniqueOrThrow({ where: { slug: C }, include: { labs: { include: { suiteVersions: true, referenceSolutions: true } } } });
    // Work in progress on echo (a newer draft), a student's submission and extension: the draft comes along, the rest does not.
    const draft = await saveSuiteVersion(db, instructor, { courseSlug: C, labSlug: "echo", source: "tests:\n  - name: echo\n    workload: echo\n    nodes: 2\n    durationSeconds: 1\n" });
    const upload = await packReferenceSolution(path.join(ROOT, "lib/labs/echo/reference/correct"));
    await createSubmission({ db, queue }, student, { courseSlug: C, labSlug: "echo", upload });
    await grantExtension(db, instructor, { courseSlug: C, labSlug: "echo", studentEmail: "alice@demo.labgrade.test", dueAt: new Date(Date.now() + 30 * 86_400_000) });

    const copy = await copyCourse(db, admin, { fromSlug: C, ...form({ slug: "demo-ds-s27", title: "Distributed Systems", term: "Spring 2027", owners: "instructor@demo.labgrade.test" }) });
    expect(copy).toMatchObject({ labs: demo.labs.length, references: demo.labs.reduce((n, l) => n + l.referenceSolutions.length, 0), suiteVersions: demo.labs.length + 1 });
    const labs = await db.lab.findMany({ where: { courseId: copy.course.id }, include: { suiteVersions: { orderBy: { version: "asc" } }, referenceSolutions: { orderBy: { name: "asc" } } } });
    expect(labs.map((l) => l.slug).sort()).toEqual(demo.labs.map((l) => l.slug).sort());
    for (const lab of labs) {
      const from = demo.labs.find((l) => l.slug === lab.slug)!;
      expect(lab).toMatchObject({ published: false, opensAt: null, dueAt: null, resultsReleasedAt: null, leaderboardFrozenAt: null, title: from.title, workload: from.workload, buildImage: from.buildImage, runCommand: from.runCommand, submissionLimit: from.submissionLimit });
      const published = from.suiteVersions.filter((v) => v.publishedAt).sort((a, b) => b.version - a.version)[0]!;
      expect(lab.suiteVersions[0]).toMatchObject({ version: 1, sourceHash: published.sourceHash, createdById: admin.userId });
      expect(lab.suiteVersions[0]!.publishedAt).not.toBeNull();
      expect(lab.referenceSolutions.map((r) => [r.name, r.expectPass, r.archiveKey])).toEqual(from.referenceSolutions.sort((a, b) => a.name.localeCompare(b.name)).map((r) => [r.name, r.expectPass, r.archiveKey]));
    }
    const echo = labs.find((l) => l.slug === "echo")!;
    expect(echo.suiteVersions.map((v) => [v.version, v.sourceHash, v.publishedAt === null])).toEqual([
      [1, expect.any(String), false],
      [2, draft.version.sourceHash, true],
    ]);
    // Nobody but the named owner, and nothing anyone did.
    expect(await db.membership.findMany({ where: { courseId: copy.course.id }, select: { userId: true, role: true } })).toEqual([{ userId: instructor.userId, role: "OWNER" }]);
    expect(await db.submission.count({ where: { courseId: copy.course.id } })).toBe(0);
    expect(await db.extension.count({ where: { lab: { courseId: copy.course.id } } })).toBe(0);
    expect(await db.invitation.count({ where: { courseId: copy.course.id } })).toBe(0);
    const entry = await db.auditLog.findFirstOrThrow({ where: { action: "course.copy", courseId: copy.course.id } });
    expect(entry.details).toMatchObject({ from: { id: demo.id, slug: C }, labs: demo.labs.length, owners: [{ email: "instructor@demo.labgrade.test", outcome: "owner" }] });
    // The source is untouched.
    expect(await db.lab.count({ where: { courseId: demo.id, published: true } })).toBe(demo.labs.filter((l) => l.published).length);
  });

  it("refuses an unknown source as not found and a taken short name at its field", async () => {
    await expect(copyCourse(db, admin, { fromSlug: "no-such-course", ...form({ owners: "x@uni.test" }) })).rejects.toBeInstanceOf(NotFoundError);
    await expect(copyCourse(db, admin, { fromSlug: C, ...form({ slug: "demo-ds-s27", owners: "x@uni.test" }) })).rejects.toThrow(/is taken by another course/);
  });
});

describe("archiving a course", () => {
  it("hides it from lists, keeps it readable, refuses every change in words, and unarchives; each audited once", async () => {
    const S = "to-archive-2";
    // A course with a published lab and a student in it.
    const { course } = await copyCourse(db, admin, { fromSlug: C, ...form({ slug: S, owners: "instructor@demo.labgrade.test" }) });
    await db.lab.update({ where: { courseId_slug: { courseId: course.id, slug: "echo" } }, data: { published: true } });
    await db.membership.create({ data: { courseId: course.id, userId: student.userId, role: "STUDENT", pseudonym: "quiet-raft" } });
    expect((await listMyCourses(db, student)).map((c) => c.slug)).toContain(S);
    expect(await setCourseArchived(db, admin, { courseSlug: S, archived: true })).toMatchObject({ changed: true });
    expect(await setCourseArchived(db, admin, { courseSlug: S, archived: true })).toMatchObject({ changed: false });
    expect((await listMyCourses(db, student)).map((c) => c.slug)).not.toContain(S);
    expect((await listMyCourses(db, instructor)).map((c) => c.slug)).not.toContain(S);
    // Still readable by its members.
    expect((await listLabsForMember(db, student, S)).labs.map((l) => l.slug)).toEqual(["echo"]);
    const upload = await packReferenceSolution(path.join(ROOT, "lib/labs/echo/reference/correct"));
    const labFields = labFieldsOf(await db.lab.findFirstOrThrow({ where: { course: { slug: S }, slug: "echo" } }));
    const refusals = [
      () => createSubmission({ db, queue }, student, { courseSlug: S, labSlug: "echo", upload }),
      () => setMyPseudonym(db, student, S, "loud-raft"),
      () => createLab(db, instructor, { courseSlug: S, slug: "new-lab", fields: labFields }),
      () => saveSuiteVersion(db, instructor, { courseSlug: S, labSlug: "echo", source: "tests:\n  - name: e\n    workload: echo\n" }),
      () => importRoster(db, instructor, { courseSlug: S, csv: "email\nzed@uni.test\n" }),
      () => setMemberRole(db, instructor, { courseSlug: S, userId: student.userId, role: "TA" }),
      () => grantExtension(db, instructor, { courseSlug: S, labSlug: "echo", studentEmail: "alice@demo.labgrade.test", dueAt: new Date(Date.now() + 86_400_000) }),
      () => startRegrade({ db, queue }, instructor, { courseSlug: S, labSlug: "echo", scope: { kind: "all" } }),
      // Platform admins too: archived means read-only for everyone.
      () => createLab(db, admin, { courseSlug: S, slug: "admin-lab", fields: labFields }),
    ];
    for (const refused of refusals) {
      const err = await refused().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CourseArchivedError);
      expect((err as Error).message).toMatch(/is archived and read-only: nothing can be submitted or changed in it \(a platform admin can unarchive it\)/);
    }
    expect(await db.submission.count({ where: { course: { slug: S } } })).toBe(0);
    expect(await db.lab.count({ where: { course: { slug: S } } })).toBe(await db.lab.count({ where: { course: { slug: C } } }));

    expect(await setCourseArchived(db, admin, { courseSlug: S, archived: false })).toMatchObject({ changed: true, course: { archivedAt: null } });
    expect((await listMyCourses(db, student)).map((c) => c.slug)).toContain(S);
    await setMyPseudonym(db, student, S, "loud-raft");
    const entries = await db.auditLog.findMany({ where: { course: { slug: S }, action: { in: ["course.archive", "course.unarchive"] } }, orderBy: { createdAt: "asc" } });
    expect(entries.map((e) => [e.action, e.actorId])).toEqual([
      ["course.archive", admin.userId],
      ["course.unarchive", admin.userId],
    ]);
  });
});

describe("who may", () => {
  it("refuses every platform action to anyone but a platform admin, a course's owner included, as not found, and changes nothing", async () => {
    const ownCourse = (await db.membership.findFirstOrThrow({ where: { userId: owner.userId }, include: { course: true } })).course.slug;
    const before = { courses: await db.course.count(), audit: await db.auditLog.count(), archived: await db.course.count({ where: { archivedAt: { not: null } } }) };
    for (const who of [owner, instructor, student]) {
      const attempts = [
        () => createCourse(db, who, form({ owners: "x@uni.test" })),
        () => copyCourse(db, who, { fromSlug: C, ...form({ owners: "x@uni.test" }) }),
        () => setCourseArchived(db, who, { courseSlug: C, archived: true }),
        () => setCourseArchived(db, who, { courseSlug: ownCourse, archived: true }),
        () => platformOverview(db, who),
        () => listAuditLog(db, who, {}),
      ];
      for (const attempt of attempts) await expect(attempt()).rejects.toBeInstanceOf(NotFoundError);
    }
    expect({ courses: await db.course.count(), audit: await db.auditLog.count(), archived: await db.course.count({ where: { archivedAt: { not: null } } }) }).toEqual(before);
  });
});

describe("the platform page", () => {
  it("counts and names every course's waiting and running gradings, and describes the runners", async () => {
    await db.runner.create({ data: { id: "runner-a", hostname: "grader-1", capabilities: { concurrency: 4, engineVersion: "27.1.0", shaping: { kind: "userspace" }, images: { "labgrade/go:latest": "sha256:1", "labgrade/node:latest": null } } } });
    const demoQueued = await db.gradingJob.count({ where: { status: "QUEUED", submission: { course: { slug: C } } } });
    expect(demoQueued).toBeGreaterThan(0);
    // A running grading in another course.
    const other = await db.course.findUniqueOrThrow({ where: { slug: "to-archive-2" }, include: { labs: { where: { slug: "echo" }, include: { suiteVersions: true } } } });
    const lab = other.labs[0]!;
    const sub = await db.submission.create({ data: { courseId: other.id, labId: lab.id, userId: student.userId, suiteVersionId: lab.suiteVersions[0]!.id, archiveKey: "archives/x", archiveBytes: 1, contentHash: "0".repeat(64), status: "RUNNING", startedAt: new Date() } });
    const job = await db.gradingJob.create({ data: { submissionId: sub.id, suiteVersionId: lab.suiteVersions[0]!.id, status: "RUNNING" } });
    await db.gradingAttempt.create({ data: { jobId: job.id, number: 1, runnerId: "runner-a" } });

    const overview = await platformOverview(db, admin);
    expect(overview.totals).toEqual({ queued: demoQueued, running: 1 });
    expect(overview.courses.find((c) => c.slug === C)).toMatchObject({ queued: demoQueued, running: 0, archivedAt: null });
    expect(overview.courses.find((c) => c.slug === "to-archive-2")).toMatchObject({ queued: 0, running: 1 });
    expect(overview.jobs[0]).toMatchObject({ submissionId: sub.id, course: "to-archive-2", lab: "echo", status: "RUNNING", runnerId: "runner-a", student: "Alice Student" });
    expect(overview.jobs.filter((j) => j.course === C)).toHaveLength(demoQueued);
    expect(overview.runners.find((r) => r.id === "runner-a")).toMatchObject({ hostname: "grader-1", alive: true, concurrency: 4, engine: "27.1.0", shaping: { kind: "userspace" }, images: { present: ["labgrade/go:latest"], missing: ["labgrade/node:latest"] } });
  });

  it("filters the audit log by course, actor and action, a page at a time, and says when a course does not exist", async () => {
    const all = await listAuditLog(db, admin, {});
    expect(all.total).toBe(await db.auditLog.count());
    expect(all.actions).toEqual(expect.arrayContaining(["course.create", "course.copy", "course.archive", "course.unarchive", "extension.grant"]));
    const copies = await listAuditLog(db, admin, { action: "course.copy" });
    expect(copies.entries.map((e) => e.course?.slug).sort()).toEqual(["demo-ds-s27", "to-archive-2"]);
    const inCourse = await listAuditLog(db, admin, { courseSlug: "to-archive-2" });
    expect(new Set(inCourse.entries.map((e) => e.action))).toEqual(new Set(["course.copy", "course.archive", "course.unarchive"]));
    expect((await listAuditLog(db, admin, { actor: "INSTRUCTOR@demo" })).entries.every((e) => e.actor?.email === "instructor@demo.labgrade.test")).toBe(true);
    expect((await listAuditLog(db, admin, { actor: "instructor@demo", action: "course.copy" })).total).toBe(0);
    expect((await listAuditLog(db, admin, { actor: "admin@demo", action: "course.copy" })).total).toBe(2);
    // Paging: 60 entries in a course of their own make two pages, newest first, none twice.
    const { course } = await createCourse(db, admin, form({ owners: "instructor@demo.labgrade.test" }));
    const t0 = Date.now();
    await db.auditLog.createMany({ data: Array.from({ length: 59 }, (_, i) => ({ courseId: course.id, actorId: instructor.userId, action: "lab.update", targetId: `t${i}`, createdAt: new Date(t0 + (i + 1) * 1000) })) });
    const first = await listAuditLog(db, admin, { courseSlug: course.slug });
    const second = await listAuditLog(db, admin, { courseSlug: course.slug, page: 2 });
    expect([first.total, first.pageCount, first.entries.length, second.entries.length]).toEqual([60, 2, 50, 10]);
    expect(first.entries[0]!.targetId).toBe("t58");
    expect(second.entries.at(-1)!.action).toBe("course.create");
    expect(new Set([...first.entries, ...second.entries].map((e) => e.id)).size).toBe(60);
    await expect(listAuditLog(db, admin, { courseSlug: "no-such-course" })).rejects.toThrow(StudentError);
    await expect(listAuditLog(db, admin, { page: 0 })).rejects.toThrow(/whole number from 1/);
  });
});
