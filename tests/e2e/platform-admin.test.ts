// A platform admin's journey in a real browser against the built app: from
// the header's Platform link, make a course (a refused form keeps what was
// typed and shows each problem at its field), copy the demo course into a
// new term with its instructor as owner, archive the copy and find it in the
// audit log. The owner then finds the archived course off their list, and its
// pages (the course, roster, new lab, a lab, its edit page and its suite)
// read-only: each says why in the refusal's own words and offers no form that
// could not be saved; the platform pages are "not found" for them and for a
// student. Screenshots of each step.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db.js";
import { DEMO_COURSE_SLUG, DEMO_PASSWORD } from "../../lib/seed/demo-course.js";
import { launchBrowser, signInWithForm } from "../support/browser.js";
import { signInOverHttp, type WebServer } from "../support/web-server.js";
import { createWebStack, type WebStack } from "../support/web-stack.js";

const SCREENSHOTS = path.resolve("test-results/screenshots");
const COPY = "demo-ds-s27";
let stack: WebStack | undefined;
let db: Db;
let server: WebServer | undefined;
let browser: Browser | undefined;

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

async function signedIn(email: string): Promise<Page> {
  const context = await browser!.newContext({ baseURL: server!.url, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signInWithForm(page, email, DEMO_PASSWORD);
  await page.waitForURL((url) => url.pathname === "/");
  return page;
}

/** Something for the platform page to show: a runner that reported in, and a student's grading waiting. */
async function seedPlatform(db: Db): Promise<void> {
  await db.runner.create({ data: { id: "runner-e2e", hostname: "grader-1", capabilities: { concurrency: 2, engineVersion: "27.5.1", shaping: { kind: "userspace", detail: "NFQUEUE" }, images: { "labgrade/go:latest": "sha256:1", "labgrade/python:latest": "sha256:2" } } } });
  const echo = await db.lab.findFirstOrThrow({ where: { course: { slug: DEMO_COURSE_SLUG }, slug: "echo" }, include: { suiteVersions: true } });
  const alice = await db.user.findUniqueOrThrow({ where: { email: "alice@demo.labgrade.test" } });
  const waiting = await db.submission.create({ data: { courseId: echo.courseId, labId: echo.id, userId: alice.id, suiteVersionId: echo.suiteVersions[0]!.id, archiveKey: "archives/e2e", archiveBytes: 1, contentHash: "0".repeat(64) } });
  await db.gradingJob.create({ data: { submissionId: waiting.id, suiteVersionId: echo.suiteVersions[0]!.id } });
}

beforeAll(async () => {
  stack = await createWebStack("e2e-platform", { seed: seedPlatform });
  ({ db, server } = stack);
  browser = await launchBrowser();
  await mkdir(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe("a platform admin", () => {
  it("makes a course, copies one into a new term and archives it; the owner finds it read-only", async () => {
    const admin = await signedIn("admin@demo.labgrade.test");
    await admin.getByRole("link", { name: "Platform" }).click();
    await admin.waitForURL((url) => url.pathname === "/admin");
    await expect.poll(() => admin.getByTestId("platform-courses").getByRole("row").count()).toBe(2);
    expect(await admin.getByTestId("platform-jobs").textContent()).toMatch(/demo-dsechoAlice Studentsubmissionqueued/);
    expect(await admin.getByTestId("platform-runners").textContent()).toMatch(/runner-e2egrader-1alive227\.5\.1our packet scheduler2 present/);
    await shot(admin, "platform-page");

    // A new course: refused first (every problem at its field, nothing typed lost), then made.
    await admin.getByRole("link", { name: "New course" }).click();
    await admin.getByLabel("Short name").fill("Networks 2027");
    await admin.getByLabel("Title").fill("Computer Networks");
    await admin.getByLabel("Owners' emails").fill("instructor@demo.labgrade.test, grace-at-uni");
    await admin.getByRole("button", { name: "Make course" }).click();
    await admin.getByText('"Networks 2027" is not a short name').waitFor();
    await expect.poll(() => admin.getByText('Not email addresses: "grace-at-uni"').count()).toBe(1);
    expect(await admin.getByLabel("Title").inputValue()).toBe("Computer Networks");
    expect(await admin.getByLabel("Owners' emails").inputValue()).toBe("instructor@demo.labgrade.test, grace-at-uni");
    await shot(admin, "platform-new-course-refused");
    await admin.getByLabel("Short name").fill("networks-27");
    await admin.getByLabel("Owners' emails").fill("instructor@demo.labgrade.test, grace@uni.test");
    await admin.getByRole("button", { name: "Make course" }).click();
    await admin.getByRole("status").filter({ hasText: "Made Computer Networks (networks-27)" }).waitFor();
    expect(await admin.getByRole("status").textContent()).toMatch(/instructor@demo\.labgrade\.test is an owner; grace@uni\.test is an owner with a new account/);
    await shot(admin, "platform-new-course-made");

    // A copy of the demo course into a new term: the form starts with its title and owners.
    await admin.goto("/admin");
    await admin.getByRole("link", { name: `Copy Distributed Systems (demo) (${DEMO_COURSE_SLUG}) into a new term` }).click();
    await admin.waitForURL((url) => url.pathname === `/admin/courses/${DEMO_COURSE_SLUG}/copy`);
    expect(await admin.getByLabel("Title").inputValue()).toBe("Distributed Systems (demo)");
    await admin.getByLabel("Short name").fill(COPY);
    await admin.getByLabel("Title").fill("Distributed Systems");
    await admin.getByLabel("Term (optional)").fill("Spring 2027");
    await admin.getByLabel("Owners' emails").fill("instructor@demo.labgrade.test");
    await admin.getByRole("button", { name: "Copy course" }).click();
    const labs = await db.lab.count({ where: { course: { slug: DEMO_COURSE_SLUG } } });
    await admin.getByRole("status").filter({ hasText: `Copied ${DEMO_COURSE_SLUG} into Distributed Systems (${COPY}): ${labs} labs (drafts, without dates)` }).waitFor();
    await shot(admin, "platform-copy-made");
    await admin.getByRole("link", { name: "Open Distributed Systems" }).click();
    await admin.waitForURL((url) => url.pathname === `/courses/${COPY}`);
    await expect.poll(() => admin.getByText("draft", { exact: true }).count()).toBe(labs);

    // The instructor, an owner of the copy, has it on their list before it is archived.
    const owner = await signedIn("instructor@demo.labgrade.test");
    expect(await owner.getByRole("link", { name: "Distributed Systems", exact: true }).count()).toBe(1);

    await admin.goto("/admin");
    await admin.getByRole("button", { name: `Archive Distributed Systems (${COPY})` }).click();
    await admin.getByRole("status").filter({ hasText: "Archived Distributed Systems: read-only and off everyone's course list." }).waitFor();
    await admin.locator(`tr[data-course="${COPY}"] .tag`, { hasText: "archived" }).waitFor();
    await shot(admin, "platform-archived");

    // The audit log, filtered by action through its form.
    await admin.getByRole("link", { name: "Audit log", exact: true }).first().click();
    await admin.waitForURL((url) => url.pathname === "/admin/audit");
    await admin.getByLabel("Action").selectOption("course.archive");
    await admin.getByRole("button", { name: "Filter" }).click();
    await admin.waitForURL((url) => url.searchParams.get("action") === "course.archive");
    expect(await admin.getByTestId("audit-count").textContent()).toMatch(/^1 entry/);
    const row = admin.getByTestId("audit-entries").getByRole("row").nth(1);
    expect(await row.textContent()).toMatch(new RegExp(`${COPY}admin@demo\\.labgrade\\.testcourse\\.archive`));
    await shot(admin, "platform-audit-log");

    // The owner: off their list, and every page of the course read-only.
    await owner.reload();
    expect(await owner.getByRole("link", { name: "Distributed Systems", exact: true }).count()).toBe(0);
    await owner.goto(`/courses/${COPY}`);
    await owner.getByTestId("course-archived").waitFor();
    expect(await owner.getByRole("link", { name: "New lab" }).count()).toBe(0);
    // Each staff page answers (not "not found"), says why in the refusal's words, and has no form to fill in vain.
    const lab = await db.lab.findFirstOrThrow({ where: { course: { slug: COPY } }, orderBy: { slug: "asc" } });
    const pages: Array<[string, string]> = [
      [`/courses/${COPY}/roster`, "Roster"],
      [`/courses/${COPY}/labs/new`, "New lab"],
      [`/courses/${COPY}/labs/${lab.slug}`, lab.title],
      [`/courses/${COPY}/labs/${lab.slug}/edit`, `Edit ${lab.title}`],
      [`/courses/${COPY}/labs/${lab.slug}/suite`, `Test suite: ${lab.title}`],
    ];
    for (const [where, heading] of pages) {
      const answer = await owner.goto(where);
      expect([where, answer?.status()]).toEqual([where, 200]);
      // The page's own heading (a lab's description may hold more).
      expect(await owner.getByRole("heading", { level: 1 }).first().textContent()).toBe(heading);
      expect(await owner.getByTestId("course-read-only").first().textContent()).toBe(
        "Distributed Systems is archived and read-only: nothing can be submitted or changed in it (a platform admin can unarchive it).",
      );
      const forms = await owner.locator("main form").evaluateAll((found) => found.map((f) => f.getAttribute("data-testid") ?? f.outerHTML.slice(0, 80)));
      expect([where, forms]).toEqual([where, []]);
      await shot(owner, `platform-archived${where.slice(`/courses/${COPY}`.length).replaceAll("/", "-")}`);
    }
    expect(await db.membership.count({ where: { course: { slug: COPY } } })).toBe(1);
  });

  it("is the only one who finds the platform pages: a course's owner and a student get not found", async () => {
    const owner = await signInOverHttp(server!.url, "instructor@demo.labgrade.test", DEMO_PASSWORD);
    const student = await signInOverHttp(server!.url, "alice@demo.labgrade.test", DEMO_PASSWORD);
    const admin = await signInOverHttp(server!.url, "admin@demo.labgrade.test", DEMO_PASSWORD);
    const status = async (cookie: string, where: string) => (await fetch(`${server!.url}${where}`, { redirect: "manual", headers: { cookie } })).status;
    for (const where of ["/admin", "/admin/new", `/admin/courses/${DEMO_COURSE_SLUG}/copy`, "/admin/audit", `/admin/audit?course=${COPY}`]) {
      expect([where, await status(owner, where)]).toEqual([where, 404]);
      expect([where, await status(student, where)]).toEqual([where, 404]);
      expect([where, await status(admin, where)]).toEqual([where, 200]);
    }
    expect(await status(admin, "/admin/courses/no-such-course/copy")).toBe(404);
  });
});
