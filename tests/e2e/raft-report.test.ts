// A failing Figure 8 run's report in a real browser, from a real grading: our
// broken Raft that commits an old term's entry by counting replicas
// (references/broken-2025/figure8), uploaded as a whole skeleton src/ tree to
// the raft-3c lab and graded by a real runner against TestFigure8Scenario3C
// (ours: the paper's Figure 8 played step by step, with real firewall cuts;
// the course's TestFigure83C catches this bug only by luck). The report must
// say the test is ours, draw every peer's terms and roles (as many spans and
// leader spans as the stored evidence has) under the fault bands the test
// ordered (peers cut off, one link cut), list the applies that disagree (X and
// Y at one index), and show the peers' figures and logs. Crash bands are drawn
// from stored evidence by raft-sections.test.tsx. Screenshots go to
// test-results/screenshots.
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
// The scenario does not expose the broken Raft on every run (CI saw one pass it): three runs, and
// the report of the first that failed.
const REPETITIONS = 3;
/** The build, then three Figure 8 scenario runs of under a minute each, on one runner slot. */
const GRADING_TIMEOUT_MS = 300_000;

let stack: GradingStack | undefined;
let server: WebServer | undefined;
let browser: Browser | undefined;

describe("a failing Raft run's report in the browser", () => {
  beforeAll(async () => {
    assertNextBuildExists();
    stack = await createGradingStack("e2e-raft");
    const lab = await stack.db.lab.findFirstOrThrow({ where: { slug: "raft-3c" } });
    const last = await stack.db.suiteVersion.findFirstOrThrow({ where: { labId: lab.id }, orderBy: { version: "desc" } });
    const source = ["tests:", "  - name: figure8-scenario", "    raft: TestFigure8Scenario3C", `    repetitions: ${REPETITIONS}`, ""].join("\n");
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

  it("shows each peer's terms and leaders over the cuts, the applies that disagree, the peers' figures and their logs", async () => {
    const s = stack!;
    const upload = await packRaftUpload("2025", path.join(RAFT_REFERENCES_DIR, "broken-2025/figure8"));
    const { id } = await createSubmission({ db: s.db, queue: s.queue }, await s.actor(ALICE), { courseSlug: DEMO_COURSE_SLUG, labSlug: "raft-3c", upload });
    const status = await s.waitForFinalStatus(id, GRADING_TIMEOUT_MS);
    const submission = await s.db.submission.findUniqueOrThrow({ where: { id } });
    expect(status, submission.statusDetail ?? "").toBe("GRADED");
    expect(submission.buildLog).toContain("layout: 2025");
    const results = await s.db.testResult.findMany({ where: { attempt: { job: { submissionId: id } } }, orderBy: { repetition: "asc" } });
    expect(results).toHaveLength(REPETITIONS);
    const result = results.find((r) => r.verdict === "FAIL");
    const runs = results.map((r) => `seed ${r.seed} ${r.verdict}`).join(", ");
    if (!result) throw new Error(`TestFigure8Scenario3C passed all ${REPETITIONS} runs of broken-2025/figure8: ${runs}`);
    if (result.repetition > 0) console.warn(`broken-2025/figure8 passed TestFigure8Scenario3C before repetition ${result.repetition}: ${runs}`);
    // X, committed by counting in an old term, was applied where the later leader's Y is applied now.
    expect(result.reason).toMatch(/^TestFigure8Scenario3C: n\d applied \d+ at index 2, n\d applied \d+$/);
    const evidence = result.evidence as unknown as RaftEvidence;
    expect(evidence.kind).toBe("raft");
    expect(evidence.disagreements.length).toBeGreaterThan(0);
    const disagreement = evidence.disagreements[0]!;

    const context = await browser!.newContext({ baseURL: server!.url, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    try {
      await signInWithForm(page, ALICE, DEMO_PASSWORD);
      await page.waitForURL((url) => url.pathname === "/");
      await page.goto(`/submissions/${id}/results/${result.id}`);
      await expect(page.getByTestId("reason").textContent()).resolves.toBe(result.reason);

      const timeline = page.locator("[data-testid=raft-timeline] svg");
      await expect(page.getByTestId("raft-test-ours").textContent()).resolves.toContain("TestFigure8Scenario3C is a test of ours, not the course's.");
      await expect(timeline.getAttribute("data-peers")).resolves.toBe("5");
      await expect(timeline.getAttribute("data-spans")).resolves.toBe(String(evidence.timeline.length));
      const leaderSpans = evidence.timeline.filter((span) => span.leader).length;
      expect(leaderSpans).toBeGreaterThan(0);
      await expect(timeline.locator("rect[data-role=leader]").count()).resolves.toBe(leaderSpans);
      // Each cut is a band on its peer's lane, and the link cut between a and b one on each end's, as the stored faults pair them.
      const bands = raftFaultBands(evidence);
      const count = (kind: string) => bands.filter((b) => b.kind === kind).length;
      expect(count("disconnected")).toBeGreaterThan(0);
      expect(count("linkCut")).toBe(2);
      await expect(timeline.getAttribute("data-fault-bands")).resolves.toBe(String(bands.length));
      await expect(timeline.locator("rect[data-band=disconnected]").count()).resolves.toBe(count("disconnected"));
      await expect(timeline.locator("rect[data-band=linkCut]").count()).resolves.toBe(2);
      for (const lane of ["n0", "n1", "n2", "n3", "n4"]) await expect(timeline.locator(`g[data-peer=${lane}]`).count()).resolves.toBe(1);

      const disagreements = page.locator("[data-testid=raft-disagreements] tbody tr");
      await expect(disagreements.count()).resolves.toBe(evidence.disagreements.length);
      const first = (await disagreements.first().textContent()) ?? "";
      for (const shown of [disagreement.peer, disagreement.otherPeer, String(disagreement.command), String(disagreement.otherCommand), String(disagreement.index)]) expect(first).toContain(shown);
      await expect(page.locator("[data-testid=raft-peers] tbody tr").count()).resolves.toBe(5);
      await expect(page.locator(".node-log summary").count()).resolves.toBeGreaterThanOrEqual(3);
      // A Raft run has no client operations to chart.
      await expect(page.locator("[data-testid=run-chart]").count()).resolves.toBe(0);
      await page.screenshot({ path: path.join(SCREENSHOTS, "report-raft-figure8-scenario.png"), fullPage: true });
    } finally {
      await context.close();
    }
  }, GRADING_TIMEOUT_MS + 60_000);
});
