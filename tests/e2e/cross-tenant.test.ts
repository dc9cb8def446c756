// Every way across a tenant boundary, against the built web app and the
// domain functions behind its forms: another course's pages, another
// student's submission, staff pages as a student, a draft lab. Each answers
// "not found" (404), exactly as for something that does not exist, or
// "forbidden" where the thing is visible but the action is not theirs.
import { randomBytes } from "node:crypto";
import type { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../lib/courses/access.js";
import type { Db } from "../../lib/db.js";
import { ForbiddenError, NotFoundError } from "../../lib/errors.js";
import { regradeProgress, startRegrade } from "../../lib/jobs/regrade.js";
import { DEMO_COURSE_SLUG, DEMO_PASSWORD } from "../../lib/seed/demo-course.js";
import { cancelSubmission } from "../../lib/submissions/cancel-submission.js";
import { createSubmission } from "../../lib/submissions/create-submission.js";
import { actorByEmail } from "../support/actors.js";
import { createCourse } from "../support/factories.js";
import { signInOverHttp, type WebServer } from "../support/web-server.js";
import { createWebStack, type WebStack } from "../support/web-stack.js";
import { createPasswordLink } from "../../lib/auth/password-links.js";
import { createInvitation } from "../../lib/courses/invitations.js";
import { importRoster, setMemberRole } from "../../lib/courses/roster.js";
import { publishSuiteVersion, saveSuiteVersion, startDryRun, uploadReferenceSolution } from "../../lib/suites/suite-versions.js";

let stack: WebStack;
let db: Db;
let queue: Queue;
let server: WebServer;
const cookies: Record<string, string> = {};
const ids: Record<string, string> = {};
const actors: Record<string, Actor> = {};

/** A graded-looking submission inserted directly (no runner needed to look at it). */
async function submission(db: Db, userId: string, courseId: string, labId: string): Promise<string> {
  const suite = await db.suiteVersion.findFirst({ where: { labId } });
  const s = await db.submission.create({
    data: { courseId, labId, userId, suiteVersionId: suite!.id, archiveKey: `archives/x-${randomBytes(4).toString("hex")}`, archiveBytes: 10, contentHash: "0".repeat(64), status: "GRADED", score: 1, maxScore: 1, finalScore: 1 },
  });
  return s.id;
}

/** Beside the demo course, before the server starts: a draft lab, course B with its own people and lab, and a submission in each course. */
async function seedTenants(db: Db): Promise<void> {
  const demo = await db.course.findUniqueOrThrow({ where: { slug: DEMO_COURSE_SLUG } });
  const echo = await db.lab.findFirstOrThrow({ where: { courseId: demo.id, slug: "echo" } });
  const draft = await db.lab.create({ data: { ...(({ id: _id, createdAt: _c, updatedAt: _u, ...rest }) => rest)(echo), slug: "draft-lab", title: "Draft", published: false } });
  // Course B, with its own student, staff member and lab (a copy of echo).
  const { course: other } = await createCourse(db, {
    slug: "other-course",
    title: "Other course",
    members: { STUDENT: { email: "dana@other.labgrade.test", password: DEMO_PASSWORD }, INSTRUCTOR: { email: "olga@other.labgrade.test", password: DEMO_PASSWORD } },
  });
  const otherLab = await db.lab.create({ data: { ...(({ id: _id, createdAt: _c, updatedAt: _u, courseId: _k, ...rest }) => rest)(echo), courseId: other.id } });
  const suite = await db.suiteVersion.findFirstOrThrow({ where: { labId: echo.id } });
  await db.suiteVersion.create({ data: { labId: otherLab.id, version: 1, source: suite.source, spec: suite.spec as object, sourceHash: suite.sourceHash, publishedAt: new Date() } });
  for (const email of ["alice@demo.labgrade.test", "bob@demo.labgrade.test", "ta@demo.labgrade.test", "dana@other.labgrade.test", "olga@other.labgrade.test"]) {
    actors[email.split("@")[0]!] = await actorByEmail(db, email);
  }
  ids.alice = await submission(db, actors.alice!.userId, demo.id, echo.id);
  ids.dana = await submission(db, actors.dana!.userId, other.id, otherLab.id);
  ids.draft = draft.slug;
}

beforeAll(async () => {
  stack = await createWebStack("cross-tenant", { seed: seedTenants });
  ({ db, queue, server } = stack);
  for (const name of ["alice", "bob", "ta", "dana", "olga"]) {
    const email = `${name}@${name === "dana" || name === "olga" ? "other" : "demo"}.labgrade.test`;
    cookies[name] = await signInOverHttp(server.url, email, DEMO_PASSWORD);
  }
});

afterAll(async () => {
  await stack?.close();
});

async function status(who: string | null, path: string): Promise<number> {
  const response = await fetch(`${server.url}${path}`, { redirect: "manual", headers: who ? { cookie: cookies[who]! } : {} });
  return response.status;
}

describe("across tenants, over HTTP", () => {
  const cases: Array<[who: string, path: () => string, expected: number, why: string]> = [
    ["dana", () => `/courses/${DEMO_COURSE_SLUG}`, 404, "another course's page"],
    ["dana", () => `/courses/${DEMO_COURSE_SLUG}/labs/echo`, 404, "another course's lab"],
    ["dana", () => `/courses/${DEMO_COURSE_SLUG}/grading`, 404, "another course's staff page"],
    ["dana", () => `/submissions/${ids.alice}`, 404, "another course's submission"],
    ["dana", () => `/api/submissions/${ids.alice}`, 404, "another course's submission (JSON)"],
    ["olga", () => `/courses/${DEMO_COURSE_SLUG}/grading`, 404, "staff of another course on this course's staff page"],
    ["olga", () => `/submissions/${ids.alice}`, 404, "staff of another course on this course's submission"],
    ["bob", () => `/submissions/${ids.alice}`, 404, "a classmate's submission"],
    ["bob", () => `/api/submissions/${ids.alice}`, 404, "a classmate's submission (JSON)"],
    ["bob", () => `/courses/${DEMO_COURSE_SLUG}/grading`, 404, "a staff page as a student"],
    ["bob", () => `/courses/${DEMO_COURSE_SLUG}/labs/${ids.draft}`, 404, "a draft lab as a student"],
    ["bob", () => `/courses/other-course`, 404, "a course one is not in"],
    ["bob", () => `/submissions/does-not-exist`, 404, "a submission that does not exist (the same answer)"],
    ["ta", () => `/submissions/${ids.alice}`, 200, "staff on their own course's submission"],
    ["ta", () => `/courses/${DEMO_COURSE_SLUG}/labs/${ids.draft}`, 200, "staff on their own course's draft lab"],
    ["ta", () => `/submissions/${ids.dana}`, 404, "staff on another course's submission"],
    ["alice", () => `/submissions/${ids.alice}`, 200, "one's own submission"],
    ["bob", () => `/courses/${DEMO_COURSE_SLUG}/grades.csv`, 404, "the grade export as a student"],
    ["olga", () => `/courses/${DEMO_COURSE_SLUG}/grades.csv`, 404, "another course's grade export"],
    ["bob", () => `/courses/${DEMO_COURSE_SLUG}/roster`, 404, "the roster as a student"],
    ["olga", () => `/courses/${DEMO_COURSE_SLUG}/roster`, 404, "another course's roster"],
    ["ta", () => `/courses/${DEMO_COURSE_SLUG}/roster`, 200, "the roster as the course's TA (read only)"],
    ["bob", () => `/courses/${DEMO_COURSE_SLUG}/labs/new`, 404, "the new-lab form as a student"],
    ["ta", () => `/courses/${DEMO_COURSE_SLUG}/labs/new`, 404, "the new-lab form as a TA (instructors create labs)"],
    ["olga", () => `/courses/${DEMO_COURSE_SLUG}/labs/new`, 404, "another course's new-lab form"],
    ["bob", () => `/courses/${DEMO_COURSE_SLUG}/labs/echo/edit`, 404, "a lab's edit form as a student"],
    ["olga", () => `/courses/${DEMO_COURSE_SLUG}/labs/echo/edit`, 404, "another course's lab edit form"],
    ["bob", () => `/courses/${DEMO_COURSE_SLUG}/labs/echo/suite`, 404, "a lab's test suite as a student"],
    ["olga", () => `/courses/${DEMO_COURSE_SLUG}/labs/echo/suite`, 404, "another course's test suite"],
    ["ta", () => `/courses/${DEMO_COURSE_SLUG}/labs/echo/suite`, 200, "the test suite as the course's TA (read only)"],
    ["dana", () => `/courses/${DEMO_COURSE_SLUG}/labs/echo/leaderboard`, 404, "another course's leaderboard"],
    ["bob", () => `/courses/${DEMO_COURSE_SLUG}/labs/${ids.draft}/leaderboard`, 404, "a draft lab's leaderboard as a student"],
    ["bob", () => `/courses/${DEMO_COURSE_SLUG}/labs/echo/leaderboard`, 200, "one's own course's leaderboard"],
    ["bob", () => `/invite/not-a-real-secret`, 404, "an invitation that does not exist"],
    ["bob", () => `/password/not-a-real-secret`, 404, "a password link that does not exist"],
  ];
  for (const [who, path, expected, why] of cases) {
    it(`${who}: ${why} → ${expected}`, async () => {
      expect(await status(who, path())).toBe(expected);
    });
  }

  it("asks visitors to sign in, and answers 401 on JSON", async () => {
    expect(await status(null, `/api/submissions/${ids.alice}`)).toBe(401);
    const page = await fetch(`${server.url}/courses/${DEMO_COURSE_SLUG}`, { redirect: "manual" });
    expect([303, 307]).toContain(page.status);
    expect(page.headers.get("location")).toMatch(/\/signin\?next=%2Fcourses%2Fdemo-ds$/);
  });
});

describe("grade export", () => {
  it("gives a course's staff every student's best score per lab, and nothing of other courses", async () => {
    const response = await fetch(`${server.url}/courses/${DEMO_COURSE_SLUG}/grades.csv`, { headers: { cookie: cookies.ta! } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="demo-ds-grades-\d{4}-\d\d-\d\d\.csv"$/);
    const lines = (await response.text()).trim().split("\n");
    const header = lines[0]!.split(",");
    expect(header[0]).toBe("email");
    expect(header).toContain("echo");
    expect(header).toContain(ids.draft);
    expect(header.at(-1)).toBe("total");
    const alice = lines.find((l) => l.startsWith("alice@"))!.split(",");
    expect(alice[header.indexOf("echo")]).toBe("1");
    expect(alice.at(-1)).toBe("1");
    const bob = lines.find((l) => l.startsWith("bob@"))!.split(",");
    expect(bob[header.indexOf("echo")]).toBe("");
    expect(lines.some((l) => l.includes("dana@"))).toBe(false);
    expect(lines.some((l) => l.startsWith("ta@"))).toBe(false); // staff are not graded
    expect(await status(null, `/courses/${DEMO_COURSE_SLUG}/grades.csv`)).toBe(401);
  });
});

describe("across tenants, through the forms' domain functions", () => {
  it("refuses to submit into another course's lab or a draft lab", async () => {
    const upload = Buffer.from("not even an archive");
    await expect(createSubmission({ db, queue }, actors.dana!, { courseSlug: DEMO_COURSE_SLUG, labSlug: "echo", upload })).rejects.toBeInstanceOf(NotFoundError);
    await expect(createSubmission({ db, queue }, actors.bob!, { courseSlug: DEMO_COURSE_SLUG, labSlug: ids.draft!, upload })).rejects.toBeInstanceOf(NotFoundError);
  });

  it("refuses to cancel someone else's submission", async () => {
    await expect(cancelSubmission(db, actors.bob!, ids.alice!)).rejects.toBeInstanceOf(NotFoundError);
    await expect(cancelSubmission(db, actors.olga!, ids.alice!)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("lets only a course's own staff regrade it and follow the regrade", async () => {
    const input = { courseSlug: DEMO_COURSE_SLUG, labSlug: "echo", scope: { kind: "latest-per-student" as const } };
    await expect(startRegrade({ db, queue }, actors.bob!, input)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(startRegrade({ db, queue }, actors.olga!, input)).rejects.toBeInstanceOf(NotFoundError);
    await expect(startRegrade({ db, queue }, actors.ta!, { ...input, scope: { kind: "one", submissionId: ids.dana! } })).rejects.toBeInstanceOf(NotFoundError);
    const started = await startRegrade({ db, queue }, actors.ta!, input);
    expect(started.total).toBe(1);
    await expect(regradeProgress(db, actors.olga!, started.batchId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(regradeProgress(db, actors.ta!, started.batchId)).resolves.toMatchObject({ total: 1 });
    // The student cannot dodge the regrade by cancelling it; staff can cancel it.
    await expect(cancelSubmission(db, actors.alice!, ids.alice!)).rejects.toBeInstanceOf(ForbiddenError);
    await cancelSubmission(db, actors.ta!, ids.alice!);
    await expect(regradeProgress(db, actors.ta!, started.batchId)).resolves.toMatchObject({ cancelled: 1, done: 1 });
  });

  it("lets nobody outside the course, and no student or TA inside it, shape the course", async () => {
    const lab = { courseSlug: DEMO_COURSE_SLUG, labSlug: "echo" };
    const alice = actors.alice!.userId;
    const attempts: Array<[name: string, run: (who: Actor) => Promise<unknown>]> = [
      ["save a suite version", (who) => saveSuiteVersion(db, who, { ...lab, source: "tests:\n  - name: x\n    workload: echo\n" })],
      ["publish a suite version", (who) => publishSuiteVersion(db, who, { ...lab, version: 1 })],
      ["dry-run a suite", (who) => startDryRun({ db, queue }, who, { ...lab, version: 1 })],
      ["upload a reference solution", (who) => uploadReferenceSolution(db, who, { ...lab, name: "evil", expectPass: true, upload: Buffer.from("x") })],
      ["import a roster", (who) => importRoster(db, who, { courseSlug: DEMO_COURSE_SLUG, csv: "email\nmallory@evil.test\n" })],
      ["change a role", (who) => setMemberRole(db, who, { courseSlug: DEMO_COURSE_SLUG, userId: alice, role: "TA" })],
      ["make an invitation", (who) => createInvitation(db, who, DEMO_COURSE_SLUG, { role: "INSTRUCTOR", email: null, maxUses: 1, expiresInDays: 1 })],
      ["make a password link", (who) => createPasswordLink(db, who, { courseSlug: DEMO_COURSE_SLUG, userId: alice })],
    ];
    for (const [name, run] of attempts) {
      await expect(run(actors.olga!), `olga: ${name}`).rejects.toBeInstanceOf(NotFoundError);
      await expect(run(actors.bob!), `bob: ${name}`).rejects.toBeInstanceOf(ForbiddenError);
      await expect(run(actors.ta!), `ta: ${name}`).rejects.toBeInstanceOf(ForbiddenError);
    }
    expect(await db.user.count({ where: { email: "mallory@evil.test" } })).toBe(0);
    expect(await db.suiteVersion.count({ where: { lab: { slug: "echo", course: { slug: DEMO_COURSE_SLUG } } } })).toBe(1);
    expect(await db.invitation.count()).toBe(0);
  });
});
