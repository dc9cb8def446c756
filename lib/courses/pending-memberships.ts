// Roles waiting for an email to be proven. A roster import names people by
// email, and an email is only a person's once they have proven they receive
// mail there (lib/auth/email-proof.ts, or an SSO issuer's verified claim). So
// an import never gives a role to an account that could sign in but never
// proved its email (anyone with an open invitation link could once create an
// account for any address): such rows wait here, are listed on the roster
// page, and become memberships the moment an account proves that email.
// Accounts nobody can sign in to yet (made by an import) take roles at once:
// whoever later gets into one does so by proving the email, by SSO, or by a
// password link their staff handed them.
import type { Tx } from "../db.js";
import { freePseudonym } from "./pseudonyms.js";

/** Whether a role may be given to this account on the strength of its email alone. */
export function receivesRolesByEmail(user: { emailVerified: Date | null; passwordHash: string | null; accountCount: number }): boolean {
  return user.emailVerified !== null || (user.passwordHash === null && user.accountCount === 0);
}

/** The account just proved `email`: every role waiting for it becomes a membership (an owner's role is never lowered). */
export async function attachPendingMemberships(tx: Tx, user: { id: string; email: string }): Promise<number> {
  const pending = await tx.pendingMembership.findMany({ where: { email: user.email } });
  for (const row of pending) {
    const member = await tx.membership.findUnique({ where: { courseId_userId: { courseId: row.courseId, userId: user.id } } });
    const wanted = row.pseudonym && !(await tx.membership.findFirst({ where: { courseId: row.courseId, pseudonym: row.pseudonym, userId: { not: user.id } }, select: { id: true } })) ? row.pseudonym : null;
    if (member) {
      if (member.role !== "OWNER") {
        const pseudonym = wanted ?? member.pseudonym ?? (row.role === "STUDENT" ? await freePseudonym(tx, row.courseId) : null);
        await tx.membership.update({ where: { id: member.id }, data: { role: row.role, pseudonym } });
      }
    } else {
      const pseudonym = wanted ?? (row.role === "STUDENT" ? await freePseudonym(tx, row.courseId) : null);
      await tx.membership.create({ data: { courseId: row.courseId, userId: user.id, role: row.role, pseudonym } });
    }
    await tx.auditLog.create({
      data: { courseId: row.courseId, actorId: user.id, action: "member.email_proven", targetType: "user", targetId: user.id, details: { email: user.email, role: row.role } },
    });
  }
  await tx.pendingMembership.deleteMany({ where: { email: user.email } });
  return pending.length;
}
