// Staff's everyday tools in a real browser against the built app, a real
// runner and Docker (issue 21, items 8, 9a, 9, 10, 12), walked as staff would:
// - the new-lab form refused twice (a due date before the opening, then a
//   taken short name): each problem at its field, dates written readably,
//   everything typed kept; the lab made in native mode, the form saying what
//   a native program is told;
// - a suite version never dry-run: publishing asks first (the versions table,
//   question and all, inside its card at a desktop's and a phone's width),
//   then says the lab is still a draft; a TA reads the suite without being
//   offered "Edit";
// - a student submits a small native program (its own TCP server) through
//   the lab page and it is graded; their pseudonym refused (taken) at its
//   field, the rule stated, what they typed kept;
// - staff list the lab's submissions by student and status, browse the
//   submission's code and download it (both audited), regrade it; an
//   extension refused at its fields; the overview's students × labs grid.
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packDirectory } from "../../lib/archive.js";
import { DEMO_COURSE_SLUG, DEMO_PASSWORD } from "../../lib/seed/demo-course.js";
import { launchBrowser, signInWithForm } from "../support/browser.js";
import { createGradingStack, REDIS_URL, type GradingStack } from "../support/grading-stack.js";
import { until } from "../support/until.js";
import { startWebServer, type WebServer } from "../support/web-server.js";

const SCREENSHOTS = path.resolve("test-results/screenshots");
const ROOT = path.resolve(import.meta.dirname, "../..");
const C = DEMO_COURSE_SLUG;
const LAB = "native-echo";
/** "1 Dec 2026, 17:00 UTC", as the domain writes moments in its messages. */
const READABLE = String.raw`\d{1,2} \w{3} \d{4}, \d\d:\d\d UTC`;
let stack: GradingStack | undefined;
let server: WebServer | undefined;
let browser: Browser | undefined;
let instructor: { context: BrowserContext; page: Page } | undefined;
let submissionId = "";
let uploaded: Buffer;

async function signedIn(email: string, viewport = { width: 1280, height: 1000 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser!.newContext({ baseURL: server!.url, viewport });
  const page = await context.newPage();
  await signInWithForm(page, email, DEMO_PASSWORD);
  await page.waitForURL((url) => url.pathname === "/");
  return { context, page };
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
const utcMinutes = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString().slice(0, 16);
const DAY_MS = 24 * 3600_000;

/** The field's problem, and that the field is marked invalid and described by it. */
async function problemAt(page: Page, inputId: string): Promise<string> {
  // The server's answer first: the problem appears under the field.
  await page.locator(`#${inputId}-problem`).waitFor();
  const input = page.locator(`#${inputId}`);
  await expect(input.getAttribute("aria-invalid")).resolves.toBe("true");
  await expect(input.getAttribute("aria-describedby")).resolves.toContain(`${inputId}-problem`);
  return (await page.locator(`#${inputId}-problem`).textContent()) ?? "";
}

/** How many px the element's box reaches out of its card's content box, on either side (0: it fits). */
async function overhang(page: Page, testId: string): Promise<number> {
  return page.getByTestId(testId).evaluate((element) => {
    const card = element.closest(".card");
    if (!card) throw new Error("not in a card");
    const box = card.getBoundingClientRect();
    const style = getComputedStyle(card);
    const left = box.left + parseFloat(style.paddingLeft);
    const right = box.right - parseFloat(style.paddingRight);
    const own = element.getBoundingClientRect();
    return Math.max(0, Math.ceil(own.right - right), Math.ceil(left - own.left));
  });
}

beforeAll(async () => {
  stack = await createGradingStack("e2e-staff-tools");
  await stack.startRunner("e2e-staff-tools-runner");
  server = await startWebServer({ env: { DATABASE_URL: stack.database.url, REDIS_URL, LABGRADE_QUEUE_PREFIX: stack.prefix, AUTH_SECRET: randomBytes(32).toString("hex") } });
  browser = await launchBrowser();
  await mkdir(SCREENSHOTS, { recursive: true });
  instructor = await signedIn("instructor@demo.labgrade.test");
  uploaded = await packDirectory(path.join(ROOT, "tests/fixtures/native-echo"));
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  await stack?.close();
});

describe("staff tools", () => {
  it("refuses the new-lab form at its fields, keeping what was typed, then makes a native-mode lab", async () => {
    const { page } = instructor!;
    await page.goto(`/courses/${C}/labs/new`);
    await page.getByLabel("Short name").fill("echo");
    await page.getByLabel("Title", { exact: true }).fill("Native echo");
    await page.getByLabel("Workload", { exact: true }).selectOption("echo");
    await page.getByLabel("Toolchain", { exact: true }).selectOption("python");
    await page.getByLabel("Protocol", { exact: true }).selectOption("NATIVE");
    await page.getByLabel("Run command (empty: the toolchain's)").fill("python3 /work/src/node.py");
    await page.getByLabel("Opens (UTC, optional)").fill(utcMinutes(10 * DAY_MS));
    await page.getByLabel("Due (UTC, optional)").fill(utcMinutes(5 * DAY_MS));
    // What a native program is told, in the form.
    const told = (await page.getByTestId("native-told").textContent()) ?? "";
    for (const name of ["LABGRADE_NODE_ID", "LABGRADE_PEERS", "LABGRADE_PORT", "LABGRADE_CLIENT_PORT", "7001"]) expect(told).toContain(name);
    await page.getByRole("button", { name: "Create lab" }).click();

    await expect(problemAt(page, "lab-due")).resolves.toMatch(new RegExp(`^The due date \\(${READABLE}\\) must be after the opening date \\(${READABLE}\\)$`));
    await expect(page.getByTestId("lab-form").locator(".form-error").textContent()).resolves.toBe("The lab was not created: one problem, shown at its field.");
    await expect(page.getByLabel("Title", { exact: true }).inputValue()).resolves.toBe("Native echo");
    await expect(page.getByLabel("Protocol", { exact: true }).inputValue()).resolves.toBe("NATIVE");
    await expect(page.getByLabel("Toolchain", { exact: true }).inputValue()).resolves.toBe("python");
    await expect(page.getByLabel("Run command (empty: the toolchain's)").inputValue()).resolves.toBe("python3 /work/src/node.py");
    await expect(page.getByLabel("Short name").inputValue()).resolves.toBe("echo");
    await page.getByTestId("native-told").locator("summary").click();
    await shot(page, "staff-lab-form-refused");

    // No dates; the short name is the demo's echo lab's: refused by the server, at its field.
    await page.getByLabel("Opens (UTC, optional)").fill("");
    await page.getByLabel("Due (UTC, optional)").fill("");
    await page.getByRole("button", { name: "Create lab" }).click();
    await expect(problemAt(page, "lab-slug")).resolves.toBe('This course already has a lab called "echo"; choose another short name');
    await expect(page.locator("#lab-due").getAttribute("aria-invalid")).resolves.toBeNull();
    await expect(page.getByLabel("Title", { exact: true }).inputValue()).resolves.toBe("Native echo");

    await page.getByLabel("Short name").fill(LAB);
    await page.getByRole("button", { name: "Create lab" }).click();
    await page.waitForURL(`**/courses/${C}/labs/${LAB}/suite`);
    const lab = await stack!.db.lab.findFirstOrThrow({ where: { slug: LAB } });
    expect(lab).toMatchObject({ protocol: "NATIVE", runCommand: "python3 /work/src/node.py", buildImage: "labgrade/python:latest", published: false });
  });

  it("asks before publishing a suite never dry-run, and says the lab is still a draft; a TA is not offered Edit", async () => {
    const { page } = instructor!;
    await expect(page.getByTestId("lab-hidden").textContent()).resolves.toContain("This lab is still a draft");
    await page.getByLabel("Suite (YAML or JSON)").fill("tests:\n  - name: echo\n    workload: echo\n    nodes: 3\n    durationSeconds: 2\n    rate: 10\n");
    await page.getByRole("button", { name: "Save as a new version" }).click();
    await page.getByRole("status").filter({ hasText: "Saved as version 1" }).waitFor();
    await page.reload();
    await page.getByRole("button", { name: "Publish version 1" }).click();
    const confirm = page.getByTestId("publish-confirm");
    await expect(confirm.textContent()).resolves.toContain("Version 1 was never dry-run against the reference solutions");
    expect(await stack!.db.suiteVersion.count({ where: { lab: { slug: LAB }, publishedAt: { not: null } } })).toBe(0);
    await shot(page, "staff-publish-confirm");
    // The versions table, question and all, fits its card in the side column, and at a phone's width.
    expect(await overhang(page, "suite-versions")).toBe(0);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await overhang(page, "suite-versions")).toBe(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, "staff-publish-confirm-phone");
    await page.setViewportSize({ width: 1280, height: 1000 });
    await confirm.getByRole("button", { name: "Publish version 1 without a dry run" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Version 1 is published" }).textContent()).resolves.toContain("but the lab is still a draft: students do not see it");
    expect(await stack!.db.suiteVersion.count({ where: { lab: { slug: LAB }, publishedAt: { not: null } } })).toBe(1);

    await page.goto(`/courses/${C}/labs/${LAB}/edit`);
    await page.getByLabel("Published (students see it)").check();
    await page.getByRole("button", { name: "Save lab" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();

    const ta = await signedIn("ta@demo.labgrade.test");
    try {
      await ta.page.goto(`/courses/${C}/labs/${LAB}/suite`);
      await expect(ta.page.getByRole("heading", { level: 2, name: "Source (read-only: instructors edit it)" }).isVisible()).resolves.toBe(true);
      await expect(ta.page.getByRole("heading", { level: 2, name: "Edit", exact: true }).count()).resolves.toBe(0);
      await expect(ta.page.getByRole("button", { name: "Save as a new version" }).count()).resolves.toBe(0);
      await ta.page.goto(`/courses/${C}/labs/${LAB}`);
      await expect(ta.page.getByRole("link", { name: "Edit lab" }).count()).resolves.toBe(0);
      await shot(ta.page, "ta-suite-read-only");
    } finally {
      await ta.context.close();
    }
  });

  it("grades a native program a student submits through the lab page; a taken pseudonym is refused at its field", async () => {
    const student = await signedIn("alice@demo.labgrade.test");
    try {
      const { page } = student;
      await page.goto(`/courses/${C}/labs/${LAB}`);
      await expect(page.getByTestId("lab-native").textContent()).resolves.toContain("LABGRADE_CLIENT_PORT");
      await page.setInputFiles("input[type=file]", { name: "native-echo.tar.gz", mimeType: "application/gzip", buffer: uploaded });
      await page.getByRole("button", { name: "Submit for grading" }).click();
      await page.waitForURL((url) => url.pathname.startsWith("/submissions/"));
      submissionId = new URL(page.url()).pathname.split("/").pop()!;
      expect(await stack!.waitForFinalStatus(submissionId, 180_000)).toBe("GRADED");
      const graded = await stack!.db.submission.findUniqueOrThrow({ where: { id: submissionId } });
      expect({ score: graded.score, maxScore: graded.maxScore }).toEqual({ score: 1, maxScore: 1 });
      await page.reload();
      await expect(page.getByTestId("score").textContent()).resolves.toMatch(/^1 \/ 1/);
      // The student's page offers no staff tools.
      await expect(page.getByTestId("staff-tools").count()).resolves.toBe(0);

      const bob = await stack!.db.membership.findFirstOrThrow({ where: { user: { email: "bob@demo.labgrade.test" }, course: { slug: C } } });
      await page.goto(`/courses/${C}/labs/${LAB}/leaderboard`);
      await expect(page.locator("#pseudonym-rule").textContent()).resolves.toContain("3 to 40 letters, digits and dashes, starting with a letter");
      await page.getByLabel("Your pseudonym (what other students see)").fill(bob.pseudonym!);
      await page.getByRole("button", { name: "Change pseudonym" }).click();
      await expect(problemAt(page, "pseudonym")).resolves.toBe(`"${bob.pseudonym}" is taken in this course; choose another`);
      await expect(page.locator("#pseudonym").getAttribute("aria-describedby")).resolves.toContain("pseudonym-rule");
      await expect(page.getByLabel("Your pseudonym (what other students see)").inputValue()).resolves.toBe(bob.pseudonym);
      await shot(page, "student-pseudonym-refused");
    } finally {
      await student.context.close();
    }
  });

  it("lists the lab's submissions by student and status, shows the code (audited) and regrades this one", async () => {
    const { page } = instructor!;
    await page.goto(`/courses/${C}/labs/${LAB}`);
    await page.getByRole("link", { name: "Students' submissions" }).click();
    await page.waitForURL(`**/courses/${C}/labs/${LAB}/submissions`);
    const filters = page.getByTestId("submission-filters");
    await filters.getByLabel("Student's email").fill("alice@demo.labgrade.test");
    await filters.getByLabel("Status").selectOption("GRADED");
    await filters.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL((url) => url.searchParams.get("status") === "GRADED");
    await expect(page.getByTestId("lab-submissions").locator("tbody tr").count()).resolves.toBe(1);
    await expect(page.getByTestId("lab-submissions").textContent()).resolves.toContain("alice@demo.labgrade.test");
    await shot(page, "staff-lab-submissions");
    await page.goto(`/courses/${C}/labs/${LAB}/submissions?student=bob%40demo.labgrade.test`);
    await expect(page.getByText("No submission matches.").isVisible()).resolves.toBe(true);
    await page.goto(`/courses/${C}/labs/${LAB}/submissions?student=alice%40demo.labgrade.test&status=GRADED`);
    await page.getByTestId("lab-submissions").locator("tbody a").first().click();
    await page.waitForURL(`**/submissions/${submissionId}`);

    const tools = page.getByTestId("staff-tools");
    await tools.getByRole("link", { name: "Browse the code" }).click();
    await page.waitForURL(`**/submissions/${submissionId}/code`);
    await expect(page.getByTestId("code-files").textContent()).resolves.toContain("node.py");
    await page.getByTestId("code-files").getByRole("link", { name: "node.py" }).click();
    await page.waitForURL((url) => url.searchParams.get("file") === "node.py");
    await expect(page.getByTestId("code-file").textContent()).resolves.toContain('os.environ["LABGRADE_CLIENT_PORT"]');
    await shot(page, "staff-submission-code");
    const download = await page.request.get(`/submissions/${submissionId}/archive`);
    expect(download.status()).toBe(200);
    expect(download.headers()["content-disposition"]).toContain(`native-echo-alice-${submissionId}.tar.gz`);
    expect(Buffer.from(await download.body()).equals(uploaded)).toBe(true);
    const audited = await stack!.db.auditLog.findMany({ where: { targetId: submissionId, action: { startsWith: "submission.code_" } }, orderBy: { createdAt: "asc" } });
    expect(audited.map((a) => [a.action, (a.details as { file?: string | null }).file ?? null])).toEqual([
      ["submission.code_view", null],
      ["submission.code_view", "node.py"],
      ["submission.code_download", null],
    ]);

    await page.goto(`/submissions/${submissionId}`);
    await tools.getByRole("button", { name: "Regrade this submission" }).click();
    await page.getByRole("status").filter({ hasText: "Queued for a regrade against suite version 1." }).waitFor();
    await until("the regrade", async () => (await stack!.db.gradingJob.count({ where: { submissionId, kind: "REGRADE", status: "SUCCEEDED" } })) === 1, 180_000);
    expect((await stack!.db.submission.findUniqueOrThrow({ where: { id: submissionId } })).status).toBe("GRADED");
    await page.reload();
    await shot(page, "staff-submission-tools");
  });

  it("refuses an extension at its fields with the dates written out, keeping what was typed", async () => {
    const { page } = instructor!;
    await page.goto(`/courses/${C}/labs/${LAB}`);
    const form = page.getByTestId("extension-form");
    const due = utcMinutes(3 * DAY_MS);
    await form.getByLabel("Student's email").fill("nobody@demo.labgrade.test");
    await form.getByLabel("New due date (UTC)").fill(due);
    await form.getByLabel("Reason (optional)").fill("ill for a week");
    await form.getByRole("button", { name: "Grant extension" }).click();
    await expect(problemAt(page, "extension-email")).resolves.toBe("No student with the email nobody@demo.labgrade.test is in this course");
    await expect(form.getByLabel("New due date (UTC)").inputValue()).resolves.toBe(due);
    await expect(form.getByLabel("Reason (optional)").inputValue()).resolves.toBe("ill for a week");

    await form.getByLabel("Student's email").fill("bob@demo.labgrade.test");
    await form.getByLabel("New due date (UTC)").fill(utcMinutes(-DAY_MS));
    await form.getByRole("button", { name: "Grant extension" }).click();
    await expect(problemAt(page, "extension-due")).resolves.toMatch(new RegExp(`^The new due date \\(${READABLE}\\) must be in the future$`));
    await expect(form.getByLabel("Student's email").inputValue()).resolves.toBe("bob@demo.labgrade.test");
    await shot(page, "staff-extension-refused");
    expect(await stack!.db.extension.count({ where: { lab: { slug: LAB } } })).toBe(0);
  });

  it("opens the course overview on a students × labs grid, no submission marked at once", async () => {
    const { page } = instructor!;
    await page.goto(`/courses/${C}/overview`);
    const grid = page.getByTestId("student-grid");
    const headers = await grid.locator("thead th").allTextContents();
    const column = headers.indexOf("Native echo");
    expect(column).toBeGreaterThan(0);
    const cell = (email: string) => grid.locator(`tr[data-student="${email}"] > *`).nth(column);
    await expect(cell("alice@demo.labgrade.test").textContent()).resolves.toBe("1 / 1");
    await expect(cell("bob@demo.labgrade.test").textContent()).resolves.toBe("no submission");
    await expect(cell("carol@demo.labgrade.test").getAttribute("data-state")).resolves.toBe("none");
    // The grid comes before every lab's own section.
    const order = await page.locator("[data-testid=student-grid], section[data-testid^=overview-]").evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-testid")));
    expect(order[0]).toBe("student-grid");
    await shot(page, "staff-overview-grid");
  });
});
