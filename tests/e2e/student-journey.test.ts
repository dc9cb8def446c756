// A student's journey through the built web app in a real browser: sign in,
// open the course and the echo lab, upload the reference solution, and watch
// the submission page reach GRADED with a PASS on its own (a real runner
// grades it on Docker meanwhile), and find herself on the lab's leaderboard
// under her pseudonym. Then: a wrong password gets the generic
// error, five lock the account out, and another student gets a 404 for that
// submission, on the page and on its JSON route.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packDirectory } from "../../lib/archive.js";
import { BUILTIN_LABS } from "../../lib/labs/builtin.js";
import { DEMO_COURSE_SLUG, DEMO_PASSWORD } from "../../lib/seed/demo-course.js";
import { FINAL_STATUSES } from "../../lib/submissions/final-status.js";
import { launchBrowser, signInWithForm } from "../support/browser.js";
import { createGradingStack, REDIS_URL, type GradingStack } from "../support/grading-stack.js";
import { assertNextBuildExists, startWebServer, type WebServer } from "../support/web-server.js";

const SCREENSHOTS = path.resolve("test-results/screenshots");
const ALICE = "alice@demo.labgrade.test";
const BOB = "bob@demo.labgrade.test";
const CAROL = "carol@demo.labgrade.test";
const GRADING_TIMEOUT_MS = 150_000;

let stack: GradingStack | undefined;
let server: WebServer | undefined;
let browser: Browser | undefined;
let workDir: string | undefined;
/** Alice's graded submission, opened by Bob in the last test. */
let aliceSubmissionId: string | undefined;
/** Content-Security-Policy violations reported in any page's console. */
const cspViolations: string[] = [];

async function newStudentPage(): Promise<{ context: BrowserContext; page: Page }> {
  if (!browser || !server) throw new Error("setup failed");
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to (load|execute|apply)/i.test(message.text())) cspViolations.push(`${page.url()}: ${message.text()}`);
  });
  return { context, page };
}

const signIn = signInWithForm;

describe("student journey in the browser", () => {
  beforeAll(async () => {
    assertNextBuildExists();
    stack = await createGradingStack("e2e-journey");
    await stack.startRunner();
    server = await startWebServer({
      env: {
        DATABASE_URL: stack.database.url,
        REDIS_URL,
        LABGRADE_QUEUE_PREFIX: stack.prefix,
        AUTH_SECRET: randomBytes(32).toString("hex"),
      },
    });
    browser = await launchBrowser();
    workDir = await mkdtemp(path.join(os.tmpdir(), "labgrade-e2e-"));
    await mkdir(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    // The server's own log, for when a step above failed.
    if (server) await writeFile(path.resolve("test-results/web-server.log"), server.output()).catch(() => undefined);
    await stack?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it("a student submits the echo lab's reference solution and watches it pass", async () => {
    const { context, page } = await newStudentPage();
    try {
      const home = await page.goto("/");
      expect(new URL(page.url()).pathname).toBe("/signin");
      expect(home?.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
      await page.screenshot({ path: path.join(SCREENSHOTS, "signin.png"), fullPage: true });

      await signIn(page, ALICE, DEMO_PASSWORD);
      await page.waitForURL((url) => url.pathname === "/");
      await expect(page.getByRole("button", { name: "Sign out" }).isVisible()).resolves.toBe(true);
      await page.getByRole("link", { name: "Distributed Systems (demo)" }).click();
      await page.waitForURL((url) => url.pathname === `/courses/${DEMO_COURSE_SLUG}`);
      await page.getByRole("link", { name: "Echo" }).click();
      await page.waitForURL((url) => url.pathname === `/courses/${DEMO_COURSE_SLUG}/labs/echo`);
      await expect(page.locator("article.markdown h1").textContent()).resolves.toBe("Challenge 1: Echo");
      await expect(page.getByTestId("submissions-left").textContent()).resolves.toContain("20 of 20 submissions left");
      // Before submitting: the published suite's tests, a row each with its points, and how to submit from a terminal.
      const published = await stack!.db.suiteVersion.findFirstOrThrow({
        where: { lab: { slug: "echo", course: { slug: DEMO_COURSE_SLUG } }, publishedAt: { not: null } },
        orderBy: { version: "desc" },
      });
      const suiteTests = (published.spec as { tests: Array<{ name: string; points: number }> }).tests;
      const rows = page.getByTestId("lab-tests").locator("tbody tr");
      await expect(rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-test")))).resolves.toEqual(suiteTests.map((t) => t.name));
      await expect(rows.first().locator("td.numeric").textContent()).resolves.toBe(String(suiteTests[0]!.points));
      await expect(page.getByTestId("lab-commands").textContent()).resolves.toContain(`labgrade submit ${DEMO_COURSE_SLUG} echo .`);
      await page.screenshot({ path: path.join(SCREENSHOTS, "lab.png"), fullPage: true });

      const correct = BUILTIN_LABS.find((l) => l.slug === "echo")?.references.find((r) => r.name === "correct");
      if (!correct || !workDir) throw new Error("the echo lab has no reference solution named correct");
      const archivePath = path.join(workDir, "echo-correct.tar.gz");
      await writeFile(archivePath, await packDirectory(correct.dir));
      await page.setInputFiles("input[type=file]", archivePath);
      await page.getByRole("button", { name: "Submit for grading" }).click();
      await page.waitForURL((url) => url.pathname.startsWith("/submissions/"));
      aliceSubmissionId = new URL(page.url()).pathname.split("/").pop();

      // A full page load would lose this marker; router.refresh() keeps it.
      await page.evaluate(() => {
        (window as unknown as Record<string, unknown>).labgradeNoReload = true;
      });
      const heading = page.locator("h1 [data-status]");
      await page.locator(FINAL_STATUSES.map((status) => `h1 [data-status="${status}"]`).join(", ")).waitFor({ timeout: GRADING_TIMEOUT_MS });
      const detail = await page.getByTestId("status-detail").textContent();
      expect(await heading.getAttribute("data-status"), `status detail: ${detail}`).toBe("GRADED");
      await expect(page.evaluate(() => (window as unknown as Record<string, unknown>).labgradeNoReload)).resolves.toBe(true);

      const verdicts = await page.locator("[data-testid=results] [data-verdict]").evaluateAll((cells) => cells.map((c) => c.getAttribute("data-verdict")));
      expect(verdicts.length).toBeGreaterThan(0);
      expect(verdicts.every((v) => v === "PASS")).toBe(true);
      await expect(page.getByTestId("score").textContent()).resolves.toMatch(/^1 \/ 1/);
      await page.screenshot({ path: path.join(SCREENSHOTS, "submission-graded.png"), fullPage: true });

      // The lab's leaderboard: her row under her pseudonym, nobody's real name.
      await page.goto(`/courses/${DEMO_COURSE_SLUG}/labs/echo`);
      await page.getByRole("link", { name: "Leaderboard" }).click();
      await page.waitForURL(`**/labs/echo/leaderboard`);
      const mine = page.getByTestId("leaderboard").locator("tr.row-me");
      await expect(mine.textContent()).resolves.toMatch(/^1quiet-raftyou1 \/ 1/);
      const board = (await page.locator("main").textContent()) ?? "";
      for (const real of ["Alice Student", "alice@", "Bob Student", "Carol Student"]) expect(board).not.toContain(real);
      await page.screenshot({ path: path.join(SCREENSHOTS, "leaderboard.png"), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it("a wrong password says so without telling which part was wrong", async () => {
    const { context, page } = await newStudentPage();
    try {
      const formError = page.locator("form [role=alert]");
      await signIn(page, ALICE, "not-the-password");
      await formError.waitFor();
      await expect(formError.textContent()).resolves.toBe("Wrong email or password");
      expect(new URL(page.url()).pathname).toBe("/signin");
      await page.screenshot({ path: path.join(SCREENSHOTS, "signin-wrong-password.png"), fullPage: true });

      await signIn(page, "nobody@demo.labgrade.test", "not-the-password");
      await formError.waitFor();
      await expect(formError.textContent()).resolves.toBe("Wrong email or password");
    } finally {
      await context.close();
    }
  });

  it("five wrong passwords lock the account for 15 minutes, even against the right password", async () => {
    const { context, page } = await newStudentPage();
    try {
      const formError = page.locator("form [role=alert]");
      for (let i = 1; i <= 4; i++) {
        await signIn(page, CAROL, `wrong-${i}`);
        await formError.waitFor();
        await expect(formError.textContent()).resolves.toBe("Wrong email or password");
      }
      await signIn(page, CAROL, "wrong-5");
      await expect(page.locator("form [role=alert]", { hasText: "Too many failed sign-ins" }).textContent()).resolves.toMatch(
        /^Too many failed sign-ins for this account\. Try again in 15 minutes \(at \d\d:\d\d UTC\)\.$/,
      );
      await page.screenshot({ path: path.join(SCREENSHOTS, "signin-locked.png"), fullPage: true });
      await signIn(page, CAROL, DEMO_PASSWORD);
      await expect(page.locator("form [role=alert]", { hasText: "Too many failed sign-ins" }).textContent()).resolves.toMatch(/Try again in 1[45] minutes/);
      expect(new URL(page.url()).pathname).toBe("/signin");
    } finally {
      await context.close();
    }
  });

  it("another student gets a 404 for that submission, on the page and on its JSON route, and can sign out", async () => {
    if (!aliceSubmissionId) throw new Error("the first test did not create a submission");
    const { context, page } = await newStudentPage();
    try {
      await signIn(page, BOB, DEMO_PASSWORD);
      await page.waitForURL((url) => url.pathname === "/");
      const response = await page.goto(`/submissions/${aliceSubmissionId}`);
      await page.screenshot({ path: path.join(SCREENSHOTS, "submission-of-another-student.png"), fullPage: true });
      expect(response?.status()).toBe(404);
      await page.getByRole("heading", { name: "Page not found" }).waitFor({ timeout: 5_000 });
      const api = await page.request.get(`/api/submissions/${aliceSubmissionId}`);
      expect(api.status()).toBe(404);
      const anonymous = await fetch(`${server?.url}/api/submissions/${aliceSubmissionId}`);
      expect(anonymous.status).toBe(401);

      await page.goto("/");
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL((url) => url.pathname === "/signin");
      await page.goto("/");
      expect(new URL(page.url()).pathname).toBe("/signin");
    } finally {
      await context.close();
    }
    expect(cspViolations).toEqual([]);
  });
});
