// A TA in a real browser: the grading page (runners, the course's queue, a
// regrade of each student's latest echo submission started from the form and
// followed to the end, a runner whose Docker engine does not answer), an extension granted from the lab page, and an
// instructor changing their password. A student asking for the grading page
// gets a 404.
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import Docker from "dockerode";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_COURSE_SLUG, DEMO_PASSWORD } from "../../lib/seed/demo-course.js";
import { launchBrowser, signInWithForm } from "../support/browser.js";
import { createGradingStack, REDIS_URL, type GradingStack } from "../support/grading-stack.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { startWebServer, type WebServer } from "../support/web-server.js";
import { readableUtc } from "../../lib/readable-time.js";

const SCREENSHOTS = path.resolve("test-results/screenshots");
let stack: GradingStack | undefined;
let server: WebServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  stack = await createGradingStack("e2e-staff");
  await stack.startRunner("e2e-staff-runner");
  server = await startWebServer({ env: { DATABASE_URL: stack.database.url, REDIS_URL, LABGRADE_QUEUE_PREFIX: stack.prefix, AUTH_SECRET: randomBytes(32).toString("hex") } });
  browser = await launchBrowser();
  await mkdir(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  await stack?.close();
});

describe("staff grading page", () => {
  it("shows the runners and regrades each student's latest submission with live progress", async () => {
    const graded = await stack!.submitReference("alice@demo.labgrade.test", "echo", "correct");
    expect(await stack!.waitForFinalStatus(graded.id)).toBe("GRADED");

    const context = await browser!.newContext({ baseURL: server!.url, viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    try {
      await signInWithForm(page, "ta@demo.labgrade.test", DEMO_PASSWORD);
      await page.waitForURL((url) => url.pathname === "/");
      await page.goto(`/courses/${DEMO_COURSE_SLUG}`);
      await page.getByRole("link", { name: /Grading/ }).click();
      await page.waitForURL(`**/courses/${DEMO_COURSE_SLUG}/grading`);
      await expect(page.getByTestId("runners").textContent()).resolves.toContain("e2e-staff-runner");

      await page.getByLabel("Lab").selectOption("echo");
      await page.getByLabel("Submissions").selectOption("latest-per-student");
      await page.getByRole("button", { name: "Regrade against the current suite" }).click();
      await expect(page.getByRole("status").textContent()).resolves.toBe("Regrading 1 submission of echo against suite version 1.");
      // Progress: reload until the batch is done.
      const deadline = Date.now() + 150_000;
      for (;;) {
        await page.reload();
        const row = await page.getByTestId("regrades").locator("tbody tr").first().textContent();
        if (row?.includes("1 / 1")) break;
        if (Date.now() > deadline) throw new Error(`regrade not done: ${row}`);
        await page.waitForTimeout(1000);
      }
      await page.screenshot({ path: path.join(SCREENSHOTS, "staff-grading.png"), fullPage: true });
      const after = await stack!.db.submission.findUniqueOrThrow({ where: { id: graded.id } });
      expect(after.status).toBe("GRADED");
      expect(await stack!.db.gradingJob.count({ where: { submissionId: graded.id, kind: "REGRADE", status: "SUCCEEDED" } })).toBe(1);
    } finally {
      await context.close();
    }
  });

  it("shows a runner whose engine does not answer as taking no work", async () => {
    // The runner reaches the engine through a proxy the test cuts: an engine that does not answer.
    const proxy = await startTcpProxy({ path: "/var/run/docker.sock" });
    const context = await browser!.newContext({ baseURL: server!.url, viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    try {
      await stack!.startRunner("e2e-engine-down", { docker: new Docker({ host: "127.0.0.1", port: proxy.port }) });
      await proxy.cut();
      const deadline = Date.now() + 30_000;
      while (!(await stack!.db.runner.findUniqueOrThrow({ where: { id: "e2e-engine-down" } })).engineUnreachableSince) {
        if (Date.now() > deadline) throw new Error("the runner never reported its engine as not answering");
        await new Promise((r) => setTimeout(r, 500));
      }
      await signInWithForm(page, "ta@demo.labgrade.test", DEMO_PASSWORD);
      await page.waitForURL((url) => url.pathname === "/");
      await page.goto(`/courses/${DEMO_COURSE_SLUG}/grading`);
      const runners = page.getByTestId("runners");
      await expect(runners.locator("tr", { hasText: "e2e-engine-down" }).textContent()).resolves.toMatch(/engine not answering since .+: taking no work/);
      // The healthy runner beside it reads as before.
      await expect(runners.locator("tr", { hasText: "e2e-staff-runner" }).textContent()).resolves.toContain("alive");
      await page.screenshot({ path: path.join(SCREENSHOTS, "staff-runner-engine-down.png"), fullPage: true });
    } finally {
      await context.close();
      await proxy.close();
    }
  });

  it("grants a student an extension from the lab page", async () => {
    const context = await browser!.newContext({ baseURL: server!.url, viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    try {
      await signInWithForm(page, "ta@demo.labgrade.test", DEMO_PASSWORD);
      await page.waitForURL((url) => url.pathname === "/");
      await page.goto(`/courses/${DEMO_COURSE_SLUG}/labs/echo`);
      const due = new Date(Date.now() + 7 * 24 * 3600_000).toISOString().slice(0, 16);
      await page.getByLabel("Student's email").fill("carol@demo.labgrade.test");
      await page.getByLabel("New due date (UTC)").fill(due);
      await page.getByLabel("Reason (optional)").fill("illness");
      await page.getByRole("button", { name: "Grant extension" }).click();
      await expect(page.getByRole("status").textContent()).resolves.toBe(`carol@demo.labgrade.test is now due ${readableUtc(new Date(`${due}:00Z`))}.`);
      await expect(page.getByTestId("extensions").textContent()).resolves.toContain("carol@demo.labgrade.test");
      await page.screenshot({ path: path.join(SCREENSHOTS, "staff-extension.png"), fullPage: true });
      // A mistyped email is refused in words.
      await page.getByLabel("Student's email").fill("carl@demo.labgrade.test");
      await page.getByLabel("New due date (UTC)").fill(due);
      await page.getByRole("button", { name: "Grant extension" }).click();
      await expect(page.getByRole("alert").filter({ hasText: "No student" }).textContent()).resolves.toBe("No student with the email carl@demo.labgrade.test is in this course");
    } finally {
      await context.close();
    }
  });

  it("an instructor changes their password from the account page and signs in with the new one", async () => {
    const context = await browser!.newContext({ baseURL: server!.url });
    const page = await context.newPage();
    try {
      await signInWithForm(page, "instructor@demo.labgrade.test", DEMO_PASSWORD);
      await page.waitForURL((url) => url.pathname === "/");
      await page.getByRole("link", { name: "Ivan Instructor" }).click();
      await page.waitForURL("**/account");
      await page.getByLabel("Current password").fill("not-my-password");
      await page.getByLabel(/^New password \(at least/).fill("a brand new password");
      await page.getByLabel("New password again").fill("a brand new password");
      await page.getByRole("button", { name: "Change password" }).click();
      await expect(page.getByRole("alert").filter({ hasText: "current password" }).textContent()).resolves.toBe("The current password is wrong");
      await page.getByLabel("Current password").fill(DEMO_PASSWORD);
      await page.getByLabel(/^New password \(at least/).fill("a brand new password");
      await page.getByLabel("New password again").fill("a brand new password");
      await page.getByRole("button", { name: "Change password" }).click();
      await expect(page.getByRole("status").textContent()).resolves.toBe("Your password is changed. Use the new one next time you sign in.");
      await page.screenshot({ path: path.join(SCREENSHOTS, "account-password.png"), fullPage: true });
      await page.getByRole("button", { name: "Sign out", exact: true }).click();
      await page.waitForURL("**/signin");
      await signInWithForm(page, "instructor@demo.labgrade.test", "a brand new password");
      await page.waitForURL((url) => url.pathname === "/");
    } finally {
      await context.close();
    }
  });

  it("is a 404 for a student", async () => {
    const context = await browser!.newContext({ baseURL: server!.url });
    const page = await context.newPage();
    try {
      await signInWithForm(page, "bob@demo.labgrade.test", DEMO_PASSWORD);
      await page.waitForURL((url) => url.pathname === "/");
      const response = await page.goto(`/courses/${DEMO_COURSE_SLUG}/grading`);
      expect(response?.status()).toBe(404);
    } finally {
      await context.close();
    }
  });
});
