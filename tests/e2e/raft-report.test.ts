// A failing Raft run's report in a real browser, from a real grading: our
// broken Raft that commits an old term's entry by counting replicas
// (references/broken-2025/figure8), uploaded as a whole skeleton src/ tree to
// the raft-3c lab and graded by a real runner against the course's
// TestFigure83C, with real crashes and restarts from /data. The report must
// draw every peer's terms and roles (as many spans and leader spans as the
// stored evidence has), the crash and cut-off bands the test ordered, and,
// when the run failed on it, the applies that disagree, as the stored results
// say. The bug shows in some runs only (Figure 8 needs its interleaving), so
// the suite repeats the test and the report of a failing run is read.
// Screenshots go to test-results/screenshots.
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RaftEvidence } from "../../lib/checkers/evidence.js";
import { packRaftUpload, RAFT_REFERENCES_DIR } from "../../lib/labs/mit-6.5840/pack-raft.js";
import { raftFaultBands } from "../../lib/reports/raft-timeline.js";
import { DEMO_COURSE_SLUG, DEMO_PASSWORD } from "../../lib/seed/demo-course.js";
import { createSubmission } from "../../lib/submissions/create-submission.js";
import { parseSuite } from "../../lib/suites/parse-suite.js";
import { launchBrowser, signInWithForm } from "../support/browser.js";
import { createGradingStack, REDIS_URL, type GradingStack } from "../support/grading-stack.js";
import { assertNextBuildExists, startWebServer, type WebServer } from "../support/web-server.js";

const SCREENSHOTS = path.resolve("test-results/screenshots");
const ALICE = "alice@demo.labgrade.test";
const REPETITIONS = 4;
/** The build, then up to four Figure 8 runs of about a minute each, on one runner slot. */
const GRADING_TIMEOUT_MS = 480_000;

let stack: GradingStack | undefined;
let server: WebServer | undefined;
let browser: Browser | undefined;

describe("a failing Raft run's report in the browser", () => {
  beforeAll(async () => {
    assertNextBuildExists();
    stack = await createGradingStack("e2e-raft");
    const lab = await stack.db.lab.findFirstOrThrow({ where: { slug: "raft-3c" } });
    const last = await stack.db.suiteVersion.findFirstOrThrow({ where: { labId: lab.id }, orderBy: { version: "desc" } });
    const source = ["tests:", "  - name: figure8", "    raft: TestFigure83C", `    repetitions: ${REPETITIONS}`, ""].join("\n");
    const parsed = parseSuite(source);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    await stack.db.suiteVersion.create({ data: { labId: lab.id, version: last.version + 1, source, spec: parsed.spec as object, sourceHash: parsed.sourceHash, publishedAt: new Date() } });
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
    if (server) await writeFile(path.resolve("test-results/web-server-raft-report.log"), server.output()).catch(() => undefined);
    await stack?.close();
  });

  it("shows each peer's terms and leaders over the crash bands, and the disagreeing applies", async () => {
    const s = stack!;
    const upload = await packRaftUpload("2025", path.join(RAFT_REFERENCES_DIR, "broken-2025/figure8"));
    const { id } = await createSubmission({ db: s.db, queue: s.queue }, await s.actor(ALICE), { courseSlug: DEMO_COURSE_SLUG, labSlug: "raft-3c", upload });
    const status = await s.waitForFinalStatus(id, GRADING_TIMEOUT_MS);
    const submission = await s.db.submission.findUniqueOrThrow({ where: { id } });
    expect(status, submission.statusDetail ?? "").toBe("GRADED");
    expect(submission.buildLog).toContain("layout: 2025");
    const results = await s.db.testResult.findMany({ where: { attempt: { job: { submissionId: id } } }, orderBy: { repetition: "asc" } });
    expect(results).toHaveLength(REPETITIONS);
    for (const r of results) console.log(`figure8 run ${r.repetition + 1}: ${r.verdict}: ${r.reason}`);
    const failed = results.filter((r) => r.verdict === "FAIL");
    expect(failed.length, `the figure8 Raft passed all ${REPETITIONS} runs of TestFigure83C: its bug did not show`).toBeGreaterThan(0);
    // The run whose failure is the disagreement, if any did; else any failing one.
    const result = failed.find((r) => (r.evidence as unknown as RaftEvidence).disagreements.length > 0) ?? failed[0]!;
    const evidence = result.evidence as unknown as RaftEvidence;
    expect(evidence.kind).toBe("raft");

    const context = await browser!.newContext({ baseURL: server!.url, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    try {
      await signInWithForm(page, ALICE, DEMO_PASSWORD);
      await page.waitForURL((url) => url.pathname === "/");
      await page.goto(`/submissions/${id}/results/${result.id}`);
      await expect(page.getByTestId("reason").textContent()).resolves.toBe(result.reason);

      const timeline = page.locator("[data-testid=raft-timeline] svg");
      await expect(timeline.getAttribute("data-peers")).resolves.toBe("5");
      await expect(timeline.getAttribute("data-spans")).resolves.toBe(String(evidence.timeline.length));
      const leaderSpans = evidence.timeline.filter((span) => span.leader).length;
      expect(leaderSpans).toBeGreaterThan(0);
      await expect(timeline.locator("rect[data-role=leader]").count()).resolves.toBe(leaderSpans);
      // Figure 8 crashes and restarts peers: each crash is a band on its peer's lane, as the stored faults pair them.
      const bands = raftFaultBands(evidence);
      expect(bands.filter((b) => b.kind === "crashed").length).toBeGreaterThan(0);
      await expect(timeline.getAttribute("data-fault-bands")).resolves.toBe(String(bands.length));
      await expect(timeline.locator("rect[data-band=crashed]").count()).resolves.toBe(bands.filter((b) => b.kind === "crashed").length);
      for (const lane of ["n0", "n1", "n2", "n3", "n4"]) await expect(timeline.locator(`g[data-peer=${lane}]`).count()).resolves.toBe(1);

      if (evidence.disagreements.length > 0) {
        expect(result.reason).toMatch(/applied/);
        const rows = page.locator("[data-testid=raft-disagreements] tbody tr");
        await expect(rows.count()).resolves.toBe(evidence.disagreements.length);
        const first = evidence.disagreements[0]!;
        await expect(rows.first().textContent()).resolves.toContain(String(first.index));
      } else {
        console.log(`no run failed on a disagreement (the failing one: ${result.reason}); the disagreements table is not drawn`);
        await expect(page.getByTestId("raft-disagreements").count()).resolves.toBe(0);
      }
      await expect(page.locator("[data-testid=raft-peers] tbody tr").count()).resolves.toBe(5);
      await expect(page.locator(".node-log summary").count()).resolves.toBeGreaterThanOrEqual(5);
      // A Raft run has no client operations to chart.
      await expect(page.locator("[data-testid=run-chart]").count()).resolves.toBe(0);
      await page.screenshot({ path: path.join(SCREENSHOTS, "report-raft-figure8.png"), fullPage: true });
    } finally {
      await context.close();
    }
  }, GRADING_TIMEOUT_MS + 60_000);
});
