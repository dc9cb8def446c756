// What a course's staff see of grading: the course's own waiting and running
// jobs (which lab, whose, since when), the whole queue only as counts (other
// courses' jobs are never named), the runners with their capabilities,
// heartbeat and whether their engine answers, and the course's regrade
// batches with their progress.
import { shapingOf, type ShapingKind } from "../suites/capabilities.js";
import { getCourseForMemberOrThrow, isStaff, type Actor } from "../courses/access.js";
import type { Db } from "../db.js";
import type { Runner } from "../generated/prisma/client.js";
import { NotFoundError } from "../errors.js";
import { RUNNER_DEAD_AFTER_MS } from "./grading-job.js";
import { regradeProgress, type RegradeProgress } from "./regrade.js";

export interface QueueOverview {
  course: { id: string; slug: string; title: string; maxConcurrentJobs: number | null };
  /** Every course together, counts only. */
  all: { queued: number; running: number; oldestQueuedAt: Date | null };
  jobs: Array<{ submissionId: string; lab: string; student: string; kind: string; status: string; detail: string | null; since: Date }>;
  runners: Array<{
    id: string;
    hostname: string;
    alive: boolean;
    heartbeatAt: Date;
    concurrency: number | null;
    engine: string | null;
    /** How it delays packets between nodes (userspace, netem or none), and why; null: it has not said (older runners). */
    shaping: { kind: ShapingKind; detail: string | null } | null;
    /** Since when its Docker engine has not answered (null: it answers); meanwhile it takes no work. */
    engineUnreachableSince: Date | null;
    /** What the engine's last failed probe said. */
    engineError: string | null;
  }>;
  regrades: Array<RegradeProgress & { lab: string; createdAt: Date }>;
}

export async function queueOverviewForStaff(db: Db, actor: Actor, courseSlug: string, now = new Date()): Promise<QueueOverview> {
  const { course, role } = await getCourseForMemberOrThrow(db, actor, courseSlug);
  // Students must not learn the page exists.
  if (!isStaff(role)) throw new NotFoundError("course");
  const [queued, running, oldest, jobs, runners, batches] = await Promise.all([
    db.gradingJob.count({ where: { status: "QUEUED" } }),
    db.gradingJob.count({ where: { status: "RUNNING" } }),
    db.gradingJob.findFirst({ where: { status: "QUEUED" }, orderBy: { createdAt: "asc" }, select: { createdAt: true } }),
    db.gradingJob.findMany({
      where: { status: { in: ["QUEUED", "RUNNING"] }, submission: { courseId: course.id } },
      orderBy: [{ status: "desc" }, { priority: "asc" }, { createdAt: "asc" }],
      take: 200,
      select: {
        kind: true,
        status: true,
        createdAt: true,
        submission: { select: { id: true, statusDetail: true, startedAt: true, lab: { select: { slug: true } }, user: { select: { email: true, name: true } } } },
      },
    }),
    db.runner.findMany({ orderBy: { heartbeatAt: "desc" }, take: 50 }),
    db.regradeBatch.findMany({ where: { jobs: { some: { submission: { courseId: course.id } } } }, orderBy: { createdAt: "desc" }, take: 20, select: { id: true, createdAt: true, labId: true } }),
  ]);
  const labs = new Map((await db.lab.findMany({ where: { courseId: course.id }, select: { id: true, slug: true } })).map((l) => [l.id, l.slug]));
  return {
    course: { id: course.id, slug: course.slug, title: course.title, maxConcurrentJobs: course.maxConcurrentJobs },
    all: { queued, running, oldestQueuedAt: oldest?.createdAt ?? null },
    jobs: jobs.map((j) => ({
      submissionId: j.submission.id,
      lab: j.submission.lab.slug,
      student: j.submission.user.name ?? j.submission.user.email,
      kind: j.kind,
      status: j.status,
      detail: j.submission.statusDetail,
      since: j.status === "RUNNING" ? (j.submission.startedAt ?? j.createdAt) : j.createdAt,
    })),
    runners: runners.map((r) => describeRunner(r, now)),
    regrades: await Promise.all(
      batches.map(async (b) => ({ ...(await regradeProgress(db, actor, b.id)), lab: labs.get(b.labId) ?? "?", createdAt: b.createdAt })),
    ),
  };
}

/** A runner as staff and operators see it: alive or gone, its slots, engine and packet delays. */
export function describeRunner(r: Runner, now: Date): QueueOverview["runners"][number] {
  const caps = (r.capabilities ?? {}) as { concurrency?: number; engineVersion?: string; shaping?: unknown; netem?: unknown };
  return {
    id: r.id,
    hostname: r.hostname,
    alive: now.getTime() - r.heartbeatAt.getTime() < RUNNER_DEAD_AFTER_MS,
    heartbeatAt: r.heartbeatAt,
    concurrency: typeof caps.concurrency === "number" ? caps.concurrency : null,
    engine: typeof caps.engineVersion === "string" ? caps.engineVersion : null,
    shaping: caps.shaping || caps.netem ? shapingSummary(caps) : null,
    engineUnreachableSince: r.engineUnreachableSince,
    engineError: r.engineError,
  };
}

function shapingSummary(capabilities: unknown): { kind: ShapingKind; detail: string | null } {
  const { kind, detail } = shapingOf(capabilities);
  return { kind, detail: detail ?? null };
}
