// Password reset by staff: an instructor makes a one-time link for a member of
// their course (a student who forgot their password, or one imported from a
// roster who has never had one) and hands it over; whoever opens it sets the
// account's password. The link's secret is never stored (only its sha256),
// it lasts PASSWORD_LINK_HOURS, a new link replaces the old, and using it ends
// any sign-in lock-out of the account and every session of it (whoever was
// signed in must sign in again, with the new password).
//
// A link is a key to the whole account, across every course it is in, so the
// actor must outrank the member in *every* course the member belongs to
// (an instructor may reset their students and TAs, an owner also their
// instructors), and nobody but a platform admin resets a platform admin.
import { randomBytes } from "node:crypto";
import { sha256 } from "../blobs.js";
import type { Actor } from "../courses/access.js";
import { getCourseForEditorOrThrow } from "../courses/access.js";
import type { Db } from "../db.js";
import { ForbiddenError, NotFoundError, StudentError } from "../errors.js";
import type { CourseRole } from "../generated/prisma/enums.js";
import { checkNewPassword } from "./account.js";
import { lockOutKey } from "./credentials.js";
import { hashPassword } from "./password.js";
import { endSessionsOf } from "./sessions.js";
import type { SignInLimiter } from "./sign-in-limits.js";

export const PASSWORD_LINK_HOURS = 72;
const IDENTIFIER = (userId: string) => `password:${userId}`;
export const RANK: Record<CourseRole, number> = { STUDENT: 0, TA: 1, INSTRUCTOR: 2, OWNER: 3 };

export const newSecret = () => randomBytes(32).toString("base64url");

export async function createPasswordLink(db: Db, actor: Actor, input: { courseSlug: string; userId: string }, now = new Date()) {
  const { course } = await getCourseForEditorOrThrow(db, actor, input.courseSlug, "reset passwords");
  const target = await db.user.findFirst({
    where: { id: input.userId, memberships: { some: { courseId: course.id } } },
    select: { id: true, email: true, isPlatformAdmin: true, memberships: { select: { courseId: true, role: true } } },
  });
  if (!target) throw new NotFoundError("member");
  if (target.id === actor.userId) throw new ForbiddenError("change your own password on your account page");
  if (!actor.isPlatformAdmin) {
    if (target.isPlatformAdmin) throw new ForbiddenError("only a platform admin may reset a platform admin's password");
    const mine = await db.membership.findMany({ where: { userId: actor.userId, courseId: { in: target.memberships.map((m) => m.courseId) } } });
    const outranked = target.memberships.every((theirs) => {
      const own = mine.find((m) => m.courseId === theirs.courseId);
      return own !== undefined && RANK[own.role] >= RANK.INSTRUCTOR && RANK[own.role] > RANK[theirs.role];
    });
    if (!outranked) throw new ForbiddenError(`${target.email} is also in a course you do not run (or is not below you in this one); ask a platform admin to reset this password`);
  }
  const secret = newSecret();
  const expiresAt = new Date(now.getTime() + PASSWORD_LINK_HOURS * 3600_000);
  await db.$transaction([
    db.verificationToken.deleteMany({ where: { identifier: IDENTIFIER(target.id) } }),
    db.verificationToken.create({ data: { identifier: IDENTIFIER(target.id), token: sha256(secret), expires: expiresAt } }),
    db.auditLog.create({
      data: { courseId: course.id, actorId: actor.userId, action: "user.password_link", targetType: "user", targetId: target.id, details: { email: target.email, expiresAt: expiresAt.toISOString() } },
    }),
  ]);
  return { path: `/password/${secret}`, email: target.email, expiresAt };
}

async function linkOrThrow(db: Db, secret: string, now: Date) {
  const token = await db.verificationToken.findUnique({ where: { token: sha256(secret) } });
  if (!token || !token.identifier.startsWith("password:")) throw new NotFoundError("link");
  if (token.expires <= now) throw new StudentError("link.expired", "this link has expired; ask your course staff for a new one");
  const user = await db.user.findUnique({ where: { id: token.identifier.slice("password:".length) }, select: { id: true, email: true, name: true } });
  if (!user) throw new NotFoundError("link");
  return { token, user };
}

/** Whose password the link sets (for the page); NotFoundError for an unknown link. */
export async function passwordLinkOwner(db: Db, secret: string, now = new Date()) {
  return (await linkOrThrow(db, secret, now)).user;
}

/** Sets the password and spends the link; returns the account's email. */
export async function spendPasswordLink(db: Db, limiter: SignInLimiter | null, input: { secret: string; next: string; repeat: string }, now = new Date()) {
  const { user } = await linkOrThrow(db, input.secret, now);
  checkNewPassword(input.next, input.repeat, user.email);
  const passwordHash = await hashPassword(input.next);
  const spent = await db.$transaction(async (tx) => {
    // Spent once: a second, concurrent use finds nothing to delete.
    const { count } = await tx.verificationToken.deleteMany({ where: { identifier: IDENTIFIER(user.id) } });
    if (count === 0) return false;
    await tx.user.update({ where: { id: user.id }, data: { passwordHash, mustChangePassword: false } });
    await endSessionsOf(tx, user.id);
    return true;
  });
  if (!spent) throw new NotFoundError("link");
  await limiter?.succeed(lockOutKey(user, user.email));
  return user.email;
}
