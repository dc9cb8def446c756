// Deadline extensions: a course's staff give one student a later due date for
// one lab (one extension per student and lab; granting again replaces it).
// createSubmission and the report's after-due visibility read it, so the
// student is on time until the extended date. Every grant is in the audit log.
import { normaliseEmail } from "../auth/email.js";
import type { Db } from "../db.js";
import { ForbiddenError, StudentError } from "../errors.js";
import { readableUtc } from "../readable-time.js";
import { getLabForMemberOrThrow, isStaff, refuseIfArchived, type Actor } from "./access.js";

export interface GrantExtensionInput {
  courseSlug: string;
  labSlug: string;
  studentEmail: string;
  dueAt: Date;
  reason?: string;
}

export async function grantExtension(db: Db, actor: Actor, input: GrantExtensionInput, now = new Date()) {
  const { course, role, lab } = await getLabForMemberOrThrow(db, actor, input.courseSlug, input.labSlug);
  if (!actor.isPlatformAdmin && !isStaff(role)) throw new ForbiddenError("only course staff may grant extensions");
  refuseIfArchived(course);
  if (Number.isNaN(input.dueAt.getTime())) throw new StudentError("extension.bad_date", "the new due date is not a date");
  if (input.dueAt <= now) throw new StudentError("extension.past", `the new due date (${readableUtc(input.dueAt)}) must be in the future`);
  if (lab.dueAt && input.dueAt <= lab.dueAt) throw new StudentError("extension.not_later", `the new due date (${readableUtc(input.dueAt)}) must be after the lab's own (${readableUtc(lab.dueAt)})`);
  const member = await db.membership.findFirst({
    where: { courseId: course.id, role: "STUDENT", user: { email: normaliseEmail(input.studentEmail) } },
    select: { userId: true, user: { select: { email: true } } },
  });
  if (!member) throw new StudentError("extension.no_student", `no student with the email ${input.studentEmail.trim()} is in this course`);
  const reason = input.reason?.trim() || null;
  return db.$transaction(async (tx) => {
    const extension = await tx.extension.upsert({
      where: { labId_userId: { labId: lab.id, userId: member.userId } },
      create: { labId: lab.id, userId: member.userId, dueAt: input.dueAt, reason, grantedById: actor.userId },
      update: { dueAt: input.dueAt, reason, grantedById: actor.userId },
    });
    await tx.auditLog.create({
      data: {
        courseId: course.id,
        actorId: actor.userId,
        action: "extension.grant",
        targetType: "lab",
        targetId: lab.id,
        details: { student: member.user.email, dueAt: input.dueAt.toISOString(), reason },
      },
    });
    return extension;
  });
}

/** A lab's extensions, for its course's staff. */
export async function listExtensions(db: Db, actor: Actor, courseSlug: string, labSlug: string) {
  const { role, lab } = await getLabForMemberOrThrow(db, actor, courseSlug, labSlug);
  if (!actor.isPlatformAdmin && !isStaff(role)) throw new ForbiddenError("only course staff may see extensions");
  return db.extension.findMany({
    where: { labId: lab.id },
    orderBy: { dueAt: "asc" },
    select: { id: true, dueAt: true, reason: true, createdAt: true, user: { select: { email: true, name: true } }, grantedBy: { select: { email: true } } },
  });
}
