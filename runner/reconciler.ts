// PostgreSQL is the source of truth; Redis only carries work. The reconciler
// makes Redis agree: every GradingJob the database says is waiting or running
// must exist in the queue. It covers a web process that died between commit
// and enqueue, and a Redis that lost its data.
import type { Queue } from "bullmq";
import type { Db } from "../lib/db.js";
import { enqueueGradingJob } from "../lib/queue.js";

export interface ReconcileReport {
  checked: number;
  enqueued: string[];
}

export async function reconcileQueue(db: Db, queue: Queue, opts: { batch?: number; minAgeMs?: number } = {}): Promise<ReconcileReport> {
  const minAge = new Date(Date.now() - (opts.minAgeMs ?? 5_000));
  const jobs = await db.gradingJob.findMany({
    where: { status: { in: ["QUEUED", "RUNNING"] }, createdAt: { lt: minAge } },
    // In queue order, so jobs of equal priority keep their order when re-created.
    orderBy: [{ priority: "asc" }, { createdAt: "asc" }],
    take: opts.batch ?? 500,
    select: { id: true, priority: true },
  });
  const enqueued: string[] = [];
  for (const job of jobs) {
    const existing = await queue.getJob(job.id);
    if (existing) {
      const state = await existing.getState();
      // The queue thinks it is over but the database disagrees (e.g. the runner
      // could not record the outcome): run it again; results are idempotent.
      if (state !== "completed" && state !== "failed") continue;
      await existing.remove().catch(() => undefined);
    }
    await enqueueGradingJob(queue, job);
    await db.gradingJob.update({ where: { id: job.id }, data: { enqueuedAt: new Date() } });
    enqueued.push(job.id);
  }
  return { checked: jobs.length, enqueued };
}
