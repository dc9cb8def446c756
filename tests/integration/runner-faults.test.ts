// Faults the grading pipeline survives, with real PostgreSQL, Redis and Docker:
// a runner killed with SIGKILL mid-test (another runner finishes, nothing is
// left in Docker, exactly one verdict), Redis losing every queued job (the
// database says what is waiting; the reconciler re-enqueues it), PostgreSQL
// becoming unreachable for a while (the runner waits for it), and the Docker
// engine restarting mid-test (an infrastructure error, retried).
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MANAGED_LABEL } from "../../sandbox/labels.js";
import { createGradingStack, type GradingStack } from "../support/grading-stack.js";
import { databaseUrl } from "../support/databases.js";
import { ourDockerd, restartDockerd } from "../support/docker-engine.js";
import { startPrivateRedis, type PrivateRedis } from "../support/redis-server.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { DEMO_COURSE_SLUG } from "../../lib/seed/demo-course.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const stacks: GradingStack[] = [];
const redises: PrivateRedis[] = [];

afterAll(async () => {
  for (const s of stacks) await s.close();
  for (const r of redises) await r.kill().catch(() => undefined);
});

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

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
