// The message diagram of a broadcast report in a real browser, from a real
// grading: the broadcast lab's no-retry reference (each value gossiped once,
// never again) on a real cluster under the suite's partition. The report must
// say why values were lost in terms of the partition, draw the lost messages
// as lost, each crossing the partition's cut (its two ends on different sides
// of the band), highlight the broadcasts of the lost values, agree with the
// downloaded journal, and filter by type and zoom to the partition.
// Screenshots go to test-results/screenshots.
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILTIN_LABS } from "../../lib/labs/builtin.js";
import { CUT_APPLY_MS, journalMessages, parseJournal } from "../../lib/reports/message-journal.js";
import { faultBands } from "../../lib/reports/plot-data.js";
import { DEMO_PASSWORD } from "../../lib/seed/demo-course.js";
import { launchBrowser, signInWithForm } from "../support/browser.js";
import { createGradingStack, REDIS_URL, type GradingStack } from "../support/grading-stack.js";
import { assertNextBuildExists, startWebServer, type WebServer } from "../support/web-server.js";

const SCREENSHOTS = path.resolve("test-results/screenshots");
const ALICE = "alice@demo.labgrade.test";
const GRADING_TIMEOUT_MS = 300_000;

let stack: GradingStack | undefined;
let server: WebServer | undefined;
let browser: Browser | undefined;

describe("the message diagram of a broadcast report", () => {
  beforeAll(async () => {
    assertNextBuildExists();
    stack = await createGradingStack("e2e-diagram");
    // The broadcast lab's default suite is Fly.io's five runs (minutes, the first without faults): its short suite, one partitioned run.
    await stack.publishSuite("broadcast", BUILTIN_LABS.find((l) => l.slug === "broadcast")!.shortSuiteSource!);
    await stack.startRunner();
    server = await startWebServer({
      env: { DATABASE_URL: stack.database.url, REDIS_URL, LABGRADE_QUEUE_PREFIX: stack.prefix, AUTH_SECRET: randomBytes(32).toString("hex") },
    });
    browser = await launchBrowser();
    await mkdir(SCREENSHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (server) await writeFile(path.resolve("test-results/web-server-diagram.log"), server.output()).catch(() => undefined);
    await stack?.close();
  });

  it("shows the lost messages crossing the partition, says why, and filters and zooms", async () => {
    const { id } = await stack!.submitReference(ALICE, "broadcast", "no-retry");
    expect(await stack!.waitForFinalStatus(id, GRADING_TIMEOUT_MS)).toBe("GRADED");
    const result = await stack!.db.testResult.findFirstOrThrow({ where: { attempt: { job: { submissionId: id } } }, orderBy: { createdAt: "asc" } });
    const context = await browser!.newContext({ baseURL: server!.url, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    try {
      await signInWithForm(page, ALICE, DEMO_PASSWORD);
      await page.waitForURL((url) => url.pathname === "/");
      await page.goto(`/submissions/${id}/results/${result.id}`);
      const diagram = page.getByTestId("message-diagram");
      await diagram.waitFor();

      // The journal, downloaded as a student would, read with the same code: the page's claims must follow from it.
      const href = await page.locator('.downloads a[download="messages.jsonl"]').getAttribute("href");
      const response = await page.request.get(href!);
      expect(response.status()).toBe(200);
      const journal = parseJournal(await response.text());
      const faults = (result.metrics as unknown as { faults: Parameters<typeof faultBands>[0] }).faults;
      const healAll = faults.find((f) => f.kind === "heal-all");
      const bands = faultBands(faults, healAll!.atMs);
      const partition = bands.findIndex((b) => b.kind === "partition");
      expect(partition).toBeGreaterThanOrEqual(0);
      const lost = journalMessages(journal, bands).filter((m) => m.status === "lost");
      expect(lost.length).toBeGreaterThan(0);
      expect(journal.focus?.what).toBe("the broadcasts of the lost values");

      // Why, in terms of the fault.
      const reason = (await page.getByTestId("lost-reasons").locator("li").first().textContent())!;
      expect(reason).toMatch(/lost messages? \(gossip\) (was|were) sent during the \w+ partition \(\d+(\.\d)?–\d+(\.\d)? s\) across its cut and never reached n/);
      const attributed = lost.filter((m) => m.cause === partition).length;
      expect(reason).toContain(`${attributed} lost message`);

      // Drawn as lost, every one of them, and each crosses the cut: its ends are on different sides of the band.
      const sides = (await diagram.locator('[data-testid=diagram-band][data-kind=partition]').first().getAttribute("data-sides"))!.split(" | ").map((s) => s.split(" "));
      expect(sides.length).toBeGreaterThanOrEqual(2);
      const sideOf = (node: string) => sides.findIndex((s) => s.includes(node));
      const lostArrows = await diagram.locator("[data-testid=diagram-arrow][data-status=lost]").evaluateAll((els) => els.map((e) => [e.getAttribute("data-src")!, e.getAttribute("data-dest")!]));
      expect(lostArrows).toHaveLength(lost.length);
      const band = bands[partition]!;
      const crossing = lost.filter((m) => m.cause === partition);
      // (From CUT_APPLY_MS before the band's stamp: the cut's rules go in node by node before it is stamped.)
      const outside = crossing.filter((m) => !(m.sentMs >= band.startMs - CUT_APPLY_MS && m.sentMs <= band.endMs && sideOf(m.src) !== sideOf(m.dest)));
      expect(outside, JSON.stringify({ band: [band.startMs, band.endMs], sides, outside: outside.slice(0, 5) })).toEqual([]);
      expect(lostArrows.filter(([src, dest]) => sideOf(src!) !== sideOf(dest!)).length).toBeGreaterThanOrEqual(crossing.length);
      await expect(page.getByTestId("lost-messages").locator("tbody tr").count()).resolves.toBe(Math.min(100, lost.length));
      // The broadcasts of the lost values are highlighted.
      expect(await diagram.locator("[data-testid=diagram-arrow][data-focus=true]").count()).toBeGreaterThan(0);
      await diagram.screenshot({ path: path.join(SCREENSHOTS, "report-message-diagram.png") });

      // Zoom to the partition, gossip only: every arrow drawn is gossip, inside the window, and the lost ones are all there.
      await page.getByRole("link", { name: /^Zoom to .* partition/ }).first().click();
      await page.waitForURL(/from=/);
      await page.getByLabel("Message types (none chosen: all)").selectOption(["gossip"]);
      await page.getByRole("button", { name: "Show" }).click();
      await page.waitForURL(/type=gossip/);
      const types = await diagram.locator("[data-testid=diagram-arrow]").evaluateAll((els) => els.map((e) => e.getAttribute("data-type")));
      expect(types.length).toBeGreaterThan(0);
      expect(new Set(types)).toEqual(new Set(["gossip"]));
      expect(await diagram.locator("[data-testid=diagram-arrow][data-status=lost]").count()).toBeGreaterThanOrEqual(crossing.length);
      await diagram.screenshot({ path: path.join(SCREENSHOTS, "report-message-diagram-zoomed.png") });

      // A name this run does not have is an error, said at the form.
      await page.goto(`/submissions/${id}/results/${result.id}?node=n99`);
      await expect(page.getByTestId("diagram-problems").textContent()).resolves.toContain('no lane "n99" in this run');
    } finally {
      await context.close();
    }
  }, GRADING_TIMEOUT_MS + 60_000);
});
