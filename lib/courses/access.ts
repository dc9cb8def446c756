// Tenant scoping: every read of a course, lab or submission goes through
// these functions, which put the acting user's membership inside the query's
// `where`. A row of another course is "not found", never fetched and then
// checked. Platform admins see every course.
import type { Db } from "../db.js";
import { ForbiddenError, NotFoundError } from "../errors.js";
import { MAY_WITHHOLD } from "../submissions/withheld-scores.js";
import type { CourseRole } from "../generated/prisma/enums.js";

export interface Actor {
  userId: string;
  isPlatformAdmin: boolean;
}

export const STAFF_ROLES: readonly CourseRole[] = ["OWNER", "INSTRUCTOR", "TA"];

export function isStaff(role: CourseRole | null): boolean {
  return role !== null && STAFF_ROLES.includes(role);
}

/** The actor's role in a course from their membership there (read in the query's include); a platform admin who is not a member acts as an owner. */
export function roleIn(actor: Actor, membership: { role: CourseRole } | undefined): CourseRole | null {
  return membership?.role ?? (actor.isPlatformAdmin ? "OWNER" : null);
}

/** Roles that shape the course itself: labs, suites, roster. TAs grade; they do not edit. */
export const EDITOR_ROLES: readonly CourseRole[] = ["OWNER", "INSTRUCTOR"];

export function isEditor(role: CourseRole | null): boolean {
  return role !== null && EDITOR_ROLES.includes(role);
}

/**
 * An archived course is read-only: its pages still read, but nothing in it
 * changes (no submission, lab, suite, roster or extension) until a platform
 * admin unarchives it (lib/platform/archive-course.ts).
 */
export class CourseArchivedError extends ForbiddenError {
  readonly code = "course.archived";
  constructor(title: string) {
    super(`${title} is archived and read-only: nothing can be submitted or changed in it (a platform admin can unarchive it)`);
  }
}

export function refuseIfArchived(course: { title: string; archivedAt: Date | null }): void {
  if (course.archivedAt) throw new CourseArchivedError(course.title);
}

/** Submissions staff made to dry-run a suite against a reference solution: not anyone's work. */
export const NOT_A_DRY_RUN = { jobs: { none: { kind: "DRY_RUN" as const } } };

/** Courses the actor belongs to, with their role in each. */
export async function listMyCourses(db: Db, actor: Actor) {
  const memberships = await db.membership.findMany({
    where: { userId: actor.userId, course: { archivedAt: null } },
    include: { course: true },
    orderBy: { course: { title: "asc" } },
  });
  return memberships.map((m) => ({ ...m.course, role: m.role }));
}

/** The course and the actor's role in it; NotFoundError if the actor is not a member. */
export async function getCourseForMemberOrThrow(db: Db, actor: Actor, courseSlug: string) {
  const course = await db.course.findFirst({
    where: actor.isPlatformAdmin ? { slug: courseSlug } : { slug: courseSlug, memberships: { some: { userId: actor.userId } } },
    include: { memberships: { where: { userId: actor.userId }, select: { role: true } } },
  });
  if (!course) throw new NotFoundError("course");
  const role = roleIn(actor, course.memberships[0]);
  return { course, role };
}

/**
 * The course, for its owners and instructors (and platform admins) only: a
 * member of another rank gets ForbiddenError naming `what`, a non-member
 * NotFoundError. For a change (unless `toRead`), an archived course is
 * refused with CourseArchivedError.
 */
export async function getCourseForEditorOrThrow(db: Db, actor: Actor, courseSlug: string, what: string, opts: { toRead?: boolean } = {}) {
  const found = await getCourseForMemberOrThrow(db, actor, courseSlug);
  if (!actor.isPlatformAdmin && !isEditor(found.role)) throw new ForbiddenError(`only the course's instructors may ${what}`);
  if (!opts.toRead) refuseIfArchived(found.course);
  return found;
}

/** getLabForMemberOrThrow for owners and instructors (see getCourseForEditorOrThrow). */
export async function getLabForEditorOrThrow(db: Db, actor: Actor, courseSlug: string, labSlug: string, what: string, opts: { toRead?: boolean } = {}) {
  const found = await getLabForMemberOrThrow(db, actor, courseSlug, labSlug);
  if (!actor.isPlatformAdmin && !isEditor(found.role)) throw new ForbiddenError(`only the course's instructors may ${what}`);
  if (!opts.toRead) refuseIfArchived(found.course);
  return found;
}

/** Where a lab of a course the actor belongs to is found (a read's `where`, so another course's lab is never fetched). */
export function memberLabWhere(actor: Actor, courseSlug: string, labSlug: string) {
  return { slug: labSlug, course: actor.isPlatformAdmin ? { slug: courseSlug } : { slug: courseSlug, memberships: { some: { userId: actor.userId } } } };
}

/**
 * A lab read by memberLabWhere, once the actor's role in its course is known:
 * students see only published labs. A miss asks again, to say which was missing.
 */
export async function reachableLabOrThrow<L extends { published: boolean }>(db: Db, actor: Actor, courseSlug: string, found: L | null, role: CourseRole | null): Promise<L> {
  if (found && (found.published || isStaff(role))) return found;
  await getCourseForMemberOrThrow(db, actor, courseSlug);
  throw new NotFoundError("lab");
}

/**
 * A lab of a course the actor belongs to; students see only published labs.
 * One query reads the lab, its course and the actor's membership (a page
 * asks this on every view).
 */
export async function getLabForMemberOrThrow(db: Db, actor: Actor, courseSlug: string, labSlug: string) {
  const found = await db.lab.findFirst({
    where: memberLabWhere(actor, courseSlug, labSlug),
    include: { course: { include: { memberships: { where: { userId: actor.userId }, select: { role: true } } } } },
  });
  const role = roleIn(actor, found?.course.memberships[0]);
  const { course, ...lab } = await reachableLabOrThrow(db, actor, courseSlug, found, role);
  return { course, role, lab };
}

export async function listLabsForMember(db: Db, actor: Actor, courseSlug: string) {
  const { course, role } = await getCourseForMemberOrThrow(db, actor, courseSlug);
  const labs = await db.lab.findMany({
    where: { courseId: course.id, ...(isStaff(role) ? {} : { published: true }) },
    orderBy: [{ dueAt: "asc" }, { title: "asc" }],
  });
  return { course, role, labs };
}

/**
 * A submission the actor may see: their own, or any in a course where they are
 * staff (or any at all for platform admins).
 */
export async function getSubmissionForViewerOrThrow(db: Db, actor: Actor, submissionId: string) {
  const submission = await db.submission.findFirst({
    where: actor.isPlatformAdmin
      ? { id: submissionId }
      : {
          id: submissionId,
          OR: [
            { userId: actor.userId },
            { course: { memberships: { some: { userId: actor.userId, role: { in: [...STAFF_ROLES] } } } } },
          ],
        },
    include: {
      lab: { select: { slug: true, title: true, dueAt: true, resultsReleasedAt: true } },
      course: { select: { slug: true, title: true } },
      user: { select: { id: true, name: true, email: true } },
      suiteVersion: { select: { version: true } },
      jobs: {
        orderBy: { createdAt: "desc" },
        take: 1,
        include: {
          attempts: {
            orderBy: { number: "desc" },
            take: 1,
            include: { results: { orderBy: [{ createdAt: "asc" }, { repetition: "asc" }] } },
          },
        },
      },
    },
  });
  if (!submission) throw new NotFoundError("submission");
  return submission;
}

/**
 * getLabForMemberOrThrow with what the lab's page shows beside it, in the same
 * query: the newest published suite version's spec (null before one is
 * published), the actor's newest `take` submissions (dry runs are not theirs)
 * and whether any suite version of the lab MAY_WITHHOLD scores.
 */
export async function getLabWithMyWorkOrThrow(db: Db, actor: Actor, courseSlug: string, labSlug: string, take = 20) {
  const found = await db.lab.findFirst({
    where: memberLabWhere(actor, courseSlug, labSlug),
    include: {
      course: { include: { memberships: { where: { userId: actor.userId }, select: { role: true } } } },
      suiteVersions: { where: { publishedAt: { not: null } }, orderBy: { version: "desc" }, take: 1, select: { spec: true } },
      _count: { select: { suiteVersions: { where: MAY_WITHHOLD } } },
      submissions: {
        where: { userId: actor.userId, ...NOT_A_DRY_RUN },
        orderBy: { createdAt: "desc" },
        take,
        select: { id: true, status: true, statusDetail: true, score: true, maxScore: true, createdAt: true, late: true, countsTowardLimit: true },
      },
    },
  });
  const role = roleIn(actor, found?.course.memberships[0]);
  const { course, suiteVersions, submissions, _count, ...lab } = await reachableLabOrThrow(db, actor, courseSlug, found, role);
  return { course, role, lab, suiteSpec: suiteVersions[0]?.spec ?? null, submissions, mayWithhold: _count.suiteVersions > 0 };
}
