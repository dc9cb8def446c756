// The staff half of the REST API against the built app, as a course's staff
// would script it: list a lab's submissions (filters, pages), read the grade
// table as JSON and CSV, start a regrade and follow it, and manage suite
// versions (save from YAML with problems by line, publish, dry-run). Students
// are refused, READ tokens cannot change anything, TAs cannot edit suites,
// and another course's instructor reaches none of it.
import path from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../lib/api/tokens.js";
import type { Db } from "../../lib/db.js";
import { packReferenceSolution } from "../../lib/labs/pack-reference.js";
import { DEMO_COURSE_SLUG } from "../../lib/seed/demo-course.js";
import type { WebServer } from "../support/web-server.js";
import { createWebStack, type WebStack } from "../support/web-stack.js";
import { createCourse } from "../support/factories.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const LAB = `/api/v1/courses/${DEMO_COURSE_SLUG}/labs/echo`;
let stack: WebStack;
let db: Db;
let server: WebServer;
let archive: Buffer;

interface Answer {
  status: number;
  type: string;
  body: Record<string, unknown> & { error?: { code: string; message: string; problems?: Array<{ line: number | null; message: string }> } };
  text: string;
}

async function call(token: string, method: string, route: string, body?: { type: string; data: string | Buffer }): Promise<Answer> {
  const response = await fetch(`${server.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": body.type } : {}) },
    body: body ? (typeof body.data === "string" ? body.data : new Uint8Array(body.data)) : undefined,
  });
  const type = (response.headers.get("content-type") ?? "").split(";")[0]!;
  const text = await response.text();
  return { status: response.status, type, text, body: type === "application/json" ? JSON.parse(text) : {} };
}
const json = (value: unknown) => ({ type: "application/json", data: JSON.stringify(value) });

const tokens: Record<string, string> = {};
async function tokenFor(email: string, scope: "READ" | "SUBMIT"): Promise<string> {
  const key = `${email}/${scope}`;
  if (!tokens[key]) {
    const user = await db.user.findUniqueOrThrow({ where: { email } });
    tokens[key] = (await createApiToken(db, { userId: user.id, isPlatformAdmin: false }, { name: key, scope, expiresInDays: 1 })).token;
  }
  return tokens[key];
}
const IVAN = "instructor@demo.labgrade.test";
const TARA = "ta@demo.labgrade.test";
const ALICE = "alice@demo.labgrade.test";
const BOB = "bob@demo.labgrade.test";
const OLGA = "olga@other.labgrade.test";

async function submitAs(email: string): Promise<string> {
  const created = await call(await tokenFor(email, "SUBMIT"), "POST", `${LAB}/submissions`, { type: "application/gzip", data: archive });
  expect(created.status, created.text).toBe(201);
  return created.body.id as string;
}

/** As if a runner had graded it. */
const markGraded = (id: string, score: number) =>
  db.submission.update({ where: { id }, data: { status: "GRADED", score, maxScore: 1, finalScore: score, finishedAt: new Date() } });

const submitted: Record<string, string[]> = { alice: [], bob: [] };

beforeAll(async () => {
  // Another course, with its own instructor.
  stack = await createWebStack("staff-api", { seed: (db) => createCourse(db, { slug: "other-course", members: { INSTRUCTOR: { email: OLGA, name: "Olga Other" } } }).then(() => undefined) });
  ({ db, server } = stack);
  archive = await packReferenceSolution(path.join(ROOT, "lib/labs/echo/reference/correct"));
  // No runner: the submissions stay queued until the tests say otherwise.
  submitted.alice!.push(await submitAs(ALICE), await submitAs(ALICE));
  submitted.bob!.push(await submitAs(BOB));
});

afterAll(async () => {
  await stack?.close();
});

describe("the staff REST API", () => {
  it("lists a lab's submissions for its staff, filtered and a page at a time", async () => {
    const ta = await tokenFor(TARA, "READ");
    const all = await call(ta, "GET", `${LAB}/submissions`);
    expect(all.status, all.text).toBe(200);
    const rows = all.body.submissions as Array<{ id: string; student: { email: string }; status: string; url: string }>;
    // Newest first.
    expect(rows.map((r) => r.id)).toEqual([submitted.bob![0], submitted.alice![1], submitted.alice![0]]);
    expect(rows.map((r) => r.student.email)).toEqual([BOB, ALICE, ALICE]);
    expect(all.body.next).toBeNull();
    const one = await call(ta, "GET", rows[0]!.url);
    expect(one.body.id).toBe(submitted.bob![0]);

    const bobs = await call(ta, "GET", `${LAB}/submissions?student=${encodeURIComponent(BOB)}`);
    expect((bobs.body.submissions as Array<{ id: string }>).map((r) => r.id)).toEqual(submitted.bob);

    // Pages of two: every submission once.
    const first = await call(ta, "GET", `${LAB}/submissions?limit=2`);
    expect(first.body.submissions).toHaveLength(2);
    expect(first.body.next).toEqual(expect.any(String));
    const second = await call(ta, "GET", `${LAB}/submissions?limit=2&after=${first.body.next as string}`);
    expect(second.body.next).toBeNull();
    const paged = [...(first.body.submissions as Array<{ id: string }>), ...(second.body.submissions as Array<{ id: string }>)].map((r) => r.id);
    expect(paged).toEqual(rows.map((r) => r.id));

    await markGraded(submitted.alice![0]!, 1);
    const graded = await call(ta, "GET", `${LAB}/submissions?status=GRADED`);
    expect((graded.body.submissions as Array<{ id: string; finalScore: number }>).map((r) => [r.id, r.finalScore])).toEqual([[submitted.alice![0], 1]]);

    // Bad filters: 400 with what to send instead.
    const badLimit = await call(ta, "GET", `${LAB}/submissions?limit=0`);
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.error).toMatchObject({ code: "bad_request", message: expect.stringContaining("limit: at least 1") });
    const badStatus = await call(ta, "GET", `${LAB}/submissions?status=DONE`);
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error!.message).toContain("status: one of QUEUED");

    // A student is refused; another course's instructor finds nothing.
    const student = await call(await tokenFor(ALICE, "READ"), "GET", `${LAB}/submissions`);
    expect(student.status).toBe(403);
    expect(student.body.error!.message).toContain("only the course's staff");
    expect((await call(await tokenFor(OLGA, "READ"), "GET", `${LAB}/submissions`)).status).toBe(404);
  });

  it("gives the grade table as JSON and as CSV, to staff only", async () => {
    await markGraded(submitted.alice![0]!, 1);
    const ivan = await tokenFor(IVAN, "READ");
    const table = await call(ivan, "GET", `/api/v1/courses/${DEMO_COURSE_SLUG}/grades`);
    expect(table.status, table.text).toBe(200);
    const labs = table.body.labs as Array<{ slug: string }>;
    const echo = labs.findIndex((l) => l.slug === "echo");
    expect(echo).toBeGreaterThanOrEqual(0);
    const students = table.body.students as Array<{ email: string; scores: Array<number | null>; total: number }>;
    const alice = students.find((s) => s.email === ALICE)!;
    const bob = students.find((s) => s.email === BOB)!;
    expect(alice.scores[echo]).toBe(1);
    expect(alice.total).toBe(1);
    expect(bob.scores[echo]).toBeNull();

    const csv = await call(ivan, "GET", `/api/v1/courses/${DEMO_COURSE_SLUG}/grades.csv`);
    expect(csv.status).toBe(200);
    expect(csv.type).toBe("text/csv");
    const records = parse(csv.text, { columns: true }) as Array<Record<string, string>>;
    expect(records.map((r) => r.email)).toEqual(students.map((s) => s.email));
    expect(records.find((r) => r.email === ALICE)!.echo).toBe("1");
    expect(records.find((r) => r.email === BOB)!.echo).toBe("");

    for (const route of ["grades", "grades.csv"]) {
      expect((await call(await tokenFor(ALICE, "READ"), "GET", `/api/v1/courses/${DEMO_COURSE_SLUG}/${route}`)).status).toBe(403);
      expect((await call(await tokenFor(OLGA, "READ"), "GET", `/api/v1/courses/${DEMO_COURSE_SLUG}/${route}`)).status).toBe(404);
    }
  });

  it("starts a regrade of each student's latest submission and reports its progress", async () => {
    for (const id of [...submitted.alice!, ...submitted.bob!]) await markGraded(id, 0);
    const refusedRead = await call(await tokenFor(IVAN, "READ"), "POST", `${LAB}/regrades`, json({ scope: "all" }));
    expect(refusedRead.status).toBe(403);
    expect(refusedRead.body.error!.code).toBe("auth.scope");
    expect((await call(await tokenFor(ALICE, "SUBMIT"), "POST", `${LAB}/regrades`, json({ scope: "all" }))).status).toBe(403);
    expect((await call(await tokenFor(OLGA, "SUBMIT"), "POST", `${LAB}/regrades`, json({ scope: "all" }))).status).toBe(404);

    const ivan = await tokenFor(IVAN, "SUBMIT");
    const noBody = await call(ivan, "POST", `${LAB}/regrades`);
    expect(noBody.status).toBe(400);
    expect(noBody.body.error!.message).toContain("send a JSON body");
    const badScope = await call(ivan, "POST", `${LAB}/regrades`, json({ scope: "some" }));
    expect(badScope.status).toBe(400);
    expect(badScope.body.error!.message).toContain("scope");
    expect((await call(ivan, "POST", `${LAB}/regrades`, json({ scope: "one", submission: "no-such-submission" }))).status).toBe(404);

    const started = await call(ivan, "POST", `${LAB}/regrades`, json({ scope: "latest-per-student" }));
    expect(started.status, started.text).toBe(202);
    expect(started.body).toMatchObject({ suiteVersion: 1, total: 2, skipped: 0 });
    const jobs = await db.gradingJob.findMany({ where: { regradeBatchId: started.body.id as string }, select: { submissionId: true, kind: true } });
    expect(jobs.map((j) => j.submissionId).sort()).toEqual([submitted.alice![1], submitted.bob![0]].sort());
    expect(jobs.every((j) => j.kind === "REGRADE")).toBe(true);

    const progress = await call(await tokenFor(TARA, "READ"), "GET", started.body.url as string);
    expect(progress.status, progress.text).toBe(200);
    expect(progress.body).toMatchObject({ id: started.body.id, scope: "latest-per-student", total: 2, queued: 2, running: 0, succeeded: 0, done: 0 });
    // The two are queued again, so a second regrade leaves them alone.
    const again = await call(ivan, "POST", `${LAB}/regrades`, json({ scope: "all" }));
    expect(again.body).toMatchObject({ total: 1, skipped: 2 });
    expect((await call(await tokenFor(OLGA, "READ"), "GET", started.body.url as string)).status).toBe(404);
  });

  it("saves, publishes and dry-runs suite versions for the instructors; TAs read them", async () => {
    const ta = await tokenFor(TARA, "READ");
    const before = await call(ta, "GET", `${LAB}/suite-versions`);
    expect(before.status, before.text).toBe(200);
    const [v1] = before.body.versions as Array<{ version: number; publishedAt: string | null; source: string }>;
    expect(v1).toMatchObject({ version: 1, publishedAt: expect.any(String) });
    const references = before.body.references as Array<{ name: string; expectPass: boolean }>;
    expect(references.map((r) => r.name)).toContain("correct");

    const ivan = await tokenFor(IVAN, "SUBMIT");
    const edited = v1!.source.replace("durationSeconds: 10", "durationSeconds: 11");
    expect(edited).not.toBe(v1!.source);
    const yaml = (source: string) => ({ type: "application/yaml", data: source });
    const saved = await call(ivan, "POST", `${LAB}/suite-versions`, yaml(edited));
    expect(saved.status, saved.text).toBe(201);
    expect(saved.body).toMatchObject({ version: 2, publishedAt: null, source: edited });
    // The same text again: nothing new.
    const same = await call(ivan, "POST", `${LAB}/suite-versions`, json({ source: edited }));
    expect(same.status).toBe(200);
    expect(same.body.version).toBe(2);

    // A mistake in the document: 422, named by line, nothing saved.
    const broken = edited.replace("nodes: 1", "nodes: many");
    const lineOfMistake = broken.split("\n").findIndex((l) => l.includes("nodes: many")) + 1;
    const invalid = await call(ivan, "POST", `${LAB}/suite-versions`, yaml(broken));
    expect(invalid.status).toBe(422);
    expect(invalid.body.error!.code).toBe("suite.invalid");
    expect(invalid.body.error!.problems!.map((p) => p.line)).toContain(lineOfMistake);
    expect(invalid.body.error!.message).toContain(`line ${lineOfMistake}:`);
    // A misspelled key is refused too (it would have saved a test without its faults), with the nearest known key.
    const misspelled = edited.replace("nodes: 1", "nodes: 1\n    fualts: []");
    const lineOfTypo = misspelled.split("\n").findIndex((l) => l.includes("fualts")) + 1;
    const typo = await call(ivan, "POST", `${LAB}/suite-versions`, yaml(misspelled));
    expect(typo.status).toBe(422);
    expect(typo.body.error!.problems).toContainEqual(expect.objectContaining({ line: lineOfTypo, message: "`fualts` is not a setting of an echo test; did you mean `faults`?" }));
    // Over the 1-MB limit of a text body: 400, also unsaved.
    const huge = await call(ivan, "POST", `${LAB}/suite-versions`, yaml(`${edited}\n${"#".repeat(1024 * 1024)}\n`));
    expect(huge.status).toBe(400);
    expect(huge.body.error!.message).toContain("larger than 1 MB");
    expect(await db.suiteVersion.count({ where: { lab: { slug: "echo", course: { slug: DEMO_COURSE_SLUG } } } })).toBe(2);

    // TAs grade; they do not edit. Students and other courses get nothing.
    const taEdit = await call(await tokenFor(TARA, "SUBMIT"), "POST", `${LAB}/suite-versions`, yaml(`${edited}\n# ta\n`));
    expect(taEdit.status).toBe(403);
    expect(taEdit.body.error!.message).toContain("only the course's instructors");
    expect((await call(await tokenFor(ALICE, "READ"), "GET", `${LAB}/suite-versions`)).status).toBe(403);
    expect((await call(await tokenFor(OLGA, "SUBMIT"), "POST", `${LAB}/suite-versions/2/publish`)).status).toBe(404);

    const dryRun = await call(ivan, "POST", `${LAB}/suite-versions/2/dry-runs`);
    expect(dryRun.status, dryRun.text).toBe(202);
    expect(dryRun.body).toEqual({ version: 2, references: references.length });
    const listed = await call(ta, "GET", `${LAB}/suite-versions`);
    const dryRuns = listed.body.dryRuns as Array<{ version: number; reference: string; status: string; asExpected: boolean | null }>;
    expect(dryRuns.map((d) => d.reference).sort()).toEqual(references.map((r) => r.name).sort());
    expect(dryRuns.every((d) => d.version === 2 && d.status === "QUEUED" && d.asExpected === null)).toBe(true);
    // Dry runs are staff work, not a student's submission.
    const lab = await call(ta, "GET", `${LAB}/submissions?limit=100`);
    expect((lab.body.submissions as unknown[]).length).toBe(3);

    expect((await call(ivan, "POST", `${LAB}/suite-versions/9/publish`)).status).toBe(404);
    expect((await call(ivan, "POST", `${LAB}/suite-versions/two/publish`)).status).toBe(404);
    const published = await call(ivan, "POST", `${LAB}/suite-versions/2/publish`);
    expect(published.status, published.text).toBe(200);
    expect(published.body).toMatchObject({ version: 2, publishedAt: expect.any(String) });
    // New submissions are graded against it.
    const fresh = await call(await tokenFor(ALICE, "READ"), "GET", `/api/v1/submissions/${await submitAs(ALICE)}`);
    expect(fresh.body.suiteVersion).toBe(2);

    const audit = await db.auditLog.findMany({ where: { actor: { email: IVAN }, action: { startsWith: "suite." } }, orderBy: { createdAt: "asc" }, select: { action: true } });
    expect(audit.map((a) => a.action)).toEqual(["suite.save", "suite.dry_run", "suite.publish"]);
  });
});
