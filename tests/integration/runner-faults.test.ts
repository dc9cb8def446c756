// Faults the grading pipeline survives, with real PostgreSQL, Redis and Docker:
// a runner killed with SIGKILL mid-test (another runner finishes, nothing is
// left in Docker, exactly one verdict), Redis losing every queued job (the
// database says what is waiting; the reconciler re-enqueues it), Redis wiped
// while a grading runs (its live attempt is never run twice; a submission left
// unfinished by a finished job is repaired), PostgreSQL becoming unreachable
// for a while (the runner waits for it), the Docker engine not answering for a
// minute (the runner takes no work meanwhile, the grading is retried by time
// and graded once the engine answers, nothing is left in Docker) and the
// Docker engine restarting mid-test (an infrastructure error, retried).
//
// Tests that wipe or kill Redis use a private redis-server
// (tests/support/redis-server.ts), never the shared one.
import { spawn } from "node:child_process";
import path from "node:path";
import Docker from "dockerode";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config.js";
import { queueOverviewForStaff } from "../../lib/jobs/queue-overview.js";
import { runnerLimits } from "../../runner/limits.js";
import { gradeJob, type GradeDeps } from "../../runner/grade-job.js";
import { reconcileQueue } from "../../runner/reconciler.js";
import { labelsFor, MANAGED_LABEL } from "../../sandbox/labels.js";
import { createGradingStack, type GradingStack } from "../support/grading-stack.js";
import { databaseUrl } from "../support/databases.js";
import { ourDockerd, restartDockerd } from "../support/docker-engine.js";
import { startPrivateRedis, type PrivateRedis } from "../support/redis-server.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { DEMO_COURSE_SLUG } from "../../lib/seed/demo-course.js";
import { until } from "../support/until.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const stacks: GradingStack[] = [];
const redises: PrivateRedis[] = [];

afterAll(async () => {
  for (const s of stacks) await s.close();
  for (const r of redises) await r.kill().catch(() => undefined);
});

describe("a runner killed with SIGKILL in the middle of a test", () => {
  it("is taken over by another runner: one verdict, nothing left in Docker", async () => {
    const stack = await createGradingStack("sigkill");
    stacks.push(stack);
    await stack.publishLongEchoSuite(15);
    const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["runner/main.ts"], {
      cwd: ROOT,
      detached: true, // its own process group, so the kill takes tsx's node child too
      stdio: "ignore",
      env: { ...process.env, DATABASE_URL: stack.database.url, REDIS_URL: stack.redisUrl, LABGRADE_QUEUE_PREFIX: stack.prefix, LABGRADE_RUNNER_ID: "doomed-runner" },
    });
    const submission = await stack.submitReference("alice@demo.labgrade.test", "echo", "correct");
    const doomedFilter = JSON.stringify({ label: [`${MANAGED_LABEL}=1`, "labgrade.runner=doomed-runner"] });
    await until("the doomed runner's test to be running", async () => {
      const s = await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } });
      return s.status === "RUNNING" && (await stack.docker.listNetworks({ filters: doomedFilter })).length > 0;
    });
    process.kill(-child.pid!, "SIGKILL");
    expect((await stack.docker.listContainers({ all: true, filters: doomedFilter })).length).toBeGreaterThan(0);

    await stack.startRunner("rescuer");
    expect(await stack.waitForFinalStatus(submission.id, 240_000)).toBe("GRADED");

    const attempts = await stack.db.gradingAttempt.findMany({ where: { job: { submissionId: submission.id } }, orderBy: { number: "asc" }, include: { results: true } });
    expect(attempts.map((a) => [a.runnerId, a.outcome, a.errorCode])).toEqual([
      ["doomed-runner", "INFRA_ERROR", "runner.lost"],
      ["rescuer", "GRADED", null],
    ]);
    expect(attempts[1]!.results.map((r) => r.verdict)).toEqual(["PASS"]);
    const graded = await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } });
    expect(graded.score).toBe(1);
    // Everything the dead runner created is gone.
    expect(await stack.docker.listContainers({ all: true, filters: doomedFilter })).toEqual([]);
    expect(await stack.docker.listNetworks({ filters: doomedFilter })).toEqual([]);
    expect((await stack.docker.listVolumes({ filters: doomedFilter })).Volumes ?? []).toEqual([]);
  });
});

describe("Redis losing its data", () => {
  it("loses no accepted submission: the reconciler re-enqueues from the database", async () => {
    const redis = await startPrivateRedis();
    redises.push(redis);
    const stack = await createGradingStack("redisloss", { redisUrl: redis.url });
    stacks.push(stack);
    const queued = await stack.submitReference("alice@demo.labgrade.test", "echo", "correct");
    expect(await stack.queue.getJobCounts("wait", "prioritized")).toMatchObject({ prioritized: 1 });

    // Redis dies with the job in memory and comes back empty.
    await redis.kill();
    // A submission made while Redis is down is still accepted (and stored).
    const whileDown = await stack.submitReference("bob@demo.labgrade.test", "echo", "correct");
    expect(whileDown.status).toBe("QUEUED");
    await redis.start();
    await until("the queue to reconnect", async () => (await stack.queue.getJobCounts("prioritized").catch(() => undefined)) !== undefined, 30_000);
    expect(await stack.queue.getJobCounts("wait", "prioritized")).toMatchObject({ wait: 0, prioritized: 0 });

    await stack.startRunner();
    expect(await stack.waitForFinalStatus(queued.id)).toBe("GRADED");
    expect(await stack.waitForFinalStatus(whileDown.id)).toBe("GRADED");
  });
});

/** A stack on a private Redis with a published py-echo lab whose one test lasts `seconds`. */
async function privateStack(label: string, seconds: number): Promise<{ stack: GradingStack; redis: PrivateRedis }> {
  const redis = await startPrivateRedis();
  redises.push(redis);
  const stack = await createGradingStack(label, { redisUrl: redis.url });
  stacks.push(stack);
  const course = await stack.db.course.findUniqueOrThrow({ where: { slug: DEMO_COURSE_SLUG } });
  await stack.createPythonEchoLab(course.id, { durationSeconds: seconds });
  return { stack, redis };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The job of a submission with its attempts in order, as [runner, outcome, error code]. */
async function attemptsOf(stack: GradingStack, submissionId: string) {
  const job = await stack.db.gradingJob.findFirstOrThrow({
    where: { submissionId },
    include: { attempts: { orderBy: { number: "asc" }, include: { results: true } } },
  });
  return { job, attempts: job.attempts, summary: job.attempts.map((a) => [a.runnerId, a.outcome, a.errorCode]) };
}

/** Outcomes that are a verdict (or a cancellation): a job must have exactly one once it is over. */
const VERDICTS = ["GRADED", "BUILD_FAILED", "TIMED_OUT", "CANCELLED"];

/** A submission whose job runs on runner "elsewhere" (its attempt's heartbeat fresh) and which Redis has lost. */
async function runningElsewhere(stack: GradingStack) {
  const submission = await stack.submitPythonEcho(await stack.actor("alice@demo.labgrade.test"), DEMO_COURSE_SLUG);
  const job = await stack.db.gradingJob.findFirstOrThrow({ where: { submissionId: submission.id } });
  await stack.queue.obliterate({ force: true });
  const attempt = await stack.db.gradingAttempt.create({ data: { jobId: job.id, number: 1, runnerId: "elsewhere", heartbeatAt: new Date() } });
  await stack.db.gradingJob.update({ where: { id: job.id }, data: { status: "RUNNING" } });
  await stack.db.submission.update({ where: { id: submission.id }, data: { status: "RUNNING", startedAt: new Date() } });
  return { submission, job, attempt };
}

describe("Redis wiped while a grading runs", () => {
  it("never runs the live attempt twice: one outcome, the submission final (FLUSHALL 3 s into a test, two runners)", async () => {
    const { stack, redis } = await privateStack("flushall", 12);
    await stack.startRunner("flush-a", { reconcileEveryMs: 1000 });
    const submission = await stack.submitPythonEcho(await stack.actor("alice@demo.labgrade.test"), DEMO_COURSE_SLUG);
    await until("the test to start on flush-a", async () => (await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } })).status === "RUNNING");
    // A second runner with a free slot, whose reconciler would re-enqueue the job.
    await stack.startRunner("flush-b", { reconcileEveryMs: 1000 });
    await sleep(3000);
    const wipe = new Redis(redis.url);
    await wipe.flushall();
    wipe.disconnect();

    expect(await stack.waitForFinalStatus(submission.id, 180_000)).toBe("GRADED");
    // A few more reconciler passes, where a duplicate would start.
    await sleep(6000);
    const { job, attempts, summary } = await attemptsOf(stack, submission.id);
    expect(summary).toEqual([["flush-a", "GRADED", null]]);
    expect(job.status).toBe("SUCCEEDED");
    expect(attempts[0]!.results.map((r) => r.verdict)).toEqual(["PASS"]);
    const graded = await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } });
    expect(graded).toMatchObject({ status: "GRADED", statusDetail: "all tests passed" });
    expect(graded.score).toBe(graded.maxScore);
  }, 300_000);

  it("leaves a live attempt out of the queue, and re-enqueues one whose heartbeat stopped", async () => {
    const { stack } = await privateStack("reconcile-live", 1);
    const { job, attempt } = await runningElsewhere(stack);

    const live = await reconcileQueue(stack.db, stack.queue, { minAgeMs: 0 });
    expect(live.enqueued).toEqual([]);
    expect(await stack.queue.getJob(job.id)).toBeUndefined();

    await stack.db.gradingAttempt.update({ where: { id: attempt.id }, data: { heartbeatAt: new Date(Date.now() - 45_000) } });
    const stale = await reconcileQueue(stack.db, stack.queue, { minAgeMs: 0 });
    expect(stale.enqueued).toEqual([job.id]);
    expect(await stack.queue.getJob(job.id)).toBeDefined();
  });

  it("does not start a second attempt beside a live one, nor reap its containers; takes over once its heartbeat stops", async () => {
    const { stack } = await privateStack("live-attempt", 1);
    const { submission, job, attempt } = await runningElsewhere(stack);
    // What the live attempt is running.
    const container = await stack.docker.createContainer({
      Image: "labgrade/base:latest",
      Cmd: ["/bin/sleep", "300"],
      Labels: labelsFor({ runnerId: "elsewhere", jobId: job.id, test: "echo", owner: "tests" }),
      HostConfig: { NetworkMode: "none" },
    });
    await container.start();
    const exists = () => container.inspect().then(() => true, () => false);
    const deps: GradeDeps = { db: stack.db, docker: stack.docker, runnerId: "taker", limits: runnerLimits(parseConfig({})) };
    try {
      await expect(gradeJob(deps, job.id, {})).rejects.toThrow(/attempt 1 of this job is still running on elsewhere/);
      expect(await exists()).toBe(true);
      expect((await attemptsOf(stack, submission.id)).summary).toEqual([["elsewhere", null, null]]);

      // Its runner stops renewing the heartbeat: the attempt is lost, its containers go, the job is graded.
      await stack.db.gradingAttempt.update({ where: { id: attempt.id }, data: { heartbeatAt: new Date(Date.now() - 45_000) } });
      await gradeJob(deps, job.id, {});
      expect(await exists()).toBe(false);
      const { job: graded, summary } = await attemptsOf(stack, submission.id);
      expect(summary).toEqual([
        ["elsewhere", "INFRA_ERROR", "runner.lost"],
        ["taker", "GRADED", null],
      ]);
      expect(graded.status).toBe("SUCCEEDED");

      // A late run on the finished job starts nothing and moves nothing back.
      await gradeJob({ ...deps, runnerId: "late" }, job.id, {});
      expect((await attemptsOf(stack, submission.id)).summary).toHaveLength(2);
      expect((await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } })).status).toBe("GRADED");
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  });

  it("lets an attempt taken for lost record nothing when it ends: the attempt that took over has the job's one outcome", async () => {
    const { stack } = await privateStack("zombie", 8);
    const submission = await stack.submitPythonEcho(await stack.actor("alice@demo.labgrade.test"), DEMO_COURSE_SLUG);
    const job = await stack.db.gradingJob.findFirstOrThrow({ where: { submissionId: submission.id } });
    await stack.queue.obliterate({ force: true });
    const limits = runnerLimits(parseConfig({}));
    // An attempt whose heartbeat stalls (as a runner cut from the database would) but which runs on.
    const zombie = gradeJob({ db: stack.db, docker: stack.docker, runnerId: "zombie", limits, attemptHeartbeatMs: 3_600_000 }, job.id, {}).then(
      () => "returned",
      (err: unknown) => `threw ${String(err)}`,
    );
    let ended: string | undefined;
    void zombie.then((how) => (ended = how));
    await until("the zombie's test to start", async () => {
      // An attempt that ends before its test starts would leave this waiting out its whole timeout: say how it ended.
      if (ended) throw new Error(`the zombie attempt ${ended} before its test started`);
      return (await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } })).status === "RUNNING";
    });
    await stack.db.gradingAttempt.updateMany({ where: { jobId: job.id, finishedAt: null }, data: { heartbeatAt: new Date(Date.now() - 45_000) } });
    await gradeJob({ db: stack.db, docker: stack.docker, runnerId: "taker", limits }, job.id, {});
    console.log(`the zombie attempt ${await zombie}`);

    const { job: done, attempts, summary } = await attemptsOf(stack, submission.id);
    expect(summary).toEqual([
      ["zombie", "INFRA_ERROR", "runner.lost"],
      ["taker", "GRADED", null],
    ]);
    expect(attempts.filter((a) => VERDICTS.includes(a.outcome ?? ""))).toHaveLength(1);
    expect(done.status).toBe("SUCCEEDED");
    expect(attempts[1]!.results.map((r) => r.verdict)).toEqual(["PASS"]);
    const graded = await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } });
    expect(graded).toMatchObject({ status: "GRADED", statusDetail: "all tests passed" });
    expect(graded.score).toBe(graded.maxScore);
    // Nothing of either attempt is left in the engine.
    const filters = JSON.stringify({ label: [`${MANAGED_LABEL}=1`, `labgrade.job=${job.id}`] });
    await until("the zombie's containers to be gone", async () => (await stack.docker.listContainers({ all: true, filters })).length === 0, 60_000);
  }, 240_000);

  it("repairs, in one reconciler pass, a submission left unfinished by a job that is final", async () => {
    const { stack } = await privateStack("repair", 1);
    const alice = await stack.actor("alice@demo.labgrade.test");
    const wedged = await stack.submitPythonEcho(alice, DEMO_COURSE_SLUG);
    const failed = await stack.submitPythonEcho(await stack.actor("bob@demo.labgrade.test"), DEMO_COURSE_SLUG);
    await stack.queue.obliterate({ force: true });
    const finishedAt = new Date(Date.now() - 60_000);
    // As the issue found it: graded by attempt 1, then moved back to RUNNING by a duplicate attempt.
    const gradedJob = await stack.db.gradingJob.findFirstOrThrow({ where: { submissionId: wedged.id } });
    await stack.db.gradingAttempt.create({ data: { jobId: gradedJob.id, number: 1, runnerId: "a", finishedAt, outcome: "GRADED" } });
    await stack.db.gradingAttempt.create({ data: { jobId: gradedJob.id, number: 2, runnerId: "b", finishedAt, outcome: "INFRA_ERROR", errorCode: "runner.lost" } });
    await stack.db.gradingJob.update({ where: { id: gradedJob.id }, data: { status: "SUCCEEDED", finishedAt } });
    await stack.db.submission.update({ where: { id: wedged.id }, data: { status: "RUNNING", statusDetail: "running test 1/1: echo", score: 1, maxScore: 1, finalScore: 1, finishedAt } });
    // A job that failed on our side, its submission still QUEUED.
    const failedJob = await stack.db.gradingJob.findFirstOrThrow({ where: { submissionId: failed.id } });
    await stack.db.gradingAttempt.create({ data: { jobId: failedJob.id, number: 1, runnerId: "a", finishedAt, outcome: "INFRA_ERROR", errorCode: "engine.unavailable", errorMessage: "the Docker engine stopped answering" } });
    await stack.db.gradingJob.update({ where: { id: failedJob.id }, data: { status: "FAILED", finishedAt } });

    const report = await reconcileQueue(stack.db, stack.queue, { minAgeMs: 0 });
    expect(await stack.db.submission.findUniqueOrThrow({ where: { id: wedged.id } })).toMatchObject({ status: "GRADED", statusDetail: "all tests passed", score: 1, finishedAt });
    expect(await stack.db.submission.findUniqueOrThrow({ where: { id: failed.id } })).toMatchObject({
      status: "INFRA_ERROR",
      statusDetail: "infrastructure error: the Docker engine stopped answering",
      finishedAt,
    });
    expect(report.enqueued).toEqual([]);
    expect(report.repaired.sort()).toEqual([wedged.id, failed.id].sort());
    // Already right: a second pass changes nothing.
    expect((await reconcileQueue(stack.db, stack.queue, { minAgeMs: 0 })).repaired).toEqual([]);
  });
});

describe("PostgreSQL unreachable for a while", () => {
  it("makes the runner wait and recover: the submission is graded, one verdict, nothing lost", async () => {
    const stack = await createGradingStack("pg-outage");
    stacks.push(stack);
    const course = await stack.db.course.findUniqueOrThrow({ where: { slug: DEMO_COURSE_SLUG } });
    await stack.createPythonEchoLab(course.id, { durationSeconds: 3 });
    // The runner reaches PostgreSQL only through a proxy the test can cut.
    const target = new URL(stack.database.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    try {
      const viaProxy = new URL(databaseUrl(stack.database.name));
      viaProxy.port = String(proxy.port);
      await stack.startRunner("pg-outage-runner", { databaseUrl: viaProxy.toString() });
      const submission = await stack.submitPythonEcho(await stack.actor("alice@demo.labgrade.test"), DEMO_COURSE_SLUG);
      await until("the test to start", async () => (await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } })).status === "RUNNING");
      // Cut for 12 s: the 3-second test ends while the database is gone, so
      // storing its result meets the outage.
      await proxy.cut();
      await new Promise((r) => setTimeout(r, 12_000));
      const during = await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } });
      expect(during.status).toBe("RUNNING");
      await proxy.restore();

      expect(await stack.waitForFinalStatus(submission.id, 180_000)).toBe("GRADED");
      const graded = await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } });
      expect(graded.score).toBe(graded.maxScore);
      const jobs = await stack.db.gradingJob.findMany({ where: { submissionId: submission.id }, include: { attempts: { include: { results: true } } } });
      expect(jobs).toHaveLength(1);
      expect(jobs[0]!.status).toBe("SUCCEEDED");
      // Exactly one stored verdict, on the attempt that succeeded; any attempt
      // the outage cut short is recorded as ours, not the student's.
      const results = jobs[0]!.attempts.flatMap((a) => a.results);
      expect(results.map((r) => r.verdict)).toEqual(["PASS"]);
      const attempts = [...jobs[0]!.attempts].sort((a, b) => a.number - b.number);
      expect(attempts.map((a) => a.outcome)).toEqual(["INFRA_ERROR", "GRADED"]);
      expect(attempts[0]).toMatchObject({ errorCode: "database.unavailable", errorMessage: expect.stringMatching(/^the database became unreachable: Can't reach database server at/) });
      expect(graded.countsTowardLimit).toBe(true);
      expect(graded.statusDetail).not.toMatch(/infrastructure/);
    } finally {
      await proxy.close();
    }
  }, 300_000);
});

// The engine "down" in these tests is an engine that does not answer, as a
// remote engine does when its host or its network fails: the runner reaches
// the Docker socket only through a proxy that the test cuts (open connections
// dropped, new ones refused) and restores. The shared dockerd itself is never
// stopped; "the Docker engine restarting mid-test" below covers a real dockerd
// restart, where infra/up started the engine.
async function engineBehindProxy() {
  const proxy = await startTcpProxy({ path: "/var/run/docker.sock" });
  return { proxy, docker: new Docker({ host: "127.0.0.1", port: proxy.port }) };
}

/** This job's containers, networks and volumes in the engine. */
async function leftoversOf(stack: GradingStack, jobId: string) {
  const filters = JSON.stringify({ label: [`${MANAGED_LABEL}=1`, `labgrade.job=${jobId}`] });
  return [
    ...(await stack.docker.listContainers({ all: true, filters })),
    ...(await stack.docker.listNetworks({ filters })),
    ...((await stack.docker.listVolumes({ filters })).Volumes ?? []),
  ].map((r) => ({ createdMs: Number(r.Labels?.["labgrade.created-ms"] ?? 0) }));
}

describe("the Docker engine not answering for a minute", () => {
  it("keeps the grading waiting, not failed: retried once it answers, graded once, nothing left in Docker", async () => {
    const { stack } = await privateStack("engine-outage", 8);
    const { proxy, docker } = await engineBehindProxy();
    try {
      const runner = await stack.startRunner("outage-runner", { docker });
      const submission = await stack.submitPythonEcho(await stack.actor("alice@demo.labgrade.test"), DEMO_COURSE_SLUG);
      await until("the test to start", async () => (await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } })).status === "RUNNING");
      await sleep(1500);
      await proxy.cut();
      const cutAt = Date.now();

      const { job } = await attemptsOf(stack, submission.id);
      // The bar is an outage of 60 s: the checks below run once it has
      // lasted that long, and the engine comes back only after them.
      await sleep(Math.max(0, cutAt + 60_000 - Date.now()));
      // A minute on: still waiting, told why, the cut attempt recorded as ours, and no try spent since.
      const during = await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } });
      expect(during.status).toBe("QUEUED");
      expect(during.statusDetail).toMatch(/^waiting for the grading machines \(a grading machine's container engine is not answering\).*does not count against you$/);
      expect((await attemptsOf(stack, submission.id)).attempts.map((a) => a.outcome)).toEqual(["INFRA_ERROR"]);
      expect(await stack.db.gradingJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "QUEUED" });
      expect(runner.engineReachable()).toBe(false);

      await proxy.restore();
      const restoredAt = Date.now();
      expect(restoredAt - cutAt).toBeGreaterThanOrEqual(60_000);
      // Before anything else runs, what the cut attempt left is swept.
      await until("the cut attempt's leftovers to be gone", async () => (await leftoversOf(stack, job.id)).every((r) => r.createdMs >= restoredAt), 30_000);
      expect(await stack.waitForFinalStatus(submission.id, 180_000)).toBe("GRADED");
      const { job: done, attempts, summary } = await attemptsOf(stack, submission.id);
      expect(summary).toEqual([
        ["outage-runner", "INFRA_ERROR", "engine.unavailable"],
        ["outage-runner", "GRADED", null],
      ]);
      expect(attempts.filter((a) => VERDICTS.includes(a.outcome ?? ""))).toHaveLength(1);
      expect(done.status).toBe("SUCCEEDED");
      const graded = await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } });
      expect(graded).toMatchObject({ status: "GRADED", statusDetail: "all tests passed", countsTowardLimit: true });
      expect(graded.score).toBe(graded.maxScore);
      await until("nothing of the job to be left in Docker", async () => (await leftoversOf(stack, job.id)).length === 0, 30_000);
    } finally {
      await proxy.close();
    }
  }, 400_000);

  it("grades again, once the engine answers, a job that ended INFRA_ERROR only on our side", async () => {
    const { stack } = await privateStack("engine-rerun", 3);
    const { proxy, docker } = await engineBehindProxy();
    try {
      // No retries at all, so the outage ends the job at once.
      const lines: string[] = [];
      await stack.startRunner("rerun-runner", { docker, limits: { infraRetryWindowMs: 0 }, log: (line) => lines.push(line) });
      const submission = await stack.submitPythonEcho(await stack.actor("alice@demo.labgrade.test"), DEMO_COURSE_SLUG);
      await until("the test to start", async () => (await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } })).status === "RUNNING");
      await proxy.cut();
      expect(await stack.waitForFinalStatus(submission.id, 60_000)).toBe("INFRA_ERROR");
      await sleep(8000);
      expect((await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } })).status).toBe("INFRA_ERROR");

      await proxy.restore();
      await until("the submission to be graded again", async () => (await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } })).status === "GRADED", 150_000);
      const { job, summary } = await attemptsOf(stack, submission.id);
      expect(summary).toEqual([
        ["rerun-runner", "INFRA_ERROR", "engine.unavailable"],
        ["rerun-runner", "GRADED", null],
      ]);
      expect(job.status).toBe("SUCCEEDED");
      // The log numbers attempts as the database does (BullMQ counts the re-queued job's runs afresh).
      expect(lines).toContain(`job ${job.id}: attempt 2 on rerun-runner`);
    } finally {
      await proxy.close();
    }
  }, 300_000);
});

describe("a runner whose engine does not answer", () => {
  it("takes no work, says so in its heartbeat and to staff, and resumes by itself", async () => {
    const { stack } = await privateStack("engine-pause", 2);
    const { proxy, docker } = await engineBehindProxy();
    try {
      await stack.startRunner("paused-runner", { docker });
      await proxy.cut();
      await sleep(4000);
      const submission = await stack.submitPythonEcho(await stack.actor("alice@demo.labgrade.test"), DEMO_COURSE_SLUG);
      await sleep(10_000);
      // Not one attempt spent on an engine that does not answer.
      expect((await attemptsOf(stack, submission.id)).attempts).toEqual([]);
      expect((await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } })).status).toBe("QUEUED");
      const row = await stack.db.runner.findUniqueOrThrow({ where: { id: "paused-runner" } });
      expect(row.engineUnreachableSince).toBeInstanceOf(Date);
      expect(row.engineError).toMatch(/ECONNREFUSED|socket hang up|ECONNRESET/);
      const overview = await queueOverviewForStaff(stack.db, await stack.actor("ta@demo.labgrade.test"), DEMO_COURSE_SLUG);
      expect(overview.runners.find((r) => r.id === "paused-runner")).toMatchObject({ alive: true, engineUnreachableSince: row.engineUnreachableSince });

      await proxy.restore();
      expect(await stack.waitForFinalStatus(submission.id, 120_000)).toBe("GRADED");
      expect((await attemptsOf(stack, submission.id)).summary).toEqual([["paused-runner", "GRADED", null]]);
      await until("the heartbeat to say the engine answers", async () => {
        const r = await stack.db.runner.findUniqueOrThrow({ where: { id: "paused-runner" } });
        return r.engineUnreachableSince === null && r.engineError === null;
      }, 30_000);
    } finally {
      await proxy.close();
    }
  }, 300_000);
});

describe("the Docker engine restarting mid-test", () => {
  it("ends the attempt as an infrastructure error and retries it: graded once, nothing left behind", async (ctx) => {
    const engine = await ourDockerd();
    if ("reason" in engine) {
      console.log(`SKIPPED: ${engine.reason}`);
      ctx.skip();
      return;
    }
    const stack = await createGradingStack("engine-restart");
    stacks.push(stack);
    const course = await stack.db.course.findUniqueOrThrow({ where: { slug: DEMO_COURSE_SLUG } });
    await stack.createPythonEchoLab(course.id, { durationSeconds: 8 });
    const runner = await stack.startRunner("engine-restart-runner");
    const submission = await stack.submitPythonEcho(await stack.actor("alice@demo.labgrade.test"), DEMO_COURSE_SLUG);
    await until("the test to start", async () => (await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } })).status === "RUNNING");
    await new Promise((r) => setTimeout(r, 1500));
    await restartDockerd(engine.pid);

    expect(await stack.waitForFinalStatus(submission.id, 240_000)).toBe("GRADED");
    const graded = await stack.db.submission.findUniqueOrThrow({ where: { id: submission.id } });
    expect(graded.score).toBe(graded.maxScore);
    const job = await stack.db.gradingJob.findFirstOrThrow({ where: { submissionId: submission.id }, include: { attempts: { include: { results: true }, orderBy: { number: "asc" } } } });
    expect(job.status).toBe("SUCCEEDED");
    expect(job.attempts.map((a) => a.outcome)).toEqual(["INFRA_ERROR", "GRADED"]);
    expect(job.attempts[0]!.results).toEqual([]);
    expect(job.attempts[1]!.results.map((r) => r.verdict)).toEqual(["PASS"]);

    const filters = JSON.stringify({ label: [`${MANAGED_LABEL}=1`, `labgrade.runner=${runner.id}`] });
    await until("the runner's containers to be gone", async () => (await stack.docker.listContainers({ all: true, filters })).length === 0, 30_000);
    expect(await stack.docker.listNetworks({ filters })).toEqual([]);
    expect((await stack.docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);
  }, 400_000);
});
