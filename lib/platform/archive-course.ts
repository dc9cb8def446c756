// Archiving a course ends its term: it leaves everyone's course list, its
// pages still read (grades, reports, the audit log), and nothing in it changes
// (lib/courses/access.ts refuses every change with CourseArchivedError) until
// it is unarchived. Archiving twice, or unarchiving an open course, changes
// nothing and logs nothing.
import type { Actor } from "../courses/access.js";
import type { Db } from "../db.js";
import { NotFoundError } from "../errors.js";
import { requirePlatformAdmin } from "./platform-admin.js";

export async function setCourseArchived(db: Db, actor: Actor, input: { courseSlug: string; archived: boolean }, now = new Date()) {
  requirePlatformAdmin(actor);
  return db.$transaction(async (tx) => {
    const course = await tx.course.findUnique({ where: { slug: input.courseSlug }, select: { id: true, slug: true, title: true, archivedAt: true } });
    if (!course) throw new NotFoundError("course");
    if ((course.archivedAt !== null) === input.archived) return { course, changed: false };
    const updated = await tx.course.update({ where: { id: course.id }, data: { archivedAt: input.archived ? now : null }, select: { id: true, slug: true, title: true, archivedAt: true } });
    await tx.auditLog.create({
      data: { courseId: course.id, actorId: actor.userId, action: input.archived ? "course.archive" : "course.unarchive", targetType: "course", targetId: course.id, details: { slug: course.slug } },
    });
    return { course: updated, changed: true };
  });
}
