// Invitations by link: staff make a link that lets people join the course in
// a role (for one named email, or for up to N people), valid for some days.
// The secret is in the link only; the database keeps its sha256. Opening the
// link signed in joins at once; a link addressed to an email joins only an
// account that has proven that email. A visitor without an account gives their
// email and is mailed a link (lib/auth/email-proof.ts); the account is made,
// with the name and password chosen then, and joins only when that link is
// opened, so nobody makes an account for an address they cannot read. An
// invitation never hands over an existing account: an email that already has
// a way to sign in must sign in (the mail says so, the page never does).
import { z } from "zod";
import { checkNewPassword } from "../auth/account.js";
import { normaliseEmail } from "../auth/email.js";
import { createEmailProof, EMAIL_PROOF_HOURS, emailProofOrThrow, emailProofUrl, parseEmailAddress, spendEmailProof } from "../auth/email-proof.js";
import { hashPassword } from "../auth/password.js";
import { newSecret } from "../auth/password-links.js";
import { siteUrl } from "../config.js";
import type { Mailer } from "../mail/mailer.js";
import { sha256 } from "../blobs.js";
import type { Db, Tx } from "../db.js";
import { ForbiddenError, NotFoundError, StudentError } from "../errors.js";
import type { CourseRole } from "../generated/prisma/enums.js";
import { getCourseForEditorOrThrow, type Actor } from "./access.js";
import { attachPendingMemberships } from "./pending-memberships.js";
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
      data: { courseId: course.id, role: input.role, email: input.email === null ? null : normaliseEmail(input.email), maxUses: input.email ? 1 : input.maxUses, expiresAt, tokenHash: sha256(secret), createdById: actor.userId },
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
  const { course } = await getCourseForEditorOrThrow(db, actor, courseSlug, "see invitations", { toRead: true });
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
export async function invitationBySecret(db: Db | Tx, secret: string, now = new Date()) {
  return usableInvitation(db, { tokenHash: sha256(secret) }, now);
}

async function usableInvitation(db: Db | Tx, where: { tokenHash: string } | { id: string }, now: Date) {
  const invitation = await db.invitation.findUnique({
    where,
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
  if (invitation.email && invitation.email !== normaliseEmail(email)) {
    throw new StudentError("invitation.other_email", `this invitation is for ${invitation.email}; sign in with that account to use it`);
  }
}

/** The signed-in actor joins the invitation's course. Already a member: nothing changes (a link never lowers nor raises a role). */
export async function acceptInvitation(db: Db, actor: Actor, secret: string, now = new Date()) {
  const invitation = await invitationBySecret(db, secret, now);
  const user = await db.user.findUniqueOrThrow({ where: { id: actor.userId }, select: { id: true, email: true, emailVerified: true } });
  forThisEmail(invitation, user.email);
  // A link for an email is for whoever receives mail there, not whoever typed the address into a form.
  if (invitation.email && !user.emailVerified) {
    throw new StudentError("invitation.email_unproven", `this invitation is for ${invitation.email}; confirm that address first (send yourself a link from this page), then join`);
  }
  const result = await db.$transaction((tx) => join(tx, invitation, user));
  return { ...result, courseSlug: invitation.course.slug };
}

export const signUpSchema = z.object({
  name: z.string().trim().min(1, "Enter your name").max(200, "Keep your name under 200 characters"),
  password: z.string(),
  repeat: z.string(),
});

/**
 * A visitor without an account asks to join with their email: a link goes to
 * that address, and nothing else happens until it is opened. The answer is the
 * same whether or not the address has an account (the mail says which).
 */
export async function requestSignUp(db: Db, mailer: Mailer, secret: string, rawEmail: string, now = new Date()): Promise<{ email: string }> {
  const email = parseEmailAddress(rawEmail);
  const invitation = await invitationBySecret(db, secret, now);
  forThisEmail(invitation, email);
  const existing = await db.user.findUnique({ where: { email }, select: { passwordHash: true, _count: { select: { accounts: true } } } });
  const course = invitation.course.title;
  // Made for either answer, so both count towards the address's hourly limit alike
  // (a limit that only one of them met would tell which addresses have accounts).
  const proof = await createEmailProof(db, { email, invitationId: invitation.id }, now);
  if (existing && (existing.passwordHash !== null || existing._count.accounts > 0)) {
    const signIn = new URL(`/signin?next=${encodeURIComponent(`/invite/${secret}`)}`, siteUrl()).toString();
    await mailer.send({
      to: email,
      subject: `Labgrade: joining ${course}`,
      text: [`Someone asked to join ${course} on Labgrade with this address, which already has an account.`, "", "If that was you, sign in and join from here:", signIn, "", "If it was not you, ignore this message."].join("\n"),
    });
    return { email };
  }
  await mailer.send({
    to: email,
    subject: `Labgrade: your invitation to ${course}`,
    text: [
      `Someone (we hope you) asked to join ${course} on Labgrade with this address.`,
      "",
      `To create your account and join, open this link (it works once, for ${EMAIL_PROOF_HOURS} hours), then choose your name and password there:`,
      emailProofUrl(proof),
      "",
      "If it was not you, ignore this message: no account is made without the link.",
    ].join("\n"),
  });
  return { email };
}

/**
 * The visitor opened the mailed link: the account is made (or, for an account
 * an import made that nobody can sign in to yet, claimed) with its email
 * proven, roles waiting for the email attach, and it joins the invitation's course.
 */
export async function completeSignUp(db: Db, proofSecret: string, raw: z.infer<typeof signUpSchema>, now = new Date()) {
  const input = signUpSchema.parse(raw);
  const proof = await emailProofOrThrow(db, proofSecret, now);
  if (!proof.invitationId) throw new NotFoundError("link");
  const email = proof.email;
  checkNewPassword(input.password, input.repeat, email);
  const passwordHash = await hashPassword(input.password);
  const result = await db.$transaction(async (tx) => {
    const invitation = await usableInvitation(tx, { id: proof.invitationId! }, now);
    forThisEmail(invitation, email);
    if (!(await spendEmailProof(tx, proof.id))) throw new NotFoundError("link");
    const existing = await tx.user.findUnique({ where: { email }, include: { accounts: { select: { id: true } } } });
    let user: { id: string; email: string };
    if (!existing) {
      user = await tx.user.create({ data: { email, name: input.name, passwordHash, emailVerified: now }, select: { id: true, email: true } });
    } else if (existing.passwordHash === null && existing.accounts.length === 0) {
      user = await tx.user.update({ where: { id: existing.id }, data: { name: existing.name ?? input.name, passwordHash, emailVerified: now }, select: { id: true, email: true } });
    } else {
      throw new StudentError("invitation.account_exists", `you already have an account for ${email}; sign in with it, then open the invitation again`);
    }
    await attachPendingMemberships(tx, user);
    return { ...(await join(tx, invitation, user)), courseSlug: invitation.course.slug };
  });
  return { ...result, email };
}
