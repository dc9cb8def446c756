// A course copied into a new term: a new course (its own short name, title,
// term and owners) with every lab of the old one, their suites and reference
// solutions, and nothing of its people (members, invitations, extensions) or
// their work (submissions, gradings, regrades).
//
// What the copy starts as, and why:
// - Labs are drafts, with no opening, due, release or freeze dates: last
//   term's dates are wrong for this one, and students must not see a lab
//   before its staff have set them. Every other column is carried over (the
//   row is copied whole, minus those), so a column added later is copied too.
// - Suites: the lab's newest published version becomes version 1, published,
//   so the lab grades exactly as it did once it is published again; a draft
//   newer than it comes along as version 2, still a draft (the staff's work in
//   progress). A lab that never published a suite keeps its newest as a draft.
// - Reference solutions: the rows are copied and share the stored archives.
//   Archives are content-addressed (archives/<sha256>) and never rewritten or
//   deleted, so two rows naming one blob cannot see each other's changes.
import type { Actor } from "../courses/access.js";
import type { Db } from "../db.js";
import { NotFoundError } from "../errors.js";
import { checkCourseFields } from "./course-fields.js";
import { makeOwners } from "./course-owners.js";
import { insertCourse, type CourseFormInput } from "./create-course.js";
import { requirePlatformAdmin } from "./platform-admin.js";

export async function copyCourse(db: Db, actor: Actor, input: CourseFormInput & { fromSlug: string }, now = new Date()) {
  requirePlatformAdmin(actor);
  const source = await db.course.findUnique({
    where: { slug: input.fromSlug },
    include: { labs: { orderBy: { createdAt: "asc" }, include: { suiteVersions: { orderBy: { version: "desc" } }, referenceSolutions: { orderBy: { name: "asc" } } } } },
  });
  if (!source) throw new NotFoundError("course");
  const fields = checkCourseFields(input);
  return insertCourse(
    db,
    fields,
    async (tx, course) => {
      let suiteVersions = 0;
      let references = 0;
      for (const { id: _id, courseId: _course, createdAt: _created, updatedAt: _updated, opensAt: _opens, dueAt: _due, resultsReleasedAt: _release, leaderboardFrozenAt: _frozen, published: _published, suiteVersions: versions, referenceSolutions, ...kept } of source.labs) {
        const lab = await tx.lab.create({ data: { ...kept, courseId: course.id, published: false } });
        const published = versions.find((v) => v.publishedAt !== null);
        const newest = versions[0];
        const copied = [
          ...(published ? [{ from: published, publishedAt: now }] : []),
          ...(newest && newest !== published && (!published || newest.version > published.version) ? [{ from: newest, publishedAt: null }] : []),
        ];
        for (const [index, { from, publishedAt }] of copied.entries()) {
          await tx.suiteVersion.create({ data: { labId: lab.id, version: index + 1, source: from.source, spec: from.spec as object, sourceHash: from.sourceHash, publishedAt, createdById: actor.userId } });
        }
        suiteVersions += copied.length;
        for (const ref of referenceSolutions) {
          await tx.referenceSolution.create({ data: { labId: lab.id, name: ref.name, expectPass: ref.expectPass, archiveKey: ref.archiveKey, contentHash: ref.contentHash } });
        }
        references += referenceSolutions.length;
      }
      const owners = await makeOwners(tx, course.id, fields.ownerEmails);
      const details = { from: { id: source.id, slug: source.slug }, labs: source.labs.length, suiteVersions, references, owners };
      await tx.auditLog.create({ data: { courseId: course.id, actorId: actor.userId, action: "course.copy", targetType: "course", targetId: course.id, details } });
      return { course, ...details };
    },
    { maxConcurrentJobs: source.maxConcurrentJobs },
  );
}

/** The course a copy starts from, for the copy form: its owners' emails (the form's first guess) and how many labs come along. */
export async function courseToCopy(db: Db, actor: Actor, courseSlug: string) {
  requirePlatformAdmin(actor);
  const course = await db.course.findUnique({
    where: { slug: courseSlug },
    select: { slug: true, title: true, term: true, archivedAt: true, _count: { select: { labs: true } }, memberships: { where: { role: "OWNER" }, orderBy: { createdAt: "asc" }, select: { user: { select: { email: true } } } } },
  });
  if (!course) throw new NotFoundError("course");
  return { course, labs: course._count.labs, ownerEmails: course.memberships.map((m) => m.user.email) };
}
