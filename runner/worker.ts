// A runner: a BullMQ worker on the grading queue plus its housekeeping
// (heartbeat with capabilities, reconciler, reaper). `startRunner` is what
// runner/main.ts and the integration tests both start, with their own
// database, queue prefix and Docker client.
import os from "node:os";
import { DelayedError, UnrecoverableError, Worker, type Job, type Queue } from "bullmq";
import type Docker from "dockerode";
import { isConnectionLoss, waitForDatabase, type Db } from "../lib/db.js";
import { errorMessage } from "../lib/errors.js";
import { GRADING_QUEUE, gradeSubmissionJob, RUNNER_DEAD_AFTER_MS } from "../lib/jobs/grade-submission.js";
import { createGradingQueue, createRedis, type QueueOptions } from "../lib/queue.js";
import { probeCapabilities } from "../sandbox/capabilities.js";
import type { RunnerLimits } from "./limits.js";
import { reapLeftovers } from "../sandbox/reaper.js";
import { CourseAtCapacity, gradeJob } from "./grade-submission.js";
import { reconcileQueue } from "./reconciler.js";

export interface RunnerOptions {
  db: Db;
  docker: Docker;
  queue: QueueOptions;
  runnerId?: string;
  concurrency: number;
  limits: RunnerLimits;
  /** How often to reconcile the queue with the database. */
  reconcileEveryMs?: number;
  heartbeatEveryMs?: number;
  log?: (line: string) => void;
}

export interface RunningRunner {
  id: string;
  worker: Worker;
  queue: Queue;
  close(): Promise<void>;
}

/** How often a running job checks whether it was cancelled. */
const CANCEL_POLL_MS = 1000;
/** How long a job over its course's concurrency cap waits before it is offered again. */
const COURSE_CAP_RETRY_MS = 2000;
/** No grading may hold Docker resources longer than this. */
const MAX_RESOURCE_AGE_MS = 2 * 3600_000;

export async function startRunner(opts: RunnerOptions): Promise<RunningRunner> {
  const log = opts.log ?? ((line: string) => console.log(`[runner] ${line}`));
  const id = opts.runnerId ?? `${os.hostname()}-${process.pid}`;
  const { db, docker } = opts;
  const capabilities = { ...(await probeCapabilities(docker)), concurrency: opts.concurrency };
  log(`runner ${id}: engine ${capabilities.engineVersion}, netem ${capabilities.netem.available ? "available" : `unavailable (${capabilities.netem.detail})`}`);
  const missing = Object.entries(capabilities.images).filter(([, imageId]) => !imageId);
  if (missing.length > 0) log(`warning: images missing: ${missing.map(([n]) => n).join(", ")} (run ./infra/up)`);
  // A runner restarted under the same id starts afresh: every heartbeat carries this start.
  const startedAt = new Date();
  const heartbeat = async () => {
    await db.runner.upsert({
      where: { id },
      create: { id, hostname: os.hostname(), capabilities: capabilities as object, startedAt },
      update: { heartbeatAt: new Date(), capabilities: capabilities as object, startedAt, hostname: os.hostname() },
    });
  };
  await heartbeat();

  const reap = async () => {
    const dead = await db.runner.findMany({ where: { heartbeatAt: { lt: new Date(Date.now() - RUNNER_DEAD_AFTER_MS) } }, select: { id: true } });
    const report = await reapLeftovers(docker, { deadRunnerIds: new Set(dead.map((r) => r.id)), maxAgeMs: MAX_RESOURCE_AGE_MS });
    if (report.containers + report.networks + report.volumes > 0) {
      log(`reaped ${report.containers} containers, ${report.networks} networks, ${report.volumes} volumes left by dead runners`);
    }
  };
  await reap();

  const redis = createRedis(opts.queue.redisUrl);
  const publisher = createRedis(opts.queue.redisUrl);
  const queue = createGradingQueue(opts.queue);
  const publish = (submissionId: string, event: Record<string, unknown>) => {
    void publisher.publish(`${opts.queue.prefix}:progress:${submissionId}`, JSON.stringify(event)).catch(() => undefined);
  };

  const worker = new Worker(
    GRADING_QUEUE,
    async (job: Job, token?: string) => {
      const payload = gradeSubmissionJob.schema.safeParse(job.data);
      if (!payload.success) throw new UnrecoverableError(`invalid payload: ${payload.error.message}`);
      const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      log(`job ${payload.data.gradingJobId}: attempt ${job.attemptsMade + 1}`);
      // A database that went away is waited for here, not turned into failed attempts.
      await waitForDatabase(db, { log });
      // Staff or the student may cancel from the web: the request is a column
      // in the database, watched here and turned into an abort all the way down.
      const cancel = new AbortController();
      const watch = setInterval(() => {
        void db.gradingJob
          .findUnique({ where: { id: payload.data.gradingJobId }, select: { cancelRequestedAt: true } })
          .then((row) => row?.cancelRequestedAt && cancel.abort())
          .catch(() => undefined);
      }, CANCEL_POLL_MS);
      try {
        await gradeJob(
          { db, docker, runnerId: id, limits: opts.limits, publish, netemAvailable: capabilities.netem.available, log },
          payload.data.gradingJobId,
          { finalAttempt, signal: cancel.signal },
        );
      } catch (err) {
        // Lost before an attempt could record anything: wait, then let BullMQ retry.
        if (isConnectionLoss(err)) await waitForDatabase(db, { log });
        if (!(err instanceof CourseAtCapacity)) throw err;
        // Back to wait, keeping its priority; other courses' jobs run meanwhile.
        log(`job ${payload.data.gradingJobId}: ${err.message}; waiting ${COURSE_CAP_RETRY_MS} ms`);
        await job.moveToDelayed(Date.now() + COURSE_CAP_RETRY_MS, token);
        throw new DelayedError();
      } finally {
        clearInterval(watch);
      }
      log(`job ${payload.data.gradingJobId}: done`);
    },
    {
      connection: redis,
      prefix: opts.queue.prefix,
      concurrency: opts.concurrency,
      // A runner killed mid-job stops renewing its lock; after this long
      // another runner takes the job over as stalled.
      lockDuration: 30_000,
      stalledInterval: 15_000,
      maxStalledCount: 3,
    },
  );
  worker.on("failed", (job, err) => log(`job ${job?.id}: ${errorMessage(err)}`));
  worker.on("error", (err) => log(`worker error: ${errorMessage(err)}`));

  const timers = [
    setInterval(() => void heartbeat().catch((err: unknown) => log(`heartbeat failed: ${errorMessage(err)}`)), opts.heartbeatEveryMs ?? 10_000),
    setInterval(
      () =>
        void reconcileQueue(db, queue)
          .then((r) => r.enqueued.length > 0 && log(`reconciler re-enqueued ${r.enqueued.length} jobs missing from Redis`))
          .catch((err: unknown) => log(`reconcile failed: ${errorMessage(err)}`)),
      opts.reconcileEveryMs ?? 30_000,
    ),
    setInterval(() => void reap().catch((err: unknown) => log(`reaper failed: ${errorMessage(err)}`)), 5 * 60_000),
  ];
  void reconcileQueue(db, queue, { minAgeMs: 0 }).catch((err: unknown) => log(`reconcile failed: ${errorMessage(err)}`));

  return {
    id,
    worker,
    queue,
    async close() {
      for (const t of timers) clearInterval(t);
      await worker.close();
      await queue.close();
      publisher.disconnect();
      redis.disconnect();
    },
  };
}
