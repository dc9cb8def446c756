// A runner: a BullMQ worker on the grading queue plus its housekeeping
// (heartbeat with capabilities and engine state, engine monitor, reconciler,
// reaper). `startRunner` is what runner/main.ts and the integration tests both
// start, with their own database, queue prefix and Docker client.
//
// The runner takes work only while its Docker engine answers: a monitor pings
// it every couple of seconds; while it does not answer the worker is paused,
// the heartbeat says since when (the staff grading page shows it), and a
// grading that runs on regardless is ended as our failure after
// ENGINE_ABORT_AFTER_MS. When the engine answers again the runner sweeps what
// failed attempts left in it, queues again the jobs that failed on our side
// not long ago, and resumes by itself.
import os from "node:os";
import { DelayedError, UnrecoverableError, Worker, type Job, type Queue } from "bullmq";
import type Docker from "dockerode";
import { isConnectionLoss, waitForDatabase, type Db } from "../lib/db.js";
import { errorMessage } from "../lib/errors.js";
import { GRADING_QUEUE, gradeSubmissionJob, RUNNER_DEAD_AFTER_MS } from "../lib/jobs/grading-job.js";
import { createGradingQueue, createRedis, type QueueOptions } from "../lib/queue.js";
import { pingEngine, probeCapabilities, type EngineCapabilities } from "../sandbox/capabilities.js";
import type { RunnerLimits } from "./limits.js";
import { jobsWithLeftovers, reapJobLeftovers, reapLeftovers } from "../sandbox/reaper.js";
import { AttemptInProgress, CourseAtCapacity, gradeJob, RetryGrading } from "./grade-job.js";
import { reconcileQueue, rerunInfraFailures } from "./reconciler.js";
import { reapRecordedLeftovers } from "./engine-leftovers.js";
import { engineOf } from "../sandbox/engine.js";

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
  /** How often to ask the engine whether it answers. */
  engineProbeEveryMs?: number;
  log?: (line: string) => void;
}

export interface RunningRunner {
  id: string;
  worker: Worker;
  queue: Queue;
  /** Whether the engine answered the last probe (the runner takes work only then). */
  engineReachable(): boolean;
  close(): Promise<void>;
}

/** How often a running job checks whether it was cancelled. */
const CANCEL_POLL_MS = 1000;
/** How long a job over its course's concurrency cap waits before it is offered again. */
const COURSE_CAP_RETRY_MS = 2000;
/** At most this long a job whose attempt is alive elsewhere waits before it asks again (sooner if that attempt's heartbeat would go stale sooner). */
const LIVE_ATTEMPT_RETRY_MS = 10_000;
/** How long a job taken while the engine does not answer waits before it is offered again (to any runner). */
const ENGINE_DOWN_RETRY_MS = 5000;
/** How long the engine may take to answer a ping. */
const ENGINE_PING_TIMEOUT_MS = 5000;
/** A grading still running after the engine has not answered for this long is ended (its calls may hang, not fail). */
const ENGINE_ABORT_AFTER_MS = 15_000;
/** No grading may hold Docker resources longer than this. */
const MAX_RESOURCE_AGE_MS = 2 * 3600_000;

type EngineState = { reachable: true } | { reachable: false; since: Date; error: string };

export async function startRunner(opts: RunnerOptions): Promise<RunningRunner> {
  const log = opts.log ?? ((line: string) => console.log(`[runner] ${line}`));
  const id = opts.runnerId ?? `${os.hostname()}-${process.pid}`;
  const { db, docker } = opts;

  let capabilities: (EngineCapabilities & { concurrency: number }) | undefined;
  let engine: EngineState;
  const probe = async (): Promise<EngineState> => {
    const ping = await pingEngine(docker, ENGINE_PING_TIMEOUT_MS);
    if (!ping.ok) return { reachable: false, since: new Date(), error: ping.error };
    try {
      // Probed anew each time the engine comes back: it may have been restarted with other images.
      capabilities = { ...(await probeCapabilities(docker, opts.limits.shaperPreference)), concurrency: opts.concurrency };
    } catch (err) {
      return { reachable: false, since: new Date(), error: errorMessage(err) };
    }
    log(`runner ${id}: engine ${capabilities.engineVersion}; delays packets with ${capabilities.shaping.detail}`);
    const missing = Object.entries(capabilities.images).filter(([, imageId]) => !imageId);
    if (missing.length > 0) log(`warning: images missing: ${missing.map(([n]) => n).join(", ")} (run ./infra/up)`);
    return { reachable: true };
  };
  engine = await probe();
  if (!engine.reachable) log(`runner ${id}: the Docker engine does not answer (${engine.error}); taking no work until it does`);
  // A runner restarted under the same id starts afresh: every heartbeat carries this start.
  const startedAt = new Date();
  const heartbeat = async () => {
    const state = engine.reachable ? { engineUnreachableSince: null, engineError: null } : { engineUnreachableSince: engine.since, engineError: engine.error };
    await db.runner.upsert({
      where: { id },
      create: { id, hostname: os.hostname(), capabilities: (capabilities ?? { concurrency: opts.concurrency }) as object, startedAt, ...state },
      update: { heartbeatAt: new Date(), ...(capabilities ? { capabilities: capabilities as object } : {}), startedAt, hostname: os.hostname(), ...state },
    });
  };
  await heartbeat();

  const reap = async () => {
    if (!engine.reachable) return;
    const dead = await db.runner.findMany({ where: { heartbeatAt: { lt: new Date(Date.now() - RUNNER_DEAD_AFTER_MS) } }, select: { id: true } });
    const report = await reapLeftovers(docker, { deadRunnerIds: new Set(dead.map((r) => r.id)), maxAgeMs: MAX_RESOURCE_AGE_MS });
    if (report.containers + report.networks + report.volumes > 0) {
      log(`reaped ${report.containers} containers, ${report.networks} networks, ${report.volumes} volumes left by dead runners`);
    }
    // What runners of other engines recorded as left on this one (engine-leftovers.ts), also while idle.
    const identity = await engineOf(docker).catch(() => undefined);
    if (identity) await reapRecordedLeftovers({ db, docker, engine: identity, log }).catch((err: unknown) => log(`recorded leftovers not removed yet: ${errorMessage(err)}`));
  };
  if (engine.reachable) await reap();

  const redis = createRedis(opts.queue.redisUrl);
  const publisher = createRedis(opts.queue.redisUrl);
  const queue = createGradingQueue(opts.queue);
  const publish = (submissionId: string, event: Record<string, unknown>) => {
    void publisher.publish(`${opts.queue.prefix}:progress:${submissionId}`, JSON.stringify(event)).catch(() => undefined);
  };

  /** Per running job: aborted when the engine has stopped answering for too long. */
  const engineLost = new Map<string, AbortController>();

  const worker = new Worker(
    GRADING_QUEUE,
    async (job: Job, token?: string) => {
      const payload = gradeSubmissionJob.schema.safeParse(job.data);
      if (!payload.success) throw new UnrecoverableError(`invalid payload: ${payload.error.message}`);
      const jobId = payload.data.gradingJobId;
      const later = async (delayMs: number, why: string): Promise<never> => {
        // Back to wait, keeping its priority; other jobs (and other runners) run meanwhile.
        log(`job ${jobId}: ${why}; offered again in ${Math.round(delayMs / 1000)} s`);
        await job.moveToDelayed(Date.now() + delayMs, token);
        throw new DelayedError();
      };
      // Taken in the moment before the monitor paused the worker: no attempt is spent on it.
      if (!engine.reachable) return later(ENGINE_DOWN_RETRY_MS, "this runner's engine does not answer");
      // A database that went away is waited for here, not turned into failed attempts.
      await waitForDatabase(db, { log });
      // Staff or the student may cancel from the web: the request is a column
      // in the database, watched here and turned into an abort all the way down.
      const cancel = new AbortController();
      const watch = setInterval(() => {
        void db.gradingJob
          .findUnique({ where: { id: jobId }, select: { cancelRequestedAt: true } })
          .then((row) => row?.cancelRequestedAt && cancel.abort())
          .catch(() => undefined);
      }, CANCEL_POLL_MS);
      const lost = new AbortController();
      engineLost.set(jobId, lost);
      try {
        await gradeJob(
          { db, docker, runnerId: id, limits: opts.limits, publish, shaper: capabilities?.shaping.kind ?? "none", log },
          jobId,
          { signal: cancel.signal, engineLost: lost.signal },
        );
      } catch (err) {
        // Lost before an attempt could record anything: wait, then let BullMQ retry.
        if (isConnectionLoss(err)) await waitForDatabase(db, { log });
        if (err instanceof RetryGrading || err instanceof CourseAtCapacity || err instanceof AttemptInProgress) {
          const delayMs =
            err instanceof RetryGrading
              ? err.delayMs
              : err instanceof CourseAtCapacity
                ? COURSE_CAP_RETRY_MS
                : Math.min(LIVE_ATTEMPT_RETRY_MS, Math.max(1000, err.staleInMs + 500));
          return later(delayMs, err.message);
        }
        throw err;
      } finally {
        clearInterval(watch);
        engineLost.delete(jobId);
      }
      log(`job ${jobId}: done`);
    },
    {
      connection: redis,
      prefix: opts.queue.prefix,
      concurrency: opts.concurrency,
      // Started once the engine answers (see below).
      autorun: false,
      // A runner killed mid-job stops renewing its lock; after this long
      // another runner takes the job over as stalled.
      lockDuration: 30_000,
      stalledInterval: 15_000,
      maxStalledCount: 3,
    },
  );
  worker.on("failed", (job, err) => log(`job ${job?.id}: ${errorMessage(err)}`));
  worker.on("error", (err) => log(`worker error: ${errorMessage(err)}`));
  let started = false;
  const takeWork = async () => {
    if (!started) {
      started = true;
      void worker.run().catch((err: unknown) => log(`worker stopped: ${errorMessage(err)}`));
    } else {
      await worker.resume();
    }
  };

  /** What failed attempts of this runner left while the engine did not answer: every job of ours without an open attempt here. */
  const sweepOwnLeftovers = async () => {
    for (const jobId of await jobsWithLeftovers(docker, id)) {
      const open = await db.gradingAttempt.count({ where: { jobId, runnerId: id, finishedAt: null } });
      if (open > 0) continue;
      const report = await reapJobLeftovers(docker, jobId, new Set([id]));
      log(`job ${jobId}: reaped ${report.containers} containers, ${report.networks} networks, ${report.volumes} volumes its failed attempt left`);
    }
  };
  const rerun = async () => {
    const queued = await rerunInfraFailures(db, queue, { withinMs: opts.limits.infraRerunWithinMs });
    if (queued.length > 0) log(`queued again ${queued.length} jobs that had failed on our side`);
  };

  let probing = false;
  let closing = false;
  const watchEngine = async () => {
    if (probing || closing) return;
    probing = true;
    try {
      if (engine.reachable) {
        const ping = await pingEngine(docker, ENGINE_PING_TIMEOUT_MS);
        if (ping.ok || closing) return;
        engine = { reachable: false, since: new Date(), error: ping.error };
        log(`the Docker engine does not answer (${ping.error}): taking no work until it does`);
        await worker.pause(true);
        await heartbeat().catch(() => undefined);
        return;
      }
      const since = engine.since;
      const now = await probe();
      if (closing) return;
      if (!now.reachable) {
        engine = { reachable: false, since, error: now.error };
        if (Date.now() - since.getTime() >= ENGINE_ABORT_AFTER_MS) for (const lost of engineLost.values()) lost.abort();
        return;
      }
      // Before any new attempt can start here: sweep, then queue again what failed for want of an engine.
      await sweepOwnLeftovers().catch((err: unknown) => log(`sweeping leftovers failed: ${errorMessage(err)}`));
      await rerun().catch((err: unknown) => log(`queueing failed jobs again failed: ${errorMessage(err)}`));
      engine = { reachable: true };
      log(`the Docker engine answers again (it did not for ${Math.round((Date.now() - since.getTime()) / 1000)} s): taking work`);
      await heartbeat().catch(() => undefined);
      await takeWork();
    } finally {
      probing = false;
    }
  };

  if (engine.reachable) {
    await rerun().catch((err: unknown) => log(`queueing failed jobs again failed: ${errorMessage(err)}`));
    await takeWork();
  }

  const timers = [
    setInterval(() => void heartbeat().catch((err: unknown) => log(`heartbeat failed: ${errorMessage(err)}`)), opts.heartbeatEveryMs ?? 10_000),
    setInterval(() => void watchEngine().catch((err: unknown) => log(`engine probe failed: ${errorMessage(err)}`)), opts.engineProbeEveryMs ?? 2000),
    setInterval(
      () =>
        void reconcileQueue(db, queue)
          .then((r) => {
            if (r.enqueued.length > 0) log(`reconciler re-enqueued ${r.enqueued.length} jobs missing from Redis`);
            if (r.repaired.length > 0) log(`reconciler set ${r.repaired.length} submissions from their finished job's outcome`);
          })
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
    engineReachable: () => engine.reachable,
    async close() {
      closing = true;
      for (const t of timers) clearInterval(t);
      await worker.close();
      await queue.close();
      publisher.disconnect();
      redis.disconnect();
    },
  };
}
