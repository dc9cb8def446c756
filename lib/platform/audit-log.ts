// The audit log for platform admins: every course's entries (and the
// platform's own, such as a course made), newest first, filtered by course,
// by actor (part of an email) and by action, a page at a time. A course named
// in the filter that does not exist is an error, never an empty page that
// looks like "nothing happened".
import type { Actor } from "../courses/access.js";
import type { Db } from "../db.js";
import { StudentError } from "../errors.js";
import type { Prisma } from "../generated/prisma/client.js";
import { requirePlatformAdmin } from "./platform-admin.js";

export const AUDIT_PAGE_SIZE = 50;

export interface AuditFilter {
  /** A course's short name. */
  courseSlug?: string;
  /** Part of the actor's email, any case. */
  actor?: string;
  /** An action's exact name, e.g. "course.copy". */
  action?: string;
  /** 1-based. */
  page?: number;
}

export async function listAuditLog(db: Db, actor: Actor, filter: AuditFilter) {
  requirePlatformAdmin(actor);
  const page = filter.page ?? 1;
  if (!Number.isInteger(page) || page < 1) throw new StudentError("audit.bad_page", "the page is a whole number from 1");
  let courseId: string | undefined;
  if (filter.courseSlug) {
    const course = await db.course.findUnique({ where: { slug: filter.courseSlug }, select: { id: true } });
    if (!course) throw new StudentError("audit.no_course", `no course has the short name "${filter.courseSlug}"`);
    courseId = course.id;
  }
  const where: Prisma.AuditLogWhereInput = {
    ...(courseId ? { courseId } : {}),
    ...(filter.actor ? { actor: { email: { contains: filter.actor.trim().toLowerCase() } } } : {}),
    ...(filter.action ? { action: filter.action } : {}),
  };
  const [total, entries, actions, courses] = await Promise.all([
    db.auditLog.count({ where }),
    db.auditLog.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      skip: (page - 1) * AUDIT_PAGE_SIZE,
      take: AUDIT_PAGE_SIZE,
      select: { id: true, action: true, targetType: true, targetId: true, details: true, createdAt: true, course: { select: { slug: true } }, actor: { select: { email: true } } },
    }),
    db.auditLog.groupBy({ by: ["action"], orderBy: { action: "asc" } }),
    db.course.findMany({ orderBy: { slug: "asc" }, select: { slug: true } }),
  ]);
  return {
    entries,
    total,
    page,
    pageCount: Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE)),
    /** Every action ever logged, for the filter's choices. */
    actions: actions.map((a) => a.action),
    courses: courses.map((c) => c.slug),
  };
}
