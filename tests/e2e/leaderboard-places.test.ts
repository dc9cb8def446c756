// A board longer than its first places, in a browser: the student sees the
// first BOARD_PLACES rows and her own far below them after a marked gap, and
// can ask for every place and back.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db.js";
import { BOARD_PLACES } from "../../lib/leaderboards.js";
import { DEMO_COURSE_SLUG, DEMO_PASSWORD } from "../../lib/seed/demo-course.js";
import { launchBrowser, signInWithForm } from "../support/browser.js";
import { createWebStack, type WebStack } from "../support/web-stack.js";

const SCREENSHOTS = path.resolve("test-results/screenshots");
const OTHERS = 30;
let stack: WebStack;
let browser: Browser;
let page: Page;

/** OTHERS more students, each with a full-score echo submission; Alice with half a score, last on the board. */
async function crowd(db: Db): Promise<void> {
  const course = await db.course.findUniqueOrThrow({ where: { slug: DEMO_COURSE_SLUG } });
  const lab = await db.lab.findFirstOrThrow({ where: { courseId: course.id, slug: "echo" } });
  const suite = await db.suiteVersion.findFirstOrThrow({ where: { labId: lab.id } });
  const others = Array.from({ length: OTHERS }, (_, i) => ({ id: randomUUID(), email: `crowd-${i}@demo.labgrade.test` }));
  await db.user.createMany({ data: others });
  await db.membership.createMany({ data: others.map((u) => ({ courseId: course.id, userId: u.id, role: "STUDENT" as const })) });
  const alice = await db.user.findUniqueOrThrow({ where: { email: "alice@demo.labgrade.test" } });
  await db.submission.createMany({
    data: [...others, alice].map((u, i) => ({
      courseId: course.id,
      labId: lab.id,
      userId: u.id,
      suiteVersionId: suite.id,
      archiveKey: `archives/crowd-${i}`,
      archiveBytes: 1,
      contentHash: randomBytes(32).toString("hex"),
      status: "GRADED" as const,
      score: u.id === alice.id ? 0.5 : 1,
      maxScore: 1,
      finalScore: u.id === alice.id ? 0.5 : 1,
      createdAt: new Date(Date.now() - (OTHERS + 1 - i) * 60_000),
    })),
  });
}

beforeAll(async () => {
  stack = await createWebStack("leaderboard-places", { seed: crowd });
  browser = await launchBrowser();
  page = await (await browser.newContext({ baseURL: stack.server.url, viewport: { width: 1280, height: 900 } })).newPage();
  await signInWithForm(page, "alice@demo.labgrade.test", DEMO_PASSWORD);
  await page.waitForURL((url) => url.pathname === "/");
  await mkdir(SCREENSHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe("a board longer than its first places", () => {
  it("shows the first places, a gap, then the reader's own row; all of them on request", async () => {
    const board = `/courses/${DEMO_COURSE_SLUG}/labs/echo/leaderboard`;
    await page.goto(board);
    const rows = page.getByTestId("leaderboard").locator("tbody tr");
    await expect(rows.count()).resolves.toBe(BOARD_PLACES + 2);
    await expect(rows.nth(BOARD_PLACES).textContent()).resolves.toContain("places left out");
    const mine = page.getByTestId("leaderboard").locator("tr.row-me");
    await expect(mine.locator("td").first().textContent()).resolves.toBe(String(OTHERS + 1));
    await expect(page.getByTestId("board-extent").textContent()).resolves.toContain(`The first ${BOARD_PLACES} of ${OTHERS + 1} places and yours`);
    await page.screenshot({ path: path.join(SCREENSHOTS, "leaderboard-first-places.png"), fullPage: true });

    await page.getByRole("link", { name: `Show all ${OTHERS + 1}` }).click();
    await page.waitForURL((url) => url.search === "?all");
    await expect(rows.count()).resolves.toBe(OTHERS + 1);
    await expect(page.getByTestId("leaderboard").locator(".board-gap").count()).resolves.toBe(0);

    await page.getByRole("link", { name: `Show the first ${BOARD_PLACES} and yours` }).click();
    await page.waitForURL((url) => url.pathname === board && url.search === "");
    await expect(rows.count()).resolves.toBe(BOARD_PLACES + 2);
  });
});
