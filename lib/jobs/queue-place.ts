// A waiting submission's place in the grading queue and an estimate of when
// it starts, for the student watching it. The order is the queue's (priority,
// then arrival; see scheduling.ts); capacity is the sum of the live runners'
// concurrency; the estimate assumes each slot frees after the lab's recent
// average grading time. It reveals counts only, never whose jobs are ahead.
import type { Db } from "../db.js";
import { RUNNER_DEAD_AFTER_MS } from "./grading-job.js";

/** Grading times averaged for the estimate. */
const RECENT_GRADINGS = 20;

export interface QueuePlace {
  /** 1 = next to start. */
  position: number;
  /** Jobs running now, on all runners. */
  running: number;
  /** Jobs that can run at once on the runners alive now (0: none is). */
  capacity: number;
  /** Mean time from start to finish of the lab's recent gradings (any lab's if it has none). */
  averageGradingMs: number | null;
  /** When it should start; null if no runner is alive or nothing was graded yet. */
  estimatedStartAt: Date | null;
}

export async function queuePlace(db: Db, submissionId: string, now = new Date()): Promise<QueuePlace | null> {
  const job = await db.gradingJob.findFirst({
    where: { submissionId, status: "QUEUED" },
    orderBy: { createdAt: "desc" },
    select: { priority: true, createdAt: true, submission: { select: { labId: true } } },
  });
  if (!job) return null;
  const [ahead, running, runners, labRecent] = await Promise.all([
    db.gradingJob.count({
      where: { status: "QUEUED", OR: [{ priority: { lt: job.priority } }, { priority: job.priority, createdAt: { lt: job.createdAt } }] },
    }),
    db.gradingJob.count({ where: { status: "RUNNING" } }),
    // Runners alive and taking work: one whose engine does not answer takes none (runner/worker.ts).
    db.runner.findMany({ where: { heartbeatAt: { gte: new Date(now.getTime() - RUNNER_DEAD_AFTER_MS) }, engineUnreachableSince: null }, select: { capabilities: true } }),
    recentGradings(db, job.submission.labId),
  ]);
  const capacity = runners.reduce((sum, r) => sum + concurrencyOf(r.capabilities), 0);
  const recent = labRecent.length > 0 ? labRecent : await recentGradings(db);
  const averageGradingMs = recent.length > 0 ? recent.reduce((a, b) => a + b, 0) / recent.length : null;
  let estimatedStartAt: Date | null = null;
  if (capacity > 0 && averageGradingMs !== null) {
    // Slots that must free before this job gets one, served `capacity` at a time.
    const mustFree = ahead + running - capacity + 1;
    const waves = mustFree <= 0 ? 0 : Math.ceil(mustFree / capacity);
    estimatedStartAt = new Date(now.getTime() + waves * averageGradingMs);
  }
  return { position: ahead + 1, running, capacity, averageGradingMs, estimatedStartAt };
}

async function recentGradings(db: Db, labId?: string): Promise<number[]> {
  const rows = await db.submission.findMany({
    where: { ...(labId ? { labId } : {}), status: { in: ["GRADED", "BUILD_FAILED"] }, startedAt: { not: null }, finishedAt: { not: null } },
    orderBy: { finishedAt: "desc" },
    take: RECENT_GRADINGS,
    select: { startedAt: true, finishedAt: true },
  });
  return rows.map((r) => r.finishedAt!.getTime() - r.startedAt!.getTime());
}

function concurrencyOf(capabilities: unknown): number {
  const c = (capabilities as { concurrency?: unknown } | null)?.concurrency;
  return typeof c === "number" && Number.isInteger(c) && c > 0 ? c : 0;
}

/** A queue place as JSON carries it to the page (dates as ISO strings). */
export interface WireQueuePlace {
  position: number;
  capacity: number;
  estimatedStartAt: string | null;
}

export function wireQueuePlace(q: QueuePlace): WireQueuePlace {
  return { position: q.position, capacity: q.capacity, estimatedStartAt: q.estimatedStartAt?.toISOString() ?? null };
}
