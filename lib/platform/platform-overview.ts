// What a platform admin sees of the whole platform: every course (archived
// ones too, marked) with its labs, members and gradings waiting and running;
// every course's waiting and running gradings by name (course staff see only
// their own course's, lib/jobs/queue-overview.ts); and the runners with their
// capabilities (slots, engine, packet delays, images present).
import type { Actor } from "../courses/access.js";
import type { Db } from "../db.js";
import { describeRunner } from "../jobs/queue-overview.js";
import { requirePlatformAdmin } from "./platform-admin.js";

/** Gradings listed by name; the counts above the list are always complete. */
export const LISTED_JOBS = 200;

export async function platformOverview(db: Db, actor: Actor, now = new Date()) {
  requirePlatformAdmin(actor);
  const [courses, counts, jobs, runners] = await Promise.all([
    db.course.findMany({
      orderBy: [{ archivedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }],
      select: { id: true, slug: true, title: true, term: true, archivedAt: true, maxConcurrentJobs: true, createdAt: true, _count: { select: { labs: true, memberships: true } } },
    }),
    db.$queryRaw<Array<{ courseId: string; status: "QUEUED" | "RUNNING"; count: bigint }>>`
      SELECT s."courseId", j."status"::text AS "status", count(*) AS "count"
      FROM "GradingJob" j JOIN "Submission" s ON s."id" = j."submissionId"
      WHERE j."status" IN ('QUEUED', 'RUNNING') GROUP BY 1, 2`,
    db.gradingJob.findMany({
      where: { status: { in: ["QUEUED", "RUNNING"] } },
      orderBy: [{ status: "desc" }, { priority: "asc" }, { createdAt: "asc" }],
      take: LISTED_JOBS,
      select: {
        kind: true,
        status: true,
        createdAt: true,
        attempts: { where: { finishedAt: null }, orderBy: { number: "desc" }, take: 1, select: { runnerId: true } },
        submission: { select: { id: true, statusDetail: true, startedAt: true, course: { select: { slug: true } }, lab: { select: { slug: true } }, user: { select: { email: true, name: true } } } },
      },
    }),
    db.runner.findMany({ orderBy: { heartbeatAt: "desc" }, take: 50 }),
  ]);
  const count = (courseId: string, status: "QUEUED" | "RUNNING") => Number(counts.find((c) => c.courseId === courseId && c.status === status)?.count ?? 0);
  return {
    courses: courses.map((c) => ({ ...c, labs: c._count.labs, members: c._count.memberships, queued: count(c.id, "QUEUED"), running: count(c.id, "RUNNING") })),
    totals: { queued: counts.filter((c) => c.status === "QUEUED").reduce((n, c) => n + Number(c.count), 0), running: counts.filter((c) => c.status === "RUNNING").reduce((n, c) => n + Number(c.count), 0) },
    jobs: jobs.map((j) => ({
      submissionId: j.submission.id,
      course: j.submission.course.slug,
      lab: j.submission.lab.slug,
      student: j.submission.user.name ?? j.submission.user.email,
      kind: j.kind,
      status: j.status,
      detail: j.submission.statusDetail,
      runnerId: j.status === "RUNNING" ? (j.attempts[0]?.runnerId ?? null) : null,
      since: j.status === "RUNNING" ? (j.submission.startedAt ?? j.createdAt) : j.createdAt,
    })),
    runners: runners.map((r) => ({ ...describeRunner(r, now), images: imagesOf(r.capabilities) })),
  };
}

/** The sandbox images a runner reported, present (with an id) or missing. */
function imagesOf(capabilities: unknown): { present: string[]; missing: string[] } {
  const images = (capabilities as { images?: Record<string, string | null> } | null)?.images ?? {};
  const names = Object.keys(images).sort();
  return { present: names.filter((n) => images[n]), missing: names.filter((n) => !images[n]) };
}
