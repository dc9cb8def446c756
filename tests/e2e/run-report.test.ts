// Test run reports in a real browser, from real gradings: the lin-kv lab's
// broken reference (stale per-node cache) and the broadcast lab's broken one
// (no retries), each run by a real runner on a real cluster under network
// partitions. On each report the run chart must hold one point per operation
// of the downloaded history and one band per partition the runner applied;
// the canvas must show the outcome colours; the lin-kv counterexample must be
// the checker's own minimal one (re-checked here from the downloaded
// history); the broadcast figures must agree with the stored results, and
// its target be shown met with the run's figure. Screenshots go to test-results/screenshots. Another student gets 404s.
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkLinearizable } from "../../lib/checkers/lin-kv.js";
import type { HistoryEvent } from "../../lib/history.js";
import { faultBands } from "../../lib/reports/plot-data.js";
import { BUILTIN_LABS } from "../../lib/labs/builtin.js";
import { DEMO_PASSWORD } from "../../lib/seed/demo-course.js";
import { launchBrowser, signInWithForm } from "../support/browser.js";
import { createGradingStack, REDIS_URL, type GradingStack } from "../support/grading-stack.js";
import { assertNextBuildExists, startWebServer, type WebServer } from "../support/web-server.js";

const SCREENSHOTS = path.resolve("test-results/screenshots");
const ALICE = "alice@demo.labgrade.test";
const BOB = "bob@demo.labgrade.test";
/** Build (Go) plus a 10-s test with its recovery, twice over on one runner slot. */
const GRADING_TIMEOUT_MS = 300_000;

let stack: GradingStack | undefined;
let server: WebServer | undefined;
let browser: Browser | undefined;
const graded = new Map<string, Promise<{ submissionId: string; resultId: string }>>();
const cspViolations: string[] = [];

/** Submits a reference solution as Alice and waits for its grading; the run's result id. */
function gradedReference(lab: string, reference: string) {
  let pending = graded.get(`${lab}/${reference}`);
  if (!pending) {
    pending = (async () => {
      if (!stack) throw new Error("setup failed");
      const { id } = await stack.submitReference(ALICE, lab, reference);
      const status = await stack.waitForFinalStatus(id, GRADING_TIMEOUT_MS);
      const submission = await stack.db.submission.findUniqueOrThrow({ where: { id } });
      expect(status, `${lab}/${reference}: ${submission.statusDetail}`).toBe("GRADED");
      const result = await stack.db.testResult.findFirstOrThrow({ where: { attempt: { job: { submissionId: id } } }, orderBy: { createdAt: "asc" } });
      return { submissionId: id, resultId: result.id };
    })();
    graded.set(`${lab}/${reference}`, pending);
  }
  return pending;
}

async function signedIn(email: string): Promise<{ context: BrowserContext; page: Page }> {
  if (!browser || !server) throw new Error("setup failed");
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to (load|execute|apply)/i.test(message.text())) cspViolations.push(`${page.url()}: ${message.text()}`);
  });
  await signInWithForm(page, email, DEMO_PASSWORD);
  await page.waitForURL((url) => url.pathname === "/");
  return { context, page };
}

/** The report's download of `name`, fetched with the page's session. */
async function downloadJson<T>(page: Page, name: string): Promise<T> {
  const href = await page.locator(`.downloads a[download="${name}"]`).getAttribute("href");
  if (!href) throw new Error(`no download of ${name} on ${page.url()}`);
  const response = await page.request.get(href);
  expect(response.status()).toBe(200);
  return (await response.json()) as T;
}

/** Pixels of the run chart's canvas close to an RGB colour. */
function countPixels(page: Page, rgb: [number, number, number]): Promise<number> {
  return page.getByTestId("run-chart").evaluate((element, [r, g, b]) => {
    const canvas = element.querySelector("canvas");
    const context = canvas?.getContext("2d");
    if (!canvas || !context) return -1;
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - r) < 12 && Math.abs(data[i + 1]! - g) < 12 && Math.abs(data[i + 2]! - b) < 12) n++;
    return n;
  }, rgb);
}

interface Results {
  verdict: string;
  evidence: Record<string, unknown>;
  metrics: { faults: Array<{ atMs: number; kind: string; nodes: string[]; detail: string; ok: boolean }> };
}

/** Opens a run's report from the submission page and checks its run chart against the history and fault timeline. */
async function openAndCheckRunChart(page: Page, submissionId: string, resultId: string, partitions: number) {
  await page.goto(`/submissions/${submissionId}`);
  await page.locator(`[data-testid=results] a[href="/submissions/${submissionId}/results/${resultId}"]`).click();
  await page.waitForURL(`**/results/${resultId}`);
  const chart = page.locator("[data-testid=run-chart][data-state=rendered]");
  await chart.waitFor({ timeout: 20_000 });

  const history = await downloadJson<{ events: HistoryEvent[] }>(page, "history.json");
  const results = await downloadJson<Results>(page, "results.json");
  const invocations = history.events.filter((e) => e.type === "invoke").length;
  expect(invocations).toBeGreaterThan(50);
  expect(Number(await chart.getAttribute("data-points"))).toBe(invocations);
  // One band per partition the runner applied, as the suite schedules them.
  const applied = results.metrics.faults.filter((f) => f.kind === "partition" && f.ok).length;
  expect(applied).toBe(partitions);
  expect(faultBands(results.metrics.faults, 10_000)).toHaveLength(partitions);
  expect(Number(await chart.getAttribute("data-fault-bands"))).toBe(partitions);
  // The canvas shows it: ok points in their colour (#1f77b4).
  expect(await countPixels(page, [0x1f, 0x77, 0xb4])).toBeGreaterThan(20);
  return { history, results };
}

describe("test run reports in the browser", () => {
  beforeAll(async () => {
    assertNextBuildExists();
    stack = await createGradingStack("e2e-report");
    await stack.startRunner();
    server = await startWebServer({
      env: { DATABASE_URL: stack.database.url, REDIS_URL, LABGRADE_QUEUE_PREFIX: stack.prefix, AUTH_SECRET: randomBytes(32).toString("hex") },
    });
    browser = await launchBrowser();
    await mkdir(SCREENSHOTS, { recursive: true });
    // The broadcast lab's default suite is Fly.io's five runs (minutes): its short suite, with a
    // target the run meets, so the report's targets section is drawn too.
    const broadcast = BUILTIN_LABS.find((l) => l.slug === "broadcast")!;
    await stack.publishSuite("broadcast", broadcast.shortSuiteSource!.replace("    points: 1", "    targets: { msgsPerOp: { below: 100000 } }\n    points: 1"));
    // Both gradings start now; the tests wait for the one they read.
    for (const [lab, ref] of [["lin-kv", "stale-cache"], ["broadcast", "no-retry"]] as const) void gradedReference(lab, ref).catch(() => undefined);
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (server) await writeFile(path.resolve("test-results/web-server-report.log"), server.output()).catch(() => undefined);
    await stack?.close();
  });

  it("a failing lin-kv run shows every operation, both partitions and the checker's minimal counterexample", async () => {
    const { submissionId, resultId } = await gradedReference("lin-kv", "stale-cache");
    const { context, page } = await signedIn(ALICE);
    try {
      const { history, results } = await openAndCheckRunChart(page, submissionId, resultId, 2);
      expect(results.verdict).toBe("FAIL");
      await expect(page.getByTestId("reason").textContent()).resolves.toMatch(/no order of .* explains/);

      // The counterexample drawn is the checker's: the same operations it finds again from the history.
      const again = checkLinearizable(history.events, { nodeIds: ["n0", "n1", "n2"], budgetMs: 30_000 });
      expect(again.verdict).toBe("FAIL");
      expect(again.evidence.minimal).toBe(true);
      const expected = (again.evidence.operations as Array<{ process: number; startUs: number }>).map((op) => `${op.process}@${op.startUs}`);
      const shown = await page
        .locator("[data-testid=counterexample-operations] tbody tr")
        .evaluateAll((rows) => rows.map((row) => `${row.getAttribute("data-process")}@${row.getAttribute("data-start-us")}`));
      expect(shown).toEqual(expected);
      expect(shown).toEqual((results.evidence.operations as Array<{ process: number; startUs: number }>).map((op) => `${op.process}@${op.startUs}`));
      const impossible = again.evidence.impossible as { process: number; startUs: number };
      await expect(page.locator("[data-testid=counterexample-operations] tr.impossible").getAttribute("data-start-us")).resolves.toBe(String(impossible.startUs));
      const lanes = page.locator("[data-testid=counterexample-chart][data-state=rendered]");
      await lanes.waitFor({ timeout: 10_000 });
      expect(Number(await lanes.getAttribute("data-operations"))).toBe(expected.length);
      // Each operation names the node that served it, and all of them are marked on the latency chart.
      const servedBy = await page.locator("[data-testid=counterexample-operations] tbody tr td:nth-child(2)").allTextContents();
      expect(servedBy).toEqual((again.evidence.operations as Array<{ node: string }>).map((op) => op.node));
      await expect(page.locator("[data-testid=run-chart][data-state=rendered]").getAttribute("data-marked")).resolves.toBe(String(expected.length));

      await expect(page.getByTestId("message-statistics").isVisible()).resolves.toBe(true);
      await expect(page.getByTestId("fault-timeline").locator("tbody tr").count()).resolves.toBeGreaterThanOrEqual(4);
      await page.screenshot({ path: path.join(SCREENSHOTS, "report-lin-kv.png"), fullPage: true });
    } finally {
      await context.close();
    }
  }, GRADING_TIMEOUT_MS + 60_000);

  it("a failing broadcast run shows every operation, its partition, and the lost messages", async () => {
    const { submissionId, resultId } = await gradedReference("broadcast", "no-retry");
    const { context, page } = await signedIn(ALICE);
    try {
      const { results } = await openAndCheckRunChart(page, submissionId, resultId, 1);
      expect(results.verdict).toBe("FAIL");
      const lost = results.evidence.lost as number;
      expect(lost).toBeGreaterThan(0);
      await expect(page.getByTestId("lost").textContent()).resolves.toMatch(new RegExp(`^${lost} acknowledged`));
      await expect(page.getByTestId("stable-latency").textContent()).resolves.toMatch(/^min \d+ ms, p50 \d+ ms, .*max \d+ ms/);
      await expect(page.getByTestId("messages-by-type").textContent()).resolves.toContain("gossip");
      await expect(page.locator("[data-testid=counterexample]").count()).resolves.toBe(0);
      // The target is shown met, with the run's own figure; the run fails on its lost messages alone.
      const target = page.locator("[data-testid=criteria] tr[data-criterion=msgsPerOp]");
      await expect(target.getAttribute("data-met")).resolves.toBe("true");
      const figure = (results.metrics as unknown as { msgsPerOp: number }).msgsPerOp;
      await expect(target.textContent()).resolves.toBe(`msgs-per-op below 100000${String(Math.round(figure * 10) / 10)}met`);
      await page.screenshot({ path: path.join(SCREENSHOTS, "report-broadcast.png"), fullPage: true });
    } finally {
      await context.close();
    }
  }, GRADING_TIMEOUT_MS + 60_000);

  it("another student gets a 404 for the report and its downloads", async () => {
    const { submissionId, resultId } = await gradedReference("lin-kv", "stale-cache");
    const artifact = await stack!.db.artifact.findFirstOrThrow({ where: { testResultId: resultId, kind: "HISTORY" } });
    const { context, page } = await signedIn(BOB);
    try {
      const report = await page.goto(`/submissions/${submissionId}/results/${resultId}`);
      expect(report?.status()).toBe(404);
      const download = await page.request.get(`/api/submissions/${submissionId}/artifacts/${artifact.id}`);
      expect(download.status()).toBe(404);
      expect(await download.text()).not.toContain("invoke");
    } finally {
      await context.close();
    }
    expect(cspViolations).toEqual([]);
  }, GRADING_TIMEOUT_MS + 60_000);
});
