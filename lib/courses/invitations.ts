// Invitations by link: staff make a link that lets people join the course in
// a role (for one named email, or for up to N people), valid for some days.
// The secret is in the link only; the database keeps its sha256. Opening the
// link signed in joins at once; a visitor without an account creates one
// (email, name, password) and joins. An invitation never hands over an
// existing account: an email that already has a way to sign in must sign in.
import { z } from "zod";
import { checkNewPassword } from "../auth/account.js";
import { hashPassword } from "../auth/password.js";
import { newSecret } from "../auth/password-links.js";
import { sha256 } from "../blobs.js";
import type { Db, Tx } from "../db.js";
import { ForbiddenError, NotFoundError, StudentError } from "../errors.js";
import type { CourseRole } from "../generated/prisma/enums.js";
import { getCourseForEditorOrThrow, type Actor } from "./access.js";
import { freePseudonym } from "./pseudonyms.js";

export const invitationInputSchema = z.object({
  role: z.enum(["STUDENT", "TA", "INSTRUCTOR", "OWNER"], { message: "Choose a role" }),
  /** Only this email may use it; null: anyone with the link. */
  email: z.email("Enter a valid email, or leave it empty for a link anyone may use").nullable(),
  maxUses: z.number().int("Uses is a whole number").min(1, "Allow at least one use").max(2000, "At most 2,000 uses per link"),
  expiresInDays: z.number().int("Days is a whole number").min(1, "Valid for at least a day").max(120, "Valid for at most 120 days"),
});
export type InvitationInput = z.infer<typeof invitationInputSchema>;

export async function createInvitation(db: Db, actor: Actor, courseSlug: string, raw: InvitationInput, now = new Date()) {
  const { course, role } = await getCourseForEditorOrThrow(db, actor, courseSlug, "invite people");
  const input = invitationInputSchema.parse(raw);
  if (input.role === "OWNER" && !actor.isPlatformAdmin && role !== "OWNER") throw new ForbiddenError("only an owner may invite owners");
  const secret = newSecret();
  const expiresAt = new Date(now.getTime() + input.expiresInDays * 24 * 3600_000);
  const invitation = await db.$transaction(async (tx) => {
    const invitation = await tx.invitation.create({
      data: { courseId: course.id, role: input.role, email: input.email?.toLowerCase() ?? null, maxUses: input.email ? 1 : input.maxUses, expiresAt, tokenHash: sha256(secret), createdById: actor.userId },
    });
    await tx.auditLog.create({
      data: {
        courseId: course.id,
        actorId: actor.userId,
        action: "invitation.create",
        targetType: "invitation",
        targetId: invitation.id,
        details: { role: input.role, email: invitation.email, maxUses: invitation.maxUses, expiresAt: expiresAt.toISOString() },
      },
    });
    return invitation;
  });
  return { path: `/invite/${secret}`, invitation };
}

/** The course's invitations that can still be used, for its editors. */
export async function listOpenInvitations(db: Db, actor: Actor, courseSlug: string, now = new Date()) {
  const { course } = await getCourseForEditorOrThrow(db, actor, courseSlug, "see invitations");
  const all = await db.invitation.findMany({
    where: { courseId: course.id, expiresAt: { gt: now } },
    orderBy: { createdAt: "desc" },
    select: { id: true, role: true, email: true, maxUses: true, uses: true, expiresAt: true, createdBy: { select: { email: true } } },
  });
  return all.filter((i) => i.uses < i.maxUses);
}

export async function revokeInvitation(db: Db, actor: Actor, courseSlug: string, invitationId: string, now = new Date()) {
  const { course } = await getCourseForEditorOrThrow(db, actor, courseSlug, "revoke invitations");
  const { count } = await db.invitation.updateMany({ where: { id: invitationId, courseId: course.id }, data: { expiresAt: now } });
  if (count === 0) throw new NotFoundError("invitation");
  await db.auditLog.create({ data: { courseId: course.id, actorId: actor.userId, action: "invitation.revoke", targetType: "invitation", targetId: invitationId } });
}

/** What a link offers, for its page; NotFoundError for unknown, StudentError for spent or expired. */
export async function invitationBySecret(db: Db, secret: string, now = new Date()) {
  const invitation = await db.invitation.findUnique({
    where: { tokenHash: sha256(secret) },
    include: { course: { select: { id: true, slug: true, title: true, archivedAt: true } } },
  });
  if (!invitation || invitation.course.archivedAt) throw new NotFoundError("invitation");
  if (invitation.expiresAt <= now) throw new StudentError("invitation.expired", "this invitation has expired; ask the course staff for a new link");
  if (invitation.uses >= invitation.maxUses) throw new StudentError("invitation.used", "this invitation has been used up; ask the course staff for a new link");
  return invitation;
}

async function join(tx: Tx, invitation: { id: string; courseId: string; role: CourseRole }, user: { id: string; email: string }) {
  const existing = await tx.membership.findUnique({ where: { courseId_userId: { courseId: invitation.courseId, userId: user.id } } });
  if (existing) return { role: existing.role, joined: false };
  // Spend one use, unless a concurrent join spent the last.
  const { count } = await tx.invitation.updateMany({ where: { id: invitation.id, uses: { lt: tx.invitation.fields.maxUses } }, data: { uses: { increment: 1 } } });
  if (count === 0) throw new StudentError("invitation.used", "this invitation has been used up; ask the course staff for a new link");
  await tx.membership.create({
    data: { courseId: invitation.courseId, userId: user.id, role: invitation.role, pseudonym: invitation.role === "STUDENT" ? await freePseudonym(tx, invitation.courseId) : null },
  });
  await tx.auditLog.create({ data: { courseId: invitation.courseId, actorId: user.id, action: "invitation.accept", targetType: "invitation", targetId: invitation.id, details: { email: user.email, role: invitation.role } } });
  return { role: invitation.role, joined: true };
}

function forThisEmail(invitation: { email: string | null }, email: string) {
  if (invitation.email && invitation.email !== email.toLowerCase()) {
    throw new StudentError("invitation.other_email", `this invitation is for ${invitation.email}; sign in with that account to use it`);
  }
}

/** The signed-in actor joins the invitation's course. Already a member: nothing changes (a link never lowers nor raises a role). */
export async function acceptInvitation(db: Db, actor: Actor, secret: string, now = new Date()) {
  const invitation = await invitationBySecret(db, secret, now);
  const user = await db.user.findUniqueOrThrow({ where: { id: actor.userId }, select: { id: true, email: true } });
  forThisEmail(invitation, user.email);
  const result = await db.$transaction((tx) => join(tx, invitation, user));
  return { ...result, courseSlug: invitation.course.slug };
}

export const signUpSchema = z.object({
  email: z.email("Enter a valid email").max(320),
  name: z.string().trim().min(1, "Enter your name").max(200, "Keep your name under 200 characters"),
  password: z.string(),
  repeat: z.string(),
});

/**
 * A visitor creates an account from the link and joins. An email with an
 * account that can sign in (a password or single sign-on) must sign in
 * instead; an account a roster import created and nobody has claimed may be
 * claimed only through a link addressed to that email.
 */
export async function signUpWithInvitation(db: Db, secret: string, raw: z.infer<typeof signUpSchema>, now = new Date()) {
  const input = signUpSchema.parse(raw);
  const email = input.email.trim().toLowerCase();
  const invitation = await invitationBySecret(db, secret, now);
  forThisEmail(invitation, email);
  checkNewPassword(input.password, input.repeat, email);
  const passwordHash = await hashPassword(input.password);
  const result = await db.$transaction(async (tx) => {
    const existing = await tx.user.findFirst({ where: { email: { equals: email, mode: "insensitive" } }, include: { accounts: { select: { id: true } } } });
    let user: { id: string; email: string };
    if (!existing) {
      user = await tx.user.create({ data: { email, name: input.name, passwordHash }, select: { id: true, email: true } });
    } else if (existing.passwordHash === null && existing.accounts.length === 0 && invitation.email === email) {
      user = await tx.user.update({ where: { id: existing.id }, data: { name: existing.name ?? input.name, passwordHash }, select: { id: true, email: true } });
    } else {
      throw new StudentError("invitation.account_exists", `an account for ${email} already exists; sign in with it, then open this link again`);
    }
    return join(tx, invitation, user);
  });
  return { ...result, email, courseSlug: invitation.course.slug };
}
