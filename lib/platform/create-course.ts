// A platform admin makes a course from the web and names its owners. The
// course, its owners' roles and the audit entry are one transaction: a
// refused course leaves no owner behind, and an owner never exists without
// the entry saying who made them one.
import type { Actor } from "../courses/access.js";
import { isUniqueViolation, type Db, type Tx } from "../db.js";
import { checkCourseFields, CourseFieldsError, type CourseFields } from "./course-fields.js";
import { makeOwners } from "./course-owners.js";
import { requirePlatformAdmin } from "./platform-admin.js";

export interface CourseFormInput {
  slug: string;
  title: string;
  term: string;
  /** Emails separated by commas, spaces or lines. */
  owners: string;
}

export async function createCourse(db: Db, actor: Actor, raw: CourseFormInput) {
  requirePlatformAdmin(actor);
  const fields = checkCourseFields(raw);
  return insertCourse(db, fields, async (tx, course) => {
    const owners = await makeOwners(tx, course.id, fields.ownerEmails);
    await tx.auditLog.create({
      data: { courseId: course.id, actorId: actor.userId, action: "course.create", targetType: "course", targetId: course.id, details: { slug: course.slug, title: course.title, term: course.term, owners } },
    });
    return { course, owners };
  });
}

/**
 * Makes the course row and runs `fill` in the same transaction; a short name
 * already taken (also by a course made at the same moment) is refused at its field.
 */
export async function insertCourse<T>(db: Db, fields: CourseFields, fill: (tx: Tx, course: { id: string; slug: string; title: string; term: string | null }) => Promise<T>, extra: { maxConcurrentJobs?: number | null } = {}): Promise<T> {
  const taken = () => new CourseFieldsError({ slug: `the short name "${fields.slug}" is taken by another course; choose another` });
  if (await db.course.findUnique({ where: { slug: fields.slug }, select: { id: true } })) throw taken();
  try {
    return await db.$transaction(
      async (tx) => {
        const course = await tx.course.create({ data: { slug: fields.slug, title: fields.title, term: fields.term, maxConcurrentJobs: extra.maxConcurrentJobs ?? null } });
        return fill(tx, course);
      },
      { timeout: 60_000 },
    );
  } catch (err) {
    if (isUniqueViolation(err) && (await db.course.findUnique({ where: { slug: fields.slug }, select: { id: true } }))) throw taken();
    throw err;
  }
}
