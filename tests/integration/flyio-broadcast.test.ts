// Fly.io's broadcast challenge 3d (25 nodes, rate 100, 20 s, 100 ms of
// latency on every message between nodes, and its targets: msgs-per-op < 30,
// median stable latency < 400 ms, max < 600 ms), the broadcast lab's own 3d
// test, as a suite staff save and publish here, graded through the whole
// product (queue, runner, packet scheduler, checker, targets, stored results,
// the run report) with the broadcast lab's reference solutions. It is the one
// Fly.io run our tests make for real; the others are checked as parsed
// (tests/unit/flyio-suites.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { getBlobOrThrow } from "../../lib/blobs.js";
import type { SetCompletenessEvidence } from "../../lib/checkers/evidence.js";
import { BUILTIN_LABS } from "../../lib/labs/builtin.js";
import type { PlotData } from "../../lib/reports/plot-data.js";
import { describeNetwork, getRunReportOrThrow } from "../../lib/reports/run-report.js";
import { DEMO_COURSE_SLUG } from "../../lib/seed/demo-course.js";
import { runnerCapabilities } from "../../lib/suites/capabilities.js";
import { parseSuite } from "../../lib/suites/parse-suite.js";
import { publishSuiteVersion, saveSuiteVersion } from "../../lib/suites/suite-versions.js";
import type { CriterionResult } from "../../lib/suites/targets.js";
import { createGradingStack, type GradingStack } from "../support/grading-stack.js";

/** The broadcast lab's 3d test alone, as a suite. */
function flyio3dSuite(): string {
  const suite = parse(BUILTIN_LABS.find((l) => l.slug === "broadcast")!.suiteSource) as { version: number; tests: Array<{ name: string }> };
  return stringify({ version: suite.version, tests: suite.tests.filter((t) => t.name === "challenge-3d-efficient") });
}

const STUDENT = "bob@demo.labgrade.test";
let stack: GradingStack;

/** The text of a result's stored artifact, by name. */
async function storedArtifact(resultId: string, name: string): Promise<string> {
  const artifact = await stack.db.artifact.findFirstOrThrow({ where: { testResultId: resultId, name } });
  return (await getBlobOrThrow(stack.db, artifact.storageKey)).toString();
}

beforeAll(async () => {
  stack = await createGradingStack("flyio-3d");
  await stack.startRunner();
});

afterAll(async () => {
  await stack?.close();
});

describe("Fly.io's broadcast 3d run", () => {
  it("validates as staff write it, against what this machine's runner can do, and is published", async () => {
    const source = flyio3dSuite();
    const capabilities = await runnerCapabilities(stack.db);
    expect(capabilities).toEqual({ shaping: { available: true } });
    const parsed = parseSuite(source, { capabilities });
    expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.spec.tests).toHaveLength(1);
    expect(parsed.spec.tests[0]).toMatchObject({ nodes: 25, concurrency: 25, rate: 100, durationSeconds: 20, recoverySeconds: 10, latency: { ms: 100, distribution: "constant" } });
    const instructor = await stack.actor("instructor@demo.labgrade.test");
    const saved = await saveSuiteVersion(stack.db, instructor, { courseSlug: DEMO_COURSE_SLUG, labSlug: "broadcast", source });
    await publishSuiteVersion(stack.db, instructor, { courseSlug: DEMO_COURSE_SLUG, labSlug: "broadcast", version: saved.version.version });
  });

  it.each(["correct", "no-retry"])("grades the %s reference under 100 ms of latency, and its report shows latencies that include it and each target with its figure", async (reference) => {
    const { id } = await stack.submitReference(STUDENT, "broadcast", reference);
    expect(await stack.waitForFinalStatus(id, 300_000)).toBe("GRADED");
    const [result] = await stack.db.testResult.findMany({ where: { attempt: { job: { submissionId: id } } } });
    expect(result).toBeDefined();
    // No partitions in 3d: both references deliver everything, so the targets alone decide.
    const criteria = (result!.metrics as { criteria?: CriterionResult[] }).criteria ?? [];
    expect(criteria.map((c) => c.criterion)).toEqual(["msgsPerOp", "stableLatencyMedianMs", "stableLatencyMaxMs"]);
    const bounds = { msgsPerOp: 30, stableLatencyMedianMs: 400, stableLatencyMaxMs: 600 } as Record<string, number>;
    for (const c of criteria) {
      expect(c.figure, c.criterion).not.toBeNull();
      expect(c.met, c.criterion).toBe(c.figure! < bounds[c.criterion]!);
    }
    if (criteria.every((c) => c.met)) expect(result!.verdict, result!.reason).toBe("PASS");
    else {
      expect(result!.verdict).toBe("FAIL");
      expect(result!.reason).toMatch(/^the checker passed, but .* was not met: /);
    }
    const report = await getRunReportOrThrow(stack.db, await stack.actor(STUDENT), id, result!.id);
    // The network the run had: the latency, applied by our scheduler, nothing lost by it.
    expect(report.metrics.network).toMatchObject({ shaper: "userspace", latency: { ms: 100, distribution: "constant" }, lostByScheduler: 0 });
    expect(report.metrics.network!.delayedPackets).toBeGreaterThan(1000);
    expect(describeNetwork(report.metrics.network!)).toMatch(/^100 ms latency \(constant\) on every packet between nodes; delays applied by our packet scheduler: \d+ packets held, none lost/);
    // A message reaches a node at least one 100 ms hop after it was sent: the stable latencies include the delay.
    const evidence = report.evidence as SetCompletenessEvidence;
    expect(evidence.kind).toBe("set-completeness");
    expect(evidence.stableLatencyMs!["0.5"]).toBeGreaterThan(100);
    // Clients are answered at once: their operations do not carry the latency. Were
    // client packets shaped, every operation would take two 100 ms hops or more; the
    // fastest tenth is what a busy 2-core machine leaves of it (its median reached
    // 123 ms in one CI run, cause not found; 1.4-5.5 ms here).
    const plot = JSON.parse(await storedArtifact(result!.id, "plot.json")) as PlotData;
    const answered = plot.operations.latencyMs.filter((_, i) => plot.operations.outcome[i] === "o").sort((a, b) => a - b);
    expect(answered.length).toBeGreaterThan(100);
    const fastestTenth = answered[Math.floor(answered.length / 10)]!;
    expect(fastestTenth).toBeLessThan(100);
    expect(report.metrics.msgsPerOp).toBeGreaterThan(0);
    // The report's targets are the stored ones, with the run's own figures.
    expect(report.metrics.criteria).toEqual(criteria);
    expect(criteria[0]!.figure).toBe(report.metrics.msgsPerOp);
    expect(criteria[1]!.figure).toBe(evidence.stableLatencyMs!["0.5"]);
    console.log(
      `flyio-3d / ${reference}: ${result!.verdict}, ${result!.reason}; client operations: p10 ${fastestTenth} ms, p50 ${report.metrics.latencyMs!.p50} ms; targets ${criteria.map((c) => `${c.asked}: ${c.shown} (${c.met ? "met" : "not met"})`).join(", ")}; msgs-per-op ${report.metrics.msgsPerOp?.toFixed(1)}; ${report.metrics.network!.delayedPackets} packets held, 99 % within ${report.metrics.network!.lateP99Ms} ms of their time`,
    );
  });
});
