// BullMQ on Redis carries grading work; PostgreSQL stays the source of truth.
// `enqueueGradingJob` is called only after the database commit that created
// the GradingJob; the reconciler (runner/reconciler.ts) covers a crash between
// the two.
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { config } from "./config.js";
import { GRADING_QUEUE, gradeSubmissionJob } from "./jobs/grading-job.js";

export interface QueueOptions {
  redisUrl: string;
  prefix: string;
}

export function defaultQueueOptions(): QueueOptions {
  return { redisUrl: config().REDIS_URL, prefix: config().LABGRADE_QUEUE_PREFIX };
}

/**
 * A connection for rate limits: each command fails fast while Redis is down
 * (the limiters' insurance counts in memory then) instead of waiting for it.
 */
export function createFailFastRedis(redisUrl: string): Redis {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 });
  redis.on("error", () => undefined);
  return redis;
}

export function createRedis(redisUrl: string): Redis {
  // BullMQ workers need maxRetriesPerRequest: null (blocking commands).
  return new Redis(redisUrl, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

/**
 * The producer side. Its connection fails fast when Redis is down (instead of
 * queueing commands until it returns), so a submission is still accepted at
 * once and the reconciler enqueues it later.
 */
export function createGradingQueue(opts: QueueOptions, connection?: Redis): Queue {
  if (connection) {
    connection.on("error", () => undefined); // reported where a command fails
    return new Queue(GRADING_QUEUE, { connection, prefix: opts.prefix });
  }
  const own = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 });
  own.on("error", () => undefined);
  return new QueueWithItsConnection(own, opts.prefix);
}

/** BullMQ leaves a connection it was given open on close(); this queue closes the one made for it. */
class QueueWithItsConnection extends Queue {
  constructor(
    private readonly own: Redis,
    prefix: string,
  ) {
    super(GRADING_QUEUE, { connection: own, prefix });
  }

  override async close(): Promise<void> {
    await super.close();
    this.own.disconnect();
  }
}

export async function enqueueGradingJob(
  queue: Queue,
  /** The GradingJob: its id is the BullMQ job id; its priority comes from lib/jobs/scheduling.ts. */
  job: { id: string; priority: number },
): Promise<void> {
  // A fresh connection may still be connecting; give it a moment, not forever.
  await Promise.race([queue.waitUntilReady(), new Promise((resolve) => setTimeout(resolve, 2000))]);
  await queue.add(
    gradeSubmissionJob.name,
    { gradingJobId: job.id },
    {
      jobId: job.id,
      priority: job.priority,
      attempts: gradeSubmissionJob.attempts,
      backoff: { type: "exponential", delay: 2000 },
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  );
}

const globalForQueue = globalThis as unknown as { labgradeQueue?: Queue };

/** The process-wide grading queue for REDIS_URL (web side). */
export function gradingQueue(): Queue {
  globalForQueue.labgradeQueue ??= createGradingQueue(defaultQueueOptions());
  return globalForQueue.labgradeQueue;
}
