// Cancelling a grading, as users do it: a student on their submission's page
// ("Cancel grading", in a real browser) and with `labgrade cancel ID`; staff
// cancel any of the course's through the API. No runner is started, so the
// submissions wait in the queue until cancelled. Screenshots go to
// test-results/screenshots.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDateTime } from "../../app/format.js";
import { formatLocalDateTime } from "../../app/local-time.js";
import { createApiToken } from "../../lib/api/tokens.js";
import { DEMO_PASSWORD } from "../../lib/seed/demo-course.js";
import { launchBrowser, signInWithForm } from "../support/browser.js";
import { runLabgrade } from "../support/cli.js";
import { createGradingStack, REDIS_URL, type GradingStack } from "../support/grading-stack.js";
import { assertNextBuildExists, startWebServer, type WebServer } from "../support/web-server.js";

const SCREENSHOTS = path.resolve("test-results/screenshots");
const ALICE = "alice@demo.labgrade.test";
const BOB = "bob@demo.labgrade.test";
let stack: GradingStack | undefined;
let server: WebServer | undefined;
let browser: Browser | undefined;
let home: string;

const labgrade = (args: string[], config: string) => runLabgrade(args, { config, timeoutMs: 60_000 });

async function tokenFor(email: string) {
  const user = await stack!.db.user.findUniqueOrThrow({ where: { email } });
  return (await createApiToken(stack!.db, { userId: user.id, isPlatformAdmin: false }, { name: "cancel test", scope: "SUBMIT", expiresInDays: 1 })).token;
}

/** Logs `email` in with a token of its own config directory; returns the directory. */
async function loggedIn(email: string): Promise<string> {
  const config = path.join(home, email.split("@")[0]!);
  const login = await labgrade(["login", "--server", server!.url, "--token", await tokenFor(email)], config);
  expect(login, login.stderr).toMatchObject({ code: 0 });
  return config;
}

describe("cancelling a grading", () => {
  beforeAll(async () => {
    assertNextBuildExists();
    stack = await createGradingStack("e2e-cancel");
    server = await startWebServer({ env: { DATABASE_URL: stack.database.url, REDIS_URL, LABGRADE_QUEUE_PREFIX: stack.prefix, AUTH_SECRET: randomBytes(32).toString("hex") } });
    browser = await launchBrowser();
    home = await mkdtemp(path.join(os.tmpdir(), "labgrade-cancel-"));
    await mkdir(SCREENSHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    await stack?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it("from the submission's page: the button cancels the queued grading and goes away", async () => {
    const { id } = await stack!.submitReference(ALICE, "echo", "correct");
    // A reader in India: times in their zone (UTC+05:30), UTC on hover.
    const context = await browser!.newContext({ baseURL: server!.url, viewport: { width: 1280, height: 900 }, timezoneId: "Asia/Kolkata" });
    const page = await context.newPage();
    try {
      await signInWithForm(page, ALICE, DEMO_PASSWORD);
      await page.waitForURL((url) => url.pathname === "/");
      await page.goto(`/submissions/${id}`);
      await expect(page.locator("h1 [data-status]").getAttribute("data-status")).resolves.toBe("QUEUED");
      const createdAt = (await stack!.db.submission.findUniqueOrThrow({ where: { id } })).createdAt;
      const submitted = page.getByTestId("submitted-at").locator("time[data-local]");
      await submitted.waitFor();
      await expect(submitted.textContent()).resolves.toBe(formatLocalDateTime(createdAt, "Asia/Kolkata"));
      expect(formatLocalDateTime(createdAt, "Asia/Kolkata")).toMatch(/GMT\+5:30|IST/);
      await expect(submitted.getAttribute("title")).resolves.toBe(formatDateTime(createdAt));
      await page.getByRole("button", { name: "Cancel grading" }).click();
      await page.locator('h1 [data-status="CANCELLED"]').waitFor({ timeout: 15_000 });
      await expect(page.getByTestId("status-detail").textContent()).resolves.toBe("cancelled before it started");
      await expect(page.getByRole("button", { name: "Cancel grading" }).count()).resolves.toBe(0);
      await page.screenshot({ path: path.join(SCREENSHOTS, "cancelled-submission.png"), fullPage: true });
      const stored = await stack!.db.submission.findUniqueOrThrow({ where: { id }, include: { jobs: true } });
      expect(stored.status).toBe("CANCELLED");
      expect(stored.jobs.map((j) => j.status)).toEqual(["CANCELLED"]);
    } finally {
      await context.close();
    }
  });

  it("with labgrade cancel ID: cancelled once, then refused as finished; someone else's is not found", async () => {
    const { id } = await stack!.submitReference(ALICE, "echo", "correct");
    const alice = await loggedIn(ALICE);
    const cancelled = await labgrade(["cancel", id], alice);
    expect(cancelled, cancelled.stderr).toMatchObject({ code: 0, stdout: "CANCELLED: cancelled before it started\n" });
    const again = await labgrade(["cancel", id], alice);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("already cancelled");
    const bob = await loggedIn(BOB);
    const other = await labgrade(["cancel", id], bob);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/not found/i);
    expect((await labgrade(["cancel"], alice)).code).toBe(64);
  });

  it("staff cancel a student's grading through the API; a student cannot cancel another's", async () => {
    const { id } = await stack!.submitReference(BOB, "echo", "correct");
    const call = async (email: string) =>
      fetch(`${server!.url}/api/v1/submissions/${id}/cancel`, { method: "POST", headers: { authorization: `Bearer ${await tokenFor(email)}` } });
    const refused = await call(ALICE);
    expect(refused.status).toBe(404);
    const staff = await call("ta@demo.labgrade.test");
    expect(staff.status).toBe(202);
    expect(await staff.json()).toEqual({ id, status: "CANCELLED", statusDetail: "cancelled before it started" });
  });
});
