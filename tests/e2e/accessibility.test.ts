// Every main page in a real browser, audited by axe-core, and the pages a
// student or TA reads on a phone, at a phone's width. Two real gradings, each
// built and run on a real cluster, give the pages their data: the echo lab's
// reference (a passing submission, its report's run chart, the leaderboard)
// and the lin-kv lab's broken stale-cache reference (a failing one, whose
// report adds the counterexample's chart, message statistics and faults);
// each page is opened as the user who reads it (signed out for sign-in, Alice
// for the student pages, the instructor for the staff pages). axe's source
// is read from node_modules and evaluated in the page (no network, and the
// page's Content-Security-Policy stays on). A serious or critical violation
// fails the test, each printed with its rule, its help and the elements, and
// so does a box that scrolls sideways a keyboard cannot reach (every one must
// be a TableScroll, at a desktop's width and a phone's).
// At 390 × 844 the submission and grading pages must not scroll sideways
// (the document is no wider than the viewport); screenshots of both go to
// test-results/screenshots.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_COURSE_SLUG, DEMO_PASSWORD } from "../../lib/seed/demo-course.js";
import { launchBrowser, signInWithForm } from "../support/browser.js";
import { createGradingStack, REDIS_URL, type GradingStack } from "../support/grading-stack.js";
import { assertNextBuildExists, startWebServer, type WebServer } from "../support/web-server.js";

const SCREENSHOTS = path.resolve("test-results/screenshots");
const ALICE = "alice@demo.labgrade.test";
const INSTRUCTOR = "instructor@demo.labgrade.test";
const ADMIN = "admin@demo.labgrade.test";
const COURSE = `/courses/${DEMO_COURSE_SLUG}`;
const PHONE = { width: 390, height: 844 };
/** Two Go builds and short runs (lin-kv's 10 s with its recovery), one after the other on one runner slot. */
const GRADING_TIMEOUT_MS = 300_000;

let stack: GradingStack | undefined;
let server: WebServer | undefined;
let browser: Browser | undefined;
let axeSource = "";
let submissionId = "";
let resultId = "";
let failingId = "";
let failingResultId = "";

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

async function signedIn(email: string | null, viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
  if (!browser || !server) throw new Error("setup failed");
  const context = await browser.newContext({ baseURL: server.url, viewport });
  const page = await context.newPage();
  if (email) {
    await signInWithForm(page, email, DEMO_PASSWORD);
    await page.waitForURL((url) => url.pathname === "/");
  }
  return { context, page };
}

/** axe's serious and critical violations on the page as it stands, in words a reader can act on. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    // label-content-name-mismatch is off by default (experimental); a button named otherwise than it reads cannot be pressed by voice.
    return (await axe.run(document, { resultTypes: ["violations"], rules: { "label-content-name-mismatch": { enabled: true } } })).violations;
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${page.url()}: ${v.impact} ${v.id}: ${v.help} (${v.helpUrl})\n${v.nodes.map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary ?? ""}`.replace(/\n/g, " ")).join("\n")}`);
}

/**
 * Boxes that scroll sideways which are not a TableScroll (app/table-scroll.tsx):
 * each must be a named region in the tab order, so a keyboard reaches it
 * whenever it overflows (axe flags only the ones overflowing at this width).
 */
async function unreachableScrollBoxes(page: Page): Promise<string[]> {
  const boxes = await page.locator(".table-scroll").evaluateAll((elements) =>
    elements.filter((e) => e.getAttribute("tabindex") !== "0" || e.getAttribute("role") !== "region" || !e.getAttribute("aria-label")).map((e) => e.outerHTML.slice(0, 120)),
  );
  return boxes.map((box) => `${page.url()}: a scrolling box a keyboard cannot reach, or without a name: ${box}`);
}

/** Opens each path as `email` (null: signed out) and collects axe's serious and critical violations. */
async function audit(email: string | null, paths: string[], ready: Record<string, (page: Page) => Promise<void>> = {}, viewport?: { width: number; height: number }): Promise<string[]> {
  const { context, page } = await signedIn(email, viewport);
  const found: string[] = [];
  try {
    for (const p of paths) {
      const response = await page.goto(p);
      expect(response?.status(), p).toBe(200);
      await ready[p]?.(page);
      found.push(...(await seriousViolations(page)), ...(await unreachableScrollBoxes(page)));
    }
  } finally {
    await context.close();
  }
  if (found.length > 0) console.log(`axe found ${found.length} serious or critical violations:\n${found.join("\n")}`);
  return found;
}

describe("accessibility and phone widths", () => {
  beforeAll(async () => {
    assertNextBuildExists();
    axeSource = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
    stack = await createGradingStack("e2e-a11y");
    await stack.startRunner();
    server = await startWebServer({
      env: { DATABASE_URL: stack.database.url, REDIS_URL, LABGRADE_QUEUE_PREFIX: stack.prefix, AUTH_SECRET: randomBytes(32).toString("hex") },
    });
    browser = await launchBrowser();
    await mkdir(SCREENSHOTS, { recursive: true });
    const graded = async (lab: string, reference: string) => {
      const { id } = await stack!.submitReference(ALICE, lab, reference);
      const status = await stack!.waitForFinalStatus(id, GRADING_TIMEOUT_MS);
      const submission = await stack!.db.submission.findUniqueOrThrow({ where: { id } });
      expect(status, `${lab}/${reference}: ${submission.statusDetail}`).toBe("GRADED");
      const result = await stack!.db.testResult.findFirstOrThrow({ where: { attempt: { job: { submissionId: id } } }, orderBy: { createdAt: "asc" } });
      return [id, result.id] as const;
    };
    [[submissionId, resultId], [failingId, failingResultId]] = await Promise.all([graded("echo", "correct"), graded("lin-kv", "stale-cache")]);
    expect((await stack.db.testResult.findUniqueOrThrow({ where: { id: failingResultId } })).verdict).toBe("FAIL");
  }, GRADING_TIMEOUT_MS + 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (server) await writeFile(path.resolve("test-results/web-server-a11y.log"), server.output()).catch(() => undefined);
    await stack?.close();
  });

  it("the sign-in page has no serious or critical violations", async () => {
    expect(await audit(null, ["/signin"])).toEqual([]);
  });

  it("a student's pages have no serious or critical violations, charts drawn", async () => {
    const report = `/submissions/${submissionId}/results/${resultId}`;
    const failingReport = `/submissions/${failingId}/results/${failingResultId}`;
    const charted = async (page: Page) => {
      await page.locator("[data-testid=run-chart][data-state=rendered]").waitFor({ timeout: 20_000 });
    };
    const paths = ["/", COURSE, `${COURSE}/labs/echo`, `/submissions/${submissionId}`, report, `/submissions/${failingId}`, failingReport, `${COURSE}/labs/echo/leaderboard`, "/account"];
    const found = await audit(ALICE, paths, {
      [report]: charted,
      [failingReport]: async (page) => {
        await charted(page);
        await page.locator("[data-testid=counterexample-chart][data-state=rendered]").waitFor({ timeout: 20_000 });
      },
    });
    expect(found).toEqual([]);
  }, 120_000);

  it("the staff pages have no serious or critical violations", async () => {
    const found = await audit(INSTRUCTOR, [
      `${COURSE}/roster`,
      `${COURSE}/grading`,
      `${COURSE}/labs/echo`,
      `${COURSE}/labs/echo/suite`,
      `${COURSE}/labs/echo/edit`,
      `${COURSE}/labs/new`,
      `${COURSE}/labs/echo/submissions`,
      `${COURSE}/overview`,
      `/submissions/${failingId}`,
      `/submissions/${failingId}/code`,
    ]);
    expect(found).toEqual([]);
  }, 120_000);

  it("the platform pages have no serious or critical violations", async () => {
    const found = await audit(ADMIN, ["/admin", "/admin/new", `/admin/courses/${DEMO_COURSE_SLUG}/copy`, "/admin/audit"]);
    expect(found).toEqual([]);
  }, 120_000);

  it("at a phone's width, what scrolls inside a card on the report, roster, overview and suite pages is reachable by keyboard", async () => {
    const report = `/submissions/${failingId}/results/${failingResultId}`;
    const students = await audit(ALICE, [report, `${COURSE}/labs/echo/leaderboard`], { [report]: async (page) => void (await page.locator("[data-testid=run-chart][data-state=rendered]").waitFor({ timeout: 20_000 })) }, PHONE);
    const staff = await audit(INSTRUCTOR, [`${COURSE}/roster`, `${COURSE}/overview`, `${COURSE}/labs/echo/suite`, `${COURSE}/labs/echo/submissions`], {}, PHONE);
    expect([...students, ...staff]).toEqual([]);
  }, 120_000);

  it("a skip link leads past the header to the page's content, and the run chart's data is a table a keyboard reaches", async () => {
    const { context, page } = await signedIn(ALICE);
    try {
      await page.goto(`/submissions/${submissionId}/results/${resultId}`);
      await page.keyboard.press("Tab");
      const skip = page.getByRole("link", { name: "Skip to content" });
      await expect(skip.evaluate((element) => element === document.activeElement)).resolves.toBe(true);
      await expect(skip.isVisible()).resolves.toBe(true);
      await page.screenshot({ path: path.join(SCREENSHOTS, "skip-link.png") });
      await page.keyboard.press("Enter");
      await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe("content");

      // The chart's table: its summary takes focus from the keyboard and opens on Enter, holding a row per operation.
      const chart = page.locator("[data-testid=run-chart][data-state=rendered]");
      await chart.waitFor({ timeout: 20_000 });
      const summary = page.locator("[data-testid=run-chart-table] summary");
      await summary.focus();
      await page.keyboard.press("Enter");
      const rows = page.locator("[data-testid=run-chart-table] tbody tr");
      await rows.first().waitFor();
      expect(await rows.count()).toBe(Number(await chart.getAttribute("data-points")));
      await page.getByTestId("run-chart-table").screenshot({ path: path.join(SCREENSHOTS, "run-chart-table.png") });
    } finally {
      await context.close();
    }
  }, 60_000);

  for (const [name, email, target] of [
    ["submission", ALICE, () => `/submissions/${failingId}`],
    ["grading", INSTRUCTOR, () => `${COURSE}/grading`],
  ] as const) {
    it(`the ${name} page fits a 390 px phone without sideways scrolling`, async () => {
      const { context, page } = await signedIn(email, PHONE);
      try {
        await page.goto(target());
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        await page.screenshot({ path: path.join(SCREENSHOTS, `phone-${name}.png`), fullPage: true });
        expect(scrollWidth, `${name} page is ${scrollWidth} px wide`).toBeLessThanOrEqual(PHONE.width);
        // What scrolls inside a card at this width must be reachable by keyboard, among the rest.
        const found = await seriousViolations(page);
        if (found.length > 0) console.log(`axe at ${PHONE.width} px:\n${found.join("\n")}`);
        expect(found).toEqual([]);
        // No label cut off: every label, button, badge and term shows all of its text.
        const clipped = await page.locator("label, button, .badge, .tag, dt, th, summary").evaluateAll((elements) =>
          elements.filter((e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflow !== "visible").map((e) => e.outerHTML.slice(0, 120)),
        );
        expect(clipped).toEqual([]);
        if (name === "submission") {
          // Verdict, reason and points of the run on the screen, not behind a sideways scroll.
          for (const selector of ["[data-testid=results] [data-verdict]", "[data-testid=results] td.reason", "[data-testid=results] td[data-label=Points]", "[data-testid=score]"]) {
            const box = await page.locator(selector).first().boundingBox();
            expect(box, selector).not.toBeNull();
            expect(box!.x, selector).toBeGreaterThanOrEqual(0);
            expect(box!.x + box!.width, selector).toBeLessThanOrEqual(PHONE.width);
          }
          await expect(page.locator("[data-testid=results] td[data-label=Points]").first().textContent()).resolves.toMatch(/\d/);
        }
      } finally {
        await context.close();
      }
    }, 60_000);
  }
});
