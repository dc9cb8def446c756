// The grade job's orchestration on its own: real PostgreSQL (the attempts,
// outcomes and artifacts it records), and instead of Docker a small
// hand-written stand-in of the GradingSandbox (runner/grading-sandbox.ts)
// that plays builds, test runs, an engine failing mid-test, a cancellation
// and a grading past its budget, in milliseconds. The real engine's side of
// the same paths is in runner-faults.test.ts, cancel.test.ts and
// echo-end-to-end.test.ts.
import { UnrecoverableError } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config.js";
import { createDb } from "../../lib/db.js";
import { CancelledError, InfraError } from "../../lib/errors.js";
import type { HistoryEvent } from "../../lib/history.js";
import { DEMO_COURSE_SLUG } from "../../lib/seed/demo-course.js";
import { parseSuite } from "../../lib/suites/parse-suite.js";
import { gradeJob, RetryGrading } from "../../runner/grade-job.js";
import type { GradingSandbox } from "../../runner/grading-sandbox.js";
import { runnerLimits } from "../../runner/limits.js";
import type { ClusterTestRequest, ClusterTestResult } from "../../sandbox/cluster.js";
import { RECORD_FORMAT, type ControllerLine } from "../../sandbox/programs/controller/spec.js";
import { createGradingStack, type GradingStack } from "../support/grading-stack.js";
import { startRefusingPostgres } from "../support/refusing-postgres.js";

let stack: GradingStack;
let courseId = "";
const limits = runnerLimits(parseConfig({}));

/** Two tests: "one" once, "two" twice from a fixed seed. */
const SUITE = [
  "tests:",
  "  - {name: one, workload: echo, nodes: 2, durationSeconds: 1, points: 2}",
  '  - {name: two, workload: echo, nodes: 1, durationSeconds: 1, repetitions: 2, seed: "7", points: 4}',
  "",
].join("\n");

beforeAll(async () => {
  stack = await createGradingStack("grade-job");
  const course = await stack.db.course.findUniqueOrThrow({ where: { slug: DEMO_COURSE_SLUG } });
  courseId = course.id;
  await stack.createPythonEchoLab(courseId);
  const lab = await stack.db.lab.findFirstOrThrow({ where: { courseId, slug: "py-echo" } });
  const parsed = parseSuite(SUITE);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  await stack.db.suiteVersion.create({ data: { labId: lab.id, version: 2, source: SUITE, spec: parsed.spec as object, sourceHash: parsed.sourceHash, publishedAt: new Date() } });
});

afterAll(async () => {
  await stack?.close();
});

/** An echo history: `n` echoes that came back, each 1 ms. */
function echoHistory(n: number, wrong = false): ControllerLine[] {
  const events: HistoryEvent[] = [];
  for (let i = 0; i < n; i++) {
    events.push({ index: events.length, type: "invoke", process: 0, f: "echo", value: `e${i}`, node: "n0", timeUs: i * 10_000 });
    events.push({ index: events.length, type: "ok", process: 0, f: "echo", value: wrong ? "nope" : `e${i}`, node: "n0", timeUs: i * 10_000 + 1000 });
  }
  const lines: ControllerLine[] = [{ header: { format: RECORD_FORMAT, seed: "1", workload: "echo" } }, ...events.map((event) => ({ event }))];
  return [...lines, { end: { lines: lines.length } }];
}

function clusterResult(req: ClusterTestRequest, lines: ControllerLine[]): ClusterTestResult {
  const ids = Array.from({ length: req.nodeCount }, (_, i) => `n${i}`);
  return {
    lines,
    recordProblem: null,
    controllerLog: "controller done\n",
    controllerExitCode: 0,
    timedOut: false,
    nodes: ids.map((id) => ({ id, log: `[agent started] ${id}\n`, logTruncated: false, running: true, exitCode: null, oomKilled: false })),
    network: { name: "stand-in" },
    addresses: { subnet: "198.18.9.0/24", gateway: "198.18.9.1", services: "198.18.9.2", controller: "198.18.9.3", nodes: Object.fromEntries(ids.map((id, i) => [id, `198.18.9.${10 + i}`])) },
    traffic: Object.fromEntries(ids.map((id) => [id, { toNodes: {}, toServices: { packets: 0, bytes: 0 }, fromServices: { packets: 0, bytes: 0 } }])),
    faults: [],
    shaping: { kind: "none", latency: null, scheduler: {} },
    mainPhaseStartWallMs: Date.now(),
    setupMs: 5,
    teardownMs: 5,
  };
}

/** The stand-in: records what it was asked, and plays `script` for each test run in turn. */
function standIn(script: Array<(req: ClusterTestRequest) => Promise<ClusterTestResult>>, build: "ok" | "fail" = "ok") {
  const asked = { builds: 0, runs: [] as ClusterTestRequest[], removed: [] as string[], reapedEarlier: 0, reapedOwn: 0 };
  let volumes = 0;
  const sandbox: GradingSandbox = {
    engine: () => Promise.resolve({ id: "STANDIN:ENGINE", endpoint: "stand-in" }),
    reapEarlierAttempts: () => {
      asked.reapedEarlier++;
      return Promise.resolve();
    },
    build: () => {
      asked.builds++;
      const volume = `vol-${++volumes}`;
      return Promise.resolve(
        build === "ok" ? { ok: true as const, volume, log: "built\n", durationMs: 3 } : { ok: false as const, volume, log: "main.go:1: syntax error\n", reason: "build command exited with status 1", durationMs: 3 },
      );
    },
    runTest: (req) => {
      asked.runs.push(req);
      const next = script[asked.runs.length - 1];
      if (!next) throw new Error(`no script for run ${asked.runs.length}`);
      return next(req);
    },
    removeVolume: (volume) => {
      asked.removed.push(volume);
      return Promise.resolve();
    },
    ping: () => Promise.resolve({ ok: true as const }),
    reapOwnLeftovers: () => {
      asked.reapedOwn++;
      return Promise.resolve();
    },
  };
  return { sandbox, asked };
}

const passing = (req: ClusterTestRequest) => Promise.resolve(clusterResult(req, echoHistory(5)));
const failing = (req: ClusterTestRequest) => Promise.resolve(clusterResult(req, echoHistory(5, true)));
/** A run that holds until its signal aborts, then stops as the sandbox does. */
const hanging = (req: ClusterTestRequest) =>
  new Promise<ClusterTestResult>((_, reject) => req.signal!.addEventListener("abort", () => reject(new CancelledError("the test was stopped")), { once: true }));

async function newJob() {
  const { id } = await stack.submitPythonEcho(await stack.actor("alice@demo.labgrade.test"), DEMO_COURSE_SLUG);
  await stack.queue.obliterate({ force: true });
  const job = await stack.db.gradingJob.findFirstOrThrow({ where: { submissionId: id } });
  return { submissionId: id, jobId: job.id };
}

const outcome = async (submissionId: string, jobId: string) => ({
  submission: await stack.db.submission.findUniqueOrThrow({ where: { id: submissionId } }),
  job: await stack.db.gradingJob.findUniqueOrThrow({ where: { id: jobId } }),
  attempts: await stack.db.gradingAttempt.findMany({ where: { jobId }, orderBy: { number: "asc" } }),
  results: await stack.db.testResult.findMany({ where: { attempt: { jobId } }, orderBy: [{ testName: "asc" }, { repetition: "asc" }], include: { artifacts: true } }),
});

describe("the grade job, against a stand-in sandbox", () => {
  it("grades every repetition of every test, keeps each run's artifacts, and removes the build before the outcome", async () => {
    const { submissionId, jobId } = await newJob();
    const { sandbox, asked } = standIn([passing, passing, failing]);
    await gradeJob({ db: stack.db, sandbox, runnerId: "stand-in", limits }, jobId);
    const { submission, job, attempts, results } = await outcome(submissionId, jobId);
    expect(job.status).toBe("SUCCEEDED");
    expect(submission).toMatchObject({ status: "GRADED", score: 4, maxScore: 6 });
    expect(attempts).toEqual([expect.objectContaining({ outcome: "GRADED", engineId: "STANDIN:ENGINE", engineEndpoint: "stand-in" })]);
    expect(results.map((r) => [r.testName, r.repetition, r.verdict, r.points])).toEqual([
      ["one", 0, "PASS", 2],
      ["two", 0, "PASS", 2],
      ["two", 1, "FAIL", 0],
    ]);
    // The second test's seeds come from its fixed seed: the first is the seed itself.
    expect(results[1]!.seed).toBe("7");
    expect(results[2]!.seed).not.toBe("7");
    for (const r of results) expect(r.artifacts.map((a) => a.name).sort()).toEqual(["controller.log", "history.json", "n0.log", ...(r.testName === "one" ? ["n1.log"] : []), "plot.json", "results.json"].sort());
    // What the run was asked for: the configured ready timeout, overhead and base image.
    expect(asked.runs[0]).toMatchObject({ nodeCount: 2, controllerImage: limits.baseImage, wallClockMs: 1000 + limits.testOverheadMs, controller: { readyTimeoutMs: limits.nodeReadyTimeoutMs } });
    expect(asked.removed).toEqual(["vol-1"]);
    expect(asked.reapedEarlier).toBe(1);
  });

  it("records a failed build as the student's, with its log, and runs nothing", async () => {
    const { submissionId, jobId } = await newJob();
    const { sandbox, asked } = standIn([], "fail");
    await gradeJob({ db: stack.db, sandbox, runnerId: "stand-in", limits }, jobId);
    const { submission, attempts } = await outcome(submissionId, jobId);
    expect(submission).toMatchObject({ status: "BUILD_FAILED", statusDetail: "build command exited with status 1", buildLog: "main.go:1: syntax error\n", score: 0 });
    expect(attempts.map((a) => a.outcome)).toEqual(["BUILD_FAILED"]);
    expect(asked.runs).toEqual([]);
    expect(asked.removed).toEqual(["vol-1"]);
  });

  it("an engine failing mid-test is ours: the attempt is recorded, the job waits to be tried again, nothing is charged", async () => {
    const { submissionId, jobId } = await newJob();
    const { sandbox, asked } = standIn([passing, () => Promise.reject(new InfraError("docker.cluster", "could not run the test cluster: socket hang up"))]);
    const err = await gradeJob({ db: stack.db, sandbox, runnerId: "stand-in", limits }, jobId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryGrading);
    expect((err as RetryGrading).delayMs).toBe(2000);
    const { submission, job, attempts } = await outcome(submissionId, jobId);
    expect(job.status).toBe("QUEUED");
    expect(job.infraFailingSince).not.toBeNull();
    expect(submission.status).toBe("QUEUED");
    expect(submission.statusDetail).toMatch(/^waiting for the grading machines \(a fault on our side\); trying again in 2 s; this does not count against you$/);
    expect(attempts.map((a) => [a.outcome, a.errorCode])).toEqual([["INFRA_ERROR", "docker.cluster"]]);
    expect(asked.reapedOwn).toBe(1);
    expect(asked.removed).toEqual(["vol-1"]);

    // The next attempt grades it, and its run of failures is over.
    const again = standIn([passing, passing, passing]);
    await gradeJob({ db: stack.db, sandbox: again.sandbox, runnerId: "stand-in", limits }, jobId);
    const done = await outcome(submissionId, jobId);
    expect(done.submission).toMatchObject({ status: "GRADED", score: 6 });
    expect(done.attempts.map((a) => a.outcome)).toEqual(["INFRA_ERROR", "GRADED"]);
  });

  it("a cancellation is its own outcome, whatever step met it", async () => {
    const { submissionId, jobId } = await newJob();
    const { sandbox } = standIn([hanging]);
    const cancel = new AbortController();
    const grading = gradeJob({ db: stack.db, sandbox, runnerId: "stand-in", limits }, jobId, { signal: cancel.signal }).catch((e: unknown) => e);
    setTimeout(() => cancel.abort(), 200);
    const err = await grading;
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toBe("cancelled");
    const { submission, job, attempts } = await outcome(submissionId, jobId);
    expect(job.status).toBe("CANCELLED");
    expect(submission).toMatchObject({ status: "CANCELLED", statusDetail: "cancelled" });
    expect(attempts.map((a) => [a.outcome, a.errorCode])).toEqual([["CANCELLED", "cancelled"]]);
  });

  it("past the grading's budget: TIMED_OUT with the points of the runs that finished", async () => {
    const { submissionId, jobId } = await newJob();
    const { sandbox } = standIn([passing, hanging]);
    await gradeJob({ db: stack.db, sandbox, runnerId: "stand-in", limits: { ...limits, submissionBudgetMs: 400 } }, jobId);
    const { submission, attempts } = await outcome(submissionId, jobId);
    expect(submission).toMatchObject({ status: "TIMED_OUT", score: 2, maxScore: 6 });
    expect(submission.statusDetail).toBe("grading took longer than its budget of 0 s; 1 of 3 test runs finished");
    expect(attempts.map((a) => a.outcome)).toEqual(["TIMED_OUT"]);
  });

  it("a step cut short by a database that is starting up (SQLSTATE 57P03) is ours: database unavailable, not unexpected", async () => {
    // The step meets a real PostgreSQL that refuses connections as one starting
    // up does, so the error is exactly what Prisma throws then.
    const refusing = await startRefusingPostgres();
    const refusingDb = createDb(refusing.url);
    try {
      const { submissionId, jobId } = await newJob();
      const { sandbox } = standIn([passing, () => refusingDb.$queryRaw`SELECT 1`.then(() => Promise.reject(new Error("the standby answered a query")))]);
      await expect(gradeJob({ db: stack.db, sandbox, runnerId: "stand-in", limits }, jobId)).rejects.toBeInstanceOf(RetryGrading);
      const { submission, job, attempts } = await outcome(submissionId, jobId);
      expect(attempts.map((a) => [a.outcome, a.errorCode])).toEqual([["INFRA_ERROR", "database.unavailable"]]);
      expect(attempts[0]!.errorMessage).toMatch(/^the database became unreachable: .*57P03/);
      expect(job.status).toBe("QUEUED");
      expect(submission.status).toBe("QUEUED");
      expect(submission.statusDetail).toMatch(/^waiting for the grading machines \(our database was unreachable\); trying again in 2 s; this does not count against you$/);
    } finally {
      await refusingDb.$disconnect();
      await refusing.stop();
    }
  });

  it("a run stopped by nobody who asked is our failure, never a cancellation", async () => {
    const { submissionId, jobId } = await newJob();
    const { sandbox } = standIn([() => Promise.reject(new CancelledError("the test was stopped"))]);
    await expect(gradeJob({ db: stack.db, sandbox, runnerId: "stand-in", limits }, jobId)).rejects.toBeInstanceOf(RetryGrading);
    const { submission, attempts } = await outcome(submissionId, jobId);
    expect(submission.status).toBe("QUEUED");
    expect(attempts.map((a) => [a.outcome, a.errorCode])).toEqual([["INFRA_ERROR", "runner.stopped"]]);
  });
});
