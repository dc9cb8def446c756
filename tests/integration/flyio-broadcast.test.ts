// Fly.io's broadcast challenge 3d (25 nodes, rate 100, 20 s, 100 ms of
// latency on every message between nodes) as a suite staff save and publish
// here, graded through the whole product (queue, runner, packet scheduler,
// checker, stored results, the run report) with the broadcast lab's
// reference solutions. The suite file is lib/labs/broadcast/suites/flyio-3d.yaml.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SetCompletenessEvidence } from "../../lib/checkers/evidence.js";
import { describeNetwork, getRunReportOrThrow } from "../../lib/reports/run-report.js";
import { DEMO_COURSE_SLUG } from "../../lib/seed/demo-course.js";
import { runnerCapabilities } from "../../lib/suites/capabilities.js";
import { parseSuite } from "../../lib/suites/parse-suite.js";
import { publishSuiteVersion, saveSuiteVersion } from "../../lib/suites/suite-versions.js";
import { createGradingStack, type GradingStack } from "../support/grading-stack.js";

const SUITE = path.resolve(import.meta.dirname, "../../lib/labs/broadcast/suites/flyio-3d.yaml");
const STUDENT = "bob@demo.labgrade.test";
let stack: GradingStack;

beforeAll(async () => {
  stack = await createGradingStack("flyio-3d");
  await stack.startRunner();
});

afterAll(async () => {
  await stack?.close();
});

describe("Fly.io's broadcast 3d run", () => {
  it("validates as staff write it, against what this machine's runner can do, and is published", async () => {
    const source = await readFile(SUITE, "utf8");
    const capabilities = await runnerCapabilities(stack.db);
    expect(capabilities).toEqual({ shaping: { available: true } });
    const parsed = parseSuite(source, { capabilities });
    expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.spec.tests[0]).toMatchObject({ nodes: 25, rate: 100, durationSeconds: 20, latency: { ms: 100, distribution: "constant" } });
    const instructor = await stack.actor("instructor@demo.labgrade.test");
    const saved = await saveSuiteVersion(stack.db, instructor, { courseSlug: DEMO_COURSE_SLUG, labSlug: "broadcast", source });
    await publishSuiteVersion(stack.db, instructor, { courseSlug: DEMO_COURSE_SLUG, labSlug: "broadcast", version: saved.version.version });
  });

  it.each(["correct", "no-retry"])("grades the %s reference under 100 ms of latency, and its report shows latencies that include it", async (reference) => {
    const { id } = await stack.submitReference(STUDENT, "broadcast", reference);
    expect(await stack.waitForFinalStatus(id, 300_000)).toBe("GRADED");
    const [result] = await stack.db.testResult.findMany({ where: { attempt: { job: { submissionId: id } } } });
    expect(result).toBeDefined();
    // No partitions in 3d: both references deliver everything.
    expect(result!.verdict, result!.reason).toBe("PASS");
    const report = await getRunReportOrThrow(stack.db, await stack.actor(STUDENT), id, result!.id);
    // The network the run had: the latency, applied by our scheduler, nothing lost by it.
    expect(report.metrics.network).toMatchObject({ shaper: "userspace", latency: { ms: 100, distribution: "constant" }, lostByScheduler: 0 });
    expect(report.metrics.network!.delayedPackets).toBeGreaterThan(1000);
    expect(describeNetwork(report.metrics.network!)).toMatch(/^100 ms latency \(constant\) on every packet between nodes; delays applied by our packet scheduler: \d+ packets held, none lost/);
    // A message reaches a node at least one 100 ms hop after it was sent: the stable latencies include the delay.
    const evidence = report.evidence as SetCompletenessEvidence;
    expect(evidence.kind).toBe("set-completeness");
    expect(evidence.stableLatencyMs!["0.5"]).toBeGreaterThan(100);
    // Clients are answered at once: their operations do not carry the latency.
    expect(report.metrics.latencyMs!.p50).toBeLessThan(50);
    expect(report.metrics.msgsPerOp).toBeGreaterThan(0);
    console.log(
      `flyio-3d / ${reference}: ${result!.reason}; msgs-per-op ${report.metrics.msgsPerOp?.toFixed(1)}; ${report.metrics.network!.delayedPackets} packets held, 99 % within ${report.metrics.network!.lateP99Ms} ms of their time`,
    );
  });
});
