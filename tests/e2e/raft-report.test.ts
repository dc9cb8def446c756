// A failing Raft run's report in a real browser, from a real grading: our
// broken Raft that never persists (references/broken-2025/never-persists),
// uploaded as a whole skeleton src/ tree to the raft-3c lab and graded by a
// real runner against the course's TestPersist13C, with real crashes and
// restarts from /data. The report must draw every peer's terms and roles (as
// many spans and leader spans as the stored evidence has), the crash bands
// the test ordered, the peers' figures and logs, and the applies that
// disagree when there are any (a component test draws that table from
// evidence that has them: raft-sections.test.tsx). Our figure8 variant would
// be the natural subject, but it passed every run of the course's Figure 8
// test on a real network here (README, Raft labs), so no failing Figure 8
// run can be had on demand. Screenshots go to test-results/screenshots.
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
const REPETITIONS = 1;
/** The build, then a Persist1 run of under a minute, on one runner slot. */
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
    const source = ["tests:", "  - name: persist1", "    raft: TestPersist13C", `    repetitions: ${REPETITIONS}`, ""].join("\n");
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

  it("shows each peer's terms and leaders over the crash bands, the peers' figures and their logs", async () => {
    const s = stack!;
    const upload = await packRaftUpload("2025", path.join(RAFT_REFERENCES_DIR, "broken-2025/never-persists"));
    const { id } = await createSubmission({ db: s.db, queue: s.queue }, await s.actor(ALICE), { courseSlug: DEMO_COURSE_SLUG, labSlug: "raft-3c", upload });
    const status = await s.waitForFinalStatus(id, GRADING_TIMEOUT_MS);
    const submission = await s.db.submission.findUniqueOrThrow({ where: { id } });
    expect(status, submission.statusDetail ?? "").toBe("GRADED");
    expect(submission.buildLog).toContain("layout: 2025");
    const results = await s.db.testResult.findMany({ where: { attempt: { job: { submissionId: id } } }, orderBy: { repetition: "asc" } });
    expect(results).toHaveLength(REPETITIONS);
    const result = results[0]!;
    expect(result.verdict, result.reason).toBe("FAIL");
    // Peers that forget what they persisted either lose committed entries or, forgetting their votes, elect a second leader of a term.
    expect(result.reason).toMatch(/^TestPersist13C: (only \d peers? applied index \d+; wanted 3|two leaders in term \d+)/);
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
      await expect(timeline.getAttribute("data-peers")).resolves.toBe("3");
      await expect(timeline.getAttribute("data-spans")).resolves.toBe(String(evidence.timeline.length));
      const leaderSpans = evidence.timeline.filter((span) => span.leader).length;
      expect(leaderSpans).toBeGreaterThan(0);
      await expect(timeline.locator("rect[data-role=leader]").count()).resolves.toBe(leaderSpans);
      // Persist1 crashes and restarts peers: each crash is a band on its peer's lane, as the stored faults pair them.
      const bands = raftFaultBands(evidence);
      expect(bands.filter((b) => b.kind === "crashed").length).toBeGreaterThan(0);
      await expect(timeline.getAttribute("data-fault-bands")).resolves.toBe(String(bands.length));
      await expect(timeline.locator("rect[data-band=crashed]").count()).resolves.toBe(bands.filter((b) => b.kind === "crashed").length);
      for (const lane of ["n0", "n1", "n2"]) await expect(timeline.locator(`g[data-peer=${lane}]`).count()).resolves.toBe(1);

      await expect(page.locator("[data-testid=raft-disagreements] tbody tr").count()).resolves.toBe(evidence.disagreements.length);
      await expect(page.locator("[data-testid=raft-peers] tbody tr").count()).resolves.toBe(3);
      await expect(page.locator(".node-log summary").count()).resolves.toBeGreaterThanOrEqual(3);
      // A Raft run has no client operations to chart.
      await expect(page.locator("[data-testid=run-chart]").count()).resolves.toBe(0);
      await page.screenshot({ path: path.join(SCREENSHOTS, "report-raft-persist1.png"), fullPage: true });
    } finally {
      await context.close();
    }
  }, GRADING_TIMEOUT_MS + 60_000);
});
