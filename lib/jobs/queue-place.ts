// A waiting submission's place in the grading queue and an estimate of when
// it starts, for the student watching it. The order is the queue's (priority,
// then arrival; see scheduling.ts); capacity is the sum of the live runners'
// concurrency. The estimate plays the queue forward: each running job frees
// its slot once it has run its lab's recent grading time, and each job ahead
// takes the first slot to free for its own lab's grading time. A lab's grading
// time is measured from its attempts' running time (start to outcome), never
// from the submission's wall time, which holds the waits between a retried
// grading's attempts. It reveals counts only, never whose jobs are ahead.
import { Prisma, type Db } from "../db.js";
import { RUNNER_DEAD_AFTER_MS } from "./grading-job.js";

/** Attempts averaged, per lab, for a lab's grading time. */
const RECENT_GRADINGS = 20;

export interface QueuePlace {
  /** 1 = next to start. */
  position: number;
  /** Jobs running now, on all runners. */
  running: number;
  /** Jobs that can run at once on the runners alive now (0: none is). */
  capacity: number;
  /** Mean running time of the submission's lab's recent gradings (any lab's if it has none). */
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
  const [ahead, running, runners] = await Promise.all([
    db.gradingJob.findMany({
      where: { status: "QUEUED", OR: [{ priority: { lt: job.priority } }, { priority: job.priority, createdAt: { lt: job.createdAt } }] },
      orderBy: [{ priority: "asc" }, { createdAt: "asc" }],
      select: { submission: { select: { labId: true } } },
    }),
    db.gradingJob.findMany({
      where: { status: "RUNNING" },
      select: { submission: { select: { labId: true } }, attempts: { where: { finishedAt: null }, select: { startedAt: true }, orderBy: { number: "desc" }, take: 1 } },
    }),
    // Runners alive and taking work: one whose engine does not answer takes none (runner/worker.ts).
    db.runner.findMany({ where: { heartbeatAt: { gte: new Date(now.getTime() - RUNNER_DEAD_AFTER_MS) }, engineUnreachableSince: null }, select: { capabilities: true } }),
  ]);
  const capacity = runners.reduce((sum, r) => sum + concurrencyOf(r.capabilities), 0);
  const labs = new Set([job.submission.labId, ...ahead.map((j) => j.submission.labId), ...running.map((j) => j.submission.labId)]);
  const gradingMs = await recentGradingMs(db, [...labs]);
  const startsInMs = estimateStartInMs({
    capacity,
    running: running.map((j) => ({ labId: j.submission.labId, runningForMs: Math.max(0, now.getTime() - (j.attempts[0]?.startedAt.getTime() ?? now.getTime())) })),
    ahead: ahead.map((j) => ({ labId: j.submission.labId })),
    gradingMs,
  });
  return {
    position: ahead.length + 1,
    running: running.length,
    capacity,
    averageGradingMs: gradingMs.byLab.get(job.submission.labId) ?? gradingMs.anyLab,
    estimatedStartAt: startsInMs === null ? null : new Date(now.getTime() + startsInMs),
  };
}

/** Recent mean grading time per lab, and over every lab (for a lab with none yet); null when nothing was graded. */
export interface GradingTimes {
  byLab: Map<string, number>;
  anyLab: number | null;
}

export interface QueueSnapshot {
  capacity: number;
  /** Jobs running now, each with how long its current attempt has run. */
  running: Array<{ labId: string; runningForMs: number }>;
  /** Jobs that start before the one estimated, in the order they start. */
  ahead: Array<{ labId: string }>;
  gradingMs: GradingTimes;
}

/**
 * How long until a slot is free for the job behind `ahead`: the queue played
 * forward, each job taking the first slot to free for its own lab's grading
 * time; a running job holds its slot for what remains of its lab's time (none
 * when it has run over it: it should end any moment). Null when no slot can
 * run anything or no grading time is known.
 */
export function estimateStartInMs(q: QueueSnapshot): number | null {
  if (q.capacity <= 0) return null;
  const priceOf = (labId: string) => q.gradingMs.byLab.get(labId) ?? q.gradingMs.anyLab;
  // Each slot's time until it frees; a slot not running anything is free now.
  const freeInMs: number[] = new Array<number>(q.capacity).fill(0);
  const take = (ms: number) => {
    let first = 0;
    for (let i = 1; i < freeInMs.length; i++) if (freeInMs[i]! < freeInMs[first]!) first = i;
    freeInMs[first] = freeInMs[first]! + ms;
  };
  // What remains of each running job, shortest first; running jobs beyond the
  // capacity (a runner left while they ran) take a slot once one frees, as queued ones do.
  const remaining: number[] = [];
  for (const r of q.running) {
    const price = priceOf(r.labId);
    if (price === null) return null;
    remaining.push(Math.max(0, price - r.runningForMs));
  }
  for (const ms of remaining.sort((a, b) => a - b)) take(ms);
  for (const j of q.ahead) {
    const price = priceOf(j.labId);
    if (price === null) return null;
    take(price);
  }
  return Math.min(...freeInMs);
}

/** The mean running time of each lab's latest finished gradings (graded, build failed, timed out), and of every lab's. */
async function recentGradingMs(db: Db, labIds: string[]): Promise<GradingTimes> {
  const rows = await db.$queryRaw<Array<{ labId: string | null; meanMs: number }>>`
    WITH recent AS (
      SELECT s."labId", EXTRACT(EPOCH FROM (a."finishedAt" - a."startedAt")) * 1000 AS ms, a."finishedAt",
        ROW_NUMBER() OVER (PARTITION BY s."labId" ORDER BY a."finishedAt" DESC) AS n
      FROM "GradingAttempt" a JOIN "GradingJob" j ON j.id = a."jobId" JOIN "Submission" s ON s.id = j."submissionId"
      WHERE a.outcome IN ('GRADED', 'BUILD_FAILED', 'TIMED_OUT') AND a."finishedAt" IS NOT NULL
        ${labIds.length > 0 ? Prisma.sql`AND s."labId" = ANY(${labIds})` : Prisma.empty}
    )
    SELECT "labId", AVG(ms)::float8 AS "meanMs" FROM recent WHERE n <= ${RECENT_GRADINGS} GROUP BY "labId"`;
  const byLab = new Map(rows.map((r) => [r.labId!, r.meanMs]));
  if (byLab.size > 0 && labIds.every((id) => byLab.has(id))) return { byLab, anyLab: null };
  // Some lab has no grading yet: priced at the latest gradings of any lab.
  const [any] = await db.$queryRaw<Array<{ meanMs: number | null }>>`
    SELECT AVG(ms)::float8 AS "meanMs" FROM (
      SELECT EXTRACT(EPOCH FROM (a."finishedAt" - a."startedAt")) * 1000 AS ms
      FROM "GradingAttempt" a
      WHERE a.outcome IN ('GRADED', 'BUILD_FAILED', 'TIMED_OUT') AND a."finishedAt" IS NOT NULL
      ORDER BY a."finishedAt" DESC LIMIT ${RECENT_GRADINGS}
    ) latest`;
  return { byLab, anyLab: any?.meanMs ?? null };
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
