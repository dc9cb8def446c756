// An instructor's journey in a real browser against the built app, a real
// runner and Docker: create a lab; write its suite (a mistake shown by line,
// then fixed); upload a reference solution that must pass and one that must
// fail; dry-run the draft and watch both behave as expected; publish the suite
// and the lab; import a roster (a bad file refused by line at its field, what
// was pasted kept, then a good one);
// hand a password link to an imported student, who sets a password and finds
// the lab; make an invitation link, with which a newcomer has a link mailed
// (to a real SMTP server on loopback), creates the account from it and joins;
// grant an extension and regrade; export the grades. Screenshots
// of each staff page.
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packReferenceSolution } from "../../lib/labs/pack-reference.js";
import { DEMO_COURSE_SLUG, DEMO_PASSWORD } from "../../lib/seed/demo-course.js";
import { launchBrowser, signInWithForm } from "../support/browser.js";
import { createGradingStack, REDIS_URL, type GradingStack } from "../support/grading-stack.js";
import { linkIn, startMailServer, type MailServer } from "../support/mail-server.js";
import { startWebServer, type WebServer } from "../support/web-server.js";
import { readableUtc } from "../../lib/readable-time.js";

const SCREENSHOTS = path.resolve("test-results/screenshots");
const ROOT = path.resolve(import.meta.dirname, "../..");
const C = DEMO_COURSE_SLUG;
const LAB = "echo-intro";
let stack: GradingStack | undefined;
let server: WebServer | undefined;
let browser: Browser | undefined;
let mail: MailServer | undefined;
let instructor: { context: BrowserContext; page: Page } | undefined;
/** The imported student's submission to the new lab, regraded later. */
let studentSubmissionId: string | undefined;

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser!.newContext({ baseURL: server!.url, viewport: { width: 1280, height: 1000 } });
  return { context, page: await context.newPage() };
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

/** The link a status message ends with (password and invitation links are shown once, there). */
async function linkInStatus(page: Page, text: RegExp): Promise<string> {
  const status = page.getByRole("status").filter({ hasText: text });
  await status.waitFor();
  const url = /(https?:\/\/\S+)$/.exec((await status.textContent()) ?? "")?.[1];
  if (!url) throw new Error(`no link in: ${await status.textContent()}`);
  return new URL(url).pathname;
}

beforeAll(async () => {
  stack = await createGradingStack("e2e-instructor");
  await stack.startRunner("e2e-instructor-runner");
  mail = await startMailServer();
  server = await startWebServer({ env: { DATABASE_URL: stack.database.url, REDIS_URL, LABGRADE_QUEUE_PREFIX: stack.prefix, AUTH_SECRET: randomBytes(32).toString("hex"), LABGRADE_SMTP_URL: mail.url } });
  browser = await launchBrowser();
  await mkdir(SCREENSHOTS, { recursive: true });
  instructor = await newPage();
  await signInWithForm(instructor.page, "instructor@demo.labgrade.test", DEMO_PASSWORD);
  await instructor.page.waitForURL((url) => url.pathname === "/");
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  await mail?.close();
  await stack?.close();
});

describe("an instructor", () => {
  it("creates a lab, which stays a draft students cannot see", async () => {
    const { page } = instructor!;
    await page.goto(`/courses/${C}`);
    await page.getByRole("link", { name: "New lab" }).click();
    await page.waitForURL(`**/courses/${C}/labs/new`);
    await page.getByLabel("Short name").fill(LAB);
    await page.getByLabel("Title", { exact: true }).fill("Echo, the first lab");
    await page.getByLabel("Description (Markdown)").fill("# Echo\n\nAnswer every `echo` with `echo_ok`.");
    await page.getByLabel("Workload", { exact: true }).selectOption("echo");
    await page.getByLabel("Toolchain", { exact: true }).selectOption("go");
    await page.getByLabel("Due (UTC, optional)").fill(new Date(Date.now() + 14 * 24 * 3600_000).toISOString().slice(0, 16));
    await shot(page, "staff-new-lab");
    await page.getByRole("button", { name: "Create lab" }).click();
    await page.waitForURL(`**/courses/${C}/labs/${LAB}/suite`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Test suite: Echo, the first lab");
    const lab = await stack!.db.lab.findFirstOrThrow({ where: { slug: LAB } });
    expect(lab).toMatchObject({ published: false, workload: "echo", buildImage: "labgrade/go:latest" });

    const student = await newPage();
    try {
      await signInWithForm(student.page, "carol@demo.labgrade.test", DEMO_PASSWORD);
      await student.page.waitForURL((url) => url.pathname === "/");
      const response = await student.page.goto(`/courses/${C}/labs/${LAB}`);
      expect(response?.status()).toBe(404);
      expect((await student.page.goto(`/courses/${C}/labs/${LAB}/suite`))?.status()).toBe(404);
    } finally {
      await student.context.close();
    }
  });

  it("writes the suite, sees a mistake by line, fixes it, and saves version 1", async () => {
    const { page } = instructor!;
    const editor = page.getByLabel("Suite (YAML or JSON)");
    await editor.fill("tests:\n  - name: echo\n    workload: echo\n    nodes: 0\n    durationSeconds: 2\n    fualts: []\n");
    await page.getByRole("button", { name: "Save as a new version" }).click();
    const problems = page.getByTestId("problems");
    await problems.waitFor();
    await expect(problems.textContent()).resolves.toMatch(/line 4.*tests\.0\.nodes: nodes must be at least 1 \(it is 0\)/);
    // A misspelled key is a problem of its own, at its line, with the key meant.
    await expect(problems.textContent()).resolves.toMatch(/line 6.*`fualts` is not a setting of an echo test; did you mean `faults`\?/);
    await shot(page, "staff-suite-error");
    expect(await stack!.db.suiteVersion.count({ where: { lab: { slug: LAB } } })).toBe(0);

    await editor.fill("tests:\n  - name: echo\n    workload: echo\n    nodes: 2\n    durationSeconds: 2\n    rate: 10\n");
    await page.getByRole("button", { name: "Save as a new version" }).click();
    await page.getByRole("status").filter({ hasText: "Saved as version 1" }).waitFor();
    await page.reload();
    await expect(page.getByTestId("suite-versions").textContent()).resolves.toContain("draft");
  });

  it("uploads reference solutions and dry-runs the draft: both behave as expected", async () => {
    const { page } = instructor!;
    for (const [name, expect_] of [
      ["correct", "pass"],
      ["wrong-echo", "fail"],
    ] as const) {
      const archive = await packReferenceSolution(path.join(ROOT, "lib/labs/echo/reference", name));
      const form = page.getByTestId("reference-upload");
      await form.getByLabel("Name", { exact: true }).fill(name);
      await form.getByLabel("Expected result").selectOption(expect_);
      await form.getByLabel("Archive (.tar.gz or .tar)").setInputFiles({ name: `${name}.tar.gz`, mimeType: "application/gzip", buffer: archive });
      await form.getByRole("button", { name: "Upload reference solution" }).click();
      await page.getByRole("status").filter({ hasText: `Reference solution "${name}" stored` }).waitFor();
    }
    await page.reload();
    await page.getByRole("button", { name: "Dry run version 1" }).click();
    await page.getByRole("status").filter({ hasText: "Dry run of version 1 started against 2 reference solutions" }).waitFor();
    const deadline = Date.now() + 240_000;
    for (;;) {
      await page.reload();
      const table = (await page.getByTestId("dry-runs").textContent()) ?? "";
      if (!table.includes("grading")) break;
      if (Date.now() > deadline) throw new Error(`dry run not over: ${table}`);
      await page.waitForTimeout(2000);
    }
    const rows = await page.getByTestId("dry-runs").locator("tbody tr").allTextContents();
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatch(/yes$/);
    await shot(page, "staff-suite-dry-run");
  });

  it("publishes the suite and the lab", async () => {
    const { page } = instructor!;
    await page.getByRole("button", { name: "Publish version 1" }).click();
    await page.getByRole("status").filter({ hasText: "Version 1 is published" }).waitFor();
    await page.reload();
    await expect(page.getByTestId("suite-versions").textContent()).resolves.toContain("current");
    await page.goto(`/courses/${C}/labs/${LAB}/edit`);
    await page.getByLabel("Published (students see it)").check();
    await page.getByRole("button", { name: "Save lab" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    await shot(page, "staff-edit-lab");
    expect((await stack!.db.lab.findFirstOrThrow({ where: { slug: LAB } })).published).toBe(true);
    expect(await stack!.db.auditLog.count({ where: { action: { in: ["lab.create", "suite.save", "reference.upload", "suite.dry_run", "suite.publish", "lab.update"] } } })).toBe(7);
  });

  it("imports a roster (a bad file is refused by line), and an imported student sets a password from a link", async () => {
    const { page } = instructor!;
    await page.goto(`/courses/${C}/roster`);
    const importForm = page.getByTestId("roster-import");
    const refused = "email,name,role\nnew.student@uni.test,New Student,student\nnobody,Nobody,student\n";
    await importForm.getByLabel("… or paste its lines").fill(refused);
    await importForm.getByRole("button", { name: "Import roster" }).click();
    // Refused at its field, by line, with what was pasted kept to be fixed.
    const pasted = importForm.getByLabel("… or paste its lines");
    await importForm.getByRole("alert").filter({ hasText: "Nothing was imported: one problem, shown at its field." }).waitFor();
    expect(await pasted.inputValue()).toBe(refused);
    expect(await pasted.getAttribute("aria-invalid")).toBe("true");
    const atField = page.locator("#roster-csv-problem");
    await expect(atField.textContent()).resolves.toMatch(/^The roster has 1 problem; nothing was importedline 3 "nobody" is not an email address/);
    expect(await pasted.getAttribute("aria-describedby")).toBe("roster-csv-problem");
    await shot(page, "staff-roster-refused");
    expect(await stack!.db.user.count({ where: { email: "new.student@uni.test" } })).toBe(0);
    await importForm.getByLabel("… or paste its lines").fill("email,name,role\nnew.student@uni.test,New Student,student\nnew.ta@uni.test,New TA,ta\n");
    await importForm.getByRole("button", { name: "Import roster" }).click();
    await importForm.getByRole("status").filter({ hasText: "Imported: 2 added (2 new to the site)" }).waitFor();
    await page.reload();
    await expect(page.getByTestId("roster").textContent()).resolves.toContain("new.student@uni.test");
    await page.getByRole("button", { name: "Password link for new.student@uni.test" }).click();
    const link = await linkInStatus(page, /Give new.student@uni.test this link/);
    await shot(page, "staff-roster");

    const student = await newPage();
    try {
      await student.page.goto(link);
      await student.page.getByLabel("Password (at least 10 characters)").fill("my-own-password-1");
      await student.page.getByLabel("The same password again").fill("my-own-password-1");
      await student.page.getByRole("button", { name: "Set password and sign in" }).click();
      await student.page.waitForURL((url) => url.pathname === "/");
      await student.page.goto(`/courses/${C}`);
      await student.page.getByRole("link", { name: "Echo, the first lab" }).click();
      await student.page.waitForURL(`**/labs/${LAB}`);
      await expect(student.page.getByRole("heading", { level: 1, name: "Echo, the first lab" }).count()).resolves.toBe(1);
      // …and submits, for the regrade below.
      const archive = await packReferenceSolution(path.join(ROOT, "lib/labs/echo/reference/correct"));
      await student.page.locator("input[type=file]").setInputFiles({ name: "echo.tar.gz", mimeType: "application/gzip", buffer: archive });
      await student.page.getByRole("button", { name: "Submit for grading" }).click();
      await student.page.waitForURL((url) => url.pathname.startsWith("/submissions/"));
      studentSubmissionId = new URL(student.page.url()).pathname.split("/").pop();
      // The link works once.
      expect((await student.page.goto(link))?.status()).toBe(404);
    } finally {
      await student.context.close();
    }
  });

  it("makes an invitation link with which a newcomer has a link mailed, creates the account from it and joins", async () => {
    const { page } = instructor!;
    const form = page.getByTestId("invitation-form");
    await form.getByLabel("Role", { exact: true }).selectOption("STUDENT");
    await form.getByLabel("Uses (for a link without an email)").fill("30");
    await form.getByRole("button", { name: "Make invitation link" }).click();
    const link = await linkInStatus(page, /Invitation for up to 30 people as student/);

    const newcomer = await newPage();
    try {
      await newcomer.page.goto(link);
      await expect(newcomer.page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Join Distributed Systems (demo)");
      await shot(newcomer.page, "invitation");
      await newcomer.page.getByLabel("Email").fill("walk.in@uni.test");
      await newcomer.page.getByRole("button", { name: "Email me a link to join" }).click();
      await newcomer.page.getByRole("status").filter({ hasText: "We sent a link to walk.in@uni.test" }).waitFor();
      await newcomer.page.goto(linkIn(await mail!.waitFor("walk.in@uni.test")).pathname);
      await newcomer.page.getByLabel("Your name").fill("Walk In");
      await newcomer.page.getByLabel("Password (at least 10 characters)").fill("walk-in-password");
      await newcomer.page.getByLabel("The same password again").fill("walk-in-password");
      await newcomer.page.getByRole("button", { name: "Create account and join" }).click();
      await newcomer.page.waitForURL(`**/courses/${C}`);
      await expect(newcomer.page.getByRole("link", { name: "Echo, the first lab" }).count()).resolves.toBe(1);
    } finally {
      await newcomer.context.close();
    }
    const member = await stack!.db.membership.findFirstOrThrow({ where: { user: { email: "walk.in@uni.test" } } });
    expect(member.role).toBe("STUDENT");
    expect(member.pseudonym).toMatch(/^[a-z]+-[a-z]+/);
  });

  it("grants the new student an extension and regrades the lab's latest submissions", async () => {
    expect(await stack!.waitForFinalStatus(studentSubmissionId!)).toBe("GRADED");
    const { page } = instructor!;
    await page.goto(`/courses/${C}/labs/${LAB}`);
    const due = new Date(Date.now() + 21 * 24 * 3600_000).toISOString().slice(0, 16);
    await page.getByLabel("Student's email").fill("new.student@uni.test");
    await page.getByLabel("New due date (UTC)").fill(due);
    await page.getByRole("button", { name: "Grant extension" }).click();
    // Written out in UTC, e.g. "22 Dec 2026, 16:21 UTC".
    await page.getByRole("status").filter({ hasText: `new.student@uni.test is now due ${readableUtc(new Date(`${due}:00Z`))}.` }).waitFor();
    await page.goto(`/courses/${C}/grading`);
    await page.getByLabel("Lab").selectOption(LAB);
    await page.getByLabel("Submissions").selectOption("latest-per-student");
    await page.getByRole("button", { name: "Regrade against the current suite" }).click();
    await page.getByRole("status").filter({ hasText: `Regrading 1 submission of ${LAB} against suite version 1.` }).waitFor();
    expect(await stack!.db.gradingJob.count({ where: { submissionId: studentSubmissionId!, kind: "REGRADE" } })).toBe(1);
  });

  it("sees the new lab in the course overview: one student graded, the dry runs not counted, the others missing", async () => {
    const { page } = instructor!;
    await page.goto(`/courses/${C}`);
    await page.getByRole("link", { name: "Overview: scores, pass rates, missing work" }).click();
    await page.waitForURL(`**/courses/${C}/overview`);
    const section = page.getByTestId(`overview-${LAB}`);
    await expect(section.locator("p").first().textContent()).resolves.toMatch(/^1 of \d+ students graded/);
    const graded = await section.locator("[data-testid=score-distribution] tbody tr").evaluateAll((rows) => rows.reduce((sum, row) => sum + Number(row.children[1]?.textContent), 0));
    expect(graded).toBe(1);
    // The reference dry runs graded the same test twice: they must not appear among the student's runs.
    const runs = Number(await section.locator("[data-testid=test-figures] td[data-runs]").first().getAttribute("data-runs"));
    const student = await stack!.db.testResult.count({ where: { attempt: { job: { submissionId: studentSubmissionId!, kind: "SUBMISSION" } } } });
    expect(runs).toBe(student);
    await shot(page, "course-overview");
  });

  it("exports grades with a column for the new lab", async () => {
    const response = await instructor!.page.request.get(`/courses/${C}/grades.csv`);
    expect(response.status()).toBe(200);
    const [header, ...rows] = (await response.text()).trim().split("\n");
    expect(header).toContain(LAB);
    expect(rows.some((r) => r.startsWith("walk.in@uni.test,"))).toBe(true);
  });
});
