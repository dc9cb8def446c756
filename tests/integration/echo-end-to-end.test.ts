// The first end-to-end path, entirely real: a submission is stored in
// PostgreSQL, queued in BullMQ on Redis, built and run by a runner as a real
// container cluster on the Docker engine, checked, and its verdict stored.
import { checkHistory, parseHistoryText } from "../../lib/checkers/cli.js";
import type { PlotData } from "../../lib/reports/plot-data.js";
import type { ResultDocument } from "../../lib/checkers/types.js";
import type { HistoryMetrics } from "../../lib/metrics.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MANAGED_LABEL } from "../../sandbox/labels.js";
import { createGradingStack, type GradingStack } from "../support/grading-stack.js";

let stack: GradingStack;

beforeAll(async () => {
  stack = await createGradingStack("echo");
  await stack.startRunner();
});

afterAll(async () => {
  await stack?.close();
});

async function latestResults(submissionId: string) {
  const job = await stack.db.gradingJob.findFirstOrThrow({
    where: { submissionId },
    include: { attempts: { include: { results: { include: { artifacts: true } } } } },
  });
  return { job, results: job.attempts.flatMap((a) => a.results) };
}

describe("echo lab through the real pipeline", () => {
  it("grades the correct reference solution as a pass", async () => {
    const submission = await stack.submitReference("alice@demo.labgrade.test", "echo", "correct");
    expect(await stack.waitForFinalStatus(submission.id)).toBe("GRADED");
    const stored = await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } });
    expect(stored.score).toBe(1);
    expect(stored.maxScore).toBe(1);
    const { job, results } = await latestResults(submission.id);
    expect(job.status).toBe("SUCCEEDED");
    expect(results).toHaveLength(1);
    const [result] = results;
    expect(result!.verdict).toBe("PASS");
    expect(result!.seed).toMatch(/^\d+$/);
    const metrics = result!.metrics as unknown as HistoryMetrics & { msgsPerOp: number };
    expect(metrics.operations).toBeGreaterThan(20);
    expect(metrics.availability).toBe(1);
    // Echo needs no messages between nodes; its latency and throughput are measured.
    expect(metrics.msgsPerOp).toBe(0);
    expect(metrics.byOperation.echo).toMatchObject({ invoked: metrics.operations, ok: metrics.operations, fail: 0, indeterminate: 0 });
    expect(metrics.byOperation.echo!.latencyMs!.p50).toBeGreaterThan(0);
    expect(metrics.byOperation.echo!.latencyMs!.max).toBeGreaterThanOrEqual(metrics.byOperation.echo!.latencyMs!.p99);
    expect(metrics.throughput.ok.reduce((a, b) => a + b, 0)).toBe(metrics.operations);
    // The history, the report's plot data, the message journal and every node's log are stored as artifacts.
    expect(result!.artifacts.map((a) => a.name).sort()).toEqual(["controller.log", "history.json", "messages.jsonl", "n0.log", "plot.json", "results.json"]);
    const blob = async (kind: string) =>
      Buffer.from((await stack.db.storedBlob.findUniqueOrThrow({ where: { key: result!.artifacts.find((a) => a.kind === kind)!.storageKey } })).bytes).toString();
    const historyText = await blob("HISTORY");
    const parsed = JSON.parse(historyText) as { events: Array<{ type: string }>; seed: string };
    expect(parsed.seed).toBe(result!.seed);
    expect(parsed.events.filter((e) => e.type === "ok").length).toBe(metrics.operations);
    // The command-line checker reads the stored history and agrees with the stored results.
    const storedResults = JSON.parse(await blob("RESULTS")) as ResultDocument;
    expect(storedResults).toMatchObject({ format: "labgrade-result/1", workload: "echo", seed: result!.seed, verdict: "PASS", reason: result!.reason });
    const rechecked = checkHistory(parseHistoryText(historyText, "history.json"), {});
    expect(rechecked).toMatchObject({ verdict: storedResults.verdict, reason: storedResults.reason, evidence: storedResults.evidence });
    expect(rechecked.metrics.byOperation).toEqual(storedResults.metrics.byOperation);
    // One plotted point per operation, all ok; echo runs without faults.
    const plot = JSON.parse(await blob("PLOT_DATA")) as PlotData;
    expect(plot.operations.outcome).toBe("o".repeat(metrics.operations));
    expect(plot.faults).toEqual([]);
  });

  it("grades the broken reference solution as a fail, with the reason", async () => {
    const submission = await stack.submitReference("bob@demo.labgrade.test", "echo", "wrong-echo");
    expect(await stack.waitForFinalStatus(submission.id)).toBe("GRADED");
    const stored = await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } });
    expect(stored.score).toBe(0);
    const { results } = await latestResults(submission.id);
    expect(results.map((r) => r.verdict)).toEqual(["FAIL"]);
    expect(results[0]!.reason).toMatch(/acknowledged echoes returned a different text/);
  });

  it("leaves no container, network or volume behind", async () => {
    const filters = JSON.stringify({ label: [`${MANAGED_LABEL}=1`, `labgrade.runner=${stack.runner!.id}`] });
    expect(await stack.docker.listContainers({ all: true, filters })).toEqual([]);
    expect(await stack.docker.listNetworks({ filters })).toEqual([]);
    expect((await stack.docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);
  });
});
