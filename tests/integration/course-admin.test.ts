// Staff shaping a course, against a real database and Redis: labs created and
// edited (validated, audited, slug fixed), suites versioned (errors by line,
// same text makes no new version, publishing decides what students are graded
// against), dry runs queued in their own band and kept out of "my
// submissions"; roster import (all or nothing, every bad row by line), roles,
// invitations by link, and password links, each with who may and may not.
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spendPasswordLink, createPasswordLink, passwordLinkOwner } from "../../lib/auth/password-links.js";
import { verifyCredentials } from "../../lib/auth/credentials.js";
import { getLabWithMyWorkOrThrow } from "../../lib/courses/access.js";
import { acceptInvitation, completeSignUp, createInvitation, invitationBySecret, requestSignUp } from "../../lib/courses/invitations.js";
import { importRoster, listRoster, RosterInvalidError, setMemberRole } from "../../lib/courses/roster.js";
import { createDb, type Db } from "../../lib/db.js";
import { createMailer } from "../../lib/mail/mailer.js";
import { ForbiddenError, NotFoundError, StudentError } from "../../lib/errors.js";
import { PRIORITY_BAND } from "../../lib/jobs/scheduling.js";
import { createLab, labFieldsOf, updateLab, type LabFields } from "../../lib/labs/manage-labs.js";
import { packReferenceSolution } from "../../lib/labs/pack-reference.js";
import { createGradingQueue } from "../../lib/queue.js";
import { DEMO_COURSE_SLUG, seedDemoCourse } from "../../lib/seed/demo-course.js";
import { createSubmission } from "../../lib/submissions/create-submission.js";
import { runnerCapabilities } from "../../lib/suites/capabilities.js";
import { parseSuite } from "../../lib/suites/parse-suite.js";
import { listDryRuns, listSuiteVersions, publishSuiteVersion, saveSuiteVersion, startDryRun, SuiteInvalidError, uploadReferenceSolution } from "../../lib/suites/suite-versions.js";
import { createMigratedDatabase, type ScratchDatabase } from "../support/databases.js";
import { actorByEmail } from "../support/actors.js";
import { REDIS_URL } from "../support/grading-stack.js";
import { linkIn, startMailServer, type MailServer } from "../support/mail-server.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const C = DEMO_COURSE_SLUG;
let database: ScratchDatabase;
let db: Db;
let queue: Queue;
let mail: MailServer;
const actor = (email: string) => actorByEmail(db, email);
const fields = (over: Partial<LabFields> = {}): LabFields => ({
  title: "Echo again",
  description: "# Echo\nAnswer every `echo`.",
  workload: "echo",
  toolchain: "go",
  protocol: "MAELSTROM",
  buildCommand: "",
  runCommand: "",
  opensAt: null,
  dueAt: new Date(Date.now() + 7 * 24 * 3600_000),
  latePolicy: "ACCEPT",
  latePenaltyPerDay: 0,
  submissionLimit: 5,
  submissionWindowHours: 24,
  maxArchiveMegabytes: 5,
  published: false,
  leaderboardVisible: true,
  leaderboardTieBreakers: ["msgsPerOp"],
  leaderboardFreezeAtDue: false,
  resultsReleasedAt: null,
  ...over,
});
const SUITE = "tests:\n  - name: echo\n    workload: echo\n    nodes: 1\n    durationSeconds: 1\n";

beforeAll(async () => {
  database = await createMigratedDatabase("course-admin");
  db = createDb(database.url);
  await seedDemoCourse(db);
  queue = createGradingQueue({ redisUrl: REDIS_URL, prefix: `test-admin-${randomBytes(4).toString("hex")}` });
  mail = await startMailServer();
  // A second course run by someone else, which alice is also in.
  const other = await db.course.create({ data: { slug: "other-course", title: "Other course" } });
  const otherTeacher = await db.user.create({ data: { email: "teacher@other.test", name: "Other Teacher" } });
  const alice = await actor("alice@demo.labgrade.test");
  await db.membership.createMany({
    data: [
      { courseId: other.id, userId: otherTeacher.id, role: "OWNER" },
      { courseId: other.id, userId: alice.userId, role: "STUDENT", pseudonym: "alice-elsewhere" },
    ],
  });
});

afterAll(async () => {
  await mail?.close();
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  await db?.$disconnect();
  await database?.drop();
});

describe("labs", () => {
  it("creates a lab as a draft only staff see, audited, and refuses a taken slug in words", async () => {
    const instructor = await actor("instructor@demo.labgrade.test");
    const lab = await createLab(db, instructor, { courseSlug: C, slug: "echo-2", fields: fields() });
    expect(lab).toMatchObject({ slug: "echo-2", buildImage: "labgrade/go:latest", runCommand: "/work/out/node", submissionWindowSeconds: 86_400, maxArchiveBytes: 5 * 1024 * 1024, published: false });
    expect(await db.auditLog.count({ where: { action: "lab.create", targetId: lab.id, actorId: instructor.userId } })).toBe(1);
    await expect(createLab(db, instructor, { courseSlug: C, slug: "echo-2", fields: fields() })).rejects.toThrow(/already has a lab called "echo-2"/);
    await expect(createLab(db, instructor, { courseSlug: C, slug: "Bad Slug", fields: fields() })).rejects.toThrow(/lowercase letters/);
    await expect(createLab(db, instructor, { courseSlug: C, slug: "x", fields: fields({ opensAt: new Date(Date.now() + 9e9), dueAt: new Date(Date.now() + 1e9) }) })).rejects.toThrow(/due date \(\d+ \w+ \d{4}, \d\d:\d\d UTC\) must be after the opening date \(/);
  });

  it("makes a native-mode lab, and switching the protocol back is an audited change", async () => {
    const instructor = await actor("instructor@demo.labgrade.test");
    const lab = await createLab(db, instructor, { courseSlug: C, slug: "native-echo", fields: fields({ protocol: "NATIVE", toolchain: "python" }) });
    expect(lab.protocol).toBe("NATIVE");
    expect(labFieldsOf(lab).protocol).toBe("NATIVE");
    await updateLab(db, instructor, { courseSlug: C, labSlug: "native-echo", fields: { ...labFieldsOf(lab), protocol: "MAELSTROM" } });
    const entry = await db.auditLog.findFirstOrThrow({ where: { action: "lab.update", targetId: lab.id } });
    expect(entry.details).toEqual({ protocol: { from: "NATIVE", to: "MAELSTROM" } });
    await expect(createLab(db, instructor, { courseSlug: C, slug: "bad-protocol", fields: fields({ protocol: "TCP" as never }) })).rejects.toThrow(/Choose a protocol: MAELSTROM or NATIVE/);
  });

  it("lets only owners and instructors of the course create or edit labs", async () => {
    const ta = await actor("ta@demo.labgrade.test");
    const student = await actor("bob@demo.labgrade.test");
    const outsider = await actor("teacher@other.test");
    await expect(createLab(db, ta, { courseSlug: C, slug: "ta-lab", fields: fields() })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createLab(db, student, { courseSlug: C, slug: "st-lab", fields: fields() })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createLab(db, outsider, { courseSlug: C, slug: "out-lab", fields: fields() })).rejects.toBeInstanceOf(NotFoundError);
    await expect(updateLab(db, outsider, { courseSlug: C, labSlug: "echo", fields: fields() })).rejects.toBeInstanceOf(NotFoundError);
    expect(await db.lab.count({ where: { slug: { in: ["ta-lab", "st-lab", "out-lab"] } } })).toBe(0);
  });

  it("edits a lab, audits what changed (old and new), and round-trips the form's fields", async () => {
    const instructor = await actor("instructor@demo.labgrade.test");
    const before = await db.lab.findFirstOrThrow({ where: { slug: "echo-2" } });
    const updated = await updateLab(db, instructor, { courseSlug: C, labSlug: "echo-2", fields: { ...labFieldsOf(before), title: "Echo, twice", toolchain: "python", published: true } });
    expect(updated).toMatchObject({ title: "Echo, twice", buildImage: "labgrade/python:latest", runCommand: "python3 /work/src/main.py", published: true });
    const entry = await db.auditLog.findFirstOrThrow({ where: { action: "lab.update", targetId: before.id } });
    expect(entry.details).toMatchObject({ title: { from: "Echo again", to: "Echo, twice" }, published: { from: "false", to: "true" } });
    expect(labFieldsOf(updated)).toMatchObject({ toolchain: "python", buildCommand: "", runCommand: "", submissionWindowHours: 24, maxArchiveMegabytes: 5 });
    // Saving the same fields again changes nothing and logs nothing.
    await updateLab(db, instructor, { courseSlug: C, labSlug: "echo-2", fields: labFieldsOf(updated) });
    expect(await db.auditLog.count({ where: { action: "lab.update", targetId: before.id } })).toBe(1);
  });
});

describe("suite versions and dry runs", () => {
  it("refuses an invalid suite with errors by line and saves nothing", async () => {
    const instructor = await actor("instructor@demo.labgrade.test");
    const bad = "tests:\n  - name: echo\n    workload: echo\n    nodes: 0\n";
    const err = await saveSuiteVersion(db, instructor, { courseSlug: C, labSlug: "echo-2", source: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SuiteInvalidError);
    expect((err as SuiteInvalidError).errors).toEqual([expect.objectContaining({ line: 4, path: "tests.0.nodes" })]);
    expect(await db.suiteVersion.count({ where: { lab: { slug: "echo-2" } } })).toBe(0);
  });

  it("refuses latency and shaping steps when no runner heard from can hold packets, and accepts them once one can", async () => {
    const instructor = await actor("instructor@demo.labgrade.test");
    const shaped = "tests:\n  - name: slow\n    workload: echo\n    latency: {ms: 100}\n    faults:\n      - {kind: jitter, at: 1, ms: 5}\n";
    // A runner that can shape nothing (as it records itself at start), and one long gone that could.
    await db.runner.create({ data: { id: "caps-none", hostname: "h", capabilities: { shaping: { kind: "none", detail: "no NFQUEUE here; no netem here" } } } });
    await db.runner.create({ data: { id: "caps-old", hostname: "h", capabilities: { shaping: { kind: "userspace" } }, heartbeatAt: new Date(Date.now() - 3 * 86_400_000) } });
    const err = await saveSuiteVersion(db, instructor, { courseSlug: C, labSlug: "echo-2", source: shaped }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SuiteInvalidError);
    expect((err as SuiteInvalidError).errors).toEqual([
      expect.objectContaining({ line: 4, path: "tests.0.latency", message: expect.stringContaining("no NFQUEUE here") }),
      expect.objectContaining({ line: 6, path: "tests.0.faults.0.kind" }),
    ]);
    expect(await db.suiteVersion.count({ where: { lab: { slug: "echo-2" } } })).toBe(0);
    await db.runner.update({ where: { id: "caps-old" }, data: { heartbeatAt: new Date() } });
    try {
      // (Not saved here: the next test counts this lab's versions from 1.)
      expect(await runnerCapabilities(db)).toEqual({ shaping: { available: true } });
      expect(parseSuite(shaped, { capabilities: await runnerCapabilities(db) }).ok).toBe(true);
    } finally {
      await db.runner.deleteMany({ where: { id: { in: ["caps-none", "caps-old"] } } });
    }
  });

  it("numbers versions, makes no new version for the same text, and grades students against the newest published", async () => {
    const instructor = await actor("instructor@demo.labgrade.test");
    const alice = await actor("alice@demo.labgrade.test");
    const first = await saveSuiteVersion(db, instructor, { courseSlug: C, labSlug: "echo-2", source: SUITE });
    expect(first).toMatchObject({ created: true, version: { version: 1, publishedAt: null } });
    expect(await saveSuiteVersion(db, instructor, { courseSlug: C, labSlug: "echo-2", source: SUITE })).toMatchObject({ created: false, version: { version: 1 } });
    const upload = await packReferenceSolution(path.join(ROOT, "lib/labs/echo/reference/correct"));
    // No published version yet: the student is told so.
    await expect(createSubmission({ db, queue }, alice, { courseSlug: C, labSlug: "echo-2", upload })).rejects.toThrow(/no published test suite/);
    await publishSuiteVersion(db, instructor, { courseSlug: C, labSlug: "echo-2", version: 1 });
    const second = await saveSuiteVersion(db, instructor, { courseSlug: C, labSlug: "echo-2", source: SUITE.replace("nodes: 1", "nodes: 2") });
    expect(second.version.version).toBe(2);
    const submission = await createSubmission({ db, queue }, alice, { courseSlug: C, labSlug: "echo-2", upload });
    expect((await db.suiteVersion.findUniqueOrThrow({ where: { id: submission.suiteVersionId } })).version).toBe(1);
    const { versions } = await listSuiteVersions(db, await actor("ta@demo.labgrade.test"), C, "echo-2");
    expect(versions.map((v) => [v.version, v.publishedAt !== null])).toEqual([
      [2, false],
      [1, true],
    ]);
    await expect(listSuiteVersions(db, alice, C, "echo-2")).rejects.toBeInstanceOf(ForbiddenError);
    await expect(saveSuiteVersion(db, await actor("ta@demo.labgrade.test"), { courseSlug: C, labSlug: "echo-2", source: SUITE })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await db.auditLog.count({ where: { action: { in: ["suite.save", "suite.publish"] } } })).toBe(3);
  });

  it("dry-runs a draft against every reference solution in the DRY_RUN band, outside the staff's own submissions", async () => {
    const instructor = await actor("instructor@demo.labgrade.test");
    await expect(startDryRun({ db, queue }, instructor, { courseSlug: C, labSlug: "echo-2", version: 2 })).rejects.toThrow(/no reference solution yet/);
    for (const [name, expectPass] of [
      ["correct", true],
      ["wrong-echo", false],
    ] as const) {
      const upload = await packReferenceSolution(path.join(ROOT, "lib/labs/echo/reference", name));
      await uploadReferenceSolution(db, instructor, { courseSlug: C, labSlug: "echo-2", name, expectPass, upload });
    }
    await expect(uploadReferenceSolution(db, instructor, { courseSlug: C, labSlug: "echo-2", name: "x", expectPass: true, upload: Buffer.from("not an archive") })).rejects.toBeInstanceOf(StudentError);
    expect(await startDryRun({ db, queue }, instructor, { courseSlug: C, labSlug: "echo-2", version: 2 })).toEqual({ version: 2, references: 2 });
    const jobs = await db.gradingJob.findMany({ where: { kind: "DRY_RUN", submission: { lab: { slug: "echo-2" } } }, include: { suiteVersion: true, submission: true } });
    expect(jobs).toHaveLength(2);
    for (const job of jobs) {
      expect(job.suiteVersion.version).toBe(2);
      expect(job.priority).toBeGreaterThanOrEqual(PRIORITY_BAND.DRY_RUN);
      expect(job.priority).toBeLessThan(PRIORITY_BAND.REGRADE);
      expect(job.submission.countsTowardLimit).toBe(false);
    }
    const lab = await db.lab.findFirstOrThrow({ where: { slug: "echo-2" } });
    const rows = await listDryRuns(db, lab.id);
    expect(rows.map((r) => [r.reference, r.expectPass, r.asExpected]).sort()).toEqual([
      ["correct", true, null],
      ["wrong-echo", false, null],
    ]);
    // The lab's page lists none of them as the instructor's own, though it shows the published suite.
    const page = await getLabWithMyWorkOrThrow(db, instructor, C, "echo-2");
    expect(page.submissions).toEqual([]);
    expect(page.suiteSpec).not.toBeNull();
    // Its tests are all "always": nothing is withheld, and no result is read to know it.
    expect(page.mayWithhold).toBe(false);
  });
});

describe("roster", () => {
  const csv = ["Email,Name,Role,Student ID", "dana@uni.test,Dana,,1", "erik@uni.test,Erik,ta,2", "BOB@demo.labgrade.test,Bob,student,3"].join("\n");

  it("imports new people and existing users, and says what it did", async () => {
    const instructor = await actor("instructor@demo.labgrade.test");
    expect(await importRoster(db, instructor, { courseSlug: C, csv })).toEqual({ added: 2, changed: 0, unchanged: 1, newAccounts: 2, waiting: 0 });
    const { members } = await listRoster(db, instructor, C);
    const dana = members.find((m) => m.email === "dana@uni.test");
    expect(dana).toMatchObject({ role: "STUDENT", signIn: "none yet" });
    expect(dana?.pseudonym).toMatch(/^[a-z]+-[a-z]+/);
    expect(members.find((m) => m.email === "erik@uni.test")).toMatchObject({ role: "TA", pseudonym: null });
    // Again: nothing new.
    expect(await importRoster(db, instructor, { courseSlug: C, csv })).toEqual({ added: 0, changed: 0, unchanged: 3, newAccounts: 0, waiting: 0 });
  });

  it("refuses a file with bad rows, names every one by line, and imports nothing", async () => {
    const instructor = await actor("instructor@demo.labgrade.test");
    const bad = ["email,name,role", "fred@uni.test,Fred,student", "not-an-email,X,student", "gina@uni.test,Gina,professor", "fred@uni.test,Fred again,"].join("\n");
    const err = await importRoster(db, instructor, { courseSlug: C, csv: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RosterInvalidError);
    expect((err as RosterInvalidError).problems).toEqual([
      { line: 3, message: '"not-an-email" is not an email address' },
      { line: 4, message: expect.stringContaining('the role "professor"') },
      { line: 5, message: "fred@uni.test is also on line 2" },
    ]);
    expect(await db.user.count({ where: { email: "fred@uni.test" } })).toBe(0);
    await expect(importRoster(db, instructor, { courseSlug: C, csv: "name,role\nX,student" })).rejects.toThrow(RosterInvalidError);
    await expect(importRoster(db, await actor("ta@demo.labgrade.test"), { courseSlug: C, csv })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("changes roles within the rules: nobody their own, only owners touch owners", async () => {
    const instructor = await actor("instructor@demo.labgrade.test");
    const erik = await actor("erik@uni.test");
    await setMemberRole(db, instructor, { courseSlug: C, userId: erik.userId, role: "STUDENT" });
    const { members } = await listRoster(db, instructor, C);
    expect(members.find((m) => m.email === "erik@uni.test")).toMatchObject({ role: "STUDENT", pseudonym: expect.any(String) });
    await expect(setMemberRole(db, instructor, { courseSlug: C, userId: instructor.userId, role: "OWNER" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(setMemberRole(db, instructor, { courseSlug: C, userId: erik.userId, role: "OWNER" })).rejects.toThrow(/only an owner/);
    await expect(setMemberRole(db, await actor("ta@demo.labgrade.test"), { courseSlug: C, userId: erik.userId, role: "TA" })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await db.auditLog.count({ where: { action: "member.role", targetId: erik.userId } })).toBe(1);
  });
});

describe("invitations", () => {
  it("joins a signed-in user by link once, and refuses spent, expired and other people's links", async () => {
    const instructor = await actor("instructor@demo.labgrade.test");
    const teacher = await actor("teacher@other.test");
    const { path: link } = await createInvitation(db, instructor, C, { role: "TA", email: null, maxUses: 1, expiresInDays: 7 });
    const secret = link.split("/").pop()!;
    expect((await invitationBySecret(db, secret)).role).toBe("TA");
    expect(await acceptInvitation(db, teacher, secret)).toMatchObject({ joined: true, role: "TA", courseSlug: C });
    await expect(invitationBySecret(db, secret)).rejects.toThrow(/used up/);
    await expect(invitationBySecret(db, "no-such-secret")).rejects.toBeInstanceOf(NotFoundError);
    const forDana = await createInvitation(db, instructor, C, { role: "STUDENT", email: "dana@uni.test", maxUses: 50, expiresInDays: 1 });
    expect(forDana.invitation.maxUses).toBe(1);
    await expect(acceptInvitation(db, await actor("carol@demo.labgrade.test"), forDana.path.split("/").pop()!)).rejects.toThrow(/this invitation is for dana@uni.test/);
    await expect(invitationBySecret(db, forDana.path.split("/").pop()!, new Date(Date.now() + 2 * 24 * 3600_000))).rejects.toThrow(/expired/);
    await expect(createInvitation(db, instructor, C, { role: "OWNER", email: null, maxUses: 1, expiresInDays: 1 })).rejects.toThrow(/only an owner/);
  });

  it("makes an account only from the link mailed to the address, claims an imported account that way, never takes over one", async () => {
    const instructor = await actor("instructor@demo.labgrade.test");
    const mailer = createMailer({ LABGRADE_SMTP_URL: mail.url, LABGRADE_MAIL_FROM: "Labgrade <no-reply@labgrade.test>", LABGRADE_MAIL_DIR: "unused" });
    const open = (await createInvitation(db, instructor, C, { role: "STUDENT", email: null, maxUses: 10, expiresInDays: 7 })).path.split("/").pop()!;
    const good = { name: "Hana", password: "a-long-password-1", repeat: "a-long-password-1" };
    const mailed = async (email: string) => linkIn(await mail.waitFor(email)).pathname.split("/").pop()!;
    expect(await requestSignUp(db, mailer, open, " Hana@uni.test ")).toEqual({ email: "hana@uni.test" });
    // Nothing exists until the link is opened.
    expect(await db.user.count({ where: { email: "hana@uni.test" } })).toBe(0);
    const hanaLink = await mailed("hana@uni.test");
    expect(await completeSignUp(db, hanaLink, good)).toMatchObject({ joined: true, role: "STUDENT", email: "hana@uni.test" });
    expect(await verifyCredentials(db, "hana@uni.test", good.password)).not.toBeNull();
    expect((await db.user.findUniqueOrThrow({ where: { email: "hana@uni.test" } })).emailVerified).not.toBeNull();
    await expect(completeSignUp(db, hanaLink, good)).rejects.toBeInstanceOf(NotFoundError);
    // An existing account with a password: the answer is the same, the mail says to sign in.
    expect(await requestSignUp(db, mailer, open, "alice@demo.labgrade.test")).toEqual({ email: "alice@demo.labgrade.test" });
    const toAlice = await mail.waitFor("alice@demo.labgrade.test");
    expect(toAlice.text).toContain("already has an account");
    expect(linkIn(toAlice).pathname).toBe("/signin");
    // Dana was imported without a password: proving her address claims her account.
    await requestSignUp(db, mailer, open, "dana@uni.test");
    expect(await completeSignUp(db, await mailed("dana@uni.test"), { ...good, name: "Dana" })).toMatchObject({ joined: false, role: "STUDENT" });
    expect(await verifyCredentials(db, "dana@uni.test", good.password)).not.toBeNull();
    // A link addressed to Dana is for Dana's address only.
    const forDana = (await createInvitation(db, instructor, C, { role: "TA", email: "dana@uni.test", maxUses: 1, expiresInDays: 1 })).path.split("/").pop()!;
    await expect(requestSignUp(db, mailer, forDana, "ivan@uni.test")).rejects.toThrow(/this invitation is for dana@uni.test/);
    await requestSignUp(db, mailer, open, "ivan@uni.test");
    await expect(completeSignUp(db, await mailed("ivan@uni.test"), { ...good, repeat: "different-password" })).rejects.toThrow(/differ/);
  });
});

describe("password links", () => {
  it("lets an instructor reset a student's password once, never a student who is in a course they do not run", async () => {
    const instructor = await actor("instructor@demo.labgrade.test");
    const bob = await actor("bob@demo.labgrade.test");
    const alice = await actor("alice@demo.labgrade.test");
    const ta = await actor("ta@demo.labgrade.test");
    const made = await createPasswordLink(db, instructor, { courseSlug: C, userId: bob.userId });
    const secret = made.path.split("/").pop()!;
    expect(await passwordLinkOwner(db, secret)).toMatchObject({ email: "bob@demo.labgrade.test" });
    expect(await spendPasswordLink(db, null, { secret, next: "bobs-new-password", repeat: "bobs-new-password" })).toBe("bob@demo.labgrade.test");
    expect(await verifyCredentials(db, "bob@demo.labgrade.test", "bobs-new-password")).not.toBeNull();
    await expect(spendPasswordLink(db, null, { secret, next: "another-password", repeat: "another-password" })).rejects.toBeInstanceOf(NotFoundError);
    // Alice is also a student of another course: her account is not this instructor's to hand out.
    await expect(createPasswordLink(db, instructor, { courseSlug: C, userId: alice.userId })).rejects.toThrow(/course you do not run/);
    // A TA may not; an instructor may not reset a fellow instructor's or an admin's.
    await expect(createPasswordLink(db, ta, { courseSlug: C, userId: bob.userId })).rejects.toBeInstanceOf(ForbiddenError);
    const admin = await actor("admin@demo.labgrade.test");
    await expect(createPasswordLink(db, instructor, { courseSlug: C, userId: admin.userId })).rejects.toBeInstanceOf(NotFoundError);
    const expiring = await createPasswordLink(db, instructor, { courseSlug: C, userId: bob.userId });
    await expect(passwordLinkOwner(db, expiring.path.split("/").pop()!, new Date(Date.now() + 73 * 3600_000))).rejects.toThrow(/expired/);
    expect(await db.auditLog.count({ where: { action: "user.password_link", targetId: bob.userId } })).toBe(2);
  });
});
