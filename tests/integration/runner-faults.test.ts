// Faults the grading pipeline survives, with real PostgreSQL, Redis and Docker:
// a runner killed with SIGKILL mid-test (another runner finishes, nothing is
// left in Docker, exactly one verdict), and Redis losing every queued job
// (the database says what is waiting; the reconciler re-enqueues it).
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MANAGED_LABEL } from "../../sandbox/labels.js";
import { createGradingStack, type GradingStack } from "../support/grading-stack.js";
import { startPrivateRedis, type PrivateRedis } from "../support/redis-server.js";

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
